/**
 * The SDK's ControlClient against a real Groupgate on a local port: every control route through a typed method,
 * errors as the SDK's types, and the two helpers a test suite leans on — createGroup and waitForDelivery.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AuthenticationError,
  ControlClient,
  GroupsClient,
  GroupSuspendedError,
  InvalidParameterError,
  NotFoundError,
  RateLimitError,
  WaitTimeoutError,
  type SandboxBusiness,
} from '@groupgate/sdk';
import { startWebhookReceiver } from '@groupgate/sdk/testing';
import { ADMIN_TOKEN, Harness } from '../../src/testing/harness.js';

let h: Harness;
let baseUrl: string;
let control: ControlClient;
let business: SandboxBusiness;

before(async () => {
  h = await Harness.start();
  baseUrl = await h.app.listen({ port: 0, host: '127.0.0.1' });
  control = new ControlClient({ baseUrl, adminToken: ADMIN_TOKEN });
  business = await control.businesses.create({ name: 'Control client' });
});
after(() => h.close());

const graphFor = (owner: Pick<SandboxBusiness, 'access_token' | 'phone_number_id'>) =>
  new GroupsClient({
    baseUrl,
    accessToken: owner.access_token,
    phoneNumberId: owner.phone_number_id,
    retry: false,
  });

describe('ControlClient', () => {
  it('answers health without being asked for the token, and refuses a wrong admin token as AuthenticationError', async () => {
    assert.deepEqual(await new ControlClient({ baseUrl, adminToken: 'wrong' }).health(), {
      status: 'ok',
      store: 'sqlite',
    });
    await assert.rejects(new ControlClient({ baseUrl, adminToken: 'wrong' }).businesses.create(), (error) => {
      assert.ok(error instanceof AuthenticationError);
      assert.equal(error.status, 401);
      return true;
    });
    assert.throws(() => new ControlClient({ baseUrl, adminToken: '' }), TypeError);
    const document = await new ControlClient({ baseUrl, adminToken: 'wrong' }).openApiDocument();
    assert.match(String(document['openapi']), /^3\./);
  });

  it('creates a group with the business token and returns its id and invite link, no webhook configured', async () => {
    const created = await control.createGroup(business, {
      subject: 'Made by createGroup',
      joinApprovalMode: 'approval_required',
    });
    assert.match(created.requestId, /^[0-9A-F]{32}$/);
    const group = await control.groups.get(created.groupId);
    assert.equal(group.subject, 'Made by createGroup');
    assert.equal(group.request_id, created.requestId);
    assert.equal(group.invite_link, created.inviteLink);
    assert.equal(group.join_approval_mode, 'approval_required');
    const skipped = await control.waitForDelivery((d) => d.group_id === created.groupId, {
      appId: business.app_id,
    });
    assert.equal(skipped.state, 'skipped', 'logged though no callback URL is set');
  });

  it('plays users joining, cancelling and leaving, as the business sees them through Graph', async () => {
    const graph = graphFor(business);
    const group = await control.createGroup(business, {
      subject: 'Users',
      joinApprovalMode: 'approval_required',
    });
    const joined = await control.users.join('16505550101', group.inviteLink);
    assert.equal(joined.status, 'requested');
    assert.ok(joined.join_request_id);
    const again = await control.users.join('16505550102', group.inviteLink);
    const pending = await graph.joinRequests.list(group.groupId);
    assert.deepEqual(pending.data.map((r) => r.wa_id).sort(), ['16505550101', '16505550102']);
    assert.deepEqual(await control.users.cancelJoin('16505550102', group.groupId), {
      status: 'cancelled',
      join_request_id: again.join_request_id,
    });
    await graph.joinRequests.approve(group.groupId, [joined.join_request_id ?? '']);
    assert.deepEqual((await control.groups.get(group.groupId)).participants, ['16505550101']);
    const added = await control.waitForDelivery(
      (d) => d.group_id === group.groupId && d.type === 'group_participants_add',
      { appId: business.app_id },
    );
    assert.deepEqual(added.item['added_participants'], [
      { input: '16505550101', wa_id: '16505550101', user_id: joined.user_id },
    ]);
    assert.deepEqual(await control.users.leave('16505550101', group.groupId), { status: 'left' });
    assert.deepEqual((await control.groups.get(group.groupId)).participants, []);
  });

  it('suspends a group and clears it; Graph answers GroupSuspendedError meanwhile', async () => {
    const group = await control.createGroup(business, { subject: 'Suspended' });
    assert.deepEqual(await control.groups.suspend(group.groupId), {
      group_id: group.groupId,
      suspended: true,
    });
    await assert.rejects(graphFor(business).inviteLinks.get(group.groupId), GroupSuspendedError);
    assert.equal((await control.groups.clearSuspension(group.groupId)).suspended, false);
    assert.equal(await graphFor(business).inviteLinks.get(group.groupId), group.inviteLink);
  });

  it("sets and reads a business's limits; Graph then answers RateLimitError with code 80007", async () => {
    const limited = await control.businesses.create({ name: 'Limited' });
    assert.deepEqual(await control.limits(limited.waba_id), {
      waba_id: limited.waba_id,
      group_operations: null,
      waba_calls: null,
      app_calls: null,
    });
    const state = await control.setLimits(limited.waba_id, { waba_calls: { max: 1, per_seconds: 3600 } });
    assert.deepEqual(state.waba_calls, {
      max: 1,
      per_seconds: 3600,
      set_by: 'business',
      used: 0,
      regain_at: null,
    });
    await graphFor(limited).groups.list();
    await assert.rejects(graphFor(limited).groups.list(), (error) => {
      assert.ok(error instanceof RateLimitError);
      assert.equal(error.code, 80007);
      return true;
    });
    assert.equal((await control.limits(limited.waba_id)).waba_calls?.used, 1);
    await assert.rejects(
      control.setLimits(limited.waba_id, { waba_calls: { max: 0, per_seconds: 1 } }),
      InvalidParameterError,
    );
    await assert.rejects(control.limits('no-such-waba'), NotFoundError);
  });

  it('issues and revokes tokens', async () => {
    const issued = await control.tokens.create(business.waba_id, { expires_in: 3600 });
    assert.ok(issued.expires_at !== null);
    const owner = { ...business, access_token: issued.access_token };
    await graphFor(owner).groups.list();
    assert.deepEqual(await control.tokens.revoke(issued.access_token), { success: true });
    await assert.rejects(graphFor(owner).groups.list(), AuthenticationError);
    await assert.rejects(control.tokens.revoke(issued.access_token), NotFoundError);
    await assert.rejects(control.tokens.create('no-such-waba'), NotFoundError);
  });

  it("sets the app's Graph settings; a client given the app secret sends appsecret_proof", async () => {
    const owner = await control.businesses.create({ name: 'Proof' });
    assert.deepEqual(await control.apps.getSettings(owner.app_id), {
      app_id: owner.app_id,
      require_appsecret_proof: false,
      default_api_version: 'v23.0',
    });
    const set = await control.apps.setSettings(owner.app_id, { require_appsecret_proof: true });
    assert.equal(set.require_appsecret_proof, true);
    await assert.rejects(graphFor(owner).groups.list(), /appsecret_proof/);
    const withSecret = new GroupsClient({
      baseUrl,
      accessToken: owner.access_token,
      phoneNumberId: owner.phone_number_id,
      appSecret: owner.app_secret,
      retry: false,
    });
    assert.deepEqual((await withSecret.groups.list()).data, []);
    const wrongSecret = new GroupsClient({
      baseUrl,
      accessToken: owner.access_token,
      phoneNumberId: owner.phone_number_id,
      appSecret: 'not-the-secret',
      retry: false,
    });
    await assert.rejects(wrongSecret.groups.list(), /Invalid appsecret_proof/);
    await assert.rejects(control.apps.getSettings('no-such-app'), NotFoundError);
  });

  it('starts, follows and stops a bulk simulation', async () => {
    const group = await control.createGroup(business, {
      subject: 'Bulk',
      joinApprovalMode: 'approval_required',
    });
    const started = await control.simulations.start({
      group_ids: [group.groupId],
      users: 5,
      rate_per_second: 0,
    });
    assert.equal(started.users, 5);
    let status = started;
    for (let i = 0; status.state === 'running' && i < 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      status = await control.simulations.get(started.simulation_id);
    }
    assert.equal(status.state, 'finished');
    assert.equal(status.requested, 5);
    assert.equal(
      (await control.simulations.stop(started.simulation_id)).simulation_id,
      started.simulation_id,
    );
    await assert.rejects(control.simulations.get('nope'), NotFoundError);
    await assert.rejects(control.simulations.start({ group_ids: [], users: 1 }), InvalidParameterError);
  });

  it('sets webhook settings after the handshake, reads the delivery log, and replays', async () => {
    const owner = await control.businesses.create();
    await assert.rejects(control.webhooks.get(owner.app_id), NotFoundError);
    const receiver = await startWebhookReceiver({ appSecret: owner.app_secret, verifyToken: 'cc' });
    try {
      const settings = await control.webhooks.set(owner.app_id, {
        callback_url: receiver.url,
        verify_token: 'cc',
        fields: ['group_lifecycle_update'],
      });
      assert.deepEqual(settings.fields, ['group_lifecycle_update']);
      assert.deepEqual(await control.webhooks.get(owner.app_id), settings);
      await assert.rejects(
        control.webhooks.set(owner.app_id, { callback_url: receiver.url, verify_token: 'wrong' }),
        InvalidParameterError,
      );
      const group = await control.createGroup(owner, { subject: 'Hooked' });
      const event = await receiver.waitFor((e) => e.type === 'group_create' && e.groupId === group.groupId);
      assert.equal(event.type === 'group_create' && event.inviteLink, group.inviteLink);
      const delivered = await control.waitForDelivery(
        (d) => d.group_id === group.groupId && d.state === 'delivered',
        { appId: owner.app_id },
      );
      const detail = await control.deliveries.get(delivered.id);
      assert.equal(detail.attempt_log[0]?.status_code, 200);
      assert.deepEqual(
        (await control.deliveries.list({ app_id: owner.app_id, state: 'delivered' })).map((d) => d.id),
        [delivered.id],
      );
      assert.deepEqual(await control.deliveries.replay(delivered.id), { success: true });
      await receiver.waitForWebhooks(2);
      assert.equal(receiver.received[1]?.raw, receiver.received[0]?.raw);
      await assert.rejects(control.deliveries.get(987654), NotFoundError);
    } finally {
      await receiver.close();
    }
  });

  it('gives up waiting for a delivery that never comes with WaitTimeoutError', async () => {
    const started = Date.now();
    await assert.rejects(
      control.waitForDelivery(() => false, { timeout: 100, appId: business.app_id }),
      WaitTimeoutError,
    );
    assert.ok(Date.now() - started < 2000);
  });

  it("sets business conditions, arms and disarms failures, and sets a user's terms", async () => {
    const other = await control.businesses.create({ name: 'Conditions' });
    assert.equal((await control.businesses.getConditions(other.waba_id)).eligible_for_groups, true);
    const set = await control.businesses.setConditions(other.waba_id, { group_creation_disabled: true });
    assert.deepEqual(set, {
      waba_id: other.waba_id,
      eligible_for_groups: true,
      group_creation_disabled: true,
      partial_success_status: 200,
    });
    await assert.rejects(control.createGroup(other, { subject: 'Paused' }), /131214/);
    await control.businesses.setConditions(other.waba_id, { group_creation_disabled: false });
    const armed = await control.businesses.armFailure(other.waba_id, {
      operation: 'group_create',
      code: 131215,
    });
    assert.deepEqual(armed.failures, [{ operation: 'group_create', code: 131215 }]);
    assert.equal((await control.businesses.armedFailures(other.waba_id)).failures.length, 1);
    await assert.rejects(control.createGroup(other, { subject: 'Fails' }), /was not created.*131215/);
    await control.businesses.armFailure(other.waba_id, { operation: 'group_delete' });
    assert.deepEqual((await control.businesses.disarmFailures(other.waba_id)).failures, []);
    await assert.rejects(
      control.businesses.armFailure(other.waba_id, { operation: 'group_create', code: 1 }),
      InvalidParameterError,
    );
    assert.deepEqual(await control.users.setTermsAccepted('16505550777', false), {
      wa_id: '16505550777',
      accepted: false,
    });
  });

  it('resets everything', async () => {
    assert.deepEqual(await control.reset(), { success: true });
    await assert.rejects(control.tokens.create(business.waba_id), NotFoundError);
  });
});

describe('ControlClient: businesses and the state document', () => {
  it('lists businesses a page at a time, and deletes one with all it owns', async () => {
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await control.businesses.create({ name: `Listed ${i}` }));
    const page = await control.businesses.list({ limit: 1 });
    assert.equal(page.data.length, 1);
    assert.ok(page.paging.cursors.after);
    const all = await control.businesses.listAll();
    for (const b of made) assert.ok(all.some((x) => x.waba_id === b.waba_id));
    const [doomed] = made as [SandboxBusiness];
    assert.deepEqual(await control.businesses.delete(doomed.waba_id), { success: true });
    await assert.rejects(control.businesses.delete(doomed.waba_id), NotFoundError);
    await assert.rejects(graphFor(doomed).groups.list(), AuthenticationError);
    assert.ok(!(await control.businesses.listAll()).some((x) => x.waba_id === doomed.waba_id));
  });

  it('exports one business and imports it back; a bad document is an InvalidParameterError naming the path', async () => {
    const own = await control.businesses.create({ name: 'Stateful' });
    const document = await control.state.export({ wabaId: own.waba_id });
    assert.equal(document.businesses[0]?.tokens?.[0]?.token, own.access_token);
    assert.deepEqual(await control.state.import(document, { wabaId: own.waba_id }), { success: true });
    assert.ok(await graphFor(own).groups.list());
    const bad = structuredClone(document);
    (bad.businesses[0] as { phone_number_id: string }).phone_number_id = 'x';
    await assert.rejects(
      control.state.import(bad, { wabaId: own.waba_id }),
      (error: unknown) =>
        error instanceof InvalidParameterError && /businesses\[0\]\.phone_number_id/.test(error.message),
    );
  });
});
