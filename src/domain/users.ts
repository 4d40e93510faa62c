/**
 * @module domain/users — who a simulated WhatsApp user is to a business: their phone number (`wa_id`), their
 * business-scoped user id (BSUID, `user_id`), and optionally a username, a parent BSUID and a hidden number
 * (reference §1.3, §1.8, §3.3, [BSUID]). The BSUID is derived, never stored as the source of truth: the same user
 * always has the same one with the same business, and a different one with every other business, as Meta scopes
 * them per business portfolio (a Groupgate business is one portfolio). docs/decisions.md has the derivation.
 */
import { createHmac } from 'node:crypto';
import { countryOfNumber } from './calling-codes.js';

/** A user as a business sees them. */
export interface UserIdentity {
  /** The phone number, digits only: always known to Groupgate, sent on the wire only when not hidden. */
  waId: string;
  /** `CC.` and up to 128 alphanumerics, e.g. `US.13491208655302741918`. */
  userId: string;
  username?: string;
  /** Only for users of linked portfolios with parent BSUIDs enabled: `CC.ENT.…`. */
  parentUserId?: string;
  /** The user adopted a username and hides their number: `wa_id` is left out of every item about them. */
  phoneHidden: boolean;
}

/** How a simulated user presents themself when they join; everything is optional. */
export interface UserOptions {
  hidePhoneNumber?: boolean;
  username?: string;
  /** A parent BSUID to carry, or true to derive the user's own (the same across businesses). */
  parentUserId?: string | true;
}

/** A user as Graph writes them in join-request items, participants and webhook items. */
export interface UserWire {
  wa_id?: string;
  user_id: string;
  username?: string;
  parent_user_id?: string;
}

export const BSUID_PATTERN = '^[A-Z]{2}\\.[A-Za-z0-9]{1,128}$';
export const PARENT_BSUID_PATTERN = '^[A-Z]{2}\\.ENT\\.[A-Za-z0-9]{1,128}$';
/**
 * Meta says user usernames follow the business username rules; the exact rule is inferred (docs/decisions.md):
 * 3 to 35 letters, digits, periods and underscores, at least one letter.
 */
export const USERNAME_PATTERN = '^(?=.*[A-Za-z])[A-Za-z0-9._]{3,35}$';

const BSUID = new RegExp(BSUID_PATTERN);

/** True when `value` has a BSUID's shape (a parent BSUID's too: `US.ENT.…` is not one, having a second dot). */
export function isBsuid(value: string): boolean {
  return BSUID.test(value);
}

/** 20 decimal digits from the first 64 bits of an HMAC-SHA256: the length of Meta's own example. */
function digitsOf(key: string, message: string): string {
  const mac = createHmac('sha256', key).update(message).digest();
  return mac.readBigUInt64BE(0).toString().padStart(20, '0');
}

/**
 * The BSUID of the user with this number, for the business whose WABA id is `scope`: the country of the number,
 * a dot, and 20 digits keyed on the business, so that two businesses never share one for the same user.
 */
export function bsuidFor(scope: string, waId: string): string {
  return `${countryOfNumber(waId)}.${digitsOf(`groupgate-bsuid:${scope}`, waId)}`;
}

/** A parent BSUID spans linked portfolios, so it is keyed on the user alone. */
export function parentBsuidFor(waId: string): string {
  return `${countryOfNumber(waId)}.ENT.${digitsOf('groupgate-parent-bsuid', waId)}`;
}

export function userIdentity(scope: string, waId: string, options: UserOptions = {}): UserIdentity {
  const user: UserIdentity = {
    waId,
    userId: bsuidFor(scope, waId),
    phoneHidden: options.hidePhoneNumber === true,
  };
  if (options.username !== undefined) user.username = options.username;
  if (options.parentUserId !== undefined) {
    user.parentUserId = options.parentUserId === true ? parentBsuidFor(waId) : options.parentUserId;
  }
  return user;
}

/** The user's fields on the wire, in Meta's order; `wa_id` is absent for a hidden number. */
export function userWire(user: UserIdentity): UserWire {
  const wire: UserWire = user.phoneHidden
    ? { user_id: user.userId }
    : { wa_id: user.waId, user_id: user.userId };
  if (user.username !== undefined) wire.username = user.username;
  if (user.parentUserId !== undefined) wire.parent_user_id = user.parentUserId;
  return wire;
}

/** Reads back a stored `userWire` (the number is kept beside it, hidden or not). */
export function userFromWire(waId: string, json: string): UserIdentity {
  const wire = JSON.parse(json) as UserWire;
  const user: UserIdentity = { waId, userId: wire.user_id, phoneHidden: wire.wa_id === undefined };
  if (wire.username !== undefined) user.username = wire.username;
  if (wire.parent_user_id !== undefined) user.parentUserId = wire.parent_user_id;
  return user;
}

/** How the business names a user in a removal: by phone number (`user`) or by BSUID (`user_id`). */
export type UserRef = { input: string; waId: string } | { input: string; userId: string };

/** One key per distinct user named, whichever way. */
export function refKey(ref: UserRef): string {
  return 'waId' in ref ? `wa:${ref.waId}` : `bsuid:${ref.userId}`;
}
