/**
 * @module server/graph/routes/participants — `DELETE /{version}/{group_id}/participants` removes 1 to 8 users, each
 * named by phone number (`{user}`) or business-scoped user id (`{user_id}`), who then cannot come back through the
 * invite link. `POST` (add) is in Meta's spec only; Meta's docs say users join
 * only through the invite link, so Groupgate refuses it with a Graph error that says so (docs/decisions.md).
 * @see https://developers.facebook.com/documentation/business-messaging/whatsapp/groups/reference
 */
import type { JSONSchemaType } from 'ajv';
import type { FastifyInstance } from 'fastify';
import { MAX_PARTICIPANTS_PER_CALL } from '@groupgate/sdk/contract';
import { GRAPH_ERRORS } from '../../../domain/error-catalog.js';
import { newRequestId } from '../../../domain/ids.js';
import { participantsRemovedByBusiness } from '../../../domain/webhook-items.js';
import { isBsuid, refKey, type UserRef } from '../../../domain/users.js';
import { GraphError, invalidParameter } from '../../graph-error.js';
import { removalRefusal } from '../../../domain/removal-plan.js';
import { outboxOf } from '../../webhook-events.js';
import { operation, registerEdge, type EdgeDependencies } from '../edge-router.js';
import { compileParams } from '../params.js';
import { resolveGroup } from '../resolve-node.js';

interface ParticipantsBody {
  messaging_product: 'whatsapp';
  /** Each names a user by phone number (`user`) or by business-scoped user id (`user_id`), never both. */
  participants: { user?: string; user_id?: string }[];
}

const validateParticipantsBody = compileParams<ParticipantsBody>({
  type: 'object',
  required: ['messaging_product', 'participants'],
  properties: {
    messaging_product: { type: 'string', enum: ['whatsapp'] },
    participants: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_PARTICIPANTS_PER_CALL,
      items: {
        type: 'object',
        properties: {
          user: { type: 'string', minLength: 1, maxLength: 64, nullable: true },
          user_id: { type: 'string', minLength: 1, maxLength: 140, nullable: true },
        },
      },
    },
  },
} as JSONSchemaType<ParticipantsBody>);

/** A phone number as users type it (`+1 650-555-1234`) names the WhatsApp id made of its digits. */
export function waIdOf(user: string): string {
  const digits = user.replace(/[\s().+-]/g, '');
  if (!/^\d{5,20}$/.test(digits)) {
    throw invalidParameter(`Param participants[].user must be a phone number or WhatsApp id, got "${user}"`);
  }
  return digits;
}

/** A participants[] item as the user it names ([BSUID]: `user` or `user_id`, never both). */
export function userRefOf(item: { user?: string; user_id?: string }): UserRef {
  if (item.user !== undefined && item.user_id !== undefined) {
    throw invalidParameter('Param participants[] must name a user by user or by user_id, not both');
  }
  if (item.user_id !== undefined) {
    if (!isBsuid(item.user_id)) {
      throw invalidParameter(
        `Param participants[].user_id must be a business-scoped user id (CC.ALPHANUMERICS), got "${item.user_id}"`,
      );
    }
    return { input: item.user_id, userId: item.user_id };
  }
  if (item.user === undefined) throw invalidParameter('Param participants[] must have a user or a user_id');
  return { input: item.user, waId: waIdOf(item.user) };
}

export function registerParticipantRoutes(app: FastifyInstance, deps: EdgeDependencies): void {
  const { store } = deps;
  registerEdge(app, deps, {
    edge: 'participants',
    handlers: {
      POST: async (context) => {
        await resolveGroup(context, store);
        throw new GraphError(GRAPH_ERRORS.PARTICIPANTS_ADD_UNSUPPORTED);
      },
      DELETE: operation({
        limit: 'group_operations',
        check: async (context) => {
          const group = await resolveGroup(context, store);
          const body = validateParticipantsBody(context.params);
          // `input` in the webhook echoes what the caller sent, for each user.
          const users = body.participants.map(userRefOf);
          // Named twice the same way (the same number, however written, or the same BSUID): Meta's 131202.
          const refusal = removalRefusal(users.map(refKey), group.participantCount);
          if (refusal !== undefined) {
            throw new GraphError(refusal.template, {
              details:
                refusal.waId === undefined
                  ? 'The group has no participants but the business: there is nobody to remove.'
                  : `The user ${refusal.waId.replace(/^(wa|bsuid):/, '')} is named more than once in participants.`,
            });
          }
          return { group, users };
        },
        apply: async (context, { group, users }) => {
          const requestId = newRequestId();
          await store.removeParticipants(group.pk, users, { now: context.now, ban: true }, (outcomes) => {
            const removed = outcomes.flatMap((o) =>
              o.result === 'removed' ? [{ ref: o.ref, user: o.user }] : [],
            );
            const failed = outcomes.flatMap((o) => (o.result === 'not_participant' ? [o.ref] : []));
            return outboxOf(
              group,
              deps.clockMs(),
              participantsRemovedByBusiness(group, requestId, removed, failed, context.now),
            );
          });
          // Meta documents no body; the outcome, per user, is in the group_participants_update webhook.
          return { body: JSON.stringify({ success: true, request_id: requestId }) };
        },
      }),
    },
  });
}
