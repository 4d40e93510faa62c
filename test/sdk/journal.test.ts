/**
 * The request journal through the SDK, against a real Groupgate on a local port: the assertion a moderation bot's
 * test makes ("exactly 3 approvals on this group"), a page of entries, and clearing.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { ControlClient, GroupsClient, type SandboxBusiness } from '@groupgate/sdk';
import { ADMIN_TOKEN, Harness } from '../../src/testing/harness.js';

let h: Harness;
let control: ControlClient;
let business: SandboxBusiness;
let graph: GroupsClient;

before(async () => {
  h = await Harness.start();
  const baseUrl = await h.app.listen({ port: 0, host: '127.0.0.1' });
  control = new ControlClient({ baseUrl, adminToken: ADMIN_TOKEN });
  business = await control.businesses.create({ name: 'Journal' });
  graph = new GroupsClient({
    baseUrl,
    accessToken: business.access_token,
    phoneNumberId: business.phone_number_id,
    retry: false,
  });
});
after(() => h.close());

it('counts exactly the approvals made on a group, lists them newest first, and clears', async () => {
  const group = await control.createGroup(business, {
    subject: 'Journal',
    joinApprovalMode: 'approval_required',
  });
  const ids: string[] = [];
  for (const waId of ['16505551001', '16505551002', '16505551003']) {
    const joined = await control.users.join(waId, group.inviteLink);
    ids.push(joined.join_request_id ?? '');
  }
  for (const id of ids) await graph.joinRequests.approve(group.groupId, [id]);
  await graph.joinRequests.reject(group.groupId, ['no-such-request']);

  const approvals = { group_id: group.groupId, method: 'POST', edge: 'join_requests', status: 200 };
  assert.equal(await control.countRequests(approvals), 3);
  assert.equal(await control.countRequests({ group_id: group.groupId, method: 'DELETE' }), 1);

  const page = await control.requests({ group_id: group.groupId, edge: 'join_requests', limit: 2 });
  assert.equal(page.data.length, 2);
  assert.equal(page.data[0]?.method, 'DELETE');
  assert.deepEqual(page.data[1]?.body, { messaging_product: 'whatsapp', join_requests: [ids[2]] });
  assert.equal(page.data[1]?.headers['authorization'], 'Bearer [REDACTED]');
  const older = await control.requests({
    group_id: group.groupId,
    edge: 'join_requests',
    after: page.paging.cursors?.after ?? '',
  });
  assert.equal(older.data.length, 2);
  assert.equal(older.paging.next, undefined);

  const cleared = await control.clearRequests();
  assert.equal(cleared.success, true);
  assert.ok(cleared.deleted >= 5);
  assert.equal(await control.countRequests(), 0);
});

it('takes journalSize from startGroupgate, and keeps only that many calls', async () => {
  const { startGroupgate } = await import('../../src/start.js');
  const server = await startGroupgate({ journalSize: 2 });
  try {
    const owner = await server.control.businesses.create();
    const client = new GroupsClient({
      baseUrl: server.url,
      accessToken: owner.access_token,
      phoneNumberId: owner.phone_number_id,
      retry: false,
    });
    for (let i = 0; i < 3; i++) await client.groups.list();
    assert.equal(await server.control.countRequests({ waba_id: owner.waba_id }), 2);
  } finally {
    await server.close();
  }
});
