/**
 * @module storage/sqlite/group-commit — runs the write operations queued during one event-loop turn in a single
 * IMMEDIATE transaction, each inside its own savepoint. With many clients deciding at once, most of a SQLite
 * write's cost is the transaction around it (BEGIN, COMMIT, WAL frames for shared pages); sharing one among the
 * operations of a turn multiplies write throughput (measured in docs/performance.md). Each caller still gets its
 * own result or error, and only after the commit, so nothing is acknowledged before it is durable.
 */
import type Database from 'better-sqlite3';

interface Queued<A extends unknown[], R> {
  args: A;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

export class GroupCommit<A extends unknown[], R> {
  readonly #operation: (...args: A) => R;
  readonly #commitBatch: (batch: readonly Queued<A, R>[]) => Settled<R>[];
  #queue: Queued<A, R>[] = [];

  /** `operation` must be a better-sqlite3 transaction function: called inside the batch it runs as a savepoint. */
  constructor(db: Database.Database, operation: (...args: A) => R) {
    this.#operation = operation;
    this.#commitBatch = db.transaction((batch: readonly Queued<A, R>[]) =>
      batch.map((item): Settled<R> => {
        try {
          return { ok: true, value: this.#operation(...item.args) };
        } catch (error) {
          // A full disk, an I/O error or running out of memory makes SQLite roll back the whole transaction, not
          // just the savepoint: the operations before this one are undone, and the ones after it would each
          // commit on their own while the batch reported failure. Fail the batch as a whole instead.
          if (!db.inTransaction) throw error;
          // The savepoint has rolled this operation back; the others in the batch go on.
          return { ok: false, error };
        }
      }),
    ).immediate;
  }

  run(...args: A): Promise<R> {
    return new Promise((resolve, reject) => {
      if (this.#queue.length === 0) setImmediate(() => this.#flush());
      this.#queue.push({ args, resolve, reject });
    });
  }

  #flush(): void {
    const batch = this.#queue;
    this.#queue = [];
    let settled: Settled<R>[];
    try {
      settled = this.#commitBatch(batch);
    } catch (error) {
      // BEGIN or COMMIT failed, or the transaction was lost: nothing in the batch was applied.
      for (const item of batch) item.reject(error);
      return;
    }
    settled.forEach((result, i) => {
      const item = batch[i];
      if (item === undefined) return;
      if (result.ok) item.resolve(result.value);
      else item.reject(result.error);
    });
  }
}
