/**
 * @module storage/postgres/pool — connections that may be cut at any moment. PostgreSQL restarting, a failover, or
 * `pg_terminate_backend` ends connections whether idle or in the middle of a transaction. node-postgres reports a
 * lost connection as an `error` event on its client; a client checked out of the pool has no listener for it, and
 * an unheard `error` event ends the process. Every checkout here listens while the client is out, and hands a
 * broken client back as broken, so the pool drops it and opens a fresh one for the next caller: the store answers
 * the calls in flight with the error (a transient one, see storage/transient-errors) and serves again as soon as
 * the database accepts connections.
 */
import type pg from 'pg';
import { isTransientStoreError } from '../transient-errors.js';

/** How long to wait for a new connection before the call fails (transiently) instead of hanging. */
export const CONNECT_TIMEOUT_MS = 5000;

/**
 * How long a query may go unanswered. A connection cut without a word (a failover, a host gone) never answers;
 * without a bound the call, and the webhook dispatcher, would wait for ever. A call waiting on a row lock this long
 * is better answered with a transient error too.
 */
export const QUERY_TIMEOUT_MS = 30_000;

/** The pool settings that keep a lost database from hanging or crashing Groupgate. */
export function resilientPoolConfig(applicationName: string | undefined): pg.PoolConfig {
  return {
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    // TCP keepalives find a dead peer on an idle connection, so fewer dead connections wait in the pool.
    keepAlive: true,
    // Names the connections in pg_stat_activity, for operators (and tests) to find them.
    application_name: applicationName ?? 'groupgate',
  };
}

/** Runs `work` on one client of the pool, which is dropped rather than reused if its connection broke. */
export async function withClient<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost ??= error;
  };
  client.on('error', onError);
  try {
    return await work(client);
  } finally {
    client.removeListener('error', onError);
    // With an error, the pool closes the client instead of handing a dead connection to the next caller.
    client.release(lost);
  }
}

/**
 * Runs `work` in one transaction, rolling back on any error. A connection lost mid-transaction leaves nothing
 * applied: PostgreSQL rolls back a transaction whose connection ends before COMMIT. A connection lost during
 * COMMIT itself leaves the outcome unknown, as with any database: the caller gets a transient error and a retry
 * finds the change applied or not, never half-applied.
 *
 * A pooled connection may have been cut while idle without the client hearing of it (a failover, a NAT or
 * firewall timeout): BEGIN is then the first to fail. Nothing was done yet, so the transaction starts again on
 * another connection, as many times as the pool may hold dead ones, each dropped as it is found.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const tries = (pool.options.max ?? 10) + 1;
  for (let attempt = 1; ; attempt++) {
    let connected = false;
    let begun = false;
    try {
      return await withClient(pool, async (client) => {
        connected = true;
        await client.query('BEGIN');
        begun = true;
        try {
          const result = await work(client);
          await client.query('COMMIT');
          return result;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      });
    } catch (error) {
      const staleConnection = connected && !begun && isTransientStoreError(error);
      if (!staleConnection || attempt >= tries) throw error;
    }
  }
}
