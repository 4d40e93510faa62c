/**
 * The SDK's retry logic against real injected faults over HTTP: an in-process Groupgate, the real GroupsClient, and
 * a `sleep` that records what it was asked to wait (and moves the virtual clock by as much, so a limit's window
 * really has room when the client tries again) instead of waiting.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  GraphApiError,
  GraphNetworkError,
  GroupsClient,
  RateLimitError,
  type ControlClient,
  type CreatedGroup,
  type RetryOptions,
  type SandboxBusiness,
} from '@groupgate/sdk';
import { startGroupgate, type Groupgate } from '../../src/index.js';

let groupgate: Groupgate;
let control: ControlClient;
before(async () => {
  groupgate = await startGroupgate();
  control = groupgate.control;
});
after(() => groupgate.close());

interface Fixture {
  business: SandboxBusiness;
  group: CreatedGroup;
  graph: GroupsClient;
  /** Every wait the client asked for, in ms. */
  sleeps: number[];
}

/** A business of its own with one approval group, and a client whose waits are recorded, not slept. */
async function fixture(
  retry: Partial<RetryOptions> = {},
  options: { advanceClock?: boolean } = {},
): Promise<Fixture> {
  const business = await control.businesses.create();
  const group = await control.createGroup(business, {
    subject: 'Retries',
    joinApprovalMode: 'approval_required',
  });
  const sleeps: number[] = [];
  const graph = new GroupsClient({
    baseUrl: groupgate.url,
    accessToken: business.access_token,
    retry: { maxRetries: 3, ...retry },
    sleep: async (ms) => {
      sleeps.push(ms);
      if (options.advanceClock === true && ms > 0) await control.advanceClock(ms / 1000);
    },
  });
  return { business, group, graph, sleeps };
}

async function pendingRequest(group: CreatedGroup, waId: string): Promise<string> {
  const joined = await control.users.join(waId, group.inviteLink);
  assert.ok(joined.join_request_id !== undefined, 'an approval group answers a join request');
  return joined.join_request_id;
}

const reads = (group: CreatedGroup) => ({ group_id: group.groupId, method: 'GET', edge: 'join_requests' });
const decisions = (group: CreatedGroup) => ({
  group_id: group.groupId,
  method: 'POST',
  edge: 'join_requests',
});

describe('the SDK retries what it should, against injected faults', () => {
  for (const code of [2, 131000, 130429]) {
    it(`retries a read refused with ${code} until it succeeds`, async () => {
      const { group, graph, sleeps } = await fixture();
      await control.addFault({
        match: { group_id: group.groupId, edge: 'join_requests', method: 'GET' },
        error: { code },
        times: 2,
      });
      const page = await graph.joinRequests.list(group.groupId);
      assert.deepEqual(page.data, []);
      assert.equal(sleeps.length, 2, 'one wait before each retry');
      assert.equal(
        await control.countRequests(reads(group)),
        3,
        'two refused attempts, then the one that answered',
      );
      assert.equal(await control.countRequests({ ...reads(group), code }), 2);
    });
  }

  it('retries an approval refused with 131000 or 130429: the refused call changed nothing', async () => {
    const { group, graph, sleeps } = await fixture();
    const id = await pendingRequest(group, '16505550101');
    await control.addFault({
      match: { group_id: group.groupId, method: 'POST' },
      error: { code: 131000 },
      times: 1,
    });
    await control.addFault({
      match: { group_id: group.groupId, method: 'POST' },
      error: { code: 130429 },
      times: 1,
    });
    const answer = await graph.joinRequests.approve(group.groupId, [id]);
    assert.deepEqual(answer.approved_join_requests, [id]);
    assert.equal(sleeps.length, 2);
    assert.equal(await control.countRequests({ ...decisions(group), status: 200 }), 1);
  });

  it('retries a read whose connection was reset', async () => {
    const { group, graph, sleeps } = await fixture();
    await control.addFault({
      match: { group_id: group.groupId, edge: 'join_requests', method: 'GET' },
      network: 'reset',
      times: 1,
    });
    assert.deepEqual((await graph.joinRequests.list(group.groupId)).data, []);
    assert.equal(sleeps.length, 1);
    assert.equal(await control.countRequests({ ...reads(group), status: 200 }), 1);
  });

  it('never retries an approval whose reply was lost after the server committed it', async () => {
    const { group, graph, sleeps } = await fixture();
    const id = await pendingRequest(group, '16505550102');
    await control.addFault({
      match: { group_id: group.groupId, edge: 'join_requests', method: 'POST' },
      network: 'drop_reply',
      times: 1,
    });
    await assert.rejects(graph.joinRequests.approve(group.groupId, [id]), (error: unknown) => {
      assert.ok(error instanceof GraphNetworkError, String(error));
      assert.equal(error.timedOut, false);
      return true;
    });
    assert.deepEqual(sleeps, [], 'not a single retry');
    // The change was made, once: the request is no longer pending and the user is a participant.
    assert.deepEqual((await graph.joinRequests.list(group.groupId)).data, []);
    assert.deepEqual((await control.groups.get(group.groupId)).participants, ['16505550102']);
    assert.equal(await control.countRequests(decisions(group)), 1, 'exactly one approval reached the server');
    const [cut] = (await control.requests(decisions(group))).data;
    assert.equal(cut?.status, 0, 'recorded with no answer sent');
    assert.equal(cut?.fault?.effect, 'drop_reply_after_commit', 'the journal says the change was made');
  });

  it('never retries an approval whose connection was reset: it may have been applied', async () => {
    const { group, graph, sleeps } = await fixture();
    const id = await pendingRequest(group, '16505550103');
    await control.addFault({
      match: { group_id: group.groupId, method: 'POST' },
      network: 'reset',
      times: 1,
    });
    await assert.rejects(graph.joinRequests.approve(group.groupId, [id]), GraphNetworkError);
    assert.deepEqual(sleeps, []);
    assert.equal(await control.countRequests(decisions(group)), 1);
  });

  it('waits as long as Retry-After says (131208, the group-operations limit)', async () => {
    const { business, group, graph, sleeps } = await fixture({}, { advanceClock: true });
    const first = await pendingRequest(group, '16505550104');
    const second = await pendingRequest(group, '16505550105');
    await control.freezeClock();
    try {
      await control.setLimits(business.waba_id, { group_operations: { max: 1, per_seconds: 30 } });
      await graph.joinRequests.approve(group.groupId, [first]);
      const answer = await graph.joinRequests.approve(group.groupId, [second]);
      assert.deepEqual(answer.approved_join_requests, [second]);
      assert.deepEqual(sleeps, [30_000], 'Retry-After: 30, not the exponential backoff');
      assert.equal(await control.countRequests({ ...decisions(group), code: 131208 }), 1);
    } finally {
      await control.resetClock();
    }
  });

  it("waits for x-business-use-case-usage's estimated_time_to_regain_access (80007, the WABA budget)", async () => {
    const { business, group, graph, sleeps } = await fixture({ maxDelayMs: 180_000 }, { advanceClock: true });
    await control.freezeClock();
    try {
      await control.setLimits(business.waba_id, { waba_calls: { max: 1, per_seconds: 120 } });
      await graph.joinRequests.list(group.groupId);
      await graph.joinRequests.list(group.groupId);
      assert.deepEqual(sleeps, [120_000], 'estimated_time_to_regain_access: 2 (minutes)');
      assert.equal(await control.countRequests({ ...reads(group), code: 80007 }), 1);
      assert.equal(await control.countRequests({ ...reads(group), status: 200 }), 2);
    } finally {
      await control.resetClock();
    }
  });

  it('fails at once when the server asks for a longer wait than maxDelayMs', async () => {
    const { business, group, graph, sleeps } = await fixture({ maxDelayMs: 30_000 });
    await control.freezeClock();
    try {
      await control.setLimits(business.waba_id, { waba_calls: { max: 1, per_seconds: 120 } });
      await graph.joinRequests.list(group.groupId);
      await assert.rejects(graph.joinRequests.list(group.groupId), (error: unknown) => {
        assert.ok(error instanceof RateLimitError, String(error));
        assert.equal(error.code, 80007);
        assert.equal(error.retryAfterMs, 120_000);
        return true;
      });
      assert.deepEqual(sleeps, []);
    } finally {
      await control.resetClock();
    }
  });

  it('gives up after maxRetries and surfaces the last error', async () => {
    const { group, graph, sleeps } = await fixture({ maxRetries: 2 });
    await control.addFault({ match: { group_id: group.groupId }, error: { code: 131000 } });
    await assert.rejects(graph.joinRequests.list(group.groupId), (error: unknown) => {
      assert.ok(error instanceof GraphApiError, String(error));
      assert.equal(error.code, 131000);
      assert.equal(error.isTransient, true);
      return true;
    });
    assert.equal(sleeps.length, 2);
    assert.equal(await control.countRequests(reads(group)), 3, 'the first attempt and two retries');
  });
});
