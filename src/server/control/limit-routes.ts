/**
 * @module server/control/limit-routes — a business's rate limits, set while the server runs: Meta's 131208 group
 * operations, and Graph's call budgets per WABA (80007) and per app (4). `PUT` replaces the business's own settings
 * and starts its windows afresh; `GET` shows each budget in force and its use now. Enforced by server/call-limits.
 */
import {
  MAX_RATE_LIMIT_CALLS,
  MAX_RATE_LIMIT_SECONDS,
  type BudgetState,
  type BusinessLimitsState,
  type SetBusinessLimitsBody,
} from '@groupgate/sdk/contract';
import type { FastifyInstance } from 'fastify';
import { GRAPH_ERRORS } from '../../domain/error-catalog.js';
import { limitsFromSettings } from '../../domain/rate-limits.js';
import type { BusinessRecord } from '../../domain/records.js';
import { windowsFor } from '../call-limits.js';
import type { ControlDependencies } from './dependencies.js';
import { controlError } from './sandbox.js';
import { ERROR_RESPONSE, SECURED, TAGS } from './schemas.js';

const SETTING = {
  type: ['object', 'null'],
  required: ['max', 'per_seconds'],
  additionalProperties: false,
  properties: {
    max: { type: 'integer', minimum: 1, maximum: MAX_RATE_LIMIT_CALLS },
    per_seconds: { type: 'integer', minimum: 1, maximum: MAX_RATE_LIMIT_SECONDS },
  },
};
const BUDGET_STATE = {
  type: ['object', 'null'],
  properties: {
    max: { type: 'integer' },
    per_seconds: { type: 'integer' },
    set_by: { type: 'string', enum: ['business', 'server'] },
    used: { type: 'integer' },
    regain_at: { type: ['integer', 'null'], description: 'Unix seconds; null while the window has room.' },
  },
};
const STATE = {
  type: 'object',
  properties: {
    waba_id: { type: 'string' },
    group_operations: BUDGET_STATE,
    waba_calls: BUDGET_STATE,
    app_calls: BUDGET_STATE,
  },
};
const PARAMS = { type: 'object', properties: { waba_id: { type: 'string' } } };

export function registerLimitRoutes(app: FastifyInstance, deps: ControlDependencies): void {
  const { store, clock } = deps;

  const state = async (business: BusinessRecord): Promise<BusinessLimitsState> => {
    const now = clock();
    const takes = windowsFor(business, deps.groupOperationsDefault, true);
    const { usages } = await store.takeFromWindows(takes, now, 0);
    const result: BusinessLimitsState = {
      waba_id: business.wabaId,
      group_operations: null,
      waba_calls: null,
      app_calls: null,
    };
    takes.forEach((take, i) => {
      const usage = usages[i];
      if (usage === undefined) return;
      result[take.budget] = {
        max: take.limit.max,
        per_seconds: take.limit.perSeconds,
        set_by: business.limits[take.budget] === undefined ? 'server' : 'business',
        used: usage.used,
        regain_at: usage.regainAt ?? null,
      } satisfies BudgetState;
    });
    return result;
  };

  const notFound = (wabaId: string) =>
    controlError(GRAPH_ERRORS.CONTROL_NOT_FOUND, `No business with WABA id ${wabaId}.`);

  app.get(
    '/businesses/:waba_id/limits',
    {
      schema: {
        tags: TAGS,
        summary:
          "A business's rate limits in force (null: off) and their use now: group operations (131208), WABA calls (80007), app calls (4).",
        security: SECURED,
        params: PARAMS,
        response: { 200: STATE, '4xx': ERROR_RESPONSE },
      },
    },
    async (request) => {
      const { waba_id: wabaId } = request.params as { waba_id: string };
      const business = await store.findBusinessByWabaId(wabaId);
      if (business === undefined) throw notFound(wabaId);
      return state(business);
    },
  );

  app.put(
    '/businesses/:waba_id/limits',
    {
      schema: {
        tags: TAGS,
        summary:
          "Replace a business's rate limits, each {max, per_seconds} counted in a sliding window, and start its windows afresh. A budget left out takes the default (the server's --group-rate-limit for group_operations, off for the others); null turns it off.",
        security: SECURED,
        params: PARAMS,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { group_operations: SETTING, waba_calls: SETTING, app_calls: SETTING },
        },
        response: { 200: STATE, '4xx': ERROR_RESPONSE },
      },
    },
    async (request) => {
      const { waba_id: wabaId } = request.params as { waba_id: string };
      const body = (request.body ?? {}) as SetBusinessLimitsBody;
      const business = await store.setBusinessLimits(wabaId, limitsFromSettings(body));
      if (business === undefined) throw notFound(wabaId);
      return state(business);
    },
  );
}
