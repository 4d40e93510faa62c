/**
 * @module testing/harness — a Groupgate app on a fresh store for HTTP-level tests. Every Graph call made through
 * `graph()` is checked against Meta's OpenAPI spec and Graph's header conventions before the test sees it, so no
 * test can pass on a response Meta would never send; every `control()` call against the control API's own document.
 */
import { WEBHOOK_FIELDS } from '@groupgate/sdk/contract';
import type { SandboxBusiness } from '@groupgate/sdk/contract';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp, type AppConfig } from '../server/app.js';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.js';
import type { Store } from '../storage/store.js';
import { assertMatchesControlDocument } from './control-spec.js';
import { assertMatchesMetaSpec, type SpecPath } from './meta-spec.js';
import { dropTestSchemas, openTestPostgresStore } from './postgres.js';

export const ADMIN_TOKEN = 'test-admin-token';

/**
 * The backend HTTP tests run on: SQLite unless GROUPGATE_TEST_STORE=postgres, which the `*.postgres.test.ts` files
 * set before importing a suite, so that one suite runs against both backends.
 */
export const TEST_STORE: 'sqlite' | 'postgres' =
  process.env['GROUPGATE_TEST_STORE'] === 'postgres' ? 'postgres' : 'sqlite';

interface TestStore {
  store: Store;
  /** Removes what the store left behind, once it is closed. */
  dispose: () => Promise<void>;
}

async function openTestStore(): Promise<TestStore> {
  if (TEST_STORE === 'postgres') return { store: await openTestPostgresStore(), dispose: dropTestSchemas };
  // As `groupgate serve` opens SQLite: a file, the record caches on, and pages read by the page worker, started
  // before the first call so that every page in the suite is read there.
  const dir = mkdtempSync(join(tmpdir(), 'groupgate-harness-'));
  const store = openSqliteStore({ path: join(dir, 'harness.sqlite'), cacheRecords: true, readWorker: true });
  assert.equal(await store.pageWorkerStarted(), true, 'the page worker starts');
  return { store, dispose: async () => rmSync(dir, { recursive: true, force: true }) };
}
export const V = 'v23.0';

/** What `POST /_groupgate/businesses` answers. */
export type Business = SandboxBusiness;

export interface Group {
  groupId: string;
  inviteLink: string;
}

export interface GraphCall {
  method: 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH';
  url: string;
  /** Sent as `Authorization: Bearer`; null sends none. */
  token: string | null;
  /** JSON body. */
  json?: unknown;
  /** application/x-www-form-urlencoded body. */
  form?: Record<string, string>;
  /** multipart/form-data body: fields, and files as `{ data, filename, contentType }`. */
  multipart?: Record<string, string | { data: Buffer; filename: string; contentType: string }>;
  /** A raw body with its own content type. */
  raw?: { body: string | Buffer; contentType: string };
  headers?: Record<string, string>;
}

export interface GraphResult<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: LightMyRequestResponse['headers'];
}

/** The spec path a Graph URL exercises, or null for paths Meta does not have. */
export function specPathOf(url: string): SpecPath | null {
  const segments = (url.split('?')[0] ?? '').split('/');
  // Unversioned paths are served as the app's default version: the same spec path.
  if (!/^v\d/.test(segments[1] ?? '')) segments.splice(1, 0, 'v23.0');
  const [, , node, edge, extra] = segments;
  if (node === undefined || extra !== undefined) return null;
  switch (edge) {
    case 'join_requests':
      return '/{Version}/{group_id}/join_requests';
    case 'groups':
      return '/{Version}/{Phone-Number-ID}/groups';
    case 'invite_link':
      return '/{Version}/{group_id}/invite_link';
    case 'participants':
      return '/{Version}/{group_id}/participants';
    case undefined:
      return '/{Version}/{group_id}';
    default:
      return null;
  }
}

async function encode(
  call: GraphCall,
): Promise<{ payload?: string | Buffer; headers: Record<string, string> }> {
  const headers: Record<string, string> = { ...call.headers };
  if (call.token !== null) headers['authorization'] = `Bearer ${call.token}`;
  if (call.json !== undefined) {
    headers['content-type'] = 'application/json';
    return { payload: JSON.stringify(call.json), headers };
  }
  if (call.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    return { payload: new URLSearchParams(call.form).toString(), headers };
  }
  if (call.multipart !== undefined) {
    const form = new FormData();
    for (const [key, value] of Object.entries(call.multipart)) {
      if (typeof value === 'string') form.append(key, value);
      else form.append(key, new Blob([value.data], { type: value.contentType }), value.filename);
    }
    const request = new Request('http://localhost/', { method: 'POST', body: form });
    headers['content-type'] = request.headers.get('content-type') ?? '';
    return { payload: Buffer.from(await request.arrayBuffer()), headers };
  }
  if (call.raw !== undefined) {
    headers['content-type'] = call.raw.contentType;
    return { payload: call.raw.body, headers };
  }
  return { headers };
}

/** Graph's own conventions every response must keep, whatever the spec says. */
function assertGraphConventions(result: GraphResult): void {
  const traceId = result.headers['x-fb-trace-id'];
  assert.equal(typeof traceId, 'string', 'x-fb-trace-id header');
  assert.ok(result.headers['facebook-api-version'], 'facebook-api-version header');
  assert.match(String(result.headers['content-type']), /^application\/json/);
  if (result.status >= 400) {
    const error = (result.body as { error?: { fbtrace_id?: unknown } }).error;
    assert.ok(error, 'error responses carry the Graph envelope');
    assert.equal(error.fbtrace_id, traceId, 'fbtrace_id equals the x-fb-trace-id header');
  }
}

export class Harness {
  readonly app: FastifyInstance;
  readonly store: Store;
  /** Unix seconds the app sees; tests move it to expire tokens. Unused with `virtualClock: true`. */
  now = 1_790_000_000;

  readonly #dispose: () => Promise<void>;

  private constructor(app: FastifyInstance, store: Store, dispose: () => Promise<void>) {
    this.app = app;
    this.store = store;
    this.#dispose = dispose;
  }

  static async start(
    options: {
      store?: Store;
      config?: Partial<AppConfig>;
      deliverWebhooks?: boolean;
      /** Run on the server's own virtual clock (`/_groupgate/clock`) instead of `now`. */
      virtualClock?: boolean;
    } = {},
  ): Promise<Harness> {
    const { store, dispose } =
      options.store === undefined
        ? await openTestStore()
        : {
            store: options.store,
            dispose: options.store.kind === 'postgres' ? dropTestSchemas : async () => {},
          };
    const ref: { harness?: Harness } = {};
    const app = await buildApp(
      {
        publicUrl: undefined,
        trustProxy: undefined,
        maxConnections: 4096,
        maxConnectionsPerIp: 1024,
        headersTimeoutMs: 10_000,
        requestTimeoutMs: 15_000,
        adminToken: ADMIN_TOKEN,
        maxParticipants: 8,
        maxGroupsPerPhoneNumber: 10_000,
        logLevel: 'silent',
        webhookUrl: undefined,
        webhookFields: WEBHOOK_FIELDS,
        // Fast retries, so that tests of the retry path take milliseconds.
        webhookTimeoutMs: 2000,
        webhookAllowHosts: undefined,
        webhookConcurrency: 4,
        webhookRetryBaseMs: 50,
        webhookRetryMaxMs: 400,
        webhookRetryWindowMs: 5000,
        webhookPollMs: 50,
        webhookLogRetentionMs: 7 * 24 * 3_600_000,
        groupRateLimit: undefined,
        journalSize: 10_000,
        faultHeader: true,
        ...options.config,
      },
      {
        store,
        ...(options.virtualClock !== true && { clock: () => ref.harness?.now ?? 0 }),
        ...(options.deliverWebhooks !== undefined && { deliverWebhooks: options.deliverWebhooks }),
      },
    );
    // Ready, as a listening server is: the webhook dispatcher starts now, not at the first request.
    await app.ready();
    ref.harness = new Harness(app, store, dispose);
    return ref.harness;
  }

  async close(): Promise<void> {
    await this.app.close();
    await this.store.close();
    await this.#dispose();
  }

  /** A Graph call, validated against Meta's spec and Graph conventions. */
  async graph<T = Record<string, unknown>>(call: GraphCall): Promise<GraphResult<T>> {
    const { payload, headers } = await encode(call);
    const response = await this.app.inject({
      method: call.method,
      url: call.url,
      headers,
      ...(payload !== undefined && { payload }),
    });
    const result: GraphResult = {
      status: response.statusCode,
      body: response.json(),
      headers: response.headers,
    };
    assertGraphConventions(result);
    const override =
      /[?&]method=(get|delete|post)\b/i.exec(call.url)?.[1] ?? (call.form?.['method'] as string | undefined);
    const method =
      call.method === 'POST' && override !== undefined ? override.toLowerCase() : call.method.toLowerCase();
    assertMatchesMetaSpec(specPathOf(call.url), method, result.status, result.body);
    return result as GraphResult<T>;
  }

  /** A control API call with the admin token. */
  async control<T = Record<string, unknown>>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    json?: unknown,
  ): Promise<GraphResult<T>> {
    const response = await this.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      ...(json !== undefined && { payload: json as Record<string, unknown> }),
    });
    const body = response.json() as T;
    await assertMatchesControlDocument(this.app, ADMIN_TOKEN, method, url, response.statusCode, body);
    return { status: response.statusCode, body, headers: response.headers };
  }

  async createBusiness(name?: string): Promise<Business> {
    const result = await this.control<Business>(
      'POST',
      '/_groupgate/businesses',
      name === undefined ? {} : { name },
    );
    assert.equal(result.status, 201, JSON.stringify(result.body));
    return result.body;
  }

  /** Creates a group through Meta's own calls: create, then find it in the list, then read its invite link. */
  async createGroup(
    business: Business,
    options: { subject?: string; mode?: 'approval_required' | 'auto_approve' } = {},
  ): Promise<Group> {
    const created = await this.graph({
      method: 'POST',
      url: `/${V}/${business.phone_number_id}/groups`,
      token: business.access_token,
      json: {
        messaging_product: 'whatsapp',
        subject: options.subject ?? 'Test group',
        join_approval_mode: options.mode ?? 'approval_required',
      },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const list = await this.graph<{ data: { groups: { id: string }[] } }>({
      method: 'GET',
      url: `/${V}/${business.phone_number_id}/groups?limit=1`,
      token: business.access_token,
    });
    const groupId = list.body.data.groups[0]?.id;
    assert.ok(groupId);
    const link = await this.graph<{ invite_link: string }>({
      method: 'GET',
      url: `/${V}/${groupId}/invite_link`,
      token: business.access_token,
    });
    return { groupId, inviteLink: link.body.invite_link };
  }

  /** A simulated user asks to join; returns the join request id. */
  async requestToJoin(waId: string, group: Group): Promise<string> {
    const result = await this.control<{ status: string; join_request_id: string }>(
      'POST',
      `/_groupgate/users/${waId}/join`,
      { invite_link: group.inviteLink },
    );
    assert.equal(result.status, 200, JSON.stringify(result.body));
    assert.equal(result.body.status, 'requested');
    return result.body.join_request_id;
  }

  async participants(group: Group): Promise<string[]> {
    const result = await this.control<{ participants: string[] }>(
      'GET',
      `/_groupgate/groups/${group.groupId}`,
    );
    return result.body.participants;
  }
}

/** `n` distinct plausible wa_ids. */
export function waIds(n: number, prefix = '1650555'): string[] {
  return Array.from({ length: n }, (_, i) => prefix + String(1000 + i).padStart(4, '0'));
}
