import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { JoinRequestsPage } from '@groupgate/sdk/contract';
import { fbBase64Decode } from '../../../domain/fb-base64.js';
import { Harness, V, waIds, type Business, type Group } from '../../../testing/harness.js';

interface Decided {
  messaging_product: string;
  approved_join_requests?: string[];
  rejected_join_requests?: string[];
  failed_join_requests?: {
    join_request_id: string;
    errors: { code: number; message: string; title: string }[];
  }[];
  errors?: { code: number; message: string; title: string; error_data: { details: string } }[];
}

let h: Harness;
let business: Business;
let group: Group;
let url: string;

beforeEach(async () => {
  h = await Harness.start();
  business = await h.createBusiness();
  group = await h.createGroup(business);
  url = `/${V}/${group.groupId}/join_requests`;
});
afterEach(() => h.close());

async function list(query = '') {
  return h.graph<JoinRequestsPage>({ method: 'GET', url: url + query, token: business.access_token });
}

async function decide(method: 'POST' | 'DELETE', ids: unknown) {
  return h.graph<Decided>({
    method,
    url,
    token: business.access_token,
    json: { messaging_product: 'whatsapp', join_requests: ids },
  });
}

describe('GET join_requests', () => {
  it('lists pending requests oldest first with Meta-shaped ids and integer timestamps', async () => {
    const ids: string[] = [];
    for (const waId of waIds(3)) {
      ids.push(await h.requestToJoin(waId, group));
      h.now += 10;
    }
    const page = await list();
    assert.equal(page.status, 200);
    assert.deepEqual(
      page.body.data.map((r) => r.join_request_id),
      ids,
    );
    assert.deepEqual(
      page.body.data.map((r) => r.wa_id),
      waIds(3),
    );
    assert.deepEqual(
      page.body.data.map((r) => r.creation_timestamp),
      [h.now - 30, h.now - 20, h.now - 10],
    );
    // join_request_id is base64("<wa_id>:<group number>"), and the group number is the one in the group id.
    const [waId, groupNumber] = (fbBase64Decode(ids[0] ?? '') ?? '').split(':');
    assert.equal(waId, waIds(1)[0]);
    assert.match(fbBase64Decode(group.groupId) ?? '', new RegExp(`^capi_group:\\d+:${groupNumber}$`));
  });

  it('sends creation_timestamp as a JSON integer, byte for byte', async () => {
    await h.requestToJoin('16505550001', group);
    const res = await h.app.inject({
      method: 'GET',
      url,
      headers: { authorization: `Bearer ${business.access_token}` },
    });
    assert.match(res.body, new RegExp(`"creation_timestamp":${h.now}[,}]`));
  });

  it('answers an empty group with data alone, as Graph does', async () => {
    const page = await list();
    assert.deepEqual(page.body, { data: [] });
  });

  it('walks every page forward by following next, and back by following previous', async () => {
    const ids: string[] = [];
    for (const waId of waIds(7)) ids.push(await h.requestToJoin(waId, group));
    const seen: string[] = [];
    let next: string | undefined = `${url}?limit=3`;
    const pages: JoinRequestsPage[] = [];
    while (next !== undefined) {
      const page: { body: JoinRequestsPage } = await h.graph<JoinRequestsPage>({
        method: 'GET',
        url: next.replace(/^https?:\/\/[^/]+/, ''),
        token: business.access_token,
      });
      pages.push(page.body);
      seen.push(...page.body.data.map((r) => r.join_request_id));
      next = page.body.paging?.next;
    }
    assert.deepEqual(seen, ids);
    assert.equal(pages.length, 3);
    assert.equal(pages[0]?.paging?.previous, undefined, 'the first page has no previous');
    assert.match(
      pages[0]?.paging?.next ?? '',
      /^http:\/\/localhost(:\d+)?\/v23\.0\/.+\/join_requests\?access_token=[^&]+&limit=3&after=/,
    );

    const back = await h.graph<JoinRequestsPage>({
      method: 'GET',
      url: (pages[2]?.paging?.previous ?? '').replace(/^https?:\/\/[^/]+/, ''),
      token: business.access_token,
    });
    assert.deepEqual(
      back.body.data.map((r) => r.join_request_id),
      ids.slice(3, 6),
    );
    assert.ok(back.body.paging?.next, 'a page reached backwards still links forward');
    assert.ok(back.body.paging?.previous);
  });

  it('keeps pages correct while requests are decided and new ones arrive between pages', async () => {
    const ids: string[] = [];
    for (const waId of waIds(6)) ids.push(await h.requestToJoin(waId, group));
    const first = await list('?limit=2');
    assert.deepEqual(
      first.body.data.map((r) => r.join_request_id),
      ids.slice(0, 2),
    );
    // Between pages: an already-seen request and a not-yet-seen one are decided, and a newcomer asks.
    await decide('POST', [ids[0], ids[2]]);
    const late = await h.requestToJoin('447700900123', group);
    const rest: string[] = [];
    let after = first.body.paging?.cursors.after;
    while (after !== undefined) {
      const page = await list(`?limit=2&after=${after}`);
      rest.push(...page.body.data.map((r) => r.join_request_id));
      after = page.body.paging?.next === undefined ? undefined : page.body.paging.cursors.after;
    }
    assert.deepEqual(rest, [ids[3], ids[4], ids[5], late], 'nothing skipped, nothing repeated');
  });

  it('puts the access_token in paging links however the caller sent it, as Graph does', async () => {
    for (const waId of waIds(2)) await h.requestToJoin(waId, group);
    const viaQuery = await h.graph<JoinRequestsPage>({
      method: 'GET',
      url: `${url}?limit=1&access_token=${business.access_token}`,
      token: null,
    });
    assert.match(
      viaQuery.body.paging?.next ?? '',
      new RegExp(`access_token=${business.access_token}&limit=1&after=`),
    );
    const viaHeader = await list('?limit=1');
    assert.match(
      viaHeader.body.paging?.next ?? '',
      new RegExp(`access_token=${business.access_token}&limit=1&`),
    );
  });

  it('puts only the token that authenticated the call in paging links', async () => {
    for (const waId of waIds(2)) await h.requestToJoin(waId, group);
    const other = await h.createBusiness();
    // The header token wins; the query token, valid or not, authenticated nothing and stays out of the links.
    for (const queryToken of [other.access_token, 'not-a-token']) {
      const page = await h.graph<JoinRequestsPage>({
        method: 'GET',
        url: `${url}?limit=1&access_token=${queryToken}`,
        token: business.access_token,
      });
      assert.equal(page.status, 200);
      assert.doesNotMatch(page.body.paging?.next ?? '', new RegExp(`access_token=${queryToken}`));
      assert.match(page.body.paging?.next ?? '', new RegExp(`access_token=${business.access_token}&`));
    }
    // A POST read with method=get: the body's token authenticated the call, not the query's.
    const viaBody = await h.graph<JoinRequestsPage>({
      method: 'POST',
      url: `${url}?limit=1&access_token=${other.access_token}`,
      token: null,
      form: { method: 'get', access_token: business.access_token },
    });
    assert.equal(viaBody.status, 200);
    assert.match(viaBody.body.paging?.next ?? '', new RegExp(`access_token=${business.access_token}&`));
    assert.doesNotMatch(viaBody.body.paging?.next ?? '', new RegExp(other.access_token));
  });

  it('ignores X-Forwarded-Host and X-Forwarded-Proto from a client when no proxy is trusted', async () => {
    for (const waId of waIds(2)) await h.requestToJoin(waId, group);
    const page = await h.graph<JoinRequestsPage>({
      method: 'GET',
      url: `${url}?limit=1&access_token=${business.access_token}`,
      token: null,
      headers: {
        host: 'groupgate.test:4004',
        'x-forwarded-host': 'evil.example',
        'x-forwarded-proto': 'https',
      },
    });
    assert.match(page.body.paging?.next ?? '', /^http:\/\/groupgate\.test:4004\/v23\.0\//);
  });

  it('builds paging URLs from forwarded headers sent by a trusted proxy', async () => {
    await h.close();
    // inject() connects from 127.0.0.1.
    h = await Harness.start({ config: { trustProxy: ['127.0.0.1'] } });
    business = await h.createBusiness();
    group = await h.createGroup(business);
    url = `/${V}/${group.groupId}/join_requests`;
    for (const waId of waIds(2)) await h.requestToJoin(waId, group);
    const page = await h.graph<JoinRequestsPage>({
      method: 'GET',
      url: `${url}?limit=1`,
      token: business.access_token,
      headers: { 'x-forwarded-host': 'groupgate.example.com', 'x-forwarded-proto': 'https' },
    });
    assert.match(page.body.paging?.next ?? '', /^https:\/\/groupgate\.example\.com\/v23\.0\//);
  });

  it('keeps the path prefix of the public URL in paging URLs (a proxy serving Groupgate under a path)', async () => {
    await h.close();
    h = await Harness.start({ config: { publicUrl: 'https://proxy.example.com/gg' } });
    business = await h.createBusiness();
    group = await h.createGroup(business);
    url = `/${V}/${group.groupId}/join_requests`;
    for (const waId of waIds(2)) await h.requestToJoin(waId, group);
    const page = await list('?limit=1');
    assert.match(
      page.body.paging?.next ?? '',
      /^https:\/\/proxy\.example\.com\/gg\/v23\.0\/[^?]+\/join_requests\?/,
    );
  });

  it('builds paging URLs from the configured public URL', async () => {
    await h.close();
    h = await Harness.start({ config: { publicUrl: 'https://groupgate.example.com' } });
    business = await h.createBusiness();
    group = await h.createGroup(business);
    url = `/${V}/${group.groupId}/join_requests`;
    for (const waId of waIds(2)) await h.requestToJoin(waId, group);
    const page = await list('?limit=1');
    assert.match(page.body.paging?.next ?? '', /^https:\/\/groupgate\.example\.com\/v23\.0\//);
  });

  it('refuses a corrupt cursor, and a cursor from another group, with 131059', async () => {
    const other = await h.createGroup(business, { subject: 'Other' });
    for (const waId of waIds(2)) {
      await h.requestToJoin(waId, group);
      await h.requestToJoin(waId, other);
    }
    const otherPage = await h.graph<JoinRequestsPage>({
      method: 'GET',
      url: `/${V}/${other.groupId}/join_requests?limit=1`,
      token: business.access_token,
    });
    for (const cursor of [
      'not-a-cursor',
      'eyJvZAmZAzZAXQiOjB9',
      otherPage.body.paging?.cursors.after ?? '',
    ]) {
      const res = await h.graph<{ error: { code: number; message: string } }>({
        method: 'GET',
        url: `${url}?after=${encodeURIComponent(cursor)}`,
        token: business.access_token,
      });
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, 131059);
      assert.equal(res.body.error.message, '(#131059) Invalid cursor');
    }
  });

  it("refuses a cursor of the business's groups list, after or before, with 131059 and changes nothing", async () => {
    await h.createGroup(business, { subject: 'Second' });
    for (const waId of waIds(2)) await h.requestToJoin(waId, group);
    const groups = await h.graph<{ paging?: { cursors: { before: string; after: string } } }>({
      method: 'GET',
      url: `/${V}/${business.phone_number_id}/groups?limit=1`,
      token: business.access_token,
    });
    const cursors = groups.body.paging?.cursors;
    assert.ok(cursors !== undefined);
    for (const query of [`after=${cursors.after}`, `before=${cursors.before}`]) {
      const res = await h.graph<{ error: { code: number } }>({
        method: 'GET',
        url: `${url}?${query}`,
        token: business.access_token,
      });
      assert.equal(res.status, 400, query);
      assert.equal(res.body.error.code, 131059, query);
    }
    assert.equal((await list()).body.data.length, 2);
  });

  it('takes limit from 1 to 1024 and refuses anything else with code 100', async () => {
    for (const waId of waIds(3)) await h.requestToJoin(waId, group);
    assert.equal((await list('?limit=1024')).body.data.length, 3);
    for (const bad of ['0', '1025', 'abc', '-1', '2.5']) {
      const res = await list(`?limit=${bad}`);
      assert.equal(res.status, 400, `limit=${bad}`);
      assert.deepEqual((res.body as unknown as { error: { code: number } }).error.code, 100);
    }
  });
});

describe('POST join_requests (approve)', () => {
  it('approves pending requests, adds the users to the group, and leaves them out of the list', async () => {
    const ids: string[] = [];
    for (const waId of waIds(3)) ids.push(await h.requestToJoin(waId, group));
    const res = await decide('POST', [ids[0], ids[2]]);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { messaging_product: 'whatsapp', approved_join_requests: [ids[0], ids[2]] });
    assert.deepEqual(await h.participants(group), [waIds(3)[0], waIds(3)[2]]);
    assert.deepEqual(
      (await list()).body.data.map((r) => r.join_request_id),
      [ids[1]],
    );
  });

  it('fails each unknown, decided or foreign id on its own with 131213 and approves the rest', async () => {
    const other = await h.createGroup(business, { subject: 'Other' });
    const [a, b] = [await h.requestToJoin('16505550001', group), await h.requestToJoin('16505550002', group)];
    const foreign = await h.requestToJoin('16505550003', other);
    await decide('DELETE', [b]);
    const res = await decide('POST', [a, b, foreign, 'bm9wZTpub3Bl']);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.approved_join_requests, [a]);
    assert.deepEqual(
      res.body.failed_join_requests?.map((f) => [f.join_request_id, f.errors.map((e) => e.code)]),
      [
        [b, [131213]],
        [foreign, [131213]],
        ['bm9wZTpub3Bl', [131213]],
      ],
    );
    assert.deepEqual(
      res.body.failed_join_requests?.[0]?.errors[0]?.message,
      '(#131213) Group join request does not exist',
    );
    assert.deepEqual(
      res.body.failed_join_requests?.[0]?.errors[0]?.title,
      'Group join request does not exist',
    );
    assert.equal(res.body.errors?.length, 1);
    assert.equal(res.body.errors?.[0]?.code, 131213);
    assert.match(
      res.body.errors?.[0]?.error_data.details ?? '',
      /^3 of 4 join requests could not be approved/,
    );
  });

  it('fails a request withdrawn by the user with 131213', async () => {
    const id = await h.requestToJoin('16505550001', group);
    const cancelled = await h.control('POST', '/_groupgate/users/16505550001/cancel_join', {
      group_id: group.groupId,
    });
    assert.equal(cancelled.status, 200);
    const res = await decide('POST', [id]);
    assert.deepEqual(res.body.approved_join_requests, []);
    assert.equal(res.body.failed_join_requests?.[0]?.errors[0]?.code, 131213);
  });

  it('counts a duplicated id once', async () => {
    const id = await h.requestToJoin('16505550001', group);
    const res = await decide('POST', [id, id, id]);
    assert.deepEqual(res.body, { messaging_product: 'whatsapp', approved_join_requests: [id] });
  });

  it('stops at 8 participants, failing further approvals with 131204 and keeping them pending', async () => {
    const ids: string[] = [];
    for (const waId of waIds(10)) ids.push(await h.requestToJoin(waId, group));
    const res = await decide('POST', ids);
    assert.deepEqual(res.body.approved_join_requests, ids.slice(0, 8));
    assert.deepEqual(
      res.body.failed_join_requests?.map((f) => [f.join_request_id, f.errors[0]?.code]),
      [
        [ids[8], 131204],
        [ids[9], 131204],
      ],
    );
    assert.equal(res.body.failed_join_requests?.[0]?.errors[0]?.title, 'Participant over limit');
    assert.equal((await h.participants(group)).length, 8);
    assert.deepEqual(
      (await list()).body.data.map((r) => r.join_request_id),
      ids.slice(8),
      'requests over the cap stay pending',
    );
  });

  it('honours a configured participant cap', async () => {
    await h.close();
    h = await Harness.start({ config: { maxParticipants: 2 } });
    business = await h.createBusiness();
    group = await h.createGroup(business);
    url = `/${V}/${group.groupId}/join_requests`;
    const ids: string[] = [];
    for (const waId of waIds(3)) ids.push(await h.requestToJoin(waId, group));
    const res = await decide('POST', ids);
    assert.deepEqual(res.body.approved_join_requests, ids.slice(0, 2));
    assert.equal(res.body.failed_join_requests?.[0]?.errors[0]?.code, 131204);
  });

  it('lets a rejected user ask again under the same id, and approves the new request', async () => {
    const first = await h.requestToJoin('16505550001', group);
    await decide('DELETE', [first]);
    const again = await h.requestToJoin('16505550001', group);
    assert.equal(again, first);
    assert.deepEqual((await decide('POST', [again])).body.approved_join_requests, [again]);
  });
});

describe('DELETE join_requests (reject)', () => {
  it('rejects pending requests without adding anyone', async () => {
    const ids: string[] = [];
    for (const waId of waIds(2)) ids.push(await h.requestToJoin(waId, group));
    const res = await decide('DELETE', ids);
    assert.deepEqual(res.body, { messaging_product: 'whatsapp', rejected_join_requests: ids });
    assert.deepEqual(await h.participants(group), []);
    assert.deepEqual((await list()).body, { data: [] });
  });

  it('fails an already-approved id with 131213', async () => {
    const id = await h.requestToJoin('16505550001', group);
    await decide('POST', [id]);
    const res = await decide('DELETE', [id]);
    assert.deepEqual(res.body.rejected_join_requests, []);
    assert.equal(res.body.failed_join_requests?.[0]?.errors[0]?.code, 131213);
    assert.match(
      res.body.errors?.[0]?.error_data.details ?? '',
      /^1 of 1 join requests could not be rejected/,
    );
  });
});

describe('request encodings Graph accepts', () => {
  let ids: string[];
  beforeEach(async () => {
    ids = [];
    for (const waId of waIds(2)) ids.push(await h.requestToJoin(waId, group));
  });

  it('takes a form body with join_requests as a JSON-encoded array string', async () => {
    const res = await h.graph<Decided>({
      method: 'POST',
      url,
      token: business.access_token,
      form: { messaging_product: 'whatsapp', join_requests: JSON.stringify(ids) },
    });
    assert.deepEqual(res.body.approved_join_requests, ids);
  });

  it('takes a multipart body', async () => {
    const res = await h.graph<Decided>({
      method: 'DELETE',
      url,
      token: business.access_token,
      multipart: { messaging_product: 'whatsapp', join_requests: JSON.stringify(ids) },
    });
    assert.deepEqual(res.body.rejected_join_requests, ids);
  });

  it('takes DELETE parameters in the query string, as Meta SDKs send them', async () => {
    const query = new URLSearchParams({ messaging_product: 'whatsapp', join_requests: JSON.stringify(ids) });
    const res = await h.graph<Decided>({
      method: 'DELETE',
      url: `${url}?${query}`,
      token: business.access_token,
    });
    assert.deepEqual(res.body.rejected_join_requests, ids);
  });

  it('takes access_token as a parameter instead of the Authorization header', async () => {
    const res = await h.graph<Decided>({
      method: 'POST',
      url,
      token: null,
      form: {
        access_token: business.access_token,
        messaging_product: 'whatsapp',
        join_requests: JSON.stringify(ids),
      },
    });
    assert.deepEqual(res.body.approved_join_requests, ids);
  });

  it('honours method=delete and method=get on a POST', async () => {
    const rejected = await h.graph<Decided>({
      method: 'POST',
      url,
      token: business.access_token,
      form: { method: 'delete', messaging_product: 'whatsapp', join_requests: JSON.stringify([ids[0]]) },
    });
    assert.deepEqual(rejected.body.rejected_join_requests, [ids[0]]);
    const listed = await h.graph<JoinRequestsPage>({
      method: 'POST',
      url: `${url}?method=get`,
      token: business.access_token,
    });
    assert.deepEqual(
      listed.body.data.map((r) => r.join_request_id),
      [ids[1]],
    );
  });
});
