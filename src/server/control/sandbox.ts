/**
 * @module server/control/sandbox — control-API operations that tests and the demo seed share: creating a business
 * with a token, and simulated users opening an invite link.
 */
import { INVITE_LINK_PREFIX } from '../../contract/limits.js';
import { mintBusiness } from '../../domain/businesses.js';
import { GRAPH_ERRORS } from '../../domain/error-catalog.js';
import { joinRequestIdFor, newAccessToken } from '../../domain/ids.js';
import type { BusinessRecord, Store } from '../../storage/store.js';
import { withFreshIds } from '../../storage/with-fresh-ids.js';
import { GraphError } from '../graph-error.js';

export interface CreatedBusiness {
  business: BusinessRecord;
  accessToken: string;
}

export async function createBusinessWithToken(
  store: Store,
  name: string,
  now: number,
): Promise<CreatedBusiness> {
  const business = await withFreshIds(() => store.createBusiness(mintBusiness(name, now)));
  const accessToken = await issueToken(store, business, now, null);
  return { business, accessToken };
}

export async function issueToken(
  store: Store,
  business: BusinessRecord,
  now: number,
  expiresAt: number | null,
): Promise<string> {
  return withFreshIds(async () => {
    const token = newAccessToken();
    await store.createAccessToken({ token, businessPk: business.pk, createdAt: now, expiresAt });
    return token;
  });
}

function controlError(template: typeof GRAPH_ERRORS.CONTROL_NOT_FOUND, details: string): GraphError {
  return new GraphError(template, { params: { details }, details });
}

export type JoinResult = { status: 'requested'; join_request_id: string } | { status: 'joined' };

/** What happens when a WhatsApp user taps the invite link (and, on approval groups, "Request to join"). */
export async function simulateJoin(
  store: Store,
  waId: string,
  inviteLink: string,
  now: number,
  maxParticipants: number,
): Promise<JoinResult> {
  const code = inviteLink.startsWith(INVITE_LINK_PREFIX) ? inviteLink.slice(INVITE_LINK_PREFIX.length) : '';
  const group = code === '' ? undefined : await store.findGroupByInviteCode(code);
  if (group === undefined) {
    throw controlError(
      GRAPH_ERRORS.CONTROL_NOT_FOUND,
      `The invite link ${inviteLink} does not open any group: it was reset, deleted, or never existed.`,
    );
  }
  const outcome = await store.requestToJoin(group, {
    waId,
    joinRequestId: joinRequestIdFor(waId, group.groupNumber),
    now,
    maxParticipants,
  });
  switch (outcome.status) {
    case 'requested':
      return { status: 'requested', join_request_id: outcome.joinRequestId };
    case 'joined':
      return { status: 'joined' };
    case 'already_participant':
      throw controlError(
        GRAPH_ERRORS.CONTROL_CONFLICT,
        `User ${waId} is already a participant of the group.`,
      );
    case 'group_full':
      throw controlError(
        GRAPH_ERRORS.CONTROL_CONFLICT,
        `The group is full: it already has ${maxParticipants} participants.`,
      );
  }
}

export async function simulateCancelJoin(
  store: Store,
  waId: string,
  groupId: string,
  now: number,
): Promise<string> {
  const group = await store.findGroupById(groupId);
  if (group === undefined) throw controlError(GRAPH_ERRORS.CONTROL_NOT_FOUND, `No group ${groupId}.`);
  const joinRequestId = await store.cancelJoinRequest(
    group.pk,
    joinRequestIdFor(waId, group.groupNumber),
    now,
  );
  if (joinRequestId === undefined) {
    throw controlError(
      GRAPH_ERRORS.CONTROL_NOT_FOUND,
      `User ${waId} has no pending join request for ${groupId}.`,
    );
  }
  return joinRequestId;
}
