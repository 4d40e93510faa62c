/**
 * @module server/graph/routes/participants — `DELETE /{version}/{group_id}/participants` removes 1 to 8 users, who
 * then cannot come back through the invite link. `POST` (add) is in Meta's spec only; Meta's docs say users join
 * only through the invite link, so Groupgate refuses it with a Graph error that says so (docs/decisions.md).
 * @see https://developers.facebook.com/documentation/business-messaging/whatsapp/groups/reference
 */
import type { JSONSchemaType } from 'ajv';
import type { FastifyInstance } from 'fastify';
import { MAX_PARTICIPANTS_PER_CALL } from '@groupgate/sdk/contract';
import { GRAPH_ERRORS } from '../../../domain/error-catalog.js';
import { newRequestId } from '../../../domain/ids.js';
import { removalRefusal } from '../../../domain/removal-plan.js';
import { participantsRemovedByBusiness } from '../../../domain/webhook-items.js';
import { GraphError, invalidParameter } from '../../graph-error.js';
import { outboxOf } from '../../webhook-events.js';
import { operation, registerEdge, type EdgeDependencies } from '../edge-router.js';
import { compileParams } from '../params.js';
import { resolveGroup } from '../resolve-node.js';

interface ParticipantsBody {
  messaging_product: 'whatsapp';
  participants: { user: string }[];
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
        required: ['user'],
        properties: { user: { type: 'string', minLength: 1, maxLength: 64 } },
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
          const asked = body.participants.map(({ user }) => waIdOf(user));
          const refusal = removalRefusal(asked, group.participantCount);
          if (refusal !== undefined) {
            throw new GraphError(refusal.template, {
              details:
                refusal.waId === undefined
                  ? 'The group has no participants but the business: there is nobody to remove.'
                  : `The user ${refusal.waId} is named more than once in participants.`,
            });
          }
          const inputs = new Map<string, string>();
          body.participants.forEach(({ user }, i) => inputs.set(asked[i] ?? user, user));
          return { group, inputs };
        },
        apply: async (context, { group, inputs }) => {
          const requestId = newRequestId();
          await store.removeParticipants(
            group.pk,
            [...inputs.keys()],
            { now: context.now, ban: true },
            (outcomes) => {
              const inputOf = (waId: string) => inputs.get(waId) ?? waId;
              const removed = outcomes.flatMap((o) => (o.result === 'removed' ? [inputOf(o.waId)] : []));
              const failed = outcomes.flatMap((o) =>
                o.result === 'not_participant' ? [inputOf(o.waId)] : [],
              );
              return outboxOf(
                group,
                deps.clockMs(),
                participantsRemovedByBusiness(group, requestId, removed, failed, context.now),
              );
            },
          );
          // Meta documents no body; the outcome, per user, is in the group_participants_update webhook.
          return { body: JSON.stringify({ success: true, request_id: requestId }) };
        },
      }),
    },
  });
}
