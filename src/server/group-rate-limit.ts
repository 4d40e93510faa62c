/**
 * @module server/group-rate-limit — Meta's 131208 "Group Rate Limit Hit" (HTTP 429): too many group operations from
 * one phone number in a short time. Meta publishes no numbers, so the limit is off unless configured
 * (`--group-rate-limit 30/60`: 30 operations a minute). Counted per instance, in fixed windows: several instances
 * behind a load balancer each allow the limit. A call stage of the edge router: it counts the routes whose edge
 * definition says `limit: 'group_operations'`, once their call is checked, so handlers never call it by hand.
 */
import type { GroupRateLimit } from '../config.js';
import { GRAPH_ERRORS } from '../domain/error-catalog.js';
import { GraphError } from './graph-error.js';
import type { CallStage, EdgeRoute, GraphContext } from './graph/edge-router.js';

export class GroupRateLimiter implements CallStage {
  readonly name = 'group rate limit (131208)';
  readonly #limit: GroupRateLimit | undefined;
  readonly #windows = new Map<string, { start: number; count: number }>();

  constructor(limit: GroupRateLimit | undefined) {
    this.#limit = limit;
  }

  /** Off, it stands on no route at all. */
  appliesTo(route: EdgeRoute): boolean {
    return this.#limit !== undefined && route.limit === 'group_operations';
  }

  beforeApply(_route: EdgeRoute, context: GraphContext): void {
    this.take(context.caller.business.phoneNumberId, context.now);
  }

  /** Counts one group operation of the phone number, or throws 131208 when its window is used up. */
  take(phoneNumberId: string, now: number): void {
    const limit = this.#limit;
    if (limit === undefined) return;
    const start = now - (now % limit.windowSeconds);
    let window = this.#windows.get(phoneNumberId);
    if (window === undefined || window.start !== start) {
      window = { start, count: 0 };
      this.#windows.set(phoneNumberId, window);
    }
    if (window.count >= limit.operations) {
      const wait = start + limit.windowSeconds - now;
      throw new GraphError(GRAPH_ERRORS.GROUP_RATE_LIMIT, {
        details: `More than ${limit.operations} group operations in ${limit.windowSeconds} seconds from this phone number. Try again in ${wait} seconds.`,
        headers: { 'retry-after': String(wait) },
      });
    }
    window.count++;
  }
}
