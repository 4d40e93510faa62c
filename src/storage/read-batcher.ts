/**
 * @module storage/read-batcher — folds reads issued while earlier ones are in flight into one query.
 * On this machine PostgreSQL spends about 40 µs of CPU on any statement before its plan runs (protocol, executor
 * start-up, waking the backend), and node-postgres about as much again; a page query costs 110–140 µs of database CPU
 * alone, but 35 µs a page in batches of ten (measured in docs/performance.md). Under load, requests arrive faster
 * than round trips complete, so the queue that forms behind a few in-flight batches is the next batch. With no
 * load, each read runs alone at the next turn of the event loop, so nothing waits for company.
 */

interface Pending<I, O> {
  input: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

export interface ReadBatcherOptions {
  /** Batches running at once; more queue behind them and go out together when one returns. */
  maxInFlight: number;
  /** Inputs in one batch, to bound the statement's size. */
  maxBatch: number;
}

export class ReadBatcher<I, O> {
  readonly #run: (inputs: readonly I[]) => Promise<readonly O[]>;
  readonly #options: ReadBatcherOptions;
  #queue: Pending<I, O>[] = [];
  #inFlight = 0;
  #scheduled = false;

  /** `run` answers each input, in order: the answer array must be as long as the input array. */
  constructor(run: (inputs: readonly I[]) => Promise<readonly O[]>, options: ReadBatcherOptions) {
    this.#run = run;
    this.#options = options;
  }

  read(input: I): Promise<O> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ input, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight >= this.#options.maxInFlight || this.#queue.length === 0) return;
    this.#scheduled = true;
    // After the current I/O phase, so that requests parsed from the same poll go out together.
    setImmediate(() => {
      this.#scheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    while (this.#inFlight < this.#options.maxInFlight && this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#options.maxBatch);
      this.#inFlight++;
      void this.#execute(batch);
    }
  }

  async #execute(batch: Pending<I, O>[]): Promise<void> {
    try {
      const answers = await this.#run(batch.map((item) => item.input));
      if (answers.length !== batch.length) {
        throw new Error(`batched read answered ${answers.length} of ${batch.length} inputs`);
      }
      batch.forEach((item, i) => item.resolve(answers[i] as O));
    } catch (error) {
      for (const item of batch) item.reject(error);
    } finally {
      this.#inFlight--;
      // What queued while this batch ran goes out now, as one batch, without waiting for another turn.
      this.#flush();
    }
  }
}
