/**
 * Business-scoped user ids (2026) over HTTP, as pywa meets them: it reads `user_id` from every join request, every
 * participant and every webhook user item (a missing key is its KeyError), and must do without `wa_id` for a user
 * who hides their number. Also: removing participants by `{user_id}`, leaving by BSUID, and bulk runs of hidden users.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { JoinRequestsPage } from '@groupgate/sdk/contract';
import { startWebhookReceiver, type WebhookReceiver } from '@groupgate/sdk/testing';
import { bsuidFor, parentBsuidFor } from '../domain/users.js';
import { Harness, V, type Business, type Group } from '../testing/harness.js';

const VERIFY_TOKEN = 'verify-me';
const PLAIN = '16505550001';
const HIDDEN = '447700900123';
const HIDDEN_OPTIONS = { hide_phone_number: true, username: 'ana.banana', parent_user_id: true };

let h: Harness;
let business: Business;
let receiver: WebhookReceiver;

beforeEach(async () => {
  h = await Harness.start();
  business = await h.createBusiness();
  receiver = await startWebhookReceiver({ appSecret: business.app_secret, verifyToken: VERIFY_TOKEN });
  const set = await h.control('PUT', `/_groupgate/apps/${business.app_id}/webhook`, {
    callback_url: receiver.url,
    verify_token: VERIFY_TOKEN,
  });
  assert.equal(set.status, 200, JSON.stringify(set.body));
});
afterEach(async () => {
  await h.close();
  await receiver.close();
});

type Item = Record<string, unknown>;

/** What pywa does with a user item: `item["user_id"]`, and `wa_id` only when present. */
function pywaUser(item: Item): { userId: string; waId: string | undefined } {
  if (!('user_id' in item)) throw new Error(`KeyError: 'user_id' in ${JSON.stringify(item)}`);
  return { userId: item['user_id'] as string, waId: item['wa_id'] as string | undefined };
}

async function join(waId: string, group: Group, options: object = {}) {
  const joined = await h.control<{ status: string; join_request_id?: string; user_id: string }>(
    'POST',
    `/_groupgate/users/${waId}/join`,
    { invite_link: group.inviteLink, ...options },
  );
  assert.equal(joined.status, 200, JSON.stringify(joined.body));
  return joined.body;
}

async function participantsOf(group: Group): Promise<Item[]> {
  const info = await h.graph<{ participants: Item[] }>({
    method: 'GET',
    url: `/${V}/${group.groupId}?fields=participants`,
    token: business.access_token,
  });
  assert.equal(info.status, 200, JSON.stringify(info.body));
  return info.body.participants;
}

async function remove(group: Group, participants: unknown[]) {
  return h.graph<{ request_id: string; error?: { code: number; message: string } }>({
    method: 'DELETE',
    url: `/${V}/${group.groupId}/participants`,
    token: business.access_token,
    json: { messaging_product: 'whatsapp', participants },
  });
}

/** Every user item of a groups[] item, whatever the event. */
function userItems(item: Item): Item[] {
  if (typeof item['join_request_id'] === 'string') return [item];
  const lists = ['added_participants', 'removed_participants'].flatMap((key) =>
    Array.isArray(item[key]) ? (item[key] as Item[]) : [],
  );
  return lists;
}

describe('business-scoped user ids', () => {
  it('pywa reads user_id from every join request, participant and webhook user item', async () => {
    const group = await h.createGroup(business);
    const plain = await join(PLAIN, group);
    const hidden = await join(HIDDEN, group, HIDDEN_OPTIONS);
    assert.equal(plain.user_id, bsuidFor(business.waba_id, PLAIN));
    assert.match(hidden.user_id, /^GB\.\d{20}$/);

    const list = await h.graph<JoinRequestsPage>({
      method: 'GET',
      url: `/${V}/${group.groupId}/join_requests`,
      token: business.access_token,
    });
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.data.map((item) => pywaUser(item as unknown as Item)),
      [
        { userId: plain.user_id, waId: PLAIN },
        { userId: hidden.user_id, waId: undefined },
      ],
    );
    const hiddenItem = list.body.data[1];
    assert.equal(hiddenItem?.username, 'ana.banana');
    assert.equal(hiddenItem?.parent_user_id, parentBsuidFor(HIDDEN));
    assert.equal('wa_id' in (hiddenItem ?? {}), false);

    const approved = await h.graph({
      method: 'POST',
      url: `/${V}/${group.groupId}/join_requests`,
      token: business.access_token,
      json: {
        messaging_product: 'whatsapp',
        join_requests: [plain.join_request_id, hidden.join_request_id],
      },
    });
    assert.equal(approved.status, 200);
    const participants = await participantsOf(group);
    assert.deepEqual(participants.map(pywaUser), [
      { userId: plain.user_id, waId: PLAIN },
      { userId: hidden.user_id, waId: undefined },
    ]);
    assert.deepEqual(participants[1], {
      user_id: hidden.user_id,
      username: 'ana.banana',
      parent_user_id: parentBsuidFor(HIDDEN),
    });

    const removed = await remove(group, [{ user_id: hidden.user_id }, { user: PLAIN }]);
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    // group_create, 2 requests created, 1 add, 1 removal.
    await receiver.waitForWebhooks(5);
    const items = receiver.events.map((event) => event.raw).slice(1);
    const users = items.flatMap(userItems);
    assert.equal(users.length, 6);
    for (const user of users) pywaUser(user);
    assert.ok(users.every((user) => user['user_id'] !== undefined));
    assert.ok(users.filter((user) => user['user_id'] === hidden.user_id).every((user) => !('wa_id' in user)));

    const add = items[2] as Item;
    assert.deepEqual(add['added_participants'], [
      { input: PLAIN, wa_id: PLAIN, user_id: plain.user_id },
      {
        input: hidden.user_id,
        user_id: hidden.user_id,
        username: 'ana.banana',
        parent_user_id: parentBsuidFor(HIDDEN),
      },
    ]);
    const removal = items[3] as Item;
    assert.deepEqual(removal['removed_participants'], [
      {
        input: hidden.user_id,
        user_id: hidden.user_id,
        username: 'ana.banana',
        parent_user_id: parentBsuidFor(HIDDEN),
      },
      { input: PLAIN, wa_id: PLAIN, user_id: plain.user_id },
    ]);
    assert.equal(removal['request_id'], removed.body.request_id);

    // The SDK's typed events carry the same.
    const created = receiver.events[2];
    assert.ok(created?.type === 'group_join_request_created');
    assert.deepEqual(
      { userId: created.userId, waId: created.waId, username: created.username },
      { userId: hidden.user_id, waId: undefined, username: 'ana.banana' },
    );
  });

  it('an unknown BSUID fails like an unknown number, and the removal bans the participants named', async () => {
    const group = await h.createGroup(business, { mode: 'auto_approve' });
    const ana = await join(HIDDEN, group, { hide_phone_number: true, username: 'ana' });
    const stranger = bsuidFor('another-business', PLAIN);
    const removed = await remove(group, [{ user_id: stranger }, { user_id: ana.user_id }]);
    assert.equal(removed.status, 200);
    await receiver.waitForWebhooks(3);
    const removal = receiver.events[2]?.raw as Item;
    assert.deepEqual(removal['removed_participants'], [
      { input: ana.user_id, user_id: ana.user_id, username: 'ana' },
    ]);
    assert.deepEqual(
      (removal['failed_participants'] as Item[]).map((failed) => failed['input']),
      [stranger],
    );
    assert.equal(((removal['errors'] as Item[])[0] as Item)['code'], 131212);
    const again = await h.control('POST', `/_groupgate/users/${HIDDEN}/join`, {
      invite_link: group.inviteLink,
    });
    assert.equal(again.status, 409, 'removed by BSUID, banned by number');
  });

  it('refuses an item with both user and user_id, with neither, or with a malformed user_id', async () => {
    const group = await h.createGroup(business);
    for (const participants of [
      [{ user: PLAIN, user_id: bsuidFor(business.waba_id, PLAIN) }],
      [{}],
      [{ user_id: '16505550001' }],
      [{ user_id: 'US.not-alphanumeric' }],
    ]) {
      const refused = await remove(group, participants);
      assert.equal(refused.status, 400, JSON.stringify(participants));
      assert.equal(refused.body.error?.code, 100);
    }
  });

  it('a simulated participant leaves by BSUID', async () => {
    const group = await h.createGroup(business, { mode: 'auto_approve' });
    const ana = await join(PLAIN, group, { username: 'ana' });
    const left = await h.control('POST', `/_groupgate/users/${ana.user_id}/leave`, {
      group_id: group.groupId,
    });
    assert.equal(left.status, 200, JSON.stringify(left.body));
    assert.deepEqual(await participantsOf(group), []);
    await receiver.waitForWebhooks(3);
    assert.deepEqual((receiver.events[2]?.raw as Item)['removed_participants'], [
      { wa_id: PLAIN, user_id: ana.user_id, username: 'ana' },
    ]);
  });

  it('a simulated user withdraws their request by BSUID; the revoked webhook keeps the number hidden', async () => {
    const group = await h.createGroup(business);
    const ana = await join(HIDDEN, group, { hide_phone_number: true, username: 'ana' });
    const cancelled = await h.control('POST', `/_groupgate/users/${ana.user_id}/cancel_join`, {
      group_id: group.groupId,
    });
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body['join_request_id'], ana.join_request_id);
    const again = await h.control('POST', `/_groupgate/users/${ana.user_id}/cancel_join`, {
      group_id: group.groupId,
    });
    assert.equal(again.status, 404);
    await receiver.waitForWebhooks(3);
    const revoked = receiver.events[2]?.raw as Item;
    assert.equal(revoked['type'], 'group_join_request_revoked');
    assert.deepEqual(pywaUser(revoked), { userId: ana.user_id, waId: undefined });
    assert.equal(revoked['username'], 'ana');
  });

  it('the control API refuses a malformed username or parent BSUID', async () => {
    const group = await h.createGroup(business);
    for (const options of [{ username: 'a b' }, { parent_user_id: 'US.123' }, { parent_user_id: false }]) {
      const refused = await h.control('POST', `/_groupgate/users/${PLAIN}/join`, {
        invite_link: group.inviteLink,
        ...options,
      });
      assert.equal(refused.status, 400, JSON.stringify(options));
    }
    const set = await join(PLAIN, group, { parent_user_id: 'US.ENT.42' });
    const list = await h.graph<JoinRequestsPage>({
      method: 'GET',
      url: `/${V}/${group.groupId}/join_requests`,
      token: business.access_token,
    });
    assert.equal(list.body.data[0]?.parent_user_id, 'US.ENT.42');
    assert.equal(list.body.data[0]?.user_id, set.user_id);
  });

  it('bulk runs make the asked share of users hide their number behind a username', async () => {
    const group = await h.createGroup(business);
    const started = await h.control<{ simulation_id: string }>('POST', '/_groupgate/simulations', {
      group_ids: [group.groupId],
      users: 4,
      hidden_phone_share: 0.5,
      parent_user_id_share: 1,
    });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    for (;;) {
      const run = await h.control<{ state: string }>(
        'GET',
        `/_groupgate/simulations/${started.body.simulation_id}`,
      );
      if (run.body.state !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const list = await h.graph<JoinRequestsPage>({
      method: 'GET',
      url: `/${V}/${group.groupId}/join_requests`,
      token: business.access_token,
    });
    const items = list.body.data;
    assert.equal(items.length, 4);
    // Users 1 and 3 (counting from 0) are the hidden half: floor((i+1)/2) steps up there.
    assert.deepEqual(
      items.map((item) => item.wa_id === undefined),
      [false, true, false, true],
    );
    for (const item of items) {
      assert.match(item.user_id, /^US\.\d{20}$/);
      assert.match(item.parent_user_id ?? '', /^US\.ENT\.\d{20}$/);
      if (item.wa_id === undefined) assert.match(item.username ?? '', /^user1\d+$/);
      else assert.equal(item.username, undefined);
    }
  });
});
