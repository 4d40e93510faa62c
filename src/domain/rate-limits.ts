/**
 * @module domain/rate-limits — the limits a business can be held to, and the sliding window that counts them.
 *
 * Three budgets, each `{max, perSeconds}`: Meta's 131208 group operations (counted per phone number), its 80007
 * budget of Graph calls per WhatsApp Business Account and its code-4 budget of calls per app. A window is a sliding
 * one: a call made at second `t` counts while `now - perSeconds < t`, so at most `max` calls fall in any
 * `perSeconds` run of seconds, and no call is ever let through because a fixed window happened to roll over.
 * Calls are kept as per-second buckets `{at, count}`: exact at the clock's one-second resolution, and at most
 * `perSeconds` rows a window whatever `max` is. Pure: the backends read the buckets under their lock, ask
 * `planTake`, and write what it says.
 */

export interface RateLimit {
  readonly max: number;
  readonly perSeconds: number;
}

export const BUDGETS = ['group_operations', 'waba_calls', 'app_calls'] as const;
export type Budget = (typeof BUDGETS)[number];

/**
 * A business's own settings, as stored. An absent budget takes the default (the server's `--group-rate-limit` for
 * group operations; off for the call budgets); `null` turns the budget off, default or not.
 */
export type BusinessLimits = { readonly [B in Budget]?: RateLimit | null };

/** What a business without settings holds: one shared object, so "nothing set" is an identity check. */
export const NO_LIMITS: BusinessLimits = Object.freeze({});

/**
 * Limits as the control API (`PUT /_groupgate/businesses/{waba_id}/limits`) and the state document write them:
 * `{max, per_seconds}` a budget, `null` for off, a budget left out for its default.
 */
export type LimitSettings = {
  readonly [B in Budget]?: { readonly max: number; readonly per_seconds: number } | null;
};

export function limitsFromSettings(settings: LimitSettings): BusinessLimits {
  const limits: { -readonly [B in Budget]?: RateLimit | null } = {};
  for (const budget of BUDGETS) {
    const setting = settings[budget];
    if (setting === undefined) continue;
    limits[budget] = setting === null ? null : { max: setting.max, perSeconds: setting.per_seconds };
  }
  return limits;
}

/** The settings a business holds, in BUDGETS order (so that an export reads the same every time). */
export function settingsOfLimits(limits: BusinessLimits): LimitSettings {
  const settings: { -readonly [B in Budget]?: { max: number; per_seconds: number } | null } = {};
  for (const budget of BUDGETS) {
    const limit = limits[budget];
    if (limit === undefined) continue;
    settings[budget] = limit === null ? null : { max: limit.max, per_seconds: limit.perSeconds };
  }
  return settings;
}

/** The limit that applies for a budget: the business's own, else the default; undefined when off. */
export function effectiveLimit(
  limits: BusinessLimits,
  budget: Budget,
  defaultLimit: RateLimit | undefined,
): RateLimit | undefined {
  const own = limits[budget];
  if (own === null) return undefined;
  return own ?? defaultLimit;
}

/** Calls made in one second of one window. */
export interface RateBucket {
  /** Unix seconds. */
  readonly at: number;
  readonly count: number;
}

export interface WindowUsage {
  readonly max: number;
  readonly perSeconds: number;
  /** Calls in the window now (the one just let through included). */
  readonly used: number;
  /** Unix seconds from which one more call fits, when the window is full now; undefined while it has room. */
  readonly regainAt: number | undefined;
}

/**
 * Buckets still inside the window at `now`: those after `now - perSeconds`. A bucket later than `now` counts too:
 * instances whose clocks differ by a second, or a clock moved back, must never let more than `max` calls through.
 */
function inWindow(limit: RateLimit, buckets: readonly RateBucket[], now: number): RateBucket[] {
  const from = now - limit.perSeconds;
  return buckets.filter((b) => b.at > from).sort((a, b) => a.at - b.at);
}

/** The window's use at `now`, and when it has room again if it is full. */
export function windowUsage(limit: RateLimit, buckets: readonly RateBucket[], now: number): WindowUsage {
  const live = inWindow(limit, buckets, now);
  const used = live.reduce((sum, b) => sum + b.count, 0);
  return { max: limit.max, perSeconds: limit.perSeconds, used, regainAt: regainAt(limit, live, used) };
}

/** The oldest calls leave first; room for one call returns when the window holds at most `max - 1`. */
function regainAt(limit: RateLimit, live: readonly RateBucket[], used: number): number | undefined {
  if (used < limit.max) return undefined;
  let left = used;
  for (const bucket of live) {
    left -= bucket.count;
    if (left <= limit.max - 1) return bucket.at + limit.perSeconds;
  }
  // Unreachable: once every bucket has left, nothing is used.
  return undefined;
}

export interface WindowTakeInput {
  readonly limit: RateLimit;
  /** The window's buckets; any outside it are ignored. */
  readonly buckets: readonly RateBucket[];
}

export type TakePlan =
  | {
      readonly allowed: true;
      /** Per window, in the order given, with this call counted. */
      readonly usages: readonly WindowUsage[];
    }
  | {
      readonly allowed: false;
      /** The first window, in the order given, that had no room: the one the refusal names. */
      readonly refusedBy: number;
      /** Per window, as they stand: a refused call counts in none of them. */
      readonly usages: readonly WindowUsage[];
    };

/**
 * One call against several windows at once, all or nothing: it fits only if every window has room, and is then
 * counted in each; a refused call counts nowhere, so a client that keeps retrying is let through as soon as the
 * oldest calls leave the window. `cost` 0 only looks (the control API's usage report).
 */
export function planTake(windows: readonly WindowTakeInput[], now: number, cost: 0 | 1 = 1): TakePlan {
  const before = windows.map((w) => windowUsage(w.limit, w.buckets, now));
  if (cost === 0) return { allowed: true, usages: before };
  const refusedBy = before.findIndex((u) => u.used + cost > u.max);
  if (refusedBy >= 0) return { allowed: false, refusedBy, usages: before };
  const usages = windows.map((w) => windowUsage(w.limit, [...w.buckets, { at: now, count: cost }], now));
  return { allowed: true, usages };
}

/** One window a call is counted against: whose it is, and its limit. */
export interface WindowTake {
  /** The business whose settings set the limit; its deletion drops the window. */
  readonly businessPk: number;
  readonly budget: Budget;
  /** What Meta counts the budget per: the phone number id, the WABA id or the app id. */
  readonly scopeId: string;
  readonly limit: RateLimit;
}

/** Buckets at or before this second have left the window and may be deleted. */
export function expiredBefore(limit: RateLimit, now: number): number {
  return now - limit.perSeconds;
}
