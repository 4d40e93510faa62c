/**
 * Graph's request conventions as real clients exercise them, byte for byte: PHP's http_build_query and Meta's PHP
 * SDK (bracketed arrays), Python requests (repeated keys), spec-generated clients (a JSON Content-Type on every
 * call, bodies or not), and following paging links bare.
 */
import assert from 'node:assert/strict';
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
