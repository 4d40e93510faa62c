import assert from 'node:assert/strict';
import { bsuidFor } from '../../../domain/users.js';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Harness, V, waIds, type Business, type Group } from '../../../testing/harness.js';

let h: Harness;
let business: Business;
let group: Group;

beforeEach(async () => {
  h = await Harness.start();
  business = await h.createBusiness();
  group = await h.createGroup(business, { subject: 'Launch team' });
});
afterEach(() => h.close());

describe('GET /{group_id}', () => {
  it('answers id and messaging_product alone when no fields are asked for, as Meta documents', async () => {
    const res = await h.graph({ method: 'GET', url: `/${V}/${group.groupId}`, token: business.access_token });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { id: group.groupId, messaging_product: 'whatsapp' });
  });

  it('answers the asked-for GroupInfo fields, participants from approved requests', async () => {
    const ids = [];
    for (const waId of waIds(3)) ids.push(await h.requestToJoin(waId, group));
    await h.graph({
      method: 'POST',
      url: `/${V}/${group.groupId}/join_requests`,
      token: business.access_token,
      json: { messaging_product: 'whatsapp', join_requests: ids.slice(0, 2) },
    });
    const fields =
      'subject,description,join_approval_mode,suspended,creation_timestamp,participants,total_participant_count';
    const res = await h.graph<Record<string, unknown>>({
      method: 'GET',
      url: `/${V}/${group.groupId}?fields=${fields}`,
      token: business.access_token,
    });
    assert.deepEqual(res.body, {
      id: group.groupId,
      messaging_product: 'whatsapp',
      subject: 'Launch team',
      description: '',
      join_approval_mode: 'approval_required',
      suspended: false,
      creation_timestamp: h.now,
      participants: waIds(2).map((waId) => ({ wa_id: waId, user_id: bsuidFor(business.waba_id, waId) })),
      total_participant_count: 2,
    });
  });

  it("refuses an unknown field with 100, and another business's group with 100/33", async () => {
    const bad = await h.graph<{ error: { code: number; message: string } }>({
      method: 'GET',
      url: `/${V}/${group.groupId}?fields=subject,owner`,
      token: business.access_token,
    });
    assert.equal(bad.status, 400);
    assert.equal(
      bad.body.error.message,
      '(#100) Tried accessing nonexisting field (owner) on node type (WhatsAppGroup)',
    );
    const other = await h.createBusiness('Other');
    const foreign = await h.graph<{ error: { code: number; error_subcode: number } }>({
      method: 'GET',
      url: `/${V}/${group.groupId}`,
      token: other.access_token,
    });
    assert.deepEqual(
      [foreign.status, foreign.body.error.code, foreign.body.error.error_subcode],
      [400, 100, 33],
    );
  });

  it('refuses as nonexisting every field name plain objects inherit, and never answers the stored record', async () => {
    for (const name of Object.getOwnPropertyNames(Object.prototype)) {
      const res = await h.graph<{ error: { code: number; message: string } }>({
        method: 'GET',
        url: `/${V}/${group.groupId}?fields=subject,${encodeURIComponent(name)}`,
        token: business.access_token,
      });
      assert.equal(res.status, 400, `${name}: ${JSON.stringify(res.body)}`);
      assert.equal(
        res.body.error.message,
        `(#100) Tried accessing nonexisting field (${name}) on node type (WhatsAppGroup)`,
      );
    }
  });
});
