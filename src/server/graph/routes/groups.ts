/**
 * @module server/graph/routes/groups — `POST|GET /{version}/{phone_number_id}/groups` (create, list active).
 * Creation is asynchronous at Meta: the call answers a `request_id`, the group id arrives by webhook. Groupgate
 * creates the group at once; the group also appears in the list straight away.
 * @see https://developers.facebook.com/documentation/business-messaging/whatsapp/groups/reference
 */
import type { JSONSchemaType } from 'ajv';
import type { FastifyInstance } from 'fastify';
import type { CreateGroupBody } from '@groupgate/sdk/contract';
import { MAX_DESCRIPTION_LENGTH, MAX_SUBJECT_LENGTH } from '@groupgate/sdk/contract';
import { GRAPH_ERRORS } from '../../../domain/error-catalog.js';
import { armedFailureError, groupsEdgeRefusal } from '../../../domain/conditions.js';
import { mintGroup } from '../../../domain/groups.js';
import { groupCreated, groupCreateFailed } from '../../../domain/webhook-items.js';
import type { SimulatedConditions } from '../../simulated-conditions.js';
import { outboxOf } from '../../webhook-events.js';
import { checkedSubject } from './group-settings.js';
import { inviteLinkFor } from './invite-link.js';
import type { GroupRecord } from '../../../domain/records.js';
import { groupSummary } from '../../../domain/wire.js';
import { withFreshIds } from '../../../storage/with-fresh-ids.js';
import { GraphError } from '../../graph-error.js';
import {
  operation,
  registerEdge,
  type EdgeDependencies,
  type EdgeHandler,
  type GraphContext,
} from '../edge-router.js';
import { baseUrl, buildPaging, positionOf, readPageRequest } from '../paging.js';
import { compileParams } from '../params.js';
import { parseFields, pick } from '../fields.js';
import { resolvePhoneNumber } from '../resolve-node.js';
import { PAGING_SCHEMA } from '../response-schemas.js';
import { lazySerializer } from '../lazy-serializer.js';

const serializeCreated = lazySerializer({
  type: 'object',
  properties: { messaging_product: { type: 'string' }, request_id: { type: 'string' } },
});

const serializeGroups = lazySerializer({
  type: 'object',
  properties: {
    data: {
      type: 'object',
      properties: {
        groups: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              id: { type: 'string' },
              subject: { type: 'string' },
              created_at: { type: 'string' },
            },
          },
        },
      },
    },
    paging: PAGING_SCHEMA,
  },
});

const validateCreateBody = compileParams<CreateGroupBody>({
  type: 'object',
  required: ['messaging_product', 'subject'],
  properties: {
    messaging_product: { type: 'string', enum: ['whatsapp'] },
    // Length is checked after trimming, below; this bound only stops absurd inputs early.
    subject: { type: 'string', maxLength: 16 * MAX_SUBJECT_LENGTH },
    description: { type: 'string', maxLength: MAX_DESCRIPTION_LENGTH, nullable: true },
    join_approval_mode: { type: 'string', enum: ['approval_required', 'auto_approve'], nullable: true },
  },
} as JSONSchemaType<CreateGroupBody>);

/** The fields of a group as the list has them (Meta's spec lists these three). */
const GROUP_SUMMARY_FIELDS: ReadonlySet<string> = new Set(['id', 'subject', 'created_at']);

export interface GroupRouteOptions {
  publicUrl: string | undefined;
  maxGroupsPerPhoneNumber: number;
  conditions: SimulatedConditions;
}

/** 131215 (not eligible) or 131214 (creation paused), when the control API put the business in that state. */
function refuseByConditions(
  context: GraphContext,
  conditions: SimulatedConditions,
  operation: 'create' | 'list',
) {
  const refusal = groupsEdgeRefusal(conditions.of(context.caller.business.pk), operation);
  if (refusal === undefined) return;
  throw new GraphError(refusal, {
    details:
      refusal === GRAPH_ERRORS.NOT_ELIGIBLE_FOR_GROUPS
        ? 'This phone number is not eligible for the Groups API (simulated through the control API).'
        : 'Group creation is temporarily disabled for this business: too many marketing messages were sent within the customer service window in the past 7 days (simulated through the control API).',
  });
}

export function registerGroupRoutes(
  app: FastifyInstance,
  deps: EdgeDependencies,
  options: GroupRouteOptions,
): void {
  const { store } = deps;

  const create = operation({
    limit: 'group_operations',
    check: async (context) => {
      resolvePhoneNumber(context);
      refuseByConditions(context, options.conditions, 'create');
      const body = validateCreateBody(context.params);
      return {
        subject: checkedSubject(body.subject),
        description: body.description ?? '',
        joinApprovalMode: body.join_approval_mode ?? 'auto_approve',
      };
    },
    apply: async (context, settings) => {
      const business = context.caller.business;
      // Taken before the change, so that two racing creates cannot both claim one armed failure.
      const failure = options.conditions.take(business.pk, 'group_create');
      const created = await withFreshIds(() =>
        store.createGroup(
          mintGroup(business, settings, context.now),
          options.maxGroupsPerPhoneNumber,
          // The group id and invite link reach the caller only through this webhook, as at Meta.
          // A creation armed to fail sends its failure instead, below.
          (group) =>
            failure !== undefined
              ? []
              : outboxOf(
                  group,
                  deps.clockMs(),
                  groupCreated(group, inviteLinkFor(group.inviteCode), context.now),
                ),
        ),
      );
      if (created === 'limit_reached') {
        if (failure !== undefined) options.conditions.arm(business.pk, failure);
        throw new GraphError(GRAPH_ERRORS.GROUP_CREATE_LIMIT, {
          details: `This phone number already has ${options.maxGroupsPerPhoneNumber} active groups.`,
        });
      }
      if (failure !== undefined) {
        // Accepted, then failed, as the control API armed: the call still answers its request_id, and the
        // group_create webhook carries the error. The group's row stays, deleted, as the anchor of that webhook
        // (and its id answers 131041). Two steps: a crash between them leaves the group created, unannounced.
        const error = armedFailureError(failure, 'The group could not be created.');
        await store.deleteGroup(created.pk, context.now, (gone) =>
          outboxOf(gone, deps.clockMs(), groupCreateFailed(gone, error, context.now)),
        );
      }
      return { body: serializeCreated({ messaging_product: 'whatsapp', request_id: created.requestId }) };
    },
  });

  const list: EdgeHandler = async (context) => {
    resolvePhoneNumber(context);
    const asked = parseFields(context.params['fields'], 'WhatsAppGroup', GROUP_SUMMARY_FIELDS);
    const fields = asked.length === 0 ? undefined : new Set(asked.map((field) => field.name));
    refuseByConditions(context, options.conditions, 'list');
    const business = context.caller.business;
    const pageRequest = readPageRequest(context, 'groups', business.phoneNumberId);
    const page = await store.listGroups(business.pk, pageRequest.query);
    const edgeUrl = `${baseUrl(context, options.publicUrl)}/${context.version}/${business.phoneNumberId}/groups`;
    const position = positionOf(page, (group: GroupRecord) => group.pk);
    const paging = position && buildPaging(context, position, pageRequest, edgeUrl);
    const groups =
      fields === undefined
        ? page.items.map(groupSummary)
        : page.items.map((group) => pick(groupSummary(group), fields, 'id'));
    return {
      body: serializeGroups(paging === undefined ? { data: { groups } } : { data: { groups }, paging }),
    };
  };

  registerEdge(app, deps, { edge: 'groups', handlers: { POST: create, GET: list } });
}
