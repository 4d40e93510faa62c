/**
 * Fault rules as a test suite drives them: `startGroupgate()`, the SDK's ControlClient fault methods, and the
 * GroupsClient meeting the injected errors as its typed errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GraphApiError, GroupsClient, RateLimitError } from '@groupgate/sdk';
import { startGroupgate } from '../../src/index.js';

describe('fault rules through the SDK', () => {
  it('adds, lists, removes and clears rules; the Graph client meets them as typed errors', async () => {
    const groupgate = await startGroupgate();
    try {
      const { control } = groupgate;
      const business = await control.businesses.create();
      const group = await control.createGroup(business, {
        subject: 'Flaky',
        joinApprovalMode: 'approval_required',
      });
      const graph = new GroupsClient({
        baseUrl: groupgate.url,
        accessToken: business.access_token,
        retry: false,
      });
      const limited = await control.addFault({
        match: { edge: 'join_requests', method: 'GET', group_id: group.groupId },
        error: { code: 130429 },
        times: 1,
      });
      await assert.rejects(graph.joinRequests.list(group.groupId), (error: unknown) => {
        assert.ok(error instanceof RateLimitError, String(error));
        assert.equal(error.code, 130429);
        return true;
      });
      assert.equal((await graph.joinRequests.list(group.groupId)).data.length, 0, 'times: 1');
      const broken = await control.addFault({ error: { code: 131000 }, after: 1 });
      assert.deepEqual(
        (await control.faults()).map((rule) => [rule.id, rule.hits]),
        [
          [limited.id, 1],
          [broken.id, 0],
        ],
      );
      await graph.joinRequests.list(group.groupId);
      await assert.rejects(graph.joinRequests.list(group.groupId), (error: unknown) => {
        assert.ok(error instanceof GraphApiError);
        assert.equal(error.code, 131000);
        assert.equal(error.status, 500);
        return true;
      });
      assert.deepEqual(await control.removeFault(limited.id), { success: true });
      assert.deepEqual(
        (await control.faults()).map((rule) => rule.id),
        [broken.id],
      );
      await control.clearFaults();
      assert.deepEqual(await control.faults(), []);
    } finally {
      await groupgate.close();
    }
  });

  it('reads X-Groupgate-Fault unless started with faultHeader: false', async () => {
    for (const faultHeader of [true, false]) {
      const groupgate = await startGroupgate({ faultHeader });
      try {
        const business = await groupgate.control.businesses.create();
        const response = await fetch(`${groupgate.url}/v23.0/${business.phone_number_id}/groups`, {
          headers: { authorization: `Bearer ${business.access_token}`, 'x-groupgate-fault': 'error=2' },
        });
        assert.equal(response.status, faultHeader ? 503 : 200);
      } finally {
        await groupgate.close();
      }
    }
  });
});
