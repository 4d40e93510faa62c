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
import { operation, registerEdge, type EdgeDependencies } from '../edge-router.js';
import { parseFields, pick } from '../fields.js';
import { groupNotFound, resolveGroup } from '../resolve-node.js';
import { newRequestId } from '../../../domain/ids.js';
import { participantItem } from '../../../domain/wire.js';
import { groupDeleted, settingsUpdated } from '../../../domain/webhook-items.js';
import { outboxOf } from '../../webhook-events.js';
import { readSettingsChange } from './group-settings.js';
import { armedFailureError, planSettingsUpdate } from '../../../domain/conditions.js';
import type { SimulatedConditions } from '../../simulated-conditions.js';

export interface GroupNodeRouteOptions {
  conditions: SimulatedConditions;
}

/** A field's value; participants with `participants{…}` subfields keep only those keys. */
type FieldValue = string | number | boolean | GroupInfoFields['participants'] | Record<string, unknown>[];

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

const KNOWN_FIELDS: ReadonlySet<string> = new Set(['id', 'messaging_product', ...FIELDS.keys()]);

/**
 * GroupInfo's one list field, `participants`, takes Graph's field expansion: `.limit(n)` and the subfields of each
 * participant (`participants{wa_id}`); the BSUID fields are named here so that asking for them is never an error.
 */
const EXPANDABLE = new Map([
  [
    'participants',
    {
      nodeType: 'WhatsAppGroupParticipant',
      subfields: new Set(['wa_id', 'user_id', 'parent_user_id', 'username']),
    },
  ],
]);

export function registerGroupNodeRoutes(
  app: FastifyInstance,
  deps: EdgeDependencies,
  options: GroupNodeRouteOptions,
): void {
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
          // A failure armed through the control API fails some or all of the fields: they are not applied, and
          // the webhook reports them with update_successful: false (an empty patch still queues the webhook).
          const armed = options.conditions.take(group.businessPk, 'group_settings_update');
          const { apply, failed } = planSettingsUpdate(change, armed);
          const failure =
            armed === undefined || failed.length === 0
              ? undefined
              : { fields: failed, error: armedFailureError(armed, `Failed to update ${failed.join(', ')}.`) };
          const patch = {
            ...(apply.subject !== undefined && { subject: apply.subject }),
            ...(apply.description !== undefined && { description: apply.description }),
            ...(apply.photo !== undefined && { photoSha256: apply.photo.sha256 }),
          };
          const updated = await store.updateGroup(group.pk, patch, (changed) =>
            outboxOf(
              changed,
              deps.clockMs(),
              settingsUpdated(changed, requestId, change, context.now, failure),
            ),
          );
          if (updated === undefined) throw groupNotFound(context);
          // Meta documents no body; the request_id is the one the group_settings_update webhook carries.
          return { body: JSON.stringify({ success: true, request_id: requestId }) };
        },
      }),
      DELETE: operation({
        limit: 'group_operations',
        check: (context) => resolveGroup(context, store, { allowSuspended: true }),
        apply: async (context, group) => {
          const requestId = newRequestId();
          const armed = options.conditions.take(group.businessPk, 'group_delete');
          if (armed !== undefined) {
            // Accepted, then failed, as the control API armed: the group stays, and the group_delete webhook
            // carries the error. Queued through an update that changes nothing, in one transaction.
            const error = armedFailureError(armed, 'The group could not be deleted.');
            const kept = await store.updateGroup(group.pk, {}, (same) =>
              outboxOf(same, deps.clockMs(), groupDeleted(same, requestId, context.now, error)),
            );
            if (kept === undefined) throw groupNotFound(context);
            return { body: `{"success":true,"request_id":"${requestId}"}` };
          }
          const deleted = await store.deleteGroup(group.pk, context.now, (gone) =>
            outboxOf(gone, deps.clockMs(), groupDeleted(gone, requestId, context.now)),
          );
          if (!deleted) throw groupNotFound(context);
          // Meta's spec shows {success:true}; the request_id is the one the group_delete webhook carries.
          return { body: `{"success":true,"request_id":"${requestId}"}` };
        },
      }),
      GET: async (context) => {
        const group = await resolveGroup(context, store, { allowSuspended: true });
        const body: Record<string, FieldValue> = { id: group.groupId, messaging_product: 'whatsapp' };
        let participants: Promise<UserIdentity[]> | undefined;
        const readParticipants = () => (participants ??= deps.store.listParticipants(group.pk));
        for (const field of parseFields(
          context.params['fields'],
          'WhatsAppGroup',
          KNOWN_FIELDS,
          EXPANDABLE,
        )) {
          const read = FIELDS.get(field.name);
          if (read === undefined) continue;
          let value = await read(group, readParticipants);
          if (Array.isArray(value)) {
            if (field.limit !== undefined) value = value.slice(0, field.limit);
            const subfields = field.subfields;
            if (subfields !== undefined) {
              const keep = new Set(subfields);
              value = value.map((item) => pick(item, keep));
            }
          }
          body[field.name] = value;
        }
        return { body: JSON.stringify(body) };
      },
    },
  });
}
