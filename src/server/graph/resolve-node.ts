/**
 * @module server/graph/resolve-node — finds the node a call names. A node that does not exist and one that
 * belongs to another business answer alike (100/33), as Graph does, so ids cannot be probed across businesses.
 */
import { GRAPH_ERRORS } from '../../domain/error-catalog.js';
import { missingGroupError } from '../../domain/group-ids.js';
import type { Store } from '../../storage/store.js';
import type { GroupRecord } from '../../domain/records.js';
import { GraphError } from '../graph-error.js';
import type { GraphContext } from './edge-router.js';

export function objectNotFound(context: GraphContext): GraphError {
  return new GraphError(GRAPH_ERRORS.OBJECT_NOT_FOUND, {
    params: { method: context.request.method.toLowerCase(), id: context.nodeId },
  });
}

/**
 * A group id that names no active group of the caller: 131041 when the id is of the caller's own number (never
 * created, failed, deleted), 100/33 otherwise (domain/group-ids.ts).
 */
export function groupNotFound(context: GraphContext): GraphError {
  const template = missingGroupError(context.nodeId, context.caller.business.phoneDigits);
  if (template === GRAPH_ERRORS.OBJECT_NOT_FOUND) return objectNotFound(context);
  return new GraphError(template, {
    details: `No group ${context.nodeId} exists on this phone number: it was never created, its creation failed, or it was deleted.`,
  });
}

export interface ResolveGroupOptions {
  /** Reading the group's fields and deleting it work on a suspended group; everything else answers 131207. */
  allowSuspended?: boolean;
}

export async function resolveGroup(
  context: GraphContext,
  store: Store,
  options: ResolveGroupOptions = {},
): Promise<GroupRecord> {
  return accessibleGroup(context, await store.findGroupById(context.nodeId), options);
}

/**
 * The one rule of access to a group, for a group however it was read (alone, or with a page of its requests):
 * another business's is 100/33, missing is 131041 or 100/33 (groupNotFound), suspended is 131207 unless the call is allowed on a suspended group.
 */
export function accessibleGroup(
  context: GraphContext,
  group: GroupRecord | undefined,
  options: ResolveGroupOptions = {},
): GroupRecord {
  if (group === undefined) throw groupNotFound(context);
  if (group.businessPk !== context.caller.business.pk) throw objectNotFound(context);
  if (group.suspended && options.allowSuspended !== true) throw groupSuspended(group);
  return group;
}

export function groupSuspended(group: GroupRecord): GraphError {
  return new GraphError(GRAPH_ERRORS.GROUP_SUSPENDED, {
    details: `Group ${group.groupId} is suspended by WhatsApp; it cannot be managed until the suspension is cleared.`,
  });
}

/** The phone number id must be the caller's own. */
export function resolvePhoneNumber(context: GraphContext): void {
  if (context.nodeId !== context.caller.business.phoneNumberId) throw objectNotFound(context);
}
