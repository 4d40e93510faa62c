/**
 * @module server/graph/routes/group-node — the group node itself: `GET /{version}/{group_id}?fields=…` (GroupInfo),
 * `POST` (settings: subject, description, profile picture) and `DELETE`. With no `fields`, only `id` and
 * `messaging_product` come back, as Meta documents; an unknown field is Graph's usual
 * `(#100) Tried accessing nonexisting field`.
 * @see https://developers.facebook.com/documentation/business-messaging/whatsapp/groups/reference
 */
import type { FastifyInstance } from 'fastify';
import type { GroupInfoFields } from '@groupgate/sdk/contract';
import type { GroupRecord } from '../../../domain/records.js';
import type { UserIdentity } from '../../../domain/users.js';
import { invalidParameter } from '../../graph-error.js';
import { operation, registerEdge, type EdgeDependencies } from '../edge-router.js';
import { stringParam } from '../params.js';
import { objectNotFound, resolveGroup } from '../resolve-node.js';
import { newRequestId } from '../../../domain/ids.js';
import { participantItem } from '../../../domain/wire.js';
import { groupDeleted, settingsUpdated } from '../../../domain/webhook-items.js';
import { outboxOf } from '../../webhook-events.js';
import { readSettingsChange } from './group-settings.js';

type FieldValue = string | number | boolean | GroupInfoFields['participants'];

/** Reads a group's participants at most once per request, whichever fields ask for them. */
type Participants = () => Promise<UserIdentity[]>;

type FieldReader = (group: GroupRecord, participants: Participants) => Promise<FieldValue> | FieldValue;

/**
 * Each field Meta's GroupInfo has, and how to read it. A Map, not an object literal: a requested name such as
 * `constructor` or `hasOwnProperty` must not find what every object inherits.
 */
const FIELDS: ReadonlyMap<string, FieldReader> = new Map<string, FieldReader>([
  ['join_approval_mode', (group) => group.joinApprovalMode],
  ['subject', (group) => group.subject],
  ['description', (group) => group.description],
  ['suspended', (group) => group.suspended],
  ['creation_timestamp', (group) => group.createdAt],
  ['participants', async (_group, participants) => (await participants()).map(participantItem)],
  ['total_participant_count', async (_group, participants) => (await participants()).length],
]);

function requestedFields(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') return [];
  const fields = [
    ...new Set(
      raw
        .split(',')
        .map((field) => field.trim())
        .filter((field) => field !== ''),
    ),
  ];
  for (const field of fields) {
    if (field !== 'id' && field !== 'messaging_product' && !FIELDS.has(field)) {
      throw invalidParameter(`Tried accessing nonexisting field (${field}) on node type (WhatsAppGroup)`);
    }
  }
  return fields;
}

export function registerGroupNodeRoutes(app: FastifyInstance, deps: EdgeDependencies): void {
  const { store } = deps;
  registerEdge(app, deps, {
    handlers: {
      POST: operation({
        limit: 'group_operations',
        check: async (context) => ({
          group: await resolveGroup(context, store),
          change: readSettingsChange(context.params),
        }),
        apply: async (context, { group, change }) => {
          const requestId = newRequestId();
          const patch = {
            ...(change.subject !== undefined && { subject: change.subject }),
            ...(change.description !== undefined && { description: change.description }),
            ...(change.photo !== undefined && { photoSha256: change.photo.sha256 }),
          };
          const updated = await store.updateGroup(group.pk, patch, (changed) =>
            outboxOf(changed, settingsUpdated(changed, requestId, change, context.now)),
          );
          if (updated === undefined) throw objectNotFound(context);
          // Meta documents no body; the request_id is the one the group_settings_update webhook carries.
          return { body: JSON.stringify({ success: true, request_id: requestId }) };
        },
      }),
      DELETE: operation({
        limit: 'group_operations',
        check: (context) => resolveGroup(context, store, { allowSuspended: true }),
        apply: async (context, group) => {
          const deleted = await store.deleteGroup(group.pk, context.now, (gone) =>
            outboxOf(gone, groupDeleted(gone, newRequestId(), context.now)),
          );
          if (!deleted) throw objectNotFound(context);
          return { body: '{"success":true}' };
        },
      }),
      GET: async (context) => {
        const group = await resolveGroup(context, store, { allowSuspended: true });
        const body: Record<string, FieldValue> = { id: group.groupId, messaging_product: 'whatsapp' };
        let participants: Promise<UserIdentity[]> | undefined;
        const readParticipants = () => (participants ??= deps.store.listParticipants(group.pk));
        for (const field of requestedFields(stringParam(context.params, 'fields'))) {
          const read = FIELDS.get(field);
          if (read !== undefined) body[field] = await read(group, readParticipants);
        }
        return { body: JSON.stringify(body) };
      },
    },
  });
}
