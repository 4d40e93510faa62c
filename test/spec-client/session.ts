/**
 * A session of a client generated from Meta's OpenAPI document (openapi-typescript + openapi-fetch), as a user of
 * the spec would write it: every Groups path and method, with the headers the spec marks required. The types it
 * is checked against (`./generated/meta-paths.js`) are generated from `../shared` at test time, never committed,
 * so this file is type-checked by its own tsconfig in the test, not by the project's (which excludes it).
 *
 * It records what it sent and what came back; `meta-spec-client.test.ts` validates both against the spec.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './generated/meta-paths.js';
import type { SessionCall, SessionTarget } from './session-types.js';

const VERSION = 'v23.0';
/** The spec's own default User-Agent, which a generated client sends unchanged. */
const USER_AGENT = 'Meta-Business-Messaging-OpenAPI/1.0.0;spec=2025-10-21';

export async function runSpecClientSession(target: SessionTarget): Promise<SessionCall[]> {
  const calls: SessionCall[] = [];
  const client = createClient<paths>({ baseUrl: target.baseUrl });
  // The spec marks `Content-Type` required, with a bare `multipart/form-data` among its values: that header has no
  // boundary, and sent as is it overrides the one fetch would write, so no server can find the parts. A user of a
  // generated client needs this middleware, which puts back the boundary the body starts with (docs/decisions.md).
  const multipartBoundary: Middleware = {
    async onRequest({ request }) {
      if (request.headers.get('content-type') !== 'multipart/form-data') return undefined;
      const firstLine = new TextDecoder()
        .decode((await request.clone().arrayBuffer()).slice(0, 200))
        .split('\r\n')[0];
      const headers = new Headers(request.headers);
      headers.set('content-type', `multipart/form-data; boundary=${firstLine?.slice(2) ?? ''}`);
      return new Request(request, { headers });
    },
  };
  client.use(multipartBoundary);
  const auth = `Bearer ${target.accessToken}`;
  const json = { Authorization: auth, 'Content-Type': 'application/json', 'User-Agent': USER_AGENT } as const;
  const bodyless = { Authorization: auth, 'User-Agent': USER_AGENT } as const;

  async function record<T extends { response: Response; data?: unknown; error?: unknown }>(
    specPath: string,
    method: SessionCall['method'],
    requestBody: unknown,
    sent: Promise<T>,
  ): Promise<T> {
    const result = await sent;
    calls.push({
      specPath,
      method,
      requestBody,
      requestContentType: method === 'get' ? null : (json['Content-Type'] as string),
      status: result.response.status,
      body: result.data ?? result.error,
    });
    return result;
  }

  const groupsPath = { Version: VERSION, 'Phone-Number-ID': target.phoneNumberId };
  const createBody = {
    messaging_product: 'whatsapp',
    subject: 'Generated client',
    description: 'A group made by a client generated from the spec',
    join_approval_mode: 'approval_required',
  } as const;
  await record(
    '/{Version}/{Phone-Number-ID}/groups',
    'post',
    createBody,
    client.POST('/{Version}/{Phone-Number-ID}/groups', {
      params: { path: groupsPath, header: json },
      body: createBody,
    }),
  );
  // The create answers a request_id only; the new group is found in the list, as a spec-only client must.
  const listed = await record(
    '/{Version}/{Phone-Number-ID}/groups',
    'get',
    undefined,
    client.GET('/{Version}/{Phone-Number-ID}/groups', {
      params: { path: groupsPath, query: { limit: 10 }, header: json },
    }),
  );
  const groupId = listed.data?.data?.groups?.[0]?.id;
  if (groupId === undefined) throw new Error('the created group is not in the list');
  const group = { Version: VERSION, group_id: groupId };

  const linkBody = { messaging_product: 'whatsapp' } as const;
  const link = await record(
    '/{Version}/{group_id}/invite_link',
    'post',
    linkBody,
    client.POST('/{Version}/{group_id}/invite_link', {
      params: { path: group, header: json },
      body: linkBody,
    }),
  );
  const inviteLink = link.data?.invite_link;
  if (inviteLink === undefined) throw new Error('no invite link');
  const users = ['16505550101', '16505550102', '16505550103'];
  for (const waId of users) await target.join(waId, inviteLink);

  const pending = await record(
    '/{Version}/{group_id}/join_requests',
    'get',
    undefined,
    client.GET('/{Version}/{group_id}/join_requests', { params: { path: group, header: bodyless } }),
  );
  const ids = (pending.data?.data ?? []).map((request) => request.join_request_id ?? '');
  const [approve, reject] = ids;
  if (approve === undefined || reject === undefined) throw new Error('fewer than two join requests');

  const approveBody = { messaging_product: 'whatsapp', join_requests: [approve] } as const;
  await record(
    '/{Version}/{group_id}/join_requests',
    'post',
    approveBody,
    client.POST('/{Version}/{group_id}/join_requests', {
      params: { path: group, header: json },
      body: { messaging_product: 'whatsapp', join_requests: [approve] },
    }),
  );
  const rejectBody = { messaging_product: 'whatsapp', join_requests: [reject] } as const;
  await record(
    '/{Version}/{group_id}/join_requests',
    'delete',
    rejectBody,
    client.DELETE('/{Version}/{group_id}/join_requests', {
      params: { path: group, header: json },
      body: { messaging_product: 'whatsapp', join_requests: [reject] },
    }),
  );

  await record(
    '/{Version}/{group_id}',
    'get',
    undefined,
    client.GET('/{Version}/{group_id}', {
      params: {
        path: group,
        query: {
          fields:
            'subject,description,participants,join_approval_mode,suspended,creation_timestamp,total_participant_count',
        },
        header: bodyless,
      },
    }),
  );
  const settingsBody = {
    messaging_product: 'whatsapp',
    subject: 'Generated client, renamed',
    description: 'Renamed by the generated client',
  } as const;
  await record(
    '/{Version}/{group_id}',
    'post',
    settingsBody,
    client.POST('/{Version}/{group_id}', { params: { path: group, header: json }, body: settingsBody }),
  );
  // The spec's multipart form: `messaging_product` and the picture as `file`.
  const form = new FormData();
  form.set('messaging_product', 'whatsapp');
  form.set('file', new Blob([target.picture], { type: 'image/jpeg' }), 'picture.jpg');
  const picture = await client.POST('/{Version}/{group_id}', {
    params: { path: group, header: { ...json, 'Content-Type': 'multipart/form-data' } },
    // openapi-fetch sends a FormData body as is; the spec types the part as a binary string.
    body: { messaging_product: 'whatsapp' },
    bodySerializer: () => form,
  });
  calls.push({
    specPath: '/{Version}/{group_id}',
    method: 'post',
    requestBody: { messaging_product: 'whatsapp', file: '(binary)' },
    requestContentType: 'multipart/form-data',
    status: picture.response.status,
    body: picture.data ?? picture.error,
  });

  const approvedUser = users[0] as string;
  const removeBody = { messaging_product: 'whatsapp', participants: [{ user: approvedUser }] } as const;
  await record(
    '/{Version}/{group_id}/participants',
    'delete',
    removeBody,
    client.DELETE('/{Version}/{group_id}/participants', {
      params: { path: group, header: json },
      body: { messaging_product: 'whatsapp', participants: [{ user: approvedUser }] },
    }),
  );
  const addBody = { messaging_product: 'whatsapp', participants: [{ user: '+16505550104' }] } as const;
  await record(
    '/{Version}/{group_id}/participants',
    'post',
    addBody,
    client.POST('/{Version}/{group_id}/participants', {
      params: { path: group, header: json },
      body: { messaging_product: 'whatsapp', participants: [{ user: '+16505550104' }] },
    }),
  );
  await record(
    '/{Version}/{group_id}/invite_link',
    'delete',
    linkBody,
    client.DELETE('/{Version}/{group_id}/invite_link', {
      params: { path: group, header: json },
      body: linkBody,
    }),
  );
  // The spec gives DELETE /{group_id} a required Content-Type and no body: a generated client sends exactly that.
  await record(
    '/{Version}/{group_id}',
    'delete',
    undefined,
    client.DELETE('/{Version}/{group_id}', { params: { path: group, header: json } }),
  );
  return calls;
}
