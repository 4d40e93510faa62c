/**
 * @module domain/wire — how a join request, a group and a participant are written on Graph's wire, each built in
 * this one place. A join request's JSON is built once, when it is made: both backends store it with the request and
 * a page read only joins stored items (the hot path renders nothing).
 */
import type { GroupInfoFields, GroupSummary, JoinRequest } from '@groupgate/sdk/contract';
import type { GroupRecord } from './records.js';
import { userWire, type UserIdentity } from './users.js';

/** `wa_id` is absent for a user who hides their number; `user_id` is always there (reference §1.8, [BSUID]). */
export function joinRequestJson(joinRequestId: string, user: UserIdentity, createdAt: number): string {
  const item: JoinRequest = {
    join_request_id: joinRequestId,
    ...userWire(user),
    creation_timestamp: createdAt,
  };
  return JSON.stringify(item);
}

/** A group as the groups list shows it. */
export function groupSummary(group: GroupRecord): GroupSummary {
  return { id: group.groupId, subject: group.subject, created_at: String(group.createdAt) };
}

/** A participant as a group's `participants` field lists it. */
export function participantItem(user: UserIdentity): GroupInfoFields['participants'][number] {
  return userWire(user);
}
