/**
 * The SDK against a real Groupgate listening on a local port: every resource, paging with `for await`, bulk
 * decisions, and errors as the SDK's types.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AuthenticationError,
  BulkDecisionError,
  GroupsClient,
  InvalidCursorError,
  NotFoundError,
  type BulkProgress,
} from '@groupgate/sdk';
import { Harness, waIds, type Business, type Group } from '../../src/testing/harness.js';

let h: Harness;
let business: Business;
let sdk: GroupsClient;
let baseUrl: string;

before(async () => {
  h = await Harness.start();
  baseUrl = await h.app.listen({ port: 0, host: '127.0.0.1' });
  business = await h.createBusiness();
  sdk = new GroupsClient({
    baseUrl,
    accessToken: business.access_token,
    phoneNumberId: business.phone_number_id,
  });
});
after(() => h.close());

async function groupWithRequests(n: number, prefix = '1650555'): Promise<{ group: Group; ids: string[] }> {
  const group = await h.createGroup(business);
  const ids: string[] = [];
  for (const waId of waIds(n, prefix)) ids.push(await h.requestToJoin(waId, group));
  return { group, ids };
}

describe('groups', () => {
  it('creates, lists, reads with typed fields, updates and deletes', async () => {
    const created = await sdk.groups.create({ subject: 'SDK group', joinApprovalMode: 'approval_required' });
    assert.match(created.request_id, /^[0-9A-F]{32}$/);
    const [newest] = (await sdk.groups.list({ limit: 1 })).data;
    assert.equal(newest?.subject, 'SDK group');
    const groupId = newest?.id ?? '';
    const info = await sdk.groups.get(groupId, ['subject', 'join_approval_mode', 'total_participant_count']);
    const typed: { subject: string; join_approval_mode: string; total_participant_count: number } = info;
    assert.deepEqual(typed, {
      id: groupId,
      messaging_product: 'whatsapp',
      subject: 'SDK group',
      join_approval_mode: 'approval_required',
      total_participant_count: 0,
    });
    const updated = await sdk.groups.update(groupId, { description: 'via the SDK' });
    assert.equal(updated.success, true);
    assert.equal((await sdk.groups.get(groupId, ['description'])).description, 'via the SDK');
    const deleted = await sdk.groups.delete(groupId);
    assert.equal(deleted.success, true);
    assert.match(deleted.request_id ?? '', /^[0-9A-F]{32}$/);
    await assert.rejects(sdk.groups.get(groupId), NotFoundError);
  });

  it('walks every group with for await', async () => {
    for (let i = 0; i < 5; i++) await sdk.groups.create({ subject: `Walk ${i}` });
    const subjects: string[] = [];
    for await (const group of sdk.groups.iterate({ pageSize: 2 })) subjects.push(group.subject);
    assert.deepEqual(
      subjects.filter((s) => s.startsWith('Walk')),
      ['Walk 4', 'Walk 3', 'Walk 2', 'Walk 1', 'Walk 0'],
    );
  });

  it('uploads a profile picture as multipart', async () => {
    const group = await h.createGroup(business);
    const app0 = [
      0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00,
      0x00,
    ];
    const sof = [
      0xff, 0xc0, 0x00, 0x11, 0x08, 0x01, 0x00, 0x01, 0x00, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03,
      0x11, 0x01,
    ];
    const photo = new Blob([new Uint8Array([0xff, 0xd8, ...app0, ...sof, 0xff, 0xd9])], {
      type: 'image/jpeg',
    });
    const answer = await sdk.groups.update(group.groupId, { photo, subject: 'With a face' });
    assert.equal(answer.success, true);
  });
});

describe('join requests', () => {
  it('lists one page, and walks all pending requests with for await, oldest first', async () => {
    const { group, ids } = await groupWithRequests(7);
    const page = await sdk.joinRequests.list(group.groupId, { limit: 3 });
    assert.equal(page.data.length, 3);
    assert.ok(page.nextCursor);
    const walked: string[] = [];
    for await (const request of sdk.joinRequests.iterate(group.groupId, { pageSize: 2 })) {
      walked.push(request.join_request_id);
    }
    assert.deepEqual(walked, ids);
  });

  it('approves and rejects, with per-item failures in the answer', async () => {
    const { group, ids } = await groupWithRequests(3);
    const approved = await sdk.joinRequests.approve(group.groupId, [ids[0] ?? '', 'unknown-id']);
    assert.deepEqual(approved.approved_join_requests, [ids[0]]);
    assert.equal(approved.failed_join_requests?.[0]?.errors[0]?.code, 131213);
    const rejected = await sdk.joinRequests.reject(group.groupId, [ids[1] ?? '']);
    assert.deepEqual(rejected.rejected_join_requests, [ids[1]]);
  });

  it('decides any number of ids in batches, reporting progress and merging failures', async () => {
    const { group, ids } = await groupWithRequests(7, '4477009');
    const progress: BulkProgress[] = [];
    const result = await sdk.joinRequests.rejectMany(group.groupId, [...ids, 'gone-1', 'gone-2'], {
      batchSize: 3,
      concurrency: 2,
      onProgress: (p) => progress.push(p),
    });
    assert.deepEqual([...result.succeeded].sort(), [...ids].sort());
    assert.deepEqual(result.failed.map((f) => f.join_request_id).sort(), ['gone-1', 'gone-2']);
    assert.deepEqual(
      result.errors.map((e) => e.code),
      [131213],
    );
    assert.equal(result.calls, 3);
    assert.deepEqual(progress.at(-1), { total: 9, done: 9, succeeded: 7, failed: 2 });
    assert.deepEqual(await sdk.joinRequests.approveMany(group.groupId, []), {
      succeeded: [],
      failed: [],
      errors: [],
      calls: 0,
    });
  });

  it('approves every pending request only through its own explicit call, up to the group cap', async () => {
    const { group, ids } = await groupWithRequests(10, '4477123');
    const result = await sdk.joinRequests.approveAllPending(group.groupId, { batchSize: 4 });
    assert.equal(result.succeeded.length, 8, 'the 8-participant cap');
    assert.deepEqual(
      result.failed.map((f) => f.errors[0]?.code),
      [131204, 131204],
    );
    assert.deepEqual(
      new Set([...result.succeeded, ...result.failed.map((f) => f.join_request_id)]),
      new Set(ids),
    );
  });

  it('stops a bulk run on the first failed call, with the progress so far', async () => {
    const { group, ids } = await groupWithRequests(4, '4477555');
    const other = new GroupsClient({ baseUrl, accessToken: business.access_token });
    await h.control('POST', `/_groupgate/groups/${group.groupId}/suspend`);
    const error = await other.joinRequests
      .approveMany(group.groupId, ids, { batchSize: 2, concurrency: 1 })
      .catch((e: unknown) => e);
    assert.ok(error instanceof BulkDecisionError);
    assert.equal(error.partial.calls, 0);
    assert.match(error.message, /131207|suspended/);
  });

  it('surfaces Graph errors as typed errors', async () => {
    const { group } = await groupWithRequests(1, '4477666');
    await assert.rejects(sdk.joinRequests.list(group.groupId, { after: 'not-a-cursor' }), InvalidCursorError);
    await assert.rejects(sdk.joinRequests.list('nope'), NotFoundError);
    const stranger = new GroupsClient({ baseUrl, accessToken: 'EAAG-not-a-token', retry: false });
    const error = await stranger.joinRequests.list(group.groupId).catch((e: unknown) => e);
    assert.ok(error instanceof AuthenticationError);
    assert.equal(error.code, 190);
    assert.match(error.fbtraceId, /\S/);
  });
});

describe('invite links and participants', () => {
  it('reads, resets and deletes the link; removes participants', async () => {
    const group = await h.createGroup(business, { mode: 'auto_approve' });
    assert.equal(await sdk.inviteLinks.get(group.groupId), group.inviteLink);
    const fresh = await sdk.inviteLinks.reset(group.groupId);
    assert.notEqual(fresh, group.inviteLink);
    await h.control('POST', '/_groupgate/users/16505550001/join', { invite_link: fresh });
    const bsuid = await h.control<{ user_id: string }>('POST', '/_groupgate/users/16505550002/join', {
      invite_link: fresh,
      hide_phone_number: true,
      username: 'ana',
    });
    const info = await sdk.groups.get(group.groupId, ['participants']);
    assert.deepEqual(
      info.participants.map((p) => p.wa_id ?? p.username),
      ['16505550001', 'ana'],
    );
    const removed = await sdk.participants.remove(group.groupId, [
      '+16505550001',
      { user_id: bsuid.body.user_id },
    ]);
    assert.equal(removed.success, true);
    assert.deepEqual(await h.participants(group), []);
    await sdk.inviteLinks.delete(group.groupId);
    await assert.rejects(sdk.inviteLinks.get(group.groupId), /no invite link/);
  });
});
