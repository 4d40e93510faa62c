/**
 * A full disk under SQLite: calls that need room answer Graph's transient 503 (code 2) and apply nothing, reads go
 * on, and everything serves again once there is room, with nothing to restart. The disk is "full" through SQLite's
 * own `max_page_count` on the store's connection: a real SQLITE_FULL, on any machine, without mounting anything.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Harness, V, waIds } from '../testing/harness.js';
import { openSqliteStore, SqliteStore } from '../storage/sqlite/sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'groupgate-disk-full-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite on a full disk', () => {
  it('answers writes with a transient 503 that applies nothing, and serves again once there is room', async () => {
    const path = join(dir, 'full.sqlite');
    await openSqliteStore({ path }).close(); // creates and migrates the file
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    const h = await Harness.start({
      store: new SqliteStore(db, { cacheRecords: true, pageWorkerPath: undefined }),
    });
    try {
      const business = await h.createBusiness();
      const group = await h.createGroup(business);
      const pending = async () =>
        (
          await h.graph<{ data: unknown[] }>({
            method: 'GET',
            url: `/${V}/${group.groupId}/join_requests?limit=1000`,
            token: business.access_token,
          })
        ).body.data.length;

      db.pragma(`max_page_count = ${Number(db.pragma('page_count', { simple: true }))}`);
      let requested = 0;
      let refused: { waId: string; status: number; error: Record<string, unknown> } | undefined;
      for (const waId of waIds(2000)) {
        const join = await h.control('POST', `/_groupgate/users/${waId}/join`, {
          invite_link: group.inviteLink,
        });
        if (join.status !== 200) {
          refused = { waId, status: join.status, error: join.body['error'] as Record<string, unknown> };
          break;
        }
        requested++;
      }
      assert.ok(refused, 'the database filled up');
      assert.equal(refused.status, 503);
      assert.deepEqual(
        [refused.error['type'], refused.error['code'], refused.error['is_transient']],
        ['GroupgateException', 2, true],
      );
      assert.equal(await pending(), requested, 'reads go on, and the refused request was not stored');

      db.pragma('max_page_count = 1073741823');
      const again = await h.control('POST', `/_groupgate/users/${refused.waId}/join`, {
        invite_link: group.inviteLink,
      });
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.equal(await pending(), requested + 1);
    } finally {
      await h.close();
    }
  });
});
