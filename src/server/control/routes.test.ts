import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ADMIN_TOKEN, Harness, TEST_STORE, V, type Business, type Group } from '../../testing/harness.js';

let h: Harness;
let business: Business;
let group: Group;

beforeEach(async () => {
  h = await Harness.start();
  business = await h.createBusiness('Acme');
  group = await h.createGroup(business);
});
afterEach(() => h.close());

describe('control API', () => {
  it('answers health without a token', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/_groupgate/health' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok', store: TEST_STORE });
  });

  it('refuses every other call without the admin token, and with a business token', async () => {
    for (const authorization of [undefined, `Bearer ${business.access_token}`, `Bearer ${ADMIN_TOKEN}x`]) {
      const res = await h.app.inject({
        method: 'POST',
        url: '/_groupgate/businesses',
        payload: {},
        ...(authorization !== undefined && { headers: { authorization } }),
      });
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().error.type, 'GroupgateException');
      assert.equal(res.json().error.fbtrace_id, res.headers['x-fb-trace-id']);
    }
  });

  it('creates businesses with Graph-looking ids and a working token', async () => {
    assert.match(business.waba_id, /^[1-9]\d{14}$/);
    assert.match(business.phone_number_id, /^[1-9]\d{14}$/);
    assert.match(business.display_phone_number, /^\+1 555-01\d-\d{4}$/);
    assert.match(business.access_token, /^EAAG[A-Za-z0-9]+$/);
    assert.match(business.app_secret, /^[0-9a-f]{32}$/);
  });

  it('simulates users asking to join, idempotently while pending', async () => {
    const first = await h.control('POST', '/_groupgate/users/16505550001/join', {
      invite_link: group.inviteLink,
    });
    const again = await h.control('POST', '/_groupgate/users/16505550001/join', {
      invite_link: group.inviteLink,
    });
    assert.equal(first.body['status'], 'requested');
    assert.deepEqual(again.body, first.body);
  });

  it('adds users straight in on auto-approve groups, and refuses a second join as a conflict', async () => {
    const open = await h.createGroup(business, { mode: 'auto_approve' });
    const res = await h.control('POST', '/_groupgate/users/16505550001/join', {
      invite_link: open.inviteLink,
    });
    assert.deepEqual(res.body, { status: 'joined' });
    assert.deepEqual(await h.participants(open), ['16505550001']);
    const twice = await h.control<{ error: { message: string } }>(
      'POST',
      '/_groupgate/users/16505550001/join',
      {
        invite_link: open.inviteLink,
      },
    );
    assert.equal(twice.status, 409);
    assert.match(twice.body.error.message, /already a participant/);
    const list = await h.graph({
      method: 'GET',
      url: `/${V}/${open.groupId}/join_requests`,
      token: business.access_token,
    });
    assert.deepEqual(list.body, { data: [] }, 'auto-approve groups have no join requests');
  });

  it('refuses a dead invite link with 404 and a malformed wa_id with 400', async () => {
    const dead = await h.control<{ error: { message: string } }>(
      'POST',
      '/_groupgate/users/16505550001/join',
      {
        invite_link: 'https://chat.whatsapp.com/AAAAAAAAAAAAAAAAAAAAAA',
      },
    );
    assert.equal(dead.status, 404);
    assert.match(dead.body.error.message, /does not open any group/);
    const badUser = await h.control('POST', '/_groupgate/users/+1-650/join', {
      invite_link: group.inviteLink,
    });
    assert.equal(badUser.status, 400);
    const noLink = await h.control('POST', '/_groupgate/users/16505550001/join', {});
    assert.equal(noLink.status, 400);
  });

  it('lets a user cancel a pending request, and says 404 when there is none', async () => {
    const id = await h.requestToJoin('16505550001', group);
    const res = await h.control('POST', '/_groupgate/users/16505550001/cancel_join', {
      group_id: group.groupId,
    });
    assert.deepEqual(res.body, { status: 'cancelled', join_request_id: id });
    const again = await h.control('POST', '/_groupgate/users/16505550001/cancel_join', {
      group_id: group.groupId,
    });
    assert.equal(again.status, 404);
  });

  it('resets to an empty state', async () => {
    await h.requestToJoin('16505550001', group);
    assert.deepEqual((await h.control('POST', '/_groupgate/reset')).body, { success: true });
    const res = await h.graph<{ error: { code: number } }>({
      method: 'GET',
      url: `/${V}/${group.groupId}/join_requests`,
      token: business.access_token,
    });
    assert.equal(res.body.error.code, 190, 'tokens are gone too');
  });

  it('serves an OpenAPI document describing the control API only', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/_groupgate/openapi.json' });
    assert.equal(res.statusCode, 200);
    const doc = res.json() as { openapi: string; paths: Record<string, unknown> };
    assert.match(doc.openapi, /^3\./);
    assert.deepEqual(Object.keys(doc.paths).sort(), [
      '/_groupgate/apps/{app_id}/webhook',
      '/_groupgate/businesses',
      '/_groupgate/businesses/{waba_id}/tokens',
      '/_groupgate/groups/{group_id}',
      '/_groupgate/groups/{group_id}/clear_suspension',
      '/_groupgate/groups/{group_id}/suspend',
      '/_groupgate/health',
      '/_groupgate/health/live',
      '/_groupgate/reset',
      '/_groupgate/simulations',
      '/_groupgate/simulations/{id}',
      '/_groupgate/tokens/{token}',
      '/_groupgate/users/{wa_id}/cancel_join',
      '/_groupgate/users/{wa_id}/join',
      '/_groupgate/users/{wa_id}/leave',
      '/_groupgate/webhooks/deliveries',
      '/_groupgate/webhooks/deliveries/{id}',
      '/_groupgate/webhooks/deliveries/{id}/replay',
    ]);
  });

  it('answers an unknown control path with a 404 envelope', async () => {
    const res = await h.control<{ error: { code: number } }>('GET', '/_groupgate/nope');
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 100);
  });
});
