/**
 * @module server/call-limits — the rate limits Meta holds Graph callers to, per business and set at run time
 * (`PUT /_groupgate/businesses/{waba_id}/limits`): Graph's call budgets per app (code 4) and per WhatsApp Business
 * Account (80007), counted on every call, reads included; and Meta's 131208 "Group Rate Limit Hit", counted per phone
 * number on the routes whose edge definition says `limit: 'group_operations'` (the server's `--group-rate-limit` is
 * the default a business's own setting overrides). Counted in sliding windows (domain/rate-limits) in the store, on
 * the instance clock: every instance on one PostgreSQL shares one budget.
 *
 * One call stage of the edge router, on every route. It runs after authentication and a write's `check`: a call
 * refused for its token, or a write refused for its input or its node, is counted against nothing; a read, which
 * has no separate check, counts whatever it answers. A business with no limits, on a route the server's default
 * does not cover, pays an identity check and no await: the GET join_requests hot path stays as it was.
 */
import { GRAPH_ERRORS } from '../domain/error-catalog.js';
import {
  NO_LIMITS,
  effectiveLimit,
  type Budget,
  type RateLimit,
  type WindowTake,
  type WindowUsage,
} from '../domain/rate-limits.js';
import type { BusinessRecord } from '../domain/records.js';
import type { Store } from '../storage/store.js';
import { GraphError } from './graph-error.js';
import type { CallStage, EdgeRoute, GraphContext } from './graph/edge-router.js';
import { appUsageHeader, businessUseCaseUsageHeader } from './usage-meter.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The usage headers of a call counted against a limit; undefined for calls no limit counted. */
    graphUsage: CallUsage | undefined;
  }
}

/** `graphUsage` starts undefined on every request (Fastify decorations must be declared once, at start). */
export function decorateUsage(app: { decorateRequest(name: 'graphUsage', value: undefined): unknown }): void {
  app.decorateRequest('graphUsage', undefined);
}

export class CallLimiter implements CallStage {
  readonly name = 'call limits (4 per app, 80007 per WABA, 131208 group operations)';
  readonly #store: Store;
  readonly #groupDefault: RateLimit | undefined;

  constructor(store: Store, groupOperationsDefault: RateLimit | undefined) {
    this.#store = store;
    this.#groupDefault = groupOperationsDefault;
  }

  /** Every route: any business may be given limits while the server runs. */
  appliesTo(): boolean {
    return true;
  }

  beforeApply(route: EdgeRoute, context: GraphContext): void | Promise<void> {
    const business = context.caller.business;
    const groupOperation = route.limit === 'group_operations';
    if (business.limits === NO_LIMITS && !(groupOperation && this.#groupDefault !== undefined)) return;
    const takes = windowsFor(business, groupOperation ? this.#groupDefault : undefined, groupOperation);
    if (takes.length === 0) return;
    return this.#take(takes, context);
  }

  /**
   * The usage headers of a call of a business with limits that no window counted (refused by its check, or before
   * the stage): the windows as they stand, so that every answer reports the same consumption.
   */
  async usageOf(business: BusinessRecord, now: number): Promise<CallUsage | undefined> {
    if (business.limits === NO_LIMITS) return undefined;
    const takes = windowsFor(business, undefined, false);
    if (takes.length === 0) return undefined;
    const { usages } = await this.#store.takeFromWindows(takes, now, 0);
    return usageHeaders(takes, usages, now);
  }

  async #take(takes: readonly WindowTake[], context: GraphContext): Promise<void> {
    const now = context.now;
    const plan = await this.#store.takeFromWindows(takes, now);
    context.request.graphUsage = usageHeaders(takes, plan.usages, now);
    if (plan.allowed) return;
    const take = takes[plan.refusedBy] as WindowTake;
    throw refusal(take.budget, plan.usages[plan.refusedBy] as WindowUsage, now);
  }
}

/** The windows a call counts against, in the order a refusal is named: the app's, the WABA's, the number's. */
export function windowsFor(
  business: BusinessRecord,
  groupDefault: RateLimit | undefined,
  groupOperation: boolean,
): WindowTake[] {
  const takes: WindowTake[] = [];
  const add = (budget: Budget, scopeId: string, defaultLimit: RateLimit | undefined) => {
    const limit = effectiveLimit(business.limits, budget, defaultLimit);
    if (limit !== undefined) takes.push({ businessPk: business.pk, budget, scopeId, limit });
  };
  add('app_calls', business.appId, undefined);
  add('waba_calls', business.wabaId, undefined);
  if (groupOperation) add('group_operations', business.phoneNumberId, groupDefault);
  return takes;
}

/** The usage headers a call carries: `business` for x-business-use-case-usage, `app` for x-app-usage. */
export interface CallUsage {
  business?: string;
  app?: string;
}

function usageHeaders(takes: readonly WindowTake[], usages: readonly WindowUsage[], now: number): CallUsage {
  const usage: CallUsage = {};
  takes.forEach((take, i) => {
    const used = usages[i];
    if (used === undefined) return;
    if (take.budget === 'waba_calls') usage.business = businessUseCaseUsageHeader(take.scopeId, used, now);
    if (take.budget === 'app_calls') usage.app = appUsageHeader(used);
  });
  return usage;
}

function refusal(budget: Budget, usage: WindowUsage, now: number): GraphError {
  const wait = Math.max(1, (usage.regainAt ?? now + 1) - now);
  const window = `${usage.max} ${usage.max === 1 ? 'call' : 'calls'} in ${usage.perSeconds} seconds`;
  switch (budget) {
    case 'app_calls':
      return new GraphError(GRAPH_ERRORS.APP_RATE_LIMIT, {
        details: `This app made more than ${window}. Try again in ${wait} seconds.`,
      });
    case 'waba_calls':
      return new GraphError(GRAPH_ERRORS.WABA_RATE_LIMIT, {
        details: `More than ${window} were made for this WhatsApp Business Account. Try again in ${wait} seconds.`,
      });
    case 'group_operations':
      return new GraphError(GRAPH_ERRORS.GROUP_RATE_LIMIT, {
        details: `More than ${usage.max} group operations in ${usage.perSeconds} seconds from this phone number. Try again in ${wait} seconds.`,
        headers: { 'retry-after': String(wait) },
      });
  }
}
