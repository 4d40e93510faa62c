/**
 * Liveness and readiness. `/_groupgate/health/live` is the process answering; `/_groupgate/health` is the store
 * answering a read and committing a write, so a load balancer stops sending calls that could only fail.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { Harness, TEST_STORE, V } from '../../testing/harness.js';
import {
  dropTestSchemas,
  newTestSchema,
  openTestPostgresStore,
  postgresSkipReason,
  TEST_DATABASE_URL,
} from '../../testing/postgres.js';
import { TcpProxy } from '../../testing/tcp-proxy.js';
import { writeFault, type WriteFault } from '../../testing/write-fault.js';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store.js';
import { openPostgresStore, PostgresStore } from '../../storage/postgres/postgres-store.js';

const dir = mkdtempSync(join(tmpdir(), 'groupgate-health-'));
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (TEST_STORE === 'postgres') await dropTestSchemas();
});

let h: Harness | undefined;
let fault: WriteFault | undefined;
afterEach(async () => {
  await fault?.close();
  fault = undefined;
  await h?.close();
  h = undefined;
});

async function get(harness: Harness, url: string) {
  const response = await harness.app.inject({ method: 'GET', url });
  return { status: response.statusCode, body: response.json() as Record<string, unknown> };
}

function assertUnready(answer: { status: number; body: Record<string, unknown> }): void {
  assert.equal(answer.status, 503, JSON.stringify(answer.body));
  const error = answer.body['error'] as Record<string, unknown>;
  assert.equal(error['type'], 'GroupgateException');
  assert.equal(error['code'], 2);
  assert.equal(error['is_transient'], true);
  assert.equal(error['message'], `The ${TEST_STORE} store cannot read and write.`);
}

describe('health', () => {
  it('is ready, and live, while the store reads and writes', async () => {
    h = await Harness.start();
    assert.deepEqual(await get(h, '/_groupgate/health'), {
      status: 200,
      body: { status: 'ok', store: TEST_STORE },
    });
    assert.deepEqual(await get(h, '/_groupgate/health/live'), { status: 200, body: { status: 'ok' } });
  });

  it('is not ready while the database refuses writes, and is again once it takes them', async () => {
    const schema = newTestSchema();
    const path = join(dir, `${schema}.sqlite`);
    h = await Harness.start({
      store:
        TEST_STORE === 'postgres'
          ? await openTestPostgresStore(schema)
          : openSqliteStore({ path, cacheRecords: true }),
    });
    fault = writeFault(TEST_STORE === 'postgres' ? { kind: 'postgres', schema } : { kind: 'sqlite', path });
    await fault.refuse('schema_migrations', 'attempt to write a readonly database', '25006');
    assertUnready(await get(h, '/_groupgate/health'));
    assert.deepEqual(await get(h, '/_groupgate/health/live'), { status: 200, body: { status: 'ok' } });

    await fault.lift();
    assert.equal((await get(h, '/_groupgate/health')).status, 200);
  });
});

describe('health on PostgreSQL that refuses connections', { skip: TEST_STORE !== 'postgres' }, () => {
  it('is not ready while PostgreSQL is down, answers calls transiently, and serves again once it is back', async () => {
    if ((await postgresSkipReason()) !== false) return;
    const database = new URL(TEST_DATABASE_URL);
    const proxy = await TcpProxy.start({ host: database.hostname, port: Number(database.port || 5432) });
    const schema = newTestSchema();
    const viaProxy = new URL(TEST_DATABASE_URL);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    try {
      const harness = await Harness.start({
        store: await openPostgresStore({
          connectionString: viaProxy.toString(),
          schema,
          applicationName: schema,
        }),
      });
      h = harness;
      const business = await h.createBusiness();
      const list = () =>
        harness.graph({
          method: 'GET',
          url: `/${V}/${business.phone_number_id}/groups`,
          token: business.access_token,
        });

      await proxy.refuse();
      assertUnready(await get(h, '/_groupgate/health'));
      assert.deepEqual(await get(h, '/_groupgate/health/live'), { status: 200, body: { status: 'ok' } });
      const refused = await list();
      assert.equal(refused.status, 503, JSON.stringify(refused.body));
      assert.deepEqual(
        [refused.body['error']].map((e) => {
          const error = e as Record<string, unknown>;
          return [error['type'], error['code'], error['is_transient']];
        }),
        [['OAuthException', 2, true]],
      );

      await proxy.accept();
      assert.equal((await get(h, '/_groupgate/health')).status, 200);
      assert.equal((await list()).status, 200);
    } finally {
      await h?.close();
      h = undefined;
      await proxy.close();
      await PostgresStore.dropSchema(TEST_DATABASE_URL, schema);
    }
  });
});
