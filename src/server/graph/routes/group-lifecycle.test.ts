/**
 * The group lifecycle through Meta's calls: settings updates (JSON and multipart pictures), deletion, invite link
 * reset and deletion, participant removal, suspension and the group rate limit.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { afterEach, describe, it } from 'node:test';
import { Harness, V, type Business, type Group } from '../../../testing/harness.js';
import type { AppConfig } from '../../app.js';

let h: Harness;
let business: Business;
let group: Group;

async function setUp(
  config: Partial<AppConfig> = {},
  mode: 'approval_required' | 'auto_approve' = 'auto_approve',
) {
  h = await Harness.start({ config });
  business = await h.createBusiness();
  group = await h.createGroup(business, { subject: 'Launch team', mode });
}
afterEach(() => h.close());

type ErrorBody = { error: { code: number; message: string; error_subcode?: number } };

function call<T = ErrorBody>(method: 'GET' | 'POST' | 'DELETE', path: string, json?: unknown) {
  return h.graph<T>({
    method,
    url: `/${V}/${group.groupId}${path}`,
    token: business.access_token,
    ...(json !== undefined && { json }),
  });
}

async function info(fields: string) {
  return (await call<Record<string, unknown>>('GET', `?fields=${fields}`)).body;
}

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

/** The newest group_settings_update item in the delivery log. */
async function lastSettingsItem(): Promise<{ profile_picture?: { sha256: string } }> {
  const log = await h.control<{
    data: { field: string; item: { type: string } & Record<string, unknown> }[];
  }>('GET', '/_groupgate/webhooks/deliveries?limit=500');
  const found = log.body.data.find((e) => e.item.type === 'group_settings_update');
  assert.ok(found, JSON.stringify(log.body).slice(0, 500));
  return found.item as { profile_picture?: { sha256: string } };
}

function uploadPicture(data: Buffer, contentType = 'image/jpeg') {
  return h.graph<ErrorBody & { success?: boolean }>({
    method: 'POST',
    url: `/${V}/${group.groupId}`,
    token: business.access_token,
    multipart: { messaging_product: 'whatsapp', file: { data, filename: 'photo.jpg', contentType } },
  });
}

async function join(waId: string, inviteLink = group.inviteLink) {
  return h.control<{ status?: string; error?: { message: string } }>(
    'POST',
    `/_groupgate/users/${waId}/join`,
    {
      invite_link: inviteLink,
    },
  );
}

describe('settings updates', () => {
  it('changes subject (trimmed) and description, answering the request_id its webhook carries', async () => {
    await setUp();
    const res = await call<{ success: boolean; request_id: string }>('POST', '', {
      messaging_product: 'whatsapp',
      subject: '  Launch crew ',
      description: 'Everyone shipping v2',
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.success, true);
    assert.match(res.body.request_id, /^[0-9A-F]{32}$/);
    assert.deepEqual(await info('subject,description'), {
      id: group.groupId,
      messaging_product: 'whatsapp',
      subject: 'Launch crew',
      description: 'Everyone shipping v2',
    });
  });

  it('refuses an empty or over-long subject, an over-long description, and an empty update', async () => {
    await setUp();
    for (const [body, message] of [
      [{ subject: '   ' }, '(#100) Param subject must be a non-empty string'],
      [{ subject: 'x'.repeat(129) }, '(#100) Param subject must be at most 128 characters long'],
      [{ description: 'x'.repeat(2049) }, '(#100) Param description must be at most 2048 characters long'],
      [{}, '(#100) Nothing to update: send subject, description or a profile picture (file)'],
      [{ profile_picture_file: '/tmp/pic.jpg' }, /A path names a file on your machine/],
    ] as const) {
      const res = await call('POST', '', { messaging_product: 'whatsapp', ...body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.code, 100);
      if (typeof message === 'string') assert.equal(res.body.error.message, message);
      else assert.match(res.body.error.message, message);
    }
    assert.equal((await info('subject')).subject, 'Launch team', 'nothing changed');
  });

  it('refuses null or a wrong type in any field with 100, storing nothing and sending no webhook', async () => {
    await setUp();
    const events = async () =>
      (await h.control<{ data: unknown[] }>('GET', '/_groupgate/webhooks/deliveries?limit=500')).body.data
        .length;
    const before = await events();
    for (const [body, message] of [
      [{ subject: null }, '(#100) Param subject must be a string'],
      [{ description: null }, '(#100) Param description must be a string'],
      [{ subject: 'Renamed', description: null }, '(#100) Param description must be a string'],
      [{ subject: ['a'] }, '(#100) Param subject must be a string'],
      [{ description: 5 }, '(#100) Param description must be a string'],
      [{ description: { text: 'x' } }, '(#100) Param description must be a string'],
      [{ profile_picture_file: null }, '(#100) Param profile_picture_file must be a string'],
      [{ messaging_product: null }, '(#100) Param messaging_product must be a string'],
    ] as const) {
      const res = await call('POST', '', { messaging_product: 'whatsapp', ...body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.message, message, JSON.stringify(body));
    }
    assert.deepEqual(await info('subject,description'), {
      id: group.groupId,
      messaging_product: 'whatsapp',
      subject: 'Launch team',
      description: '',
    });
    assert.equal(await events(), before, 'no webhook for a refused update');
  });

  it('takes a square JPEG of at least 192 px as a multipart file', async () => {
    await setUp();
    assert.equal((await uploadPicture(jpeg(640, 640))).status, 200);
  });

  it('takes the picture as pywa and the C# client send it: a multipart part named profile_picture_file', async () => {
    await setUp();
    const picture = jpeg(640, 640);
    const res = await h.graph<{ success?: boolean }>({
      method: 'POST',
      url: `/${V}/${group.groupId}`,
      token: business.access_token,
      multipart: {
        messaging_product: 'whatsapp',
        profile_picture_file: { data: picture, filename: 'photo.jpg', contentType: 'image/jpeg' },
      },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const item = await lastSettingsItem();
    assert.equal(item.profile_picture?.sha256, createHash('sha256').update(picture).digest('base64'));
    const wide = await h.graph<ErrorBody>({
      method: 'POST',
      url: `/${V}/${group.groupId}`,
      token: business.access_token,
      multipart: {
        messaging_product: 'whatsapp',
        profile_picture_file: { data: jpeg(640, 480), filename: 'photo.jpg', contentType: 'image/jpeg' },
      },
    });
    assert.equal(wide.body.error.code, 131209);
  });

  it("takes the spec's JSON profile_picture_file as the JPEG in base64, plain or as a data URL", async () => {
    await setUp();
    const picture = jpeg(512, 512);
    for (const value of [
      picture.toString('base64'),
      `data:image/jpeg;base64,${picture.toString('base64')}`,
    ]) {
      const res = await call<{ success?: boolean }>('POST', '', {
        messaging_product: 'whatsapp',
        profile_picture_file: value,
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const item = await lastSettingsItem();
      assert.equal(item.profile_picture?.sha256, createHash('sha256').update(picture).digest('base64'));
    }
    const small = await call('POST', '', {
      messaging_product: 'whatsapp',
      profile_picture_file: jpeg(100, 100).toString('base64'),
    });
    assert.equal(small.body.error.code, 131210);
  });

  it('refuses a picture that is not square (131209), too small (131210) or not a JPEG', async () => {
    await setUp();
    const wide = await uploadPicture(jpeg(640, 480));
    assert.equal(wide.status, 400);
    assert.equal(wide.body.error.code, 131209);
    const small = await uploadPicture(jpeg(128, 128));
    assert.equal(small.status, 400);
    assert.equal(small.body.error.code, 131210);
    const png = await uploadPicture(Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), 'image/png');
    assert.equal(png.status, 400);
    assert.equal(png.body.error.message, '(#100) Param file must be a JPEG image (image/jpeg)');
  });

  it('refuses a picture over 5 MB with a Graph error', async () => {
    await setUp();
    const huge = Buffer.concat([jpeg(640, 640), Buffer.alloc(5 * 1024 * 1024)]);
    const res = await uploadPicture(huge);
    assert.equal(res.status, 413);
    assert.equal(res.body.error.code, 100);
  });
});

describe('upload limits', () => {
  it('names the 5 MB picture limit, not the body limit, and refuses a second file', async () => {
    await setUp();
    const huge = await uploadPicture(Buffer.concat([jpeg(640, 640), Buffer.alloc(5 * 1024 * 1024)]));
    assert.equal(huge.body.error.message, '(#100) Param file must be at most 5242880 bytes');
    const form = new FormData();
    form.append('messaging_product', 'whatsapp');
    for (const name of ['a.jpg', 'b.jpg'])
      form.append('file', new Blob([jpeg(640, 640)], { type: 'image/jpeg' }), name);
    const request = new Request('http://localhost/', { method: 'POST', body: form });
    const twoFiles = await h.graph<ErrorBody>({
      method: 'POST',
      url: `/${V}/${group.groupId}`,
      token: business.access_token,
      raw: {
        body: Buffer.from(await request.arrayBuffer()),
        contentType: request.headers.get('content-type') ?? '',
      },
    });
    assert.equal(twoFiles.status, 400);
    assert.equal(twoFiles.body.error.message, '(#100) Only one file may be uploaded per call');
  });
});

describe('deleting a group', () => {
  it('answers success, then the group is gone for every call and from the list', async () => {
    await setUp();
    await join('16505550001');
    const res = await call<{ success: boolean; request_id: string }>('DELETE', '');
    assert.equal(res.status, 200);
    assert.equal(res.body.success, true);
    assert.match(res.body.request_id, /^[0-9A-F]{32}$/);
    // The group_delete webhook carries the same request_id, as group_create's does.
    const log = await h.control<{ data: { item: Record<string, unknown> }[] }>(
      'GET',
      '/_groupgate/webhooks/deliveries?limit=500',
    );
    const deleted = log.body.data.find((e) => e.item['type'] === 'group_delete');
    assert.equal(deleted?.item['request_id'], res.body.request_id);
    // The id is of the business's own number: Meta's 131041 "Group unknown" (docs/errors.md).
    for (const path of ['', '/join_requests', '/invite_link']) {
      const gone = await call('GET', path);
      assert.equal(gone.status, 400, path);
      assert.deepEqual([gone.body.error.code, gone.body.error.message], [131041, '(#131041) Group unknown']);
    }
    const again = await call('DELETE', '');
    assert.equal(again.body.error.code, 131041);
    const list = await h.graph<{ data: { groups: unknown[] } }>({
      method: 'GET',
      url: `/${V}/${business.phone_number_id}/groups`,
      token: business.access_token,
    });
    assert.deepEqual(list.body.data.groups, []);
  });
});

describe('invite links', () => {
  it('resets the link: the old one stops working, the new one works', async () => {
    await setUp();
    const reset = await call<{ messaging_product: string; invite_link: string }>('POST', '/invite_link', {
      messaging_product: 'whatsapp',
    });
    assert.equal(reset.status, 200);
    assert.match(reset.body.invite_link, /^https:\/\/chat\.whatsapp\.com\/\w+$/);
    assert.notEqual(reset.body.invite_link, group.inviteLink);
    assert.equal((await join('16505550001')).status, 404, 'the old link is dead');
    assert.equal((await join('16505550001', reset.body.invite_link)).body.status, 'joined');
    const read = await call<{ invite_link: string }>('GET', '/invite_link');
    assert.equal(read.body.invite_link, reset.body.invite_link);
  });

  it('deletes the link: nobody can join until a reset creates a new one', async () => {
    await setUp();
    const deleted = await call('DELETE', '/invite_link', { messaging_product: 'whatsapp' });
    assert.deepEqual(deleted.body, { messaging_product: 'whatsapp', success: 'true' });
    const read = await call('GET', '/invite_link');
    assert.equal(read.status, 400);
    assert.match(read.body.error.message, /has no invite link/);
    assert.equal((await join('16505550001')).status, 404);
    const created = await call<{ invite_link: string }>('POST', '/invite_link', {
      messaging_product: 'whatsapp',
    });
    assert.equal((await join('16505550001', created.body.invite_link)).body.status, 'joined');
  });

  it('needs messaging_product to reset', async () => {
    await setUp();
    const res = await call('POST', '/invite_link', {});
    assert.equal(res.body.error.message, '(#100) The parameter messaging_product is required');
  });
});

describe('participants', () => {
  it('removes participants, who then cannot come back through the link', async () => {
    await setUp();
    await join('16505550001');
    await join('16505550002');
    const res = await call<{ success: boolean }>('DELETE', '/participants', {
      messaging_product: 'whatsapp',
      participants: [{ user: '+16505550001' }],
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await h.participants(group), ['16505550002']);
    const back = await join('16505550001');
    assert.equal(back.status, 409);
    assert.match(back.body.error?.message ?? '', /removed from the group by the business/);
    assert.equal((await info('total_participant_count')).total_participant_count, 1);
  });

  it('lets a participant who left come back', async () => {
    await setUp();
    await join('16505550001');
    await h.control('POST', '/_groupgate/users/16505550001/leave', { group_id: group.groupId });
    assert.deepEqual(await h.participants(group), []);
    assert.equal((await join('16505550001')).body.status, 'joined');
  });

  it('takes 1 to 8 users a call, each a phone number', async () => {
    await setUp();
    const nine = Array.from({ length: 9 }, (_, i) => ({ user: `1650555000${i}` }));
    for (const [participants, message] of [
      [[], '(#100) Param participants must be a non-empty array'],
      [nine, '(#100) Param participants must contain at most 8 items'],
      [
        [{ user: 'alice' }],
        '(#100) Param participants[].user must be a phone number or WhatsApp id, got "alice"',
      ],
    ] as const) {
      const res = await call('DELETE', '/participants', { messaging_product: 'whatsapp', participants });
      assert.equal(res.status, 400);
      assert.equal(res.body.error.message, message);
    }
  });

  it('refuses to add participants directly: users join through the invite link', async () => {
    await setUp();
    const res = await call('POST', '/participants', {
      messaging_product: 'whatsapp',
      participants: [{ user: '16505550001' }],
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 100);
    assert.match(res.body.error.message, /join through the group invite link/);
  });
});

describe('suspended groups', () => {
  it('answer 131207 (HTTP 403) to management calls, show suspended in GroupInfo, and can be deleted', async () => {
    await setUp({}, 'approval_required');
    await h.control('POST', `/_groupgate/groups/${group.groupId}/suspend`);
    assert.equal((await info('suspended')).suspended, true);
    for (const [method, path, json] of [
      ['GET', '/join_requests', undefined],
      ['POST', '/join_requests', { messaging_product: 'whatsapp', join_requests: ['x'] }],
      ['GET', '/invite_link', undefined],
      ['POST', '', { messaging_product: 'whatsapp', subject: 'x' }],
    ] as const) {
      const res = await call(method, path, json);
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.equal(res.body.error.code, 131207);
    }
    const joined = await join('16505550001');
    assert.equal(joined.status, 409, 'nobody joins a suspended group');
    await h.control('POST', `/_groupgate/groups/${group.groupId}/clear_suspension`);
    assert.equal((await call('GET', '/join_requests')).status, 200);
    await h.control('POST', `/_groupgate/groups/${group.groupId}/suspend`);
    assert.equal((await call('DELETE', '')).status, 200);
  });

  it('refuses to suspend twice', async () => {
    await setUp();
    await h.control('POST', `/_groupgate/groups/${group.groupId}/suspend`);
    const again = await h.control('POST', `/_groupgate/groups/${group.groupId}/suspend`);
    assert.equal(again.status, 409);
  });
});

describe('group rate limit', () => {
  it('is off by default', async () => {
    await setUp();
    for (let i = 0; i < 20; i++) {
      assert.equal((await call('POST', '', { messaging_product: 'whatsapp', subject: `S${i}` })).status, 200);
    }
  });

  it('answers 131208 (HTTP 429) with Retry-After past the configured operations per window', async () => {
    await setUp({ groupRateLimit: { operations: 3, windowSeconds: 60 } });
    // Creating the group was the first operation.
    assert.equal((await call('POST', '', { messaging_product: 'whatsapp', subject: 'A' })).status, 200);
    assert.equal((await call('POST', '', { messaging_product: 'whatsapp', subject: 'B' })).status, 200);
    const limited = await call('POST', '', { messaging_product: 'whatsapp', subject: 'C' });
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error.code, 131208);
    assert.ok(Number(limited.headers['retry-after']) > 0);
    assert.equal((await call('GET', '?fields=subject')).status, 200, 'reads are not group operations');
    h.now += 60;
    assert.equal((await call('POST', '', { messaging_product: 'whatsapp', subject: 'D' })).status, 200);
  });

  it('counts only calls it would apply: one refused for its input, or its group, is no operation', async () => {
    await setUp({ groupRateLimit: { operations: 2, windowSeconds: 60 } });
    for (let i = 0; i < 3; i++) {
      assert.equal((await call('POST', '', { messaging_product: 'whatsapp', subject: ' ' })).status, 400);
    }
    const unknown = await h.graph<ErrorBody>({
      method: 'DELETE',
      url: `/${V}/${group.groupId}x`,
      token: business.access_token,
    });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.error_subcode, 33);
    assert.equal((await call('POST', '', { messaging_product: 'whatsapp', subject: 'B' })).status, 200);
    assert.equal((await call('DELETE', '/invite_link', { messaging_product: 'whatsapp' })).status, 429);
  });
});
