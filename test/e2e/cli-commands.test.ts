/**
 * The CLI's client commands, run as the built binary against a real Groupgate on a local port: what a moderator or
 * a script sees, output and exit codes included.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ADMIN_TOKEN, Harness, type Business } from '../../src/testing/harness.js';
import { REPO_ROOT } from '../../src/testing/shared-dir.js';
import { startWebhookReceiver } from '@groupgate/sdk/testing';

const BIN = join(REPO_ROOT, 'bin/groupgate.js');

let h: Harness;
let baseUrl: string;
let business: Business;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the binary without blocking this process, which serves the calls it makes. */
function groupgate(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        GROUPGATE_BASE_URL: baseUrl,
        WHATSAPP_ACCESS_TOKEN: business.access_token,
        WHATSAPP_PHONE_NUMBER_ID: business.phone_number_id,
        GROUPGATE_ADMIN_TOKEN: ADMIN_TOKEN,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function json<T>(...args: string[]): Promise<T> {
  const run = await groupgate(...args, '--json');
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as T;
}

before(async () => {
  h = await Harness.start();
  baseUrl = await h.app.listen({ port: 0, host: '127.0.0.1' });
  business = await h.createBusiness();
});
after(() => h.close());

describe('groupgate groups and invite-link', () => {
  it('creates, lists, shows, resets the link and deletes', async () => {
    const created = await json<{ request_id: string }>(
      'groups',
      'create',
      '--subject',
      'CLI group',
      '--approval-required',
    );
    assert.match(created.request_id, /^[0-9A-F]{32}$/);
    const listed = await groupgate('groups', 'list');
    assert.match(listed.stdout, /^GROUP ID\s+SUBJECT\s+CREATED\n\S+\s+CLI group\s+\d{4}-/);
    const { data } = await json<{ data: { id: string }[] }>('groups', 'list');
    const groupId = data[0]?.id ?? '';
    const shown = await json<Record<string, unknown>>(
      'groups',
      'show',
      groupId,
      '--fields',
      'subject,join_approval_mode',
    );
    assert.deepEqual(shown, {
      id: groupId,
      messaging_product: 'whatsapp',
      subject: 'CLI group',
      join_approval_mode: 'approval_required',
    });
    const link = (await groupgate('invite-link', 'show', groupId)).stdout.trim();
    const reset = (await groupgate('invite-link', 'reset', groupId)).stdout.trim();
    assert.match(reset, /^https:\/\/chat\.whatsapp\.com\/\w+$/);
    assert.notEqual(reset, link);
    assert.equal((await groupgate('groups', 'delete', groupId)).stdout, `Deleted ${groupId}\n`);
  });
});

describe('groupgate simulate and join-requests', () => {
  let groupId: string;
  let link: string;

  before(async () => {
    const group = await h.createGroup(business, { subject: 'Moderated' });
    groupId = group.groupId;
    link = group.inviteLink;
  });

  it('simulates users, lists their requests, approves some by id and rejects the rest with --all', async () => {
    for (const waId of ['16505550001', '16505550002', '16505550003']) {
      const joined = await groupgate('simulate', 'join', waId, '--link', link);
      assert.match(joined.stdout, new RegExp(`^${waId} requested to join: \\S+\\n$`));
    }
    const table = await groupgate('join-requests', 'list', '--group', groupId);
    assert.match(table.stdout, /^JOIN REQUEST ID\s+WA ID\s+WAITING\n/);
    assert.equal(table.stdout.trim().split('\n').length, 4);
    const { data } = await json<{ data: { join_request_id: string }[] }>(
      'join-requests',
      'list',
      '--group',
      groupId,
    );
    const [first, second] = data.map((r) => r.join_request_id);
    const approved = await groupgate(
      'join-requests',
      'approve',
      '--group',
      groupId,
      first ?? '',
      second ?? '',
    );
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, /^2 approved, 0 failed, of 2 in 1 calls \(\d+\.\d s\)\n$/);
    const rejected = await json<{ rejected: string[] }>(
      'join-requests',
      'reject',
      '--group',
      groupId,
      '--all',
    );
    assert.equal(rejected.rejected.length, 1);
    assert.equal(
      (await groupgate('join-requests', 'list', '--group', groupId)).stdout,
      'No pending join requests.\n',
    );
  });

  it('exits 2 and names the ids that failed when some could not be decided', async () => {
    const run = await groupgate('join-requests', 'approve', '--group', groupId, 'not-a-request');
    assert.equal(run.code, 2);
    assert.match(run.stdout, /0 approved, 1 failed/);
    assert.match(run.stdout, /not-a-request: \(#131213\) Group join request does not exist/);
  });

  it('never decides everything by accident', async () => {
    const run = await groupgate('join-requests', 'approve', '--group', groupId);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /nothing to approve: give join request ids, or --all/);
  });

  it('runs a bulk simulation to the end and summarises it', async () => {
    const run = await groupgate('simulate', 'bulk', '--group', groupId, '--users', '12', '--rate', '200');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '12 requested to join, 0 joined, 0 failed, of 12 users\n');
    const run2 = await groupgate(
      'join-requests',
      'approve',
      '--group',
      groupId,
      '--all',
      '--batch-size',
      '5',
      '--json',
    );
    assert.equal(run2.code, 2, 'some failed: the group is full');
    const approved = JSON.parse(run2.stdout) as {
      approved: string[];
      failed: { errors: { code: number }[] }[];
      calls: number;
    };
    assert.equal(approved.approved.length, 6, 'the 8-participant cap, two already in');
    assert.deepEqual(new Set(approved.failed.map((f) => f.errors[0]?.code)), new Set([131204]));
    assert.equal(approved.calls, 3);
  });
});

describe('groupgate errors', () => {
  it("prints Graph's message, code and trace id, and exits 1", async () => {
    const run = await groupgate('groups', 'show', 'nope', '--token', 'EAAG-bad');
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /^groupgate: Invalid OAuth access token .* \(HTTP 401, code 190, fbtrace_id \S+\)\n$/,
    );
    const unknown = await groupgate('groups', 'show', 'nope');
    assert.match(unknown.stderr, /code 100, subcode 33/);
  });

  it('explains a missing token, and gives examples in --help', async () => {
    const run = await groupgate('join-requests', 'list', '--group', 'G', '--token', '');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /an access token is needed/);
    for (const command of [
      ['join-requests', 'approve'],
      ['groups', 'list'],
      ['simulate', 'bulk'],
      ['webhooks', 'set'],
    ]) {
      const help = await groupgate(...command, '--help');
      assert.match(help.stdout, /Example/, command.join(' '));
    }
  });

  it("prints the package's version", async () => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    const run = await groupgate('--version');
    assert.equal(run.code, 0);
    assert.equal(run.stdout.trim(), version);
  });
});

describe('groupgate webhooks', () => {
  it('sets a callback after the handshake, lists deliveries, and replays one', async () => {
    const receiver = await startWebhookReceiver({
      appSecret: business.app_secret,
      verifyToken: 'cli-verify',
    });
    try {
      const set = await groupgate(
        'webhooks',
        'set',
        '--app',
        business.app_id,
        '--url',
        receiver.url,
        '--verify-token',
        'cli-verify',
      );
      assert.equal(set.code, 0, set.stderr);
      assert.match(set.stdout, /^Verified\. group_lifecycle_update, .* -> http/);
      await h.createGroup(business, { subject: 'Hooked' });
      await receiver.waitForWebhooks(1);
      const { data } = await json<{ data: { id: number; type: string; state: string }[] }>(
        'webhooks',
        'deliveries',
        '--state',
        'delivered',
      );
      assert.equal(data[0]?.type, 'group_create');
      const replay = await groupgate('webhooks', 'replay', String(data[0]?.id));
      assert.equal(replay.stdout, `Event ${data[0]?.id} queued for delivery\n`);
      await receiver.waitForWebhooks(2);
      const refused = await groupgate(
        'webhooks',
        'set',
        '--app',
        business.app_id,
        '--url',
        receiver.url,
        '--verify-token',
        'wrong',
      );
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /couldn't be validated/);
    } finally {
      await receiver.close();
    }
  });
});
