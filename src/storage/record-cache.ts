/**
 * @module storage/record-cache — a bounded map of records read on every call (tokens, groups), optionally expiring.
 * SQLite keeps entries until a write through the same store forgets them (it is the file's only writer); PostgreSQL
 * gives them a short life, since another instance may change the row.
 */
export class RecordCache<K, V> {
  readonly #entries = new Map<K, { value: V; expires: number }>();
  readonly #max: number;
  readonly #ttlMs: number;

  /** `ttlMs` Infinity: entries live until forgotten. */
  constructor(max: number, ttlMs = Infinity) {
    this.#max = max;
    this.#ttlMs = ttlMs;
  }

  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expires > performance.now()) return entry.value;
    this.#entries.delete(key);
    return undefined;
  }

  set(key: K, value: V): void {
    // Dropping everything at the bound is crude but O(1) and never wrong: a miss just reads the database.
    if (this.#entries.size >= this.#max) this.#entries.clear();
    this.#entries.set(key, { value, expires: performance.now() + this.#ttlMs });
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}
