/**
 * @module domain/removal-plan — what removing users from a group does, given which of them the store found to be
 * participants under its lock: each user named is handled once, participants leave, and a business's removal bans
 * every user named from the invite link, participant or not. A business names a user by phone number or by
 * business-scoped user id ([BSUID]); a BSUID is derived from the number and cannot be turned back into one, so a
 * BSUID that names no participant bans nobody (docs/decisions.md).
 */
import { GRAPH_ERRORS, type ErrorTemplate } from './error-catalog.js';
import type { RemovalOutcome, RemoveOptions } from './records.js';
import { refKey, type UserIdentity, type UserRef } from './users.js';

export interface RemovalFacts {
  /** The users named, duplicates included, in request order. */
  asked: readonly UserRef[];
  /** The group's participants among them, found by number or by BSUID. */
  participants: readonly UserIdentity[];
  options: Pick<RemoveOptions, 'ban'>;
}

export interface RemovalPlan {
  /** One per distinct user named, in request order. */
  outcomes: RemovalOutcome[];
  /** Phone numbers of the participants to remove. */
  remove: string[];
  /** Phone numbers to ban from the invite link. */
  ban: string[];
}

/** The users named, each once (by the same number or the same BSUID), in the order first named. */
export function distinctUsers(asked: readonly UserRef[]): UserRef[] {
  const seen = new Map<string, UserRef>();
  for (const ref of asked) if (!seen.has(refKey(ref))) seen.set(refKey(ref), ref);
  return [...seen.values()];
}

/** What a store looks participants up by: the numbers named and the BSUIDs named. */
export function lookupKeys(asked: readonly UserRef[]): { waIds: string[]; userIds: string[] } {
  const waIds: string[] = [];
  const userIds: string[] = [];
  for (const ref of distinctUsers(asked)) {
    if ('waId' in ref) waIds.push(ref.waId);
    else userIds.push(ref.userId);
  }
  return { waIds, userIds };
}

export function planRemoval(facts: RemovalFacts): RemovalPlan {
  const byNumber = new Map(facts.participants.map((user) => [user.waId, user]));
  const byBsuid = new Map(facts.participants.map((user) => [user.userId, user]));
  const outcomes: RemovalOutcome[] = [];
  const remove = new Set<string>();
  const ban = new Set<string>();
  for (const ref of distinctUsers(facts.asked)) {
    const user = 'waId' in ref ? byNumber.get(ref.waId) : byBsuid.get(ref.userId);
    if (user === undefined) {
      outcomes.push({ ref, result: 'not_participant' });
    } else {
      // Named twice, once by number and once by BSUID: removed once, reported for each name.
      remove.add(user.waId);
      outcomes.push({ ref, result: 'removed', user });
    }
    const number = 'waId' in ref ? ref.waId : user?.waId;
    if (facts.options.ban && number !== undefined) ban.add(number);
  }
  return { outcomes, remove: [...remove], ban: [...ban] };
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
