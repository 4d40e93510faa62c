/**
 * Two app instances on one PostgreSQL schema keep one clock: a change made through either is seen by the other,
 * by LISTEN/NOTIFY, within a bounded wait (the propagation window: a notification and one read, milliseconds).
 */
import assert from 'node:assert/strict';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import pg from 'pg';
import type { ClockReading } from '@groupgate/sdk/contract';
import { Harness, V } from '../../testing/harness.js';
import {
  dropTestSchemas,
  newTestSchema,
  openTestPostgresStore,
  postgresSkipReason,
  TEST_DATABASE_URL,
} from '../../testing/postgres.js';

const skip = await postgresSkipReason();
after(() => (skip === false ? dropTestSchemas() : undefined));

/** Generous for a notification and one read on a shared, busy machine; it usually takes milliseconds. */
const PROPAGATION_BOUND_MS = 2000;

async function readClock(h: Harness): Promise<ClockReading> {
  return (await h.control<ClockReading>('GET', '/_groupgate/clock')).body;
}

/** Polls `h` until its clock passes `check`, and answers how long that took. */
async function seenWithin(h: Harness, check: (clock: ClockReading) => boolean): Promise<number> {
  const started = Date.now();
  for (;;) {
    const clock = await readClock(h);
    if (check(clock)) return Date.now() - started;
    if (Date.now() - started > PROPAGATION_BOUND_MS) {
      assert.fail(`not seen within ${PROPAGATION_BOUND_MS} ms: ${JSON.stringify(clock)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('one clock across two instances on PostgreSQL', { skip }, () => {
  let a: Harness;
  let b: Harness;
  let schema: string;

  beforeEach(async () => {
    schema = newTestSchema();
    a = await Harness.start({ store: await openTestPostgresStore(schema), virtualClock: true });
    b = await Harness.start({ store: await openTestPostgresStore(schema), virtualClock: true });
  });
  afterEach(async () => {
    await b.close();
    await a.close();
  });

  it('an advance on one is seen by the other', async () => {
    const advanced = await a.control<ClockReading>('POST', '/_groupgate/clock/advance', { seconds: 86_400 });
    assert.ok(Math.abs(advanced.body.offset_seconds - 86_400) < 1, 'the instance that changed it, at once');
    await seenWithin(b, (clock) => Math.abs(clock.offset_seconds - 86_400) < 1);
  });

  it('a freeze on one stamps what the other creates', async () => {
    const at = Math.floor(Date.now() / 1000) + 3 * 86_400;
    await a.control('PUT', '/_groupgate/clock', { frozen_at: at });
    await seenWithin(b, (clock) => clock.frozen && clock.now === at);
    const business = await b.createBusiness();
    const group = await b.createGroup(business);
    const node = await a.graph<{ creation_timestamp: number }>({
      method: 'GET',
      url: `/${V}/${group.groupId}?fields=creation_timestamp`,
      token: business.access_token,
    });
    assert.equal(node.body.creation_timestamp, at);
  });

  it('a token expires on both when one advances past its expiry', async () => {
    const business = await a.createBusiness();
    const issued = await a.control<{ access_token: string }>(
      'POST',
      `/_groupgate/businesses/${business.waba_id}/tokens`,
      { expires_in: 60 },
    );
    const callOn = (h: Harness) =>
      h.graph<{ error?: { code: number; error_subcode?: number } }>({
        method: 'GET',
        url: `/${V}/${business.phone_number_id}/groups`,
        token: issued.body.access_token,
      });
    assert.equal((await callOn(b)).status, 200);
    await a.control('POST', '/_groupgate/clock/advance', { seconds: 61 });
    await seenWithin(b, (clock) => clock.offset_seconds > 60);
    const expired = await callOn(b);
    assert.equal(expired.status, 401);
    assert.deepEqual([expired.body.error?.code, expired.body.error?.error_subcode], [190, 463]);
  });

  it('a change made while the LISTEN connections are cut is seen once they are back', async () => {
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    try {
      // This run's connections carry its schema as application_name; the LISTEN ones are idle in LISTEN. Each
      // instance opens its own as it starts, without waiting for it: wait here until both are there.
      const listening = `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'LISTEN%'`;
      const deadline = Date.now() + PROPAGATION_BOUND_MS;
      while ((await admin.query(listening, [schema])).rowCount !== 2) {
        assert.ok(Date.now() < deadline, 'one LISTEN connection per instance');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const { rows } = await admin.query<{ n: number }>(
        `SELECT count(pg_terminate_backend(pid))::int AS n FROM (${listening}) AS l`,
        [schema],
      );
      assert.equal(rows[0]?.n, 2);
    } finally {
      await admin.end();
    }
    await a.control('POST', '/_groupgate/clock/advance', { seconds: 600 });
    await seenWithin(b, (clock) => Math.abs(clock.offset_seconds - 600) < 1);
    // And the connection heard again: the next change arrives by notification.
    await a.control('POST', '/_groupgate/clock/advance', { seconds: 600 });
    await seenWithin(b, (clock) => Math.abs(clock.offset_seconds - 1200) < 1);
  });

  it('a global reset on one returns both to real time', async () => {
    await a.control('POST', '/_groupgate/clock/advance', { seconds: 3600 });
    await seenWithin(b, (clock) => clock.offset_seconds > 3599);
    await b.control('POST', '/_groupgate/reset');
    assert.ok(Math.abs((await readClock(b)).offset_seconds) < 1, 'the instance that reset, at once');
    await seenWithin(a, (clock) => Math.abs(clock.offset_seconds) < 1);
  });
});
