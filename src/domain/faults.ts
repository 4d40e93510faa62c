/**
 * @module domain/faults — fault rules, pure: reading a rule posted to the control API (every problem named by its
 * field), reading the `X-Groupgate-Fault` header, matching a Graph call or a webhook event, and deciding whether a
 * match fires (`after`, `times`, a seeded `probability`). The server holds the rules and carries out the effects.
 */
import {
  FAULT_EDGES,
  FAULT_NETWORK_EFFECTS,
  FAULT_WEBHOOK_EFFECTS,
  WEBHOOK_FIELDS,
  type FaultEdge,
  type FaultEffectBody,
  type FaultError,
  type FaultMatch,
  type FaultNetworkEffect,
  type FaultRule,
  type FaultWebhookEffect,
} from '@groupgate/sdk/contract';
import { faultTemplate } from './error-catalog.js';

/** What a rule (or the header) does to the call or event it fires on. */
export interface FaultEffect {
  /** Held this long first (the header may combine it with an error or a network effect). */
  readonly delayMs?: number;
  readonly error?: FaultError;
  readonly network?: FaultNetworkEffect;
  readonly webhook?: FaultWebhookEffect;
}

/** A Graph call as the rules see it. */
export interface GraphCallFacts {
  readonly method: string;
  readonly edge: FaultEdge | undefined;
  readonly groupId: string | undefined;
  readonly wabaId: string;
  readonly phoneNumberId: string;
  /** Read only when a rule names a wa_id: it costs a look at the body. */
  readonly waIds: () => readonly string[];
}

/** A webhook event as the rules see it. */
export interface WebhookEventFacts {
  readonly field: string;
  readonly type: string | undefined;
  readonly groupId: string | undefined;
  readonly wabaId: string;
  readonly phoneNumberId: string;
}

/** The item types Groupgate's webhooks carry (domain/webhook-items.ts). */
export const WEBHOOK_EVENT_TYPES = [
  'group_create',
  'group_delete',
  'group_join_request_created',
  'group_join_request_revoked',
  'group_participants_add',
  'group_participants_remove',
  'group_settings_update',
  'group_suspend',
  'group_suspend_cleared',
] as const;

/** Ten minutes: long enough for any client timeout, short enough that a typo does not park a call for a day. */
export const MAX_FAULT_DELAY_MS = 600_000;

export class FaultRuleProblem extends Error {
  override readonly name = 'FaultRuleProblem';
}

const GRAPH_MATCH_KEYS = ['method', 'edge', 'group_id', 'waba_id', 'phone_number_id', 'wa_id'] as const;
const WEBHOOK_MATCH_KEYS = ['webhook_field', 'event_type', 'group_id', 'waba_id', 'phone_number_id'] as const;
const RULE_KEYS = new Set([
  'on',
  'match',
  'error',
  'delay_ms',
  'network',
  'webhook',
  'times',
  'after',
  'probability',
  'seed',
]);
const ERROR_KEYS = new Set([
  'code',
  'error_subcode',
  'http_status',
  'message',
  'type',
  'is_transient',
  'error_user_title',
  'error_user_msg',
]);

function problem(message: string): never {
  throw new FaultRuleProblem(message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function wholeNumber(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    problem(`Param ${name} must be a whole number from ${min} to ${max}`);
  }
  return value;
}

function text(value: unknown, name: string, maxLength = 512): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    problem(`Param ${name} must be a non-empty string of at most ${maxLength} characters`);
  }
  return value;
}

function oneOf<T extends string>(value: unknown, name: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    problem(`Param ${name} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/** Checks an error effect: a code the catalogue knows, or an unknown one with its HTTP status and message. */
export function readFaultError(value: unknown, name = 'error'): FaultError {
  if (!isObject(value))
    problem(`Param ${name} must be an object {code, error_subcode?, http_status?, message?}`);
  for (const key of Object.keys(value)) {
    if (!ERROR_KEYS.has(key)) problem(`Param ${name}.${key} is not a parameter of a fault error`);
  }
  const error: FaultError = { code: wholeNumber(value['code'], `${name}.code`, 0, 2_147_483_647) };
  if (value['error_subcode'] !== undefined) {
    error.error_subcode = wholeNumber(value['error_subcode'], `${name}.error_subcode`, 0, 2_147_483_647);
  }
  if (value['http_status'] !== undefined) {
    error.http_status = wholeNumber(value['http_status'], `${name}.http_status`, 400, 599);
  }
  if (value['message'] !== undefined) error.message = text(value['message'], `${name}.message`, 2000);
  if (value['type'] !== undefined) {
    error.type = oneOf(value['type'], `${name}.type`, ['OAuthException', 'GraphMethodException'] as const);
  }
  if (value['is_transient'] !== undefined) {
    if (typeof value['is_transient'] !== 'boolean') problem(`Param ${name}.is_transient must be a boolean`);
    error.is_transient = value['is_transient'];
  }
  for (const key of ['error_user_title', 'error_user_msg'] as const) {
    if (value[key] !== undefined) error[key] = text(value[key], `${name}.${key}`, 2000);
  }
  if (faultTemplate(error.code, error.error_subcode) === undefined) {
    if (error.http_status === undefined || error.message === undefined) {
      const code =
        error.error_subcode === undefined ? `${error.code}` : `${error.code}/${error.error_subcode}`;
      problem(
        `Param ${name}.code ${code} is not in Groupgate's error catalogue: give ${name}.http_status and ${name}.message too`,
      );
    }
  }
  return error;
}

/** A rule as the control API stores it, before its id and counters. */
export type FaultRuleSpec = Omit<FaultRule, 'id' | 'matched' | 'hits' | 'created_at' | 'effect'> &
  FaultEffectBody;

/** Reads a posted rule, or throws FaultRuleProblem naming the first bad field. */
export function readFaultRule(body: unknown, drawSeed: () => number): FaultRuleSpec {
  if (!isObject(body)) problem('The request body must be a JSON object.');
  for (const key of Object.keys(body)) {
    if (!RULE_KEYS.has(key)) problem(`Param ${key} is not a parameter of a fault rule`);
  }
  const on = body['on'] === undefined ? 'graph' : oneOf(body['on'], 'on', ['graph', 'webhook'] as const);
  const match: FaultMatch = {};
  if (body['match'] !== undefined) {
    const given = body['match'];
    if (!isObject(given)) problem('Param match must be an object');
    const allowed: readonly string[] = on === 'graph' ? GRAPH_MATCH_KEYS : WEBHOOK_MATCH_KEYS;
    for (const [key, value] of Object.entries(given)) {
      if (!allowed.includes(key)) {
        problem(`Param match.${key} is not a matcher of ${on} rules (they take ${allowed.join(', ')})`);
      }
      switch (key) {
        case 'method':
          match.method = oneOf(value, 'match.method', ['GET', 'POST', 'DELETE'] as const);
          break;
        case 'edge':
          match.edge = oneOf(value, 'match.edge', FAULT_EDGES);
          break;
        case 'webhook_field':
          match.webhook_field = oneOf(value, 'match.webhook_field', WEBHOOK_FIELDS);
          break;
        case 'event_type':
          match.event_type = oneOf(value, 'match.event_type', WEBHOOK_EVENT_TYPES);
          break;
        case 'wa_id':
          if (typeof value !== 'string' || !/^[1-9][0-9]{6,14}$/.test(value)) {
            problem('Param match.wa_id must be a WhatsApp id: 7 to 15 digits, no leading zero');
          }
          match.wa_id = value;
          break;
        default:
          match[key as 'group_id' | 'waba_id' | 'phone_number_id'] = text(value, `match.${key}`);
      }
    }
  }
  const effects = (['error', 'delay_ms', 'network', 'webhook'] as const).filter(
    (key) => body[key] !== undefined,
  );
  const effectNames = on === 'graph' ? 'error, delay_ms or network' : 'webhook or delay_ms';
  if (effects.length !== 1) problem(`A ${on} fault rule takes exactly one effect: ${effectNames}`);
  const spec: FaultRuleSpec = { on, match, times: null, after: 0, probability: 1, seed: null };
  const effect = effects[0];
  if (on === 'graph' && effect === 'webhook')
    problem('Param webhook is an effect of webhook rules (on: "webhook")');
  if (on === 'webhook' && (effect === 'error' || effect === 'network')) {
    problem(`Param ${effect} is an effect of graph rules; webhook rules take webhook or delay_ms`);
  }
  if (effect === 'error') spec.error = readFaultError(body['error']);
  if (effect === 'delay_ms') spec.delay_ms = wholeNumber(body['delay_ms'], 'delay_ms', 0, MAX_FAULT_DELAY_MS);
  if (effect === 'network') spec.network = oneOf(body['network'], 'network', FAULT_NETWORK_EFFECTS);
  if (effect === 'webhook') spec.webhook = oneOf(body['webhook'], 'webhook', FAULT_WEBHOOK_EFFECTS);
  if (body['times'] !== undefined) spec.times = wholeNumber(body['times'], 'times', 1, 1_000_000_000);
  if (body['after'] !== undefined) spec.after = wholeNumber(body['after'], 'after', 0, 1_000_000_000);
  if (body['probability'] !== undefined) {
    const p = body['probability'];
    if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > 1) {
      problem('Param probability must be a number from 0 to 1');
    }
    spec.probability = p;
  }
  if (body['seed'] !== undefined) {
    if (spec.probability === 1) problem('Param seed only means something with a probability below 1');
    spec.seed = wholeNumber(body['seed'], 'seed', 0, 4_294_967_295);
  } else if (spec.probability < 1) {
    spec.seed = drawSeed();
  }
  return spec;
}

/**
 * mulberry32: a small, well-known 32-bit generator. Each rule draws from its own, so the decisions of one rule
 * depend only on its seed and on how many of its matches reached the draw.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A rule's counters and random sequence: whether each match fires. */
export class FaultRuleState {
  matched = 0;
  hits = 0;
  readonly #spec: FaultRuleSpec;
  readonly #draw: (() => number) | undefined;

  constructor(spec: FaultRuleSpec) {
    this.#spec = spec;
    this.#draw = spec.seed === null ? undefined : mulberry32(spec.seed);
  }

  /**
   * Counts a match and says whether it fires: the first `after` matches pass, then at most `times` fire, each
   * with chance `probability`. The random sequence is drawn only for matches past `after` and within `times`.
   */
  fires(): boolean {
    this.matched++;
    const spec = this.#spec;
    if (this.matched <= spec.after) return false;
    if (spec.times !== null && this.hits >= spec.times) return false;
    if (this.#draw !== undefined && this.#draw() >= spec.probability) return false;
    this.hits++;
    return true;
  }
}

export function matchesGraphCall(match: FaultMatch, call: GraphCallFacts): boolean {
  if (match.webhook_field !== undefined || match.event_type !== undefined) return false;
  if (match.method !== undefined && match.method !== call.method) return false;
  if (match.edge !== undefined && match.edge !== call.edge) return false;
  if (match.group_id !== undefined && match.group_id !== call.groupId) return false;
  if (match.waba_id !== undefined && match.waba_id !== call.wabaId) return false;
  if (match.phone_number_id !== undefined && match.phone_number_id !== call.phoneNumberId) return false;
  if (match.wa_id !== undefined && !call.waIds().includes(match.wa_id)) return false;
  return true;
}

export function matchesWebhookEvent(match: FaultMatch, event: WebhookEventFacts): boolean {
  if (match.webhook_field !== undefined && match.webhook_field !== event.field) return false;
  if (match.event_type !== undefined && match.event_type !== event.type) return false;
  if (match.group_id !== undefined && match.group_id !== event.groupId) return false;
  if (match.waba_id !== undefined && match.waba_id !== event.wabaId) return false;
  if (match.phone_number_id !== undefined && match.phone_number_id !== event.phoneNumberId) return false;
  return true;
}

/** The effect a rule carries, as the stage and the dispatcher act on it. */
export function effectOf(spec: FaultRuleSpec): FaultEffect {
  if (spec.error !== undefined) return { error: spec.error };
  if (spec.network !== undefined) return { network: spec.network };
  if (spec.webhook !== undefined) return { webhook: spec.webhook };
  return { delayMs: spec.delay_ms ?? 0 };
}

export const FAULT_HEADER = 'x-groupgate-fault';

/**
 * Reads `X-Groupgate-Fault`: `;`-separated `key=value` pairs. `error=<code>` (with `subcode`, `http_status`,
 * `message`), `delay=<ms>`, `network=reset|hang|drop_reply`; a delay may precede an error or a network effect
 * (`delay=1500;error=130429`), which may not be combined with each other.
 */
export function readFaultHeader(raw: string): FaultEffect {
  const name = 'X-Groupgate-Fault';
  const pairs = new Map<string, string>();
  for (const part of raw.split(';')) {
    const piece = part.trim();
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const key = (eq === -1 ? piece : piece.slice(0, eq)).trim().toLowerCase();
    const value = eq === -1 ? '' : piece.slice(eq + 1).trim();
    if (!['error', 'subcode', 'http_status', 'message', 'delay', 'network'].includes(key)) {
      problem(
        `Header ${name}: unknown key "${key}" (it takes error, subcode, http_status, message, delay, network)`,
      );
    }
    if (pairs.has(key)) problem(`Header ${name}: ${key} is given twice`);
    pairs.set(key, value);
  }
  const integer = (key: string): number | undefined => {
    const value = pairs.get(key);
    if (value === undefined) return undefined;
    if (!/^\d{1,10}$/.test(value)) problem(`Header ${name}: ${key} must be a whole number, got "${value}"`);
    return Number(value);
  };
  const delayMs = integer('delay');
  if (delayMs !== undefined && delayMs > MAX_FAULT_DELAY_MS) {
    problem(`Header ${name}: delay must be at most ${MAX_FAULT_DELAY_MS} ms`);
  }
  const code = integer('error');
  const network = pairs.get('network');
  if (code === undefined) {
    for (const key of ['subcode', 'http_status', 'message']) {
      if (pairs.has(key)) problem(`Header ${name}: ${key} goes with error=<code>`);
    }
  }
  if (code !== undefined && network !== undefined) problem(`Header ${name}: give error or network, not both`);
  if (code === undefined && network === undefined && delayMs === undefined) {
    problem(`Header ${name}: give error=<code>, delay=<ms> or network=reset|hang|drop_reply`);
  }
  const effect: { delayMs?: number; error?: FaultError; network?: FaultNetworkEffect } = {};
  if (delayMs !== undefined) effect.delayMs = delayMs;
  if (network !== undefined) {
    if (!(FAULT_NETWORK_EFFECTS as readonly string[]).includes(network)) {
      problem(`Header ${name}: network must be one of ${FAULT_NETWORK_EFFECTS.join(', ')}`);
    }
    effect.network = network as FaultNetworkEffect;
  }
  if (code !== undefined) {
    const subcode = integer('subcode');
    const httpStatus = integer('http_status');
    const message = pairs.get('message');
    effect.error = readFaultError(
      {
        code,
        ...(subcode !== undefined && { error_subcode: subcode }),
        ...(httpStatus !== undefined && { http_status: httpStatus }),
        ...(message !== undefined && { message: decodeHeaderText(message) }),
      },
      `${name} error`,
    );
  }
  return effect;
}

/** A header value is ASCII: a message may be percent-encoded to carry anything else (or a `;`). */
function decodeHeaderText(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
