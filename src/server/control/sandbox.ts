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
import {
  isBsuid,
  userIdentity,
  type UserIdentity,
  type UserOptions,
  type UserRef,
} from '../../domain/users.js';
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
  user: UserIdentity,
  now: number,
  nowMs: number,
): EventsFor<JoinOutcome> {
  return (outcome) => {
    if (outcome.status === 'joined')
      return outboxOf(group, nowMs, participantsJoined(group, [user], false, now));
    if (outcome.status === 'requested' && outcome.created) {
      return outboxOf(group, nowMs, joinRequestChanged(group, 'created', outcome.joinRequestId, user, now));
    }
    return [];
  };
}

/** Who the user is to the group's business: their BSUID is keyed on the business's WABA id. */
export async function userForGroup(
  store: Store,
  group: GroupRecord,
  waId: string,
  options: UserOptions = {},
): Promise<UserIdentity> {
  const business = await store.findBusinessByPk(group.businessPk);
  if (business === undefined)
    throw controlError(GRAPH_ERRORS.CONTROL_NOT_FOUND, 'The group has no business.');
  return userIdentity(business.wabaId, waId, options);
}

export type JoinResult =
  { status: 'requested'; join_request_id: string; user_id: string } | { status: 'joined'; user_id: string };

/** What happens when a WhatsApp user taps the invite link (and, on approval groups, "Request to join"). */
export async function simulateJoin(
  store: Store,
  waId: string,
  inviteLink: string,
  now: number,
  maxParticipants: number,
  nowMs: number,
  options: UserOptions = {},
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
  const user = await userForGroup(store, group, waId, options);
  const outcome = await store.requestToJoin(
    group,
    { user, joinRequestId: joinRequestIdFor(waId, group.groupNumber), now, maxParticipants },
    joinEvents(group, user, now, nowMs),
  );
  switch (outcome.status) {
    case 'requested':
      return { status: 'requested', join_request_id: outcome.joinRequestId, user_id: user.userId };
    case 'joined':
      return { status: 'joined', user_id: user.userId };
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

export async function findBusinessOrFail(store: Store, wabaId: string): Promise<BusinessRecord> {
  const business = await store.findBusinessByWabaId(wabaId);
  if (business === undefined) {
    throw controlError(GRAPH_ERRORS.CONTROL_NOT_FOUND, `No business with WABA id ${wabaId}.`);
  }
  return business;
}

/** The business whose app this is (each business has one app). */
export async function findAppOrFail(store: Store, appId: string): Promise<BusinessRecord> {
  const business = await store.findBusinessByAppId(appId);
  if (business === undefined) throw controlError(GRAPH_ERRORS.CONTROL_NOT_FOUND, `No app ${appId}.`);
  return business;
}

export async function findGroupOrFail(store: Store, groupId: string): Promise<GroupRecord> {
  const group = await store.findGroupById(groupId);
  if (group === undefined) throw controlError(GRAPH_ERRORS.CONTROL_NOT_FOUND, `No group ${groupId}.`);
  return group;
}

/** `user`: the phone number, or the user's BSUID with the group's business. */
export async function simulateCancelJoin(
  store: Store,
  user: string,
  groupId: string,
  now: number,
  nowMs: number,
): Promise<string> {
  const group = await findGroupOrFail(store, groupId);
  const waId = isBsuid(user) ? await store.findPendingRequester(group.pk, user) : user;
  if (waId === undefined) {
    throw controlError(
      GRAPH_ERRORS.CONTROL_NOT_FOUND,
      `User ${user} has no pending join request for ${groupId}.`,
    );
  }
  const cancelled = await store.cancelJoinRequest(
    group.pk,
    joinRequestIdFor(waId, group.groupNumber),
    now,
    ({ joinRequestId, user }) =>
      outboxOf(group, nowMs, joinRequestChanged(group, 'revoked', joinRequestId, user, now)),
  );
  if (cancelled === undefined) {
    throw controlError(
      GRAPH_ERRORS.CONTROL_NOT_FOUND,
      `User ${waId} has no pending join request for ${groupId}.`,
    );
  }
  return cancelled.joinRequestId;
}

/**
 * A participant leaves on their own: they may come back through the invite link later. `user` is their phone
 * number or their BSUID with the group's business.
 */
export async function simulateLeave(
  store: Store,
  user: string,
  groupId: string,
  now: number,
  nowMs: number,
): Promise<void> {
  const group = await findGroupOrFail(store, groupId);
  const ref: UserRef = isBsuid(user) ? { input: user, userId: user } : { input: user, waId: user };
  const [outcome] = await store.removeParticipants(group.pk, [ref], { now, ban: false }, (outcomes) =>
    outcomes.flatMap((o) =>
      o.result === 'removed' ? outboxOf(group, nowMs, participantLeft(group, o.user, now)) : [],
    ),
  );
  if (outcome?.result !== 'removed') {
    throw controlError(GRAPH_ERRORS.CONTROL_NOT_FOUND, `User ${user} is not a participant of ${groupId}.`);
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
