/**
 * Bad input of every kind gets a Graph error envelope with the right status and code — never a 500, a hang, or a
 * half-applied call. Each case also passes through the harness's checks (GraphAPIError schema, x-fb-trace-id
 * equal to fbtrace_id).
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Harness, V, waIds, type Business, type Group } from '../../testing/harness.js';

interface ErrorBody {
  error: {
    message: string;
    type: string;
    code: number;
    error_subcode?: number;
    error_data?: { details: string };
    fbtrace_id: string;
  };
}

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
  for (const waId of waIds(2)) ids.push(await h.requestToJoin(waId, group));
});
afterEach(() => h.close());

async function expectError(
  call: Parameters<Harness['graph']>[0],
  status: number,
  code: number,
  message?: RegExp | string,
): Promise<ErrorBody['error']> {
  const res = await h.graph<ErrorBody>(call);
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.error.code, code, JSON.stringify(res.body));
  if (typeof message === 'string') assert.equal(res.body.error.message, message);
  else if (message !== undefined) assert.match(res.body.error.message, message);
  return res.body.error;
}

async function assertNothingDecided(): Promise<void> {
  const page = await h.graph<{ data: { join_request_id: string }[] }>({
    method: 'GET',
    url,
    token: business.access_token,
  });
  assert.deepEqual(
    page.body.data.map((r) => r.join_request_id),
    ids,
    'a refused call changes nothing',
  );
}

describe('authentication', () => {
  it('answers a call without a token with 104', async () => {
    const res = await h.app.inject({ method: 'GET', url });
    assert.equal(res.statusCode, 401);
    assert.match(String(res.headers['www-authenticate']), /^OAuth "Facebook Platform" "invalid_request"/);
    await expectError(
      { method: 'GET', url, token: null },
      401,
      104,
      'An access token is required to request this resource.',
    );
  });

  it('answers an unknown or malformed token with 190', async () => {
    await expectError({ method: 'GET', url, token: 'EAAGnope' }, 401, 190, /^Invalid OAuth access token/);
    await expectError(
      { method: 'GET', url, token: null, headers: { authorization: 'Basic Zm9vOmJhcg==' } },
      401,
      190,
    );
  });

  it('answers a revoked token with 190 subcode 467', async () => {
    const revoke = await h.control('DELETE', `/_groupgate/tokens/${business.access_token}`);
    assert.equal(revoke.status, 200);
    const error = await expectError({ method: 'GET', url, token: business.access_token }, 401, 190);
    assert.equal(error.error_subcode, 467);
  });

  it('answers an expired token with 190 subcode 463 and Graph-style dates', async () => {
    const issued = await h.control<{ access_token: string }>(
      'POST',
      `/_groupgate/businesses/${business.waba_id}/tokens`,
      {
        expires_in: 60,
      },
    );
    assert.equal((await h.graph({ method: 'GET', url, token: issued.body.access_token })).status, 200);
    h.now += 61;
    const error = await expectError({ method: 'GET', url, token: issued.body.access_token }, 401, 190);
    assert.equal(error.error_subcode, 463);
    assert.match(
      error.message,
      /^Error validating access token: Session has expired on \w+day, \d\d-\w{3}-\d\d \d\d:\d\d:\d\d UTC\./,
    );
  });
});

describe('Graph headers', () => {
  it('reports the business use-case usage as a JSON string keyed by WABA, counting calls in the hour', async () => {
    const usage = async () => {
      const res = await h.graph({ method: 'GET', url, token: business.access_token });
      return JSON.parse(String(res.headers['x-business-use-case-usage'])) as Record<
        string,
        {
          type: string;
          call_count: number;
          total_cputime: number;
          total_time: number;
          estimated_time_to_regain_access: number;
        }[]
      >;
    };
    const first = await usage();
    assert.deepEqual(Object.keys(first), [business.waba_id]);
    assert.deepEqual(first[business.waba_id]?.[0], {
      type: 'whatsapp_business_management',
      call_count: 0,
      total_cputime: 0,
      total_time: 0,
      estimated_time_to_regain_access: 0,
    });
    // 1% of the 5,000-an-hour quota is 50 calls.
    for (let i = 0; i < 50; i++) await h.graph({ method: 'GET', url, token: business.access_token });
    assert.equal((await usage())[business.waba_id]?.[0]?.call_count, 1);
  });

  it('sends no usage header when the caller is not authenticated', async () => {
    const res = await h.graph({ method: 'GET', url, token: null });
    assert.equal(res.headers['x-business-use-case-usage'], undefined);
    assert.equal(res.headers['facebook-api-version'], 'v23.0');
  });
});

describe('nodes and paths', () => {
  it("answers an unknown group, and another business's group, alike with 100 subcode 33", async () => {
    const other = await h.createBusiness('Other business');
    const otherGroup = await h.createGroup(other);
    for (const groupId of ['Y2FwaV9ncm91cDpub3BlZAD', otherGroup.groupId]) {
      const error = await expectError(
        { method: 'GET', url: `/${V}/${groupId}/join_requests`, token: business.access_token },
        400,
        100,
        `Unsupported get request. Object with ID '${groupId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
      );
      assert.equal(error.error_subcode, 33);
      assert.equal(error.type, 'GraphMethodException');
    }
    await expectError(
      {
        method: 'POST',
        url: `/${V}/${otherGroup.groupId}/join_requests`,
        token: business.access_token,
        json: { messaging_product: 'whatsapp', join_requests: ids },
      },
      400,
      100,
    );
  });

  it('answers a malformed version and an unknown edge with 2500 Unknown path components', async () => {
    await expectError(
      { method: 'GET', url: `/v3/${group.groupId}/join_requests`, token: business.access_token },
      400,
      2500,
      `Unknown path components: /${group.groupId}/join_requests`,
    );
    await expectError(
      { method: 'GET', url: `/v99.0/${group.groupId}/join_requests`, token: business.access_token },
      400,
      2500,
    );
    await expectError(
      { method: 'GET', url: `/${V}/${group.groupId}/join_request`, token: business.access_token },
      400,
      2500,
      'Unknown path components: /join_request',
    );
  });

  it('serves a retired version as the oldest one available on the day and says so in facebook-api-version', async () => {
    // The harness's clock reads 2026-09-21: v19.0 retired on May 21 2026, v20.0 is served until Sep 24.
    for (const retired of ['v2.8', 'v19.0']) {
      const res = await h.graph({
        method: 'GET',
        url: `/${retired}/${group.groupId}/join_requests`,
        token: business.access_token,
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers['facebook-api-version'], 'v20.0');
    }
    h.now = Date.parse('2026-09-25T00:00:00Z') / 1000;
    const later = await h.graph({
      method: 'GET',
      url: `/v2.8/${group.groupId}/join_requests`,
      token: business.access_token,
    });
    assert.equal(later.headers['facebook-api-version'], 'v21.0');
  });

  it('answers a URL with malformed percent-encoding with 100, in the Graph envelope', async () => {
    await expectError(
      { method: 'GET', url: `/${V}/%E0%A4%A/join_requests`, token: business.access_token },
      400,
      100,
      '(#100) The request URL is not valid: it holds malformed percent-encoding',
    );
  });

  it('answers an id longer than any real one as an object that does not exist', async () => {
    const error = await expectError(
      { method: 'GET', url: `/${V}/${'A'.repeat(2000)}/join_requests`, token: business.access_token },
      400,
      100,
    );
    assert.equal(error.error_subcode, 33);
    assert.ok(error.message.length < 400, 'the id is truncated in the message');
  });

  it('answers the bare root with 2500', async () => {
    await expectError(
      { method: 'GET', url: '/', token: business.access_token },
      400,
      2500,
      'Unknown path components: /',
    );
  });

  it('answers a CORS preflight without a token', async () => {
    const res = await h.app.inject({
      method: 'OPTIONS',
      url,
      headers: {
        origin: 'http://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    assert.equal(res.statusCode, 204);
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.equal(res.headers['access-control-allow-headers'], 'authorization,content-type');
    assert.match(String(res.headers['access-control-allow-methods']), /POST/);
  });

  it('lets a browser PUT to the control API, which takes PUT, and not to Graph, which does not', async () => {
    const preflight = (path: string) =>
      h.app.inject({
        method: 'OPTIONS',
        url: path,
        headers: { origin: 'http://app.example', 'access-control-request-method': 'PUT' },
      });
    assert.match(
      String((await preflight('/_groupgate/state')).headers['access-control-allow-methods']),
      /PUT/,
    );
    assert.doesNotMatch(String((await preflight(url)).headers['access-control-allow-methods']), /PUT/);
  });

  it('answers an unsupported method with 100 "Unsupported put request."', async () => {
    await expectError(
      { method: 'PUT', url, token: business.access_token, json: {} },
      400,
      100,
      'Unsupported put request.',
    );
    await expectError(
      { method: 'POST', url: `${url}?method=patch`, token: business.access_token },
      400,
      100,
      /^\(#100\) Param method must be one of/,
    );
  });
});

describe('bodies', () => {
  it("answers malformed JSON with 100, in Meta's words, and changes nothing", async () => {
    const error = await expectError(
      {
        method: 'POST',
        url,
        token: business.access_token,
        raw: { body: '{"messaging_product":', contentType: 'application/json' },
      },
      400,
      100,
      '(#100) Invalid JSON in request body',
    );
    assert.match(error.error_data?.details ?? '', /^The request body is not valid JSON: /);
    await assertNothingDecided();
  });

  it('refuses a JSON body with a key that could reach a prototype, saying so', async () => {
    for (const body of [
      '{"messaging_product":"whatsapp","__proto__":{"x":1}}',
      '{"messaging_product":"whatsapp","join_requests":[],"constructor":{"prototype":{"x":1}}}',
    ]) {
      await expectError(
        { method: 'POST', url, token: business.access_token, raw: { body, contentType: 'application/json' } },
        400,
        100,
        /^\(#100\) The JSON body holds a "__proto__" key, or a "constructor" key holding "prototype"/,
      );
    }
    await assertNothingDecided();
  });

  it('answers a JSON body that is not an object with 100', async () => {
    await expectError(
      { method: 'POST', url, token: business.access_token, json: ids },
      400,
      100,
      /must be a JSON object/,
    );
  });

  it('answers an unsupported content type with 100', async () => {
    await expectError(
      {
        method: 'POST',
        url,
        token: business.access_token,
        raw: { body: 'join_requests', contentType: 'text/plain' },
      },
      400,
      100,
      '(#100) Unsupported Content-Type: text/plain',
    );
  });

  it('answers a multipart body without a boundary with 100 on every path, before authentication', async () => {
    const paths = ['', '/join_requests', '/invite_link', '/participants'].map(
      (edge) => `/${V}/${group.groupId}${edge}`,
    );
    for (const path of [...paths, `/${V}/${business.phone_number_id}/groups`]) {
      for (const contentType of ['multipart/form-data', 'multipart/form-data; charset=utf-8']) {
        await expectError(
          {
            method: 'POST',
            url: path,
            token: null,
            raw: { body: 'messaging_product=whatsapp', contentType },
          },
          400,
          100,
          '(#100) The multipart/form-data body cannot be read (Multipart: Boundary not found)',
        );
      }
    }
    await assertNothingDecided();
  });

  it('refuses a multipart body cut off before its closing boundary, storing none of its fields', async () => {
    const token = business.access_token;
    const node = `/${V}/${group.groupId}`;
    const info = async () =>
      (await h.graph({ method: 'GET', url: `${node}?fields=subject,description`, token })).body;
    const before = await info();
    const part = (name: string, value: string) =>
      `--abc\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}`;
    const parts = [
      part('messaging_product', 'whatsapp'),
      part('subject', 'trunc4'),
      part('description', 'after'),
    ];
    const contentType = 'multipart/form-data; boundary=abc';
    for (const body of [
      parts.join('\r\n'),
      `${parts.join('\r\n')}\r\n`,
      `${parts.join('\r\n')}\r\n--abc`,
      `${parts.join('\r\n')}\r\n--abc-`,
    ]) {
      await expectError(
        { method: 'POST', url: node, token, raw: { body, contentType } },
        400,
        100,
        '(#100) The multipart/form-data body cannot be read (it ends before its closing boundary: a part may be lost)',
      );
    }
    assert.deepEqual(await info(), before);
    // The same body, closed, is read whole (with or without an epilogue, with a quoted boundary).
    for (const [body, type] of [
      [`${parts.join('\r\n')}\r\n--abc--`, contentType],
      [`${parts.join('\r\n')}\r\n--abc--\r\nepilogue`, 'multipart/form-data; boundary="abc"'],
    ] as const) {
      const res = await h.graph({ method: 'POST', url: node, token, raw: { body, contentType: type } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
    assert.deepEqual(await info(), { ...before, subject: 'trunc4', description: 'after' });
  });

  it('finds a closing boundary split between two chunks of the body', async () => {
    const address = await h.app.listen({ port: 0, host: '127.0.0.1' });
    const body =
      '--abc\r\nContent-Disposition: form-data; name="messaging_product"\r\n\r\nwhatsapp\r\n' +
      '--abc\r\nContent-Disposition: form-data; name="subject"\r\n\r\nSplit\r\n--abc--\r\n';
    const cut = body.indexOf('--abc--') + 4;
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${address}/${V}/${group.groupId}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${business.access_token}`,
          'content-type': 'multipart/form-data; boundary=abc',
          'content-length': Buffer.byteLength(body),
        },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(body.slice(0, cut));
      setTimeout(() => req.end(body.slice(cut)), 50);
    });
    assert.equal(status, 200);
    const info = await h.graph<{ subject: string }>({
      method: 'GET',
      url: `/${V}/${group.groupId}?fields=subject`,
      token: business.access_token,
    });
    assert.equal(info.body.subject, 'Split');
  });

  it('refuses a body declared in a charset other than UTF-8, and reads one declared UTF-8', async () => {
    const token = business.access_token;
    const json = JSON.stringify({ messaging_product: 'whatsapp', join_requests: ids });
    for (const [body, contentType] of [
      [Buffer.from(json, 'utf16le'), 'application/json; charset=utf-16'],
      [json, 'application/json; charset=utf-16'],
      [
        `messaging_product=whatsapp&join_requests=${encodeURIComponent(JSON.stringify(ids))}`,
        'application/x-www-form-urlencoded; charset=ISO-8859-1',
      ],
    ] as const) {
      await expectError(
        { method: 'POST', url, token, raw: { body, contentType } },
        400,
        100,
        `(#100) Unsupported Content-Type: ${contentType}`,
      );
    }
    await assertNothingDecided();
    const approved = await h.graph({
      method: 'POST',
      url,
      token,
      raw: { body: json, contentType: 'application/json; charset="UTF-8"' },
    });
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
  });

  it('refuses U+0000 in the path, the query or the body with 100, on either backend', async () => {
    const token = business.access_token;
    const nul = (where: string) => `(#100) Param ${where} must not contain the NUL character (U+0000)`;
    await expectError(
      { method: 'GET', url: `/${V}/%00`, token },
      400,
      100,
      '(#100) The request path must not contain the NUL character (%00)',
    );
    await expectError({ method: 'GET', url: `${url}?after=%00`, token }, 400, 100, nul('after'));
    await expectError(
      {
        method: 'POST',
        url,
        token,
        json: { messaging_product: 'whatsapp', join_requests: [ids[0], 'x\u0000'] },
      },
      400,
      100,
      nul('join_requests[1]'),
    );
    await assertNothingDecided();
  });

  it('refuses text that is not well-formed UTF-8 with 100 naming the parameter, storing nothing', async () => {
    const token = business.access_token;
    const node = `/${V}/${group.groupId}`;
    const subjectOf = async () =>
      (await h.graph<{ subject: string }>({ method: 'GET', url: `${node}?fields=subject`, token })).body
        .subject;
    const before = await subjectOf();
    const illFormed = (where: string) =>
      `(#100) Param ${where} must be well-formed UTF-8 text (it holds bytes that are not UTF-8, or a lone surrogate)`;
    const notUtf8Body = '(#100) The request body is not valid UTF-8 text';
    const bytes = (...parts: (string | number[])[]) =>
      Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
    const multipart = (value: Buffer) =>
      bytes(
        '--b\r\nContent-Disposition: form-data; name="messaging_product"\r\n\r\nwhatsapp\r\n',
        '--b\r\nContent-Disposition: form-data; name="subject"\r\n\r\n',
        [...value],
        '\r\n--b--\r\n',
      );
    const refused: [Parameters<Harness['graph']>[0], string][] = [
      // A lone surrogate, escaped in JSON: SQLite stored it as three U+FFFD, PostgreSQL as one.
      [
        { method: 'POST', url: node, token, json: { messaging_product: 'whatsapp', subject: 'a\ud800b' } },
        illFormed('subject'),
      ],
      // 128 of them passed the 128-character limit on SQLite (stored as 384 characters).
      [
        {
          method: 'POST',
          url: node,
          token,
          json: { messaging_product: 'whatsapp', subject: '\ud800'.repeat(128) },
        },
        illFormed('subject'),
      ],
      [
        {
          method: 'POST',
          url: node,
          token,
          raw: {
            body: bytes('{"messaging_product":"whatsapp","subject":"raw', [0xff, 0xfe], '"}'),
            contentType: 'application/json',
          },
        },
        notUtf8Body,
      ],
      [
        {
          method: 'POST',
          url: node,
          token,
          raw: {
            body: 'messaging_product=whatsapp&subject=%FF%FE',
            contentType: 'application/x-www-form-urlencoded',
          },
        },
        illFormed('subject'),
      ],
      [
        {
          method: 'POST',
          url: node,
          token,
          raw: {
            body: bytes('messaging_product=whatsapp&subject=', [0xc3]),
            contentType: 'application/x-www-form-urlencoded',
          },
        },
        notUtf8Body,
      ],
      // An encoded surrogate half (ED A0 80) is not UTF-8 either.
      [
        { method: 'POST', url: `${node}?subject=%ED%A0%80`, token, json: { messaging_product: 'whatsapp' } },
        illFormed('subject'),
      ],
      [
        {
          method: 'POST',
          url: node,
          token,
          raw: { body: multipart(Buffer.from([0x61, 0xff])), contentType: 'multipart/form-data; boundary=b' },
        },
        illFormed('subject'),
      ],
      [{ method: 'GET', url: `${url}?after=%FF`, token }, illFormed('after')],
      // A part typed application/json is parsed before it can be decoded: beyond ASCII it cannot be read reliably.
      [
        {
          method: 'POST',
          url: node,
          token,
          raw: {
            body: bytes(
              '--b\r\nContent-Disposition: form-data; name="messaging_product"\r\n\r\nwhatsapp\r\n',
              '--b\r\nContent-Disposition: form-data; name="subject"\r\nContent-Type: application/json\r\n\r\n"Café"\r\n--b--\r\n',
            ),
            contentType: 'multipart/form-data; boundary=b',
          },
        },
        '(#100) Param subject is a part typed application/json holding text beyond ASCII, which cannot be read reliably: send it as text',
      ],
      [
        {
          method: 'POST',
          url,
          token,
          json: { messaging_product: 'whatsapp', join_requests: [ids[0], 'x\udc00'] },
        },
        illFormed('join_requests[1]'),
      ],
    ];
    for (const [call, message] of refused) await expectError(call, 400, 100, message);
    assert.equal(await subjectOf(), before);
    await assertNothingDecided();

    // Text that is well-formed arrives as sent, by every encoding.
    const text = 'Café ☕ 🎉 ÿ';
    for (const call of [
      { form: { messaging_product: 'whatsapp', subject: text } },
      { multipart: { messaging_product: 'whatsapp', subject: text } },
      { raw: { body: multipart(Buffer.from(text)), contentType: 'multipart/form-data; boundary=b' } },
      { json: { messaging_product: 'whatsapp', subject: text } },
    ]) {
      await h.graph({
        method: 'POST',
        url: node,
        token,
        json: { messaging_product: 'whatsapp', subject: 'x' },
      });
      const res = await h.graph({ method: 'POST', url: node, token, ...call });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(await subjectOf(), text);
    }
  });

  it('answers an oversized body with 413 and changes nothing', async () => {
    const huge = { messaging_product: 'whatsapp', join_requests: ids, padding: 'x'.repeat(1024 * 1024) };
    await expectError(
      { method: 'POST', url, token: business.access_token, json: huge },
      413,
      100,
      /larger than/,
    );
    await assertNothingDecided();
  });

  it('requires messaging_product to be "whatsapp"', async () => {
    await expectError(
      { method: 'POST', url, token: business.access_token, json: { join_requests: ids } },
      400,
      100,
      '(#100) The parameter messaging_product is required',
    );
    await expectError(
      {
        method: 'POST',
        url,
        token: business.access_token,
        json: { messaging_product: 'sms', join_requests: ids },
      },
      400,
      100,
      '(#100) Param messaging_product must be one of {whatsapp}',
    );
    await assertNothingDecided();
  });

  const badJoinRequests: [string, unknown, string][] = [
    ['missing', undefined, '(#100) The parameter join_requests is required'],
    ['empty', [], '(#100) Param join_requests must be a non-empty array'],
    ['a string', 'MTY0', '(#100) Param join_requests must be an array'],
    ['an object', { id: 'x' }, '(#100) Param join_requests must be an array'],
    ['holding a number', ['x', 5], '(#100) Param join_requests[1] must be a string'],
    ['holding an empty string', [''], '(#100) Param join_requests[0] must be a non-empty string'],
    ['holding null', [null], '(#100) Param join_requests[0] must be a string'],
  ];
  for (const [name, value, message] of badJoinRequests) {
    it(`refuses join_requests ${name} with 100, deciding nothing`, async () => {
      const json =
        value === undefined
          ? { messaging_product: 'whatsapp' }
          : { messaging_product: 'whatsapp', join_requests: value };
      await expectError({ method: 'POST', url, token: business.access_token, json }, 400, 100, message);
      await expectError({ method: 'DELETE', url, token: business.access_token, json }, 400, 100, message);
      await assertNothingDecided();
    });
  }

  it('refuses a form join_requests that is not JSON', async () => {
    await expectError(
      {
        method: 'POST',
        url,
        token: business.access_token,
        form: { messaging_product: 'whatsapp', join_requests: 'abc,def' },
      },
      400,
      100,
      '(#100) Param join_requests must be an array',
    );
  });

  it('takes 1,000 ids in one call and refuses 1,001 without deciding any', async () => {
    const many = [...ids, ...Array.from({ length: 998 }, (_, i) => `dW5rbm93bjo${i}`)];
    const ok = await h.graph<{ approved_join_requests: string[] }>({
      method: 'POST',
      url,
      token: business.access_token,
      json: { messaging_product: 'whatsapp', join_requests: many },
    });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body.approved_join_requests, ids);

    const more = await h.requestToJoin('16505559999', group);
    await expectError(
      {
        method: 'POST',
        url,
        token: business.access_token,
        json: { messaging_product: 'whatsapp', join_requests: [more, ...many, 'one-too-many'] },
      },
      400,
      100,
      '(#100) Param join_requests must contain at most 1000 items',
    );
    const page = await h.graph<{ data: { join_request_id: string }[] }>({
      method: 'GET',
      url,
      token: business.access_token,
    });
    assert.deepEqual(
      page.body.data.map((r) => r.join_request_id),
      [more],
    );
  });

  it('answers after and before together with 100', async () => {
    await expectError(
      { method: 'GET', url: `${url}?after=a&before=b`, token: business.access_token },
      400,
      100,
    );
  });
});
