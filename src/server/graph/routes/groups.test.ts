import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { GroupsPage } from '@groupgate/sdk/contract';
import { fbBase64Decode } from '../../../domain/fb-base64.js';
import { Harness, V, type Business } from '../../../testing/harness.js';

let h: Harness;
let business: Business;
let url: string;

beforeEach(async () => {
  h = await Harness.start();
  business = await h.createBusiness();
  url = `/${V}/${business.phone_number_id}/groups`;
});
afterEach(() => h.close());

function create(json: unknown) {
  return h.graph<{
    messaging_product: string;
    request_id: string;
    error?: { code: number; message: string };
  }>({
    method: 'POST',
    url,
    token: business.access_token,
    json,
  });
}

describe('POST /{phone_number_id}/groups', () => {
  it('answers a request_id and creates the group with a Meta-shaped id and invite link', async () => {
    const res = await create({
      messaging_product: 'whatsapp',
      subject: '  Launch team  ',
      description: 'Hi',
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.messaging_product, 'whatsapp');
    assert.match(res.body.request_id, /^[0-9A-F]{32}$/);
    const list = await h.graph<GroupsPage>({ method: 'GET', url, token: business.access_token });
    const group = list.body.data.groups[0];
    assert.equal(group?.subject, 'Launch team', 'the subject is trimmed');
    assert.match(group?.created_at ?? '', /^\d{10}$/);
    const digits = business.display_phone_number.replace(/\D/g, '');
    assert.match(fbBase64Decode(group?.id ?? '') ?? '', new RegExp(`^capi_group:${digits}:120363\\d{12}$`));
    const link = await h.graph<{ invite_link: string }>({
      method: 'GET',
      url: `/${V}/${group?.id}/invite_link`,
      token: business.access_token,
    });
    assert.match(link.body.invite_link, /^https:\/\/chat\.whatsapp\.com\/[A-Za-z0-9]{22}$/);
    const details = await h.control<{ request_id: string; join_approval_mode: string; description: string }>(
      'GET',
      `/_groupgate/groups/${group?.id}`,
    );
    assert.equal(details.body.request_id, res.body.request_id);
    assert.equal(details.body.join_approval_mode, 'auto_approve', 'auto_approve when omitted');
    assert.equal(details.body.description, 'Hi');
  });

  const invalid: [string, unknown, string][] = [
    ['no subject', { messaging_product: 'whatsapp' }, '(#100) The parameter subject is required'],
    [
      'a blank subject',
      { messaging_product: 'whatsapp', subject: '   ' },
      '(#100) Param subject must be a non-empty string',
    ],
    [
      'a 129-character subject',
      { messaging_product: 'whatsapp', subject: 'x'.repeat(129) },
      '(#100) Param subject must be at most 128 characters long',
    ],
    [
      'a 2049-character description',
      { messaging_product: 'whatsapp', subject: 's', description: 'x'.repeat(2049) },
      '(#100) Param description must be at most 2048 characters long',
    ],
    [
      'an unknown approval mode',
      { messaging_product: 'whatsapp', subject: 's', join_approval_mode: 'maybe' },
      '(#100) Param join_approval_mode must be one of {approval_required, auto_approve}',
    ],
    ['no messaging_product', { subject: 's' }, '(#100) The parameter messaging_product is required'],
    [
      'a null subject',
      { messaging_product: 'whatsapp', subject: null },
      '(#100) Param subject must be a string',
    ],
    [
      'a numeric subject',
      { messaging_product: 'whatsapp', subject: 7 },
      '(#100) Param subject must be a string',
    ],
    [
      'a null description',
      { messaging_product: 'whatsapp', subject: 's', description: null },
      '(#100) Param description must be a string',
    ],
    [
      'a null approval mode',
      { messaging_product: 'whatsapp', subject: 's', join_approval_mode: null },
      '(#100) Param join_approval_mode must be a string',
    ],
    [
      'a null messaging_product',
      { messaging_product: null, subject: 's' },
      '(#100) Param messaging_product must be a string',
    ],
  ];
  for (const [name, body, message] of invalid) {
    it(`refuses ${name} with 100`, async () => {
      const res = await create(body);
      assert.equal(res.status, 400);
      assert.equal(res.body.error?.message, message);
      const list = await h.graph<GroupsPage>({ method: 'GET', url, token: business.access_token });
      assert.deepEqual(list.body, { data: { groups: [] } });
    });
  }

  it('accepts a 128-character subject after trimming', async () => {
    assert.equal(
      (await create({ messaging_product: 'whatsapp', subject: ` ${'x'.repeat(128)} ` })).status,
      200,
    );
  });

  it('stops at the per-number limit with 131211', async () => {
    await h.close();
    h = await Harness.start({ config: { maxGroupsPerPhoneNumber: 2 } });
    business = await h.createBusiness();
    url = `/${V}/${business.phone_number_id}/groups`;
    await create({ messaging_product: 'whatsapp', subject: 'a' });
    await create({ messaging_product: 'whatsapp', subject: 'b' });
    const res = await create({ messaging_product: 'whatsapp', subject: 'c' });
    assert.equal(res.status, 400);
    assert.equal(res.body.error?.code, 131211);
  });

  it("answers another business's phone number id with 100 subcode 33", async () => {
    const other = await h.createBusiness('Other');
    const res = await h.graph<{ error: { code: number; error_subcode: number } }>({
      method: 'POST',
      url: `/${V}/${other.phone_number_id}/groups`,
      token: business.access_token,
      json: { messaging_product: 'whatsapp', subject: 's' },
    });
    assert.equal(res.status, 400);
    assert.deepEqual([res.body.error.code, res.body.error.error_subcode], [100, 33]);
  });
});

describe('GET /{phone_number_id}/groups', () => {
  it('lists active groups newest first, following next through every page', async () => {
    for (let i = 0; i < 5; i++) await create({ messaging_product: 'whatsapp', subject: `g${i}` });
    const subjects: string[] = [];
    let next: string | undefined = `${url}?limit=2`;
    while (next !== undefined) {
      const page: { body: GroupsPage } = await h.graph<GroupsPage>({
        method: 'GET',
        url: next.replace(/^https?:\/\/[^/]+/, ''),
        token: business.access_token,
      });
      subjects.push(...page.body.data.groups.map((g) => g.subject));
      next = page.body.paging?.next;
    }
    assert.deepEqual(subjects, ['g4', 'g3', 'g2', 'g1', 'g0']);
  });

  it('refuses limit outside 1..1024 and a join_requests cursor', async () => {
    const tooBig = await h.graph<{ error: { code: number } }>({
      method: 'GET',
      url: `${url}?limit=1025`,
      token: business.access_token,
    });
    assert.equal(tooBig.body.error.code, 100);
    const foreign = 'eyJlZAGdlIjoiam9pbl9yZAXF1ZAXN0cyIsIm5vZAGUiOiIxIiwia2V5IjoxfQZDZD';
    const res = await h.graph<{ error: { code: number } }>({
      method: 'GET',
      url: `${url}?after=${foreign}`,
      token: business.access_token,
    });
    assert.equal(res.body.error.code, 131059);
  });

  it('shows a business only its own groups', async () => {
    await create({ messaging_product: 'whatsapp', subject: 'mine' });
    const other = await h.createBusiness('Other');
    const list = await h.graph<GroupsPage>({
      method: 'GET',
      url: `/${V}/${other.phone_number_id}/groups`,
      token: other.access_token,
    });
    assert.deepEqual(list.body, { data: { groups: [] } });
  });
});
