/**
 * Fault injection over HTTP: the control API's rules (each effect, each matcher, times / after / seeded
 * probability), the X-Groupgate-Fault header and its switch, network faults on a real listening server
 * (drop_reply applies the call exactly once), and webhook faults against a real receiver.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { startWebhookReceiver, type WebhookReceiver } from '@groupgate/sdk/testing';
import { Harness, V, waIds, type Business, type Group } from '../../testing/harness.js';
import type { AppConfig } from '../app.js';

let h: Harness;
let business: Business;
let group: Group;
const [ALICE = '', BOB = ''] = waIds(2);

async function setUp(config: Partial<AppConfig> = {}): Promise<void> {
  h = await Harness.start({ config });
  business = await h.createBusiness();
  group = await h.createGroup(business);
}

type ErrorBody = {
  error: { message: string; code: number; type: string; is_transient?: boolean; error_subcode?: number };
};

async function addFault(rule: unknown): Promise<{ id: string }> {
  const added = await h.control<{ id: string }>('POST', '/_groupgate/faults', rule);
  assert.equal(added.status, 201, JSON.stringify(added.body));
  return added.body;
}

async function listFaults(): Promise<{ id: string; hits: number; matched: number; seed: number | null }[]> {
  const listed = await h.control<{
    data: { id: string; hits: number; matched: number; seed: number | null }[];
  }>('GET', '/_groupgate/faults');
  assert.equal(listed.status, 200);
  return listed.body.data;
}

/** A Graph call through inject, not checked against Meta's spec (an injected status may be one the spec omits). */
async function call(
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  json?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: ErrorBody & Record<string, unknown>; headers: Record<string, unknown> }> {
  const response = await h.app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${business.access_token}`,
      ...(json !== undefined && { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(json !== undefined && { payload: JSON.stringify(json) }),
  });
  return { status: response.statusCode, body: response.json(), headers: response.headers };
}

const listJoinRequests = () => call('GET', `/${V}/${group.groupId}/join_requests`);
const approve = (ids: string[]) =>
  call('POST', `/${V}/${group.groupId}/join_requests`, { messaging_product: 'whatsapp', join_requests: ids });

describe('fault rules: the control API', () => {
  beforeEach(() => setUp());
  afterEach(() => h.close());

  it('adds, lists with hits, removes one and clears all; reset clears them too', async () => {
    const first = await addFault({ error: { code: 130429 } });
    assert.match(first.id, /^fault_\d+$/);
    assert.deepEqual((first as Record<string, unknown>)['effect'], { error: { code: 130429 } });
    assert.equal('error' in first, false, 'no top-level error key: it would read as a Graph error envelope');
    const second = await addFault({ delay_ms: 0, match: { method: 'POST' } });
    await listJoinRequests();
    const listed = await listFaults();
    assert.deepEqual(
      listed.map((rule) => [rule.id, rule.hits]),
      [
        [first.id, 1],
        [second.id, 0],
      ],
    );
    assert.equal((await h.control('DELETE', `/_groupgate/faults/${first.id}`)).status, 200);
    const missing = await h.control<ErrorBody>('DELETE', `/_groupgate/faults/${first.id}`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.type, 'GroupgateException');
    assert.deepEqual(
      (await listFaults()).map((rule) => rule.id),
      [second.id],
    );
    assert.equal((await h.control('DELETE', '/_groupgate/faults')).status, 200);
    assert.deepEqual(await listFaults(), []);
    await addFault({ error: { code: 2 } });
    await h.control('POST', '/_groupgate/reset');
    assert.deepEqual(await listFaults(), []);
  });

  it('refuses a bad rule with the field named', async () => {
    const cases: [unknown, RegExp][] = [
      [{}, /exactly one effect/],
      [{ error: { code: 2 }, delay_ms: 10 }, /exactly one effect/],
      [
        { error: { code: 999999 } },
        /not in Groupgate's error catalogue: give error.http_status and error.message/,
      ],
      [{ error: { code: '2' } }, /Param error.code must be a whole number/],
      [{ error: { code: 2, colour: 'red' } }, /Param error.colour is not a parameter/],
      [{ delay_ms: -1 }, /Param delay_ms must be a whole number from 0 to 600000/],
      [{ network: 'explode' }, /Param network must be one of reset, hang, drop_reply/],
      [{ error: { code: 2 }, match: { edge: 'nope' } }, /Param match.edge must be one of/],
      [
        { error: { code: 2 }, match: { event_type: 'group_create' } },
        /match.event_type is not a matcher of graph rules/,
      ],
      [{ error: { code: 2 }, match: { wa_id: 'abc' } }, /Param match.wa_id/],
      [{ on: 'webhook', network: 'reset' }, /Param network is an effect of graph rules/],
      [{ webhook: 'duplicate' }, /Param webhook is an effect of webhook rules/],
      [{ error: { code: 2 }, probability: 1.5 }, /Param probability must be a number from 0 to 1/],
      [{ error: { code: 2 }, seed: 4 }, /Param seed only means something/],
      [{ error: { code: 2 }, times: 0 }, /Param times must be a whole number from 1/],
      [{ error: { code: 2 }, when: 'now' }, /Param when is not a parameter of a fault rule/],
    ];
    for (const [rule, message] of cases) {
      const refused = await h.control<ErrorBody>('POST', '/_groupgate/faults', rule);
      assert.equal(refused.status, 400, JSON.stringify(rule));
      assert.match(refused.body.error.message, message, JSON.stringify(rule));
    }
    assert.deepEqual(await listFaults(), []);
  });

  it('needs the admin token', async () => {
    const response = await h.app.inject({ method: 'GET', url: '/_groupgate/faults' });
    assert.equal(response.statusCode, 401);
  });
});

describe('fault rules: effects on Graph calls', () => {
  beforeEach(() => setUp());
  afterEach(() => h.close());

  it("answers Meta's error with its own HTTP status, type, message and is_transient", async () => {
    const expected: [number, number | undefined, number, boolean | undefined, RegExp][] = [
      [1, undefined, 500, true, /An unknown error occurred/],
      [2, undefined, 503, true, /Please retry your request later/],
      [4, 2446079, 429, true, /^Application request limit reached$/],
      [10, undefined, 403, false, /^\(#10\)/],
      [80007, 2446079, 429, true, /^Business request limit reached for WhatsApp Business Account$/],
      [100, undefined, 400, false, /^\(#100\) Invalid parameter$/],
      [130429, undefined, 429, true, /^\(#130429\) Rate limit hit$/],
      [131000, undefined, 500, true, /^\(#131000\) Something went wrong$/],
      [131005, undefined, 403, false, /^\(#131005\) Access denied$/],
      [131016, undefined, 503, true, /^\(#131016\) Service unavailable$/],
      [131056, undefined, 429, true, /pair rate limit hit$/],
      [131208, undefined, 429, true, /^\(#131208\) Group Rate Limit Hit$/],
      [190, 460, 401, undefined, /changed their password/],
      [190, 463, 401, undefined, /Session has expired on \w+day, /],
      [190, 467, 401, undefined, /token was revoked/],
      [200, undefined, 403, false, /^\(#200\) Permissions error$/],
      [368, undefined, 403, false, /^\(#368\) Temporarily blocked for policies violations$/],
    ];
    for (const [code, subcode, status, transient, message] of expected) {
      await h.control('DELETE', '/_groupgate/faults');
      await addFault({ error: { code, ...(subcode !== undefined && { error_subcode: subcode }) } });
      // Through the harness: the answer must also validate against Meta's OpenAPI document.
      const answered = await h.graph<ErrorBody>({
        method: 'GET',
        url: `/${V}/${group.groupId}/join_requests`,
        token: business.access_token,
      });
      assert.equal(answered.status, status, `code ${code}`);
      assert.equal(answered.body.error.code, code);
      assert.equal(answered.body.error.error_subcode, subcode);
      assert.equal(answered.body.error.type, 'OAuthException');
      assert.equal(answered.body.error.is_transient, transient, `code ${code}`);
      assert.match(answered.body.error.message, message);
      if (code === 190) assert.match(String(answered.headers['www-authenticate']), /invalid_token/);
    }
  });

  it('takes overrides, and an unknown code with its status and message', async () => {
    await addFault({
      error: {
        code: 131000,
        http_status: 502,
        message: 'Bad gateway today',
        is_transient: false,
        error_user_title: 'Oops',
        error_user_msg: 'Try later',
      },
      times: 1,
    });
    const overridden = await listJoinRequests();
    assert.equal(overridden.status, 502);
    assert.equal(overridden.body.error.message, 'Bad gateway today');
    assert.equal(overridden.body.error.is_transient, false);
    assert.equal(
      overridden.body['error'] && (overridden.body.error as Record<string, unknown>)['error_user_title'],
      'Oops',
    );
    await addFault({ error: { code: 987654, http_status: 418, message: 'Teapot' }, times: 1 });
    const unknown = await listJoinRequests();
    assert.equal(unknown.status, 418);
    assert.equal(unknown.body.error.code, 987654);
    assert.equal((await listJoinRequests()).status, 200, 'times: 1 each');
  });

  it('runs after check: a write refused by check reaches no fault (a read has no check: after authentication)', async () => {
    await addFault({ error: { code: 131000 } });
    const unknownGroup = await call('POST', `/${V}/Z3JvdXBub3RoZXJl/join_requests`, {
      messaging_product: 'whatsapp',
      join_requests: ['x'],
    });
    assert.equal(unknownGroup.status, 400);
    assert.equal(unknownGroup.body.error.code, 100);
    const badBody = await call('POST', `/${V}/${group.groupId}/join_requests`, {
      messaging_product: 'whatsapp',
    });
    assert.equal(badBody.body.error.code, 100);
    assert.equal((await listFaults())[0]?.hits, 0);
    const badToken = await h.app.inject({
      method: 'GET',
      url: `/${V}/${group.groupId}/join_requests`,
      headers: { authorization: 'Bearer nope' },
    });
    assert.equal(badToken.statusCode, 401, 'authentication comes first');
    assert.equal((await listFaults())[0]?.hits, 0);
    assert.equal((await listJoinRequests()).status, 500);
  });

  it('delays a call, then runs it', async () => {
    await addFault({ delay_ms: 150, match: { edge: 'join_requests' } });
    const started = performance.now();
    const answered = await listJoinRequests();
    assert.equal(answered.status, 200);
    assert.ok(performance.now() - started >= 140, 'held at least the delay');
  });

  it('matches on method, edge, group, business, phone number and the user concerned', async () => {
    const other = await h.createGroup(business, { subject: 'Other' });
    const [alice, bob] = [ALICE, BOB];
    const aliceRequest = await h.requestToJoin(alice, group);
    const bobRequest = await h.requestToJoin(bob, group);
    const rules: [Record<string, string>, boolean][] = [
      [{ method: 'POST' }, true],
      [{ method: 'DELETE' }, false],
      [{ edge: 'join_requests' }, true],
      [{ edge: 'participants' }, false],
      [{ group_id: group.groupId }, true],
      [{ group_id: other.groupId }, false],
      [{ waba_id: business.waba_id }, true],
      [{ waba_id: '999' }, false],
      [{ phone_number_id: business.phone_number_id }, true],
      [{ phone_number_id: '999' }, false],
      [{ wa_id: bob }, false],
      [{ wa_id: alice }, true],
    ];
    for (const [match, fires] of rules) {
      await h.control('DELETE', '/_groupgate/faults');
      await addFault({ match, error: { code: 131016 } });
      const answered = await approve([aliceRequest]);
      assert.equal(answered.status, fires ? 503 : 200, JSON.stringify(match));
      if (!fires) {
        // Undo for the next case: alice leaves and asks again.
        await h.control('POST', `/_groupgate/users/${alice}/leave`, { group_id: group.groupId });
        await h.requestToJoin(alice, group);
      }
    }
    assert.ok(bobRequest);
    await h.control('DELETE', '/_groupgate/faults');
    await addFault({ match: { edge: 'group' }, error: { code: 2 } });
    assert.equal((await call('GET', `/${V}/${group.groupId}`)).status, 503);
    assert.equal((await listJoinRequests()).status, 200);
  });

  it('honours times and after', async () => {
    await addFault({ error: { code: 2 }, after: 2, times: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await listJoinRequests()).status);
    assert.deepEqual(statuses, [200, 200, 503, 503, 200, 200]);
    const [rule] = await listFaults();
    assert.equal(rule?.matched, 6);
    assert.equal(rule?.hits, 2);
  });

  it('replays a seeded probability exactly, and shows the seed it drew', async () => {
    const run = async (rule: Record<string, unknown>) => {
      await h.control('DELETE', '/_groupgate/faults');
      await addFault(rule);
      const statuses: number[] = [];
      for (let i = 0; i < 24; i++) statuses.push((await listJoinRequests()).status);
      return statuses;
    };
    const first = await run({ error: { code: 2 }, probability: 0.5, seed: 42 });
    const again = await run({ error: { code: 2 }, probability: 0.5, seed: 42 });
    assert.deepEqual(again, first);
    assert.ok(first.includes(200) && first.includes(503), first.join());
    const other = await run({ error: { code: 2 }, probability: 0.5, seed: 7 });
    assert.notDeepEqual(other, first);
    const drawn = await run({ error: { code: 2 }, probability: 0.5 });
    const seed = (await listFaults())[0]?.seed;
    assert.equal(typeof seed, 'number');
    assert.deepEqual(await run({ error: { code: 2 }, probability: 0.5, seed }), drawn);
  });
});

describe('the X-Groupgate-Fault header', () => {
  afterEach(() => h.close());

  it('asks for an error, a delay or both, on one call', async () => {
    await setUp();
    const failed = await call('GET', `/${V}/${group.groupId}/join_requests`, undefined, {
      'x-groupgate-fault': 'error=130429',
    });
    assert.equal(failed.status, 429);
    assert.equal(failed.body.error.code, 130429);
    const subcode = await call('GET', `/${V}/${group.groupId}/join_requests`, undefined, {
      'x-groupgate-fault': 'delay=20; error=190; subcode=463',
    });
    assert.equal(subcode.status, 401);
    assert.equal(subcode.body.error.error_subcode, 463);
    const custom = await call('GET', `/${V}/${group.groupId}/join_requests`, undefined, {
      'x-groupgate-fault': 'error=555;http_status=599;message=Far%20away',
    });
    assert.equal(custom.status, 599);
    assert.equal(custom.body.error.message, 'Far away');
    assert.equal((await listJoinRequests()).status, 200, 'only that call');
    const bad = await call('GET', `/${V}/${group.groupId}/join_requests`, undefined, {
      'x-groupgate-fault': 'error=130429;network=reset',
    });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /X-Groupgate-Fault: give error or network, not both/);
    const unknownKey = await call('GET', `/${V}/${group.groupId}/join_requests`, undefined, {
      'x-groupgate-fault': 'boom=1',
    });
    assert.match(unknownKey.body.error.message, /unknown key "boom"/);
  });

  it('is ignored with --no-fault-header, while rules still apply', async () => {
    await setUp({ faultHeader: false });
    const ignored = await call('GET', `/${V}/${group.groupId}/join_requests`, undefined, {
      'x-groupgate-fault': 'error=130429',
    });
    assert.equal(ignored.status, 200);
    await addFault({ error: { code: 131000 } });
    assert.equal((await listJoinRequests()).status, 500);
  });
});

/** A raw HTTP call to a listening app: its status, or the error the connection ended with. */
function rawCall(
  port: number,
  method: string,
  path: string,
  token: string,
  json?: unknown,
  timeoutMs?: number,
): Promise<{ status?: number; error?: string }> {
  return new Promise((resolve) => {
    const payload = json === undefined ? undefined : JSON.stringify(json);
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers: {
          authorization: `Bearer ${token}`,
          ...(payload !== undefined && { 'content-type': 'application/json' }),
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode ?? 0 }));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    if (timeoutMs !== undefined) req.setTimeout(timeoutMs, () => req.destroy(new Error('client gave up')));
    req.end(payload);
  });
}

describe('network faults on a listening server', () => {
  let port: number;
  beforeEach(async () => {
    await setUp();
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    port = (h.app.server.address() as AddressInfo).port;
  });
  afterEach(() => h.close());

  it('reset cuts the connection before the call runs', async () => {
    await addFault({ network: 'reset', match: { method: 'POST' }, times: 1 });
    const alice = ALICE;
    const requestId = await h.requestToJoin(alice, group);
    const cut = await rawCall(port, 'POST', `/${V}/${group.groupId}/join_requests`, business.access_token, {
      messaging_product: 'whatsapp',
      join_requests: [requestId],
    });
    assert.equal(cut.status, undefined);
    assert.equal(cut.error, 'ECONNRESET');
    assert.deepEqual(await h.participants(group), [], 'nothing was applied');
  });

  it('drop_reply applies the call exactly once, then cuts the connection', async () => {
    await addFault({ network: 'drop_reply', match: { method: 'POST', edge: 'join_requests' }, times: 1 });
    const alice = ALICE;
    const requestId = await h.requestToJoin(alice, group);
    const body = { messaging_product: 'whatsapp', join_requests: [requestId] };
    const path = `/${V}/${group.groupId}/join_requests`;
    const lost = await rawCall(port, 'POST', path, business.access_token, body);
    assert.equal(lost.status, undefined, 'no answer');
    assert.ok(lost.error);
    assert.deepEqual(await h.participants(group), [alice], 'applied and committed');
    // The retry a client makes is the second decision on the same request: it is no longer pending.
    const retried = await approve([requestId]);
    assert.equal(retried.status, 200);
    assert.deepEqual(retried.body['approved_join_requests'], []);
    assert.deepEqual(await h.participants(group), [alice], 'applied once');
  });

  it('hang answers nothing until the client gives up, and does not hold up close()', async () => {
    await addFault({ network: 'hang', match: { method: 'GET' } });
    const path = `/${V}/${group.groupId}/join_requests`;
    const gaveUp = await rawCall(port, 'GET', path, business.access_token, undefined, 100);
    assert.equal(gaveUp.status, undefined);
    const pending = rawCall(port, 'GET', path, business.access_token);
    // Let the call reach the stage, then close the server with it hung.
    for (let i = 0; i < 50 && ((await listFaults())[0]?.hits ?? 0) < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await h.app.close();
    const ended = await pending;
    assert.equal(ended.status, undefined);
    assert.ok(ended.error);
  });
});

describe('webhook faults', () => {
  let receiver: WebhookReceiver;
  beforeEach(async () => {
    await setUp();
    receiver = await startWebhookReceiver({ appSecret: business.app_secret, verifyToken: 'v' });
    const set = await h.control('PUT', `/_groupgate/apps/${business.app_id}/webhook`, {
      callback_url: receiver.url,
      verify_token: 'v',
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));
  });
  afterEach(async () => {
    await h.close();
    await receiver.close();
  });

  async function eventually(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!(await check())) {
      if (Date.now() > deadline) assert.fail(`not seen in 5 s: ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  const types = () => receiver.events.map((event) => (event as { type: string }).type);

  it('delivers an event twice', async () => {
    await addFault({
      on: 'webhook',
      match: { event_type: 'group_join_request_created' },
      webhook: 'duplicate',
    });
    await h.requestToJoin(ALICE, group);
    await eventually(
      () => types().filter((t) => t === 'group_join_request_created').length === 2,
      'two copies',
    );
    const copies = receiver.received.filter((r) => r.raw.includes('group_join_request_created'));
    assert.equal(copies[0]?.raw, copies[1]?.raw, 'the same body');
  });

  it('drops an attempt as a timeout, and the retry delivers it', async () => {
    await addFault({
      on: 'webhook',
      match: { webhook_field: 'group_participants_update' },
      webhook: 'timeout',
      times: 1,
    });
    await h.requestToJoin(ALICE, group);
    type Detail = { state: string; attempt_log: { error: string | null; status_code: number | null }[] };
    let detail: { body: Detail } | undefined;
    await eventually(async () => {
      const log = await h.control<{ data: { id: number; type: string }[] }>(
        'GET',
        '/_groupgate/webhooks/deliveries',
      );
      const event = log.body.data.find((e) => e.type === 'group_join_request_created');
      if (event === undefined) return false;
      detail = await h.control<Detail>('GET', `/_groupgate/webhooks/deliveries/${event.id}`);
      return detail.body.state === 'delivered';
    }, 'the retried event delivered');
    assert.ok(detail);
    assert.match(detail.body.attempt_log[0]?.error ?? '', /timed out .*fault rule fault_\d+; not sent/);
    assert.equal(detail.body.attempt_log[1]?.status_code, 200);
    assert.equal(types().filter((t) => t === 'group_join_request_created').length, 1, 'sent once');
  });

  it('delays an event: later events of the group overtake it', async () => {
    await addFault({
      on: 'webhook',
      match: { event_type: 'group_join_request_created' },
      delay_ms: 1500,
      times: 1,
    });
    const alice = ALICE;
    await h.requestToJoin(alice, group);
    await h.control('POST', `/_groupgate/users/${alice}/cancel_join`, { group_id: group.groupId });
    await eventually(() => types().includes('group_join_request_created'), 'the delayed event');
    const order = types().filter((t) => t.startsWith('group_join_request'));
    assert.deepEqual(order, ['group_join_request_revoked', 'group_join_request_created']);
  });

  it('drops a delayed event that a reset took away meanwhile', async () => {
    await addFault({
      on: 'webhook',
      match: { event_type: 'group_join_request_created' },
      delay_ms: 300,
      times: 1,
    });
    await h.requestToJoin(ALICE, group);
    await eventually(async () => {
      const log = await h.control<{ data: { state: string }[] }>('GET', '/_groupgate/webhooks/deliveries');
      return log.body.data.some((e) => e.state === 'skipped');
    }, 'the event held back');
    assert.equal((await h.control('POST', '/_groupgate/reset')).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.ok(!types().includes('group_join_request_created'), 'nothing sent for a business that is gone');
  });
});
