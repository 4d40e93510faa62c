import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Harness, V, waIds, type Business, type Group, type GraphResult } from '../../testing/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await Harness.start();
});
afterEach(() => h.close());

interface Listed {
  data: { waba_id: string; phone_number_id: string; app_id: string; name: string }[];
  paging: { cursors: { after?: string } };
}

async function list(query = ''): Promise<Listed> {
  const res = await h.control<Listed>('GET', `/_groupgate/businesses${query}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

/** A business with a group, pending requests and a participant. */
async function populated(name: string): Promise<{ business: Business; group: Group; pending: string[] }> {
  const business = await h.createBusiness(name);
  const group = await h.createGroup(business);
  const users = waIds(6, name === 'A' ? '1650111' : '1650222');
  const pending = [];
  for (const waId of users) pending.push(await h.requestToJoin(waId, group));
  await h.graph({
    method: 'POST',
    url: `/${V}/${group.groupId}/join_requests`,
    token: business.access_token,
    json: { messaging_product: 'whatsapp', join_requests: [pending.shift()] },
  });
  return { business, group, pending };
}

describe('control API: businesses', () => {
  it('lists the businesses oldest first, without secrets, a page at a time', async () => {
    const made = [];
    for (const name of ['one', 'two', 'three']) made.push(await h.createBusiness(name));
    const all = await list();
    assert.deepEqual(
      all.data.map((b) => b.waba_id),
      made.map((b) => b.waba_id),
    );
    assert.deepEqual(Object.keys(all.data[0] ?? {}).sort(), [
      'app_id',
      'creation_timestamp',
      'display_phone_number',
      'name',
      'phone_number_id',
      'waba_id',
    ]);
    assert.deepEqual(all.paging, { cursors: {} });
    const first = await list('?limit=2');
    assert.equal(first.data.length, 2);
    const after = first.paging.cursors.after;
    assert.ok(after);
    const second = await list(`?limit=2&after=${encodeURIComponent(after)}`);
    assert.deepEqual(
      second.data.map((b) => b.name),
      ['three'],
    );
    const bad = await h.control('GET', '/_groupgate/businesses?after=nonsense');
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body), /after/);
  });

  it('deletes one business and all it owns; the other keeps everything', async () => {
    const a = await populated('A');
    const b = await populated('B');
    const del = await h.control('DELETE', `/_groupgate/businesses/${a.business.waba_id}`);
    assert.equal(del.status, 200);
    assert.deepEqual(del.body, { success: true });

    assert.deepEqual(
      (await list()).data.map((x) => x.waba_id),
      [b.business.waba_id],
    );
    const gone = await h.graph({
      method: 'GET',
      url: `/${V}/${a.group.groupId}/join_requests`,
      token: a.business.access_token,
    });
    assert.equal(gone.status, 401);
    assert.equal((gone.body as { error: { code: number } }).error.code, 190);
    const groupGone = await h.control('GET', `/_groupgate/groups/${a.group.groupId}`);
    assert.equal(groupGone.status, 404);
    const join = await h.control('POST', '/_groupgate/users/16509990000/join', {
      invite_link: a.group.inviteLink,
    });
    assert.equal(join.status, 404);
    const deliveries = await h.control<{ data: unknown[] }>(
      'GET',
      `/_groupgate/webhooks/deliveries?app_id=${a.business.app_id}`,
    );
    assert.deepEqual(deliveries.body.data, []);

    const page = await h.graph<{ data: unknown[] }>({
      method: 'GET',
      url: `/${V}/${b.group.groupId}/join_requests`,
      token: b.business.access_token,
    });
    assert.equal(page.status, 200);
    assert.equal(page.body.data.length, b.pending.length);
    assert.equal((await h.participants(b.group)).length, 1);
    const theirDeliveries = await h.control<{ data: unknown[] }>(
      'GET',
      `/_groupgate/webhooks/deliveries?app_id=${b.business.app_id}`,
    );
    assert.ok(theirDeliveries.body.data.length > 0);

    const again = await h.control('DELETE', `/_groupgate/businesses/${a.business.waba_id}`);
    assert.equal(again.status, 404);
    assert.equal((again.body as { error: { type: string } }).error.type, 'GroupgateException');
  });

  it('forgets the conditions and armed failures of a deleted business: a new one starts with the defaults', async () => {
    for (let round = 0; round < 2; round++) {
      const business = await h.createBusiness(`Round ${round}`);
      const conditions = await h.control<{ eligible_for_groups: boolean }>(
        'GET',
        `/_groupgate/businesses/${business.waba_id}/conditions`,
      );
      assert.equal(conditions.body.eligible_for_groups, true, 'a new business is eligible');
      const armed = await h.control<{ failures: unknown[] }>(
        'GET',
        `/_groupgate/businesses/${business.waba_id}/failures`,
      );
      assert.deepEqual(armed.body.failures, [], 'and has no failure armed');
      await h.control('PUT', `/_groupgate/businesses/${business.waba_id}/conditions`, {
        eligible_for_groups: false,
      });
      await h.control('POST', `/_groupgate/businesses/${business.waba_id}/failures`, {
        operation: 'group_delete',
      });
      assert.equal((await h.control('DELETE', `/_groupgate/businesses/${business.waba_id}`)).status, 200);
    }
  });

  it('answers every call racing the delete with its result or a clean Graph error, never a 500', async () => {
    for (let round = 0; round < 5; round++) {
      const a = await populated('A');
      const b = await populated('B');
      const calls = (target: typeof a): Promise<GraphResult>[] => {
        const { business, group, pending } = target;
        const token = business.access_token;
        return [
          h.graph({ method: 'GET', url: `/${V}/${group.groupId}/join_requests`, token }),
          h.graph({
            method: 'POST',
            url: `/${V}/${group.groupId}/join_requests`,
            token,
            json: { messaging_product: 'whatsapp', join_requests: pending.slice(0, 2) },
          }),
          h.graph({
            method: 'DELETE',
            url: `/${V}/${group.groupId}/join_requests`,
            token,
            json: { messaging_product: 'whatsapp', join_requests: pending.slice(2, 3) },
          }),
          h.graph({
            method: 'POST',
            url: `/${V}/${business.phone_number_id}/groups`,
            token,
            json: {
              messaging_product: 'whatsapp',
              subject: 'Racing',
              join_approval_mode: 'approval_required',
            },
          }),
          h.graph({ method: 'GET', url: `/${V}/${business.phone_number_id}/groups`, token }),
          h.graph({ method: 'GET', url: `/${V}/${group.groupId}?fields=subject`, token }),
          h.graph({
            method: 'POST',
            url: `/${V}/${group.groupId}`,
            token,
            json: { messaging_product: 'whatsapp', subject: 'Renamed' },
          }),
          h.control('POST', `/_groupgate/users/1650333000${round}/join`, { invite_link: group.inviteLink }),
        ];
      };
      // Interleaved: the delete starts between calls already under way and calls that start after it.
      const before = calls(a);
      const deleting = h.control('DELETE', `/_groupgate/businesses/${a.business.waba_id}`);
      const after = calls(a);
      const others = calls(b);
      const [deleted, ...raced] = await Promise.all([deleting, ...before, ...after]);
      assert.equal(deleted?.status, 200);
      for (const res of raced) {
        assert.ok(res.status < 500, `a racing call answered ${res.status}: ${JSON.stringify(res.body)}`);
        if (res.status >= 400) {
          const code = (res.body as { error: { code: number } }).error.code;
          assert.ok([190, 100, 131041].includes(code), `unexpected error ${JSON.stringify(res.body)}`);
        }
      }
      for (const res of await Promise.all(others)) {
        assert.equal(res.status, 200, `the other business was disturbed: ${JSON.stringify(res.body)}`);
      }
      // Nothing of A is left, whatever raced: no group created after the delete began survives it.
      const rest = await list();
      assert.deepEqual(
        rest.data.map((x) => x.waba_id),
        [b.business.waba_id],
      );
      await h.control('DELETE', `/_groupgate/businesses/${b.business.waba_id}`);
    }
  });
});
