/**
 * @module server/graph/routes/join-requests — `GET|POST|DELETE /{version}/{group_id}/join_requests`.
 * @see https://developers.facebook.com/documentation/business-messaging/whatsapp/groups/reference
 */
import type { JSONSchemaType } from 'ajv';
import type { FastifyInstance } from 'fastify';
import type { DecideJoinRequestsBody } from '@groupgate/sdk/contract';
import { MAX_JOIN_REQUESTS_PER_CALL } from '@groupgate/sdk/contract';
import { decisionStatus } from '../../../domain/conditions.js';
import { decisionResponse, uniqueIds } from '../../../domain/join-requests.js';
import type { SimulatedConditions } from '../../simulated-conditions.js';
import type { Decision } from '../../../domain/records.js';
import {
  operation,
  registerEdge,
  type EdgeDependencies,
  type EdgeHandler,
  type EdgeMethod,
  type GraphContext,
} from '../edge-router.js';
import { baseUrl, buildPaging, keysetQueryOf, pageRequestFor, readPageParams } from '../paging.js';
import { compileParams } from '../params.js';
import { parseFields, pick } from '../fields.js';
import { accessibleGroup, groupNotFound, resolveGroup } from '../resolve-node.js';
import { participantsJoined } from '../../../domain/webhook-items.js';
import { outboxOf } from '../../webhook-events.js';
import { ITEM_ERROR_SCHEMA } from '../response-schemas.js';
import { lazySerializer } from '../lazy-serializer.js';

function decisionSerializer(successKey: string) {
  return lazySerializer({
    type: 'object',
    properties: {
      messaging_product: { type: 'string' },
      [successKey]: { type: 'array', items: { type: 'string' } },
      failed_join_requests: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            join_request_id: { type: 'string' },
            errors: { type: 'array', items: ITEM_ERROR_SCHEMA },
          },
        },
      },
      errors: { type: 'array', items: ITEM_ERROR_SCHEMA },
    },
  });
}
const serializeApproved = decisionSerializer('approved_join_requests');
const serializeRejected = decisionSerializer('rejected_join_requests');

const validateDecideBody = compileParams<DecideJoinRequestsBody>({
  type: 'object',
  required: ['messaging_product', 'join_requests'],
  properties: {
    messaging_product: { type: 'string', enum: ['whatsapp'] },
    join_requests: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_JOIN_REQUESTS_PER_CALL,
      items: { type: 'string', minLength: 1, maxLength: 512 },
    },
  },
} as JSONSchemaType<DecideJoinRequestsBody>);

/** A join request's fields, the BSUID ones included (present when the user has them). */
const JOIN_REQUEST_FIELDS: ReadonlySet<string> = new Set([
  'join_request_id',
  'wa_id',
  'user_id',
  'parent_user_id',
  'username',
  'creation_timestamp',
]);

/** The fields asked for, as on a node; undefined for none (`fields=`), which is the default item. */
function selectedJoinRequestFields(context: GraphContext): ReadonlySet<string> | undefined {
  const fields = parseFields(context.params['fields'], 'WhatsAppGroupJoinRequest', JOIN_REQUEST_FIELDS);
  return fields.length === 0 ? undefined : new Set(fields.map((field) => field.name));
}

/** The stored items with only the fields asked for; the id is always kept. Off the hot path. */
function selectFields(itemsJson: string, keep: ReadonlySet<string>): string {
  const items = JSON.parse(`[${itemsJson}]`) as Record<string, unknown>[];
  return items.map((item) => JSON.stringify(pick(item, keep, 'join_request_id'))).join(',');
}

export interface JoinRequestRouteOptions {
  publicUrl: string | undefined;
  maxParticipants: number;
  conditions: SimulatedConditions;
}

export function registerJoinRequestRoutes(
  app: FastifyInstance,
  deps: EdgeDependencies,
  options: JoinRequestRouteOptions,
): void {
  const { store } = deps;

  const list: EdgeHandler = async (context: GraphContext) => {
    const params = readPageParams(context, 'join_requests');
    // Absent on the hot path: one property read.
    const fields = context.params['fields'] === undefined ? undefined : selectedJoinRequestFields(context);
    // An unknown group answers 100/33 before a bad cursor answers 131059, as when the group is looked up first.
    if (params.cursor === null) await resolveGroup(context, store);
    const found = await store.listPendingJoinRequestsOfGroup(
      context.nodeId,
      context.caller.business.pk,
      keysetQueryOf(params),
    );
    if (found === undefined) throw groupNotFound(context);
    const { page } = found;
    const group = accessibleGroup(context, found.group);
    // The page was read by the cursor's key; only now is its group known, to refuse a cursor of another group.
    const pageRequest = pageRequestFor(params, group.groupNumber);
    if (page.count === 0) return { body: '{"data":[]}' };
    const edgeUrl = `${baseUrl(context, options.publicUrl)}/${context.version}/${group.groupId}/join_requests`;
    const paging = buildPaging(context, page, pageRequest, edgeUrl);
    // The store renders the items; only the envelope and paging are assembled here. Native JSON.stringify beats a
    // compiled serialiser on this small object, whose long URLs the latter escapes a character at a time.
    const items = fields === undefined ? page.itemsJson : selectFields(page.itemsJson, fields);
    return { body: `{"data":[${items}],"paging":${JSON.stringify(paging)}}` };
  };

  const decide = (decision: Decision): EdgeMethod =>
    operation({
      limit: 'group_operations',
      check: async (context) => ({
        group: await resolveGroup(context, store),
        body: validateDecideBody(context.params),
      }),
      apply: async (context, { group, body }) => {
        const outcomes = await store.decideJoinRequests(
          group.pk,
          uniqueIds(body.join_requests),
          decision,
          {
            now: context.now,
            maxParticipants: options.maxParticipants,
            ...(options.conditions.termsNotAccepted !== undefined && {
              termsNotAccepted: options.conditions.termsNotAccepted,
            }),
          },
          // One webhook for a whole bulk approval; a rejection sends none (reference §1.8).
          (outcomes) => {
            if (decision === 'reject') return [];
            const added = outcomes.flatMap((o) => (o.result === 'decided' ? [o.user] : []));
            return added.length === 0
              ? []
              : outboxOf(group, deps.clockMs(), participantsJoined(group, added, true, context.now));
          },
        );
        // 200 unless the business asked for 206 on partial success (domain/conditions.ts).
        const status = decisionStatus(outcomes, options.conditions.of(group.businessPk));
        return decision === 'approve'
          ? {
              status,
              body: serializeApproved(decisionResponse('approve', outcomes, options.maxParticipants)),
            }
          : {
              status,
              body: serializeRejected(decisionResponse('reject', outcomes, options.maxParticipants)),
            };
      },
    });

  registerEdge(app, deps, {
    edge: 'join_requests',
    handlers: { GET: list, POST: decide('approve'), DELETE: decide('reject') },
  });
}
