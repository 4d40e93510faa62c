/**
 * @module storage/postgres/postgres-rate-windows — the rate-limit windows in PostgreSQL, shared by every instance on
 * the database. A take locks its windows (transaction-scoped advisory locks, taken in one order so that two takes
 * never wait on each other crosswise), reads their buckets, asks the domain's planner and writes the call, in one
 * transaction: however many instances race, a window never lets more calls through than its limit.
 */
import type pg from 'pg';
import {
  expiredBefore,
  planTake,
  type BusinessLimits,
  type RateBucket,
  type TakePlan,
  type WindowTake,
} from '../../domain/rate-limits.js';
import { BUSINESS_COLUMNS, limitsJson, type BusinessRow } from '../rows.js';
import { inTransaction } from './pool.js';

const windowKey = (take: WindowTake) => `${take.budget}:${take.scopeId}`;

async function readBuckets(
  client: pg.Pool | pg.PoolClient,
  take: WindowTake,
  now: number,
): Promise<RateBucket[]> {
  const result = await client.query<RateBucket>({
    name: 'gg_rate_buckets',
    text: 'SELECT at, count FROM rate_window_counts WHERE budget = $1 AND scope_id = $2 AND at > $3 ORDER BY at',
    values: [take.budget, take.scopeId, expiredBefore(take.limit, now)],
  });
  return result.rows;
}

export async function takeFromWindows(
  pool: pg.Pool,
  takes: readonly WindowTake[],
  now: number,
  cost: 0 | 1,
): Promise<TakePlan> {
  if (cost === 0) {
    const windows = await Promise.all(
      takes.map(async (t) => ({ limit: t.limit, buckets: await readBuckets(pool, t, now) })),
    );
    return planTake(windows, now, 0);
  }
  return inTransaction(pool, async (client) => {
    // Ordered by the lock's own key, so that any two takes lock their common windows in the same order.
    await client.query(
      `SELECT pg_advisory_xact_lock(k) FROM
         (SELECT hashtextextended(w, 0) AS k FROM unnest($1::text[]) AS w ORDER BY 1) AS keys`,
      [takes.map(windowKey)],
    );
    const windows = [];
    for (const t of takes) windows.push({ limit: t.limit, buckets: await readBuckets(client, t, now) });
    const plan = planTake(windows, now, cost);
    if (!plan.allowed) return plan;
    for (const t of takes) {
      await client.query(
        `WITH pruned AS (DELETE FROM rate_window_counts WHERE budget = $1 AND scope_id = $2 AND at <= $5)
         INSERT INTO rate_window_counts (budget, scope_id, business_pk, at, count) VALUES ($1, $2, $3, $4, 1)
         ON CONFLICT (budget, scope_id, at) DO UPDATE SET count = rate_window_counts.count + 1`,
        [t.budget, t.scopeId, t.businessPk, now, expiredBefore(t.limit, now)],
      );
    }
    return plan;
  });
}

export async function setBusinessLimits(
  pool: pg.Pool,
  wabaId: string,
  limits: BusinessLimits,
): Promise<BusinessRow | undefined> {
  return inTransaction(pool, async (client) => {
    const row = (
      await client.query<BusinessRow>(
        `UPDATE businesses SET limits_json = $1 WHERE waba_id = $2 RETURNING ${BUSINESS_COLUMNS}`,
        [limitsJson(limits), wabaId],
      )
    ).rows[0];
    if (row !== undefined)
      await client.query('DELETE FROM rate_window_counts WHERE business_pk = $1', [row.pk]);
    return row;
  });
}
