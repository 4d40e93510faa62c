/**
 * A database from before business-scoped user ids upgrades in place: migration 4 gives every participant and every
 * pending request its user's derived BSUID, and pending requests list with `user_id` (pywa reads it from each).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import Database from 'better-sqlite3';
import type { JoinRequest } from '@groupgate/sdk/contract';
import { SQLITE_MIGRATIONS } from './sqlite/sqlite-migrations.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';
import { OLD_ROWS, seedOldRows, type OldDatabase } from './bsuid-migration.case.js';
import { bsuidFor } from '../domain/users.js';

const dir = mkdtempSync(join(tmpdir(), 'gg-bsuid-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('SQLite: rows from before BSUIDs get their derived user ids, and pending requests list with them', async () => {
  const path = join(dir, 'old.sqlite');
  const db = new Database(path);
  db.exec(
    `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`,
  );
  for (const m of SQLITE_MIGRATIONS.filter((step) => step.version <= 3)) {
    db.exec(m.sql);
    db.prepare('INSERT INTO schema_migrations VALUES (?, ?, 0)').run(m.version, m.name);
  }
  const old: OldDatabase = {
    run: async (sql, values) => {
      db.prepare(sql.replace(/\$\d+/g, '?')).run(...values);
    },
  };
  const { wabaId, groupId } = await seedOldRows(old);
  db.close();

  const store = openSqliteStore({ path });
  try {
    const group = await store.findGroupById(groupId);
    assert.ok(group);
    assert.deepEqual(await store.listParticipants(group.pk), [
      { waId: OLD_ROWS.participant, userId: bsuidFor(wabaId, OLD_ROWS.participant), phoneHidden: false },
    ]);
    const page = await store.listPendingJoinRequests(group.pk, { limit: 10 });
    const items = JSON.parse(`[${page.itemsJson}]`) as JoinRequest[];
    assert.deepEqual(items, [
      {
        join_request_id: OLD_ROWS.joinRequestId,
        wa_id: OLD_ROWS.requester,
        user_id: bsuidFor(wabaId, OLD_ROWS.requester),
        creation_timestamp: 1_790_000_000,
      },
    ]);
    // The backfilled participant is found by BSUID.
    const userId = bsuidFor(wabaId, OLD_ROWS.participant);
    const [outcome] = await store.removeParticipants(
      group.pk,
      [{ input: userId, userId }],
      { now: 1, ban: true },
      () => [],
    );
    assert.equal(outcome?.result, 'removed');
  } finally {
    await store.close();
  }
});
