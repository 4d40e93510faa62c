/**
 * @groupgate/sdk/testing's webhook receiver, spoken to as Meta and as a forger would: the handshake, signed and
 * unsigned POSTs, scripted failures, and waiting with a deadline.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signBody, WaitTimeoutError } from '@groupgate/sdk';
import { startWebhookReceiver, type WebhookReceiver } from '@groupgate/sdk/testing';

const SECRET = 'receiver-secret';
let receiver: WebhookReceiver;

before(async () => {
  receiver = await startWebhookReceiver({ appSecret: SECRET, verifyToken: 'vt' });
});
after(() => receiver.close());

function webhook(type: string, groupId: string): string {
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'WABA',
        changes: [
          {
            field: 'group_status_update',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '+1 555', phone_number_id: 'PHONE' },
              groups: [{ timestamp: '1700000000', group_id: groupId, type }],
            },
          },
        ],
      },
    ],
  });
}

async function post(body: string, signature: string | undefined): Promise<Response> {
  return fetch(receiver.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(signature !== undefined && { 'x-hub-signature-256': signature }),
    },
    body,
  });
}

describe('startWebhookReceiver', () => {
  it('listens on 127.0.0.1 and answers the handshake for its verify token only', async () => {
    assert.match(receiver.url, /^http:\/\/127\.0\.0\.1:\d+\/webhook$/);
    const query = (token: string) =>
      `${receiver.url}?hub.mode=subscribe&hub.challenge=12345&hub.verify_token=${token}`;
    const ok = await fetch(query('vt'));
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), '12345');
    assert.equal((await fetch(query('other'))).status, 403);
    assert.equal(receiver.handshakes.length, 2);
  });

  it('accepts a signed POST and parses its events; a bad or missing signature gets 401 and is not recorded', async () => {
    const body = webhook('group_suspend', 'G1');
    assert.equal((await post(body, await signBody(body, 'another-secret'))).status, 401);
    assert.equal((await post(body, undefined)).status, 401);
    assert.equal(receiver.events.length, 0);
    assert.equal(receiver.attempts.length, 2, 'every POST is still seen as an attempt');
    const accepted = await post(body, await signBody(body, SECRET));
    assert.equal(accepted.status, 200);
    assert.equal(receiver.received.length, 1);
    assert.deepEqual(
      receiver.events.map((e) => [e.type, e.groupId, e.wabaId, e.timestamp]),
      [['group_suspend', 'G1', 'WABA', 1700000000]],
    );
    assert.equal(
      (await post('{"object":"page","entry":[]}', await signBody('{"object":"page","entry":[]}', SECRET)))
        .status,
      400,
    );
  });

  it('waits for an event still to come, and times out with WaitTimeoutError', async () => {
    const waiting = receiver.waitFor((e) => e.groupId === 'G2');
    const body = webhook('group_suspend_cleared', 'G2');
    await post(body, await signBody(body, SECRET));
    assert.equal((await waiting).type, 'group_suspend_cleared');
    assert.equal(
      (await receiver.waitFor((e) => e.groupId === 'G1')).type,
      'group_suspend',
      'already received',
    );
    await assert.rejects(
      receiver.waitFor((e) => e.groupId === 'never', { timeout: 50 }),
      WaitTimeoutError,
    );
  });

  it('answers as scripted, then 200 again', async () => {
    receiver.script(503);
    const body = webhook('group_suspend', 'G3');
    const signature = await signBody(body, SECRET);
    assert.equal((await post(body, signature)).status, 503);
    assert.equal((await post(body, signature)).status, 200);
    assert.equal(receiver.events.filter((e) => e.groupId === 'G3').length, 1);
  });
});
