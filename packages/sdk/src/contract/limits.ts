/** @module contract/limits — numbers a client needs to stay within what Groupgate (and Meta) accept. */

/** Most join request ids one approve or reject call takes. Meta publishes none; see docs/decisions.md. */
export const MAX_JOIN_REQUESTS_PER_CALL = 1000;

/** Page sizes of the cursor-paginated edges. */
export const DEFAULT_PAGE_LIMIT = 25;
export const MAX_PAGE_LIMIT = 1024;

/** Meta's published caps. */
export const DEFAULT_MAX_PARTICIPANTS = 8;
export const MAX_GROUPS_PER_PHONE_NUMBER = 10_000;
export const MAX_SUBJECT_LENGTH = 128;
export const MAX_DESCRIPTION_LENGTH = 2048;
/** A group profile picture: a square JPEG of at least 192 px, at most 5 MB. */
export const MAX_GROUP_PHOTO_BYTES = 5 * 1024 * 1024;
export const MIN_GROUP_PHOTO_SIDE = 192;
/** Users one remove-participants call takes. */
export const MAX_PARTICIPANTS_PER_CALL = 8;

/** The API version Groupgate reports when a call names none it knows better. */
export const LATEST_API_VERSION = 'v23.0';

export const INVITE_LINK_PREFIX = 'https://chat.whatsapp.com/';

/** Bounds of a rate-limit setting (`PUT /_groupgate/businesses/{waba_id}/limits`): a window of up to a day. */
export const MAX_RATE_LIMIT_CALLS = 10_000_000;
export const MAX_RATE_LIMIT_SECONDS = 86_400;
