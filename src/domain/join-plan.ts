/**
 * @module domain/join-plan — what a user opening a group's invite link does, given what the store found under its
 * lock: a participant stays one, a user the business removed cannot come back through the link, an
 * approval_required group gets one pending request per user (asking again finds the same one), and an auto_approve
 * group admits the user while it has room.
 */
import type { GroupRecord, JoinInput, JoinOutcome } from './records.js';

export interface JoinFacts {
  group: Pick<GroupRecord, 'joinApprovalMode'>;
  input: Pick<JoinInput, 'joinRequestId' | 'maxParticipants'>;
  isParticipant: boolean;
  /** Removed by the business (banned from the invite link). */
  isRemoved: boolean;
  /** The request `input.joinRequestId` is already pending. */
  isPending: boolean;
  participantCount: number;
}

/** What to write: nothing, a new pending request, or a new participant. */
export type JoinWrite = 'none' | 'request' | 'participant';

export interface JoinPlan {
  outcome: JoinOutcome;
  write: JoinWrite;
}

export function planJoin(facts: JoinFacts): JoinPlan {
  if (facts.isParticipant) return { outcome: { status: 'already_participant' }, write: 'none' };
  if (facts.isRemoved) return { outcome: { status: 'removed' }, write: 'none' };
  const joinRequestId = facts.input.joinRequestId;
  if (facts.group.joinApprovalMode === 'approval_required') {
    return facts.isPending
      ? { outcome: { status: 'requested', joinRequestId, created: false }, write: 'none' }
      : { outcome: { status: 'requested', joinRequestId, created: true }, write: 'request' };
  }
  if (facts.participantCount >= facts.input.maxParticipants) {
    return { outcome: { status: 'group_full' }, write: 'none' };
  }
  return { outcome: { status: 'joined' }, write: 'participant' };
}
