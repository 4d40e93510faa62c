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
  return groupgateWith({}, ...args);
}

/** As groupgate(), with these environment variables changed; '' unsets one. */
function groupgateWith(changed: Record<string, string>, ...args: string[]): Promise<Run> {
  const env = Object.fromEntries(
    Object.entries({
      ...process.env,
      GROUPGATE_BASE_URL: baseUrl,
      WHATSAPP_ACCESS_TOKEN: business.access_token,
      WHATSAPP_PHONE_NUMBER_ID: business.phone_number_id,
      GROUPGATE_ADMIN_TOKEN: ADMIN_TOKEN,
      ...changed,
    }).filter(([name, value]) => !(name in changed && value === '')),
  );
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: REPO_ROOT,
      env,
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
    const created = await json<{ id: string; invite_link: string; request_id: string }>(
      'groups',
      'create',
      '--subject',
      'CLI group',
      '--approval-required',
    );
    assert.match(created.request_id, /^[0-9A-F]{32}$/);
    assert.match(created.invite_link, /^https:\/\/chat\.whatsapp\.com\/\w+$/);
    const listed = await groupgate('groups', 'list');
    assert.match(listed.stdout, /^GROUP ID\s+SUBJECT\s+CREATED\n\S+\s+CLI group\s+\d{4}-/);
    const { data } = await json<{ data: { id: string }[] }>('groups', 'list');
    const groupId = data[0]?.id ?? '';
    assert.equal(created.id, groupId);
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

describe('groupgate groups create', () => {
  it("prints the new group's id and invite link", async () => {
    const run = await groupgate('groups', 'create', '--subject', 'Printed');
    assert.equal(run.code, 0, run.stderr);
    const [, groupId, link] =
      /^Created (\S+)\nInvite link: (https:\/\/chat\.whatsapp\.com\/\w+)\n$/.exec(run.stdout) ?? [];
    const shown = await json<{ subject: string; id: string }>('groups', 'show', groupId ?? '');
    assert.equal(shown.subject, 'Printed');
    assert.equal((await groupgate('invite-link', 'show', groupId ?? '')).stdout.trim(), link);
  });

  it('without an admin token prints the request_id and where the id arrives', async () => {
    const run = await groupgateWith({ GROUPGATE_ADMIN_TOKEN: '' }, 'groups', 'create', '--subject', 'Queued');
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /^Requested: request_id [0-9A-F]{32}\n.*group_lifecycle_update webhook.*--admin-token/,
    );
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
    assert.match(table.stdout, /^JOIN REQUEST ID\s+WA ID\s+USER\s+WAITING\n/);
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

  it('simulates a user who hides their number: the list shows their username, with no wa_id', async () => {
    const group = await h.createGroup(business, { subject: 'Hidden' });
    const joined = await groupgate(
      'simulate',
      'join',
      '447700900123',
      '--link',
      group.inviteLink,
      '--hide-phone-number',
      '--username',
      'ana.banana',
      '--parent-user-id',
    );
    assert.equal(joined.code, 0, joined.stderr);
    const { data } = await json<{ data: Record<string, string>[] }>(
      'join-requests',
      'list',
      '--group',
      group.groupId,
    );
    assert.equal(data.length, 1);
    assert.equal(data[0]?.['wa_id'], undefined);
    assert.match(data[0]?.['user_id'] ?? '', /^GB\.\d{20}$/);
    assert.match(data[0]?.['parent_user_id'] ?? '', /^GB\.ENT\.\d{20}$/);
    assert.equal(data[0]?.['username'], 'ana.banana');
    const table = await groupgate('join-requests', 'list', '--group', group.groupId);
    assert.match(table.stdout, /\s-\s+ana\.banana\s/);
    const cancelled = await groupgate(
      'simulate',
      'cancel',
      data[0]?.['user_id'] ?? '',
      '--group',
      group.groupId,
    );
    assert.equal(cancelled.code, 0, cancelled.stderr);
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

describe('groupgate admin', () => {
  it('creates a business and prints its token once; --json gives every field', async () => {
    const run = await groupgate('admin', 'businesses', 'create', '--name', 'Admin CLI');
    assert.equal(run.code, 0, run.stderr);
    const token = /^access_token\s+(\S+)$/m.exec(run.stdout)?.[1] ?? '';
    assert.equal(run.stdout.split(token).length, 2, 'the token is printed once');
    const listed = await groupgateWith(
      { WHATSAPP_ACCESS_TOKEN: token },
      'groups',
      'list',
      '--phone-number-id',
      /^phone_number_id\s+(\S+)$/m.exec(run.stdout)?.[1] ?? '',
    );
    assert.equal(listed.code, 0, listed.stderr);
    const created = await json<{ waba_id: string; access_token: string; app_secret: string }>(
      'admin',
      'businesses',
      'create',
    );
    assert.match(created.waba_id, /^\d+$/);
    assert.ok(created.access_token.length > 0 && created.app_secret.length > 0);
  });

  it('creates a token that works, and revokes it', async () => {
    const run = await groupgate(
      'admin',
      'tokens',
      'create',
      '--waba',
      business.waba_id,
      '--expires-in',
      '3600',
    );
    assert.equal(run.code, 0, run.stderr);
    const [, token, expiry] = /^(\S+)\nExpires: (\S+)\n$/.exec(run.stdout) ?? [];
    assert.equal(expiry, new Date((h.now + 3600) * 1000).toISOString());
    assert.equal((await groupgate('groups', 'list', '--token', token ?? '')).code, 0);
    const issued = await json<{ access_token: string; expires_at: number | null }>(
      'admin',
      'tokens',
      'create',
      '--waba',
      business.waba_id,
    );
    assert.equal(issued.expires_at, null);
    const revoked = await groupgate('admin', 'tokens', 'revoke', token ?? '');
    assert.equal(revoked.stdout, 'Revoked\n');
    const refused = await groupgate('groups', 'list', '--token', token ?? '');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /code 190/);
  });

  it('suspends a group and clears the suspension', async () => {
    const group = await h.createGroup(business, { subject: 'To suspend' });
    const suspended = await groupgate('admin', 'groups', 'suspend', group.groupId);
    assert.equal(suspended.stdout, `Suspended ${group.groupId}\n`);
    const suspendedNow = async () =>
      (await h.control<{ suspended: boolean }>('GET', `/_groupgate/groups/${group.groupId}`)).body.suspended;
    assert.equal(await suspendedNow(), true);
    const cleared = await json<{ group_id: string; suspended: boolean }>(
      'admin',
      'groups',
      'clear',
      group.groupId,
    );
    assert.deepEqual(cleared, { group_id: group.groupId, suspended: false });
    assert.equal(await suspendedNow(), false);
  });

  it('never sends the admin token to Meta: the control API is refused against graph.facebook.com', async () => {
    const run = await groupgateWith(
      { GROUPGATE_BASE_URL: 'https://graph.facebook.com' },
      'admin',
      'groups',
      'suspend',
      'Y2FwaV9ncm91cDox',
    );
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /the control API is Groupgate's own; --base-url https:\/\/graph\.facebook\.com is Meta's/,
    );
  });

  it("refuses a bad admin token with the control API's message, exit 1; --help gives examples", async () => {
    const run = await groupgate('admin', 'businesses', 'create', '--admin-token', 'wrong');
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    const answer = await fetch(`${baseUrl}/_groupgate/businesses`, {
      method: 'POST',
      headers: { authorization: 'Bearer wrong', 'content-type': 'application/json' },
      body: '{}',
    });
    const { error } = (await answer.json()) as { error: { message: string } };
    assert.ok(run.stderr.startsWith(`groupgate: ${error.message} (HTTP 401`), run.stderr);
    for (const command of [
      ['reset'],
      ['businesses', 'create'],
      ['businesses', 'list'],
      ['businesses', 'delete'],
      ['tokens', 'create'],
      ['tokens', 'revoke'],
      ['groups', 'suspend'],
      ['groups', 'clear'],
    ]) {
      const help = await groupgate('admin', ...command, '--help');
      assert.match(help.stdout, /Example/, command.join(' '));
    }
  });

  it('lists businesses and deletes one with all it owns', async () => {
    const doomed = await json<{ waba_id: string; access_token: string; phone_number_id: string }>(
      'admin',
      'businesses',
      'create',
      '--name',
      'Doomed',
    );
    const listed = await groupgate('admin', 'businesses', 'list');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(
      listed.stdout,
      new RegExp(`^${doomed.waba_id}  ${doomed.phone_number_id}  \\d+  Doomed$`, 'm'),
    );
    const all = await json<{ data: { waba_id: string }[] }>('admin', 'businesses', 'list');
    assert.ok(all.data.some((b) => b.waba_id === business.waba_id));
    const run = await groupgate('admin', 'businesses', 'delete', doomed.waba_id);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `Deleted business ${doomed.waba_id}\n`);
    const after = await json<{ data: { waba_id: string }[] }>('admin', 'businesses', 'list');
    assert.ok(!after.data.some((b) => b.waba_id === doomed.waba_id));
    const again = await groupgate('admin', 'businesses', 'delete', doomed.waba_id);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /No business with WABA id/);
    const gone = await groupgateWith(
      { WHATSAPP_ACCESS_TOKEN: doomed.access_token },
      'groups',
      'list',
      '--phone-number-id',
      doomed.phone_number_id,
    );
    assert.match(gone.stderr, /code 190/);
  });

  // Last: it empties the server every other test here uses.
  it('resets the sandbox', async () => {
    assert.deepEqual(await json<{ success: boolean }>('admin', 'reset'), { success: true });
    const gone = await groupgate('groups', 'list');
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /code 190/);
    const run = await groupgate('admin', 'reset');
    assert.equal(run.stdout, 'Reset: the sandbox is empty\n');
  });
});

describe('groupgate limits', () => {
  it('sets limits, shows them in a table and as JSON, and refuses a malformed one', async () => {
    // Its own business: another test resets the sandbox.
    const limited = await h.createBusiness('Limits CLI');
    const set = await groupgate(
      'limits',
      'set',
      limited.waba_id,
      '--waba-calls',
      '5/60',
      '--group-operations',
      'off',
    );
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /waba_calls \(80007\)\s+5 per 60 s\s+business\s+0/);
    assert.match(set.stdout, /group_operations \(131208\)\s+off/);
    const shown = await json<{ waba_calls: { max: number; used: number }; app_calls: null }>(
      'limits',
      'show',
      limited.waba_id,
    );
    assert.equal(shown.waba_calls.max, 5);
    assert.equal(shown.app_calls, null);
    const bad = await groupgate('limits', 'set', limited.waba_id, '--app-calls', 'five');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--app-calls must be <max>\/<seconds>/);
    const back = await json<{ waba_calls: null }>('limits', 'set', limited.waba_id);
    assert.equal(back.waba_calls, null, 'no option: back to the defaults');
  });
});
