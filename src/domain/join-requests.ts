/**
 * @module domain/join-requests — turns the store's per-id outcomes into Meta's approve/reject response. Partial
 * failure is data: each failed id gets its own errors, and a top-level `errors[]` summarises them, both present
 * only when something failed (reference §1.8, §7).
 */
import type { ItemError } from '@groupgate/sdk/contract';
import type {
  ApproveJoinRequestsResponse,
  FailedJoinRequest,
  RejectJoinRequestsResponse,
} from '@groupgate/sdk/contract';
import type { Decision, DecisionOutcome } from './records.js';
import { GRAPH_ERRORS } from './error-catalog.js';
import { itemError } from './item-errors.js';

/** Keeps the first occurrence of each id: a duplicate in one call is the same request, decided once. */
export function uniqueIds(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

function failureFor(
  outcome: DecisionOutcome,
  decision: Decision,
  maxParticipants: number,
): ItemError | undefined {
  switch (outcome.result) {
    case 'decided':
      return undefined;
    case 'not_pending':
      return itemError(
        GRAPH_ERRORS.JOIN_REQUEST_NOT_FOUND,
        `Join request ${outcome.joinRequestId} is not pending for this group: it is unknown, already decided, withdrawn by the user, or belongs to another group.`,
      );
    case 'terms_not_accepted':
      return itemError(
        GRAPH_ERRORS.TERMS_NOT_ACCEPTED,
        'Recipient has not accepted our new Terms of Service and Privacy Policy.',
      );
    case 'group_full':
      return itemError(
        GRAPH_ERRORS.PARTICIPANT_OVER_LIMIT,
        `The group already has the maximum of ${maxParticipants} participants; the join request was not ${decision === 'approve' ? 'approved' : 'rejected'} and is still pending.`,
      );
  }
}

function summarise(failed: FailedJoinRequest[], total: number, verb: string): ItemError[] {
  const byCode = new Map<number, { error: ItemError; count: number }>();
  for (const item of failed) {
    for (const error of item.errors) {
      const entry = byCode.get(error.code);
      if (entry === undefined) byCode.set(error.code, { error, count: 1 });
      else entry.count++;
    }
  }
  return [...byCode.values()].map(({ error, count }) => ({
    code: error.code,
    message: error.message,
    title: error.title,
    error_data: { details: `${count} of ${total} join requests could not be ${verb}: ${error.title}.` },
  }));
}

export function decisionResponse(
  decision: 'approve',
  outcomes: readonly DecisionOutcome[],
  maxParticipants: number,
): ApproveJoinRequestsResponse;
export function decisionResponse(
  decision: 'reject',
  outcomes: readonly DecisionOutcome[],
  maxParticipants: number,
): RejectJoinRequestsResponse;
export function decisionResponse(
  decision: Decision,
  outcomes: readonly DecisionOutcome[],
  maxParticipants: number,
): ApproveJoinRequestsResponse | RejectJoinRequestsResponse {
  const succeeded: string[] = [];
  const failed: FailedJoinRequest[] = [];
  for (const outcome of outcomes) {
    const error = failureFor(outcome, decision, maxParticipants);
    if (error === undefined) succeeded.push(outcome.joinRequestId);
    else failed.push({ join_request_id: outcome.joinRequestId, errors: [error] });
  }
  const verb = decision === 'approve' ? 'approved' : 'rejected';
  const failures =
    failed.length === 0
      ? {}
      : { failed_join_requests: failed, errors: summarise(failed, outcomes.length, verb) };
  return decision === 'approve'
    ? { messaging_product: 'whatsapp', approved_join_requests: succeeded, ...failures }
    : { messaging_product: 'whatsapp', rejected_join_requests: succeeded, ...failures };
}
