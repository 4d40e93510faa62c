/**
 * @module webhooks/retry-policy — when a failed delivery is tried again. Meta retries at once, then less and less
 * often, for up to 7 days, and drops what it could not deliver (reference §3.6); it publishes no exact curve. Ours:
 * the second attempt at once, then exponential backoff from `baseDelayMs`, doubling up to `maxDelayMs`, with ±20%
 * jitter so that a receiver coming back is not hit by every retry in the same instant.
 */
import type { AttemptVerdict } from '../domain/records.js';

export interface RetryPolicy {
  /** Delay before the third attempt; each later one doubles it. @default 10_000 */
  baseDelayMs: number;
  /** @default 3_600_000 (one hour) */
  maxDelayMs: number;
  /** No attempt starts later than this after the event. @default 604_800_000 (Meta's 7 days) */
  windowMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  baseDelayMs: 10_000,
  maxDelayMs: 3_600_000,
  windowMs: 7 * 24 * 3_600_000,
});

/** The delay after failed attempt number `attempt` (1-based), before jitter. */
export function backoffDelay(attempt: number, policy: RetryPolicy): number {
  if (attempt <= 1) return 0;
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 2));
}

/** Where a failed attempt leaves its event: another try, or given up once the window has closed. */
export function verdictAfterFailure(
  attempt: number,
  eventCreatedAt: number,
  now: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): AttemptVerdict {
  const delay = backoffDelay(attempt, policy) * (0.8 + 0.4 * random());
  const nextAttemptAt = Math.round(now + delay);
  if (nextAttemptAt > eventCreatedAt + policy.windowMs) return { state: 'failed' };
  return { state: 'pending', nextAttemptAt };
}
