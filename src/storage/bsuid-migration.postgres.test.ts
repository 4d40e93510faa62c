/** The PostgreSQL twin of bsuid-migration.test.ts: an old schema upgrades in place with derived user ids. */
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import pg from 'pg';
import type { JoinRequest } from '@groupgate/sdk/contract';
import { POSTGRES_MIGRATIONS, quoteIdentifier } from './postgres/postgres-migrations.js';
import {
  dropTestSchemas,
  newTestSchema,
  openTestPostgresStore,
  postgresSkipReason,
  TEST_DATABASE_URL,
} from '../testing/postgres.js';
import { OLD_ROWS, seedOldRows } from './bsuid-migration.case.js';
import { bsuidFor } from '../domain/users.js';

const skip = await postgresSkipReason();
after(() => (skip === false ? dropTestSchemas() : undefined));

it('PostgreSQL: rows from before BSUIDs get their derived user ids', { skip }, async () => {
  const schema = newTestSchema();
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
    await client.query(`CREATE TABLE schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`);
    for (const m of POSTGRES_MIGRATIONS.filter((step) => step.version <= 3)) {
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations VALUES ($1, $2, 0)', [m.version, m.name]);
    }
    await seedOldRows({ run: async (sql, values) => void (await client.query(sql, [...values])) });
  } finally {
    await client.end();
  }
  const store = await openTestPostgresStore(schema);
  try {
    const group = await store.findGroupById('Y2FwaV9ncm91cDpvbGQZD');
    assert.ok(group);
    assert.deepEqual(await store.listParticipants(group.pk), [
      {
        waId: OLD_ROWS.participant,
        userId: bsuidFor(OLD_ROWS.wabaId, OLD_ROWS.participant),
        phoneHidden: false,
      },
    ]);
    const page = await store.listPendingJoinRequests(group.pk, { limit: 10 });
    const [item] = JSON.parse(`[${page.itemsJson}]`) as JoinRequest[];
    assert.equal(item?.user_id, bsuidFor(OLD_ROWS.wabaId, OLD_ROWS.requester));
    assert.equal(item?.wa_id, OLD_ROWS.requester);
  } finally {
    await store.close();
  }
});
