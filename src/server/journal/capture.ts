/**
 * @module server/journal/capture — the journal's one seam: app-level hooks that see every Graph call once it is
 * answered, whether a handler answered it or the call was refused before any (a bad token, a bad input, an unknown
 * path, an unsupported method), and the calls an injected network fault cut, which are never answered (their
 * `ConnectionCut` reaches the `onError` hook; `onResponse` never runs for them). On the response path a call costs a
 * few property reads and a push; redaction and serialisation run when the batch is written (`describeCall`).
 *
 * What is secret is decided by plugins/log-redaction, which the logs use too: values under a secret name are
 * dropped whole, and every other string is scrubbed of anything shaped like a credential.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { NewJournalEntry } from '../../domain/journal.js';
import type { BusinessRecord } from '../../domain/records.js';
import { isConnectionCut } from '../faults/fault-stage.js';
import { MAX_JSON_DEPTH } from '../../domain/json-depth.js';
import { isSecretName, REDACTED, redactSecrets } from '../plugins/log-redaction.js';
import { firstPathSegment } from '../surface.js';
import type { RequestJournal } from './request-journal.js';

/** A body is kept up to this many characters of its redacted JSON; `body_truncated` says when it was cut. */
export const MAX_JOURNAL_BODY_CHARS = 8 * 1024;

/**
 * What the fault stage leaves on a request it acted on (`request.groupgateFault`, server/faults: `{ruleId, effect}`
 * with the effect as the rule gives it). The stage owns that decoration; the journal reads it when it is there and
 * of this shape, and records nothing otherwise.
 */
export interface FaultMark {
  ruleId: string | number;
  effect: { delayMs?: unknown; error?: unknown; network?: unknown } | string;
}

/** `status` of a call that got no HTTP answer: a fault cut its connection (its `fault.effect` says how). */
export const NO_ANSWER_STATUS = 0;

/** The fault effect of a `drop_reply` call whose reply was dropped: the call ran and its change was committed. */
export const DROPPED_AFTER_COMMIT = 'drop_reply_after_commit';

/** One call as captured once answered (or cut): references, nothing computed. */
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
  /** Whether a network fault cut the connection (rather than the call being answered, or its client leaving). */
  cut: boolean;
  errorBody: string | undefined;
  fbtraceId: string;
  durationMs: number;
  business: BusinessRecord | undefined;
  fault: unknown;
}

/** A version segment, served or not: `/v23.0/…`, `/v2.3/…`, `/v99.0/…`. Everything else is not a Graph call. */
const VERSION_SEGMENT = /^\/v\d{1,3}\.\d{1,3}$/;

/** Whether a request URL is on a versioned path, where every call is a Graph call the journal records. */
export function isJournaledPath(url: string): boolean {
  return VERSION_SEGMENT.test(firstPathSegment(url));
}

/**
 * Whether the journal records a request: every call the edge router took (it names the edge, versioned or not,
 * served or refused), and every call on a versioned path (an unknown path, a retired version). The control API,
 * the console and unversioned paths no edge took are not Graph calls the app made; neither is a CORS preflight.
 */
export function isJournaled(request: FastifyRequest): boolean {
  if (request.graphEdge === undefined && !isJournaledPath(request.url)) return false;
  // A CORS preflight is the browser's, not the app's: it carries no token and reaches no edge.
  return !(request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined);
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
  // Calls recorded unanswered (cut, or left by their client): a call is recorded once, should its response ever
  // finish after all.
  const cut = new WeakSet<FastifyRequest>();
  const capture = (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    cutByFault = false,
  ): void => {
    if (!isJournaled(request)) return;
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
      cut: cutByFault,
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
    // The client left while the call ran (it gave up during a delay, say): the answer goes nowhere, and the
    // response never finishes, so onResponse would never see the call. It is recorded now, unanswered.
    if (request.raw.socket?.destroyed === true && !cut.has(request)) {
      cut.add(request);
      try {
        capture(request, reply, NO_ANSWER_STATUS);
      } catch (failure) {
        request.log.warn({ err: failure }, 'a call was not recorded in the request journal');
      }
    }
    done(null, payload);
  });
  app.addHook('onResponse', (request, reply, done) => {
    try {
      if (!cut.has(request)) capture(request, reply, reply.statusCode);
    } catch (error) {
      // The journal never fails a call; the answer is out anyway.
      request.log.warn({ err: error }, 'a call was not recorded in the request journal');
    }
    done();
  });
  // A call a network fault cut is never answered, so onResponse never sees it. Its ConnectionCut passes here on
  // its way to the error handler, once the connection is gone (a reset, a dropped reply) or has closed (a hang:
  // the client gave up, the socket timed out or the server closed). Other errors are answered, and recorded there.
  app.addHook('onError', (request, reply, error, done) => {
    if (isConnectionCut(error) && !cut.has(request)) {
      cut.add(request);
      try {
        capture(request, reply, NO_ANSWER_STATUS, true);
      } catch (failure) {
        request.log.warn({ err: failure }, 'a call was not recorded in the request journal');
      }
    }
    done();
  });
}

/** `value` with every secret dropped: secret-named keys whole, credential-shaped text inside strings. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (value === null || typeof value !== 'object') return value;
  // A multipart file part: its size, never its bytes.
  if (Buffer.isBuffer(value)) return { file_size: value.length };
  if (depth > MAX_JSON_DEPTH) return '[TOO DEEP]';
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
 * The effect as the journal names it: `error`, `delay`, `reset`, `hang`, `drop_reply`, joined by `+` when a delay
 * came first (`delay+error`). A `drop_reply` whose reply was dropped (the fault cut the connection) is
 * `drop_reply_after_commit`: the call ran and committed; one the call refused first was answered, and stays
 * `drop_reply`.
 */
function effectName(effect: unknown, cut: boolean): string | null {
  if (typeof effect === 'string') return effect;
  if (typeof effect !== 'object' || effect === null) return null;
  const { delayMs, error, network } = effect as Exclude<FaultMark['effect'], string>;
  const names: string[] = [];
  if (typeof delayMs === 'number' && delayMs > 0) names.push('delay');
  if (error !== undefined) names.push('error');
  if (typeof network === 'string')
    names.push(network === 'drop_reply' && cut ? DROPPED_AFTER_COMMIT : network);
  // A rule of `delay_ms: 0` fired too.
  if (names.length === 0 && typeof delayMs === 'number') names.push('delay');
  return names.length === 0 ? null : names.join('+');
}

function faultOf(fault: unknown, cut: boolean): { ruleId: string | null; effect: string | null } {
  if (typeof fault !== 'object' || fault === null) return { ruleId: null, effect: null };
  const { ruleId, effect } = fault as Partial<Record<keyof FaultMark, unknown>>;
  return {
    ruleId: typeof ruleId === 'string' || typeof ruleId === 'number' ? String(ruleId) : null,
    effect: effectName(effect, cut),
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
  const fault = faultOf(call.fault, call.cut);
  const { body, truncated } = boundedBody(call.body);
  const query = redactValue(call.query ?? {});
  const edge = call.edge ?? null;
  // The node is a group on every edge but `groups`, whose node is the business phone number.
  const groupId = edge !== null && edge !== 'groups' ? (call.node ?? null) : null;
  // Scrubbed as the path is: a client that swapped its arguments may have put its token there.
  const pathPhoneNumberId = edge === 'groups' && call.node !== undefined ? redactSecrets(call.node) : null;
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
