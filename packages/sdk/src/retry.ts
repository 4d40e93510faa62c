/**
 * @module retry — when to call again. Only what cannot have taken effect is retried: rate limits and errors Graph
 * marks transient (any method), and network failures of reads. Waits grow exponentially with full jitter, and
 * follow the server when it says how long: `Retry-After`, or the `estimated_time_to_regain_access` (minutes) of
 * `x-business-use-case-usage`.
 */
import { GraphApiError, GraphNetworkError, RateLimitError } from './errors.js';

export interface RetryOptions {
  /** Retries after the first attempt. @default 3 */
  maxRetries: number;
  /** @default 500 */
  baseDelayMs: number;
  /** No single wait is longer; a server asking for more makes the call fail instead. @default 30000 */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { maxRetries: 3, baseDelayMs: 500, maxDelayMs: 30_000 };

/** How long the server asked the caller to wait, in ms, from the response headers. */
export function serverRetryAfterMs(headers: Readonly<Record<string, string>>): number | undefined {
  const retryAfter = headers['retry-after'];
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - Date.now());
  }
  const usage = headers['x-business-use-case-usage'];
  if (usage !== undefined) {
    try {
      const parsed = JSON.parse(usage) as Record<string, { estimated_time_to_regain_access?: number }[]>;
      const minutes = Math.max(
        0,
        ...Object.values(parsed).flatMap((entries) =>
          Array.isArray(entries) ? entries.map((e) => e.estimated_time_to_regain_access ?? 0) : [],
        ),
      );
      if (minutes > 0) return minutes * 60_000;
    } catch {
      // A malformed header gives no hint; the backoff applies.
    }
  }
  return undefined;
}

export function shouldRetry(error: unknown, method: string): boolean {
  if (error instanceof RateLimitError) return true;
  if (error instanceof GraphApiError) return error.retryable;
  // A write that never answered may have happened: retrying could do it twice.
  return error instanceof GraphNetworkError && method === 'GET';
}

/** The wait before retry number `retry` (1-based), or undefined when the server asks for longer than allowed. */
export function retryDelay(
  retry: number,
  error: unknown,
  options: RetryOptions,
  random: () => number = Math.random,
): number | undefined {
  const asked = error instanceof GraphApiError ? error.retryAfterMs : undefined;
  if (asked !== undefined) return asked <= options.maxDelayMs ? asked : undefined;
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (retry - 1));
  return Math.round(random() * ceiling);
}
