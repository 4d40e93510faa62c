/**
 * Every error code and failure webhook Meta documents for Groups, each reached by what causes it: a state of the
 * group or the input (131041, 131020, 131202), or a condition set through the control API (131215, 131214, 131203,
 * 131201 as HTTP 206, failures armed for the next create, delete or settings update). Graph answers are checked
 * against Meta's spec by the harness; webhooks against the shapes of the reference (§3.2, §3.4).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { startWebhookReceiver, type WebhookReceiver } from '@groupgate/sdk/testing';
import { Harness, V, type Business, type Group } from '../testing/harness.js';
import { onlyItem } from '../testing/only-item.js';

const VERIFY_TOKEN = 'verify-me';

let h: Harness;
let business: Business;
let receiver: WebhookReceiver;

beforeEach(async () => {
  h = await Harness.start();
  business = await h.createBusiness();
  receiver = await startWebhookReceiver({ appSecret: business.app_secret, verifyToken: VERIFY_TOKEN });
  const set = await h.control('PUT', `/_groupgate/apps/${business.app_id}/webhook`, {
    callback_url: receiver.url,
    verify_token: VERIFY_TOKEN,
  });
  assert.equal(set.status, 200, JSON.stringify(set.body));
});

afterEach(async () => {
  await h.close();
  await receiver.close();
});

interface ErrorBody {
  error: {
    code: number;
    message: string;
    type: string;
    error_subcode?: number;
    error_data?: { details: string };
  };
}

function graph<T = ErrorBody>(method: 'GET' | 'POST' | 'DELETE', url: string, json?: unknown) {
  return h.graph<T>({
    method,
    url: `/${V}/${url}`,
    token: business.access_token,
    ...(json !== undefined && { json }),
  });
}

function createGroup(json: Record<string, unknown> = {}) {
  return graph<{ request_id: string } & Partial<ErrorBody>>('POST', `${business.phone_number_id}/groups`, {
    messaging_product: 'whatsapp',
    subject: 'Launch team',
    ...json,
  });
}

function remove(group: Group, users: string[]) {
  return graph<{ success?: boolean } & Partial<ErrorBody>>('DELETE', `${group.groupId}/participants`, {
    messaging_product: 'whatsapp',
    participants: users.map((user) => ({ user })),
  });
}

async function join(waId: string, group: Group): Promise<void> {
  const joined = await h.control('POST', `/_groupgate/users/${waId}/join`, { invite_link: group.inviteLink });
  assert.equal(joined.status, 200, JSON.stringify(joined.body));
}

/** The `groups[]` items received so far, after the `skip` first (usually the group_create of the set-up). */
async function items(count: number, skip = 0) {
  return (await receiver.waitForWebhooks(count)).slice(skip).map(onlyItem);
}

const conditions = (json: Record<string, unknown>) =>
  h.control('PUT', `/_groupgate/businesses/${business.waba_id}/conditions`, json);
const arm = (json: Record<string, unknown>) =>
  h.control('POST', `/_groupgate/businesses/${business.waba_id}/failures`, json);

describe('131041 Group unknown', () => {
  it('answers an id of the business’s own number that names no group: deleted, or never made', async () => {
    const group = await h.createGroup(business);
    assert.equal((await graph('DELETE', group.groupId)).status, 200);
    for (const path of [group.groupId, `${group.groupId}/join_requests`, `${group.groupId}/invite_link`]) {
      const gone = await graph('GET', path);
      assert.equal(gone.status, 400, path);
      assert.equal(gone.body.error.code, 131041);
      assert.equal(gone.body.error.message, '(#131041) Group unknown');
      assert.equal(gone.body.error.type, 'OAuthException');
    }
  });

  it('keeps 100/33 for another business’s group and for ids Groupgate never mints', async () => {
    const other = await h.createBusiness('Other');
    const theirs = await h.createGroup(other);
    for (const id of [theirs.groupId, 'Y2FwaV9ncm91cDpub3BlZAD', 'nonsense']) {
      const res = await graph('GET', `${id}/join_requests`);
      assert.deepEqual([res.status, res.body.error.code, res.body.error.error_subcode], [400, 100, 33], id);
    }
  });
});

describe('removing participants', () => {
  it('answers 131202 when one user is named twice, however written, and removes nobody', async () => {
    const group = await h.createGroup(business, { mode: 'auto_approve' });
    await join('16505550001', group);
    const res = await remove(group, ['+1 650-555-0001', '16505550001']);
    assert.equal(res.status, 400);
    assert.equal(res.body.error?.code, 131202);
    assert.equal(res.body.error?.message, '(#131202) Duplicate participant in input');
    assert.deepEqual(await h.participants(group), ['16505550001']);
  });

  it('answers 131020 Bad group when the group holds only the business', async () => {
    const group = await h.createGroup(business, { mode: 'auto_approve' });
    const res = await remove(group, ['16505550001']);
    assert.equal(res.status, 400);
    assert.equal(res.body.error?.code, 131020);
    assert.equal(res.body.error?.message, '(#131020) Bad group');
    await join('16505550002', group);
    assert.equal((await remove(group, ['16505550001'])).status, 200, 'with a participant, as before');
  });
});

describe('131215 and 131214: the business’s eligibility', () => {
  it('answers 131215 on the groups edge while the number is not eligible, then serves it again', async () => {
    const set = await conditions({ eligible_for_groups: false });
    assert.deepEqual(set.body, {
      waba_id: business.waba_id,
      eligible_for_groups: false,
      group_creation_disabled: false,
      partial_success_status: 200,
    });
    for (const res of [await createGroup(), await graph('GET', `${business.phone_number_id}/groups`)]) {
      assert.equal(res.status, 400);
      assert.equal(res.body.error?.code, 131215);
      assert.equal(res.body.error?.message, '(#131215) Phone number not eligible for Groups API');
    }
    await conditions({ eligible_for_groups: true });
    assert.equal((await createGroup()).status, 200);
  });

  it('answers 131214 to creation only while creation is disabled', async () => {
    await conditions({ group_creation_disabled: true });
    const refused = await createGroup();
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error?.code, 131214);
    assert.equal(refused.body.error?.message, '(#131214) Group creation temporarily disabled');
    assert.equal((await graph('GET', `${business.phone_number_id}/groups`)).status, 200);
    const other = await h.createBusiness('Other');
    const theirs = await h.graph({
      method: 'POST',
      url: `/${V}/${other.phone_number_id}/groups`,
      token: other.access_token,
      json: { messaging_product: 'whatsapp', subject: 'Theirs' },
    });
    assert.equal(theirs.status, 200, 'other businesses are not affected');
  });
});

describe('approving join requests', () => {
  it('fails a user who has not accepted the new terms with 131203, in Meta’s own words; the request stays', async () => {
    const group = await h.createGroup(business);
    const [a, b] = ['16505550001', '16505550002'];
    const [idA, idB] = [await h.requestToJoin(a, group), await h.requestToJoin(b, group)];
    const terms = await h.control('PUT', `/_groupgate/users/${a}/terms`, { accepted: false });
    assert.deepEqual(terms.body, { wa_id: a, accepted: false });
    const res = await graph<Record<string, unknown>>('POST', `${group.groupId}/join_requests`, {
      messaging_product: 'whatsapp',
      join_requests: [idA, idB],
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body['approved_join_requests'], [idB]);
    assert.deepEqual(res.body['failed_join_requests'], [
      {
        join_request_id: idA,
        errors: [
          {
            code: 131203,
            message: '(#131203) Recipient has not accepted our new Terms of Service and Privacy Policy.',
            title: 'Unable to add participant to group',
            error_data: {
              details: 'Recipient has not accepted our new Terms of Service and Privacy Policy.',
            },
          },
        ],
      },
    ]);
    await h.control('PUT', `/_groupgate/users/${a}/terms`, { accepted: true });
    const again = await graph<Record<string, unknown>>('POST', `${group.groupId}/join_requests`, {
      messaging_product: 'whatsapp',
      join_requests: [idA],
    });
    assert.deepEqual(again.body['approved_join_requests'], [idA]);
  });

  it('answers HTTP 206 to a partly failed approval when the business asks for it (131201)', async () => {
    const group = await h.createGroup(business);
    const id = await h.requestToJoin('16505550001', group);
    const decide = (ids: string[]) =>
      graph<Record<string, unknown>>('POST', `${group.groupId}/join_requests`, {
        messaging_product: 'whatsapp',
        join_requests: ids,
      });
    await conditions({ partial_success_status: 206 });
    const partly = await decide([id, 'bm9wZQ']);
    assert.equal(partly.status, 206);
    assert.deepEqual(partly.body['approved_join_requests'], [id]);
    const wholly = await decide([id]);
    assert.equal(wholly.status, 200, 'nothing succeeded: no partial success');
    await conditions({ partial_success_status: 200 });
    const id2 = await h.requestToJoin('16505550002', group);
    assert.equal((await decide([id2, 'bm9wZQ'])).status, 200, 'the default');
  });
});

describe('failure webhooks', () => {
  it('sends group_create with errors[] when an armed creation fails; the group never appears', async () => {
    const armed = await arm({ operation: 'group_create', code: 131215 });
    assert.equal(armed.status, 201);
    assert.deepEqual(armed.body, {
      waba_id: business.waba_id,
      failures: [{ operation: 'group_create', code: 131215 }],
    });
    const created = await createGroup({ description: 'Everyone shipping v2' });
    assert.equal(created.status, 200, 'accepted, as at Meta');
    const [failed] = await items(1);
    assert.equal(failed?.field, 'group_lifecycle_update');
    const groupId = String(failed?.item['group_id']);
    assert.deepEqual(failed?.item, {
      timestamp: String(h.now),
      type: 'group_create',
      subject: 'Launch team',
      description: 'Everyone shipping v2',
      request_id: created.body.request_id,
      group_id: groupId,
      errors: [
        {
          code: 131215,
          title: 'Phone number not eligible for Groups API',
          message: '(#131215) Phone number not eligible for Groups API',
          error_data: { details: 'The group could not be created.' },
        },
      ],
    });
    const list = await graph<{ data: { groups: unknown[] } }>('GET', `${business.phone_number_id}/groups`);
    assert.deepEqual(list.body.data.groups, []);
    assert.equal((await graph('GET', groupId)).body.error.code, 131041);
    const event = await receiver.waitFor((e) => e.type === 'group_create');
    assert.ok(event.type === 'group_create' && event.errors?.[0]?.code === 131215, 'the SDK reads errors');
    // One failure, one call: the next creation succeeds.
    assert.equal((await createGroup()).status, 200);
    const [ok] = await items(2, 1);
    assert.equal(ok?.item['errors'], undefined);
    assert.equal(typeof ok?.item['invite_link'], 'string');
  });

  it('sends group_delete with errors[] when an armed deletion fails; the group stays', async () => {
    const group = await h.createGroup(business);
    await arm({ operation: 'group_delete' });
    const res = await graph<{ success: boolean; request_id: string }>('DELETE', group.groupId);
    assert.deepEqual([res.status, res.body.success], [200, true]);
    const [failed] = await items(2, 1);
    assert.equal(
      failed?.item['request_id'],
      res.body.request_id,
      'the failure webhook carries the answered request_id',
    );
    assert.deepEqual(failed?.item, {
      timestamp: String(h.now),
      group_id: group.groupId,
      type: 'group_delete',
      request_id: failed?.item['request_id'],
      errors: [
        {
          code: 131000,
          title: 'Something went wrong',
          message: '(#131000) Something went wrong',
          error_data: { details: 'The group could not be deleted.' },
        },
      ],
    });
    assert.match(String(failed?.item['request_id']), /^[0-9A-F]{32}$/);
    assert.equal((await graph('GET', `${group.groupId}?fields=subject`)).status, 200, 'still there');
  });

  it('sends group_settings_update with update_successful false per failed field and 131201 when partial', async () => {
    const group = await h.createGroup(business);
    await arm({ operation: 'group_settings_update', code: 131000, fields: ['subject'] });
    const res = await graph<{ request_id: string }>('POST', group.groupId, {
      messaging_product: 'whatsapp',
      subject: 'Renamed',
      description: 'New words',
    });
    assert.equal(res.status, 200);
    const [partial] = await items(2, 1);
    const fieldError = {
      code: 131000,
      title: 'Something went wrong',
      message: '(#131000) Something went wrong',
      error_data: { details: 'Failed to update subject.' },
    };
    assert.deepEqual(partial?.item, {
      timestamp: String(h.now),
      group_id: group.groupId,
      type: 'group_settings_update',
      request_id: res.body.request_id,
      group_subject: { text: 'Renamed', update_successful: false, errors: [fieldError] },
      group_description: { text: 'New words', update_successful: true },
      errors: [
        {
          code: 131201,
          title: 'Request partially succeeded',
          message: '(#131201) Request partially succeeded',
          error_data: { details: '1 of 2 settings were not updated: subject.' },
        },
      ],
    });
    const info = await graph<Record<string, unknown>>('GET', `${group.groupId}?fields=subject,description`);
    assert.deepEqual([info.body['subject'], info.body['description']], ['Test group', 'New words']);
    const event = await receiver.waitFor((e) => e.type === 'group_settings_update');
    assert.ok(event.type === 'group_settings_update' && event.subject?.updateSuccessful === false);
  });

  it('reports a wholly failed settings update with the field’s own error at the top', async () => {
    const group = await h.createGroup(business);
    await arm({ operation: 'group_settings_update', code: 131209 });
    await graph('POST', group.groupId, { messaging_product: 'whatsapp', subject: 'Renamed' });
    const [failed] = await items(2, 1);
    const subject = failed?.item['group_subject'] as {
      update_successful: boolean;
      errors: { code: number }[];
    };
    assert.equal(subject.update_successful, false);
    assert.deepEqual(
      (failed?.item['errors'] as { code: number }[]).map((e) => e.code),
      [131209],
    );
    const info = await graph<Record<string, unknown>>('GET', `${group.groupId}?fields=subject`);
    assert.equal(info.body['subject'], 'Test group');
  });
});

describe('webhook details', () => {
  it('sends display_phone_number as digits, description on group_create, and the picture’s sha256 in base64', async () => {
    await createGroup({ description: 'Everyone shipping v2' });
    const [webhook] = await receiver.waitForWebhooks(1);
    assert.ok(webhook);
    assert.equal(
      webhook?.body.entry[0]?.changes[0]?.value.metadata?.display_phone_number,
      business.display_phone_number.replace(/\D/g, ''),
    );
    assert.match(String(webhook?.body.entry[0]?.changes[0]?.value.metadata?.display_phone_number), /^\d+$/);
    assert.equal(onlyItem(webhook).item['description'], 'Everyone shipping v2');
    const plain = await h.createGroup(business);
    const [, second] = await items(2);
    assert.equal(second?.item['description'], undefined, 'left out when the group has none');
    const picture = jpeg(192, 192);
    await h.graph({
      method: 'POST',
      url: `/${V}/${plain.groupId}`,
      token: business.access_token,
      multipart: {
        messaging_product: 'whatsapp',
        file: { data: picture, filename: 'p.jpg', contentType: 'image/jpeg' },
      },
    });
    const [, , settings] = await items(3);
    const sha = (settings?.item['profile_picture'] as { sha256: string }).sha256;
    const { createHash } = await import('node:crypto');
    assert.equal(sha, createHash('sha256').update(picture).digest('base64'));
  });
});

describe('the control API for conditions', () => {
  it('refuses unknown businesses, codes it does not know, and fields on other operations', async () => {
    assert.equal((await h.control('PUT', '/_groupgate/businesses/999/conditions', {})).status, 404);
    assert.equal((await arm({ operation: 'group_create', code: 131999 })).status, 400);
    assert.equal((await arm({ operation: 'group_create', code: 131203 })).status, 400, 'item-only code');
    assert.equal((await arm({ operation: 'group_delete', fields: ['subject'] })).status, 400);
    assert.equal((await conditions({ partial_success_status: 201 })).status, 400);
  });

  it('lists, disarms, and forgets everything on reset', async () => {
    await arm({ operation: 'group_delete' });
    await arm({ operation: 'group_settings_update', fields: ['description'] });
    const listed = await h.control<{ failures: unknown[] }>(
      'GET',
      `/_groupgate/businesses/${business.waba_id}/failures`,
    );
    assert.equal(listed.body.failures.length, 2);
    const disarmed = await h.control<{ failures: unknown[] }>(
      'DELETE',
      `/_groupgate/businesses/${business.waba_id}/failures`,
    );
    assert.deepEqual(disarmed.body.failures, []);
    await conditions({ eligible_for_groups: false });
    await h.control('PUT', '/_groupgate/users/16505550001/terms', { accepted: false });
    await h.control('POST', '/_groupgate/reset');
    business = await h.createBusiness();
    assert.equal((await createGroup()).status, 200);
  });
});

/** The smallest JPEG header a decoder reads: SOI, a JFIF APP0, a baseline SOF0 with the dimensions, EOI. */
function jpeg(width: number, height: number): Buffer {
  const app0 = [
    0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00,
    0x00,
  ];
  const sof = [0xff, 0xc0, 0x00, 0x11, 0x08, height >> 8, height & 255, width >> 8, width & 255, 0x03];
  const components = [0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01];
  return Buffer.from([0xff, 0xd8, ...app0, ...sof, ...components, 0xff, 0xd9]);
}
