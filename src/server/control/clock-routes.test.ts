/**
 * The virtual clock over HTTP: the control routes, and everything that reads time following them — creation
 * timestamps, token expiry (190/463), the webhook retry schedule, a global reset. Runs on PostgreSQL too
 * (clock-routes.postgres.test.ts).
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { ClockReading } from '@groupgate/sdk/contract';
import { startWebhookReceiver, type WebhookReceiver } from '@groupgate/sdk/testing';
import { Harness, V, type Business } from '../../testing/harness.js';
import type { AppConfig } from '../app.js';

let h: Harness;
let receiver: WebhookReceiver | undefined;

afterEach(async () => {
  await h.close();
  await receiver?.close();
  receiver = undefined;
});

async function start(config: Partial<AppConfig> = {}): Promise<void> {
  h = await Harness.start({ virtualClock: true, config });
}

async function clock(): Promise<ClockReading> {
  const read = await h.control<ClockReading>('GET', '/_groupgate/clock');
  assert.equal(read.status, 200, JSON.stringify(read.body));
  return read.body;
}

type ErrorBody = { error: { code: number; message: string; fbtrace_id: string } };

async function refused(method: 'POST' | 'PUT', url: string, body: unknown, message: RegExp): Promise<void> {
  const answer = await h.control<ErrorBody>(method, url, body);
  assert.equal(answer.status, 400, JSON.stringify(answer.body));
  assert.equal(answer.body.error.code, 100);
  assert.match(answer.body.error.message, message);
  assert.ok(answer.body.error.fbtrace_id);
}

/** Polls the delivery log: deliveries happen on the dispatcher's own schedule, not the request's. */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) assert.fail(`condition not met in ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('the clock control routes', () => {
  it('reads real time until changed, and needs the admin token', async () => {
    await start();
    const before = Date.now();
    const read = await clock();
    assert.equal(read.frozen, false);
    assert.equal(read.frozen_at, null);
    assert.ok(Math.abs(read.offset_seconds) < 1, `offset ${read.offset_seconds}`);
    assert.ok(Math.abs(read.now * 1000 - before) < 2000);
    assert.equal(Math.floor(Date.parse(read.now_iso) / 1000), read.now);
    const anonymous = await h.app.inject({ method: 'GET', url: '/_groupgate/clock' });
    assert.equal(anonymous.statusCode, 401);
  });

  it('advances, frozen or running, and returns to real time', async () => {
    await start();
    const ahead = (await h.control<ClockReading>('POST', '/_groupgate/clock/advance', { seconds: 86_400 }))
      .body;
    assert.ok(Math.abs(ahead.offset_seconds - 86_400) < 1, `offset ${ahead.offset_seconds}`);
    const frozen = (await h.control<ClockReading>('PUT', '/_groupgate/clock', {})).body;
    assert.equal(frozen.frozen, true);
    assert.equal(frozen.frozen_at, frozen.now);
    assert.ok(frozen.now >= ahead.now);
    const later = (await h.control<ClockReading>('POST', '/_groupgate/clock/advance', { seconds: 1.5 })).body;
    assert.equal(Date.parse(later.now_iso) - Date.parse(frozen.now_iso), 1500);
    assert.equal((await clock()).now_iso, later.now_iso, 'a frozen clock stands still');
    const real = (await h.control<ClockReading>('DELETE', '/_groupgate/clock')).body;
    assert.equal(real.frozen, false);
    assert.ok(Math.abs(real.offset_seconds) < 1);
  });

  it('freezes at a given second, and refuses one in the past', async () => {
    await start();
    const at = Math.floor(Date.now() / 1000) + 3600;
    const frozen = (await h.control<ClockReading>('PUT', '/_groupgate/clock', { frozen_at: at })).body;
    assert.deepEqual([frozen.now, frozen.frozen, frozen.frozen_at], [at, true, at]);
    await refused(
      'PUT',
      '/_groupgate/clock',
      { frozen_at: at - 1 },
      /before the clock's current time .*forward/,
    );
    assert.equal((await clock()).now, at, 'a refused freeze changes nothing');
  });

  it('refuses what is not a forward step, with a clear error', async () => {
    await start();
    await refused('POST', '/_groupgate/clock/advance', { seconds: 0 }, /seconds/);
    // The clock keeps milliseconds: a smaller step is a mistake to say, not a 500.
    await refused('POST', '/_groupgate/clock/advance', { seconds: 0.0001 }, /seconds/);
    await refused('POST', '/_groupgate/clock/advance', { seconds: 1e-300 }, /seconds/);
    await refused('POST', '/_groupgate/clock/advance', { seconds: -60 }, /seconds/);
    await refused('POST', '/_groupgate/clock/advance', { seconds: '60' }, /seconds/);
    await refused('POST', '/_groupgate/clock/advance', {}, /seconds/);
    await refused('POST', '/_groupgate/clock/advance', { seconds: 315_360_001 }, /seconds/);
    await refused('POST', '/_groupgate/clock/advance', { seconds: 1, by: 2 }, /by/);
    await refused('PUT', '/_groupgate/clock', { frozen_at: 1.5 }, /frozen_at/);
    await refused('PUT', '/_groupgate/clock', { frozen_at: 4_102_444_800 * 10 }, /frozen_at/);
    const read = await clock();
    assert.equal(read.frozen, false);
    assert.ok(Math.abs(read.offset_seconds) < 1, 'nothing refused moved the clock');
  });

  it('starts every limit window afresh when it goes back to real time', async () => {
    await start();
    const business = await h.createBusiness();
    await h.control('PUT', `/_groupgate/businesses/${business.waba_id}/limits`, {
      waba_calls: { max: 1, per_seconds: 60 },
    });
    const list = () =>
      h.graph({
        method: 'GET',
        url: `/${V}/${business.phone_number_id}/groups`,
        token: business.access_token,
      });
    await h.control('POST', '/_groupgate/clock/advance', { seconds: 86_400 });
    assert.equal((await list()).status, 200, 'counted a day ahead');
    await h.control('DELETE', '/_groupgate/clock');
    assert.equal((await list()).status, 200, 'not shut for the day the clock was ahead');
  });

  it('goes back to real time on a global reset', async () => {
    await start();
    await h.control('POST', '/_groupgate/clock/advance', { seconds: 3600 });
    await h.control('PUT', '/_groupgate/clock', {});
    assert.equal((await h.control('POST', '/_groupgate/reset')).status, 200);
    const read = await clock();
    assert.equal(read.frozen, false);
    assert.ok(Math.abs(read.offset_seconds) < 1);
  });
});

describe('what follows the clock', () => {
  it('stamps groups and join requests with the frozen time', async () => {
    await start();
    const at = Math.floor(Date.now() / 1000) + 7 * 86_400;
    await h.control('PUT', '/_groupgate/clock', { frozen_at: at });
    const business = await h.createBusiness();
    const group = await h.createGroup(business);
    await h.requestToJoin('16505550001', group);
    const node = await h.graph<{ creation_timestamp: number }>({
      method: 'GET',
      url: `/${V}/${group.groupId}?fields=creation_timestamp`,
      token: business.access_token,
    });
    assert.equal(node.body.creation_timestamp, at);
    const pending = await h.graph<{ data: { creation_timestamp: number }[] }>({
      method: 'GET',
      url: `/${V}/${group.groupId}/join_requests`,
      token: business.access_token,
    });
    assert.deepEqual(
      pending.body.data.map((r) => r.creation_timestamp),
      [at],
    );
  });

  it('expires a token when advanced past its expiry: 190, subcode 463', async () => {
    await start();
    const business = await h.createBusiness();
    const issued = await h.control<{ access_token: string; expires_at: number }>(
      'POST',
      `/_groupgate/businesses/${business.waba_id}/tokens`,
      { expires_in: 3600 },
    );
    const call = () =>
      h.graph<ErrorBody & { error: { error_subcode?: number } }>({
        method: 'GET',
        url: `/${V}/${business.phone_number_id}/groups`,
        token: issued.body.access_token,
      });
    assert.equal((await call()).status, 200);
    await h.control('POST', '/_groupgate/clock/advance', { seconds: 3599 });
    assert.equal((await call()).status, 200, 'a second before its expiry the token still works');
    await h.control('POST', '/_groupgate/clock/advance', { seconds: 2 });
    const expired = await call();
    assert.equal(expired.status, 401);
    assert.equal(expired.body.error.code, 190);
    assert.equal(expired.body.error.error_subcode, 463);
  });

  it('sends a failed delivery again as soon as the clock is advanced past its retry', async () => {
    // The second attempt goes at once; the third an hour later (±20%): only the clock brings it within a test.
    // No poll within the test either: the advance itself must wake the dispatcher.
    await start({
      webhookRetryBaseMs: 3_600_000,
      webhookRetryMaxMs: 3_600_000,
      webhookRetryWindowMs: 86_400_000,
      webhookPollMs: 600_000,
    });
    const business: Business = await h.createBusiness();
    receiver = await startWebhookReceiver({ appSecret: business.app_secret, verifyToken: 'v' });
    const set = await h.control('PUT', `/_groupgate/apps/${business.app_id}/webhook`, {
      callback_url: receiver.url,
      verify_token: 'v',
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    receiver.script(500, 500);
    await h.createGroup(business);
    type Delivery = { id: number; state: string; attempts: number; next_attempt_at: number | null };
    const deliveries = async () =>
      (await h.control<{ data: Delivery[] }>('GET', '/_groupgate/webhooks/deliveries')).body.data;
    const [waiting] = await eventually(deliveries, (events) => events[0]?.attempts === 2);
    assert.equal(waiting?.state, 'pending');
    const dueIn = (waiting?.next_attempt_at ?? 0) - Date.parse((await clock()).now_iso);
    assert.ok(dueIn > 2_800_000, `the retry is due in ${dueIn} ms`);
    assert.equal(receiver.received.length, 0);
    await h.control('POST', '/_groupgate/clock/advance', { seconds: 4400 });
    await receiver.waitForWebhooks(1, { timeout: 3000 });
    const [delivered] = await eventually(deliveries, (events) => events[0]?.state === 'delivered');
    assert.equal(delivered?.attempts, 3);
  });

  it('prunes the delivery log once the clock passes its retention', async () => {
    await start({ webhookLogRetentionMs: 86_400_000 });
    const business = await h.createBusiness();
    await h.createGroup(business);
    type Delivery = { state: string };
    const deliveries = async () =>
      (await h.control<{ data: Delivery[] }>('GET', '/_groupgate/webhooks/deliveries')).body.data;
    // Without a callback URL the event is settled at once, as skipped.
    await eventually(deliveries, (events) => events.length === 1 && events[0]?.state === 'skipped');
    await h.control('POST', '/_groupgate/clock/advance', { seconds: 3600 });
    assert.equal((await deliveries()).length, 1, 'an hour old, it stays');
    await h.control('POST', '/_groupgate/clock/advance', { seconds: 86_400 });
    await eventually(deliveries, (events) => events.length === 0);
  });
});
