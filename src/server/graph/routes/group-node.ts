/**
 * @module server/graph/routes/group-node — `GET /{version}/{group_id}?fields=…`, the group's own fields (GroupInfo).
 * With no `fields`, only `id` and `messaging_product` come back, as Meta documents; an unknown field is Graph's
 * usual `(#100) Tried accessing nonexisting field`.
 * @see https://developers.facebook.com/documentation/business-messaging/whatsapp/groups/reference
 */
import type { FastifyInstance } from 'fastify';
import type { GroupRecord } from '../../../storage/store.js';
import { invalidParameter } from '../../graph-error.js';
import { registerEdge, type EdgeDependencies } from '../edge-router.js';
import { stringParam } from '../params.js';
import { resolveGroup } from '../resolve-node.js';

type FieldValue = string | number | boolean | { wa_id: string }[];

/** Reads a group's participants at most once per request, whichever fields ask for them. */
type Participants = () => Promise<string[]>;

/** Each field Meta's GroupInfo has, and how to read it. */
const FIELDS: Readonly<
  Record<string, (group: GroupRecord, participants: Participants) => Promise<FieldValue> | FieldValue>
> = {
  join_approval_mode: (group) => group.joinApprovalMode,
  subject: (group) => group.subject,
  description: (group) => group.description,
  // Suspension arrives with the group lifecycle; until then no group is suspended.
  suspended: () => false,
  creation_timestamp: (group) => group.createdAt,
  participants: async (_group, participants) => (await participants()).map((waId) => ({ wa_id: waId })),
  total_participant_count: async (_group, participants) => (await participants()).length,
};

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
    if (field !== 'id' && field !== 'messaging_product' && !(field in FIELDS)) {
      throw invalidParameter(`Tried accessing nonexisting field (${field}) on node type (WhatsAppGroup)`);
    }
  }
  return fields;
}

export function registerGroupNodeRoutes(app: FastifyInstance, deps: EdgeDependencies): void {
  registerEdge(app, deps, {
    handlers: {
      GET: async (context) => {
        const group = await resolveGroup(context, deps.store);
        const body: Record<string, FieldValue> = { id: group.groupId, messaging_product: 'whatsapp' };
        let participants: Promise<string[]> | undefined;
        const readParticipants = () => (participants ??= deps.store.listParticipants(group.pk));
        for (const field of requestedFields(stringParam(context.params, 'fields'))) {
          const read = FIELDS[field];
          if (read !== undefined) body[field] = await read(group, readParticipants);
        }
        return { body: JSON.stringify(body) };
      },
    },
  });
}
