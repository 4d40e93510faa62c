/**
 * @module testing/postgres — the local PostgreSQL for tests (127.0.0.1:5432, trust auth, database `test`; override
 * with TEST_DATABASE_URL). Each store gets a schema of its own so runs never collide, dropped afterwards. Outside CI
 * an unreachable server skips the PostgreSQL tests with a line saying so; under CI=true it fails them.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgresStore, PostgresStore } from '../storage/postgres/postgres-store.js';

export const TEST_DATABASE_URL =
  process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

let availability: Promise<string | false> | undefined;

/** false when PostgreSQL can be used; otherwise the reason to skip (never outside CI's tolerance). */
export function postgresSkipReason(): Promise<string | false> {
  availability ??= (async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return false;
    } catch (error) {
      const reason = `PostgreSQL not reachable at ${TEST_DATABASE_URL}: ${error instanceof Error ? error.message : String(error)}`;
      if (process.env['CI'] === 'true') throw new Error(`CI=true requires PostgreSQL. ${reason}`);
      process.stdout.write(`# skipping PostgreSQL tests: ${reason}\n`);
      return reason;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return availability;
}

export function newTestSchema(): string {
  return `gg_test_${process.pid}_${randomBytes(4).toString('hex')}`;
}

const schemas: string[] = [];

/**
 * A migrated store on a fresh schema; `dropTestSchemas()` removes every schema made so far. Its connections carry
 * the schema's name as their application_name: a test that cuts them finds its own, never another run's.
 */
export async function openTestPostgresStore(schema = newTestSchema()): Promise<PostgresStore> {
  schemas.push(schema);
  return openPostgresStore({
    connectionString: TEST_DATABASE_URL,
    schema,
    maxConnections: 8,
    applicationName: schema,
  });
}

export async function dropTestSchemas(): Promise<void> {
  for (const schema of schemas.splice(0)) await PostgresStore.dropSchema(TEST_DATABASE_URL, schema);
}
