/**
 * @module testing/on-postgres — runs an HTTP test suite again with PostgreSQL as the store. Each
 * `x.postgres.test.ts` is one line calling this; node's test runner gives every file its own process, so the
 * switch cannot leak into the SQLite run of the same suite.
 */
import { test } from 'node:test';
import { postgresSkipReason } from './postgres.js';

export async function runOnPostgres(importSuite: () => Promise<unknown>): Promise<void> {
  const skip = await postgresSkipReason();
  if (skip !== false) {
    test('this suite on PostgreSQL', { skip }, () => undefined);
    return;
  }
  process.env['GROUPGATE_TEST_STORE'] = 'postgres';
  await importSuite();
}
