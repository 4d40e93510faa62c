/**
 * @module server/graph/routes/invite-link — `GET|POST|DELETE /{version}/{group_id}/invite_link`: read the link,
 * reset it (the old one stops working at once), delete it (nobody can join until a new one is created by a reset).
 * @see https://developers.facebook.com/documentation/business-messaging/whatsapp/groups/reference
 */
import type { JSONSchemaType } from 'ajv';
import type { FastifyInstance } from 'fastify';
import { INVITE_LINK_PREFIX } from '@groupgate/sdk/contract';
import { GRAPH_ERRORS } from '../../../domain/error-catalog.js';
import { newInviteCode } from '../../../domain/ids.js';
import type { GroupRecord } from '../../../domain/records.js';
import { withFreshIds } from '../../../storage/with-fresh-ids.js';
import { GraphError } from '../../graph-error.js';
import { operation, registerEdge, type EdgeDependencies, type GraphContext } from '../edge-router.js';
import { compileParams } from '../params.js';
import { groupNotFound, resolveGroup } from '../resolve-node.js';
import { lazySerializer } from '../lazy-serializer.js';

const serializeInviteLink = lazySerializer({
  type: 'object',
  properties: { messaging_product: { type: 'string' }, invite_link: { type: 'string' } },
});

export function inviteLinkFor(inviteCode: string): string {
  return INVITE_LINK_PREFIX + inviteCode;
}

interface MessagingProductBody {
  messaging_product: 'whatsapp';
}

/** The body every Groups write carries, and nothing else is needed here. */
export const validateMessagingProduct = compileParams<MessagingProductBody>({
  type: 'object',
  required: ['messaging_product'],
  properties: { messaging_product: { type: 'string', enum: ['whatsapp'] } },
} as JSONSchemaType<MessagingProductBody>);

function linkBody(group: GroupRecord): { body: string } {
  return {
    body: serializeInviteLink({
      messaging_product: 'whatsapp',
      invite_link: inviteLinkFor(group.inviteCode),
    }),
  };
}

export function registerInviteLinkRoutes(app: FastifyInstance, deps: EdgeDependencies): void {
  const { store } = deps;
  const check = async (context: GraphContext): Promise<GroupRecord> => {
    const group = await resolveGroup(context, store);
    validateMessagingProduct(context.params);
    return group;
  };
  const write = async (
    context: GraphContext,
    group: GroupRecord,
    code: () => string | null,
  ): Promise<GroupRecord> => {
    const changed = await withFreshIds(() => store.setInviteCode(group.pk, code()));
    if (changed === undefined) throw groupNotFound(context);
    return changed;
  };
  registerEdge(app, deps, {
    edge: 'invite_link',
    handlers: {
      GET: async (context) => {
        const group = await resolveGroup(context, store);
        if (!group.inviteLinkActive) throw new GraphError(GRAPH_ERRORS.NO_INVITE_LINK);
        return linkBody(group);
      },
      POST: operation({
        limit: 'group_operations',
        check,
        apply: async (context, group) => linkBody(await write(context, group, newInviteCode)),
      }),
      DELETE: operation({
        limit: 'group_operations',
        check,
        apply: async (context, group) => {
          await write(context, group, () => null);
          // The spec types `success` as the string 'true' here (reference §1.6).
          return { body: '{"messaging_product":"whatsapp","success":"true"}' };
        },
      }),
    },
  });
}
