import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { mintBusiness } from '../../domain/businesses.js';
import { runStoreContract } from '../store.case.js';
import { openSqliteStore } from './sqlite-store.js';

runStoreContract({ name: 'sqlite (:memory:)', open: async () => openSqliteStore({ path: ':memory:' }) });

describe('SQLite store on a file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'groupgate-sqlite-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps its data across a reopen and applies each migration once', async () => {
    const path = join(dir, 'state.sqlite');
    const first = openSqliteStore({ path });
    const business = await first.createBusiness(mintBusiness('Kept', 1));
    await first.close();
    const second = openSqliteStore({ path });
    assert.deepEqual(await second.findBusinessByName('Kept'), business);
    await second.close();
  });

  it('serves the page query from the covering index, never a table scan or a sort', async () => {
    const path = join(dir, 'plan.sqlite');
    const store = openSqliteStore({ path });
    await store.close();
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(path, { readonly: true });
    const plan = (sql: string) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join('; ');
    const page = plan(`SELECT seq, join_request_id, wa_id, created_at FROM join_requests
      WHERE group_pk = 1 AND status = 'pending' AND seq > 5 ORDER BY seq ASC LIMIT 26`);
    assert.match(page, /USING COVERING INDEX join_requests_pending_page/);
    assert.doesNotMatch(page, /TEMP B-TREE/);
    const lookup = plan(
      `SELECT seq, wa_id FROM join_requests WHERE group_pk = 1 AND join_request_id = 'x' AND status = 'pending'`,
    );
    assert.match(lookup, /USING INDEX join_requests_one_pending/);
    db.close();
  });
});
