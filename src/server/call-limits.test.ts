/**
 * Rate limits per business over HTTP: the control routes that set them, and the calls they refuse — Graph's call
 * budgets per WABA (80007) and per app (4), and Meta's 131208 on group operations — with the usage headers, on the
 * harness's manual clock (`h.now`), so that every window is checked by the second.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { BusinessLimitsState } from '@groupgate/sdk/contract';
import { Harness, V, type Business, type Group } from '../testing/harness.js';
import type { AppConfig } from './app.js';

let h: Harness;
let business: Business;
let group: Group;

async function setUp(config: Partial<AppConfig> = {}) {
  h = await Harness.start({ config });
  business = await h.createBusiness();
  group = await h.createGroup(business, { subject: 'Limits', mode: 'approval_required' });
}
afterEach(() => h.close());

type ErrorBody = {
  error: {
    code: number;
    message: string;
    error_subcode?: number;
    is_transient?: boolean;
    error_data?: { details: string };
  };
};

const limitsUrl = (wabaId = business.waba_id) => `/_groupgate/businesses/${wabaId}/limits`;

async function setLimits(body: unknown) {
  const res = await h.control<BusinessLimitsState>('PUT', limitsUrl(), body);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

/** A read: the call budgets count it, the group-operations limit does not. */
const read = () =>
  h.graph<ErrorBody>({
    method: 'GET',
    url: `/${V}/${group.groupId}?fields=subject`,
    token: business.access_token,
  });

/** A group operation: a settings update. */
const rename = (subject: string) =>
  h.graph<ErrorBody>({
    method: 'POST',
    url: `/${V}/${group.groupId}`,
    token: business.access_token,
    json: { messaging_product: 'whatsapp', subject },
  });

function usageOf(headers: Record<string, unknown>): Record<string, number | string> {
  const parsed = JSON.parse(String(headers['x-business-use-case-usage'])) as Record<
    string,
    [Record<string, number | string>]
  >;
  const entry = parsed[business.waba_id]?.[0];
  assert.ok(entry, 'an entry for the WABA');
  return entry;
}

describe('limits control routes', () => {
  it('are off by default, and show the server default for group operations', async () => {
    await setUp();
    assert.deepEqual((await h.control('GET', limitsUrl())).body, {
      waba_id: business.waba_id,
      group_operations: null,
      waba_calls: null,
      app_calls: null,
    });
    await h.close();
    await setUp({ groupRateLimit: { operations: 30, windowSeconds: 60 } });
    const state = (await h.control<BusinessLimitsState>('GET', limitsUrl())).body;
    assert.deepEqual(state.group_operations, {
      max: 30,
      per_seconds: 60,
      set_by: 'server',
      used: 1,
      regain_at: null,
    });
  });

  it('replace the settings: left out takes the default, null turns off, {} goes back', async () => {
    await setUp({ groupRateLimit: { operations: 30, windowSeconds: 60 } });
    const state = await setLimits({ group_operations: null, waba_calls: { max: 5, per_seconds: 10 } });
    assert.deepEqual(state, {
      waba_id: business.waba_id,
      group_operations: null,
      waba_calls: { max: 5, per_seconds: 10, set_by: 'business', used: 0, regain_at: null },
      app_calls: null,
    });
    const again = await setLimits({ app_calls: { max: 2, per_seconds: 60 } });
    assert.equal(again.waba_calls, null, 'PUT replaces');
    assert.equal(again.group_operations?.set_by, 'server');
    assert.equal(again.app_calls?.max, 2);
    assert.deepEqual(await setLimits({}), (await h.control('GET', limitsUrl())).body);
  });

  it('refuse bad settings, unknown businesses and callers without the admin token', async () => {
    await setUp();
    const bad: unknown[] = [
      { waba_calls: { max: 0, per_seconds: 60 } },
      { waba_calls: { max: 1.5, per_seconds: 60 } },
      { waba_calls: { max: 5, per_seconds: '60' } },
      { waba_calls: { max: 5 } },
      { waba_calls: { max: 5, per_seconds: 86_401 } },
      { waba_calls: { max: 5, per_seconds: 60, burst: 2 } },
      { waba_calls: 5 },
      { messages: { max: 5, per_seconds: 60 } },
      [],
    ];
    for (const body of bad) {
      const res = await h.control<ErrorBody>('PUT', limitsUrl(), body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.code, 100, JSON.stringify(body));
    }
    const unknown = await h.control<ErrorBody>('PUT', limitsUrl('123'), {});
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.message, 'No business with WABA id 123.');
    assert.equal((await h.control('GET', limitsUrl('123'))).status, 404);
    const anonymous = await h.app.inject({ method: 'GET', url: limitsUrl() });
    assert.equal(anonymous.statusCode, 401);
  });
});

describe('the WABA call budget (80007)', () => {
  it('counts every call in a sliding window and refuses with 429 while it is full', async () => {
    await setUp();
    await setLimits({ waba_calls: { max: 3, per_seconds: 60 } });
    const t = h.now;
    const first = await read();
    assert.equal(first.status, 200);
    assert.deepEqual(usageOf(first.headers), {
      type: 'whatsapp_business_management',
      call_count: 33,
      total_cputime: 33,
      total_time: 33,
      estimated_time_to_regain_access: 0,
    });
    h.now = t + 30;
    assert.equal((await rename('A')).status, 200, 'writes count too');
    const last = await read();
    assert.equal(last.status, 200);
    assert.equal(usageOf(last.headers)['call_count'], 100);
    const refused = await read();
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error.code, 80007);
    assert.equal(refused.body.error.error_subcode, 2446079);
    assert.equal(refused.body.error.is_transient, true);
    assert.equal(refused.body.error.message, 'Business request limit reached for WhatsApp Business Account');
    assert.match(refused.body.error.error_data?.details ?? '', /Try again in 30 seconds/);
    assert.equal(usageOf(refused.headers)['estimated_time_to_regain_access'], 1);
    h.now = t + 59;
    assert.equal((await read()).status, 429, 'no fixed window rolls over');
    h.now = t + 60;
    assert.equal((await read()).status, 200, 'the first call has left the window');
    assert.equal((await read()).status, 429);
    const state = (await h.control<BusinessLimitsState>('GET', limitsUrl())).body;
    assert.deepEqual(state.waba_calls, {
      max: 3,
      per_seconds: 60,
      set_by: 'business',
      used: 3,
      regain_at: t + 90,
    });
  });

  it('does not count a write refused by its check (a bad input, an unknown group); a read counts whatever it answers', async () => {
    await setUp();
    await setLimits({ waba_calls: { max: 2, per_seconds: 60 } });
    assert.equal((await rename(' ')).status, 400);
    const unknown = await h.graph<ErrorBody>({
      method: 'DELETE',
      url: `/${V}/${group.groupId}x`,
      token: business.access_token,
    });
    assert.equal(unknown.body.error.error_subcode, 33);
    const unknownRead = await h.graph<ErrorBody>({
      method: 'GET',
      url: `/${V}/${group.groupId}x`,
      token: business.access_token,
    });
    assert.equal(unknownRead.body.error.error_subcode, 33);
    assert.equal((await read()).status, 200);
    assert.equal((await read()).status, 429);
    const uncounted = await rename(' ');
    assert.equal(uncounted.status, 400);
    assert.equal(usageOf(uncounted.headers)['call_count'], 100, 'an uncounted call reports the window too');
    assert.equal(usageOf(uncounted.headers)['estimated_time_to_regain_access'], 1);
  });

  it('keeps its usage header as before for a business without a budget', async () => {
    await setUp();
    const res = await read();
    assert.equal(usageOf(res.headers)['call_count'], 0);
    assert.equal(res.headers['x-app-usage'], undefined);
  });
});

describe('the app call budget (4)', () => {
  it('refuses with code 4 and reports x-app-usage; it is named before the WABA budget', async () => {
    await setUp();
    await setLimits({ app_calls: { max: 2, per_seconds: 10 }, waba_calls: { max: 2, per_seconds: 3600 } });
    const first = await read();
    assert.deepEqual(JSON.parse(String(first.headers['x-app-usage'])), {
      call_count: 50,
      total_cputime: 50,
      total_time: 50,
    });
    assert.equal((await read()).status, 200);
    const refused = await read();
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error.code, 4);
    assert.equal(refused.body.error.message, 'Application request limit reached');
    h.now += 10;
    const wabaRefused = await read();
    assert.equal(wabaRefused.body.error.code, 80007, 'the app has room again, the WABA has not');
    assert.equal(usageOf(wabaRefused.headers)['estimated_time_to_regain_access'], 60);
  });
});

describe('the group-operations limit (131208)', () => {
  it("counts only group operations, per business, overriding the server's default", async () => {
    await setUp({ groupRateLimit: { operations: 100, windowSeconds: 60 } });
    await setLimits({ group_operations: { max: 2, per_seconds: 60 } });
    assert.equal((await rename('A')).status, 200);
    assert.equal((await read()).status, 200, 'reads are no group operations');
    assert.equal((await rename('B')).status, 200);
    const refused = await rename('C');
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error.code, 131208);
    assert.equal(refused.headers['retry-after'], '60');
    h.now += 60;
    assert.equal((await rename('D')).status, 200);

    const other = await h.createBusiness();
    assert.equal(
      (await h.control<BusinessLimitsState>('GET', limitsUrl(other.waba_id))).body.group_operations?.max,
      100,
      'another business keeps the default',
    );
  });

  it('is turned off by null, even with a server default', async () => {
    await setUp({ groupRateLimit: { operations: 1, windowSeconds: 60 } });
    await setLimits({ group_operations: null });
    for (const subject of ['A', 'B', 'C']) assert.equal((await rename(subject)).status, 200);
  });
});

describe('reset', () => {
  it('drops the limits with the businesses', async () => {
    await setUp();
    await setLimits({ waba_calls: { max: 1, per_seconds: 60 } });
    assert.equal((await h.control('POST', '/_groupgate/reset')).status, 200);
    assert.equal((await h.control('GET', limitsUrl())).status, 404);
  });
});
