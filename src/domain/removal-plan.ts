/**
 * @module domain/removal-plan — what removing users from a group does, given which of them the store found to be
 * participants under its lock: each user asked is handled once, participants leave, and a business's removal bans
 * every user asked from the invite link, participant or not.
 */
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
