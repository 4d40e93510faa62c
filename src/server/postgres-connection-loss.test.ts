/**
 * PostgreSQL cutting Groupgate's connections — a restart, a failover, `pg_terminate_backend` — while transactions
 * are in flight. Groupgate stays up, answers the calls caught in flight with Graph's transient code 2, serves the
 * same calls again at once, and leaves nothing half-applied. Only this run's connections are cut: they carry its
 * schema as their application_name, and other runs share the database.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { openPostgresStore, PostgresStore } from '../storage/postgres/postgres-store.js';
import { TcpProxy } from '../testing/tcp-proxy.js';
import { Harness, V, waIds, type Business, type Group, type GraphResult } from '../testing/harness.js';
import {
  dropTestSchemas,
  newTestSchema,
  openTestPostgresStore,
  postgresSkipReason,
  TEST_DATABASE_URL,
} from '../testing/postgres.js';

const skip = await postgresSkipReason();
const ROUNDS = 5;

describe('PostgreSQL cutting connections mid-transaction', { skip }, () => {
  const schema = newTestSchema();
  let h: Harness;
  let business: Business;
  let group: Group;
  let admin: pg.Client;
  /** Holds row locks; a session of its own, as pg_stat_activity reads are frozen within a transaction. */
  let locker: pg.Client;

  before(async () => {
    h = await Harness.start({ store: await openTestPostgresStore(schema), config: { maxParticipants: 100 } });
    business = await h.createBusiness();
    group = await h.createGroup(business);
    admin = new pg.Client({ connectionString: TEST_DATABASE_URL, application_name: `${schema}_admin` });
    // A lost session of the test's own fails the next query with its cause instead of ending the run.
    admin.on('error', () => undefined);
    await admin.connect();
    await admin.query(`SET search_path = ${schema}`);
    locker = new pg.Client({ connectionString: TEST_DATABASE_URL, application_name: `${schema}_locker` });
    locker.on('error', () => undefined);
    await locker.connect();
    await locker.query(`SET search_path = ${schema}`);
  });

  after(async () => {
    await admin?.end();
    await locker?.end();
    await h?.close();
    await dropTestSchemas();
  });

  /** Calls of this run's Groupgate waiting on a row lock: inside a transaction, between BEGIN and COMMIT. */
  async function waitingOnLocks(): Promise<number> {
    const { rows } = await admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE application_name = $1 AND wait_event_type = 'Lock' AND state = 'active'`,
      [schema],
    );
    return rows[0]?.n ?? 0;
  }

  async function terminateGroupgateConnections(): Promise<number> {
    const { rows } = await admin.query<{ n: number }>(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1`,
      [schema],
    );
    return rows[0]?.n ?? 0;
  }

  const approve = (ids: string[]) =>
    h.graph({
      method: 'POST',
      url: `/${V}/${group.groupId}/join_requests`,
      token: business.access_token,
      json: { messaging_product: 'whatsapp', join_requests: ids },
    });
  const rename = (subject: string) =>
    h.graph({
      method: 'POST',
      url: `/${V}/${group.groupId}`,
      token: business.access_token,
      json: { messaging_product: 'whatsapp', subject },
    });
  const join = (waId: string) =>
    h.control('POST', `/_groupgate/users/${waId}/join`, { invite_link: group.inviteLink });

  function assertTransient(result: GraphResult, what: string): void {
    const error = (result.body as { error?: { code?: number; is_transient?: boolean; fbtrace_id?: string } })
      .error;
    assert.equal(result.status, 503, `${what}: ${JSON.stringify(result.body)}`);
    assert.equal(error?.code, 2, what);
    assert.equal(error?.is_transient, true, what);
    assert.ok(error?.fbtrace_id, what);
  }

  it('answers the calls in flight with a transient error and serves them again at once, round after round', async () => {
    const users = waIds(ROUNDS * 3);
    for (let round = 0; round < ROUNDS; round++) {
      const [first, second, third] = users.slice(round * 3, round * 3 + 3) as [string, string, string];
      const requests = [await h.requestToJoin(first, group), await h.requestToJoin(second, group)];

      // Another session holds the group's row: each call below stops inside its transaction, at its lock.
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM groups WHERE group_id = $1 FOR UPDATE', [group.groupId]);
      const inFlight = [approve(requests), rename(`Round ${round}`), join(third)];
      for (let tries = 0; (await waitingOnLocks()) < inFlight.length; tries++) {
        assert.ok(tries < 500, 'the calls reach their lock');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.ok((await terminateGroupgateConnections()) >= inFlight.length);
      await locker.query('ROLLBACK');

      const [approved, renamed, joined] = await Promise.all(inFlight);
      assertTransient(approved as GraphResult, `round ${round}: approval`);
      assertTransient(renamed as GraphResult, `round ${round}: rename`);
      assert.equal(joined?.status, 503, JSON.stringify(joined?.body));
      const joinError = (joined?.body as { error?: { type?: string; code?: number; is_transient?: boolean } })
        .error;
      assert.deepEqual(
        [joinError?.type, joinError?.code, joinError?.is_transient],
        ['GroupgateException', 2, true],
      );

      // Nothing was applied, so the same calls do it all now.
      const again = await approve(requests);
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.equal((await rename(`Round ${round}`)).status, 200);
      await h.requestToJoin(third, group);
    }

    // Whole transactions or nothing: counts agree with rows, and every change has its webhook event, once.
    const { rows: counts } = await admin.query<{ counted: number; participants: number; approved: number }>(
      `SELECT g.participant_count AS counted,
         (SELECT count(*)::int FROM participants p WHERE p.group_pk = g.pk) AS participants,
         (SELECT count(*)::int FROM join_requests j WHERE j.group_pk = g.pk AND j.status = 'approved') AS approved
       FROM groups g WHERE g.group_id = $1`,
      [group.groupId],
    );
    assert.deepEqual(counts[0], { counted: 2 * ROUNDS, participants: 2 * ROUNDS, approved: 2 * ROUNDS });
    const { rows: events } = await admin.query<{ item_json: string }>(
      'SELECT item_json FROM webhook_events ORDER BY id',
    );
    const items = events.map((e) => JSON.parse(e.item_json) as { type: string; subject?: string });
    const ofType = (type: string) => items.filter((item) => item.type === type).length;
    assert.equal(ofType('group_participants_add'), ROUNDS);
    assert.equal(ofType('group_join_request_created'), 3 * ROUNDS);
    assert.equal(ofType('group_settings_update'), ROUNDS);

    // The webhook dispatcher had its connections cut too, and goes on: every event is settled (the app has no
    // callback URL, so each is logged as skipped), none is left leased to an attempt whose record was lost.
    for (let tries = 0; ; tries++) {
      const { rows } = await admin.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM webhook_events WHERE state = 'pending'",
      );
      if (rows[0]?.n === 0) break;
      assert.ok(tries < 1000, `${rows[0]?.n} events still pending`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  });

  it('serves the next call once connections cut while idle are gone', async () => {
    const { rows } = await admin.query<{ pid: number }>(
      'SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
      [schema],
    );
    const cut = rows.map((r) => r.pid);
    assert.ok(cut.length > 0);
    for (let tries = 0; ; tries++) {
      const left = await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = ANY($1::int[])', [cut]);
      if (left.rowCount === 0) break;
      assert.ok(tries < 500, 'the cut backends exit');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const listed = await h.graph({
      method: 'GET',
      url: `/${V}/${group.groupId}/join_requests`,
      token: business.access_token,
    });
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
  });
});

describe('PostgreSQL connections cut without a word while idle', { skip }, () => {
  it('starts each transaction afresh on a live connection: the dead ones are dropped as they are found', async () => {
    const database = new URL(TEST_DATABASE_URL);
    const proxy = await TcpProxy.start({ host: database.hostname, port: Number(database.port || 5432) });
    const viaProxy = new URL(TEST_DATABASE_URL);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const schema = newTestSchema();
    const store = await openPostgresStore({
      connectionString: viaProxy.toString(),
      schema,
      applicationName: schema,
    });
    // No webhook dispatcher: a query in flight when the connections go stale would wait for the query timeout.
    const h = await Harness.start({ store, deliverWebhooks: false });
    try {
      const business = await h.createBusiness();
      const group = await h.createGroup(business);
      const ids = [];
      for (const waId of waIds(4)) ids.push(await h.requestToJoin(waId, group));
      const record = await store.findGroupById(group.groupId);
      assert.ok(record);

      // Every pooled connection is now dead, and the pool does not know it.
      proxy.leaveStale();
      const outcomes = await store.decideJoinRequests(
        record.pk,
        ids,
        'approve',
        { now: h.now, maxParticipants: 8 },
        () => [],
      );
      assert.deepEqual(
        outcomes.map((o) => o.result),
        ['decided', 'decided', 'decided', 'decided'],
      );
      assert.equal((await store.listParticipants(record.pk)).length, 4);
    } finally {
      await h.close();
      await proxy.close();
      await PostgresStore.dropSchema(TEST_DATABASE_URL, schema);
    }
  });
});
