import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { JoinRequest } from '@groupgate/sdk/contract';
import { mintBusiness } from '../../domain/businesses.js';
import { mintGroup } from '../../domain/groups.js';
import { joinRequestIdFor } from '../../domain/ids.js';
import { userIdentity } from '../../domain/users.js';
import { PageWorker } from './page-worker-client.js';
import { runOutboxContract } from '../outbox.case.js';
import { runStoreContract } from '../store.case.js';
import { openSqliteStore } from './sqlite-store.js';

runStoreContract({ name: 'sqlite (:memory:)', open: async () => openSqliteStore({ path: ':memory:' }) });
runOutboxContract({ name: 'sqlite (:memory:)', open: async () => openSqliteStore({ path: ':memory:' }) });

const fileDir = mkdtempSync(join(tmpdir(), 'groupgate-sqlite-served-'));
let files = 0;
after(() => rmSync(fileDir, { recursive: true, force: true }));
// As `groupgate serve` opens it: a file, record caches on, and pages read on the worker thread once it is up.
runStoreContract({
  name: 'sqlite (file, record caches, page worker)',
  open: async () => {
    const store = openSqliteStore({
      path: join(fileDir, `s${files++}.sqlite`),
      cacheRecords: true,
      readWorker: true,
    });
    assert.equal(await store.pageWorkerStarted(), true, 'the page worker starts');
    return store;
  },
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

  it('keeps the file and its WAL and shared-memory files readable by their owner only', async () => {
    const path = join(dir, 'private.sqlite');
    const previous = process.umask(0o022);
    try {
      const store = openSqliteStore({ path, readWorker: true });
      await store.createBusiness(mintBusiness('Secretive', 1));
      for (const file of [path, `${path}-wal`, `${path}-shm`]) {
        assert.equal((statSync(file).mode & 0o777).toString(8), '600', file);
      }
      await store.close();
    } finally {
      process.umask(previous);
    }
  });

  it('takes group and world access away from a file an older version left readable', async () => {
    const path = join(dir, 'legacy.sqlite');
    // An empty file is an empty database to SQLite.
    writeFileSync(path, '', { mode: 0o644 });
    chmodSync(path, 0o644);
    const store = openSqliteStore({ path });
    assert.equal((statSync(path).mode & 0o777).toString(8), '600');
    await store.close();
  });

  it('drops its cached tokens and groups when another connection commits', async () => {
    const path = join(dir, 'shared.sqlite');
    const store = openSqliteStore({ path, cacheRecords: true });
    const business = await store.createBusiness(mintBusiness('Shared', 1));
    await store.createAccessToken({
      token: 'tok-shared',
      businessPk: business.pk,
      createdAt: 1,
      expiresAt: null,
    });
    const group = await store.createGroup(
      mintGroup(business, { subject: 'Before', description: '', joinApprovalMode: 'approval_required' }, 1),
      10,
      () => [],
    );
    if (group === 'limit_reached') throw new Error('limit');
    assert.equal((await store.findAccessToken('tok-shared'))?.revokedAt, null);
    assert.equal((await store.findGroupById(group.groupId))?.subject, 'Before');
    // Another process, or a sqlite3 shell, writes the same file.
    const other = new Database(path);
    other.prepare(`UPDATE access_tokens SET revoked_at = 5 WHERE token = 'tok-shared'`).run();
    other.prepare(`UPDATE groups SET subject = 'After' WHERE pk = ?`).run(group.pk);
    other.close();
    // The caches are checked once per event-loop turn: the next turn sees the other connection's commit.
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal((await store.findAccessToken('tok-shared'))?.revokedAt, 5);
    assert.equal((await store.findGroupById(group.groupId))?.subject, 'After');
    await store.close();
  });

  it('answers concurrent page reads on the worker, each with its own group and position', async () => {
    const store = openSqliteStore({ path: join(dir, 'worker.sqlite'), cacheRecords: true, readWorker: true });
    assert.equal(await store.pageWorkerStarted(), true);
    const business = await store.createBusiness(mintBusiness('Worker', 1));
    const groups = [];
    for (let g = 0; g < 6; g++) {
      const group = await store.createGroup(
        mintGroup(business, { subject: `G${g}`, description: '', joinApprovalMode: 'approval_required' }, 1),
        10,
        () => [],
      );
      if (group === 'limit_reached') throw new Error('limit');
      for (let u = 0; u < 5; u++) {
        const waId = `1650555${g}${u}00`;
        const input = {
          user: userIdentity(business.wabaId, waId),
          joinRequestId: joinRequestIdFor(waId, group.groupNumber),
          now: 1,
          maxParticipants: 8,
        };
        await store.requestToJoin(group, input, () => []);
      }
      groups.push(group);
    }
    // Reads made together travel to the worker as batches; each caller must get its own group's page.
    const reads = groups.flatMap((group, g) =>
      [1, 2, 5].map(async (limit) => {
        const found = await store.listPendingJoinRequestsOfGroup(group.groupId, business.pk, { limit });
        const items = JSON.parse(`[${found?.page.itemsJson ?? ''}]`) as JoinRequest[];
        assert.equal(found?.group.pk, group.pk);
        assert.equal(items.length, limit);
        assert.ok(items.every((item) => item.wa_id?.startsWith(`1650555${g}`)));
        assert.equal(found?.page.hasNext, limit < 5);
      }),
    );
    await Promise.all(reads);
    await store.close();
  });

  it('has no page worker for a database that lives in memory, or one that cannot open the file', async () => {
    const memory = openSqliteStore({ path: ':memory:', readWorker: true });
    assert.equal(await memory.pageWorkerStarted(), false);
    await memory.close();
    const worker = new PageWorker(join(dir, 'missing.sqlite'));
    assert.equal(await worker.started, false);
    await assert.rejects(worker.read([{ groupPk: 1, query: { limit: 1 } }]), /page worker is failed/);
    await worker.close();
  });

  it('serves pages from the covering index and decisions by index seeks, never a scan or a sort', async () => {
    const path = join(dir, 'plan.sqlite');
    const store = openSqliteStore({ path });
    await store.close();
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
