import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { mintBusiness } from '../../domain/businesses.js';
import { runOutboxContract } from '../outbox.case.js';
import { runStoreContract } from '../store.case.js';
import { openSqliteStore } from './sqlite-store.js';

runStoreContract({ name: 'sqlite (:memory:)', open: async () => openSqliteStore({ path: ':memory:' }) });
runOutboxContract({ name: 'sqlite (:memory:)', open: async () => openSqliteStore({ path: ':memory:' }) });

const exclusiveDir = mkdtempSync(join(tmpdir(), 'groupgate-sqlite-exclusive-'));
let files = 0;
after(() => rmSync(exclusiveDir, { recursive: true, force: true }));
runStoreContract({
  name: 'sqlite (file, exclusive, record caches on)',
  open: async () => openSqliteStore({ path: join(exclusiveDir, `s${files++}.sqlite`), exclusive: true }),
});

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

  it('serves pages from the covering index and decisions by index seeks, never a scan or a sort', async () => {
    const path = join(dir, 'plan.sqlite');
    const store = openSqliteStore({ path });
    await store.close();
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(path, { readonly: true });
    const plan = (sql: string) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join('; ');
    const page = plan(`SELECT seq, wire_json FROM join_requests INDEXED BY join_requests_pending_page
      WHERE group_pk = 1 AND status = 'pending' AND seq > 5 ORDER BY seq ASC LIMIT 26`);
    assert.match(page, /USING COVERING INDEX join_requests_pending_page/);
    assert.doesNotMatch(page, /TEMP B-TREE/);
    // Deciding looks each id up by (group, id), with the JSON list of ids as the outer loop: never a group scan.
    const decide = plan(`SELECT r.seq, r.join_request_id, r.wa_id FROM json_each('["a","b"]') AS j
      CROSS JOIN join_requests AS r INDEXED BY join_requests_one_pending
        ON r.group_pk = 1 AND r.join_request_id = j.value AND r.status = 'pending'`);
    assert.match(
      decide,
      /^SCAN j VIRTUAL TABLE.*SEARCH r USING INDEX join_requests_one_pending \(group_pk=\? AND join_request_id=\?\)/,
    );
    db.close();
  });
});
