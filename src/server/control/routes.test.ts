import assert from 'node:assert/strict';
import { bsuidFor } from '../../domain/users.js';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ADMIN_TOKEN, Harness, TEST_STORE, V, type Business, type Group } from '../../testing/harness.js';

let h: Harness;
let business: Business;
let group: Group;

beforeEach(async () => {
  h = await Harness.start();
  business = await h.createBusiness('Acme');
  group = await h.createGroup(business);
});
afterEach(() => h.close());

describe('control API', () => {
  it('answers health without a token', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/_groupgate/health' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok', store: TEST_STORE });
  });

  it('refuses every other call without the admin token, and with a business token', async () => {
    for (const authorization of [undefined, `Bearer ${business.access_token}`, `Bearer ${ADMIN_TOKEN}x`]) {
      const res = await h.app.inject({
        method: 'POST',
        url: '/_groupgate/businesses',
        payload: {},
        ...(authorization !== undefined && { headers: { authorization } }),
      });
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().error.type, 'GroupgateException');
      assert.equal(res.json().error.fbtrace_id, res.headers['x-fb-trace-id']);
    }
  });

  it('creates businesses with Graph-looking ids and a working token', async () => {
    assert.match(business.waba_id, /^[1-9]\d{14}$/);
    assert.match(business.phone_number_id, /^[1-9]\d{14}$/);
    assert.match(business.display_phone_number, /^\+1 555-01\d-\d{4}$/);
    assert.match(business.access_token, /^EAAG[A-Za-z0-9]+$/);
    assert.match(business.app_secret, /^[0-9a-f]{32}$/);
  });

  it('simulates users asking to join, idempotently while pending', async () => {
    const first = await h.control('POST', '/_groupgate/users/16505550001/join', {
      invite_link: group.inviteLink,
    });
    const again = await h.control('POST', '/_groupgate/users/16505550001/join', {
      invite_link: group.inviteLink,
    });
    assert.equal(first.body['status'], 'requested');
    assert.deepEqual(again.body, first.body);
  });

  it('adds users straight in on auto-approve groups, and refuses a second join as a conflict', async () => {
    const open = await h.createGroup(business, { mode: 'auto_approve' });
    const res = await h.control('POST', '/_groupgate/users/16505550001/join', {
      invite_link: open.inviteLink,
    });
    assert.deepEqual(res.body, { status: 'joined', user_id: bsuidFor(business.waba_id, '16505550001') });
    assert.deepEqual(await h.participants(open), ['16505550001']);
    const twice = await h.control<{ error: { message: string } }>(
      'POST',
      '/_groupgate/users/16505550001/join',
      {
        invite_link: open.inviteLink,
      },
    );
    assert.equal(twice.status, 409);
    assert.match(twice.body.error.message, /already a participant/);
    const list = await h.graph({
      method: 'GET',
      url: `/${V}/${open.groupId}/join_requests`,
      token: business.access_token,
    });
    assert.deepEqual(list.body, { data: [] }, 'auto-approve groups have no join requests');
  });

  it('refuses a dead invite link with 404 and a malformed wa_id with 400', async () => {
    const dead = await h.control<{ error: { message: string } }>(
      'POST',
      '/_groupgate/users/16505550001/join',
      {
        invite_link: 'https://chat.whatsapp.com/AAAAAAAAAAAAAAAAAAAAAA',
      },
    );
    assert.equal(dead.status, 404);
    assert.match(dead.body.error.message, /does not open any group/);
    const badUser = await h.control('POST', '/_groupgate/users/+1-650/join', {
      invite_link: group.inviteLink,
    });
    assert.equal(badUser.status, 400);
    const noLink = await h.control('POST', '/_groupgate/users/16505550001/join', {});
    assert.equal(noLink.status, 400);
  });

  it('lets a user cancel a pending request, and says 404 when there is none', async () => {
    const id = await h.requestToJoin('16505550001', group);
    const res = await h.control('POST', '/_groupgate/users/16505550001/cancel_join', {
      group_id: group.groupId,
    });
    assert.deepEqual(res.body, { status: 'cancelled', join_request_id: id });
    const again = await h.control('POST', '/_groupgate/users/16505550001/cancel_join', {
      group_id: group.groupId,
    });
    assert.equal(again.status, 404);
  });

  it('resets to an empty state', async () => {
    await h.requestToJoin('16505550001', group);
    assert.deepEqual((await h.control('POST', '/_groupgate/reset')).body, { success: true });
    const res = await h.graph<{ error: { code: number } }>({
      method: 'GET',
      url: `/${V}/${group.groupId}/join_requests`,
      token: business.access_token,
    });
    assert.equal(res.body.error.code, 190, 'tokens are gone too');
  });

  it('serves an OpenAPI document describing the control API only', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/_groupgate/openapi.json' });
    assert.equal(res.statusCode, 200);
    const doc = res.json() as { openapi: string; paths: Record<string, unknown> };
    assert.match(doc.openapi, /^3\./);
    // Every path is the control API's; openapi.test.ts checks the document against the routes one by one.
    assert.ok(Object.keys(doc.paths).every((path) => path.startsWith('/_groupgate/')));
    assert.ok(!Object.keys(doc.paths).some((path) => /^\/v\d/.test(path)), 'no Graph path');
  });

  it('answers an unknown control path with a 404 envelope', async () => {
    const res = await h.control<{ error: { code: number } }>('GET', '/_groupgate/nope');
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 100);
  });
});

describe('control API bad input', () => {
  type ControlError = { error: { type: string; code: number; message: string; fbtrace_id: string } };

  /** A raw control call with the admin token; every refusal is GroupgateException with the trace id. */
  async function refused(
    request: {
      method: 'GET' | 'POST' | 'PUT' | 'DELETE';
      url: string;
      payload?: string | Buffer;
      contentType?: string;
    },
    status: number,
    message: RegExp,
  ): Promise<void> {
    const res = await h.app.inject({
      method: request.method,
      url: request.url,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...(request.contentType !== undefined && { 'content-type': request.contentType }),
      },
      ...(request.payload !== undefined && { payload: request.payload }),
    });
    const body = res.json<ControlError>();
    assert.equal(res.statusCode, status, res.body);
    assert.equal(body.error.type, 'GroupgateException', res.body);
    assert.match(body.error.message, message);
    assert.equal(body.error.fbtrace_id, res.headers['x-fb-trace-id']);
  }

  it('refuses a callback URL fetch could not even build with 400, keeping no settings', async () => {
    for (const callbackUrl of ['http://', 'http://%zz', 'http://localhost:65536/hook', 'http://[::1/']) {
      await refused(
        {
          method: 'PUT',
          url: `/_groupgate/apps/${business.app_id}/webhook`,
          payload: JSON.stringify({ callback_url: callbackUrl, verify_token: 'token' }),
          contentType: 'application/json',
        },
        400,
        /^Param callback_url is not a valid URL/,
      );
    }
    await refused(
      {
        method: 'PUT',
        url: `/_groupgate/apps/${business.app_id}/webhook`,
        payload: JSON.stringify({ callback_url: 'http://user:pw@127.0.0.1:9/', verify_token: 'token' }),
        contentType: 'application/json',
      },
      400,
      /^Param callback_url must not carry credentials/,
    );
    const settings = await h.control('GET', `/_groupgate/apps/${business.app_id}/webhook`);
    assert.equal(settings.status, 404, 'nothing was stored');
  });

  it('types bad JSON, unsupported content types and unreadable bodies as control errors', async () => {
    const url = '/_groupgate/businesses';
    await refused({ method: 'POST', url, payload: '{"name":', contentType: 'application/json' }, 400, /JSON/);
    for (const contentType of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data',
      'multipart/form-data; boundary=x',
    ]) {
      await refused(
        { method: 'POST', url, payload: 'name=x', contentType },
        400,
        /^Unsupported Content-Type: /,
      );
    }
    await refused({ method: 'GET', url: '/_groupgate/groups/%zz' }, 400, /percent-encoding/);
  });

  it('answers a control route reached by a percent-encoded path as a control route', async () => {
    for (const url of ['/%5Fgroupgate/businesses', '/%5fgroupgate/businesses/', '/_groupgat%65/businesses']) {
      await refused(
        { method: 'POST', url, payload: '{bad', contentType: 'application/json' },
        400,
        /^Invalid JSON/,
      );
      await refused(
        { method: 'POST', url, payload: JSON.stringify({ name: 1 }), contentType: 'application/json' },
        400,
        /^Param name must be string$/,
      );
      await refused(
        { method: 'POST', url, payload: 'x', contentType: 'text/plain' },
        400,
        /^Unsupported Content-Type/,
      );
      await refused(
        { method: 'GET', url: url.replace('businesses', 'nothing-here') },
        404,
        /^No control API route/,
      );
    }
  });

  it('answers the no-token routes with a trailing slash or a percent-encoded path too', async () => {
    for (const url of [
      '/_groupgate/health/',
      '/_groupgate/health/live/',
      '/%5Fgroupgate/health',
      '/_groupgate/%68ealth/live',
      '/_groupgate/health/?probe=1',
    ]) {
      const res = await h.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
      assert.equal(res.json<{ status: string }>().status, 'ok');
    }
    const res = await h.app.inject({ method: 'GET', url: '/_groupgate/openapi.json/' });
    assert.equal(res.statusCode, 200, res.body);
    const guarded = await h.app.inject({ method: 'GET', url: '/_groupgate/health/../groups/x' });
    assert.equal(guarded.statusCode, 401, guarded.body);
  });

  it('answers a path segment longer than any id with its own 404, not Graph 100/33', async () => {
    await refused(
      { method: 'GET', url: `/_groupgate/groups/${'x'.repeat(2000)}` },
      404,
      /^No control API resource GET \/_groupgate\/groups\/x+…: a path segment is longer than any id\.$/,
    );
  });

  it('reads path and query integers in decimal digits only: 1e400 is not Infinity, 0x10 not 16', async () => {
    for (const url of [
      '/_groupgate/webhooks/deliveries?before=1e400',
      '/_groupgate/webhooks/deliveries?limit=0x10',
      '/_groupgate/webhooks/deliveries?before=%205',
      '/_groupgate/webhooks/deliveries/1e400',
    ]) {
      await refused({ method: 'GET', url }, 400, /^Param (before|limit|id) must be integer$/);
    }
  });

  it('refuses a body that is not a JSON object, even where the route takes none', async () => {
    for (const payload of ['1', 'null', '"x"', '[]']) {
      await refused(
        {
          method: 'DELETE',
          url: `/_groupgate/tokens/${business.access_token}`,
          payload,
          contentType: 'application/json',
        },
        400,
        /^The request body must be a JSON object\.$/,
      );
    }
    const still = await h.graph({
      method: 'GET',
      url: `/${V}/${group.groupId}`,
      token: business.access_token,
    });
    assert.equal(still.status, 200, 'the token was not revoked');
  });

  it('refuses null, a wrong type or an unknown property in a body, and creates nothing', async () => {
    const tokens = `/_groupgate/businesses/${business.waba_id}/tokens`;
    for (const [url, body, message] of [
      [tokens, { expires_in: null }, /^Param expires_in must be integer$/],
      [tokens, { expires_in: '60' }, /^Param expires_in must be integer$/],
      [tokens, { expires_in: 60, expire: 1 }, /^Param expire is not a parameter of this call$/],
      ['/_groupgate/businesses', { name: null }, /^Param name must be string$/],
      ['/_groupgate/businesses', { name: 42 }, /^Param name must be string$/],
      ['/_groupgate/users/16505550001/join', { invite_link: null }, /^Param invite_link must be string$/],
      ['/_groupgate/users/16505550001/join', { invite_link: [group.inviteLink] }, /must be string/],
      [
        '/_groupgate/simulations',
        { group_ids: [group.groupId], users: '3' },
        /^Param users must be integer$/,
      ],
    ] as const) {
      await refused(
        { method: 'POST', url, payload: JSON.stringify(body), contentType: 'application/json' },
        400,
        message,
      );
    }
    assert.deepEqual(await h.participants(group), []);
    const pending = await h.graph<{ data: unknown[] }>({
      method: 'GET',
      url: `/${V}/${group.groupId}/join_requests`,
      token: business.access_token,
    });
    assert.deepEqual(pending.body.data, [], 'no join request was made');
  });

  it('refuses a property a control route does not take, on every control route', async () => {
    type Operation = {
      requestBody?: { content: Record<string, { schema: { additionalProperties?: unknown } }> };
    };
    const document = (await h.app.inject({ method: 'GET', url: '/_groupgate/openapi.json' })).json<{
      paths: Record<string, Record<string, Operation>>;
    }>();
    const ids: Record<string, string> = {
      waba_id: business.waba_id,
      token: business.access_token,
      wa_id: '16505550001',
      group_id: group.groupId,
      id: '1',
      app_id: business.app_id,
    };
    let checked = 0;
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const url = path.replace(/\{(\w+)\}/g, (_, name: string) => ids[name] ?? name);
        const schema = operation.requestBody?.content['application/json']?.schema;
        if (schema !== undefined) {
          assert.equal(schema.additionalProperties, false, `${method} ${path} takes unknown properties`);
        } else if (method !== 'get') {
          await refused(
            {
              method: method.toUpperCase() as 'POST' | 'PUT' | 'DELETE',
              url,
              payload: JSON.stringify({ reason: 'spam' }),
              contentType: 'application/json',
            },
            400,
            /^Param reason is not a parameter of this call$/,
          );
        }
        checked += 1;
      }
    }
    assert.ok(checked >= 18, `only ${checked} control routes in the document`);
    // Nothing was done: the group is not suspended, the token works, nothing was reset.
    const info = await h.graph<{ suspended: boolean }>({
      method: 'GET',
      url: `/${V}/${group.groupId}?fields=suspended`,
      token: business.access_token,
    });
    assert.equal(info.status, 200, 'the token still works and the group is still there');
    assert.equal(info.body.suspended, false);
  });

  it('refuses text that is not well-formed UTF-8 naming the parameter, and creates nothing', async () => {
    const illFormed = (name: string) => new RegExp(`^Param ${name} must be well-formed UTF-8 text`);
    const json = (body: unknown) => ({ payload: JSON.stringify(body), contentType: 'application/json' });
    await refused(
      { method: 'POST', url: '/_groupgate/businesses', ...json({ name: 'a\ud800b' }) },
      400,
      illFormed('name'),
    );
    await refused(
      {
        method: 'POST',
        url: '/_groupgate/users/16505550001/join',
        ...json({ invite_link: `${group.inviteLink}\udfff` }),
      },
      400,
      illFormed('invite_link'),
    );
    await refused(
      { method: 'POST', url: '/_groupgate/users/16505550001/cancel_join', ...json({ group_id: '\ud800' }) },
      400,
      illFormed('group_id'),
    );
    await refused(
      {
        method: 'POST',
        url: '/_groupgate/businesses',
        payload: Buffer.from([...Buffer.from('{"name":"raw'), 0xff, 0xfe, ...Buffer.from('"}')]),
        contentType: 'application/json; charset=utf-8',
      },
      400,
      /^The request body is not valid UTF-8 text$/,
    );
    await refused(
      { method: 'GET', url: '/_groupgate/webhooks/deliveries?state=%FF' },
      400,
      illFormed('state'),
    );
    assert.equal(await h.store.findBusinessByName('a\ufffdb'), undefined);
    assert.equal(await h.store.findBusinessByName('a\ufffd\ufffd\ufffdb'), undefined);
    assert.deepEqual(await h.participants(group), []);
  });
});
