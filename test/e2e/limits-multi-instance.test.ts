/**
 * Two Groupgate apps on one PostgreSQL schema share each business's limits and budgets: a limit set through one is
 * enforced by both, calls spread over both are counted in one window, and concurrent group operations racing on
 * both instances never get more than the limit through. Both run on one manual clock (the harnesses' `now`). The
 * limits are set before the second instance first reads the token: a change reaches an instance that already has
 * the business cached within the cache's second (docs/decisions.md, Rate limits), which a test would have to wait out.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BusinessLimitsState } from '@groupgate/sdk/contract';
import { Harness, V, type Business, type Group } from '../../src/testing/harness.js';
import { newTestSchema, openTestPostgresStore, postgresSkipReason } from '../../src/testing/postgres.js';

const skip = await postgresSkipReason();

describe('limits across two instances on one PostgreSQL', { skip }, () => {
  let a: Harness;
  let b: Harness;
  let business: Business;
  let group: Group;

  before(async () => {
    const schema = newTestSchema();
    a = await Harness.start({ store: await openTestPostgresStore(schema) });
    b = await Harness.start({ store: await openTestPostgresStore(schema) });
    business = await a.createBusiness();
    group = await a.createGroup(business, { subject: 'Shared' });
  });
  // b first: closing a harness on PostgreSQL drops the test schemas, which a's store no longer needs by then.
  after(async () => {
    await b?.close();
    await a?.close();
  });

  const setNow = (now: number) => {
    a.now = now;
    b.now = now;
  };
  const read = (h: Harness) =>
    h.graph<{ error?: { code: number } }>({
      method: 'GET',
      url: `/${V}/${group.groupId}?fields=subject`,
      token: business.access_token,
    });
  const rename = (h: Harness, subject: string) =>
    h.graph<{ error?: { code: number } }>({
      method: 'POST',
      url: `/${V}/${group.groupId}`,
      token: business.access_token,
      json: { messaging_product: 'whatsapp', subject },
    });

  it('counts calls to either instance in one WABA budget set through the other', async () => {
    const t = 1_790_000_000;
    setNow(t);
    const set = await a.control('PUT', `/_groupgate/businesses/${business.waba_id}/limits`, {
      waba_calls: { max: 5, per_seconds: 60 },
      group_operations: { max: 3, per_seconds: 60 },
    });
    assert.equal(set.status, 200);
    const statuses = [];
    for (const h of [a, b, a, b, a, b, a]) statuses.push((await read(h)).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
    const state = await b.control<BusinessLimitsState>(
      'GET',
      `/_groupgate/businesses/${business.waba_id}/limits`,
    );
    assert.equal(state.body.waba_calls?.used, 5);
    setNow(t + 60);
    assert.equal((await read(b)).status, 200, 'the window slid on for both');
  });

  it('lets exactly max group operations through when both instances race', async () => {
    // Past the first test's window: the WABA budget has room for the three operations the limit lets through.
    setNow(1_790_001_000);
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) => rename(i % 2 === 0 ? a : b, `S${i}`)),
    );
    const codes = results.map((r) => (r.status === 200 ? 200 : r.body.error?.code));
    assert.equal(codes.filter((c) => c === 200).length, 3, JSON.stringify(codes));
    assert.equal(codes.filter((c) => c === 131208).length, 13);
  });
});
