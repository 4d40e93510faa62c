/**
 * @module storage/sqlite/page-worker-client — page reads on a second thread. better-sqlite3 is synchronous, so a
 * page read on the main thread holds the event loop for its whole query (17–30 µs of a GET's 100, measured), and
 * while it does, the machine's other core idles. A worker with its own read-only connection takes those queries in
 * batches (ReadBatcher) while the main thread parses and answers HTTP: GET throughput rose by half (see
 * docs/performance.md). WAL gives the worker every commit made before its read began, so a page read after a
 * decision was answered always shows it.
 *
 * The worker is an optimisation, never a dependency: until it reports ready, and if it ever fails, `read` rejects
 * and the store reads on its own connection.
 */
import { Worker } from 'node:worker_threads';
import type { PageInput, RenderedPageRow } from './page-queries.js';

export interface PageWorkerRequest {
  id: number;
  inputs: readonly PageInput[];
}

export type PageWorkerReply =
  { ready: true } | { id: number; rows: RenderedPageRow[] } | { id: number; error: string };

interface Waiting {
  resolve: (rows: RenderedPageRow[]) => void;
  reject: (error: Error) => void;
}

/**
 * The worker's entry. Run from TypeScript sources (the tests), it is the .ts file, loaded through tsx: Node 20 does
 * not apply the parent's `--import tsx` hooks to workers, so the worker registers them itself first.
 */
function workerEntry(): { entry: URL | string; eval: boolean } {
  if (!import.meta.url.endsWith('.ts'))
    return { entry: new URL('./page-worker.js', import.meta.url), eval: false };
  const source = JSON.stringify(new URL('./page-worker.ts', import.meta.url).href);
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  return {
    entry: `import(${tsx}).then(({ register }) => { register(); return import(${source}); })`,
    eval: true,
  };
}

export class PageWorker {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, Waiting>();
  #nextId = 0;
  #state: 'starting' | 'ready' | 'failed' = 'starting';
  #started!: (ready: boolean) => void;
  /** Settles once the worker is ready (true) or has failed before being ready (false). */
  readonly started = new Promise<boolean>((resolve) => (this.#started = resolve));

  constructor(path: string) {
    const { entry, eval: isSource } = workerEntry();
    this.#worker = new Worker(entry, {
      eval: isSource,
      workerData: { path },
      // Its heap only ever holds one batch of pages; a small young generation keeps its memory small.
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    // It must not keep a process alive that has nothing else to do.
    this.#worker.unref();
    this.#worker.on('message', (reply: PageWorkerReply) => this.#answer(reply));
    this.#worker.on('error', (error) => this.#fail(error));
    this.#worker.on('exit', (code) => this.#fail(new Error(`page worker exited with code ${code}`)));
  }

  get ready(): boolean {
    return this.#state === 'ready';
  }

  read(inputs: readonly PageInput[]): Promise<RenderedPageRow[]> {
    if (this.#state !== 'ready') return Promise.reject(new Error(`page worker is ${this.#state}`));
    return new Promise((resolve, reject) => {
      const id = this.#nextId++;
      this.#waiting.set(id, { resolve, reject });
      this.#worker.postMessage({ id, inputs } satisfies PageWorkerRequest);
    });
  }

  async close(): Promise<void> {
    this.#state = 'failed';
    await this.#worker.terminate();
  }

  #answer(reply: PageWorkerReply): void {
    if ('ready' in reply) {
      if (this.#state === 'starting') this.#state = 'ready';
      this.#started(this.#state === 'ready');
      return;
    }
    const waiting = this.#waiting.get(reply.id);
    this.#waiting.delete(reply.id);
    if ('rows' in reply) waiting?.resolve(reply.rows);
    else waiting?.reject(new Error(reply.error));
  }

  #fail(error: Error): void {
    this.#state = 'failed';
    this.#started(false);
    for (const waiting of this.#waiting.values()) waiting.reject(error);
    this.#waiting.clear();
  }
}
