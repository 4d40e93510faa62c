/**
 * Graph's request conventions as real clients exercise them, byte for byte: PHP's http_build_query and Meta's PHP
 * SDK (bracketed arrays), Python requests (repeated keys), spec-generated clients (a JSON Content-Type on every
 * call, bodies or not), and following paging links bare.
 */
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Harness, V, waIds, type Business, type Group } from '../../testing/harness.js';

let h: Harness;
let business: Business;
let group: Group;
let url: string;
let ids: string[];

beforeEach(async () => {
  h = await Harness.start();
  business = await h.createBusiness();
  group = await h.createGroup(business);
  url = `/${V}/${group.groupId}/join_requests`;
  ids = [];
  for (const waId of waIds(3)) ids.push(await h.requestToJoin(waId, group));
});
afterEach(() => h.close());

interface Approved {
  approved_join_requests?: string[];
  rejected_join_requests?: string[];
  error?: { message: string; code: number };
}

/** `http_build_query(['messaging_product' => 'whatsapp', 'join_requests' => $ids])`, as PHP writes it. */
function phpQuery(list: string[]): string {
  return [
    'messaging_product=whatsapp',
    ...list.map((id, i) => `join_requests%5B${i}%5D=${encodeURIComponent(id)}`),
  ].join('&');
}

describe('arrays in form and query encodings', () => {
  const form = (body: string) => ({ body, contentType: 'application/x-www-form-urlencoded' });

  it('reads PHP http_build_query indices (join_requests[0]=…) in a form body', async () => {
    const res = await h.graph<Approved>({
      method: 'POST',
      url,
      token: business.access_token,
      raw: form(phpQuery(ids)),
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.approved_join_requests, ids);
  });

  it('reads them in the query string of a DELETE, as Meta’s Python SDK sends DELETE parameters', async () => {
    const res = await h.graph<Approved>({
      method: 'DELETE',
      url: `${url}?${phpQuery(ids.slice(0, 2))}`,
      token: business.access_token,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.rejected_join_requests, ids.slice(0, 2));
  });

  it('reads join_requests[]=a&join_requests[]=b', async () => {
    const body = [
      'messaging_product=whatsapp',
      ...ids.map((id) => `join_requests[]=${encodeURIComponent(id)}`),
    ].join('&');
    const res = await h.graph<Approved>({
      method: 'POST',
      url,
      token: business.access_token,
      raw: form(body),
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.approved_join_requests, ids);
  });

  it('reads repeated keys, as Python requests encodes a list (data={"join_requests": [a, b]})', async () => {
    const body = new URLSearchParams([
      ['messaging_product', 'whatsapp'],
      ['join_requests', ids[0] ?? ''],
      ['join_requests', ids[1] ?? ''],
    ]).toString();
    const res = await h.graph<Approved>({
      method: 'POST',
      url,
      token: business.access_token,
      raw: form(body),
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.approved_join_requests, ids.slice(0, 2));
  });

  it('still reads the JSON-string form', async () => {
    const res = await h.graph<Approved>({
      method: 'POST',
      url,
      token: business.access_token,
      form: { messaging_product: 'whatsapp', join_requests: JSON.stringify(ids) },
    });
    assert.deepEqual(res.body.approved_join_requests, ids);
  });

  it('reads bracketed indices in a multipart body too', async () => {
    const res = await h.graph<Approved>({
      method: 'POST',
      url,
      token: business.access_token,
      multipart: {
        messaging_product: 'whatsapp',
        'join_requests[0]': ids[0] ?? '',
        'join_requests[1]': ids[1] ?? '',
      },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.approved_join_requests, ids.slice(0, 2));
  });

  it('reads nested objects: participants[0][user]=…', async () => {
    const waId = waIds(1)[0] ?? '';
    await h.graph({
      method: 'POST',
      url,
      token: business.access_token,
      json: { messaging_product: 'whatsapp', join_requests: [ids[0]] },
    });
    assert.deepEqual(await h.participants(group), [waId]);
    const body = `messaging_product=whatsapp&participants%5B0%5D%5Buser%5D=%2B${waId}`;
    const res = await h.graph<{ success?: boolean; error?: { message: string } }>({
      method: 'DELETE',
      url: `/${V}/${group.groupId}/participants`,
      token: business.access_token,
      raw: form(body),
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.success, true);
    assert.deepEqual(await h.participants(group), []);
  });

  it('never calls a sent parameter "required": a bracketed name that is not a list says what is wrong', async () => {
    const res = await h.graph<Approved>({
      method: 'POST',
      url,
      token: business.access_token,
      raw: form(`messaging_product=whatsapp&join_requests%5Bx%5D=${ids[0]}`),
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.error?.message, '(#100) Param join_requests must be an array');
    const twice = await h.graph<Approved>({
      method: 'POST',
      url,
      token: business.access_token,
      raw: form(`messaging_product=whatsapp&join_requests=x&join_requests%5B0%5D=${ids[0]}`),
    });
    assert.equal(twice.status, 400);
    assert.equal(
      twice.body.error?.message,
      '(#100) Param join_requests is sent twice, in two different forms',
    );
  });
});

describe('a JSON Content-Type without a body', () => {
  for (const length of ['0', undefined]) {
    it(`is no parameters, not invalid JSON (Content-Length ${length ?? 'absent'})`, async () => {
      const headers: Record<string, string> = {
        authorization: `Bearer ${business.access_token}`,
        'content-type': 'application/json',
        ...(length !== undefined && { 'content-length': length }),
      };
      const got = await h.app.inject({
        method: 'GET',
        url: `/${V}/${group.groupId}?fields=subject`,
        headers,
      });
      assert.equal(got.statusCode, 200, got.body);
      const link = await h.app.inject({ method: 'GET', url: `/${V}/${group.groupId}/invite_link`, headers });
      assert.equal(link.statusCode, 200, link.body);
      const post = await h.app.inject({ method: 'POST', url: `/${V}/${group.groupId}/invite_link`, headers });
      // Accepted as a body; the missing messaging_product is the only complaint.
      assert.equal(JSON.parse(post.body).error.message, '(#100) The parameter messaging_product is required');
      const deleted = await h.app.inject({ method: 'DELETE', url: `/${V}/${group.groupId}`, headers });
      assert.equal(deleted.statusCode, 200, deleted.body);
      assert.equal(JSON.parse(deleted.body).success, true);
    });
  }
});

describe('paging links followed bare', () => {
  it('carry the token that authenticated the call, from the header too, and work with no auth header', async () => {
    const first = await h.graph<{ data: { join_request_id: string }[]; paging?: { next?: string } }>({
      method: 'GET',
      url: `${url}?limit=1`,
      token: business.access_token,
      headers: { host: 'groupgate.test:4004' },
    });
    const next = first.body.paging?.next ?? '';
    assert.match(
      next,
      new RegExp(`^http://groupgate\\.test:4004/${V}/.*[?&]access_token=${business.access_token}&`),
    );
    const followed = await h.graph<{ data: { join_request_id: string }[]; paging?: { next?: string } }>({
      method: 'GET',
      url: next.replace(/^http:\/\/[^/]+/, ''),
      token: null,
    });
    assert.equal(followed.status, 200, JSON.stringify(followed.body));
    assert.deepEqual(
      followed.body.data.map((r) => r.join_request_id),
      [ids[1]],
    );
  });

  it('carry the header token, never a query token that authenticated nothing', async () => {
    const other = await h.createBusiness();
    const page = await h.graph<{ paging?: { next?: string } }>({
      method: 'GET',
      url: `${url}?limit=1&access_token=${other.access_token}`,
      token: business.access_token,
    });
    assert.match(page.body.paging?.next ?? '', new RegExp(`access_token=${business.access_token}&`));
    assert.doesNotMatch(page.body.paging?.next ?? '', new RegExp(other.access_token));
  });
});

describe('appsecret_proof', () => {
  const proofOf = (token: string, secret: string) => createHmac('sha256', secret).update(token).digest('hex');
  const read = (query: string) =>
    h.graph<{ data?: unknown[]; error?: { message: string; code: number; type: string } }>({
      method: 'GET',
      url: `${url}?${query}`,
      token: business.access_token,
    });

  it('is checked when given: the HMAC-SHA256 of the token keyed with the app secret, hex', async () => {
    const good = await read(`appsecret_proof=${proofOf(business.access_token, business.app_secret)}`);
    assert.equal(good.status, 200);
    const upper = await read(
      `appsecret_proof=${proofOf(business.access_token, business.app_secret).toUpperCase()}`,
    );
    assert.equal(upper.status, 200);
    for (const wrong of [proofOf(business.access_token, 'another-secret'), 'abc', '']) {
      const res = await read(`appsecret_proof=${wrong}`);
      assert.equal(res.status, 400);
      assert.deepEqual(
        [res.body.error?.code, res.body.error?.type, res.body.error?.message],
        [100, 'GraphMethodException', 'Invalid appsecret_proof provided in the API argument'],
      );
    }
  });

  it('is required when the app says so (control API), and paging links carry it', async () => {
    const path = `/_groupgate/apps/${business.app_id}/settings`;
    assert.deepEqual((await h.control('GET', path)).body, {
      app_id: business.app_id,
      require_appsecret_proof: false,
      default_api_version: 'v23.0',
    });
    const set = await h.control('PUT', path, { require_appsecret_proof: true });
    assert.equal(set.status, 200);
    assert.equal(set.body['require_appsecret_proof'], true);
    const missing = await read('limit=1');
    assert.equal(missing.status, 400);
    assert.deepEqual(
      [missing.body.error?.code, missing.body.error?.type, missing.body.error?.message],
      [100, 'GraphMethodException', 'API calls from the server require an appsecret_proof argument'],
    );
    const proof = proofOf(business.access_token, business.app_secret);
    const page = await h.graph<{ paging?: { next?: string } }>({
      method: 'GET',
      url: `${url}?limit=1&appsecret_proof=${proof}`,
      token: business.access_token,
    });
    assert.equal(page.status, 200);
    const next = page.body.paging?.next ?? '';
    assert.match(next, new RegExp(`appsecret_proof=${proof}`));
    const followed = await h.graph({ method: 'GET', url: next.replace(/^http:\/\/[^/]+/, ''), token: null });
    assert.equal(followed.status, 200);
    await h.control('PUT', path, { require_appsecret_proof: false });
    assert.equal((await read('limit=1')).status, 200);
  });

  it('refuses an unknown app and a wrong setting on the control API', async () => {
    assert.equal(
      (await h.control('PUT', '/_groupgate/apps/123/settings', { require_appsecret_proof: true })).status,
      404,
    );
    const path = `/_groupgate/apps/${business.app_id}/settings`;
    assert.equal((await h.control('PUT', path, { require_appsecret_proof: 'yes' })).status, 400);
    assert.equal((await h.control('PUT', path, { default_api_version: 'v99.0' })).status, 400);
    assert.equal((await h.control('PUT', path, { color: 'red' })).status, 400);
  });
});

describe('versions', () => {
  it('serves unversioned paths as the app’s default version, v23.0 unless set', async () => {
    const res = await h.graph<{ data: unknown[] }>({
      method: 'GET',
      url: `/${group.groupId}/join_requests`,
      token: business.access_token,
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers['facebook-api-version'], 'v23.0');
    assert.equal(res.body.data.length, 3);
    const node = await h.graph<{ id: string }>({
      method: 'GET',
      url: `/${group.groupId}?fields=subject`,
      token: business.access_token,
    });
    assert.equal(node.body.id, group.groupId);
    await h.control('PUT', `/_groupgate/apps/${business.app_id}/settings`, { default_api_version: 'v25.0' });
    const again = await h.graph({
      method: 'GET',
      url: `/${group.groupId}/invite_link`,
      token: business.access_token,
    });
    assert.equal(again.headers['facebook-api-version'], 'v25.0');
    // A default that has since retired is served as the oldest version available.
    await h.control('PUT', `/_groupgate/apps/${business.app_id}/settings`, { default_api_version: 'v2.8' });
    const old = await h.graph({
      method: 'GET',
      url: `/${group.groupId}/invite_link`,
      token: business.access_token,
    });
    assert.equal(old.headers['facebook-api-version'], 'v20.0');
    await h.control('PUT', `/_groupgate/apps/${business.app_id}/settings`, { default_api_version: null });
    const reset = await h.graph({
      method: 'GET',
      url: `/${group.groupId}/invite_link`,
      token: business.access_token,
    });
    assert.equal(reset.headers['facebook-api-version'], 'v23.0');
  });

  it('follows the clock: a version not yet released is no version, and one is served from its release day', async () => {
    h.now = Date.parse('2026-07-28T12:00:00Z') / 1000;
    const early = await h.graph<{ error: { code: number } }>({
      method: 'GET',
      url: `/v26.0/${group.groupId}/join_requests`,
      token: business.access_token,
    });
    assert.equal(early.status, 400);
    assert.equal(early.body.error.code, 2500);
    h.now = Date.parse('2026-07-29T00:00:00Z') / 1000;
    const released = await h.graph({
      method: 'GET',
      url: `/v26.0/${group.groupId}/join_requests`,
      token: business.access_token,
    });
    assert.equal(released.status, 200);
    assert.equal(released.headers['facebook-api-version'], 'v26.0');
  });
});

describe('suppress_http_code and pretty', () => {
  it('suppress_http_code=1 answers an error with HTTP 200 and the error body, from the query or the body', async () => {
    const viaQuery = await h.app.inject({
      method: 'GET',
      url: `${url}?suppress_http_code=1&limit=0`,
      headers: { authorization: `Bearer ${business.access_token}` },
    });
    assert.equal(viaQuery.statusCode, 200);
    assert.equal(JSON.parse(viaQuery.body).error.code, 100);
    const noToken = await h.app.inject({ method: 'GET', url: `${url}?suppress_http_code=1` });
    assert.equal(noToken.statusCode, 200);
    assert.equal(JSON.parse(noToken.body).error.code, 104);
    assert.ok(noToken.headers['www-authenticate'], 'the error keeps its headers');
    const viaBody = await h.app.inject({
      method: 'POST',
      url,
      headers: {
        authorization: `Bearer ${business.access_token}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: 'messaging_product=sms&suppress_http_code=1',
    });
    assert.equal(viaBody.statusCode, 200);
    assert.equal(JSON.parse(viaBody.body).error.code, 100);
    const without = await h.app.inject({ method: 'GET', url: `${url}?limit=0` });
    assert.equal(without.statusCode, 401);
  });

  it('pretty=1 indents answers and errors, three spaces a level as Graph does; absent, bodies stay compact', async () => {
    const pretty = await h.app.inject({
      method: 'GET',
      url: `/${V}/${group.groupId}/invite_link?pretty=1`,
      headers: { authorization: `Bearer ${business.access_token}` },
    });
    assert.equal(pretty.statusCode, 200);
    assert.equal(
      pretty.body,
      `{\n   "messaging_product": "whatsapp",\n   "invite_link": "${group.inviteLink}"\n}`,
    );
    const error = await h.app.inject({ method: 'GET', url: `${url}?pretty=1` });
    assert.equal(error.statusCode, 401);
    assert.match(error.body, /^\{\n {3}"error": \{\n {6}"message"/);
    const compact = await h.app.inject({
      method: 'GET',
      url: `/${V}/${group.groupId}/invite_link?pretty=0`,
      headers: { authorization: `Bearer ${business.access_token}` },
    });
    assert.doesNotMatch(compact.body, /\n/);
  });
});

describe('fields on the edges and field expansion on the node', () => {
  type Items = { data: Record<string, unknown>[]; paging?: { next?: string } };
  it('selects join request fields as on a node, the id always included', async () => {
    const res = await h.graph<Items>({
      method: 'GET',
      url: `${url}?fields=wa_id&limit=2`,
      token: business.access_token,
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.data, [
      { join_request_id: ids[0], wa_id: waIds(3)[0] },
      { join_request_id: ids[1], wa_id: waIds(3)[1] },
    ]);
    // The next page keeps the selection.
    assert.match(res.body.paging?.next ?? '', /[?&]fields=wa_id&/);
    const next = await h.graph<Items>({
      method: 'GET',
      url: (res.body.paging?.next ?? '').replace(/^http:\/\/[^/]+/, ''),
      token: null,
    });
    assert.deepEqual(next.body.data, [{ join_request_id: ids[2], wa_id: waIds(3)[2] }]);
    const everything = await h.graph<Items>({
      method: 'GET',
      url: `${url}?fields=`,
      token: business.access_token,
    });
    assert.deepEqual(Object.keys(everything.body.data[0] ?? {}), [
      'join_request_id',
      'wa_id',
      'user_id',
      'creation_timestamp',
    ]);
  });

  it('answers an unknown field on an edge with Graph’s nonexisting field error', async () => {
    const res = await h.graph<{ error: { code: number; message: string } }>({
      method: 'GET',
      url: `${url}?fields=wa_id,color`,
      token: business.access_token,
    });
    assert.equal(res.status, 400);
    assert.equal(
      res.body.error.message,
      '(#100) Tried accessing nonexisting field (color) on node type (WhatsAppGroupJoinRequest)',
    );
    const groups = await h.graph<{ error: { message: string } }>({
      method: 'GET',
      url: `/${V}/${business.phone_number_id}/groups?fields=subject,owner`,
      token: business.access_token,
    });
    assert.equal(
      groups.body.error.message,
      '(#100) Tried accessing nonexisting field (owner) on node type (WhatsAppGroup)',
    );
  });

  it('selects group fields in the list', async () => {
    const res = await h.graph<{ data: { groups: Record<string, unknown>[] } }>({
      method: 'GET',
      url: `/${V}/${business.phone_number_id}/groups?fields=subject`,
      token: business.access_token,
    });
    assert.deepEqual(res.body.data.groups, [{ id: group.groupId, subject: 'Test group' }]);
  });

  it('expands participants on the node: .limit(n) and {subfields}', async () => {
    await h.graph({
      method: 'POST',
      url,
      token: business.access_token,
      json: { messaging_product: 'whatsapp', join_requests: ids },
    });
    const res = await h.graph<{ participants: Record<string, unknown>[]; total_participant_count: number }>({
      method: 'GET',
      url: `/${V}/${group.groupId}?fields=${encodeURIComponent('participants.limit(2){wa_id},total_participant_count')}`,
      token: business.access_token,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.participants, [{ wa_id: waIds(3)[0] }, { wa_id: waIds(3)[1] }]);
    assert.equal(res.body.total_participant_count, 3);
    for (const [fields, message] of [
      [
        'participants{phone}',
        '(#100) Tried accessing nonexisting field (phone) on node type (WhatsAppGroupParticipant)',
      ],
      ['subject{x}', '(#100) Field subject of node type (WhatsAppGroup) cannot be expanded'],
      ['participants{wa_id', '(#100) Syntax error in fields: unbalanced braces'],
    ] as const) {
      const bad = await h.graph<{ error: { message: string } }>({
        method: 'GET',
        url: `/${V}/${group.groupId}?fields=${encodeURIComponent(fields)}`,
        token: business.access_token,
      });
      assert.equal(bad.body.error.message, message);
    }
  });
});

describe('ETag and If-None-Match', () => {
  const get = (headers: Record<string, string> = {}) =>
    h.app.inject({
      method: 'GET',
      url,
      headers: { authorization: `Bearer ${business.access_token}`, ...headers },
    });

  it('tags every read with the quoted SHA-1 of its body and answers 304 to a matching If-None-Match', async () => {
    const first = await get();
    const etag = String(first.headers['etag']);
    assert.equal(etag, `"${createHash('sha1').update(first.body).digest('hex')}"`);
    const again = await get({ 'if-none-match': etag });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, '');
    assert.equal(again.headers['etag'], etag);
    assert.ok(again.headers['x-fb-trace-id']);
    assert.equal((await get({ 'if-none-match': `"other", W/${etag}` })).statusCode, 304);
    // Once the answer changes, so does its tag.
    await h.requestToJoin('16505559999', group);
    const changed = await get({ 'if-none-match': etag });
    assert.equal(changed.statusCode, 200);
    assert.notEqual(changed.headers['etag'], etag);
  });

  it('tags no write and no error', async () => {
    const write = await h.app.inject({
      method: 'POST',
      url: `/${V}/${group.groupId}/invite_link`,
      headers: { authorization: `Bearer ${business.access_token}`, 'content-type': 'application/json' },
      payload: '{"messaging_product":"whatsapp"}',
    });
    assert.equal(write.statusCode, 200);
    assert.equal(write.headers['etag'], undefined);
    const error = await h.app.inject({
      method: 'GET',
      url: `${url}?limit=0`,
      headers: { authorization: `Bearer ${business.access_token}` },
    });
    assert.equal(error.headers['etag'], undefined);
  });
});
