/**
 * The dispatcher's schedule, on a manual clock: when each attempt is made, and what happens when the store refuses
 * an attempt's record. Real store, real receiver over HTTP; only time is the test's.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { Harness, TEST_STORE, type Business } from '../testing/harness.js';
import { ManualClock } from '../testing/manual-clock.js';
import { dropTestSchemas, newTestSchema, openTestPostgresStore } from '../testing/postgres.js';
import { writeFault, type WriteFault } from '../testing/write-fault.js';
import { startWebhookReceiver, type WebhookReceiver } from '@groupgate/sdk/testing';
import { onlyItem } from '../testing/only-item.js';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.js';
import type { WebhookAttempt } from '../domain/records.js';
import type { Store } from '../storage/store.js';
import { WebhookDispatcher, type DispatcherOptions } from './dispatcher.js';

const dir = mkdtempSync(join(tmpdir(), 'groupgate-dispatcher-'));
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (TEST_STORE === 'postgres') await dropTestSchemas();
});

let h: Harness;
let business: Business;
let receiver: WebhookReceiver;
let fault: WriteFault;
let dispatcher: WebhookDispatcher | undefined;
const errors: unknown[] = [];
/** Opens another store on the test's database: what a second instance of Groupgate would hold. */
let openAnotherStore: () => Promise<Store>;
/** Stores a test opened besides the harness's: closed once its dispatcher has stopped. */
const otherStores: Store[] = [];

async function setUp(): Promise<void> {
  const schema = newTestSchema();
  const path = join(dir, `${schema}.sqlite`);
  openAnotherStore = async () =>
    TEST_STORE === 'postgres'
      ? await openTestPostgresStore(schema)
      : openSqliteStore({ path, cacheRecords: true });
  const store = await openAnotherStore();
  // The app's own dispatcher is off: the one under test runs on the manual clock.
  h = await Harness.start({ store, deliverWebhooks: false });
  business = await h.createBusiness();
  receiver = await startWebhookReceiver({ appSecret: business.app_secret, verifyToken: 'verify-me' });
  const set = await h.control('PUT', `/_groupgate/apps/${business.app_id}/webhook`, {
    callback_url: receiver.url,
    verify_token: 'verify-me',
  });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  fault = writeFault(TEST_STORE === 'postgres' ? { kind: 'postgres', schema } : { kind: 'sqlite', path });
  errors.length = 0;
}

afterEach(async () => {
  await dispatcher?.stop();
  dispatcher = undefined;
  for (const store of otherStores.splice(0)) await store.close();
  await fault.close();
  await h.close();
  await receiver.close();
});

/** What SQLite and PostgreSQL say when the disk is full. */
const DISK_FULL = { message: 'database or disk is full', sqlState: '53100' };
const TIMEOUT_MS = 2000;
/** The lease a claim takes: the dispatcher's, for this timeout. */
const LEASE_MS = 2 * TIMEOUT_MS + 5000;

function startDispatcher(
  clock: ManualClock,
  options: Partial<DispatcherOptions> = {},
  store: Store = h.store,
): WebhookDispatcher {
  dispatcher = new WebhookDispatcher(store, {
    retry: { baseDelayMs: 300, maxDelayMs: 60_000, windowMs: 3_600_000 },
    timeoutMs: TIMEOUT_MS,
    concurrency: 4,
    pollIntervalMs: 1000,
    defaultSubscription: undefined,
    allowHosts: undefined,
    logRetentionMs: 7 * 24 * 3_600_000,
    onError: (error) => errors.push(error),
    clock,
    ...options,
  });
  dispatcher.start();
  return dispatcher;
}

/**
 * A clock a minute ahead of the wall clock: events are stamped with the wall clock when queued, and every event the
 * test queues, however slow the machine, is due by the manual clock's time.
 */
function manualClock(): ManualClock {
  return new ManualClock(Date.now() + 60_000);
}

/**
 * Lets the dispatcher finish what it is doing (claims, deliveries over HTTP, records), then moves the clock to its
 * next timer, until `done`. Fails rather than loop for ever.
 */
async function runUntil(clock: ManualClock, done: () => boolean): Promise<void> {
  for (let step = 0; step < 200; step++) {
    await dispatcher?.settled();
    if (done()) return;
    assert.ok(clock.fireNext(), 'the dispatcher has a timer set');
  }
  assert.fail('the condition was not met within 200 timers');
}

async function attemptsOf(type: string): Promise<WebhookAttempt[]> {
  const events = await h.store.listWebhookEvents({ limit: 100 });
  const event = events.find((e) => (JSON.parse(e.itemJson) as { type?: string }).type === type);
  assert.ok(event, `an event ${type} is queued`);
  return (await h.store.findWebhookEvent(event.id))?.attempts ?? [];
}

describe('the delivery schedule', () => {
  it('makes each retry when it falls due, not at the next poll: with a 1 s poll, 300 ms delays double', async () => {
    await setUp();
    receiver.script(500, 500, 500, 500);
    await h.createGroup(business);
    const clock = manualClock();
    startDispatcher(clock);
    await runUntil(clock, () => receiver.received.length === 1);

    const started = (await attemptsOf('group_create')).map((a) => a.startedAt);
    assert.equal(started.length, 5);
    const gaps = started.slice(1).map((at, i) => at - (started[i] ?? 0));
    // The second attempt at once, then 300, 600 and 1200 ms, each ±20%: none waits for the poll.
    assert.equal(gaps[0], 0, `gaps ${gaps.join(', ')}`);
    for (const [i, base] of [300, 600, 1200].entries()) {
      const gap = gaps[i + 1] ?? NaN;
      assert.ok(gap >= base * 0.8 && gap <= base * 1.2, `gap ${i + 2} is ${gap} ms, due ${base} ms ±20%`);
    }
  });

  it('polls for events other instances queued', async () => {
    await setUp();
    const clock = manualClock();
    // The dispatcher of a second instance: the first one's commits do not signal it, so it finds them by polling.
    const secondInstance = await openAnotherStore();
    otherStores.push(secondInstance);
    startDispatcher(clock, {}, secondInstance);
    await runUntil(clock, () => clock.nextTimerAt !== undefined && clock.nextTimerAt > clock.now());
    const group = await h.createGroup(business);
    assert.ok(group);
    const before = clock.now();
    await runUntil(clock, () => receiver.received.length === 1);
    assert.equal(clock.now() - before, 1000);
  });
});

describe('an attempt record the store refuses', () => {
  it("is written again as soon as the store takes writes: the group's next event is not held to the lease", async () => {
    await setUp();
    const group = await h.createGroup(business);
    const clock = manualClock();
    await fault.refuse('webhook_attempts', DISK_FULL.message, DISK_FULL.sqlState);
    startDispatcher(clock);
    await runUntil(clock, () => receiver.received.length === 1);
    const deliveredAt = clock.now();
    assert.ok(errors.length > 0, 'the refused record is reported');

    await h.requestToJoin('16505550001', group);
    await fault.lift();
    await runUntil(clock, () => receiver.received.length === 2);

    assert.ok(
      clock.now() - deliveredAt < 1000,
      `the next event went out ${clock.now() - deliveredAt} ms later`,
    );
    assert.deepEqual(
      receiver.received.map((w) => onlyItem(w).item['type']),
      ['group_create', 'group_join_request_created'],
    );
    assert.equal(receiver.attempts.length, 2, 'nothing was sent twice');
    const [recorded] = await attemptsOf('group_create');
    assert.equal(recorded?.statusCode, 200);
    assert.equal(recorded?.startedAt, deliveredAt);
  });

  it('holds back new deliveries while the store refuses records, whose records it would refuse too', async () => {
    await setUp();
    await h.createGroup(business);
    const clock = manualClock();
    await fault.refuse('webhook_attempts', DISK_FULL.message, DISK_FULL.sqlState);
    startDispatcher(clock);
    await runUntil(clock, () => receiver.received.length === 1);
    const deliveredAt = clock.now();

    const other = await h.createGroup(business, { subject: 'Another group' });
    await runUntil(clock, () => clock.now() >= deliveredAt + 2000);
    assert.equal(receiver.attempts.length, 1, "the other group's event waits");

    await fault.lift();
    await runUntil(clock, () => receiver.received.length === 2);
    assert.deepEqual(receiver.received.map((w) => onlyItem(w).item['group_id']).slice(1), [other.groupId]);
    assert.equal(receiver.attempts.length, 2, 'nothing was sent twice');
  });

  it('is dropped when the lease ends first, and the event is sent again', async () => {
    await setUp();
    await h.createGroup(business);
    const clock = manualClock();
    await fault.refuse('webhook_attempts', DISK_FULL.message, DISK_FULL.sqlState);
    startDispatcher(clock);
    await runUntil(clock, () => receiver.received.length === 1);
    const deliveredAt = clock.now();
    // The record is retried until the lease ends; then another claimer may take the event, so it is sent again.
    await runUntil(clock, () => clock.now() >= deliveredAt + LEASE_MS);
    assert.deepEqual(
      receiver.received.map((w) => onlyItem(w).item['type']),
      ['group_create', 'group_create'],
      'delivery is at least once',
    );
    await fault.lift();
    assert.ok(clock.fireNext());
    await dispatcher?.settled();
    const attempts = await attemptsOf('group_create');
    assert.deepEqual(
      attempts.map((a) => [a.attempt, a.statusCode]),
      [[1, 200]],
    );
  });
});
