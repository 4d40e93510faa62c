/**
 * @module server/graph/routes/invite-link — `GET /{version}/{group_id}/invite_link`.
 * @see https://developers.facebook.com/documentation/business-messaging/whatsapp/groups/reference
 */
import type { FastifyInstance } from 'fastify';
import { INVITE_LINK_PREFIX } from '../../../contract/limits.js';
import { registerEdge, type EdgeDependencies } from '../edge-router.js';
import { resolveGroup } from '../resolve-node.js';
import { lazySerializer } from '../lazy-serializer.js';

const serializeInviteLink = lazySerializer({
  type: 'object',
  properties: { messaging_product: { type: 'string' }, invite_link: { type: 'string' } },
});

export function inviteLinkFor(inviteCode: string): string {
  return INVITE_LINK_PREFIX + inviteCode;
}

export function registerInviteLinkRoutes(app: FastifyInstance, deps: EdgeDependencies): void {
  registerEdge(app, deps, {
    edge: 'invite_link',
    handlers: {
      GET: async (context) => {
        const group = await resolveGroup(context, deps.store);
        return {
          body: serializeInviteLink({
            messaging_product: 'whatsapp',
            invite_link: inviteLinkFor(group.inviteCode),
          }),
        };
      },
    },
  });
}
