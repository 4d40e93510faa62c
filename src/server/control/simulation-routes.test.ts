/** Bulk simulations: many users opening invite links, paced, each producing what a single simulated join does. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Harness, V, type Business } from '../../testing/harness.js';
import type { SimulationStatus } from '@groupgate/sdk/contract';

let h: Harness;
let business: Business;

beforeEach(async () => {
  h = await Harness.start({ config: { maxParticipants: 5 } });
  business = await h.createBusiness();
});
afterEach(() => h.close());

type Simulation = SimulationStatus;

async function finished(id: string): Promise<Simulation> {
  for (;;) {
    const status = (await h.control<Simulation>('GET', `/_groupgate/simulations/${id}`)).body;
    if (status.state !== 'running') return status;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('bulk simulations', () => {
  it('spreads users over the groups in turn: requests on approval groups, joins (up to the cap) on open ones', async () => {
    const approval = await h.createGroup(business, { mode: 'approval_required' });
    const open = await h.createGroup(business, { mode: 'auto_approve' });
    const started = await h.control<Simulation>('POST', '/_groupgate/simulations', {
      group_ids: [approval.groupId, open.groupId],
      users: 20,
    });
    assert.equal(started.status, 202);
    assert.equal(started.body.state, 'running');
    const done = await finished(started.body.simulation_id);
    assert.deepEqual(
      { state: done.state, requested: done.requested, joined: done.joined, failed: done.failed },
      { state: 'finished', requested: 10, joined: 5, failed: 5 },
    );
    assert.deepEqual(done.failures, [
      { message: 'The group is full: it already has 5 participants.', count: 5 },
    ]);
    const page = await h.graph<{ data: { wa_id: string }[] }>({
      method: 'GET',
      url: `/${V}/${approval.groupId}/join_requests?limit=100`,
      token: business.access_token,
    });
    assert.equal(page.body.data.length, 10);
    assert.ok(
      page.body.data.every((r) => /^1\d{9}$/.test(r.wa_id)),
      'numbers in the chosen country code',
    );
  });

  it('paces users to rate_per_second', async () => {
    const group = await h.createGroup(business);
    const started = await h.control<Simulation>('POST', '/_groupgate/simulations', {
      group_ids: [group.groupId],
      users: 6,
      rate_per_second: 50,
    });
    const done = await finished(started.body.simulation_id);
    assert.equal(done.requested, 6);
    // Six users at 50 a second: the last is due 100 ms after the first.
    assert.ok((done.finished_at ?? 0) - done.started_at >= 90, JSON.stringify(done));
  });

  it('stops a run on request, keeping the users already simulated', async () => {
    const group = await h.createGroup(business);
    const started = await h.control<Simulation>('POST', '/_groupgate/simulations', {
      group_ids: [group.groupId],
      users: 1000,
      rate_per_second: 20,
    });
    await new Promise((resolve) => setTimeout(resolve, 120));
    await h.control('DELETE', `/_groupgate/simulations/${started.body.simulation_id}`);
    const done = await finished(started.body.simulation_id);
    assert.equal(done.state, 'stopped');
    assert.ok(done.requested > 0 && done.requested < 1000, JSON.stringify(done));
  });

  it('refuses a rate too low to pace (its pause would overflow a timer), and stops a slow run at once', async () => {
    const group = await h.createGroup(business);
    for (const rate of [1e-9, 0.0009, Number.MIN_VALUE]) {
      const refused = await h.control<{ error: { type: string; message: string } }>(
        'POST',
        '/_groupgate/simulations',
        {
          group_ids: [group.groupId],
          users: 5,
          rate_per_second: rate,
        },
      );
      assert.equal(refused.status, 400, JSON.stringify(refused.body));
      assert.equal(refused.body.error.type, 'GroupgateException');
      assert.equal(
        refused.body.error.message,
        'Param rate_per_second must be 0 (as fast as possible) or at least 0.001',
      );
    }
    assert.deepEqual(await h.participants(group), []);
    // The slowest rate: one user now, the next due in 1000 s; a stop ends the pause.
    const started = await h.control<Simulation>('POST', '/_groupgate/simulations', {
      group_ids: [group.groupId],
      users: 5,
      rate_per_second: 0.001,
    });
    assert.equal(started.status, 202);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await h.control('DELETE', `/_groupgate/simulations/${started.body.simulation_id}`);
    const done = await finished(started.body.simulation_id);
    assert.deepEqual({ state: done.state, requested: done.requested }, { state: 'stopped', requested: 1 });
  });

  it('refuses unknown groups and absurd sizes before starting', async () => {
    const unknown = await h.control('POST', '/_groupgate/simulations', { group_ids: ['nope'], users: 1 });
    assert.equal(unknown.status, 404);
    const group = await h.createGroup(business);
    const tooMany = await h.control('POST', '/_groupgate/simulations', {
      group_ids: [group.groupId],
      users: 10_000_000,
    });
    assert.equal(tooMany.status, 400);
    assert.equal((await h.control('GET', '/_groupgate/simulations/sim_999')).status, 404);
  });
});
