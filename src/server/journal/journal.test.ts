/**
 * The request journal over HTTP: every Graph call is recorded once answered, refused ones too, with every token and
 * secret redacted; the control API filters, pages, counts and clears it, and the store keeps only the newest.
 * Runs on PostgreSQL too (journal.postgres.test.ts), where two instances on one schema share it.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { RecordedRequest, RequestsPage } from '@groupgate/sdk/contract';
import { Harness, TEST_STORE, V, waIds, type Business, type Group } from '../../testing/harness.js';
import { newTestSchema, openTestPostgresStore } from '../../testing/postgres.js';
import { REDACTED } from '../plugins/log-redaction.js';
import { describeCall, MAX_JOURNAL_BODY_CHARS, type CapturedCall } from './capture.js';

let h: Harness;
let business: Business;
let group: Group;

before(async () => {
  h = await Harness.start();
});
after(() => h.close());

beforeEach(async () => {
  await h.control('POST', '/_groupgate/reset');
  business = await h.createBusiness();
  group = await h.createGroup(business);
  await clear(h);
});

/**
 * Closes a second harness of this file. On PostgreSQL a harness' close drops every test schema of the process,
 * the shared harness' too, so there its app and store are closed and the schema is left to the last close.
 */
async function closeExtra(harness: Harness): Promise<void> {
  if (TEST_STORE !== 'postgres') return harness.close();
  await harness.app.close();
  await harness.store.close();
}

async function clear(harness: Harness): Promise<void> {
  const cleared = await harness.control('DELETE', '/_groupgate/requests');
  assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
}

async function list(query = '', harness = h): Promise<RequestsPage> {
  const result = await harness.control<RequestsPage>('GET', `/_groupgate/requests${query}`);
  assert.equal(result.status, 200, JSON.stringify(result.body));
  return result.body;
}

async function count(query = '', harness = h): Promise<number> {
  const result = await harness.control<{ count: number }>('GET', `/_groupgate/requests/count${query}`);
  assert.equal(result.status, 200, JSON.stringify(result.body));
  return result.body.count;
}

async function only(query = ''): Promise<RecordedRequest> {
  const { data } = await list(query);
  assert.equal(data.length, 1, JSON.stringify(data));
  return data[0] as RecordedRequest;
}

/** A raw call, for what the harness' spec check would refuse to send (unknown paths, PUT). */
async function raw(method: 'GET' | 'PUT' | 'POST', url: string, headers: Record<string, string> = {}) {
  return h.app.inject({ method, url, headers });
}

describe('what is recorded', () => {
  it('records a successful call with its business, group, edge, status, trace id and duration', async () => {
    const res = await h.graph({
      method: 'GET',
      url: `/${V}/${group.groupId}/join_requests?limit=5`,
      token: business.access_token,
    });
    assert.equal(res.status, 200);
    const entry = await only();
    assert.equal(entry.method, 'GET');
    assert.equal(entry.http_method, 'GET');
    assert.equal(entry.path, `/${V}/${group.groupId}/join_requests`);
    assert.equal(entry.edge, 'join_requests');
    assert.equal(entry.status, 200);
    assert.equal(entry.error_code, null);
    assert.equal(entry.fbtrace_id, res.headers['x-fb-trace-id']);
    assert.equal(entry.waba_id, business.waba_id);
    assert.equal(entry.phone_number_id, business.phone_number_id);
    assert.equal(entry.group_id, group.groupId);
    assert.deepEqual(entry.query, { limit: '5' });
    assert.equal(entry.body, null);
    assert.equal(entry.headers['authorization'], `Bearer ${REDACTED}`);
    assert.equal(entry.fault, null);
    assert.ok(entry.duration_ms >= 0);
    assert.ok(Math.abs(entry.time - Date.now()) < 60_000, 'time is Unix milliseconds');
  });

  it('records the phone number of a groups call, and the method served for a method= override', async () => {
    await h.graph({
      method: 'GET',
      url: `/${V}/${business.phone_number_id}/groups`,
      token: business.access_token,
    });
    const listed = await only('?edge=groups');
    assert.equal(listed.phone_number_id, business.phone_number_id);
    assert.equal(listed.group_id, null);
    const [id] = waIds(1);
    const joinRequestId = await h.requestToJoin(id ?? '', group);
    await clear(h);
    const res = await h.graph({
      method: 'POST',
      url: `/${V}/${group.groupId}/join_requests?method=DELETE`,
      token: business.access_token,
      json: { messaging_product: 'whatsapp', join_requests: [joinRequestId] },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const entry = await only();
    assert.equal(entry.method, 'DELETE');
    assert.equal(entry.http_method, 'POST');
    assert.deepEqual(entry.body, { messaging_product: 'whatsapp', join_requests: [joinRequestId] });
  });

  it('records calls refused before any handler: no token, a bad token, an expired one, bad input', async () => {
    await h.graph({ method: 'GET', url: `/${V}/${group.groupId}/join_requests`, token: null });
    await h.graph({ method: 'GET', url: `/${V}/${group.groupId}/join_requests`, token: 'nope' });
    const issued = await h.control<{ access_token: string }>(
      'POST',
      `/_groupgate/businesses/${business.waba_id}/tokens`,
      { expires_in: 10 },
    );
    h.now += 60;
    try {
      await h.graph({
        method: 'GET',
        url: `/${V}/${group.groupId}/join_requests`,
        token: issued.body.access_token,
      });
    } finally {
      h.now -= 60;
    }
    await h.graph({
      method: 'POST',
      url: `/${V}/${group.groupId}/join_requests`,
      token: business.access_token,
      json: { messaging_product: 'whatsapp', join_requests: 'not a list' },
    });
    const { data } = await list();
    assert.deepEqual(
      data.map((e) => [e.status, e.error_code, e.error_subcode, e.group_id, e.waba_id]),
      [
        [400, 100, null, group.groupId, business.waba_id],
        [401, 190, 463, group.groupId, null],
        [401, 190, null, group.groupId, null],
        [401, 104, null, group.groupId, null],
      ],
    );
    assert.ok(data.every((e) => e.edge === 'join_requests'));
  });

  it('records unknown paths and unsupported methods on a versioned path, and nothing else', async () => {
    const unknown = await raw('GET', `/${V}/${group.groupId}/nonsense`, {
      authorization: `Bearer ${business.access_token}`,
    });
    assert.equal(unknown.statusCode, 400);
    const put = await raw('PUT', `/${V}/${group.groupId}/join_requests`, {
      authorization: `Bearer ${business.access_token}`,
    });
    assert.equal(put.statusCode, 400);
    // Not Graph calls: the control API, the console, a path without a version, a CORS preflight.
    await h.control('GET', `/_groupgate/groups/${group.groupId}`);
    await raw('GET', '/console');
    await raw('GET', '/favicon.ico');
    await h.app.inject({
      method: 'OPTIONS',
      url: `/${V}/${group.groupId}/join_requests`,
      headers: { origin: 'http://x', 'access-control-request-method': 'POST' },
    });
    const { data } = await list();
    assert.deepEqual(
      data.map((e) => [e.method, e.path, e.edge, e.status, e.error_code]),
      [
        ['PUT', `/${V}/${group.groupId}/join_requests`, 'join_requests', 400, 100],
        ['GET', `/${V}/${group.groupId}/nonsense`, null, 400, 2500],
      ],
    );
  });

  it('keeps the names and file sizes of a multipart body, never the file bytes', async () => {
    const picture = Buffer.alloc(2048, 7);
    await h.graph({
      method: 'POST',
      url: `/${V}/${group.groupId}`,
      token: business.access_token,
      multipart: {
        messaging_product: 'whatsapp',
        file: { data: picture, filename: 'photo.jpg', contentType: 'image/jpeg' },
      },
    });
    const entry = await only();
    assert.equal(entry.edge, 'group');
    assert.deepEqual(entry.body, { messaging_product: 'whatsapp', file: { file_size: 2048 } });
  });

  it('keeps the first 8 KiB of a large body and says it was cut', async () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `request-${i}`);
    await h.graph({
      method: 'POST',
      url: `/${V}/${group.groupId}/join_requests`,
      token: business.access_token,
      json: { messaging_product: 'whatsapp', join_requests: ids },
    });
    const entry = await only();
    assert.equal(entry.body_truncated, true);
    assert.equal(typeof entry.body, 'string');
    assert.equal((entry.body as string).length, MAX_JOURNAL_BODY_CHARS);
  });
});

describe('redaction', () => {
  it('keeps no token or secret, wherever the client put it', async () => {
    const token = business.access_token;
    const secrets = ['proof-0123456789abcdef', 'custom-secret-value', 'refresh-me-please'];
    // In the query string.
    await h.graph({
      method: 'GET',
      url: `/${V}/${group.groupId}/join_requests?access_token=${token}&appsecret_proof=${secrets[0]}`,
      token: null,
    });
    // In a form body.
    await h.graph({
      method: 'POST',
      url: `/${V}/${group.groupId}/join_requests`,
      token: null,
      form: { access_token: token, messaging_product: 'whatsapp', join_requests: '["x"]' },
    });
    // In a JSON body, under names of any case and under names that merely contain token or secret, and pasted
    // into a value.
    await h.graph({
      method: 'POST',
      url: `/${V}/${business.phone_number_id}/groups`,
      token,
      json: {
        messaging_product: 'whatsapp',
        subject: `pasted ${token}`,
        ACCESS_TOKEN: token,
        my_secret: secrets[1],
        nested: { refresh_token: secrets[2] },
      },
    });
    // In the Authorization header, with a bad scheme too.
    await h.graph({
      method: 'GET',
      url: `/${V}/${group.groupId}/join_requests`,
      token: null,
      headers: { authorization: `OAuth ${token}` },
    });
    const { data } = await list();
    assert.equal(data.length, 4);
    const served = JSON.stringify(data);
    const stored = JSON.stringify(await h.store.listJournalEntries({}, 100));
    for (const text of [served, stored]) {
      for (const secret of [token, ...secrets]) {
        assert.ok(!text.includes(secret), `${secret} is kept: ${text}`);
      }
    }
    assert.ok(served.includes(REDACTED));
    assert.equal(data[0]?.headers['authorization'], `OAuth ${REDACTED}`);
    assert.equal(data[3]?.query['access_token'], REDACTED);
    assert.equal(data[2]?.waba_id, business.waba_id, 'a token in a form body is read, and not kept');
    assert.equal((data[2]?.body as Record<string, unknown>)['access_token'], REDACTED);
  });
});

describe('reading the journal', () => {
  async function approve(ids: string[]) {
    const res = await h.graph({
      method: 'POST',
      url: `/${V}/${group.groupId}/join_requests`,
      token: business.access_token,
      json: { messaging_product: 'whatsapp', join_requests: ids },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }

  it('filters by business, group, method, edge, status, code and time; counts the same way', async () => {
    const other = await h.createBusiness('Other');
    const otherGroup = await h.createGroup(other);
    await clear(h);
    const users = waIds(3);
    const ids = [];
    for (const waId of users) ids.push(await h.requestToJoin(waId, group));
    const since = Date.now();
    for (const id of ids) await approve([id]);
    await h.graph({
      method: 'GET',
      url: `/${V}/${otherGroup.groupId}/join_requests`,
      token: other.access_token,
    });
    await h.graph({ method: 'GET', url: `/${V}/${group.groupId}/join_requests`, token: 'bad' });

    // "Exactly 3 approvals on this group."
    const approvals = `?group_id=${group.groupId}&method=POST&edge=join_requests&status=200`;
    assert.equal(await count(approvals), 3);
    assert.equal((await list(approvals)).data.length, 3);
    assert.equal(await count(`?method=post&group_id=${group.groupId}`), 3, 'any case of method');
    assert.equal(await count(`?waba_id=${other.waba_id}`), 1);
    assert.equal(await count(`?phone_number_id=${business.phone_number_id}`), 3);
    assert.equal(await count('?status=401'), 1);
    assert.equal(await count('?code=190'), 1);
    assert.equal(await count('?edge=groups'), 0);
    assert.equal(await count(`?since=${since}`), 5);
    assert.equal(await count(`?since=${Date.now() + 60_000}`), 0);
    assert.equal(await count(), 5);
  });

  it('pages newest first with cursors, each entry once', async () => {
    for (let i = 0; i < 5; i++) {
      await h.graph({
        method: 'GET',
        url: `/${V}/${group.groupId}/join_requests?limit=${i + 1}`,
        token: business.access_token,
      });
    }
    const seen: string[] = [];
    let page = await list('?limit=2');
    for (;;) {
      seen.push(...page.data.map((e) => String(e.query['limit'])));
      if (page.paging.next === undefined) break;
      assert.equal(page.data.length, 2);
      page = await list(page.paging.next.replace('/_groupgate/requests', ''));
    }
    assert.deepEqual(seen, ['5', '4', '3', '2', '1']);
    const cursor = (await list('?limit=2')).paging.cursors?.after;
    const older = await list(`?limit=10&after=${cursor}`);
    assert.deepEqual(
      older.data.map((e) => e.query['limit']),
      ['3', '2', '1'],
    );
    assert.equal((await h.control('GET', '/_groupgate/requests?after=abc')).status, 400);
    assert.equal((await h.control('GET', '/_groupgate/requests?limit=0')).status, 400);
  });

  it('is emptied by DELETE /requests and by reset; control calls need the admin token', async () => {
    await h.graph({ method: 'GET', url: `/${V}/${group.groupId}/join_requests`, token: 'bad' });
    const cleared = await h.control<{ success: boolean; deleted: number }>('DELETE', '/_groupgate/requests');
    assert.deepEqual(cleared.body, { success: true, deleted: 1 });
    assert.equal(await count(), 0);
    await h.graph({ method: 'GET', url: `/${V}/${group.groupId}/join_requests`, token: 'bad' });
    await h.control('POST', '/_groupgate/reset');
    assert.equal(await count(), 0);
    const anonymous = await h.app.inject({ method: 'GET', url: '/_groupgate/requests' });
    assert.equal(anonymous.statusCode, 401);
  });

  it('forgets the entries of one business on request (for a business delete)', async () => {
    const other = await h.createBusiness('Other');
    await h.graph({
      method: 'GET',
      url: `/${V}/${group.groupId}/join_requests`,
      token: business.access_token,
    });
    await h.graph({
      method: 'GET',
      url: `/${V}/${other.phone_number_id}/groups`,
      token: other.access_token,
    });
    await list(); // flushes this instance
    assert.equal(await h.store.deleteJournalEntries({ wabaId: business.waba_id }), 1);
    assert.equal(await count(`?waba_id=${business.waba_id}`), 0);
    assert.equal(await count(`?waba_id=${other.waba_id}`), 1);
  });
});

describe('bounds', () => {
  it('keeps only the newest --journal-size entries', async () => {
    const small = await Harness.start({ config: { journalSize: 3 } });
    try {
      const owner = await small.createBusiness();
      for (let i = 0; i < 7; i++) {
        await small.graph({
          method: 'GET',
          url: `/${V}/${owner.phone_number_id}/groups?limit=${i + 1}`,
          token: owner.access_token,
        });
        // Each read writes a batch, so the bound is applied more than once.
        if (i % 2 === 0) await list('', small);
      }
      const { data } = await list('', small);
      assert.deepEqual(
        data.map((e) => e.query['limit']),
        ['7', '6', '5'],
      );
      assert.equal(await count('', small), 3);
    } finally {
      await closeExtra(small);
    }
  });

  it('writes the calls still buffered when the server closes, before the store does', async () => {
    const closing = await Harness.start();
    const owner = await closing.createBusiness();
    await closing.graph({
      method: 'GET',
      url: `/${V}/${owner.phone_number_id}/groups`,
      token: owner.access_token,
    });
    await closing.app.close();
    try {
      const kept = await closing.store.listJournalEntries({ wabaId: owner.waba_id }, 10);
      assert.equal(kept.length, 1);
    } finally {
      await closeExtra(closing);
    }
  });

  it('records nothing, and says so, with --journal-size 0', async () => {
    const off = await Harness.start({ config: { journalSize: 0 } });
    try {
      const owner = await off.createBusiness();
      await off.graph({
        method: 'GET',
        url: `/${V}/${owner.phone_number_id}/groups`,
        token: owner.access_token,
      });
      const res = await off.control<{ error: { message: string } }>('GET', '/_groupgate/requests');
      assert.equal(res.status, 409);
      assert.match(res.body.error.message, /journal is off/);
      assert.equal((await off.control('GET', '/_groupgate/requests/count')).status, 409);
      assert.equal((await off.store.listJournalEntries({}, 10)).length, 0);
    } finally {
      await closeExtra(off);
    }
  });
});

describe('describeCall', () => {
  const call: CapturedCall = {
    time: 1,
    httpMethod: 'POST',
    method: 'POST',
    url: '/v23.0/123/join_requests?x=1',
    node: '123',
    edge: 'join_requests',
    query: { x: '1' },
    body: undefined,
    headers: {},
    status: 503,
    errorBody: '{"error":{"code":2,"error_subcode":99,"fbtrace_id":"t"}}',
    fbtraceId: 't',
    durationMs: 1.23456,
    business: undefined,
    fault: { ruleId: 'rule-1', effect: 'error' },
  };

  it('records the fault rule the fault stage left on the request, and its codes', () => {
    const entry = describeCall(call);
    assert.equal(entry.faultRuleId, 'rule-1');
    assert.equal(entry.faultEffect, 'error');
    assert.equal(entry.errorCode, 2);
    assert.equal(entry.errorSubcode, 99);
    assert.equal(entry.path, '/v23.0/123/join_requests');
  });

  it("names the fault stage's effect object by what the call met", () => {
    const cases: [unknown, string][] = [
      [{ error: { code: 2 } }, 'error'],
      [{ delayMs: 10, error: { code: 2 } }, 'error'],
      [{ network: 'drop_reply' }, 'drop_reply'],
      [{ delayMs: 10, network: 'reset' }, 'reset'],
      [{ delayMs: 1500 }, 'delay'],
    ];
    for (const [effect, name] of cases) {
      assert.equal(describeCall({ ...call, fault: { ruleId: 'fault_1', effect } }).faultEffect, name);
    }
  });

  it('tolerates a missing or malformed fault mark and error body', () => {
    for (const fault of [undefined, null, 'x', { ruleId: {} }]) {
      const entry = describeCall({ ...call, fault, errorBody: 'not json' });
      assert.equal(entry.faultRuleId, null);
      assert.equal(entry.errorCode, null);
    }
  });
});

describe('two instances on one PostgreSQL', { skip: TEST_STORE !== 'postgres' && 'PostgreSQL only' }, () => {
  it('each sees the calls the other answered', async () => {
    const schema = newTestSchema();
    const first = await Harness.start({ store: await openTestPostgresStore(schema) });
    const second = await Harness.start({ store: await openTestPostgresStore(schema) });
    try {
      const owner = await first.createBusiness();
      await first.graph({
        method: 'GET',
        url: `/${V}/${owner.phone_number_id}/groups`,
        token: owner.access_token,
      });
      await second.graph({
        method: 'GET',
        url: `/${V}/${owner.phone_number_id}/groups?limit=1`,
        token: owner.access_token,
      });
      // A read flushes its own instance: after one read on each, both have written what they answered.
      assert.equal(await count(`?waba_id=${owner.waba_id}`, first), 1);
      const { data } = await list(`?waba_id=${owner.waba_id}`, second);
      assert.deepEqual(
        data.map((e) => e.query['limit'] ?? null),
        ['1', null],
      );
      await second.control('DELETE', '/_groupgate/requests');
      assert.equal(await count('', first), 0);
    } finally {
      await closeExtra(first);
      await closeExtra(second);
    }
  });
});
