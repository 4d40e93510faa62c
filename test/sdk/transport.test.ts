/**
 * The SDK's error mapping and retry policy, with an injected fetch: the paths a real server rarely takes on demand
 * (rate limits with server-given waits, transient failures, timeouts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AuthenticationError,
  GraphApiError,
  GraphNetworkError,
  GroupsClient,
  GroupSuspendedError,
  InvalidCursorError,
  InvalidParameterError,
  NotFoundError,
  RateLimitError,
  type FetchLike,
} from '@groupgate/sdk';

type Scripted = Response | Error | (() => Response | Promise<Response>);

/** A fetch that answers from a script and records what it was asked. */
function scriptedFetch(...answers: Scripted[]) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push({ url, init });
    const answer = answers.shift();
    if (answer === undefined) throw new Error('no more scripted answers');
    if (answer instanceof Error) throw answer;
    return typeof answer === 'function' ? answer() : answer;
  };
  return { fetch, calls };
}

function graphError(status: number, error: Record<string, unknown>, headers: Record<string, string> = {}) {
  return new Response(
    JSON.stringify({ error: { message: 'm', type: 'OAuthException', fbtrace_id: 'T', ...error } }),
    {
      status,
      headers: { 'content-type': 'application/json', ...headers },
    },
  );
}

const ok = (body: unknown) => new Response(JSON.stringify(body), { status: 200 });

function client(fetch: FetchLike, sleeps: number[] = [], retry?: object | false) {
  return new GroupsClient({
    accessToken: 'TOKEN',
    baseUrl: 'https://graph.example.test/',
    fetch,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...(retry !== undefined && { retry }),
  });
}

describe('requests', () => {
  it('calls {baseUrl}/{apiVersion}/… with the bearer token, JSON bodies and query parameters', async () => {
    const { fetch, calls } = scriptedFetch(
      ok({ messaging_product: 'whatsapp', approved_join_requests: ['a'] }),
      ok({ data: [] }),
    );
    const sdk = client(fetch);
    await sdk.joinRequests.approve('G/1', ['a']);
    await sdk.joinRequests.list('G', { limit: 5, after: 'c' });
    assert.equal(calls[0]?.url, 'https://graph.example.test/v23.0/G%2F1/join_requests');
    assert.equal(calls[0]?.init.method, 'POST');
    assert.equal((calls[0]?.init.headers as Record<string, string>)['authorization'], 'Bearer TOKEN');
    assert.deepEqual(JSON.parse(String(calls[0]?.init.body)), {
      messaging_product: 'whatsapp',
      join_requests: ['a'],
    });
    assert.equal(calls[1]?.url, 'https://graph.example.test/v23.0/G/join_requests?limit=5&after=c');
  });

  it('refuses calls Graph would refuse before sending them', async () => {
    const sdk = client(scriptedFetch().fetch);
    await assert.rejects(sdk.joinRequests.approve('G', []), RangeError);
    await assert.rejects(sdk.joinRequests.approve('G', Array(1001).fill('x')), /at most 1000 per call/);
    await assert.rejects(sdk.participants.remove('G', Array(9).fill('1')), RangeError);
    assert.throws(() => new GroupsClient({ accessToken: '' }), TypeError);
  });
});

describe('errors', () => {
  it('maps Graph errors to subclasses by meaning, keeping status, code, subcode and trace id', async () => {
    const cases: [Response, new (...args: never[]) => GraphApiError][] = [
      [graphError(401, { code: 190, error_subcode: 463 }), AuthenticationError],
      [graphError(400, { code: 100, error_subcode: 33, type: 'GraphMethodException' }), NotFoundError],
      [graphError(400, { code: 131059 }), InvalidCursorError],
      [graphError(400, { code: 100 }), InvalidParameterError],
      [graphError(404, { code: 100, type: 'GroupgateException' }), NotFoundError],
      [graphError(403, { code: 131207 }), GroupSuspendedError],
    ];
    for (const [response, type] of cases) {
      const error = await client(scriptedFetch(response).fetch)
        .groups.get('G')
        .catch((e: unknown) => e);
      assert.ok(error instanceof type, `${type.name}: ${String(error)}`);
      assert.ok(error instanceof GraphApiError);
      assert.equal(error.fbtraceId, 'T');
      assert.equal(error.status, response.status);
    }
  });

  it('turns a non-Graph error body into a GraphApiError that says what came back', async () => {
    const error = await client(
      scriptedFetch(new Response('<html>bad gateway</html>', { status: 502 })).fetch,
      [],
      false,
    )
      .groups.get('G')
      .catch((e: unknown) => e);
    assert.ok(error instanceof GraphApiError);
    assert.equal(error.status, 502);
    assert.match(error.message, /not a Graph error: <html>bad gateway/);
    assert.equal(error.retryable, true);
  });
});

describe('retries', () => {
  it('retries transient errors with growing, jittered waits, then succeeds', async () => {
    const sleeps: number[] = [];
    const { fetch, calls } = scriptedFetch(
      graphError(500, { code: 1, is_transient: true }),
      graphError(503, { code: 2, is_transient: true }),
      ok({ id: 'G', messaging_product: 'whatsapp' }),
    );
    const group = await client(fetch, sleeps).groups.get('G');
    assert.equal(group.id, 'G');
    assert.equal(calls.length, 3);
    assert.ok(sleeps.length === 2 && sleeps.every((ms, i) => ms >= 0 && ms <= 500 * 2 ** i), String(sleeps));
  });

  it("honours Retry-After and the usage header's estimated_time_to_regain_access on rate limits", async () => {
    const sleeps: number[] = [];
    const usage = JSON.stringify({ '123': [{ type: 'whatsapp', estimated_time_to_regain_access: 0.01 }] });
    const { fetch } = scriptedFetch(
      graphError(429, { code: 131208 }, { 'retry-after': '2' }),
      graphError(400, { code: 80007 }, { 'x-business-use-case-usage': usage }),
      ok({ data: { groups: [] } }),
    );
    const sdk = new GroupsClient({
      accessToken: 'T',
      phoneNumberId: 'P',
      fetch,
      sleep: async (ms) => void sleeps.push(ms),
    });
    await sdk.groups.list();
    assert.deepEqual(sleeps, [2000, 600]);
  });

  it('gives up at once when the server asks for a longer wait than allowed, with the wait on the error', async () => {
    const { fetch, calls } = scriptedFetch(graphError(429, { code: 4 }, { 'retry-after': '3600' }));
    const error = await client(fetch)
      .groups.get('G')
      .catch((e: unknown) => e);
    assert.ok(error instanceof RateLimitError);
    assert.equal(error.retryAfterMs, 3_600_000);
    assert.equal(calls.length, 1);
  });

  it('stops after maxRetries and throws the last error', async () => {
    const { fetch, calls } = scriptedFetch(
      ...Array.from({ length: 5 }, () => graphError(500, { code: 1, is_transient: true })),
    );
    await assert.rejects(client(fetch, [], { maxRetries: 2 }).groups.get('G'), GraphApiError);
    assert.equal(calls.length, 3);
  });

  it('does not retry errors that will not go away', async () => {
    const { fetch, calls } = scriptedFetch(graphError(400, { code: 100 }));
    await assert.rejects(client(fetch).groups.get('G'), InvalidParameterError);
    assert.equal(calls.length, 1);
  });

  it('retries a read that never got an answer, but never a write that might have happened', async () => {
    const reset = Object.assign(new TypeError('fetch failed'), { cause: new Error('ECONNRESET') });
    const read = scriptedFetch(reset, ok({ id: 'G', messaging_product: 'whatsapp' }));
    assert.equal((await client(read.fetch).groups.get('G')).id, 'G');
    const write = scriptedFetch(reset, ok({}));
    const error = await client(write.fetch)
      .joinRequests.approve('G', ['a'])
      .catch((e: unknown) => e);
    assert.ok(error instanceof GraphNetworkError);
    assert.equal(write.calls.length, 1);
  });

  it('times out a call that does not answer, as a GraphNetworkError', async () => {
    const hang: FetchLike = (_url, init) =>
      new Promise((_resolve, reject) =>
        init.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
      );
    const sdk = new GroupsClient({ accessToken: 'T', fetch: hang, timeoutMs: 50, retry: false });
    // AbortSignal.timeout does not hold the process open; a real fetch's socket would.
    const keepAlive = setTimeout(() => undefined, 5000);
    const error = await sdk.groups.get('G').catch((e: unknown) => e);
    clearTimeout(keepAlive);
    assert.ok(error instanceof GraphNetworkError);
    assert.equal(error.timedOut, true);
  });
});
