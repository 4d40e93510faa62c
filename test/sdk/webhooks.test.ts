/**
 * The SDK's webhook side on real Groupgate deliveries: signature checks on the raw bytes, the handshake answer, and
 * every Groups event type parsed into its typed form.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  answerChallenge,
  parseGroupEvents,
  signBody,
  verifySignature,
  WebhookPayloadError,
} from '@groupgate/sdk/webhooks';
import { Harness, V, type Business } from '../../src/testing/harness.js';
import { bsuidFor } from '../../src/domain/users.js';
import { startWebhookReceiver, type WebhookReceiver } from '@groupgate/sdk/testing';

describe('signatures', () => {
  const body = '{"object":"whatsapp_business_account","entry":[]}';
  const header = `sha256=${createHmac('sha256', 'app-secret').update(body).digest('hex')}`;

  it('accepts the HMAC-SHA256 of the exact bytes, as text or bytes', async () => {
    assert.equal(await signBody(body, 'app-secret'), header);
    assert.equal(await verifySignature(body, header, 'app-secret'), true);
    assert.equal(await verifySignature(new TextEncoder().encode(body), header, 'app-secret'), true);
  });

  it('refuses a changed body, another secret, or a missing or malformed header', async () => {
    assert.equal(await verifySignature(body.replace('[]', '[ ]'), header, 'app-secret'), false);
    assert.equal(await verifySignature(body, header, 'other-secret'), false);
    assert.equal(await verifySignature(body, undefined, 'app-secret'), false);
    assert.equal(await verifySignature(body, header.slice(0, -1), 'app-secret'), false);
    assert.equal(await verifySignature(body, header.replace('sha256=', 'sha1='), 'app-secret'), false);
  });
});

describe('handshake', () => {
  it("echoes the challenge for the app's own verify token only", () => {
    const query = new URLSearchParams({
      'hub.mode': 'subscribe',
      'hub.challenge': '1158201444',
      'hub.verify_token': 'mine',
    });
    assert.deepEqual(answerChallenge(query, 'mine'), { status: 200, body: '1158201444' });
    assert.equal(answerChallenge(query, 'theirs').status, 403);
    assert.equal(
      answerChallenge({ 'hub.mode': 'unsubscribe', 'hub.verify_token': 'mine' }, 'mine').status,
      403,
    );
  });
});

describe('parsing real deliveries', () => {
  let h: Harness;
  let business: Business;
  let receiver: WebhookReceiver;

  before(async () => {
    h = await Harness.start();
    business = await h.createBusiness();
    receiver = await startWebhookReceiver({ appSecret: business.app_secret, verifyToken: 'v' });
    await h.control('PUT', `/_groupgate/apps/${business.app_id}/webhook`, {
      callback_url: receiver.url,
      verify_token: 'v',
    });
  });
  after(async () => {
    await h.close();
    await receiver.close();
  });

  it('types every Groups event Groupgate sends', async () => {
    const group = await h.createGroup(business);
    const id = await h.requestToJoin('16505550001', group);
    await h.control('POST', '/_groupgate/users/16505550002/join', { invite_link: group.inviteLink });
    await h.control('POST', '/_groupgate/users/16505550002/cancel_join', { group_id: group.groupId });
    const call = (method: 'POST' | 'DELETE', path: string, json?: unknown) =>
      h.graph({
        method,
        url: `/${V}/${group.groupId}${path}`,
        token: business.access_token,
        ...(json !== undefined && { json }),
      });
    await call('POST', '/join_requests', { messaging_product: 'whatsapp', join_requests: [id] });
    await call('DELETE', '/participants', {
      messaging_product: 'whatsapp',
      participants: [{ user: '16505550001' }],
    });
    await call('POST', '', { messaging_product: 'whatsapp', subject: 'Renamed' });
    await h.control('POST', `/_groupgate/groups/${group.groupId}/suspend`);
    await call('DELETE', '');
    const webhooks = await receiver.waitForWebhooks(9);
    const events = [];
    for (const webhook of webhooks) {
      assert.ok(await verifySignature(webhook.raw, webhook.signature, business.app_secret));
      events.push(...parseGroupEvents(webhook.raw));
    }
    assert.deepEqual(
      events.map((e) => e.type),
      [
        'group_create',
        'group_join_request_created',
        'group_join_request_created',
        'group_join_request_revoked',
        'group_participants_add',
        'group_participants_remove',
        'group_settings_update',
        'group_suspend',
        'group_delete',
      ],
    );
    for (const event of events) {
      assert.equal(event.groupId, group.groupId);
      assert.equal(event.wabaId, business.waba_id);
      assert.equal(event.phoneNumberId, business.phone_number_id);
      assert.equal(event.timestamp, h.now);
      switch (event.type) {
        case 'group_create':
          assert.equal(event.inviteLink, group.inviteLink);
          assert.equal(event.joinApprovalMode, 'approval_required');
          break;
        case 'group_participants_add':
          assert.deepEqual(event.added, [
            {
              waId: '16505550001',
              userId: bsuidFor(business.waba_id, '16505550001'),
              username: undefined,
              parentUserId: undefined,
              input: '16505550001',
            },
          ]);
          break;
        case 'group_participants_remove':
          assert.equal(event.initiatedBy, 'business');
          assert.deepEqual(event.removed, [
            {
              input: '16505550001',
              waId: '16505550001',
              userId: bsuidFor(business.waba_id, '16505550001'),
              username: undefined,
              parentUserId: undefined,
            },
          ]);
          break;
        case 'group_settings_update':
          assert.deepEqual(event.subject, { value: 'Renamed', updateSuccessful: true, errors: undefined });
          assert.equal(event.description, undefined);
          break;
      }
    }
  });

  it('passes over other fields, keeps unknown Groups types, and refuses what is not a WABA webhook', () => {
    const body = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: 'W',
          changes: [
            { field: 'messages', value: { messaging_product: 'whatsapp', metadata: {}, messages: [] } },
            {
              field: 'group_status_update',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '+1', phone_number_id: 'P' },
                groups: [{ timestamp: '5', group_id: 'G', type: 'group_archived' }],
              },
            },
          ],
        },
      ],
    };
    const [event, ...rest] = parseGroupEvents(body);
    assert.deepEqual(rest, []);
    assert.equal(event?.type, 'unknown');
    assert.equal(event.type === 'unknown' && event.unknownType, 'group_archived');
    assert.equal(event?.timestamp, 5);
    assert.throws(() => parseGroupEvents({ object: 'page', entry: [] }), WebhookPayloadError);
  });
});
