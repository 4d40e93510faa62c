import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Harness, V, specPathOf, type Business, type Group } from '../../../testing/harness.js';
import { assertMatchesMetaSpec } from '../../../testing/meta-spec.js';

let h: Harness;
let business: Business;
let group: Group;

beforeEach(async () => {
  h = await Harness.start();
  business = await h.createBusiness();
  group = await h.createGroup(business, { mode: 'approval_required' });
});
afterEach(() => h.close());

interface Entry {
  code: number;
  headers?: { name: string; value: string }[];
  body: string;
}

/** Sends a batch the way Meta's SDKs do: form-encoded, `batch` as a JSON string, the token as a parameter. */
async function batch(
  operations: unknown,
  extra: Record<string, string> = {},
  path = '/',
): Promise<{ status: number; entries: (Entry | null)[]; raw: Record<string, unknown> }> {
  const response = await h.app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({
      access_token: business.access_token,
      batch: JSON.stringify(operations),
      ...extra,
    }).toString(),
  });
  const parsed = JSON.parse(response.body) as unknown;
  return {
    status: response.statusCode,
    entries: Array.isArray(parsed) ? (parsed as (Entry | null)[]) : [],
    raw: Array.isArray(parsed) ? {} : (parsed as Record<string, unknown>),
  };
}

/** Every batched answer is the answer of a call Meta's spec describes, so it is validated as one. */
function validated(entry: Entry | null, relativeUrl: string, method: string): Record<string, unknown> {
  assert.ok(entry !== null);
  const body = JSON.parse(entry.body) as Record<string, unknown>;
  assertMatchesMetaSpec(specPathOf(`/${V}/${relativeUrl}`), method, entry.code, body);
  return body;
}

describe('Graph batch requests (POST / with batch=[…])', () => {
  it('runs each operation as the call it describes, in order, and answers {code, headers, body} for each', async () => {
    const waIds = ['16505550001', '16505550002'];
    for (const waId of waIds) await h.requestToJoin(waId, group);
    const { status, entries } = await batch([
      { method: 'GET', relative_url: `${group.groupId}/join_requests` },
      { method: 'GET', relative_url: `${V}/${group.groupId}?fields=subject,join_approval_mode` },
      { method: 'POST', relative_url: `${group.groupId}/invite_link`, body: 'messaging_product=whatsapp' },
    ]);
    assert.equal(status, 200);
    assert.equal(entries.length, 3);
    const pending = validated(entries[0] ?? null, `${group.groupId}/join_requests`, 'GET');
    assert.deepEqual((pending['data'] as { wa_id: string }[]).map((r) => r.wa_id).sort(), waIds);
    assert.equal(
      validated(entries[1] ?? null, group.groupId, 'GET')['join_approval_mode'],
      'approval_required',
    );
    const link = validated(entries[2] ?? null, `${group.groupId}/invite_link`, 'POST');
    assert.notEqual(link['invite_link'], group.inviteLink, 'the POST ran: the link was reset');
    const headers = entries[0]?.headers ?? [];
    assert.ok(headers.some((x) => x.name === 'content-type' && x.value.startsWith('application/json')));
    assert.ok(headers.some((x) => x.name === 'facebook-api-version' && x.value === V));
    assert.ok(!headers.some((x) => x.name === 'content-length'), 'transport headers are not an operation’s');
  });

  it('is served at /{version}/ too, and leaves headers out with include_headers=false', async () => {
    const { entries } = await batch(
      [{ method: 'GET', relative_url: `${group.groupId}/join_requests` }],
      { include_headers: 'false' },
      `/${V}/`,
    );
    assert.equal(entries[0]?.code, 200);
    assert.equal(entries[0]?.headers, undefined);
  });

  it('answers per-operation errors in place, and the other operations still run', async () => {
    const { status, entries } = await batch([
      { method: 'GET', relative_url: 'not-a-group/join_requests' },
      {
        method: 'DELETE',
        relative_url: `${group.groupId}/join_requests`,
        body: { messaging_product: 'whatsapp' },
      },
      { method: 'GET', relative_url: `${group.groupId}/join_requests` },
    ]);
    assert.equal(status, 200);
    assert.equal(entries[0]?.code, 400);
    assert.equal(
      (validated(entries[0] ?? null, 'x/join_requests', 'GET')['error'] as { code: number }).code,
      100,
    );
    const missing = validated(entries[1] ?? null, `${group.groupId}/join_requests`, 'DELETE');
    assert.match((missing['error'] as { message: string }).message, /join_requests is required/);
    assert.equal(entries[2]?.code, 200);
  });

  it('authenticates each operation with the batch token unless it carries its own', async () => {
    const other = await h.createBusiness('Other');
    const { entries } = await batch([
      { method: 'GET', relative_url: `${group.groupId}/join_requests` },
      { method: 'GET', relative_url: `${group.groupId}/join_requests?access_token=${other.access_token}` },
    ]);
    assert.equal(entries[0]?.code, 200);
    assert.equal(entries[1]?.code, 400, 'another business’s token does not see this group');
    const anonymous = await h.app.inject({
      method: 'POST',
      url: '/',
      payload: { batch: [{ method: 'GET', relative_url: `${group.groupId}/join_requests` }] },
    });
    const [entry] = JSON.parse(anonymous.body) as Entry[];
    assert.equal(
      entry?.code,
      401,
      'no token anywhere: the operation is refused as Graph refuses the call alone',
    );
    assert.match(entry?.body ?? '', /access token is required/i);
  });

  it('resolves {result=name:$.path} references and leaves the referenced answer out on success', async () => {
    const first = await h.requestToJoin('16505550011', group);
    await h.requestToJoin('16505550012', group);
    const { entries } = await batch([
      { method: 'GET', name: 'pending', relative_url: `${group.groupId}/join_requests` },
      {
        method: 'POST',
        relative_url: `${group.groupId}/join_requests`,
        body: 'messaging_product=whatsapp&join_requests=["{result=pending:$.data.0.join_request_id}"]',
      },
    ]);
    assert.equal(entries[0], null, 'a referenced operation that succeeded answers null');
    const approved = validated(entries[1] ?? null, `${group.groupId}/join_requests`, 'POST');
    assert.deepEqual(approved['approved_join_requests'], [first]);
    assert.deepEqual(await h.participants(group), ['16505550011']);
  });

  it('keeps a referenced answer with omit_response_on_success=false; a failed reference fails its dependant', async () => {
    const { entries } = await batch([
      {
        method: 'GET',
        name: 'info',
        relative_url: `${group.groupId}?fields=subject`,
        omit_response_on_success: false,
      },
      { method: 'GET', name: 'gone', relative_url: 'missing-group/join_requests' },
      { method: 'GET', relative_url: '{result=gone:$.data.0.wa_id}/join_requests' },
      { method: 'GET', relative_url: '{result=info:$.nothing}/join_requests' },
    ]);
    assert.equal(entries[0]?.code, 200);
    assert.equal(entries[1]?.code, 400, 'a failed operation is never left out');
    const message = (entry: Entry | null | undefined) =>
      (JSON.parse(entry?.body ?? '{}') as { error?: { message: string } }).error?.message;
    assert.equal(message(entries[2]), '(#100) batch[2]: the operation "gone" it depends on failed');
    assert.match(message(entries[3]) ?? '', /^\(#100\) batch\[3\]: \$\.nothing selects nothing/);
  });

  it('refuses a malformed batch as a whole, with a (#100) that says why', async () => {
    const cases: [unknown, RegExp][] = [
      ['not json', /must be a JSON array/],
      [[], /at least one operation/],
      [Array.from({ length: 51 }, () => ({ method: 'GET', relative_url: 'x' })), /Maximum batch size is 50/],
      [[{ method: 'PUT', relative_url: 'x' }], /batch\[0\]: method must be one of/],
      [[{ method: 'GET' }], /batch\[0\]: relative_url is required/],
      [
        [
          { relative_url: 'x', name: 'a' },
          { relative_url: 'y', name: 'a' },
        ],
        /batch\[1\]: the name "a" is used twice/,
      ],
      [
        [{ method: 'POST', relative_url: 'x', body: JSON.parse('{"a":'.repeat(40) + '1' + '}'.repeat(40)) }],
        /batch\[0\]: body is nested more than 32 levels deep/,
      ],
      [[{ relative_url: 'x', depends_on: 'a' }], /batch\[0\]: depends_on is not supported/],
      [[{ relative_url: 'x', headers: ['If-None-Match: "x"'] }], /batch\[0\]: headers is not supported/],
    ];
    for (const [operations, message] of cases) {
      const response = await h.app.inject({
        method: 'POST',
        url: '/',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({
          access_token: business.access_token,
          batch: typeof operations === 'string' ? operations : JSON.stringify(operations),
        }).toString(),
      });
      assert.equal(response.statusCode, 400, String(message));
      const body = JSON.parse(response.body) as {
        error: { code: number; message: string; fbtrace_id: string };
      };
      assert.equal(body.error.code, 100);
      assert.match(body.error.message, message);
      assert.ok(body.error.fbtrace_id);
    }
    const none = await h.app.inject({
      method: 'POST',
      url: '/',
      payload: { access_token: business.access_token },
    });
    assert.equal(none.statusCode, 400);
    assert.match(none.body, /The parameter batch is required/);
  });

  it('refuses in place a relative_url that would leave the Graph API (dot segments, encoded or not)', async () => {
    const { entries } = await batch([
      { method: 'GET', relative_url: '../_groupgate/health' },
      { method: 'GET', relative_url: `${group.groupId}/%2e%2e/%2E%2E/_groupgate/state` },
      { method: 'GET', relative_url: '..\\console' },
      { method: 'GET', relative_url: `./${group.groupId}/join_requests` },
    ]);
    for (const entry of entries) {
      assert.equal(entry?.code, 400);
      assert.match(entry?.body ?? '', /must be a Graph path/);
    }
  });

  it('refuses a nested batch in place', async () => {
    const { entries } = await batch([{ method: 'POST', relative_url: '/', body: 'batch=[]' }]);
    assert.equal(entries[0]?.code, 400);
    assert.match(entries[0]?.body ?? '', /batches cannot be nested/);
  });
});

describe('a network fault on a batched operation', () => {
  it('cuts the batch’s own connection, as it would the call’s: after the commit for drop_reply', async () => {
    const id = await h.requestToJoin('16505550021', group);
    const ruled = await h.control('POST', '/_groupgate/faults', {
      match: { edge: 'join_requests', method: 'POST' },
      network: 'drop_reply',
      times: 1,
    });
    assert.equal(ruled.status, 201);
    const address = await h.app.listen({ port: 0, host: '127.0.0.1' });
    const sent = fetch(`${address}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        access_token: business.access_token,
        batch: JSON.stringify([
          { method: 'GET', relative_url: `${group.groupId}/join_requests` },
          {
            method: 'POST',
            relative_url: `${group.groupId}/join_requests`,
            body: { messaging_product: 'whatsapp', join_requests: [id] },
          },
        ]),
      }).toString(),
    });
    await assert.rejects(sent, 'the batch answers nothing: its connection is cut');
    assert.deepEqual(await h.participants(group), ['16505550021'], 'the approval was committed first');
  });
});

describe('batch references inside a JSON body', () => {
  it('keep a quote in the referenced value inside the value', async () => {
    const quoted = 'a","subject":"INJECTED';
    await h.graph({
      method: 'POST',
      url: `/${V}/${group.groupId}`,
      token: business.access_token,
      json: { messaging_product: 'whatsapp', subject: quoted },
    });
    const { entries } = await batch([
      { method: 'GET', name: 'info', relative_url: `${group.groupId}?fields=subject` },
      {
        method: 'POST',
        relative_url: group.groupId,
        body: { messaging_product: 'whatsapp', description: '{result=info:$.subject}' },
      },
    ]);
    assert.equal(entries[1]?.code, 200, entries[1]?.body);
    const info = await h.graph<{ subject: string; description: string }>({
      method: 'GET',
      url: `/${V}/${group.groupId}?fields=subject,description`,
      token: business.access_token,
    });
    assert.deepEqual([info.body.subject, info.body.description], [quoted, quoted]);
  });
});

describe('what a batch hands its operations', () => {
  it('its host, for paging links, and its appsecret_proof, with its token', async () => {
    await h.requestToJoin('16505550031', group);
    await h.requestToJoin('16505550032', group);
    await h.control('PUT', `/_groupgate/apps/${business.app_id}/settings`, { require_appsecret_proof: true });
    const proof = createHmac('sha256', business.app_secret).update(business.access_token).digest('hex');
    const response = await h.app.inject({
      method: 'POST',
      url: '/',
      headers: { host: 'gg.example:4004', 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        access_token: business.access_token,
        appsecret_proof: proof,
        include_headers: 'false',
        batch: JSON.stringify([{ method: 'GET', relative_url: `${group.groupId}/join_requests?limit=1` }]),
      }).toString(),
    });
    const [entry] = JSON.parse(response.body) as Entry[];
    assert.equal(entry?.code, 200, entry?.body);
    const page = JSON.parse(entry?.body ?? '{}') as { paging?: { next?: string } };
    assert.match(page.paging?.next ?? '', /^http:\/\/gg\.example:4004\/v23\.0\//);
  });
});
