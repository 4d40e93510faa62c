/**
 * @module server/graph/routes/batch — Graph batch requests: `POST /` or `POST /{version}/` with `batch=[…]` and an
 * access token. Each operation is run as the call it describes, through the whole application (authentication,
 * call stages, faults, the journal), so a batched call behaves exactly as the same call sent alone. Operations run
 * one after another in the order given — Graph runs independent ones in parallel and promises no order between
 * them, so in-order is one of the orders Graph may produce, and the one a test can rely on.
 *
 * The answer is one entry per operation, in order: `{code, headers?, body}` with the body as a JSON string, or
 * `null` for a named operation another one referenced, when it succeeded (Graph's `omit_response_on_success`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, InjectOptions } from 'fastify';
import { invalidParameter } from '../../graph-error.js';
import { readBatch, type BatchItem } from '../batch/batch-items.js';
import { BatchReferenceError, referencedNames, resolveReferences } from '../batch/json-path.js';
import { bearerOf } from '../authenticate.js';
import { mergeParams } from '../params.js';
import { ConnectionCut, cutConnection } from '../../faults/fault-stage.js';
import { BATCHED_OPERATION_HEADER, BATCHED_OPERATION_MARK, CUT_HEADER } from '../batch/batched-operation.js';
import { DEFAULT_API_VERSION } from '../../../domain/api-versions.js';

/** Headers of an operation's answer that describe the transport, not the call: left out of the batch entry. */
const TRANSPORT_HEADERS = new Set([
  'content-length',
  'connection',
  'keep-alive',
  'date',
  'transfer-encoding',
]);

export interface BatchEntry {
  code: number;
  headers?: { name: string; value: string }[];
  body: string;
}

interface BatchCall {
  /** The batch's own token, used by every operation that does not carry one. */
  accessToken: string | undefined;
  /** The batch's `appsecret_proof`, which goes with its token to every operation that uses that token. */
  appsecretProof: string | undefined;
  version: string;
  includeHeaders: boolean;
}

function hasAccessToken(url: string, body: BatchItem['body']): boolean {
  const query = url.includes('?') ? new URLSearchParams(url.slice(url.indexOf('?') + 1)) : undefined;
  if (query?.has('access_token') === true) return true;
  if (typeof body === 'string') return new URLSearchParams(body).has('access_token');
  return body !== undefined && 'access_token' in body;
}

/** The path the operation is served at: a relative URL names the node first, or a version and then the node. */
function operationPath(relativeUrl: string, version: string): string {
  const path = relativeUrl.replace(/^\/+/, '');
  const first = path.split(/[/?]/, 1)[0] ?? '';
  return /^v\d+\.\d+$/.test(first) ? `/${path}` : `/${version}/${path}`;
}

/**
 * Whether the path stays a Graph path once a URL parser has read it: no `.` or `..` segment (percent-encoded or
 * not) and no backslash, which WHATWG parsing turns into a slash. Without this, `../_groupgate/…` would reach the
 * control API through a batch, with whatever token the batch carries.
 */
function staysOnGraph(path: string): boolean {
  const pathPart = path.split('?', 1)[0] ?? '';
  if (pathPart.includes('\\')) return false;
  return pathPart.split('/').every((segment) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return false;
    }
    return decoded !== '.' && decoded !== '..' && !decoded.includes('/') && !decoded.includes('\\');
  });
}

/** A value pasted inside a JSON string: escaped as JSON escapes it, so a quote in it cannot end the string. */
function jsonStringContent(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

function errorEntry(error: Error & { toBody?: (trace: string) => unknown; status?: number }, trace: string) {
  const body =
    typeof error.toBody === 'function' ? error.toBody(trace) : { error: { message: error.message } };
  return { code: error.status ?? 400, body: JSON.stringify(body) };
}

async function runOperation(
  app: FastifyInstance,
  request: FastifyRequest,
  batch: BatchCall,
  item: BatchItem,
  index: number,
  answers: ReadonlyMap<string, { ok: boolean; body: unknown }>,
): Promise<BatchEntry> {
  let url: string;
  let body: BatchItem['body'];
  try {
    url = resolveReferences(item.relativeUrl, answers, encodeURIComponent);
    body =
      typeof item.body === 'string'
        ? resolveReferences(item.body, answers, encodeURIComponent)
        : item.body === undefined
          ? undefined
          : (JSON.parse(resolveReferences(JSON.stringify(item.body), answers, jsonStringContent)) as Record<
              string,
              unknown
            >);
  } catch (error) {
    if (!(error instanceof BatchReferenceError)) throw error;
    return errorEntry(invalidParameter(`batch[${index}]: ${error.message}`), request.id);
  }
  const path = operationPath(url, batch.version);
  if (!staysOnGraph(path)) {
    return errorEntry(
      invalidParameter(`batch[${index}]: relative_url must be a Graph path, without . or .. segments`),
      request.id,
    );
  }
  if (/^\/[^/?]+\/?(\?|$)/.test(path)) {
    return errorEntry(
      invalidParameter(`batch[${index}]: relative_url must name a node; batches cannot be nested`),
      request.id,
    );
  }
  const headers: Record<string, string> = { [BATCHED_OPERATION_HEADER]: BATCHED_OPERATION_MARK };
  let operationUrl = path;
  if (!hasAccessToken(url, body) && batch.accessToken !== undefined) {
    headers['authorization'] = `Bearer ${batch.accessToken}`;
    if (batch.appsecretProof !== undefined && !/[?&]appsecret_proof=/.test(path)) {
      operationUrl += `${path.includes('?') ? '&' : '?'}appsecret_proof=${encodeURIComponent(batch.appsecretProof)}`;
    }
  }
  // As the batch reached the server: paging links in an operation's answer point where the batch was sent.
  for (const name of ['host', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto']) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  const injected: InjectOptions = {
    method: item.method,
    url: operationUrl,
    headers,
    remoteAddress: request.ip,
  };
  if (typeof body === 'string' && body !== '') {
    injected.payload = body;
    headers['content-type'] = 'application/x-www-form-urlencoded';
  } else if (typeof body === 'object') {
    injected.payload = JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  const response = await app.inject(injected);
  const cut = response.headers[CUT_HEADER];
  if (cut === 'reset' || cut === 'drop_reply' || cut === 'hang') {
    // A network fault fired on the operation: the batch's own connection fails as the call's would have.
    cutConnection(request, cut === 'reset');
    throw new ConnectionCut(cut);
  }
  return {
    code: response.statusCode,
    ...(batch.includeHeaders && {
      headers: Object.entries(response.headers)
        .filter(([name]) => !TRANSPORT_HEADERS.has(name))
        .flatMap(([name, value]) =>
          (Array.isArray(value) ? value : [value]).map((v) => ({ name, value: String(v) })),
        ),
    }),
    body: response.body,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Runs the batch: every operation in order, references resolved from the answers of the named ones before it. */
export async function runBatch(
  app: FastifyInstance,
  request: FastifyRequest,
  items: readonly BatchItem[],
  batch: BatchCall,
): Promise<(BatchEntry | null)[]> {
  const referenced = new Set(
    items.flatMap((item) =>
      referencedNames(item.relativeUrl + (item.body === undefined ? '' : JSON.stringify(item.body))),
    ),
  );
  const answers = new Map<string, { ok: boolean; body: unknown }>();
  const entries: (BatchEntry | null)[] = [];
  for (const [index, item] of items.entries()) {
    const entry = await runOperation(app, request, batch, item, index, answers);
    const ok = entry.code >= 200 && entry.code < 300;
    if (item.name !== undefined) answers.set(item.name, { ok, body: parseJson(entry.body) });
    const omit = item.omitResponseOnSuccess ?? (item.name !== undefined && referenced.has(item.name));
    entries.push(ok && omit ? null : entry);
  }
  return entries;
}

function booleanParam(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (value === true || value === 'true' || value === '1') return true;
  if (value === false || value === 'false' || value === '0') return false;
  throw invalidParameter(`Param ${name} must be a boolean`);
}

/**
 * The batch endpoint: `POST /` is registered here; `POST /{version}/` reaches `handle` through the edge router
 * (EdgeDependencies.versionRoot), since that path has the shape of an unversioned node path. Any other method
 * there gets Graph's answer for the path.
 */
export function registerBatchRoutes(app: FastifyInstance): {
  handle: (request: FastifyRequest, reply: FastifyReply, version: string) => Promise<unknown>;
} {
  const handle = async (request: FastifyRequest, reply: FastifyReply, version: string) => {
    if (request.method !== 'POST') return reply.callNotFound();
    const params = mergeParams(request);
    if (params['batch'] === undefined) throw invalidParameter('The parameter batch is required');
    const items = readBatch(params['batch']);
    const token =
      bearerOf(request) ?? (typeof params['access_token'] === 'string' ? params['access_token'] : undefined);
    const entries = await runBatch(app, request, items, {
      accessToken: token,
      appsecretProof: typeof params['appsecret_proof'] === 'string' ? params['appsecret_proof'] : undefined,
      version,
      includeHeaders: booleanParam(params['include_headers'], 'include_headers', true),
    });
    return reply
      .code(200)
      .header('content-type', 'application/json; charset=UTF-8')
      .send(JSON.stringify(entries));
  };
  app.post('/', (request, reply) => handle(request, reply, DEFAULT_API_VERSION));
  return { handle };
}
