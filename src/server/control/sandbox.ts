/**
 * @module server/control/sandbox — control-API operations that tests and the demo seed share: creating a business
 * with a token, and simulated users opening an invite link.
 */
import { INVITE_LINK_PREFIX } from '@groupgate/sdk/contract';
import { mintBusiness } from '../../domain/businesses.js';
import { GRAPH_ERRORS } from '../../domain/error-catalog.js';
import { joinRequestIdFor, newAccessToken } from '../../domain/ids.js';
import {
  joinRequestChanged,
  participantLeft,
  participantsJoined,
  statusChanged,
} from '../../domain/webhook-items.js';
import type { Store } from '../../storage/store.js';
import type { BusinessRecord, EventsFor, GroupRecord, JoinOutcome } from '../../domain/records.js';
import { withFreshIds } from '../../storage/with-fresh-ids.js';
import { GraphError } from '../graph-error.js';
import { outboxOf } from '../webhook-events.js';

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

export function controlError(template: typeof GRAPH_ERRORS.CONTROL_NOT_FOUND, details: string): GraphError {
  return new GraphError(template, { params: { details }, details });
}

/** What a user opening the invite link reports: a new join request, or a new participant. */
export function joinEvents(
  group: GroupRecord,
  waId: string,
  now: number,
  nowMs: number,
): EventsFor<JoinOutcome> {
  return (outcome) => {
    if (outcome.status === 'joined') {
      return outboxOf(group, nowMs, participantsJoined(group, [waId], false, now));
    }
    if (outcome.status === 'requested' && outcome.created) {
      return outboxOf(group, nowMs, joinRequestChanged(group, 'created', outcome.joinRequestId, waId, now));
    }
    return [];
  };
}

export type JoinResult = { status: 'requested'; join_request_id: string } | { status: 'joined' };

/** What happens when a WhatsApp user taps the invite link (and, on approval groups, "Request to join"). */
export async function simulateJoin(
  store: Store,
  waId: string,
  inviteLink: string,
  now: number,
  maxParticipants: number,
  nowMs: number,
): Promise<JoinResult> {
  const code = inviteLink.startsWith(INVITE_LINK_PREFIX) ? inviteLink.slice(INVITE_LINK_PREFIX.length) : '';
  const group = code === '' ? undefined : await store.findGroupByInviteCode(code);
  if (group === undefined) {
    throw controlError(
      GRAPH_ERRORS.CONTROL_NOT_FOUND,
      `The invite link ${inviteLink} does not open any group: it was reset, deleted, or never existed.`,
    );
  }
  if (group.suspended) {
    throw controlError(
      GRAPH_ERRORS.CONTROL_CONFLICT,
      'The group is suspended: nobody can join it until it is cleared.',
    );
  }
  const outcome = await store.requestToJoin(
    group,
    { waId, joinRequestId: joinRequestIdFor(waId, group.groupNumber), now, maxParticipants },
    joinEvents(group, waId, now, nowMs),
  );
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
    case 'removed':
      throw controlError(
        GRAPH_ERRORS.CONTROL_CONFLICT,
        `User ${waId} was removed from the group by the business and cannot join through the invite link again.`,
      );
    case 'group_full':
      throw controlError(
        GRAPH_ERRORS.CONTROL_CONFLICT,
        `The group is full: it already has ${maxParticipants} participants.`,
      );
  }
}

export async function findGroupOrFail(store: Store, groupId: string): Promise<GroupRecord> {
  const group = await store.findGroupById(groupId);
  if (group === undefined) throw controlError(GRAPH_ERRORS.CONTROL_NOT_FOUND, `No group ${groupId}.`);
  return group;
}

export async function simulateCancelJoin(
  store: Store,
  waId: string,
  groupId: string,
  now: number,
  nowMs: number,
): Promise<string> {
  const group = await findGroupOrFail(store, groupId);
  const joinRequestId = await store.cancelJoinRequest(
    group.pk,
    joinRequestIdFor(waId, group.groupNumber),
    now,
    (id) => outboxOf(group, nowMs, joinRequestChanged(group, 'revoked', id, waId, now)),
  );
  if (joinRequestId === undefined) {
    throw controlError(
      GRAPH_ERRORS.CONTROL_NOT_FOUND,
      `User ${waId} has no pending join request for ${groupId}.`,
    );
  }
  return joinRequestId;
}

/** A participant leaves on their own: they may come back through the invite link later. */
export async function simulateLeave(
  store: Store,
  waId: string,
  groupId: string,
  now: number,
  nowMs: number,
): Promise<void> {
  const group = await findGroupOrFail(store, groupId);
  const [outcome] = await store.removeParticipants(group.pk, [waId], { now, ban: false }, (outcomes) =>
    outcomes.some((o) => o.result === 'removed')
      ? outboxOf(group, nowMs, participantLeft(group, waId, now))
      : [],
  );
  if (outcome?.result !== 'removed') {
    throw controlError(GRAPH_ERRORS.CONTROL_NOT_FOUND, `User ${waId} is not a participant of ${groupId}.`);
  }
}

/** WhatsApp suspends a group (its checks or user reports), or clears the suspension. */
export async function simulateSuspension(
  store: Store,
  groupId: string,
  suspended: boolean,
  now: number,
  nowMs: number,
): Promise<GroupRecord> {
  const group = await findGroupOrFail(store, groupId);
  const changed = await store.setSuspended(group.pk, suspended, now, (g) =>
    outboxOf(g, nowMs, statusChanged(g, suspended, now)),
  );
  if (changed === undefined) {
    throw controlError(
      GRAPH_ERRORS.CONTROL_CONFLICT,
      `The group is ${suspended ? 'already suspended' : 'not suspended'}.`,
    );
  }
  return changed;
}
