/**
 * Webhooks end to end: Groupgate's calls and simulated users on one side, a real HTTP receiver on a local port on
 * the other, checking signatures, payloads (reference §3), retries, ordering, the delivery log and restarts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { Harness, TEST_STORE, V, waIds, type Business, type Group } from '../testing/harness.js';
import { dropTestSchemas, newTestSchema, openTestPostgresStore } from '../testing/postgres.js';
import { startWebhookReceiver, type WebhookReceiver } from '@groupgate/sdk/testing';
import { onlyItem } from '../testing/only-item.js';
import { bsuidFor } from '../domain/users.js';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.js';
import type { AppConfig } from './app.js';

const VERIFY_TOKEN = 'verify-me';

let h: Harness;
let business: Business;
/** A simulated user's own fields, as the test business sees them. */
const userOf = (waId: string) => ({ wa_id: waId, user_id: bsuidFor(business.waba_id, waId) });
let receiver: WebhookReceiver;

async function setUp(config: Partial<AppConfig> = {}, fields?: string[]): Promise<void> {
  h = await Harness.start({ config });
  business = await h.createBusiness();
  receiver = await startWebhookReceiver({ appSecret: business.app_secret, verifyToken: VERIFY_TOKEN });
  const set = await h.control('PUT', `/_groupgate/apps/${business.app_id}/webhook`, {
    callback_url: receiver.url,
    verify_token: VERIFY_TOKEN,
    ...(fields !== undefined && { fields }),
  });
  assert.equal(set.status, 200, JSON.stringify(set.body));
}

afterEach(async () => {
  await h.close();
  await receiver.close();
});

type Deliveries = {
  data: {
    id: number;
    state: string;
    attempts: number;
    type: string;
    last_status_code: number | null;
    last_error?: string | null;
  }[];
};

async function deliveries(query = ''): Promise<Deliveries['data']> {
  return (await h.control<Deliveries>('GET', `/_groupgate/webhooks/deliveries${query}`)).body.data;
}

/** Polls the delivery log until `check` passes: retries happen on the dispatcher's own schedule. */
async function eventually<T>(
  read: () => Promise<T>,
  check: (value: T) => boolean,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) assert.fail(`condition not met in ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function approve(group: Group, ids: string[], method: 'POST' | 'DELETE' = 'POST') {
  return h.graph({
    method,
    url: `/${V}/${group.groupId}/join_requests`,
    token: business.access_token,
    json: { messaging_product: 'whatsapp', join_requests: ids },
  });
}

describe('webhook settings', () => {
  beforeEach(() => setUp());

  it("performs Meta's verification handshake before accepting a callback URL", () => {
    const [handshake] = receiver.handshakes;
    assert.equal(handshake?.get('hub.mode'), 'subscribe');
    assert.equal(handshake?.get('hub.verify_token'), VERIFY_TOKEN);
    assert.match(handshake?.get('hub.challenge') ?? '', /^\d+$/);
  });

  it('refuses an endpoint that does not echo the challenge, or refuses the verify token', async () => {
    receiver.echoChallenge = false;
    const wrongEcho = await h.control<{ error: { message: string } }>(
      'PUT',
      `/_groupgate/apps/${business.app_id}/webhook`,
      { callback_url: receiver.url, verify_token: VERIFY_TOKEN },
    );
    assert.equal(wrongEcho.status, 400);
    assert.match(wrongEcho.body.error.message, /Response does not match challenge/);
    receiver.echoChallenge = true;
    const wrongToken = await h.control<{ error: { message: string } }>(
      'PUT',
      `/_groupgate/apps/${business.app_id}/webhook`,
      { callback_url: receiver.url, verify_token: 'not-the-one' },
    );
    assert.equal(wrongToken.status, 400);
    assert.match(wrongToken.body.error.message, /HTTP Status Code = 403/);
    const unreachable = await h.control<{ error: { message: string } }>(
      'PUT',
      `/_groupgate/apps/${business.app_id}/webhook`,
      { callback_url: 'http://127.0.0.1:9/webhook', verify_token: VERIFY_TOKEN },
    );
    assert.equal(unreachable.status, 400);
    assert.match(unreachable.body.error.message, /couldn't be validated/);
    const kept = await h.control<{ callback_url: string }>(
      'GET',
      `/_groupgate/apps/${business.app_id}/webhook`,
    );
    assert.equal(kept.body.callback_url, receiver.url, 'a refused URL leaves the settings as they were');
  });
});

/**
 * A callback that answers 200 and then streams without end, as fast as it is read: how much of it was read, and
 * whether the reader hung up.
 */
async function startFlood(): Promise<{
  url: string;
  sent: () => number;
  hungUp: Promise<void>;
  server: Server;
}> {
  let sent = 0;
  let hangUp = () => {};
  const hungUp = new Promise<void>((resolve) => (hangUp = resolve));
  const chunk = Buffer.alloc(64 * 1024, '7');
  const server = createServer((request, response) => {
    request.resume();
    response.writeHead(200, { 'content-type': 'text/plain' });
    const pump = () => {
      while (!response.destroyed && response.write(chunk)) sent += chunk.length;
    };
    response.on('drain', pump);
    response.on('close', hangUp);
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/webhook`, sent: () => sent, hungUp, server };
}

describe('callbacks as untrusted input', () => {
  beforeEach(() => setUp());

  it('reads only the first bytes of an endless answer to the handshake, and refuses it', async () => {
    const flood = await startFlood();
    try {
      const set = await h.control<{ error: { message: string } }>(
        'PUT',
        `/_groupgate/apps/${business.app_id}/webhook`,
        { callback_url: flood.url, verify_token: VERIFY_TOKEN },
      );
      assert.equal(set.status, 400);
      assert.match(set.body.error.message, /Response does not match challenge/);
      await flood.hungUp;
      // What the kernel buffers, not what an unbounded read would have taken (gigabytes, until the timeout).
      assert.ok(flood.sent() < 16 * 1024 * 1024, `${flood.sent()} bytes sent before the hang-up`);
    } finally {
      flood.server.closeAllConnections();
      flood.server.close();
    }
  });

  it('delivers to a receiver that answers 200 with an endless body without reading it', async () => {
    const flood = await startFlood();
    try {
      await h.store.saveWebhookSettings({
        appId: business.app_id,
        callbackUrl: flood.url,
        verifyToken: VERIFY_TOKEN,
        fields: ['group_lifecycle_update'],
        updatedAt: Date.now(),
      });
      await h.createGroup(business);
      await eventually(deliveries, (log) => log.some((d) => d.state === 'delivered'));
      await flood.hungUp;
      assert.ok(flood.sent() < 16 * 1024 * 1024, `${flood.sent()} bytes sent before the hang-up`);
    } finally {
      flood.server.closeAllConnections();
      flood.server.close();
    }
  });
});

describe('the allow-list of callback hosts', () => {
  it('refuses a callback URL whose host is not allowed, before calling it', async () => {
    h = await Harness.start({ config: { webhookAllowHosts: ['hooks.example.com', '*.internal.test'] } });
    business = await h.createBusiness();
    receiver = await startWebhookReceiver({ appSecret: business.app_secret, verifyToken: VERIFY_TOKEN });
    const set = await h.control<{ error: { message: string; type: string } }>(
      'PUT',
      `/_groupgate/apps/${business.app_id}/webhook`,
      { callback_url: receiver.url, verify_token: VERIFY_TOKEN },
    );
    assert.equal(set.status, 400);
    assert.equal(set.body.error.type, 'GroupgateException');
    assert.match(set.body.error.message, /127\.0\.0\.1 is not in the allowed hosts/);
    assert.equal(receiver.handshakes.length, 0, 'the refused URL was never called');
  });

  it('accepts a callback URL on an allowed host, and delivers to it', async () => {
    await setUp({ webhookAllowHosts: ['127.0.0.1'] });
    await h.createGroup(business);
    const [webhook] = await receiver.waitForWebhooks(1);
    assert.ok(webhook?.signatureValid);
  });

  it('does not deliver to a host the allow-list does not name, whatever the stored settings say', async () => {
    h = await Harness.start({ config: { webhookAllowHosts: ['hooks.example.com'] } });
    business = await h.createBusiness();
    receiver = await startWebhookReceiver({ appSecret: business.app_secret, verifyToken: VERIFY_TOKEN });
    // Settings stored under another configuration (an older start, another instance) name this receiver.
    await h.store.saveWebhookSettings({
      appId: business.app_id,
      callbackUrl: receiver.url,
      verifyToken: VERIFY_TOKEN,
      fields: ['group_lifecycle_update'],
      updatedAt: Date.now(),
    });
    await h.createGroup(business);
    const [refused] = await eventually(deliveries, (log) => (log[0]?.attempts ?? 0) > 0);
    assert.notEqual(refused?.state, 'delivered');
    assert.match(refused?.last_error ?? '', /not in the allowed hosts/);
    assert.equal(receiver.attempts.length, 0, 'the receiver was never called');
  });
});

describe('webhook payloads', () => {
  beforeEach(() => setUp());

  it('sends group_create with the request_id the create call answered, signed with the app secret', async () => {
    const created = await h.graph<{ request_id: string }>({
      method: 'POST',
      url: `/${V}/${business.phone_number_id}/groups`,
      token: business.access_token,
      json: { messaging_product: 'whatsapp', subject: '  Launch  ', join_approval_mode: 'approval_required' },
    });
    const [webhook] = await receiver.waitForWebhooks(1);
    assert.ok(webhook);
    assert.ok(webhook.signatureValid, 'X-Hub-Signature-256 is the HMAC of the exact body');
    assert.match(webhook.signature, /^sha256=[0-9a-f]{64}$/);
    assert.equal(webhook.headers['content-type'], 'application/json');
    assert.equal(webhook.body.object, 'whatsapp_business_account');
    assert.equal(webhook.body.entry[0]?.id, business.waba_id);
    assert.deepEqual(webhook.body.entry[0]?.changes[0]?.value.metadata, {
      // Digits only, as in Meta's examples, though the control API shows the number formatted.
      display_phone_number: business.display_phone_number.replace(/\D/g, ''),
      phone_number_id: business.phone_number_id,
    });
    assert.equal(webhook.body.entry[0]?.changes[0]?.value.messaging_product, 'whatsapp');
    const { field, item } = onlyItem(webhook);
    assert.equal(field, 'group_lifecycle_update');
    const groupId = String(item['group_id']);
    assert.deepEqual(item, {
      timestamp: String(h.now),
      group_id: groupId,
      type: 'group_create',
      request_id: created.body.request_id,
      subject: 'Launch',
      invite_link: item['invite_link'],
      join_approval_mode: 'approval_required',
    });
    const link = await h.graph<{ invite_link: string }>({
      method: 'GET',
      url: `/${V}/${groupId}/invite_link`,
      token: business.access_token,
    });
    assert.equal(item['invite_link'], link.body.invite_link);
  });

  it('reports join requests created and revoked, one add for a bulk approval, and nothing for a rejection', async () => {
    const group = await h.createGroup(business);
    const [a, b, c] = ['16505550001', '16505550002', '16505550003'];
    const [idA, idB] = [await h.requestToJoin(a, group), await h.requestToJoin(b, group)];
    await h.control('POST', `/_groupgate/users/${c}/join`, { invite_link: group.inviteLink });
    await h.control('POST', `/_groupgate/users/${c}/cancel_join`, { group_id: group.groupId });
    await approve(group, [idA, idB]);
    await receiver.waitForWebhooks(6);
    const items = receiver.events.map((event) => event.raw);
    const idOfC = (items[3] as { join_request_id: string }).join_request_id;
    assert.deepEqual(
      items.slice(1).map((item) => ({ ...item, timestamp: undefined })),
      [
        { type: 'group_join_request_created', reason: 'invite_link', join_request_id: idA, ...userOf(a) },
        { type: 'group_join_request_created', reason: 'invite_link', join_request_id: idB, ...userOf(b) },
        { type: 'group_join_request_created', reason: 'invite_link', join_request_id: idOfC, ...userOf(c) },
        {
          type: 'group_join_request_revoked',
          reason: 'user_cancelled',
          join_request_id: idOfC,
          ...userOf(c),
        },
        {
          type: 'group_participants_add',
          reason: 'invite_link',
          added_participants: [
            { input: a, ...userOf(a) },
            { input: b, ...userOf(b) },
          ],
        },
      ].map((item) => ({ timestamp: undefined, group_id: group.groupId, ...item })),
    );
    assert.deepEqual(
      receiver.received.slice(1).map((w) => onlyItem(w).field),
      Array(5).fill('group_participants_update'),
    );
    const idD = await h.requestToJoin('447700900123', group);
    await approve(group, [idD], 'DELETE');
    await receiver.waitForWebhooks(7);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(receiver.received.length, 7, 'the rejection sent nothing');
  });

  it('reports a user joining an auto-approve group with their wa_id and user_id', async () => {
    const group = await h.createGroup(business, { mode: 'auto_approve' });
    await h.control('POST', '/_groupgate/users/16505550001/join', { invite_link: group.inviteLink });
    const [, webhook] = await receiver.waitForWebhooks(2);
    assert.ok(webhook);
    assert.deepEqual(onlyItem(webhook).item, {
      timestamp: String(h.now),
      group_id: group.groupId,
      type: 'group_participants_add',
      reason: 'invite_link',
      added_participants: [userOf('16505550001')],
    });
  });

  it('reports removals by the business, with the users that failed, and participants who leave', async () => {
    const group = await h.createGroup(business, { mode: 'auto_approve' });
    for (const waId of ['16505550001', '16505550002']) {
      await h.control('POST', `/_groupgate/users/${waId}/join`, { invite_link: group.inviteLink });
    }
    const removed = await h.graph<{ request_id: string }>({
      method: 'DELETE',
      url: `/${V}/${group.groupId}/participants`,
      token: business.access_token,
      json: {
        messaging_product: 'whatsapp',
        participants: [{ user: '+1 650-555-0001' }, { user: '16505550009' }],
      },
    });
    assert.equal(removed.status, 200);
    await h.control('POST', '/_groupgate/users/16505550002/leave', { group_id: group.groupId });
    await receiver.waitForWebhooks(5);
    const [removal, left] = receiver.events.map((event) => event.raw).slice(3);
    assert.deepEqual(removal, {
      timestamp: String(h.now),
      group_id: group.groupId,
      type: 'group_participants_remove',
      request_id: removed.body.request_id,
      removed_participants: [{ input: '+1 650-555-0001', ...userOf('16505550001') }],
      initiated_by: 'business',
      failed_participants: [
        {
          input: '16505550009',
          errors: [
            {
              code: 131212,
              title: 'Participant not part of the group',
              message: '(#131212) Participant not part of the group',
              error_data: { details: 'The user is not a participant of this group.' },
            },
          ],
        },
      ],
      errors: [
        {
          code: 131212,
          message: 'Failed to remove some participants from the group',
          title: 'Not All Participants Remove Succeeded',
          error_data: { details: '1 of 2 participants were not removed.' },
        },
      ],
    });
    assert.deepEqual(left, {
      timestamp: String(h.now),
      group_id: group.groupId,
      type: 'group_participants_remove',
      removed_participants: [userOf('16505550002')],
      initiated_by: 'participant',
    });
  });

  it('reports settings updates field by field, and deletion', async () => {
    const group = await h.createGroup(business);
    const updated = await h.graph<{ request_id: string }>({
      method: 'POST',
      url: `/${V}/${group.groupId}`,
      token: business.access_token,
      json: { messaging_product: 'whatsapp', subject: 'Renamed' },
    });
    await h.graph({ method: 'DELETE', url: `/${V}/${group.groupId}`, token: business.access_token });
    await receiver.waitForWebhooks(3);
    const [settings, deleted] = receiver.received.slice(1).map(onlyItem);
    assert.deepEqual(settings, {
      field: 'group_settings_update',
      item: {
        timestamp: String(h.now),
        group_id: group.groupId,
        type: 'group_settings_update',
        request_id: updated.body.request_id,
        group_subject: { text: 'Renamed', update_successful: true },
      },
    });
    assert.equal(deleted?.field, 'group_lifecycle_update');
    assert.equal(deleted?.item['type'], 'group_delete');
    assert.match(String(deleted?.item['request_id']), /^[0-9A-F]{32}$/);
  });

  it('reports a suspension and its clearing under group_status_update', async () => {
    const group = await h.createGroup(business);
    await h.control('POST', `/_groupgate/groups/${group.groupId}/suspend`);
    await h.control('POST', `/_groupgate/groups/${group.groupId}/clear_suspension`);
    await receiver.waitForWebhooks(3);
    assert.deepEqual(
      receiver.received.slice(1).map(onlyItem),
      ['group_suspend', 'group_suspend_cleared'].map((type) => ({
        field: 'group_status_update',
        item: { timestamp: String(h.now), type, group_id: group.groupId },
      })),
    );
  });
});

describe('webhook delivery', () => {
  it('retries after a 500 and after a timeout, logging every attempt', async () => {
    await setUp({ webhookTimeoutMs: 300 });
    receiver.script(500, 'hang');
    await h.createGroup(business);
    const [webhook] = await receiver.waitForWebhooks(1);
    assert.equal(receiver.attempts.length, 3);
    assert.ok(
      receiver.attempts.every((attempt) => attempt.raw === webhook?.raw),
      'every attempt sends the same bytes',
    );
    const [event] = await eventually(
      () => deliveries(),
      (events) => events[0]?.state === 'delivered',
    );
    const log = await h.control<{ attempt_log: { status_code: number | null; error: string | null }[] }>(
      'GET',
      `/_groupgate/webhooks/deliveries/${event?.id}`,
    );
    assert.deepEqual(
      log.body.attempt_log.map((a) => [a.status_code, a.error]),
      [
        [500, 'HTTP 500'],
        [null, 'timed out after 300 ms'],
        [200, null],
      ],
    );
  });

  it("delivers a group's events in order: a failing event holds back the later ones", async () => {
    await setUp();
    receiver.script(500, 500, 500);
    const group = await h.createGroup(business);
    const ids = [];
    for (const waId of waIds(3)) ids.push(await h.requestToJoin(waId, group));
    await receiver.waitForWebhooks(4);
    assert.deepEqual(
      receiver.events.map((event) => event.raw).map((item) => item['type']),
      [
        'group_create',
        'group_join_request_created',
        'group_join_request_created',
        'group_join_request_created',
      ],
    );
    assert.deepEqual(
      receiver.events
        .map((event) => event.raw)
        .slice(1)
        .map((item) => item['join_request_id']),
      ids,
    );
  });

  it('gives up when the retry window closes, and a replay sends the same bytes again', async () => {
    await setUp({ webhookRetryWindowMs: 300 });
    receiver.script(...Array<number>(50).fill(503));
    await h.createGroup(business);
    const [failed] = await eventually(
      () => deliveries('?state=failed'),
      (events) => events.length === 1,
    );
    assert.equal(failed?.last_status_code, 503);
    assert.ok((failed?.attempts ?? 0) >= 2);
    receiver.clearScript();
    const replayed = await h.control('POST', `/_groupgate/webhooks/deliveries/${failed?.id}/replay`);
    assert.deepEqual(replayed.body, { success: true });
    const [again] = await receiver.waitForWebhooks(1);
    assert.equal(again?.raw, receiver.attempts[0]?.raw);
    await eventually(
      () => deliveries(),
      (events) => events[0]?.state === 'delivered',
    );
  });

  it('skips events of fields the app does not subscribe to, and says so in the log', async () => {
    await setUp({}, ['group_lifecycle_update']);
    const group = await h.createGroup(business);
    await h.requestToJoin('16505550001', group);
    const events = await eventually(
      () => deliveries(),
      (list) => list.length === 2 && list.every((e) => e.state !== 'pending'),
    );
    assert.deepEqual(
      events.map((e) => [e.type, e.state]),
      [
        ['group_join_request_created', 'skipped'],
        ['group_create', 'delivered'],
      ],
    );
    assert.equal(receiver.received.length, 1);
  });
});

describe('webhook delivery across a restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'groupgate-restart-'));
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    if (TEST_STORE === 'postgres') await dropTestSchemas();
  });

  it('delivers events queued before the restart once the receiver answers', async () => {
    const schema = newTestSchema();
    const open = () =>
      TEST_STORE === 'postgres'
        ? openTestPostgresStore(schema)
        : Promise.resolve(
            openSqliteStore({ path: join(dir, 'restart.sqlite'), cacheRecords: true, readWorker: true }),
          );
    receiver = await startWebhookReceiver({ appSecret: 'unset', verifyToken: 'verify-me' });
    receiver.script(...Array<number>(1000).fill(500));
    const first = await Harness.start({ store: await open() });
    business = await first.createBusiness();
    receiver.appSecret = business.app_secret;
    await first.control('PUT', `/_groupgate/apps/${business.app_id}/webhook`, {
      callback_url: receiver.url,
      verify_token: 'verify-me',
    });
    const group = await first.createGroup(business);
    await first.requestToJoin('16505550001', group);
    await eventually(
      () => Promise.resolve(receiver.attempts.length),
      (n) => n >= 2,
    );
    await first.app.close();
    await first.store.close();

    receiver.clearScript();
    h = await Harness.start({ store: await open() });
    const delivered = await receiver.waitForWebhooks(2);
    assert.deepEqual(
      delivered.map((w) => onlyItem(w).item['type']),
      ['group_create', 'group_join_request_created'],
    );
  });
});
