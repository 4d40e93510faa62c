/**
 * @module server/graph/resolve-node — finds the node a call names. A node that does not exist and one that
 * belongs to another business answer alike (100/33), as Graph does, so ids cannot be probed across businesses.
 */
import { GRAPH_ERRORS } from '../../domain/error-catalog.js';
import type { GroupRecord, Store } from '../../storage/store.js';
import { GraphError } from '../graph-error.js';
import type { GraphContext } from './edge-router.js';

export function objectNotFound(context: GraphContext): GraphError {
  return new GraphError(GRAPH_ERRORS.OBJECT_NOT_FOUND, {
    params: { method: context.request.method.toLowerCase(), id: context.nodeId },
  });
}

export async function resolveGroup(context: GraphContext, store: Store): Promise<GroupRecord> {
  const group = await store.findGroupById(context.nodeId);
  if (group === undefined || group.businessPk !== context.caller.business.pk) throw objectNotFound(context);
  return group;
}

/** The phone number id must be the caller's own. */
export function resolvePhoneNumber(context: GraphContext): void {
  if (context.nodeId !== context.caller.business.phoneNumberId) throw objectNotFound(context);
}
