/**
 * @module storage/sqlite/sqlite-rate-windows — the rate-limit windows in SQLite: each take reads its windows' buckets,
 * asks the domain's planner, and writes the call, in one IMMEDIATE transaction (serialised against every other
 * writer of the file, in this process or another).
 */
import type Database from 'better-sqlite3';
import {
  expiredBefore,
  planTake,
  type BusinessLimits,
  type RateBucket,
  type TakePlan,
  type WindowTake,
} from '../../domain/rate-limits.js';
import { limitsJson, type BusinessRow } from '../rows.js';

export class SqliteRateWindows {
  readonly #db: Database.Database;
  readonly #buckets: Database.Statement<[budget: string, scopeId: string, after: number], RateBucket>;
  readonly #prune: Database.Statement<[budget: string, scopeId: string, upTo: number]>;
  readonly #count: Database.Statement<[budget: string, scopeId: string, businessPk: number, at: number]>;
  readonly #setLimits: Database.Statement<[limitsJson: string | null, wabaId: string], BusinessRow>;
  readonly #dropCounts: Database.Statement<[businessPk: number]>;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#buckets = db.prepare(
      'SELECT at, count FROM rate_window_counts WHERE budget = ? AND scope_id = ? AND at > ? ORDER BY at',
    );
    this.#prune = db.prepare('DELETE FROM rate_window_counts WHERE budget = ? AND scope_id = ? AND at <= ?');
    this.#count = db.prepare(`INSERT INTO rate_window_counts (budget, scope_id, business_pk, at, count)
      VALUES (?, ?, ?, ?, 1) ON CONFLICT (budget, scope_id, at) DO UPDATE SET count = count + 1`);
    this.#setLimits = db.prepare('UPDATE businesses SET limits_json = ? WHERE waba_id = ? RETURNING *');
    this.#dropCounts = db.prepare('DELETE FROM rate_window_counts WHERE business_pk = ?');
  }

  take(takes: readonly WindowTake[], now: number, cost: 0 | 1): TakePlan {
    const read = () =>
      takes.map((t) => ({
        limit: t.limit,
        buckets: this.#buckets.all(t.budget, t.scopeId, expiredBefore(t.limit, now)),
      }));
    if (cost === 0) return planTake(read(), now, 0);
    return this.#db
      .transaction(() => {
        const plan = planTake(read(), now, cost);
        if (!plan.allowed) return plan;
        for (const t of takes) {
          this.#prune.run(t.budget, t.scopeId, expiredBefore(t.limit, now));
          this.#count.run(t.budget, t.scopeId, t.businessPk, now);
        }
        return plan;
      })
      .immediate();
  }

  setLimits(wabaId: string, limits: BusinessLimits): BusinessRow | undefined {
    return this.#db
      .transaction(() => {
        const row = this.#setLimits.get(limitsJson(limits), wabaId);
        if (row !== undefined) this.#dropCounts.run(row.pk);
        return row;
      })
      .immediate();
  }
}
