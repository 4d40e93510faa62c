/**
 * Requests that Node's HTTP parser refuses before any route runs still get a Graph error envelope, checked on a
 * listening server because inject() bypasses the parser.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, it } from 'node:test';
import { Harness } from '../../testing/harness.js';

let h: Harness;
let port: number;

before(async () => {
  h = await Harness.start();
  const address = await h.app.listen({ port: 0, host: '127.0.0.1' });
  port = Number(new URL(address).port);
});
after(() => h.close());

function get(path: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

it('answers a URL over the header size limit with 431 and the Graph envelope', async () => {
  const res = await get(`/v23.0/x/join_requests?padding=${'a'.repeat(20_000)}`);
  assert.equal(res.status, 431);
  const body = JSON.parse(res.body) as { error: { code: number; type: string; fbtrace_id: string } };
  assert.equal(body.error.code, 100);
  assert.equal(body.error.type, 'OAuthException');
  assert.equal(body.error.fbtrace_id, res.headers['x-fb-trace-id']);
});
