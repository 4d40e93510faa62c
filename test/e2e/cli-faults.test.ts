/**
 * `groupgate faults add | list | remove | clear`, run as the built binary against a real Groupgate on a local port.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ADMIN_TOKEN, Harness, V, type Business } from '../../src/testing/harness.js';
import { REPO_ROOT } from '../../src/testing/shared-dir.js';

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

describe('groupgate faults', () => {
  it('adds a rule that Graph calls then meet, lists it with its hits, removes it and clears', async () => {
    const added = await groupgate(
      'faults',
      'add',
      '--error',
      '130429',
      '--edge',
      'groups',
      '--method',
      'get',
      '--times',
      '1',
      '--json',
    );
    assert.equal(added.code, 0, added.stderr);
    const rule = JSON.parse(added.stdout) as { id: string; effect: { error: { code: number } } };
    assert.equal(rule.effect.error.code, 130429);
    const limited = await fetch(`${baseUrl}/${V}/${business.phone_number_id}/groups`, {
      headers: { authorization: `Bearer ${business.access_token}` },
    });
    assert.equal(limited.status, 429);
    const table = await groupgate('faults', 'list');
    assert.equal(table.code, 0, table.stderr);
    assert.match(
      table.stdout,
      new RegExp(`${rule.id}\\s+graph\\s+method=GET edge=groups\\s+error 130429\\s+1/1`),
    );
    const listed = await groupgate('faults', 'list', '--json');
    assert.deepEqual(
      (JSON.parse(listed.stdout) as { data: { id: string; hits: number }[] }).data.map((r) => [r.id, r.hits]),
      [[rule.id, 1]],
    );
    const removed = await groupgate('faults', 'remove', rule.id);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, new RegExp(`Removed ${rule.id}`));
    const again = await groupgate('faults', 'remove', rule.id);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /No fault rule/);
    await groupgate('faults', 'add', '--on', 'webhook', '--webhook', 'duplicate');
    const cleared = await groupgate('faults', 'clear');
    assert.equal(cleared.code, 0, cleared.stderr);
    assert.match((await groupgate('faults', 'list')).stdout, /No fault rules/);
  });

  it("refuses a bad rule with the server's message naming the field", async () => {
    const refused = await groupgate('faults', 'add', '--network', 'explode');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Param network must be one of reset, hang, drop_reply/);
    const notANumber = await groupgate('faults', 'add', '--error', 'abc');
    assert.equal(notANumber.code, 1);
    assert.match(notANumber.stderr, /--error must be a whole number/);
  });
});
