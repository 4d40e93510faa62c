/**
 * @module domain/group-ids — reading a group id back: Groupgate mints `base64("capi_group:<business phone
 * digits>:<group number>")` (reference §1.12), so an id tells which phone number it was minted for.
 */
import { GRAPH_ERRORS, type ErrorTemplate } from './error-catalog.js';
import { fbBase64Decode } from './fb-base64.js';

/** The phone digits a well-formed group id was minted for, or undefined for anything else. */
export function phoneDigitsOfGroupId(groupId: string): string | undefined {
  const decoded = fbBase64Decode(groupId);
  return decoded === undefined ? undefined : /^capi_group:(\d{5,20}):\d{6,30}$/.exec(decoded)?.[1];
}

/**
 * The error for a group id that names no active group of the caller: 131041 "Group unknown" when the id is one of
 * the caller's own number (a group never created, whose creation failed, or deleted: the business knows the id, so
 * nothing is disclosed), Graph's 100/33 for anything else, so ids of other businesses cannot be probed.
 */
export function missingGroupError(groupId: string, callerPhoneDigits: string): ErrorTemplate {
  return phoneDigitsOfGroupId(groupId) === callerPhoneDigits
    ? GRAPH_ERRORS.GROUP_UNKNOWN
    : GRAPH_ERRORS.OBJECT_NOT_FOUND;
}
