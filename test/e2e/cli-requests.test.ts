/**
 * `groupgate requests list|count|clear`, run as the built binary against a real Groupgate on a local port.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { RequestsPage } from '@groupgate/sdk/contract';
import { ADMIN_TOKEN, Harness, V, type Business } from '../../src/testing/harness.js';
import { REPO_ROOT } from '../../src/testing/shared-dir.js';
import { parseSince } from '../../src/cli/commands/requests.js';

const BIN = join(REPO_ROOT, 'bin/groupgate.js');

let h: Harness;
let baseUrl: string;
let business: Business;

function groupgate(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, GROUPGATE_BASE_URL: baseUrl, GROUPGATE_ADMIN_TOKEN: ADMIN_TOKEN },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

before(async () => {
  h = await Harness.start();
  baseUrl = await h.app.listen({ port: 0, host: '127.0.0.1' });
  business = await h.createBusiness();
});
after(() => h.close());

it('lists, counts and clears the recorded calls, as a table or JSON', async () => {
  await h.graph({
    method: 'GET',
    url: `/${V}/${business.phone_number_id}/groups`,
    token: business.access_token,
  });
  await h.graph({ method: 'GET', url: `/${V}/${business.phone_number_id}/groups`, token: 'bad' });

  const table = await groupgate('requests', 'list');
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^TIME\s+METHOD\s+PATH\s+STATUS\s+CODE\s+DURATION\s+FAULT\s+FBTRACE_ID\n/);
  assert.match(table.stdout, new RegExp(`GET\\s+/${V}/${business.phone_number_id}/groups\\s+401\\s+190`));

  const listed = await groupgate('requests', 'list', '--status', '200', '--json');
  assert.equal(listed.code, 0, listed.stderr);
  const page = JSON.parse(listed.stdout) as RequestsPage;
  assert.deepEqual(
    page.data.map((e) => [e.method, e.status, e.waba_id]),
    [['GET', 200, business.waba_id]],
  );

  const counted = await groupgate('requests', 'count', '--code', '190');
  assert.equal(counted.stdout, '1\n', counted.stderr);
  const all = await groupgate('requests', 'count', '--waba', business.waba_id, '--since', '1h', '--json');
  assert.deepEqual(JSON.parse(all.stdout), { count: 1 });

  const cleared = await groupgate('requests', 'clear');
  assert.equal(cleared.stdout, 'Cleared 2 recorded calls\n', cleared.stderr);
  assert.equal((await groupgate('requests', 'count')).stdout, '0\n');

  const refused = await groupgate('requests', 'list', '--status', 'ok');
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /--status must be a whole number/);
});

it('reads --since as Unix milliseconds, an ISO date or a duration back from now', () => {
  assert.equal(parseSince('1790000000000'), 1_790_000_000_000);
  assert.equal(parseSince('2026-11-30T00:00:00Z'), Date.UTC(2026, 10, 30));
  assert.equal(parseSince('5m', 1_000_000), 1_000_000 - 300_000);
  assert.throws(() => parseSince('yesterday'), /--since is Unix milliseconds/);
});
