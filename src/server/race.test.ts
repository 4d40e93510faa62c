/**
 * Many approve and reject calls over overlapping ids, in flight at once against a listening server: every id ends
 * in exactly one state and is reported as a success by exactly one call.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { Harness, V, waIds, type Business, type Group } from '../testing/harness.js';

let h: Harness;
let base: string;
let business: Business;
let group: Group;
let ids: string[];

before(async () => {
  h = await Harness.start({ config: { maxParticipants: 1000 } });
  business = await h.createBusiness();
  group = await h.createGroup(business);
  ids = [];
  for (const waId of waIds(120)) ids.push(await h.requestToJoin(waId, group));
  base = await h.app.listen({ port: 0, host: '127.0.0.1' });
});
after(() => h.close());

it('decides every id exactly once under 200 concurrent overlapping calls', async () => {
  const calls = Array.from({ length: 200 }, async (_, i) => {
    // Overlapping windows of 30 ids, shifted by call, in both directions.
    const start = (i * 7) % ids.length;
    const batch = Array.from({ length: 30 }, (_, j) => ids[(start + j) % ids.length] as string);
    const approve = i % 2 === 0;
    const res = await fetch(`${base}/${V}/${group.groupId}/join_requests`, {
      method: approve ? 'POST' : 'DELETE',
      headers: { authorization: `Bearer ${business.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messaging_product: 'whatsapp', join_requests: batch }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as {
      approved_join_requests?: string[];
      rejected_join_requests?: string[];
    };
    return { approved: body.approved_join_requests ?? [], rejected: body.rejected_join_requests ?? [] };
  });
  const results = await Promise.all(calls);

  const approved = results.flatMap((r) => r.approved);
  const rejected = results.flatMap((r) => r.rejected);
  const all = [...approved, ...rejected];
  assert.equal(new Set(all).size, all.length, 'no id is reported as a success twice');
  assert.deepEqual([...all].sort(), [...ids].sort(), 'every id is decided');

  const participants = await h.participants(group);
  const waIdOf = new Map(ids.map((id, i) => [id, waIds(120)[i]]));
  assert.deepEqual(
    participants.sort(),
    approved.map((id) => waIdOf.get(id)).sort(),
    'participants are exactly the approved',
  );
  const pending = await fetch(`${base}/${V}/${group.groupId}/join_requests`, {
    headers: { authorization: `Bearer ${business.access_token}` },
  });
  assert.deepEqual(await pending.json(), { data: [] });
});
