/**
 * Two `groupgate serve` processes on one PostgreSQL schema behave as one service: they start together (migrations
 * under an advisory lock), pagination alternating between them sees every pending request exactly once, and
 * hundreds of concurrent, overlapping approve/reject calls spread over both decide each request exactly once, and
 * both deliver webhooks from the shared outbox without sending any event twice.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT } from '../../src/testing/shared-dir.js';
import { newTestSchema, postgresSkipReason, TEST_DATABASE_URL } from '../../src/testing/postgres.js';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.js';
import { startWebhookReceiver, type WebhookReceiver } from '@groupgate/sdk/testing';
import { onlyItem } from '../../src/testing/only-item.js';

const ADMIN = 'multi-instance-admin';
const skip = await postgresSkipReason();
const schema = newTestSchema();
const children: ChildProcess[] = [];
let receiver: WebhookReceiver;

function startInstance(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(REPO_ROOT, 'bin/groupgate.js'),
        'serve',
        '--port',
        '0',
        '--no-demo',
        '--database-url',
        TEST_DATABASE_URL,
        '--db-schema',
        schema,
        '--max-participants',
        '1000',
        '--webhook-url',
        receiver.url,
        '--webhook-verify-token',
        'multi',
      ],
      {
        // Polling often, so that each instance also picks up events the other one queued.
        env: { ...process.env, GROUPGATE_ADMIN_TOKEN: ADMIN, GROUPGATE_WEBHOOK_POLL_MS: '50' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`instance exited with ${code}: ${output}`)));
  });
}

async function call<T>(
  base: string,
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(base + path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as T;
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

describe('two instances on one PostgreSQL', { skip }, () => {
  let a: string;
  let b: string;
  let token: string;
  let groupId: string;
  let ids: string[];
  const users = Array.from({ length: 120 }, (_, i) => `4477009${String(i).padStart(5, '0')}`);
  let approvals = 0;
  let approved: string[] = [];

  before(async () => {
    receiver = await startWebhookReceiver({ appSecret: 'unknown', verifyToken: 'multi' });
    [a, b] = await Promise.all([startInstance(), startInstance()]);
    const business = await call<{ access_token: string; phone_number_id: string; app_secret: string }>(
      a,
      'POST',
      '/_groupgate/businesses',
      ADMIN,
      {},
    );
    token = business.access_token;
    receiver.appSecret = business.app_secret;
    await call(b, 'POST', `/v23.0/${business.phone_number_id}/groups`, token, {
      messaging_product: 'whatsapp',
      subject: 'Shared',
      join_approval_mode: 'approval_required',
    });
    const groups = await call<{ data: { groups: { id: string }[] } }>(
      a,
      'GET',
      `/v23.0/${business.phone_number_id}/groups`,
      token,
    );
    groupId = groups.data.groups[0]?.id ?? '';
    const link = await call<{ invite_link: string }>(b, 'GET', `/v23.0/${groupId}/invite_link`, token);
    ids = [];
    for (const [i, user] of users.entries()) {
      const joined = await call<{ join_request_id: string }>(
        i % 2 === 0 ? a : b,
        'POST',
        `/_groupgate/users/${user}/join`,
        ADMIN,
        {
          invite_link: link.invite_link,
        },
      );
      ids.push(joined.join_request_id);
    }
  });

  after(async () => {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(
      children.map(
        (child) =>
          new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve))),
      ),
    );
    await PostgresStore.dropSchema(TEST_DATABASE_URL, schema);
    await receiver.close();
  });

  it('pages through both instances alternately and sees each pending request once, in order', async () => {
    const seen: string[] = [];
    let path: string | undefined = `/v23.0/${groupId}/join_requests?limit=7`;
    for (let page = 0; path !== undefined; page++) {
      const body: { data: { join_request_id: string }[]; paging?: { next?: string } } = await call(
        page % 2 === 0 ? a : b,
        'GET',
        path,
        token,
      );
      seen.push(...body.data.map((r) => r.join_request_id));
      path = body.paging?.next?.replace(/^https?:\/\/[^/]+/, '');
    }
    assert.deepEqual(seen, ids);
  });

  it('decides every request exactly once under 300 concurrent overlapping calls spread over both', async () => {
    const results = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        const start = (i * 11) % ids.length;
        const batch = Array.from({ length: 25 }, (_, j) => ids[(start + j) % ids.length] as string);
        const body = await call<{ approved_join_requests?: string[]; rejected_join_requests?: string[] }>(
          i % 2 === 0 ? a : b,
          i % 3 === 0 ? 'DELETE' : 'POST',
          `/v23.0/${groupId}/join_requests`,
          token,
          { messaging_product: 'whatsapp', join_requests: batch },
        );
        return { approved: body.approved_join_requests ?? [], rejected: body.rejected_join_requests ?? [] };
      }),
    );
    approved = results.flatMap((r) => r.approved);
    approvals = results.filter((r) => r.approved.length > 0).length;
    const decided = [...approved, ...results.flatMap((r) => r.rejected)];
    assert.equal(new Set(decided).size, decided.length, 'no request reported decided twice');
    assert.deepEqual([...decided].sort(), [...ids].sort(), 'every request decided');
    const group = await call<{ participants: string[] }>(a, 'GET', `/_groupgate/groups/${groupId}`, ADMIN);
    const userOf = new Map(ids.map((id, i) => [id, users[i]]));
    assert.deepEqual(
      group.participants.sort(),
      approved.map((id) => userOf.get(id)).sort(),
      'participants are exactly the approved',
    );
    const pending = await call<{ data: unknown[] }>(b, 'GET', `/v23.0/${groupId}/join_requests`, token);
    assert.deepEqual(pending.data, []);
  });

  it('delivers every webhook exactly once, though both instances deliver from the shared outbox', async () => {
    const expected = 1 + users.length + approvals;
    const webhooks = await receiver.waitForWebhooks(expected, { timeout: 20_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(receiver.received.length, expected, 'no event sent twice');
    assert.ok(webhooks.every((w) => w.signatureValid));
    const items = webhooks.map((w) => onlyItem(w).item);
    const created = items
      .filter((i) => i['type'] === 'group_join_request_created')
      .map((i) => i['join_request_id']);
    assert.deepEqual(created, ids, "one group's events in the order they happened");
    const added = items
      .filter((i) => i['type'] === 'group_participants_add')
      .flatMap((i) => (i['added_participants'] as { wa_id: string }[]).map((p) => p.wa_id));
    const userOf = new Map(ids.map((id, i) => [id, users[i]]));
    assert.deepEqual(added.sort(), approved.map((id) => userOf.get(id)).sort());
  });
});
