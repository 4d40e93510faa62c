import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { BusinessDocument } from '@groupgate/sdk/contract';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  ADMIN_TOKEN,
  Harness,
  TEST_STORE,
  V,
  waIds,
  type Business,
  type Group,
} from '../../testing/harness.js';
import { openTestPostgresStore, postgresSkipReason } from '../../testing/postgres.js';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store.js';
import { parentBsuidFor } from '../../domain/users.js';

let h: Harness;
beforeEach(async () => {
  h = await Harness.start();
});
afterEach(() => h.close());

const ALL_FIELDS =
  'subject,description,join_approval_mode,suspended,creation_timestamp,participants,total_participant_count';

interface Paged {
  data: unknown;
  paging?: { next?: string; cursors?: { after?: string } };
}

/** `url` with the `appsecret_proof` of `token`, which the business's app may require. */
function proven(url: string, business: Business, token: string): string {
  const proof = createHmac('sha256', business.app_secret).update(token).digest('hex');
  return `${url}${url.includes('?') ? '&' : '?'}appsecret_proof=${proof}`;
}

/**
 * Every Graph GET a client can make of these businesses, each page of each list followed to the end (with
 * `appsecret_proof`), and what the app settings and limits change: a call without the proof, an unversioned call.
 */
async function everyAnswer(harness: Harness, businesses: Business[], groups: Group[]): Promise<unknown[]> {
  const answers: unknown[] = [];
  const follow = async (first: string, business: Business) => {
    const token = business.access_token;
    let next: string | undefined = proven(first, business, token);
    while (next !== undefined) {
      const res: { status: number; body: Paged } = await harness.graph<Paged>({
        method: 'GET',
        url: next,
        token,
      });
      answers.push([next, res.status, res.body]);
      const link = res.body.paging?.next;
      next = link === undefined ? undefined : new URL(link).pathname + new URL(link).search;
    }
  };
  for (const business of businesses) {
    const token = business.access_token;
    await follow(`/${V}/${business.phone_number_id}/groups?limit=2`, business);
    for (const group of groups) {
      for (const url of [
        `/${V}/${group.groupId}?fields=${ALL_FIELDS}`,
        `/${V}/${group.groupId}/invite_link`,
      ]) {
        const res = await harness.graph({ method: 'GET', url: proven(url, business, token), token });
        answers.push([url, res.status, res.body]);
      }
      await follow(`/${V}/${group.groupId}/join_requests?limit=2`, business);
    }
    const bare = `/${V}/${business.phone_number_id}/groups?limit=1`;
    const withoutProof = await harness.graph({ method: 'GET', url: bare, token });
    answers.push([bare, withoutProof.status, withoutProof.body]);
    const unversioned = `/${business.phone_number_id}/groups?limit=1`;
    const served = await harness.graph({ method: 'GET', url: proven(unversioned, business, token), token });
    answers.push([unversioned, served.status, served.headers['facebook-api-version'], served.body]);
    const settings = await harness.control('GET', `/_groupgate/apps/${business.app_id}/settings`);
    answers.push([business.app_id, settings.status, settings.body]);
    // The limits in force; their use is not state (an import starts the windows afresh).
    const limits = await harness.control<Record<string, unknown>>(
      'GET',
      `/_groupgate/businesses/${business.waba_id}/limits`,
    );
    answers.push([
      business.waba_id,
      limits.status,
      JSON.stringify(limits.body, (key, value: unknown) =>
        key === 'used' || key === 'regain_at' ? undefined : value,
      ),
    ]);
  }
  for (const group of groups) {
    const res = await harness.control('GET', `/_groupgate/groups/${group.groupId}`);
    answers.push([group.groupId, res.status, res.body]);
  }
  // Trace ids are minted per answer, never the same twice.
  return JSON.parse(
    JSON.stringify(answers).replace(/"fbtrace_id":"[^"]*"/g, '"fbtrace_id":"-"'),
  ) as unknown[];
}

/** Two businesses, built through the Graph API: groups over more than one page, every kind of request. */
async function richState(): Promise<{ businesses: Business[]; groups: Group[] }> {
  const a = await h.createBusiness('A');
  const b = await h.createBusiness('B');
  const tokenB = await h.control<{ access_token: string }>(
    'POST',
    `/_groupgate/businesses/${b.waba_id}/tokens`,
    {
      expires_in: 3600,
    },
  );
  assert.equal(tokenB.status, 201);
  const groups = [
    await h.createGroup(a, { subject: 'First' }),
    await h.createGroup(a, { subject: 'Second' }),
    await h.createGroup(a, { subject: 'Open', mode: 'auto_approve' }),
    await h.createGroup(b, { subject: 'Theirs' }),
  ];
  const [first, second, open, theirs] = groups as [Group, Group, Group, Group];
  const doomed = await h.createGroup(a, { subject: 'Doomed' });
  await h.graph({ method: 'DELETE', url: `/${V}/${doomed.groupId}`, token: a.access_token });
  const users = waIds(7);
  const ids: string[] = [];
  for (const waId of users) ids.push(await h.requestToJoin(waId, first));
  await h.graph({
    method: 'POST',
    url: `/${V}/${first.groupId}/join_requests`,
    token: a.access_token,
    json: { messaging_product: 'whatsapp', join_requests: ids.slice(0, 2) },
  });
  await h.graph({
    method: 'DELETE',
    url: `/${V}/${first.groupId}/join_requests`,
    token: a.access_token,
    json: { messaging_product: 'whatsapp', join_requests: ids.slice(2, 3) },
  });
  await h.control('POST', `/_groupgate/users/${users[3]}/cancel_join`, { group_id: first.groupId });
  h.now += 10;
  await h.requestToJoin(users[2] ?? '', first); // asks again after the rejection
  await h.control('POST', `/_groupgate/users/16505559999/join`, { invite_link: open.inviteLink });
  await h.graph({
    method: 'POST',
    url: `/${V}/${second.groupId}`,
    token: a.access_token,
    json: { messaging_product: 'whatsapp', subject: 'Renamed', description: 'About it' },
  });
  await h.graph({
    method: 'POST',
    url: `/${V}/${second.groupId}/invite_link`,
    token: a.access_token,
    json: { messaging_product: 'whatsapp' },
  });
  await h.requestToJoin('16505558888', theirs);
  await h.control('POST', `/_groupgate/groups/${theirs.groupId}/suspend`);
  // Users who hide their number behind a username, with a parent BSUID: one asking to join, one a member.
  const hidden = { hide_phone_number: true, username: 'ana.b', parent_user_id: true };
  const asks = await h.control('POST', '/_groupgate/users/447700900123/join', {
    invite_link: first.inviteLink,
    ...hidden,
  });
  assert.equal(asks.status, 200, JSON.stringify(asks.body));
  const joins = await h.control('POST', '/_groupgate/users/447700900124/join', {
    invite_link: open.inviteLink,
    ...hidden,
    username: 'bo_c',
    parent_user_id: 'GB.ENT.77',
  });
  assert.equal(joins.status, 200, JSON.stringify(joins.body));
  // A's limits (roomy enough for every call here) and B's app settings.
  const limits = await h.control('PUT', `/_groupgate/businesses/${a.waba_id}/limits`, {
    group_operations: { max: 1000, per_seconds: 60 },
    waba_calls: null,
    app_calls: { max: 100_000, per_seconds: 3600 },
  });
  assert.equal(limits.status, 200, JSON.stringify(limits.body));
  const settings = await h.control('PUT', `/_groupgate/apps/${b.app_id}/settings`, {
    require_appsecret_proof: true,
    default_api_version: 'v24.0',
  });
  assert.equal(settings.status, 200, JSON.stringify(settings.body));
  return {
    businesses: [a, b, { ...b, access_token: tokenB.body.access_token }],
    groups: [first, second, open, theirs, doomed],
  };
}

async function exported(harness: Harness, query = ''): Promise<Record<string, unknown>> {
  const res = await harness.control<Record<string, unknown>>('GET', `/_groupgate/state${query}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

describe('control API: state document', () => {
  it('imported into a fresh instance, an export answers every Graph GET as the original did', async () => {
    const { businesses, groups } = await richState();
    // The second invite link of "Second" replaced the first one: read the link the group has now.
    const before = await everyAnswer(h, businesses, groups);
    // What the answers compared below hold: the users who hide their number, B's app refusing a call without
    // appsecret_proof and serving unversioned ones as v24.0.
    const answered = JSON.stringify(before);
    assert.match(answered, /"username":"ana\.b"/);
    assert.match(answered, /"username":"bo_c","parent_user_id":"GB\.ENT\.77"/);
    assert.match(answered, /"v24\.0"/);
    assert.match(answered, /appsecret_proof/);
    const document = await exported(h);
    assert.equal(document['groupgate_state'], 1);
    const [docA, docB] = document['businesses'] as [BusinessDocument, BusinessDocument];
    assert.deepEqual(docA.limits, {
      group_operations: { max: 1000, per_seconds: 60 },
      waba_calls: null,
      app_calls: { max: 100_000, per_seconds: 3600 },
    });
    assert.deepEqual(docB.limits, {});
    assert.deepEqual([docB.app?.require_appsecret_proof, docB.app?.default_api_version], [true, 'v24.0']);
    const asking = docA.groups?.[0]?.join_requests?.find((r) => r.wa_id === '447700900123');
    assert.deepEqual(
      [asking?.hide_phone_number, asking?.username, asking?.parent_user_id],
      [true, 'ana.b', parentBsuidFor('447700900123')],
    );
    const member = docA.groups?.[2]?.participants?.find(
      (p) => typeof p !== 'string' && p.wa_id === '447700900124',
    );
    assert.deepEqual(member, {
      wa_id: '447700900124',
      joined_at: h.now,
      hide_phone_number: true,
      username: 'bo_c',
      parent_user_id: 'GB.ENT.77',
    });

    const fresh = await Harness.start();
    try {
      fresh.now = h.now;
      const put = await fresh.control('PUT', '/_groupgate/state', document);
      assert.equal(put.status, 200, JSON.stringify(put.body));
      assert.deepEqual(await everyAnswer(fresh, businesses, groups), before);
      const again = await exported(fresh);
      assert.deepEqual({ ...again, exported_at: 0 }, { ...document, exported_at: 0 });

      // And the next group both make is the same group, at the same place in the list.
      const next = async (harness: Harness) => {
        const a = businesses[0] as Business;
        await harness.graph({
          method: 'POST',
          url: `/${V}/${a.phone_number_id}/groups`,
          token: a.access_token,
          json: { messaging_product: 'whatsapp', subject: 'Next' },
        });
        const list = await harness.graph<Paged>({
          method: 'GET',
          url: `/${V}/${a.phone_number_id}/groups?limit=1`,
          token: a.access_token,
        });
        return list.body.paging?.cursors;
      };
      assert.deepEqual(await next(fresh), await next(h));
    } finally {
      await fresh.close();
    }
  });

  it('answers the same on the other backend: an export moves between SQLite and PostgreSQL', async (t) => {
    const skip = await postgresSkipReason();
    if (skip !== false) {
      t.skip(skip);
      return;
    }
    const { businesses, groups } = await richState();
    const before = await everyAnswer(h, businesses, groups);
    const document = await exported(h);
    const other = await Harness.start({
      store: TEST_STORE === 'sqlite' ? await openTestPostgresStore() : openSqliteStore({ path: ':memory:' }),
    });
    try {
      other.now = h.now;
      const put = await other.control('PUT', '/_groupgate/state', document);
      assert.equal(put.status, 200, JSON.stringify(put.body));
      assert.deepEqual(await everyAnswer(other, businesses, groups), before);
      assert.deepEqual({ ...(await exported(other)), exported_at: 0 }, { ...document, exported_at: 0 });
    } finally {
      await other.close();
    }
  });

  it('exports one business with waba_id, and replaces just that one with PUT ?waba_id=', async () => {
    const { businesses } = await richState();
    const [a, b] = businesses as [Business, Business];
    const one = await exported(h, `?waba_id=${a.waba_id}`);
    assert.deepEqual(
      (one['businesses'] as { waba_id: string }[]).map((x) => x.waba_id),
      [a.waba_id],
    );
    assert.equal(one['next_keys'], undefined);
    const theirs = await exported(h, `?waba_id=${b.waba_id}`);
    const put = await h.control('PUT', `/_groupgate/state?waba_id=${a.waba_id}`, {
      groupgate_state: 1,
      businesses: [
        { waba_id: a.waba_id, phone_number_id: a.phone_number_id, tokens: [{ token: 'EAAGfixture' }] },
      ],
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const list = await h.graph<{ data: { groups: unknown[] } }>({
      method: 'GET',
      url: `/${V}/${a.phone_number_id}/groups`,
      token: 'EAAGfixture',
    });
    assert.deepEqual(list.body.data.groups, []);
    const old = await h.graph({
      method: 'GET',
      url: `/${V}/${a.phone_number_id}/groups`,
      token: a.access_token,
    });
    assert.equal(old.status, 401);
    assert.deepEqual(
      { ...(await exported(h, `?waba_id=${b.waba_id}`)), exported_at: 0 },
      { ...theirs, exported_at: 0 },
    );

    const wrong = await h.control('PUT', `/_groupgate/state?waba_id=${b.waba_id}`, one);
    assert.equal(wrong.status, 400);
    assert.match(JSON.stringify(wrong.body), /exactly that one business/);
    const missing = await h.control('GET', '/_groupgate/state?waba_id=123456789012345');
    assert.equal(missing.status, 404);
  });

  it('refuses a document with a bad field, naming its path, and changes nothing', async () => {
    const { businesses } = await richState();
    const document = await exported(h);
    const cases: [string, (d: Record<string, unknown>) => void, RegExp][] = [
      [
        'a bad wa_id',
        (d) => {
          const group = (d['businesses'] as { groups: { participants: { wa_id: string }[] }[] }[])[0]
            ?.groups[2];
          (group?.participants[0] as { wa_id: string }).wa_id = 'not a number';
        },
        /businesses\[0\]\.groups\[2\]\.participants\[0\]\.wa_id: must match pattern/,
      ],
      [
        'a missing subject',
        (d) => {
          delete (d['businesses'] as { groups: { subject?: string }[] }[])[0]?.groups[1]?.subject;
        },
        /businesses\[0\]\.groups\[1\]\.subject: is required/,
      ],
      [
        'an unknown field',
        (d) => {
          ((d['businesses'] as Record<string, unknown>[])[1] as Record<string, unknown>)['colour'] = 'red';
        },
        /businesses\[1\]\.colour: is not a field/,
      ],
      [
        'a bad status',
        (d) => {
          const request = (d['businesses'] as { groups: { join_requests: { status: string }[] }[] }[])[0]
            ?.groups[0]?.join_requests[0];
          (request as { status: string }).status = 'maybe';
        },
        /businesses\[0\]\.groups\[0\]\.join_requests\[0\]\.status: must be one of "pending", "approved"/,
      ],
      [
        'an id used twice',
        (d) => {
          const list = d['businesses'] as { waba_id: string }[];
          (list[1] as { waba_id: string }).waba_id = (list[0] as { waba_id: string }).waba_id;
        },
        /businesses\[1\]\.waba_id: WABA id \d+ is already used at businesses\[0\]\.waba_id/,
      ],
      [
        'a limit of no calls',
        (d) => {
          const [a] = d['businesses'] as [{ limits: { app_calls: { max: number } } }];
          a.limits.app_calls.max = 0;
        },
        /businesses\[0\]\.limits\.app_calls\.max: must be >= 1/,
      ],
      [
        'an API version Graph never published',
        (d) => {
          const [, b] = d['businesses'] as [unknown, { app: { default_api_version: string } }];
          b.app.default_api_version = 'v99.0';
        },
        /businesses\[1\]\.app\.default_api_version: v99\.0 is not a Graph API version/,
      ],
      [
        'a bad username',
        (d) => {
          const request = (
            d['businesses'] as { groups: { join_requests: { wa_id: string; username?: string }[] }[] }[]
          )[0]?.groups[0]?.join_requests.find((r) => r.username !== undefined);
          (request as { username: string }).username = 'no spaces please';
        },
        /businesses\[0\]\.groups\[0\]\.join_requests\[\d+\]\.username: must match pattern/,
      ],
      ['another version', (d) => (d['groupgate_state'] = 2), /groupgate_state: must be 1/],
    ];
    for (const [name, spoil, message] of cases) {
      const bad = structuredClone(document);
      spoil(bad);
      const res = await h.control<{ error: { message: string; code: number } }>(
        'PUT',
        '/_groupgate/state',
        bad,
      );
      assert.equal(res.status, 400, name);
      assert.match(res.body.error.message, message, name);
    }
    assert.deepEqual({ ...(await exported(h)), exported_at: 0 }, { ...document, exported_at: 0 });
    const a = businesses[0] as Business;
    const still = await h.graph({
      method: 'GET',
      url: `/${V}/${a.phone_number_id}/groups`,
      token: a.access_token,
    });
    assert.equal(still.status, 200);
  });

  it('answers calls racing an import with their result or a clean Graph error, never a 500', async () => {
    const { businesses, groups } = await richState();
    const [a] = businesses as [Business];
    const [first] = groups as [Group];
    const one = await exported(h, `?waba_id=${a.waba_id}`);
    const whole = await exported(h);
    for (const [query, document] of [
      [`?waba_id=${a.waba_id}`, one],
      ['', whole],
    ] as const) {
      const calls = () => [
        h.graph({ method: 'GET', url: `/${V}/${first.groupId}/join_requests`, token: a.access_token }),
        h.graph({
          method: 'POST',
          url: `/${V}/${a.phone_number_id}/groups`,
          token: a.access_token,
          json: { messaging_product: 'whatsapp', subject: 'Racing' },
        }),
        h.graph({
          method: 'POST',
          url: `/${V}/${first.groupId}`,
          token: a.access_token,
          json: { messaging_product: 'whatsapp', subject: 'Renamed' },
        }),
        h.control('POST', '/_groupgate/users/16505557777/join', { invite_link: first.inviteLink }),
      ];
      const before = calls();
      const importing = h.control('PUT', `/_groupgate/state${query}`, document);
      const results = await Promise.all([importing, ...before, ...calls()]);
      assert.equal(results[0]?.status, 200, JSON.stringify(results[0]?.body));
      for (const res of results) {
        // On PostgreSQL a call holding a row while a whole import's TRUNCATE waits may lose the deadlock that
        // makes: Graph's transient code 2, to be retried (docs/state.md).
        const transient =
          query === '' && res.status === 503 && (res.body as { error?: { code?: number } }).error?.code === 2;
        assert.ok(
          res.status < 500 || transient,
          `a racing call answered ${res.status}: ${JSON.stringify(res.body)}`,
        );
      }
    }
  });

  it('refuses a query parameter it does not take, rather than replacing the whole state', async () => {
    const before = await h.createBusiness('Kept');
    for (const query of ['?waba_id[]=1', '?WABA_ID=1']) {
      const res = await h.control('PUT', `/_groupgate/state${query}`, { groupgate_state: 1, businesses: [] });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.match(JSON.stringify(res.body), /is not a parameter of this call/);
    }
    const reset = await h.control('POST', '/_groupgate/reset?waba_id=1');
    assert.equal(reset.status, 400, 'nor a global reset that looks scoped');
    const listed = await h.control<{ data: { waba_id: string }[] }>('GET', '/_groupgate/businesses');
    assert.ok(
      listed.body.data.some((b) => b.waba_id === before.waba_id),
      'nothing was replaced',
    );
  });

  it('refuses a YAML document whose alias refers to itself, at once, and keeps serving', async () => {
    for (const yaml of [
      'groupgate_state: 1\nbusinesses: &x\n  - *x\n',
      'groupgate_state: 1\na: &a\n  b: *a\n',
    ]) {
      const res = await h.app.inject({
        method: 'PUT',
        url: '/_groupgate/state',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/yaml' },
        payload: yaml,
      });
      assert.equal(res.statusCode, 400, res.body);
      assert.equal((JSON.parse(res.body) as { error: { code: number } }).error.code, 100);
    }
    assert.equal((await h.control('GET', '/_groupgate/health/live')).status, 200);
  });

  it('reads YAML, and a hand-written fixture gets its defaults', async () => {
    const yaml = [
      'groupgate_state: 1',
      'businesses:',
      '  - waba_id: "102290129340398"',
      '    phone_number_id: "106540352242922"',
      '    tokens: [{ token: EAAGfixturetoken }]',
      '    groups:',
      '      - subject: Book club',
      '        participants: ["16505550001"]',
      '        join_requests:',
      '          - wa_id: "16505550002"',
      '          - { wa_id: "16505550003", status: rejected }',
      '  - waba_id: "102290129340399"',
      '    phone_number_id: "106540352242923"',
      '',
    ].join('\n');
    const res = await h.app.inject({
      method: 'PUT',
      url: '/_groupgate/state',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/yaml' },
      payload: yaml,
    });
    assert.equal(res.statusCode, 200, res.body);
    const groups = await h.graph<{ data: { groups: { id: string; subject: string; created_at: string }[] } }>(
      {
        method: 'GET',
        url: `/${V}/106540352242922/groups`,
        token: 'EAAGfixturetoken',
      },
    );
    assert.equal(groups.status, 200);
    const [group] = groups.body.data.groups;
    assert.equal(group?.subject, 'Book club');
    assert.equal(group?.created_at, String(h.now), 'times default to now');
    const pending = await h.graph<{ data: { wa_id: string }[] }>({
      method: 'GET',
      url: `/${V}/${group?.id}/join_requests`,
      token: 'EAAGfixturetoken',
    });
    assert.deepEqual(
      pending.body.data.map((r) => r.wa_id),
      ['16505550002'],
    );
    const state = await exported(h);
    const second = (state['businesses'] as { tokens: unknown[]; groups: unknown[] }[])[1];
    assert.deepEqual(second?.tokens, [], 'a business written without tokens has none');
    const fixture = (state['businesses'] as BusinessDocument[])[0];
    assert.deepEqual(fixture?.limits, {}, 'every budget at its default');
    assert.deepEqual(
      [fixture?.app?.require_appsecret_proof, fixture?.app?.default_api_version],
      [false, null],
    );
    assert.deepEqual(fixture?.groups?.[0]?.participants, [{ wa_id: '16505550001', joined_at: h.now }]);

    const asYaml = await h.app.inject({
      method: 'GET',
      url: '/_groupgate/state?format=yaml',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    assert.match(String(asYaml.headers['content-type']), /^application\/yaml/);
    assert.match(asYaml.body, /^groupgate_state: 1$/m);

    const broken = await h.app.inject({
      method: 'PUT',
      url: '/_groupgate/state',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/yaml' },
      payload: 'groupgate_state: 1\nbusinesses: [\n',
    });
    assert.equal(broken.statusCode, 400);
    assert.match(broken.body, /not valid YAML/);
    const elsewhere = await h.app.inject({
      method: 'POST',
      url: '/_groupgate/businesses',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/yaml' },
      payload: 'name: x\n',
    });
    assert.equal(elsewhere.statusCode, 400);
  });
});
