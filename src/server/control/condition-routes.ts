/**
 * @module server/control/condition-routes — the states Meta's errors describe that no Graph call can cause: a
 * business's eligibility for groups (131215), paused group creation (131214), 206 answers to partly failed
 * approvals (131201), failures armed for its next create, delete or settings update (failure webhooks), and a
 * simulated user who has not accepted WhatsApp's terms (131203). Rules in domain/conditions.ts.
 */
import type {
  ArmFailureBody,
  ArmedFailures,
  BusinessConditionsState,
  SetBusinessConditionsBody,
  SetTermsBody,
  TermsState,
} from '@groupgate/sdk/contract';
import type { FastifyInstance } from 'fastify';
import { ASYNC_OPERATIONS, type ArmedFailure, type BusinessConditions } from '../../domain/conditions.js';
import { SETTINGS_FIELDS } from '../../domain/webhook-items.js';
import { GRAPH_ERRORS, webhookErrorTemplate } from '../../domain/error-catalog.js';
import type { BusinessRecord } from '../../domain/records.js';
import type { ControlDependencies } from './dependencies.js';
import { controlError, findBusinessOrFail } from './sandbox.js';
import { ERROR_RESPONSE, SECURED, TAGS, WA_ID_PARAMS } from './schemas.js';

const WABA_PARAMS = { type: 'object', properties: { waba_id: { type: 'string' } } };
const CONDITIONS = {
  type: 'object',
  properties: {
    waba_id: { type: 'string' },
    eligible_for_groups: { type: 'boolean' },
    group_creation_disabled: { type: 'boolean' },
    partial_success_status: { type: 'integer', enum: [200, 206] },
  },
};
const FAILURE = {
  type: 'object',
  properties: {
    operation: { type: 'string', enum: [...ASYNC_OPERATIONS] },
    code: { type: 'integer' },
    fields: { type: 'array', items: { type: 'string', enum: [...SETTINGS_FIELDS] } },
  },
};
const ARMED = {
  type: 'object',
  properties: { waba_id: { type: 'string' }, failures: { type: 'array', items: FAILURE } },
};
const DEFAULT_FAILURE_CODE = GRAPH_ERRORS.SOMETHING_WENT_WRONG.code;

function conditionsState(business: BusinessRecord, c: BusinessConditions): BusinessConditionsState {
  return {
    waba_id: business.wabaId,
    eligible_for_groups: c.eligibleForGroups,
    group_creation_disabled: c.groupCreationDisabled,
    partial_success_status: c.partialSuccessStatus,
  };
}

function armedState(business: BusinessRecord, failures: readonly ArmedFailure[]): ArmedFailures {
  return {
    waba_id: business.wabaId,
    failures: failures.map((f) => ({
      operation: f.operation,
      code: f.code,
      ...(f.fields !== undefined && { fields: [...f.fields] }),
    })),
  };
}

export function registerConditionRoutes(app: FastifyInstance, deps: ControlDependencies): void {
  const { store, conditions } = deps;

  const businessOf = (wabaId: string): Promise<BusinessRecord> => findBusinessOrFail(store, wabaId);

  app.get(
    '/businesses/:waba_id/conditions',
    {
      schema: {
        tags: TAGS,
        summary:
          "The business's simulated conditions (eligibility, paused creation, 206 on partial success).",
        security: SECURED,
        params: WABA_PARAMS,
        response: { 200: CONDITIONS, '4xx': ERROR_RESPONSE },
      },
    },
    async (request) => {
      const business = await businessOf((request.params as { waba_id: string }).waba_id);
      return conditionsState(business, conditions.of(business.pk));
    },
  );

  app.put(
    '/businesses/:waba_id/conditions',
    {
      schema: {
        tags: TAGS,
        summary:
          'Put the business in a state Meta reports with an error: eligible_for_groups false (every call on /{phone_number_id}/groups answers 131215), group_creation_disabled true (creating answers 131214), partial_success_status 206 (an approve or reject some of whose ids failed answers HTTP 206). Fields left out keep their value.',
        security: SECURED,
        params: WABA_PARAMS,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            eligible_for_groups: { type: 'boolean' },
            group_creation_disabled: { type: 'boolean' },
            partial_success_status: { type: 'integer', enum: [200, 206] },
          },
        },
        response: { 200: CONDITIONS, '4xx': ERROR_RESPONSE },
      },
    },
    async (request) => {
      const business = await businessOf((request.params as { waba_id: string }).waba_id);
      const body = (request.body ?? {}) as SetBusinessConditionsBody;
      const next = conditions.set(business.pk, {
        ...(body.eligible_for_groups !== undefined && { eligibleForGroups: body.eligible_for_groups }),
        ...(body.group_creation_disabled !== undefined && {
          groupCreationDisabled: body.group_creation_disabled,
        }),
        ...(body.partial_success_status !== undefined && {
          partialSuccessStatus: body.partial_success_status,
        }),
      });
      return conditionsState(business, next);
    },
  );

  app.get(
    '/businesses/:waba_id/failures',
    {
      schema: {
        tags: TAGS,
        summary: 'The failures armed for the business, oldest first.',
        security: SECURED,
        params: WABA_PARAMS,
        response: { 200: ARMED, '4xx': ERROR_RESPONSE },
      },
    },
    async (request) => {
      const business = await businessOf((request.params as { waba_id: string }).waba_id);
      return armedState(business, conditions.armed(business.pk));
    },
  );

  app.post(
    '/businesses/:waba_id/failures',
    {
      schema: {
        tags: TAGS,
        summary: `Arm a failure for the business's next call of \`operation\`: the call is accepted as usual, then its webhook reports the failure with \`code\` (default ${DEFAULT_FAILURE_CODE}). group_create: no group is made; group_create carries errors[]. group_delete: the group stays; group_delete carries errors[]. group_settings_update: \`fields\` (default all) are not changed; they carry update_successful false. Each armed failure fails one call.`,
        security: SECURED,
        params: WABA_PARAMS,
        body: {
          type: 'object',
          required: ['operation'],
          additionalProperties: false,
          properties: {
            operation: { type: 'string', enum: [...ASYNC_OPERATIONS] },
            code: { type: 'integer', minimum: 131000, maximum: 131999 },
            fields: {
              type: 'array',
              minItems: 1,
              uniqueItems: true,
              items: { type: 'string', enum: [...SETTINGS_FIELDS] },
            },
          },
        },
        response: { 201: ARMED, '4xx': ERROR_RESPONSE },
      },
    },
    async (request, reply) => {
      const business = await businessOf((request.params as { waba_id: string }).waba_id);
      const body = request.body as ArmFailureBody;
      const code = body.code ?? DEFAULT_FAILURE_CODE;
      if (webhookErrorTemplate(code) === undefined) {
        throw controlError(
          GRAPH_ERRORS.CONTROL_INVALID_PARAMETER,
          `Param code must be a WhatsApp error code Groupgate knows (see docs/errors.md), got ${code}`,
        );
      }
      if (body.fields !== undefined && body.operation !== 'group_settings_update') {
        throw controlError(
          GRAPH_ERRORS.CONTROL_INVALID_PARAMETER,
          'Param fields applies to operation group_settings_update only',
        );
      }
      conditions.arm(business.pk, {
        operation: body.operation,
        code,
        ...(body.fields !== undefined && { fields: body.fields }),
      });
      return reply.code(201).send(armedState(business, conditions.armed(business.pk)));
    },
  );

  app.delete(
    '/businesses/:waba_id/failures',
    {
      schema: {
        tags: TAGS,
        summary: 'Disarm every failure armed for the business.',
        security: SECURED,
        params: WABA_PARAMS,
        response: { 200: ARMED, '4xx': ERROR_RESPONSE },
      },
    },
    async (request) => {
      const business = await businessOf((request.params as { waba_id: string }).waba_id);
      conditions.disarm(business.pk);
      return armedState(business, []);
    },
  );

  app.put(
    '/users/:wa_id/terms',
    {
      schema: {
        tags: TAGS,
        summary:
          "Whether a simulated user has accepted WhatsApp's new Terms of Service. While not, approving their join request fails for that id with 131203 (the request stays pending).",
        security: SECURED,
        params: WA_ID_PARAMS,
        body: {
          type: 'object',
          required: ['accepted'],
          additionalProperties: false,
          properties: { accepted: { type: 'boolean' } },
        },
        response: {
          200: { type: 'object', properties: { wa_id: { type: 'string' }, accepted: { type: 'boolean' } } },
          '4xx': ERROR_RESPONSE,
        },
      },
    },
    async (request) => {
      const { wa_id: waId } = request.params as { wa_id: string };
      const { accepted } = request.body as SetTermsBody;
      conditions.setTermsAccepted(waId, accepted);
      return { wa_id: waId, accepted: conditions.termsAccepted(waId) } satisfies TermsState;
    },
  );
}
