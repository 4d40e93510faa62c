import assert from 'node:assert/strict';
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

/** Every Graph GET a client can make of these businesses, each page of each list followed to the end. */
async function everyAnswer(harness: Harness, businesses: Business[], groups: Group[]): Promise<unknown[]> {
  const answers: unknown[] = [];
  const follow = async (url: string, token: string) => {
    let next: string | undefined = url;
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
    await follow(`/${V}/${business.phone_number_id}/groups?limit=2`, business.access_token);
    for (const group of groups) {
      const token = business.access_token;
      for (const url of [
        `/${V}/${group.groupId}?fields=${ALL_FIELDS}`,
        `/${V}/${group.groupId}/invite_link`,
      ]) {
        const res = await harness.graph({ method: 'GET', url, token });
        answers.push([url, res.status, res.body]);
      }
      await follow(`/${V}/${group.groupId}/join_requests?limit=2`, token);
    }
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
    const document = await exported(h);
    assert.equal(document['groupgate_state'], 1);

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
