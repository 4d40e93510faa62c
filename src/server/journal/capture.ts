/**
 * @module server/journal/capture — the journal's one seam: app-level hooks that see every Graph call once it is
 * answered, whether a handler answered it or the call was refused before any (a bad token, a bad input, an unknown
 * path, an unsupported method). On the response path a call costs a few property reads and a push; redaction and
 * serialisation run when the batch is written (`describeCall`).
 *
 * What is secret is decided by plugins/log-redaction, which the logs use too: values under a secret name are
 * dropped whole, and every other string is scrubbed of anything shaped like a credential.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { NewJournalEntry } from '../../domain/journal.js';
import type { BusinessRecord } from '../../domain/records.js';
import { isSecretName, REDACTED, redactSecrets } from '../plugins/log-redaction.js';
import { isConnectionCut } from '../faults/fault-stage.js';
import { firstPathSegment } from '../surface.js';
import type { RequestJournal } from './request-journal.js';

/** A body is kept up to this many characters of its redacted JSON; `body_truncated` says when it was cut. */
export const MAX_JOURNAL_BODY_CHARS = 8 * 1024;

/**
 * What the fault stage leaves on a request it acted on (`request.groupgateFault`). The stage owns that
 * decoration; the journal reads it when it is there and of this shape, and records nothing otherwise.
 */
export interface FaultMark {
  ruleId: string | number;
  /** A name, or the stage's effect object (`{error}`, `{delayMs}`, `{network}`), recorded by name. */
  effect: string | object;
}

/** One answered call as captured on the response path: references, nothing computed. */
export interface CapturedCall {
  time: number;
  httpMethod: string;
  method: string | undefined;
  url: string;
  node: string | undefined;
  edge: string | undefined;
  query: unknown;
  body: unknown;
  headers: FastifyRequest['headers'];
  status: number;
  errorBody: string | undefined;
  fbtraceId: string;
  durationMs: number;
  business: BusinessRecord | undefined;
  fault: unknown;
}

/** A version segment, served or not: `/v23.0/…`, `/v2.3/…`, `/v99.0/…`. Everything else is not a Graph call. */
const VERSION_SEGMENT = /^\/v\d{1,3}\.\d{1,3}$/;

/** Whether a request URL is a Graph call the journal records. */
export function isJournaledPath(url: string): boolean {
  return VERSION_SEGMENT.test(firstPathSegment(url));
}

/** Headers worth keeping besides those with a secret name, which are kept as `[REDACTED]` (so it shows they came). */
const KEPT_HEADERS = ['content-type', 'content-length', 'user-agent', 'x-groupgate-fault'];

/**
 * Registers the hooks on `app`; called only when the journal is on, so a server without one pays nothing.
 * `nowMs` is the journal's clock (Unix milliseconds).
 */
export function registerJournalCapture(
  app: FastifyInstance,
  journal: RequestJournal<CapturedCall>,
  nowMs: () => number,
): void {
  // The error envelope, kept for its code: only for refused calls, and only the reference.
  const errorBodies = new WeakMap<FastifyRequest, string>();
  const capture = (request: FastifyRequest, reply: FastifyReply, status = reply.statusCode): void => {
    if (!isJournaledPath(request.url)) return;
    // A CORS preflight is the browser's, not the app's: it carries no token and reaches no edge.
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined)
      return;
    const durationMs = reply.elapsedTime;
    const params = request.params as { node?: unknown } | undefined;
    journal.record({
      time: Math.round(nowMs() - durationMs),
      httpMethod: request.method,
      method: request.graphMethod,
      url: request.url,
      node: typeof params?.node === 'string' ? params.node : undefined,
      edge: request.graphEdge,
      query: request.query,
      body: request.body,
      headers: request.headers,
      status,
      errorBody: errorBodies.get(request),
      fbtraceId: request.id,
      durationMs,
      business: request.graphBusiness,
      fault: (request as { groupgateFault?: unknown }).groupgateFault,
    });
  };
  // Callback-style hooks: an async one costs every call a promise.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (reply.statusCode >= 400 && typeof payload === 'string') errorBodies.set(request, payload);
    done(null, payload);
  });
  const record = (request: FastifyRequest, reply: FastifyReply, status?: number): void => {
    try {
      capture(request, reply, status);
    } catch (error) {
      // The journal never fails a call; the answer is out anyway.
      request.log.warn({ err: error }, 'a call was not recorded in the request journal');
    }
  };
  app.addHook('onResponse', (request, reply, done) => {
    record(request, reply);
    done();
  });
  // A call whose connection a network fault cut (reset, hang, drop_reply) sends no response, so `onResponse` never
  // runs for it: it is recorded when its response closes, with status 0 (no answer), its fault saying what
  // happened. An error hook costs nothing on calls that succeed.
  app.addHook('onError', (request, reply, error, done) => {
    if (isConnectionCut(error)) reply.raw.once('close', () => record(request, reply, 0));
    done();
  });
}

/** `value` with every secret dropped: secret-named keys whole, credential-shaped text inside strings. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (value === null || typeof value !== 'object') return value;
  // A multipart file part: its size, never its bytes.
  if (Buffer.isBuffer(value)) return { file_size: value.length };
  if (depth > 32) return '[TOO DEEP]';
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  // No prototype: a client's `__proto__` key stays a key.
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(value)) {
    out[key] = isSecretName(key) ? REDACTED : redactValue((value as Record<string, unknown>)[key], depth + 1);
  }
  return out;
}

function keptHeaders(headers: FastifyRequest['headers']): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    if (name === 'authorization') {
      // The scheme says how the token came; the token itself never stays.
      const scheme = /^(\S+)\s/.exec(text)?.[1];
      kept[name] = scheme === undefined ? REDACTED : `${scheme} ${REDACTED}`;
    } else if (isSecretName(name)) {
      kept[name] = REDACTED;
    } else if (KEPT_HEADERS.includes(name)) {
      kept[name] = redactSecrets(text);
    }
  }
  return kept;
}

function errorCodes(errorBody: string | undefined): { code: number | null; subcode: number | null } {
  if (errorBody === undefined) return { code: null, subcode: null };
  try {
    const error = (JSON.parse(errorBody) as { error?: { code?: unknown; error_subcode?: unknown } }).error;
    return {
      code: typeof error?.code === 'number' ? error.code : null,
      subcode: typeof error?.error_subcode === 'number' ? error.error_subcode : null,
    };
  } catch {
    return { code: null, subcode: null };
  }
}

/**
 * The fault stage's effect object (`{error}`, `{delayMs}`, `{network}`, a delay with one of the others) named by
 * what the call met: `error`, `reset`, `hang`, `drop_reply`, or `delay` when it was only held.
 */
function effectName(effect: unknown): string | null {
  if (typeof effect !== 'object' || effect === null) return null;
  const { error, network, delayMs } = effect as { error?: unknown; network?: unknown; delayMs?: unknown };
  if (error !== undefined) return 'error';
  if (typeof network === 'string') return network;
  return typeof delayMs === 'number' ? 'delay' : null;
}

function faultOf(fault: unknown): { ruleId: string | null; effect: string | null } {
  if (typeof fault !== 'object' || fault === null) return { ruleId: null, effect: null };
  const { ruleId, effect } = fault as Partial<Record<keyof FaultMark, unknown>>;
  return {
    ruleId: typeof ruleId === 'string' || typeof ruleId === 'number' ? String(ruleId) : null,
    effect: typeof effect === 'string' ? effect : effectName(effect),
  };
}

/** The redacted body as kept: whole when its JSON fits, else the first characters of it. */
function boundedBody(body: unknown): { body: unknown; truncated: boolean } {
  if (body === undefined || body === null) return { body: null, truncated: false };
  const redacted = redactValue(body);
  const text = JSON.stringify(redacted) ?? 'null';
  if (text.length <= MAX_JOURNAL_BODY_CHARS) return { body: redacted, truncated: false };
  return { body: text.slice(0, MAX_JOURNAL_BODY_CHARS), truncated: true };
}

/** The entry the store keeps for a captured call: redacted, bounded, serialised. */
export function describeCall(call: CapturedCall): NewJournalEntry {
  const queryAt = call.url.indexOf('?');
  const path = queryAt === -1 ? call.url : call.url.slice(0, queryAt);
  const { code, subcode } = errorCodes(call.errorBody);
  const fault = faultOf(call.fault);
  const { body, truncated } = boundedBody(call.body);
  const query = redactValue(call.query ?? {});
  const edge = call.edge ?? null;
  // The node is a group on every edge but `groups`, whose node is the business phone number.
  const groupId = edge !== null && edge !== 'groups' ? (call.node ?? null) : null;
  const pathPhoneNumberId = edge === 'groups' ? (call.node ?? null) : null;
  return {
    time: call.time,
    method: (call.method ?? call.httpMethod).toUpperCase(),
    httpMethod: call.httpMethod,
    path: redactSecrets(path),
    edge,
    status: call.status,
    errorCode: code,
    errorSubcode: subcode,
    fbtraceId: call.fbtraceId,
    durationMs: Math.round(call.durationMs * 1000) / 1000,
    wabaId: call.business?.wabaId ?? null,
    phoneNumberId: call.business?.phoneNumberId ?? pathPhoneNumberId,
    groupId: groupId === null ? null : redactSecrets(groupId),
    faultRuleId: fault.ruleId,
    faultEffect: fault.effect,
    requestJson: JSON.stringify({
      query,
      body,
      body_truncated: truncated,
      headers: keptHeaders(call.headers),
    }),
  };
}
