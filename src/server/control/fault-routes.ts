/**
 * @module server/control/fault-routes — fault rules of this instance: `POST|GET|DELETE /_groupgate/faults` and
 * `DELETE /_groupgate/faults/{id}`. A rule is read by `domain/faults.ts`, which names the first bad field.
 */
import type { ControlList, ControlSuccess, FaultRule } from '@groupgate/sdk/contract';
import type { FastifyInstance } from 'fastify';
import { GRAPH_ERRORS } from '../../domain/error-catalog.js';
import { FaultRuleProblem } from '../../domain/faults.js';
import type { ControlDependencies } from './dependencies.js';
import { controlError } from './sandbox.js';
import { ERROR_RESPONSE, SECURED, TAGS } from './schemas.js';

const MATCH = {
  type: 'object',
  additionalProperties: false,
  description:
    'Every key given must match. Graph rules: method, edge, group_id, waba_id, phone_number_id, wa_id. Webhook rules: webhook_field, event_type, group_id, waba_id, phone_number_id.',
  properties: {
    method: { type: 'string', enum: ['GET', 'POST', 'DELETE'] },
    edge: { type: 'string', enum: ['join_requests', 'groups', 'group', 'invite_link', 'participants'] },
    group_id: { type: 'string' },
    waba_id: { type: 'string' },
    phone_number_id: { type: 'string' },
    wa_id: { type: 'string' },
    webhook_field: { type: 'string' },
    event_type: { type: 'string' },
  },
};
const ERROR = {
  type: 'object',
  additionalProperties: false,
  properties: {
    code: { type: 'integer' },
    error_subcode: { type: 'integer' },
    http_status: { type: 'integer' },
    message: { type: 'string' },
    type: { type: 'string' },
    is_transient: { type: 'boolean' },
    error_user_title: { type: 'string' },
    error_user_msg: { type: 'string' },
  },
};
const RULE_BODY = {
  type: 'object',
  // Checked by domain/faults.ts, which says which field is wrong and why (an unknown one too); the schema is for
  // the OpenAPI document.
  additionalProperties: false,
  properties: {
    on: { type: 'string', enum: ['graph', 'webhook'], default: 'graph' },
    match: MATCH,
    error: ERROR,
    delay_ms: { type: 'integer', minimum: 0, maximum: 600000 },
    network: { type: 'string', enum: ['reset', 'hang', 'drop_reply'] },
    webhook: { type: 'string', enum: ['duplicate', 'timeout'] },
    times: { type: 'integer', minimum: 1 },
    after: { type: 'integer', minimum: 0 },
    probability: { type: 'number', minimum: 0, maximum: 1 },
    seed: { type: 'integer', minimum: 0 },
  },
};
const EFFECT_KEYS = ['error', 'delay_ms', 'network', 'webhook'] as const;
const RULE = {
  type: 'object',
  properties: {
    ...Object.fromEntries(
      Object.entries(RULE_BODY.properties).filter(
        ([key]) => !(EFFECT_KEYS as readonly string[]).includes(key),
      ),
    ),
    effect: {
      type: 'object',
      description: 'The one effect, nested: a top-level `error` key would read as a Graph error envelope.',
      properties: Object.fromEntries(EFFECT_KEYS.map((key) => [key, RULE_BODY.properties[key]])),
    },
    id: { type: 'string' },
    times: { type: ['integer', 'null'] },
    seed: { type: ['integer', 'null'] },
    matched: { type: 'integer', description: 'Calls or events the rule matched, fired or not.' },
    hits: { type: 'integer', description: 'Times the rule fired.' },
    created_at: { type: 'integer', description: 'Unix milliseconds.' },
  },
};

export function registerFaultRoutes(app: FastifyInstance, deps: ControlDependencies): void {
  const { faults } = deps;
  app.post(
    '/faults',
    {
      schema: {
        tags: TAGS,
        summary:
          'Adds a fault rule to this instance: a match, one effect (error, delay_ms, network; or for webhook rules webhook, delay_ms), and times / after / probability with seed.',
        security: SECURED,
        body: RULE_BODY,
        response: { 201: RULE, '4xx': ERROR_RESPONSE },
      },
      // The body is read by the domain, not by the schema's validator: its messages name the field and the rule.
      validatorCompiler: () => () => true,
    },
    async (request, reply) => {
      try {
        const rule = faults.add(request.body);
        return reply.code(201).send(rule satisfies FaultRule);
      } catch (error) {
        if (error instanceof FaultRuleProblem) {
          throw controlError(GRAPH_ERRORS.CONTROL_INVALID_PARAMETER, error.message);
        }
        throw error;
      }
    },
  );

  app.get(
    '/faults',
    {
      schema: {
        tags: TAGS,
        summary: "This instance's fault rules, oldest first, with how often each matched and fired.",
        security: SECURED,
        response: { 200: { type: 'object', properties: { data: { type: 'array', items: RULE } } } },
      },
    },
    async () => ({ data: faults.list() }) satisfies ControlList<FaultRule>,
  );

  app.delete(
    '/faults/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'Removes one fault rule.',
        security: SECURED,
        params: { type: 'object', properties: { id: { type: 'string' } } },
        response: {
          200: { type: 'object', properties: { success: { type: 'boolean' } } },
          '4xx': ERROR_RESPONSE,
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      if (!faults.remove(id)) throw controlError(GRAPH_ERRORS.CONTROL_NOT_FOUND, `No fault rule ${id}`);
      return { success: true } satisfies ControlSuccess;
    },
  );

  app.delete(
    '/faults',
    {
      schema: {
        tags: TAGS,
        summary: 'Removes every fault rule of this instance.',
        security: SECURED,
        response: { 200: { type: 'object', properties: { success: { type: 'boolean' } } } },
      },
    },
    async () => {
      faults.clear();
      return { success: true } satisfies ControlSuccess;
    },
  );
}
