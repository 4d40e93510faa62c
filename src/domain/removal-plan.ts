/**
 * @module domain/removal-plan — what removing users from a group does, given which of them the store found to be
 * participants under its lock: each user asked is handled once, participants leave, and a business's removal bans
 * every user asked from the invite link, participant or not.
 */
import { GRAPH_ERRORS, type ErrorTemplate } from './error-catalog.js';
import type { RemovalOutcome, RemoveOptions } from './records.js';

export interface RemovalFacts {
  /** The users asked, duplicates included, in request order. */
  asked: readonly string[];
  /** Which of them are participants now. */
  participants: ReadonlySet<string>;
  options: Pick<RemoveOptions, 'ban'>;
}

export interface RemovalPlan {
  /** One per distinct user asked, in request order. */
  outcomes: RemovalOutcome[];
  /** Participants to remove. */
  remove: string[];
  /** Users to ban from the invite link. */
  ban: string[];
}

/** The users asked, each once, in the order first asked: the ones a store reads its facts for. */
export function distinctUsers(asked: readonly string[]): string[] {
  return [...new Set(asked)];
}

export function planRemoval(facts: RemovalFacts): RemovalPlan {
  const users = distinctUsers(facts.asked);
  const outcomes: RemovalOutcome[] = [];
  const remove: string[] = [];
  for (const waId of users) {
    if (facts.participants.has(waId)) {
      remove.push(waId);
      outcomes.push({ waId, result: 'removed' });
    } else {
      outcomes.push({ waId, result: 'not_participant' });
    }
  }
  return { outcomes, remove, ban: facts.options.ban ? users : [] };
}

/**
 * Why a removal is refused before anything changes: the same user named twice (131202; `+1 650-555-0001` and
 * `16505550001` are one user), or a group that holds only the business (131020: there is nobody to remove).
 * Returns the template and the user concerned, if any.
 */
export function removalRefusal(
  asked: readonly string[],
  participantCount: number,
): { template: ErrorTemplate; waId?: string } | undefined {
  const seen = new Set<string>();
  for (const waId of asked) {
    if (seen.has(waId)) return { template: GRAPH_ERRORS.DUPLICATE_PARTICIPANT, waId };
    seen.add(waId);
  }
  if (participantCount === 0) return { template: GRAPH_ERRORS.BAD_GROUP };
  return undefined;
}
