/**
 * @module server/journal/request-journal — the request journal's write side: calls are buffered in memory as they
 * are answered and written to the store in batches (one write per batch, which also trims the bound), so that no
 * call waits on a journal write. A read through this instance flushes first, so it sees every call this instance
 * has answered; another instance's calls reach the store within one flush interval.
 */
import type { NewJournalEntry } from '../../domain/journal.js';
import type { Store } from '../../storage/store.js';

export interface RequestJournalOptions {
  /** Entries the store keeps (the newest); must be at least 1: a journal of size 0 is not built. */
  maxEntries: number;
  /** How long an answered call waits in memory at most before it is written. @default 50 */
  flushIntervalMs?: number;
  /** A batch this large is written at once, without waiting for the interval. @default 500 */
  maxBatch?: number;
  /** A batch the store refused (it is dropped: the journal never holds up or fails a call). */
  onError?: (error: unknown) => void;
}

/**
 * Buffers captured calls of type `Captured` and turns them into entries only when a batch is written: redacting
 * and serialising a call is work the response never waits for.
 */
export class RequestJournal<Captured> {
  readonly maxEntries: number;
  readonly #store: Store;
  readonly #describe: (captured: Captured) => NewJournalEntry;
  readonly #flushIntervalMs: number;
  readonly #maxBatch: number;
  readonly #onError: (error: unknown) => void;
  #pending: Captured[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** The batch being written, if any: writes go one at a time, so entries reach the store in order. */
  #writing: Promise<void> | undefined;
  #closed = false;

  constructor(
    store: Store,
    describe: (captured: Captured) => NewJournalEntry,
    options: RequestJournalOptions,
  ) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1) {
      throw new Error(`a request journal keeps at least 1 entry, got ${options.maxEntries}`);
    }
    this.maxEntries = options.maxEntries;
    this.#store = store;
    this.#describe = describe;
    this.#flushIntervalMs = options.flushIntervalMs ?? 50;
    this.#maxBatch = options.maxBatch ?? 500;
    this.#onError = options.onError ?? (() => undefined);
  }

  /** Keeps one answered call; costs a push, and at most one timer per interval. */
  record(captured: Captured): void {
    if (this.#closed) return;
    this.#pending.push(captured);
    // Calls older than the bound's worth would be trimmed on arrival: a store that cannot keep up costs no memory.
    if (this.#pending.length > this.maxEntries)
      this.#pending.splice(0, this.#pending.length - this.maxEntries);
    if (this.#pending.length >= this.#maxBatch) {
      this.#cancelTimer();
      setImmediate(() => void this.flush());
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        void this.flush();
      }, this.#flushIntervalMs);
      this.#timer.unref();
    }
  }

  /** Writes every call recorded so far; resolves once they are in the store (or were refused by it). */
  async flush(): Promise<void> {
    this.#cancelTimer();
    while (this.#writing !== undefined || this.#pending.length > 0) {
      if (this.#writing !== undefined) {
        await this.#writing;
        continue;
      }
      const batch = this.#pending;
      this.#pending = [];
      this.#writing = this.#write(batch).finally(() => (this.#writing = undefined));
    }
  }

  async #write(batch: readonly Captured[]): Promise<void> {
    try {
      const entries: NewJournalEntry[] = [];
      for (const captured of batch) entries.push(this.#describe(captured));
      await this.#store.appendJournalEntries(entries, this.maxEntries);
    } catch (error) {
      this.#onError(error);
    }
  }

  /**
   * Drops every call not yet written and waits for a write under way, so that a delete or a reset that follows
   * leaves nothing of what was answered before it.
   */
  async discardPending(): Promise<void> {
    this.#cancelTimer();
    this.#pending = [];
    while (this.#writing !== undefined) await this.#writing;
  }

  /** Writes what is left; later calls are not recorded. */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
  }

  #cancelTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
