/**
 * Every Graph and control route, driven with generated bad input (fast-check, seeded and bounded). Each call must
 * answer a 4xx in its surface's own envelope — Graph's, checked against Meta's spec by the harness, on Graph paths;
 * GroupgateException on control paths — never a 500, and leave everything stored exactly as it was. Generators only
 * make input that is wrong by the rules (a wrong type, a null, a value out of range, a missing or unknown
 * parameter, a body that cannot be read, a node that is not the caller's), so any success is a bug too.
 * fuzz.postgres.test.ts runs the same on PostgreSQL, with fewer runs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { ADMIN_TOKEN, Harness, TEST_STORE, V, type Business, type Group } from '../testing/harness.js';

/**
 * Runs per surface: a few seconds on SQLite, fewer on PostgreSQL where every call is a round trip. The seed is
 * fixed, so CI fails the same way every time (fast-check prints the failing case); FUZZ_SEED and FUZZ_RUNS explore
 * further by hand.
 */
const RUNS = Number(process.env['FUZZ_RUNS'] ?? (TEST_STORE === 'postgres' ? 150 : 400));
const SEED = Number(process.env['FUZZ_SEED'] ?? 1_130_2026);

let h: Harness;
let a: Business;
let b: Business;
let group: Group;
let open: Group;
let foreign: Group;
let pendingIds: string[];
let initial: unknown;

const MEMBER = '16505550100';
const DEFAULT_BUSINESS_NAME = 'Groupgate sandbox business';

/** Everything a bad call could wrongly change, read from the store itself. */
async function snapshot(): Promise<unknown> {
  const { store } = h;
  const groups = [];
  for (const id of [group.groupId, open.groupId, foreign.groupId]) {
    const record = await store.findGroupById(id);
    groups.push(
      record && {
        record,
        participants: await store.listParticipants(record.pk),
        pending: (await store.listPendingJoinRequests(record.pk, { limit: 100 })).itemsJson,
      },
    );
  }
  const businesses = [];
  for (const business of [a, b]) {
    const record = await store.findBusinessByWabaId(business.waba_id);
    const token = await store.findAccessToken(business.access_token);
    businesses.push({
      record,
      token: token && { revokedAt: token.revokedAt, expiresAt: token.expiresAt },
      groups: record && (await store.listGroups(record.pk, { limit: 100 })).items.map((g) => g.groupId),
      webhook: await store.findWebhookSettings(business.app_id),
    });
  }
  return {
    groups,
    businesses,
    // Ids only: the dispatcher moves events on (pending, skipped) by itself.
    events: (await store.listWebhookEvents({ limit: 500 })).map((event) => event.id),
    // Every business the fuzz might create by mistake would carry a generated name or this default one.
    defaultBusiness: await store.findBusinessByName(DEFAULT_BUSINESS_NAME),
  };
}

before(async () => {
  h = await Harness.start();
  a = await h.createBusiness('Fuzz A');
  b = await h.createBusiness('Fuzz B');
  group = await h.createGroup(a, { subject: 'Fuzzed', mode: 'approval_required' });
  open = await h.createGroup(a, { subject: 'Open', mode: 'auto_approve' });
  foreign = await h.createGroup(b, { subject: 'Foreign' });
  pendingIds = [await h.requestToJoin('16505550001', group), await h.requestToJoin('16505550002', group)];
  const joined = await h.control('POST', `/_groupgate/users/${MEMBER}/join`, {
    invite_link: open.inviteLink,
  });
  assert.equal(joined.status, 200);
  initial = await snapshot();
});
after(() => h.close());

// ---- Values that are wrong by type or range -------------------------------------------------------------------

/**
 * Text as clients send it, and as they should not: ASCII, any Unicode grapheme, and now and then U+0000 or a lone
 * surrogate (text that is not well-formed, which JSON can escape and percent-encoding can carry as bytes).
 */
const TEXT_UNIT = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.constant('\u0000') },
  { weight: 1, arbitrary: fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff') },
);

/**
 * encodeURIComponent, except that a lone surrogate (which it refuses) is sent as the three bytes a lax encoder
 * (WTF-8) would write, bytes that are not UTF-8.
 */
function percentEncode(text: string): string {
  let encoded = '';
  for (const char of text) {
    const unit = char.charCodeAt(0);
    encoded +=
      char.length === 1 && unit >= 0xd800 && unit <= 0xdfff
        ? [0xed, 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]
            .map((byte) => `%${byte.toString(16).toUpperCase()}`)
            .join('')
        : encodeURIComponent(char);
  }
  return encoded;
}

/** Byte sequences that are not UTF-8: stray bytes, a cut-off sequence, an encoded surrogate, an overlong form. */
const notUtf8 = fc
  .constantFrom(
    [0xff],
    [0xfe, 0xff],
    [0xc3],
    [0xe2, 0x82],
    [0xed, 0xa0, 0x80],
    [0xc0, 0xaf],
    [0xf8, 0x88, 0x80, 0x80],
  )
  .map((bytes) => Buffer.from(bytes));
const text = (constraints: { minLength?: number; maxLength?: number } = {}) =>
  fc.string({ unit: TEXT_UNIT, ...constraints });

const notAString: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.array(text(), { maxLength: 3 }),
  fc.dictionary(text({ maxLength: 8 }), text({ maxLength: 8 }), { maxKeys: 3 }),
);
/** Neither a string (which Graph may read as a JSON-encoded list) nor an array. */
const notAList: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.dictionary(text({ maxLength: 8 }), text({ maxLength: 8 }), { maxKeys: 3 }),
);
const notAnInteger: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  text({ maxLength: 12 }),
  fc.double().filter((n) => !Number.isInteger(n)),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(text({ maxLength: 8 }), fc.integer(), { maxKeys: 3 }),
);
/** Text right in every way but one: it holds a lone surrogate, so it is not well-formed. */
const illFormed = fc
  .tuple(
    fc.string({ maxLength: 10 }),
    fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff'),
    fc.string({ maxLength: 10 }),
  )
  .map(([before, surrogate, after]) => `${before}${surrogate}${after}`);
const longString = (min: number) => fc.integer({ min, max: min + 64 }).map((n) => 'x'.repeat(n));
const blank = fc.string({ unit: fc.constantFrom(' ', '\t', '\n'), maxLength: 5 });
const otherThan = (...allowed: string[]) => text({ maxLength: 20 }).filter((s) => !allowed.includes(s));
/** A path segment no route or node will ever match. */
const junkSegment = text({ minLength: 1, maxLength: 40 }).map(percentEncode);

/** `base` with one property replaced by a bad value, or one required property left out. */
function corrupt(
  base: Record<string, unknown>,
  bad: Record<string, fc.Arbitrary<unknown>>,
  required: string[] = [],
): fc.Arbitrary<Record<string, unknown>> {
  const replaced = fc
    .constantFrom(...Object.keys(bad))
    .chain((key) => (bad[key] as fc.Arbitrary<unknown>).map((value) => ({ ...base, [key]: value })));
  if (required.length === 0) return replaced;
  const missing = fc
    .constantFrom(...required)
    .map((left) => Object.fromEntries(Object.entries(base).filter(([key]) => key !== left)));
  return fc.oneof(replaced, missing);
}

/** Bodies no parser turns into a JSON object: Graph and control refuse them before any handler runs. */
const unreadableBody: fc.Arbitrary<{ body: string | Buffer; contentType: string }> = fc.oneof(
  // A multipart body that would be right, cut off anywhere before the end of its closing delimiter.
  fc.nat().map((n) => {
    const full = [
      ['messaging_product', 'whatsapp'],
      ['subject', 'Cut off'],
      ['description', 'lost'],
    ]
      .map(([name, value]) => `--cut\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)
      .join('')
      .concat('--cut--');
    return { body: full.slice(0, n % full.length), contentType: 'multipart/form-data; boundary=cut' };
  }),
  // Bodies that would be right but for bytes that are not UTF-8, raw or percent-encoded.
  fc.record({ bytes: notUtf8, form: fc.boolean(), escaped: fc.boolean() }).map(({ bytes, form, escaped }) => {
    const value = escaped ? Buffer.from([...bytes].map((b) => `%${b.toString(16)}`).join('')) : bytes;
    return form
      ? {
          body: Buffer.concat([Buffer.from('messaging_product=whatsapp&name=x&subject='), value]),
          contentType: 'application/x-www-form-urlencoded',
        }
      : {
          body: Buffer.concat([
            Buffer.from('{"messaging_product":"whatsapp","name":"'),
            bytes,
            Buffer.from('"}'),
          ]),
          contentType: 'application/json',
        };
  }),
  fc.record({
    body: text({ maxLength: 40 }).filter((text) => {
      try {
        const parsed: unknown = JSON.parse(text);
        return typeof parsed !== 'object' || parsed === null || Array.isArray(parsed);
      } catch {
        return true;
      }
    }),
    contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8'),
  }),
  fc.record({
    body: text({ minLength: 1, maxLength: 40 }),
    contentType: fc.oneof(
      fc.constantFrom(
        'text/plain',
        'application/xml',
        'multipart/form-data',
        'multipart/form-data; charset=utf-8',
        'multipart/mixed; boundary=x',
        'application/octet-stream',
        'application/json; charset=utf-16',
        'application/x-www-form-urlencoded; charset=latin1',
        ';;',
      ),
      fc
        .tuple(fc.stringMatching(/^[a-z]{1,8}$/), fc.stringMatching(/^[a-z]{1,8}$/))
        .map(([type, subtype]) => `${type}/${subtype}`)
        .filter((type) => type !== 'application/json'),
    ),
  }),
);

// ---- Graph ------------------------------------------------------------------------------------------------------

type GraphCall = Parameters<Harness['graph']>[0];

const GROUP_FIELDS = [
  'id',
  'messaging_product',
  'subject',
  'description',
  'join_approval_mode',
  'suspended',
  'creation_timestamp',
  'participants',
  'total_participant_count',
];

function graphCalls(): fc.Arbitrary<GraphCall> {
  const token = fc.oneof(
    { weight: 6, arbitrary: fc.constant(a.access_token) },
    { weight: 1, arbitrary: fc.constantFrom<string | null>(null, 'EAAGnope', b.access_token) },
  );
  const node = `/${V}/${group.groupId}`;
  const groupsEdge = `/${V}/${a.phone_number_id}/groups`;
  const post = (
    url: string,
    body: fc.Arbitrary<Record<string, unknown>>,
    method: GraphCall['method'] = 'POST',
  ) => fc.record({ json: body, token }).map(({ json, token }): GraphCall => ({ method, url, token, json }));

  const badFieldName = fc.oneof(
    fc.constantFrom(...Object.getOwnPropertyNames(Object.prototype)),
    fc
      .string({ minLength: 1, maxLength: 20 })
      .filter((s) => !s.includes(',') && s.trim() !== '' && !GROUP_FIELDS.includes(s.trim())),
  );
  const badItem = fc.oneof(notAString, fc.constant(''), longString(513), illFormed);
  const badUser = fc.oneof(
    fc.constant({}),
    notAString,
    fc.record({ user: fc.oneof(notAString, fc.constant(''), illFormed) }),
    fc.record({ user: text({ maxLength: 12 }).map((s) => `${s}x`) }),
  );
  const badLimit = fc.oneof(
    fc.integer({ min: -5, max: 0 }).map(String),
    fc.integer({ min: 1025, max: 10_000_000 }).map(String),
    text({ minLength: 1, maxLength: 10 }).filter((s) => !/^\d{1,7}$/.test(s)),
  );
  const pageQuery = fc.oneof(
    badLimit.map((limit) => `limit=${percentEncode(limit)}`),
    text({ maxLength: 60 }).map((cursor) => `after=${percentEncode(cursor)}`),
    text({ maxLength: 60 }).map((cursor) => `before=${percentEncode(cursor)}`),
    fc.constant('after=a&before=b'),
  );

  return fc.oneof(
    // Create a group.
    post(
      groupsEdge,
      corrupt(
        { messaging_product: 'whatsapp', subject: 'New group' },
        {
          messaging_product: fc.oneof(notAString, otherThan('whatsapp')),
          subject: fc.oneof(notAString, blank, longString(129), illFormed),
          description: fc.oneof(notAString, longString(2049), illFormed),
          join_approval_mode: fc.oneof(notAString, otherThan('approval_required', 'auto_approve')),
        },
        ['messaging_product', 'subject'],
      ),
    ),
    // Update settings.
    post(
      node,
      corrupt(
        { messaging_product: 'whatsapp', subject: 'Renamed' },
        {
          messaging_product: fc.oneof(notAString, otherThan('whatsapp')),
          subject: fc.oneof(notAString, blank, longString(129), illFormed),
          description: fc.oneof(notAString, longString(2049), illFormed),
          profile_picture_file: text({ maxLength: 20 }),
          file: fc.oneof(notAString, text({ maxLength: 20 })),
        },
        ['messaging_product'],
      ),
    ),
    // Reset or delete the invite link.
    fc
      .constantFrom<GraphCall['method']>('POST', 'DELETE')
      .chain((method) =>
        post(
          `${node}/invite_link`,
          corrupt(
            { messaging_product: 'whatsapp' },
            { messaging_product: fc.oneof(notAString, otherThan('whatsapp')) },
            ['messaging_product'],
          ),
          method,
        ),
      ),
    // Approve or reject.
    fc.constantFrom<GraphCall['method']>('POST', 'DELETE').chain((method) =>
      post(
        `${node}/join_requests`,
        corrupt(
          { messaging_product: 'whatsapp', join_requests: pendingIds },
          {
            messaging_product: fc.oneof(notAString, otherThan('whatsapp')),
            join_requests: fc.oneof(
              notAList,
              fc.constant([]),
              fc
                .tuple(fc.array(fc.constantFrom(...pendingIds), { maxLength: 2 }), badItem)
                .map(([ok, bad]) => [...ok, bad]),
            ),
          },
          ['messaging_product', 'join_requests'],
        ),
        method,
      ),
    ),
    // Remove participants.
    post(
      `${node}/participants`,
      corrupt(
        { messaging_product: 'whatsapp', participants: [{ user: MEMBER }] },
        {
          messaging_product: fc.oneof(notAString, otherThan('whatsapp')),
          participants: fc.oneof(
            notAList,
            fc.constant([]),
            fc.constant(Array.from({ length: 9 }, (_, i) => ({ user: `1650555${1000 + i}` }))),
            badUser.map((bad) => [{ user: MEMBER }, bad]),
          ),
        },
        ['messaging_product', 'participants'],
      ),
      'DELETE',
    ),
    // Multipart: a picture that is not a JPEG, a file where text belongs, a list that is not JSON.
    fc
      .record({
        bytes: fc.uint8Array({ maxLength: 64 }),
        field: fc.constantFrom('file', 'subject', 'description', 'messaging_product'),
        token,
      })
      .map(({ bytes, field, token }): GraphCall => ({
        method: 'POST',
        url: node,
        token,
        multipart: {
          messaging_product: 'whatsapp',
          [field]: { data: Buffer.from(bytes), filename: 'photo.jpg', contentType: 'image/jpeg' },
        },
      })),
    fc
      .record({
        list: text({ maxLength: 30 }).filter((value) => {
          try {
            return !Array.isArray(JSON.parse(value));
          } catch {
            return true;
          }
        }),
        path: fc.constantFrom(`${node}/join_requests`, `${node}/participants`),
        token,
      })
      .map(({ list, path, token }): GraphCall => ({
        method: path.endsWith('participants') ? 'DELETE' : 'POST',
        url: path,
        token,
        multipart: {
          messaging_product: 'whatsapp',
          [path.endsWith('participants') ? 'participants' : 'join_requests']: list,
        },
      })),
    // Add participants: never supported, whatever the body.
    post(`${node}/participants`, fc.dictionary(text({ maxLength: 10 }), fc.jsonValue(), { maxKeys: 4 })),
    // GroupInfo fields that do not exist, or a list where one string belongs.
    fc
      .record({ ok: fc.array(fc.constantFrom(...GROUP_FIELDS), { maxLength: 3 }), bad: badFieldName, token })
      .map(({ ok, bad, token }): GraphCall => ({
        method: 'GET',
        url: `${node}?fields=${percentEncode([...ok, bad].join(','))}`,
        token,
      })),
    fc.constant<GraphCall>({
      method: 'GET',
      url: `${node}?fields=subject&fields=description`,
      token: a.access_token,
    }),
    // Pages asked for with a bad limit or cursor.
    fc
      .record({ url: fc.constantFrom(`${node}/join_requests`, groupsEdge), query: pageQuery, token })
      .map(({ url, query, token }): GraphCall => ({ method: 'GET', url: `${url}?${query}`, token })),
    // A method override that is not get, post or delete; a method Graph does not serve here.
    fc
      .record({
        path: fc.constantFrom(node, `${node}/join_requests`, `${node}/invite_link`, groupsEdge),
        override: fc
          .string({ maxLength: 10 })
          .filter((m) => !['get', 'post', 'delete'].includes(m.toLowerCase())),
        token,
      })
      .map(({ path, override, token }): GraphCall => ({
        method: 'POST',
        url: `${path}?method=${percentEncode(override)}`,
        token,
      })),
    fc
      .record({
        method: fc.constantFrom<GraphCall['method']>('PUT', 'PATCH'),
        path: fc.constantFrom(node, `${node}/join_requests`, `${node}/participants`, groupsEdge),
        token,
      })
      .map(({ method, path, token }): GraphCall => ({ method, url: path, token })),
    // Someone else's group, with a body that would be valid on one's own.
    fc.constantFrom<GraphCall>(
      { method: 'DELETE', url: `/${V}/${foreign.groupId}`, token: a.access_token },
      {
        method: 'POST',
        url: `/${V}/${foreign.groupId}/invite_link`,
        token: a.access_token,
        json: { messaging_product: 'whatsapp' },
      },
      { method: 'DELETE', url: `/${V}/${group.groupId}`, token: b.access_token },
      { method: 'DELETE', url: `/${V}/${group.groupId}`, token: null },
    ),
    // Unknown nodes, versions and edges.
    fc
      .record({
        method: fc.constantFrom<GraphCall['method']>('GET', 'POST', 'DELETE'),
        segments: fc.array(junkSegment, { minLength: 1, maxLength: 3 }),
        version: fc.oneof(fc.constant(V), junkSegment),
        token,
      })
      .map(({ method, segments, version, token }): GraphCall => ({
        method,
        url: `/${version}/${segments.join('/')}`,
        token,
      })),
    // Bodies that cannot be read, on every Graph path, whatever the token.
    fc
      .record({
        method: fc.constantFrom<GraphCall['method']>('POST', 'DELETE'),
        path: fc.constantFrom(
          node,
          `${node}/join_requests`,
          `${node}/invite_link`,
          `${node}/participants`,
          groupsEdge,
        ),
        raw: unreadableBody,
        token,
      })
      .map(({ method, path, raw, token }): GraphCall => ({ method, url: path, token, raw })),
  );
}

// ---- Control ----------------------------------------------------------------------------------------------------

interface ControlCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  json?: unknown;
  raw?: { body: string | Buffer; contentType: string };
  admin?: boolean;
}

function controlCalls(): fc.Arbitrary<ControlCall> {
  const call =
    (method: ControlCall['method'], url: string) =>
    (json: unknown): ControlCall => ({
      method,
      url,
      json,
    });
  const extra = fc
    .tuple(fc.stringMatching(/^[a-z_]{1,12}$/), fc.jsonValue())
    .map(([key, value]) => ({ [`x_${key}`]: value }));
  const withExtra = (base: Record<string, unknown>) => extra.map((more) => ({ ...base, ...more }));
  const badWaId = text({ minLength: 1, maxLength: 20 }).filter((s) => !/^[1-9][0-9]{6,14}$/.test(s));
  const junkId = fc
    .string({ minLength: 1, maxLength: 30 })
    .filter((s) => ![group, open, foreign].some((g) => g.groupId === s));
  const goodCallback = 'http://127.0.0.1:9/hook';
  const badCallback = fc.oneof(
    notAString,
    text({ maxLength: 30 }).filter((s) => !/^https?:\/\//.test(s)),
    fc
      .string({ maxLength: 30 })
      .map((s) => `http://${s}`)
      .filter((url) => !URL.canParse(url)),
    fc.integer({ min: 65_536, max: 999_999 }).map((port) => `http://127.0.0.1:${port}/hook`),
    fc.constantFrom('http://', 'https://', 'http://%zz', 'http://[::1', 'http://user:pw@127.0.0.1:9/'),
    longString(2049).map((s) => `http://${s}`),
  );

  const calls = fc.oneof(
    // Businesses and tokens.
    fc
      .oneof(
        corrupt(
          { name: 'Fuzzed business' },
          { name: fc.oneof(notAString, fc.constant(''), longString(201), illFormed) },
        ),
        withExtra({}),
        notAList.filter((v) => typeof v !== 'object' || v === null),
      )
      .map(call('POST', '/_groupgate/businesses')),
    fc
      .oneof(
        corrupt(
          { expires_in: 60 },
          {
            expires_in: fc.oneof(
              notAnInteger,
              fc.integer({ min: -1_000_000, max: -1 }),
              fc.integer({ min: 315_360_001, max: 2_000_000_000 }),
            ),
          },
        ),
        withExtra({ expires_in: 60 }),
      )
      .map(call('POST', `/_groupgate/businesses/${a.waba_id}/tokens`)),
    junkId.map((id) => call('POST', `/_groupgate/businesses/${percentEncode(id)}/tokens`)({})),
    junkId.map((token) => call('DELETE', `/_groupgate/tokens/${percentEncode(token)}`)(undefined)),
    // Simulated users.
    fc
      .oneof(
        fc.record({ wa: badWaId, body: fc.constant({ invite_link: group.inviteLink }) }),
        fc.record({
          wa: fc.constant('16505550009'),
          body: fc.oneof(
            corrupt(
              { invite_link: group.inviteLink },
              {
                invite_link: fc.oneof(
                  notAString,
                  fc.constant(''),
                  longString(513),
                  illFormed,
                  fc
                    .string({ maxLength: 60 })
                    .filter((s) => ![group, open, foreign].some((g) => g.inviteLink === s)),
                ),
              },
              ['invite_link'],
            ),
            withExtra({ invite_link: group.inviteLink }),
          ),
        }),
      )
      .map(({ wa, body }) => call('POST', `/_groupgate/users/${percentEncode(wa)}/join`)(body)),
    fc
      .record({
        action: fc.constantFrom('cancel_join', 'leave'),
        wa: fc.constantFrom('16505550001', MEMBER),
        body: fc.oneof(
          corrupt(
            { group_id: group.groupId },
            { group_id: fc.oneof(notAString, fc.constant(''), junkId, illFormed) },
            ['group_id'],
          ),
          withExtra({ group_id: group.groupId }),
        ),
      })
      .map(({ action, wa, body }) => call('POST', `/_groupgate/users/${wa}/${action}`)(body)),
    // Groups and suspension.
    fc
      .record({ id: junkId, path: fc.constantFrom('', '/suspend', '/clear_suspension') })
      .map(({ id, path }) =>
        call(path === '' ? 'GET' : 'POST', `/_groupgate/groups/${percentEncode(id)}${path}`)(undefined),
      ),
    // Routes that take no body, on real nodes, with a property in one: only the property is wrong.
    fc
      .record({
        route: fc.constantFrom<[ControlCall['method'], string]>(
          ['POST', `/_groupgate/groups/${group.groupId}/suspend`],
          ['POST', `/_groupgate/groups/${group.groupId}/clear_suspension`],
          ['DELETE', `/_groupgate/tokens/${a.access_token}`],
          ['POST', '/_groupgate/reset'],
          ['POST', '/_groupgate/webhooks/deliveries/1/replay'],
        ),
        body: withExtra({}),
      })
      .map(({ route: [method, url], body }) => call(method, url)(body)),
    // Bulk simulations.
    fc
      .oneof(
        corrupt(
          { group_ids: ['not-a-group'], users: 1 },
          {
            group_ids: fc.oneof(notAList, fc.constant([]), fc.constant([''])),
            users: fc.oneof(notAnInteger, fc.constant(0), fc.integer({ min: 1_000_001, max: 2_000_000_000 })),
            rate_per_second: fc.oneof(
              notAString,
              fc.constant(-1),
              fc.constant(100_001),
              // So slow that the pause between users would overflow a timer.
              fc.double({ min: Number.MIN_VALUE, max: 0.000_999, noNaN: true }),
            ),
            country_code: fc.oneof(notAString, fc.constantFrom('', '0', '1234', 'x')),
          },
          ['group_ids', 'users'],
        ),
        withExtra({ group_ids: [group.groupId], users: 1 }),
      )
      .map(call('POST', '/_groupgate/simulations')),
    fc
      .record({ id: junkId, method: fc.constantFrom<ControlCall['method']>('GET', 'DELETE') })
      .map(({ id, method }) => call(method, `/_groupgate/simulations/${percentEncode(id)}`)(undefined)),
    // Webhook settings.
    fc
      .oneof(
        corrupt(
          { callback_url: goodCallback, verify_token: 'token' },
          {
            callback_url: badCallback,
            verify_token: fc.oneof(notAString, fc.constant(''), longString(513), illFormed),
            fields: fc.oneof(
              notAList,
              fc.constant(['not_a_field']),
              fc.constant(['group_lifecycle_update', 'group_lifecycle_update']),
            ),
            app_secret: fc.oneof(notAString, fc.constant('short')),
          },
          ['callback_url', 'verify_token'],
        ),
        withExtra({ callback_url: goodCallback, verify_token: 'token' }),
      )
      .map(call('PUT', `/_groupgate/apps/${a.app_id}/webhook`)),
    junkId.map((id) => call('GET', `/_groupgate/apps/${percentEncode(id)}/webhook`)(undefined)),
    // The delivery log.
    fc
      .oneof(
        fc.oneof(fc.constantFrom('0', '501', '-1', '1.5', 'abc', '')).map((v) => `limit=${v}`),
        fc
          .oneof(fc.constantFrom('0', '-3', '2.5', 'x', '9007199254740992', '1e400'))
          .map((v) => `before=${v}`),
        otherThan('pending', 'delivered', 'failed', 'skipped').map((v) => `state=${percentEncode(v)}`),
      )
      .map((query) => call('GET', `/_groupgate/webhooks/deliveries?${query}`)(undefined)),
    fc
      .record({
        id: fc.oneof(
          fc.constantFrom('0', '-1', '1.5', 'abc', '9007199254740992', '99999999999999999999'),
          fc.integer({ min: 1_000_000_000, max: 2_000_000_000 }).map(String),
        ),
        replay: fc.boolean(),
      })
      .map(({ id, replay }) =>
        replay
          ? call('POST', `/_groupgate/webhooks/deliveries/${id}/replay`)(undefined)
          : call('GET', `/_groupgate/webhooks/deliveries/${id}`)(undefined),
      ),
    // Bodies that cannot be read, on every control route; and no admin token.
    fc
      .record({
        route: fc.constantFrom<[ControlCall['method'], string]>(
          ['POST', '/_groupgate/businesses'],
          ['POST', `/_groupgate/businesses/${a.waba_id}/tokens`],
          ['DELETE', `/_groupgate/tokens/${a.access_token}`],
          ['POST', `/_groupgate/users/16505550001/cancel_join`],
          ['POST', `/_groupgate/users/${MEMBER}/leave`],
          ['POST', `/_groupgate/groups/${group.groupId}/suspend`],
          ['POST', '/_groupgate/simulations'],
          ['PUT', `/_groupgate/apps/${a.app_id}/webhook`],
          ['POST', '/_groupgate/webhooks/deliveries/1/replay'],
          ['POST', '/_groupgate/reset'],
        ),
        raw: unreadableBody,
        admin: fc.boolean(),
      })
      .map(({ route: [method, url], raw, admin }) => ({ method, url, raw, admin })),
    // A path segment longer than any id; an unknown control path.
    fc.constantFrom<ControlCall>(
      { method: 'GET', url: `/_groupgate/groups/${'x'.repeat(1100)}` },
      {
        method: 'POST',
        url: `/_groupgate/users/${'1'.repeat(1100)}/join`,
        json: { invite_link: group.inviteLink },
      },
    ),
    junkSegment.map((segment) => call('GET', `/_groupgate/${segment}/${segment}`)(undefined)),
  );
  // The router decodes the path and ignores a trailing slash: a control route reached that way is still one.
  return fc
    .record({
      call: calls,
      spelling: fc.constantFrom('/_groupgate', '/_groupgate', '/%5Fgroupgate', '/_%67roupgate'),
      trailingSlash: fc.boolean(),
    })
    .map(({ call, spelling, trailingSlash }) => {
      const url = call.url.replace(/^\/_groupgate/, spelling);
      return { ...call, url: trailingSlash ? url.replace(/(?=\?|$)/, '/') : url };
    });
}

async function sendControl(c: ControlCall) {
  const headers: Record<string, string> = c.admin === false ? {} : { authorization: `Bearer ${ADMIN_TOKEN}` };
  let payload: string | Buffer | undefined;
  if (c.raw !== undefined) {
    headers['content-type'] = c.raw.contentType;
    payload = c.raw.body;
  } else if (c.json !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(c.json);
  }
  return h.app.inject({ method: c.method, url: c.url, headers, ...(payload !== undefined && { payload }) });
}

describe('fuzzing with bad input', () => {
  it('answers every Graph route with a 4xx Graph error and changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(graphCalls(), async (call) => {
        // The harness checks the envelope against Meta's spec and x-fb-trace-id against fbtrace_id.
        const res = await h.graph<{ error?: { type: string } }>(call);
        assert.ok(res.status >= 400 && res.status < 500, `${res.status} ${JSON.stringify(res.body)}`);
        assert.notEqual(res.body.error?.type, 'GroupgateException');
        assert.deepEqual(await snapshot(), initial);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('answers every control route with a 4xx GroupgateException and changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(controlCalls(), async (call) => {
        const res = await sendControl(call);
        assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${res.statusCode} ${res.body}`);
        assert.match(String(res.headers['content-type']), /^application\/json/);
        const error = res.json<{ error?: { type?: unknown; code?: unknown; fbtrace_id?: unknown } }>().error;
        assert.equal(error?.type, 'GroupgateException', res.body);
        assert.equal(typeof error.code, 'number');
        assert.equal(error.fbtrace_id, res.headers['x-fb-trace-id']);
        assert.deepEqual(await snapshot(), initial);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
