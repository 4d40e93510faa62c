/**
 * @module storage/record-cache — a bounded map of records read on every call (tokens, groups), optionally expiring.
 * SQLite keeps entries until a write forgets them (writes by other connections are caught by `PRAGMA data_version`);
 * PostgreSQL gives them a short life, since another instance may change the row.
 */
import type { GroupRecord } from '../domain/records.js';

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

/** Groups by id, as calls name them, and forgotten by pk, as writes name them. */
export class GroupCache {
  readonly #byId: RecordCache<string, GroupRecord>;
  readonly #idByPk = new Map<number, string>();
  readonly #max: number;

  constructor(max: number, ttlMs = Infinity) {
    this.#byId = new RecordCache(max, ttlMs);
    this.#max = max;
  }

  get(groupId: string): GroupRecord | undefined {
    return this.#byId.get(groupId);
  }

  remember(group: GroupRecord): void {
    if (this.#idByPk.size >= this.#max) this.#idByPk.clear();
    this.#byId.set(group.groupId, group);
    this.#idByPk.set(group.pk, group.groupId);
  }

  /** Called after every write that changes a group's row. */
  forget(groupPk: number): void {
    const groupId = this.#idByPk.get(groupPk);
    if (groupId !== undefined) this.#byId.delete(groupId);
  }

  clear(): void {
    this.#byId.clear();
    this.#idByPk.clear();
  }
}
