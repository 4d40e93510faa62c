/**
 * What a client gets below HTTP routing: requests Node's parser refuses, timeouts, pipelining, bodies refused by
 * their size, and the connection caps. Checked on a listening server over raw sockets (node:net), because inject()
 * bypasses the parser and the connection.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { AppConfig } from '../app.js';
import { ADMIN_TOKEN, Harness, V, waIds, type Business, type Group } from '../../testing/harness.js';

const execFileAsync = promisify(execFile);

interface Envelope {
  error: {
    message: string;
    type: string;
    code: number;
    fbtrace_id: string;
    is_transient?: boolean;
    error_data?: { details: string };
  };
}

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

async function listening(config: Partial<AppConfig> = {}): Promise<{ h: Harness; port: number }> {
  const h = await Harness.start({ config });
  const address = await h.app.listen({ port: 0, host: '127.0.0.1' });
  return { h, port: Number(new URL(address).port) };
}

/** A connection; `from` picks the client address (all of 127.0.0.0/8 is this machine). */
function open(port: number, from = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress: from }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Everything the server sends on one connection until it closes it (or `waitMs` pass). */
function readUntilClosed(socket: Socket, waitMs = 10_000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closed: false });
    }, waitMs);
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
  });
}

/** Splits what a connection carried into its responses (each with a Content-Length). */
function responsesIn(text: string): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = text;
  while (rest.startsWith('HTTP/1.1 ')) {
    const end = rest.indexOf('\r\n\r\n');
    const [statusLine = '', ...lines] = rest.slice(0, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    responses.push({
      status: Number(statusLine.split(' ')[1]),
      headers,
      body: rest.slice(end + 4, end + 4 + length),
    });
    rest = rest.slice(end + 4 + length);
  }
  assert.equal(rest, '', 'nothing but whole responses on the connection');
  return responses;
}

async function exchange(port: number, bytes: string, waitMs?: number, from?: string): Promise<RawResponse[]> {
  const socket = await open(port, from);
  const read = readUntilClosed(socket, waitMs);
  socket.write(bytes);
  return responsesIn((await read).text);
}

function assertEnvelope(response: RawResponse, status: number, type = 'OAuthException'): Envelope['error'] {
  assert.equal(response.status, status);
  assert.match(response.headers['content-type'] ?? '', /^application\/json/);
  const { error } = JSON.parse(response.body) as Envelope;
  assert.equal(error.type, type);
  assert.equal(typeof error.code, 'number');
  assert.equal(typeof error.message, 'string');
  assert.equal(error.fbtrace_id, response.headers['x-fb-trace-id']);
  if (type === 'OAuthException') assert.ok(response.headers['facebook-api-version'], 'facebook-api-version');
  return error;
}

describe('requests Node refuses before routing', () => {
  let h: Harness;
  let port: number;
  before(async () => ({ h, port } = await listening()));
  after(() => h.close());

  it('answers a URL over the header size limit with 431 and the Graph envelope', async () => {
    const res = await new Promise<RawResponse>((resolve, reject) => {
      const path = `/v23.0/x/join_requests?padding=${'a'.repeat(20_000)}`;
      const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers as Record<string, string>,
            body,
          }),
        );
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(assertEnvelope(res, 431).code, 100);
  });

  it('answers a malformed request line with 400 and the Graph envelope', async () => {
    const [res, ...more] = await exchange(port, 'GARBAGE\r\n\r\n');
    assert.ok(res);
    assert.match(assertEnvelope(res, 400).message, /not valid HTTP/);
    assert.equal(more.length, 0);
  });

  it('answers an HTTP/1.1 request without Host with 400 and the envelope, typed by the surface it asked', async () => {
    const [graph] = await exchange(port, `GET /${V}/123 HTTP/1.1\r\n\r\n`);
    assert.ok(graph);
    assert.match(assertEnvelope(graph, 400).message, /Host header/);
    const [control] = await exchange(port, 'GET /_groupgate/health HTTP/1.1\r\n\r\n');
    assert.ok(control);
    assertEnvelope(control, 400, 'GroupgateException');
  });

  it('answers a Host that is not a host[:port] with 400, so it never reaches a paging link', async () => {
    for (const host of [
      'a/b?x=',
      'evil.com@127.0.0.1',
      'a b',
      'a:99999',
      'a:',
      '[::1',
      '[not-v6]',
      '1.2.3.999',
      'a#b',
      'a%2fb',
      '',
    ]) {
      const [graph, ...more] = await exchange(
        port,
        `GET /${V}/123/join_requests HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
      );
      assert.ok(graph, host);
      assert.match(assertEnvelope(graph, 400).message, /Host header must be a host name/, host);
      assert.equal(more.length, 0);
      const [control] = await exchange(port, `GET /_groupgate/health HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
      assert.ok(control, host);
      assertEnvelope(control, 400, 'GroupgateException');
    }
  });

  it('serves a Host that is a name, an IPv4 or a bracketed IPv6 address, with or without a port', async () => {
    for (const host of ['localhost', 'gg.example.com:4004', '127.0.0.1:80', '[::1]:4004', 'my_host.local']) {
      const [res] = await exchange(
        port,
        `GET /_groupgate/health/live HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      );
      assert.equal(res?.status, 200, host);
    }
  });

  it('answers a request with two Host headers with 400, as RFC 9112 requires', async () => {
    const [res] = await exchange(port, `GET /${V}/123 HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n`);
    assert.ok(res);
    assert.match(assertEnvelope(res, 400).message, /one Host header/);
  });

  it('answers an Expect it does not support with 417 and the envelope', async () => {
    const [res] = await exchange(
      port,
      `POST /${V}/123/join_requests HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nContent-Length: 0\r\n\r\n`,
    );
    assert.ok(res);
    assert.match(assertEnvelope(res, 417).message, /Expect: teapot/);
  });

  it('answers a body with malformed chunked encoding with 400 and the envelope, once', async () => {
    const responses = await exchange(
      port,
      `POST /${V}/123/join_requests HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
        'Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\nzz\r\nmore garbage\r\n',
    );
    assert.equal(responses.length, 1);
    const [res] = responses;
    assert.ok(res);
    assert.match(assertEnvelope(res, 400).message, /body is not valid HTTP/);
  });

  it('types an error by the request that failed, not by the first one on the connection', async () => {
    const bad = (path: string) => `GET ${path} HTTP/1.1\r\nHost: a\r\nContent-Length: zz\r\n\r\n`;
    const good = (path: string) => `GET ${path} HTTP/1.1\r\nHost: a\r\n\r\n`;
    const lookalike = 'GET /_groupgate/health HTTP/1.1\r\n';
    const cases: [string, string, string][] = [
      [good('/_groupgate/health/live'), bad(`/${V}/x`), 'OAuthException'],
      [good(`/${V}/x`), bad('/_groupgate/health'), 'GroupgateException'],
      [good('/_groupgate/health/live'), 'NOT HTTP AT ALL\r\n\r\n', 'OAuthException'],
      ['', bad('/%5Fgroupgate/health'), 'GroupgateException'],
      ['', bad('/_groupgatex'), 'OAuthException'],
      // A body that holds what looks like a control-API request line.
      [
        `POST /${V}/1/join_requests HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\n` +
          `Content-Length: ${lookalike.length}\r\n\r\n${lookalike}`,
        bad(`/${V}/x`),
        'OAuthException',
      ],
    ];
    for (const [first, second, type] of cases) {
      const responses = await exchange(port, first + second);
      const refused = responses.at(-1);
      assert.ok(refused, second);
      assertEnvelope(refused, 400, type);
    }
  });

  it('types a malformed control-API request as the control API', async () => {
    const [res] = await exchange(port, 'GET /_groupgate/health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n');
    assert.ok(res);
    assertEnvelope(res, 400, 'GroupgateException');
  });
});

describe('pipelined requests', () => {
  let h: Harness;
  let port: number;
  let business: Business;
  let group: Group;
  before(async () => {
    ({ h, port } = await listening());
    business = await h.createBusiness();
    group = await h.createGroup(business);
  });
  after(() => h.close());

  it('answers every request in order, then the malformed one that follows them', async () => {
    const ids = [];
    for (const waId of waIds(2)) ids.push(await h.requestToJoin(waId, group));
    const auth = `Authorization: Bearer ${business.access_token}`;
    const reject = JSON.stringify({ messaging_product: 'whatsapp', join_requests: [ids[0]] });
    const responses = await exchange(
      port,
      `DELETE /${V}/${group.groupId}/join_requests HTTP/1.1\r\nHost: x\r\n${auth}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(reject)}\r\n\r\n${reject}` +
        `GET /${V}/${group.groupId}/join_requests HTTP/1.1\r\nHost: x\r\n${auth}\r\n\r\n` +
        'NOT HTTP AT ALL\r\n\r\n',
    );
    assert.deepEqual(
      responses.map((r) => r.status),
      [200, 200, 400],
    );
    const [rejected, listed, refused] = responses;
    assert.deepEqual(JSON.parse(rejected?.body ?? '').rejected_join_requests, [ids[0]]);
    assert.equal(
      (JSON.parse(listed?.body ?? '') as { data: unknown[] }).data.length,
      1,
      'a pipelined request is served after the one before it was applied',
    );
    assert.ok(refused);
    assertEnvelope(refused, 400);
    const pending = await h.graph<{ data: unknown[] }>({
      method: 'GET',
      url: `/${V}/${group.groupId}/join_requests`,
      token: business.access_token,
    });
    assert.equal(pending.body.data.length, 1, 'the rejection answered is the rejection applied');
  });
});

describe('a connection that closes after an answer', () => {
  let h: Harness;
  let port: number;
  before(async () => ({ h, port } = await listening()));
  after(() => h.close());

  it('does not apply a request pipelined after Connection: close, since it cannot answer it', async () => {
    const business = await h.createBusiness();
    const group = await h.createGroup(business);
    const ids = [];
    for (const waId of waIds(2, '4477009')) ids.push(await h.requestToJoin(waId, group));
    const reject = (id: string | undefined, close: boolean) => {
      const body = JSON.stringify({ messaging_product: 'whatsapp', join_requests: [id] });
      return (
        `DELETE /${V}/${group.groupId}/join_requests HTTP/1.1\r\nHost: x\r\n` +
        `Authorization: Bearer ${business.access_token}\r\n${close ? 'Connection: close\r\n' : ''}` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
      );
    };
    const responses = await exchange(port, reject(ids[0], true) + reject(ids[1], false));
    assert.deepEqual(
      responses.map((r) => r.status),
      [200],
    );
    const pending = await h.graph<{ data: { join_request_id: string }[] }>({
      method: 'GET',
      url: `/${V}/${group.groupId}/join_requests`,
      token: business.access_token,
    });
    assert.deepEqual(
      pending.body.data.map((item) => item.join_request_id),
      [ids[1]],
      'the unanswered rejection was not applied',
    );
  });
});

describe('a request that asks to upgrade the connection', () => {
  let h: Harness;
  let port: number;
  before(async () => ({ h, port } = await listening()));
  after(() => h.close());

  it('is answered as if Upgrade were absent, then the connection closes: nothing behind it hangs or is applied', async () => {
    const business = await h.createBusiness();
    const group = await h.createGroup(business);
    const id = await h.requestToJoin(waIds(1, '4477012')[0] ?? '', group);
    const body = JSON.stringify({ messaging_product: 'whatsapp', join_requests: [id] });
    const startedAt = Date.now();
    const responses = await exchange(
      port,
      'GET /_groupgate/health/live HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: foo\r\n\r\n' +
        `POST /${V}/${group.groupId}/join_requests HTTP/1.1\r\nHost: a\r\n` +
        `Authorization: Bearer ${business.access_token}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      5000,
    );
    assert.ok(Date.now() - startedAt < 3000, 'closed, not held until the keep-alive timeout');
    assert.deepEqual(
      responses.map((r) => [r.status, r.headers['connection']]),
      [[200, 'close']],
    );
    const pending = await h.graph<{ data: unknown[] }>({
      method: 'GET',
      url: `/${V}/${group.groupId}/join_requests`,
      token: business.access_token,
    });
    assert.equal(pending.body.data.length, 1, 'the unanswered approval was not applied');
  });

  it('keeps the connection when Upgrade comes without Connection: upgrade, which asks for nothing', async () => {
    const responses = await exchange(
      port,
      'GET /_groupgate/health/live HTTP/1.1\r\nHost: a\r\nUpgrade: foo\r\n\r\n' +
        'GET /_groupgate/health/live HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
      5000,
    );
    assert.deepEqual(
      responses.map((r) => r.status),
      [200, 200],
    );
  });
});

describe('a body refused by its declared length, with requests pipelined after it', () => {
  let h: Harness;
  let port: number;
  before(async () => ({ h, port } = await listening()));
  after(() => h.close());

  it('answers 413 and applies nothing sent after it on the connection, since it closes', async () => {
    const business = await h.createBusiness();
    const group = await h.createGroup(business);
    const [id] = [await h.requestToJoin(waIds(1, '4477008')[0] ?? '', group)];
    const auth = `Authorization: Bearer ${business.access_token}\r\n`;
    const tooLarge = 2 * 1024 * 1024;
    const reject = JSON.stringify({ messaging_product: 'whatsapp', join_requests: [id] });
    const responses = await exchange(
      port,
      `POST /${V}/${group.groupId}/join_requests HTTP/1.1\r\nHost: x\r\n${auth}` +
        `Content-Type: application/json\r\nContent-Length: ${tooLarge}\r\n\r\n${'a'.repeat(tooLarge)}` +
        `DELETE /${V}/${group.groupId}/join_requests HTTP/1.1\r\nHost: x\r\n${auth}` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(reject)}\r\n\r\n${reject}`,
    );
    assert.deepEqual(
      responses.map((r) => r.status),
      [413],
    );
    const pending = await h.graph<{ data: { join_request_id: string }[] }>({
      method: 'GET',
      url: `/${V}/${group.groupId}/join_requests`,
      token: business.access_token,
    });
    assert.deepEqual(
      pending.body.data.map((item) => item.join_request_id),
      [id],
      'the unanswered rejection was not applied',
    );
  });
});

describe('timeouts', () => {
  let h: Harness;
  let port: number;
  before(async () => ({ h, port } = await listening({ headersTimeoutMs: 500, requestTimeoutMs: 800 })));
  after(() => h.close());

  it('answers headers that never finish with 408 that says so, within the header timeout', async () => {
    const startedAt = Date.now();
    const [res] = await exchange(port, `GET /${V}/123 HTTP/1.1\r\nHost: x\r\n`, 5000);
    assert.ok(res);
    assert.match(assertEnvelope(res, 408).message, /headers did not arrive within 500 ms/);
    assert.ok(Date.now() - startedAt < 3000, 'answered long before the old 60 s');
  });

  it('closes a connection that never sends a byte within the header timeout, saying so', async () => {
    const startedAt = Date.now();
    const [res] = await exchange(port, '', 5000);
    assert.ok(res);
    assertEnvelope(res, 408);
    assert.ok(Date.now() - startedAt < 3000, 'an idle connection is not held');
  });

  it('answers a body that never arrives with 408, within the request timeout', async () => {
    const startedAt = Date.now();
    const [res, ...more] = await exchange(
      port,
      `POST /${V}/123/join_requests HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n`,
      5000,
    );
    assert.ok(res);
    assert.match(assertEnvelope(res, 408).message, /body did not arrive in full within 800 ms/);
    assert.equal(more.length, 0);
    assert.ok(Date.now() - startedAt < 3000, 'answered long before the old 60 s');
  });

  it('types a header timeout by the request whose headers did not arrive, however it was sent', async () => {
    for (const [bytes, type] of [
      ['GET /_groupgate/health HTTP/1.1\r\nHost: x\r\n', 'GroupgateException'],
      [
        `GET /${V}/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /_groupgate/health HTTP/1.1\r\nHost: x\r\n`,
        'GroupgateException',
      ],
      [`GET /_groupgate/health/live HTTP/1.1\r\nHost: x\r\n\r\nGET /${V}/1 HTTP/1.1\r\nHo`, 'OAuthException'],
    ] as const) {
      const refused = (await exchange(port, bytes, 5000)).at(-1);
      assert.ok(refused, bytes);
      assertEnvelope(refused, 408, type);
    }
    // The request line itself split over two writes.
    const socket = await open(port);
    const read = readUntilClosed(socket, 5000);
    socket.write('GET /_grou');
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.write('pgate/health HTTP/1.1\r\nHost: x\r\n');
    const [split] = responsesIn((await read).text);
    assert.ok(split);
    assertEnvelope(split, 408, 'GroupgateException');
  });

  it('types a control-API body timeout as the control API', async () => {
    const [res] = await exchange(
      port,
      `POST /_groupgate/businesses HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 10\r\n\r\n{',
      5000,
    );
    assert.ok(res);
    assertEnvelope(res, 408, 'GroupgateException');
  });
});

describe('a body over the limit', () => {
  let h: Harness;
  let port: number;
  before(async () => ({ h, port } = await listening()));
  after(() => h.close());

  it('lets fetch read the 413 envelope every time, instead of a reset connection', async () => {
    // The client runs in its own process: sharing this event loop with the server, it could never lose the race
    // between its upload and the server closing the connection, which reset about a quarter of tries.
    const client = `
      const body = Buffer.alloc(12 * 1024 * 1024, 'a');
      const outcomes = [];
      for (let attempt = 0; attempt < 20; attempt += 1) {
        try {
          const response = await fetch(process.argv[1], {
            method: 'POST', headers: { 'content-type': 'application/json' }, body,
          });
          const { error } = await response.json();
          outcomes.push(response.status + ' ' + error.message + ' ' + (error.fbtrace_id === response.headers.get('x-fb-trace-id')));
        } catch (error) {
          outcomes.push(String(error.cause?.code ?? error));
        }
      }
      console.log(JSON.stringify(outcomes));`;
    const { stdout } = await execFileAsync(process.execPath, [
      '--input-type=module',
      '-e',
      client,
      `http://127.0.0.1:${port}/${V}/123/join_requests`,
    ]);
    const outcomes = JSON.parse(stdout) as string[];
    assert.deepEqual(
      outcomes,
      outcomes.map(() => '413 (#100) Request body is larger than 1048576 bytes true'),
    );
  });
});

describe('Expect: 100-continue', () => {
  let h: Harness;
  let port: number;
  let business: Business;
  let group: Group;
  before(async () => {
    ({ h, port } = await listening());
    business = await h.createBusiness();
    group = await h.createGroup(business);
  });
  after(() => h.close());

  it('answers a body refused by its declared length with 413 alone, never inviting it with 100 Continue', async () => {
    const auth = {
      [`/${V}/${group.groupId}/join_requests`]: business.access_token,
      '/_groupgate/businesses': ADMIN_TOKEN,
    };
    for (const [path, token] of Object.entries(auth)) {
      const responses = await exchange(
        port,
        `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\n` +
          `Expect: 100-continue\r\nContent-Length: ${2 * 1024 * 1024}\r\n\r\n`,
        3000,
      );
      assert.deepEqual(
        responses.map((r) => r.status),
        [413],
        path,
      );
    }
  });

  it('invites a body it will read with 100 Continue, then answers it', async () => {
    const id = await h.requestToJoin(waIds(1, '4477011')[0] ?? '', group);
    const body = JSON.stringify({ messaging_product: 'whatsapp', join_requests: [id] });
    const socket = await open(port);
    const read = readUntilClosed(socket, 3000);
    socket.write(
      `DELETE /${V}/${group.groupId}/join_requests HTTP/1.1\r\nHost: x\r\nConnection: close\r\n` +
        `Authorization: Bearer ${business.access_token}\r\nContent-Type: application/json\r\n` +
        `Expect: 100-continue\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
    );
    await new Promise((resolve) => socket.once('data', resolve));
    socket.write(body);
    const responses = responsesIn((await read).text);
    assert.deepEqual(
      responses.map((r) => r.status),
      [100, 200],
    );
  });
});

describe('connection caps', () => {
  let h: Harness;
  let port: number;
  before(async () => ({ h, port } = await listening({ maxConnections: 6, maxConnectionsPerIp: 3 })));
  after(() => h.close());

  it('answers a connection past the per-address cap with 503 and the envelope, and serves again once one closes', async () => {
    const idle = await Promise.all([open(port), open(port), open(port)]);
    const [refused] = await exchange(port, `GET /${V}/123 HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.ok(refused);
    const error = assertEnvelope(refused, 503);
    assert.equal(error.code, 2);
    assert.equal(error.is_transient, true);
    assert.match(error.message, /Please retry your request later/);
    assert.match(error.error_data?.details ?? '', /maximum of 3 connections one client may open/);
    assert.equal(refused.headers['retry-after'], '1');
    const [control] = await exchange(port, 'GET /_groupgate/health HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.ok(control);
    assertEnvelope(control, 503, 'GroupgateException');

    const closed = idle.pop();
    closed?.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const [served] = await exchange(port, `GET /${V}/123 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.notEqual(served?.status, 503);
    for (const socket of idle) socket.destroy();
  });

  it('answers a connection past the server-wide cap with 503, whatever its address', async () => {
    const idle = await Promise.all([
      ...[1, 2, 3].map(() => open(port, '127.0.0.2')),
      ...[1, 2, 3].map(() => open(port, '127.0.0.3')),
    ]);
    const [refused] = await exchange(
      port,
      `GET /${V}/123 HTTP/1.1\r\nHost: x\r\n\r\n`,
      undefined,
      '127.0.0.4',
    );
    assert.ok(refused);
    assert.match(assertEnvelope(refused, 503).error_data?.details ?? '', /maximum of 6 connections/);
    for (const socket of idle) socket.destroy();
  });
});

describe('a server shutting down', () => {
  it('answers a request that arrives on an open connection with 503 and the envelope', async () => {
    const { h, port } = await listening();
    const socket = await open(port);
    const read = readUntilClosed(socket);
    // A request in flight keeps the connection open while the server closes.
    socket.write(
      `POST /_groupgate/businesses HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n`,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closed = h.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.write(`{}GET /${V}/123 HTTP/1.1\r\nHost: x\r\n\r\n`);
    const [first, second, ...more] = responsesIn((await read).text);
    await closed;
    assert.equal(first?.status, 401, 'the request in flight is served');
    assert.ok(second);
    const error = assertEnvelope(second, 503);
    assert.equal(error.is_transient, true);
    assert.equal(more.length, 0);
  });
});
