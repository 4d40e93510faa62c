/**
 * @module errors — one error type for everything a Graph call can answer, with subclasses by meaning, so callers
 * can `catch (e) { if (e instanceof RateLimitError) … }` instead of memorising codes. Codes come from Meta's
 * Graph and WhatsApp error tables.
 */
import type { GraphErrorObject } from './contract/index.js';

export interface GraphApiErrorInit {
  status: number;
  error: GraphErrorObject;
  headers: Readonly<Record<string, string>>;
  /** What the client learned of when a retry may succeed, in milliseconds, if anything. */
  retryAfterMs?: number;
}

/** A Graph API error response: `{ error: { message, type, code, error_subcode?, fbtrace_id } }`. */
export class GraphApiError extends Error {
  override name = 'GraphApiError';
  readonly status: number;
  readonly code: number;
  readonly subcode: number | undefined;
  readonly type: string;
  readonly fbtraceId: string;
  /** Meta's own hint: the same call may succeed if tried again later. */
  readonly isTransient: boolean;
  readonly details: string | undefined;
  /** Response headers, lower-cased names. */
  readonly headers: Readonly<Record<string, string>>;
  /** When to try again, from `Retry-After` or `x-business-use-case-usage`; undefined when unknown. */
  readonly retryAfterMs: number | undefined;
  readonly error: GraphErrorObject;

  constructor(init: GraphApiErrorInit) {
    super(init.error.message);
    this.status = init.status;
    this.error = init.error;
    this.code = init.error.code;
    this.subcode = init.error.error_subcode;
    this.type = init.error.type;
    this.fbtraceId = init.error.fbtrace_id;
    this.isTransient = init.error.is_transient === true;
    this.details = init.error.error_data?.details;
    this.headers = init.headers;
    this.retryAfterMs = init.retryAfterMs;
  }

  /** True when trying the same call again later can succeed: transient failures and rate limits. */
  get retryable(): boolean {
    return this.isTransient || this.status >= 500;
  }
}

/** 104 (no token) and 190 (invalid, expired or revoked token). */
export class AuthenticationError extends GraphApiError {
  override name = 'AuthenticationError';
}

/** 10, 200–299 and 131005: the token may not do this. */
export class PermissionError extends GraphApiError {
  override name = 'PermissionError';
}

/** 100 with subcode 33, 131041: no such object, or not yours. Also 100 with HTTP 404, Groupgate's control API. */
export class NotFoundError extends GraphApiError {
  override name = 'NotFoundError';
}

/** Invalid or unsupported parameters: 100 without subcode, 2500, 131008, 131009. */
export class InvalidParameterError extends GraphApiError {
  override name = 'InvalidParameterError';
}

/** 131059: a cursor that is corrupt, expired, or from another list. Start paging again from the first page. */
export class InvalidCursorError extends GraphApiError {
  override name = 'InvalidCursorError';
}

/** Throttling: HTTP 429, and codes 4, 17, 32, 613, 80007, 130429, 131048, 131056, 131208. */
export class RateLimitError extends GraphApiError {
  override name = 'RateLimitError';
  override get retryable(): boolean {
    return true;
  }
}

/** 131207: WhatsApp has suspended the group. */
export class GroupSuspendedError extends GraphApiError {
  override name = 'GroupSuspendedError';
}

/** The request never got a Graph answer: network failure or timeout. */
export class GraphNetworkError extends Error {
  override name = 'GraphNetworkError';
  readonly timedOut: boolean;
  constructor(message: string, options: { cause?: unknown; timedOut: boolean }) {
    super(message, { cause: options.cause });
    this.timedOut = options.timedOut;
  }
}

const RATE_LIMIT_CODES = new Set([4, 17, 32, 613, 80007, 130429, 131048, 131056, 131208]);
const PERMISSION_CODES = new Set([10, 131005, 368]);

/** The subclass a Graph error belongs to. */
export function classify(init: GraphApiErrorInit): GraphApiError {
  const { code, error_subcode: subcode } = init.error;
  if (code === 104 || code === 190) return new AuthenticationError(init);
  if (init.status === 429 || RATE_LIMIT_CODES.has(code)) return new RateLimitError(init);
  if (code === 131059) return new InvalidCursorError(init);
  if (code === 131207) return new GroupSuspendedError(init);
  if ((code === 100 && (subcode === 33 || init.status === 404)) || code === 131041)
    return new NotFoundError(init);
  if (PERMISSION_CODES.has(code) || (code >= 200 && code <= 299)) return new PermissionError(init);
  if (code === 100 || code === 2500 || code === 131008 || code === 131009)
    return new InvalidParameterError(init);
  return new GraphApiError(init);
}
