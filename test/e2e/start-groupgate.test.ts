/**
 * `startGroupgate()`, as a test suite uses it: a server in the suite's own process on a free port, the control
 * client bound to it, and a `close()` after which nothing is left running — a process that starts and closes one
 * exits by itself, as a test runner must.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { GroupsClient } from '@groupgate/sdk';
import { startWebhookReceiver } from '@groupgate/sdk/testing';
import { startGroupgate } from '../../src/index.js';
import { REPO_ROOT } from '../../src/testing/shared-dir.js';

describe('startGroupgate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'groupgate-start-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the Graph and control APIs on a free port of 127.0.0.1, in memory, with no demo', async () => {
    const groupgate = await startGroupgate();
    try {
      assert.match(groupgate.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.match(groupgate.adminToken, /^ggadmin_/);
      assert.deepEqual(await groupgate.control.health(), { status: 'ok', store: 'sqlite' });
      assert.deepEqual(await groupgate.control.deliveries.list(), [], 'no demo business, no events');
      const business = await groupgate.control.businesses.create();
      const group = await groupgate.control.createGroup(business, {
        subject: 'Moderated',
        joinApprovalMode: 'approval_required',
      });
      const { join_request_id: id } = await groupgate.control.users.join('16505550123', group.inviteLink);
      const graph = new GroupsClient({ baseUrl: groupgate.url, accessToken: business.access_token });
      const pending = await graph.joinRequests.list(group.groupId);
      assert.deepEqual(
        pending.data.map((r) => r.join_request_id),
        [id],
      );
    } finally {
      await groupgate.close();
      await groupgate.close();
    }
    await assert.rejects(fetch(`${groupgate.url}/_groupgate/health`), 'nothing listens after close()');
  });

  it("takes serve's options: admin token, SQLite file, default webhook URL, limits", async () => {
    const db = join(dir, 'kept.sqlite');
    const receiver = await startWebhookReceiver({ appSecret: 'unknown yet', verifyToken: 'start' });
    const first = await startGroupgate({
      adminToken: 'fixed-admin',
      db,
      webhookUrl: receiver.url,
      webhookVerifyToken: 'start',
      maxParticipants: 1,
      groupRateLimit: '100/60',
    });
    try {
      assert.equal(first.adminToken, 'fixed-admin');
      assert.equal(receiver.handshakes.length, 1, 'the default callback URL is verified at start');
      const business = await first.control.businesses.create();
      receiver.appSecret = business.app_secret;
      const group = await first.control.createGroup(business, { subject: 'Hooked' });
      const created = await receiver.waitFor((e) => e.type === 'group_create');
      assert.equal(created.groupId, group.groupId);
      await first.control.users.join('16505550001', group.inviteLink);
      await assert.rejects(first.control.users.join('16505550002', group.inviteLink), /full|participants/i);
    } finally {
      await first.close();
      await receiver.close();
    }
    const second = await startGroupgate({ adminToken: 'fixed-admin', db });
    try {
      const [event] = await second.control.deliveries.list({ limit: 1 });
      assert.equal(event?.type, 'group_participants_add', 'the state outlived the first server in the file');
    } finally {
      await second.close();
    }
  });

  it('leaves nothing running after close(): a process that starts and closes one exits by itself', async () => {
    const entry = pathToFileURL(join(REPO_ROOT, 'dist/index.js')).href;
    const script = `
      import { startGroupgate } from ${JSON.stringify(entry)};
      for (const db of [':memory:', process.argv[1]]) {
        const groupgate = await startGroupgate({ db });
        const business = await groupgate.control.businesses.create();
        const group = await groupgate.control.createGroup(business, { subject: 'Exit', joinApprovalMode: 'approval_required' });
        await groupgate.control.users.join('16505550999', group.inviteLink);
        await groupgate.control.simulations.start({ group_ids: [group.groupId], users: 3, rate_per_second: 50 });
        await groupgate.close();
      }
      console.log('closed');`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, join(dir, 'exit.sqlite')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null | 'still running'>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve('still running');
      }, 15_000);
      child.on('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    assert.equal(code, 0, output);
    assert.equal(output.trim(), 'closed');
  });
});
