/**
 * @module domain/decision-plan — what approving or rejecting a batch of join requests does, given what the store
 * found under its lock: each id asked is decided once if still pending and, for approvals, while the group has room;
 * the rest fail item by item (131213 not pending, 131203 a user who has not accepted WhatsApp's terms, 131204
 * over the cap). A backend reads the facts, calls this, and
 * writes the plan.
 */
import type { Decision, DecisionOutcome } from './records.js';
import { userFromWire } from './users.js';

/**
 * A join request the store found pending among those asked, with all a rule on it may read; `key` is the backend's
 * own handle on its row.
 */
export interface PendingRequest {
  key: number;
  joinRequestId: string;
  waId: string;
  /** The user as they asked (domain/users `userWire`), stored with the request. */
  userJson: string;
  /** Unix seconds, when the user asked. */
  createdAt: number;
}

export interface DecisionFacts {
  decision: Decision;
  /** Unix seconds, when the business decides. */
  now: number;
  /** The ids asked, de-duplicated, in request order. */
  ids: readonly string[];
  /** The requests among `ids` that are pending in this group, in any order. */
  pending: readonly PendingRequest[];
  /** Participants the group holds now. */
  participantCount: number;
  /** Most participants a group may hold, the business not counted. */
  maxParticipants: number;
  /** Users who have not accepted WhatsApp's new terms: they cannot be added (131203). */
  termsNotAccepted?: ReadonlySet<string> | undefined;
}

export interface DecisionPlan {
  /** One per id asked, in request order. */
  outcomes: DecisionOutcome[];
  /** The requests to move out of pending, in request order (for approvals, the users to add). */
  decided: PendingRequest[];
}

export function planDecision(facts: DecisionFacts): DecisionPlan {
  const pending = new Map<string, PendingRequest>();
  for (const request of facts.pending) pending.set(request.joinRequestId, request);
  // Only approvals add participants, so only they are capped.
  let room = facts.decision === 'approve' ? facts.maxParticipants - facts.participantCount : Infinity;
  const outcomes: DecisionOutcome[] = [];
  const decided: PendingRequest[] = [];
  for (const joinRequestId of facts.ids) {
    const request = pending.get(joinRequestId);
    if (request === undefined) {
      outcomes.push({ joinRequestId, result: 'not_pending' });
    } else if (facts.decision === 'approve' && facts.termsNotAccepted?.has(request.waId) === true) {
      // The user cannot be added; the request stays pending, to be approved once they accept.
      outcomes.push({ joinRequestId, result: 'terms_not_accepted', waId: request.waId });
    } else if (room <= 0) {
      // A full group leaves the request pending: it can still be approved once someone leaves.
      outcomes.push({ joinRequestId, result: 'group_full' });
    } else {
      room--;
      decided.push(request);
      outcomes.push({ joinRequestId, result: 'decided', user: userFromWire(request.waId, request.userJson) });
    }
  }
  return { outcomes, decided };
}
