/**
 * @module storage/user-backfill — what the business-scoped user id migration writes into rows from before it, the
 * same for both backends: each participant's and each pending request's user as derived from their number (no
 * username, number shown, no parent), and each pending request's wire item rendered again with them.
 */
import { userIdentity, userWire } from '../domain/users.js';
import { joinRequestJson } from '../domain/wire.js';

export interface BackfillUserRow {
  groupPk: number;
  waId: string;
  wabaId: string;
}

export interface BackfillRequestRow {
  seq: number;
  joinRequestId: string;
  waId: string;
  createdAt: number;
  wabaId: string;
}

export interface UserBackfill {
  participants: { groupPk: number; waId: string; userId: string; userJson: string }[];
  requests: { seq: number; userJson: string; wireJson: string }[];
}

export function userBackfill(
  participants: readonly BackfillUserRow[],
  requests: readonly BackfillRequestRow[],
): UserBackfill {
  return {
    participants: participants.map(({ groupPk, waId, wabaId }) => {
      const user = userIdentity(wabaId, waId);
      return { groupPk, waId, userId: user.userId, userJson: JSON.stringify(userWire(user)) };
    }),
    requests: requests.map(({ seq, joinRequestId, waId, createdAt, wabaId }) => {
      const user = userIdentity(wabaId, waId);
      return {
        seq,
        userJson: JSON.stringify(userWire(user)),
        wireJson: joinRequestJson(joinRequestId, user, createdAt),
      };
    }),
  };
}
