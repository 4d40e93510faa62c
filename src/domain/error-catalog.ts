/**
 * @module domain/error-catalog — every error Groupgate can answer with, as templates. Codes, types and wording
 * come from Meta's error-code pages and from captured Graph responses (see docs/errors.md for the sources and
 * for the choices made where Meta is silent). Nothing else mints an error code.
 */

export interface ErrorTemplate {
  /** HTTP status of the response that carries it as the Graph envelope. */
  readonly status: number;
  readonly code: number;
  readonly subcode?: number;
  readonly type: 'OAuthException' | 'GraphMethodException' | 'GroupgateException';
  /** The Graph `message`; `{name}` placeholders are filled from the caller's params. */
  readonly message: string;
  /** The Cloud API title used when the error is reported per item or in webhooks. */
  readonly title: string;
  readonly isTransient?: boolean;
  /** Graph's `error_user_title` / `error_user_msg`, text meant for the app's user; sent only when set. */
  readonly userTitle?: string;
  readonly userMessage?: string;
  /**
   * Reported only inside webhooks or as an item's error, never as a Graph envelope: its message may be Meta's
   * sample sentence rather than "(#code) title", and its status need not be an error status (131201 is 206).
   */
  readonly webhookOnly?: true;
}

function template(t: ErrorTemplate): ErrorTemplate {
  return Object.freeze(t);
}

export const GRAPH_ERRORS = Object.freeze({
  ACCESS_TOKEN_REQUIRED: template({
    status: 401,
    code: 104,
    type: 'OAuthException',
    message: 'An access token is required to request this resource.',
    title: 'Access token required',
  }),
  INVALID_ACCESS_TOKEN: template({
    status: 401,
    code: 190,
    type: 'OAuthException',
    message: 'Invalid OAuth access token - Cannot parse access token',
    title: 'Invalid OAuth access token',
  }),
  EXPIRED_ACCESS_TOKEN: template({
    status: 401,
    code: 190,
    subcode: 463,
    type: 'OAuthException',
    message: 'Error validating access token: Session has expired on {expiredAt}. The current time is {now}.',
    title: 'Access token expired',
  }),
  REVOKED_ACCESS_TOKEN: template({
    status: 401,
    code: 190,
    subcode: 467,
    type: 'OAuthException',
    message: 'Error validating access token: The session has been invalidated because the token was revoked.',
    title: 'Access token revoked',
  }),
  // Graph's words, type and code for appsecret_proof (seen in answers quoted by php-graph-sdk #984 and
  // dektrium/yii2-user #305): no "(#100)" prefix, GraphMethodException, HTTP 400.
  INVALID_APPSECRET_PROOF: template({
    status: 400,
    code: 100,
    type: 'GraphMethodException',
    message: 'Invalid appsecret_proof provided in the API argument',
    title: 'Invalid appsecret_proof',
  }),
  APPSECRET_PROOF_REQUIRED: template({
    status: 400,
    code: 100,
    type: 'GraphMethodException',
    message: 'API calls from the server require an appsecret_proof argument',
    title: 'appsecret_proof required',
  }),
  OBJECT_NOT_FOUND: template({
    status: 400,
    code: 100,
    subcode: 33,
    type: 'GraphMethodException',
    message:
      "Unsupported {method} request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
    title: 'Object does not exist',
  }),
  UNSUPPORTED_METHOD: template({
    status: 400,
    code: 100,
    type: 'GraphMethodException',
    message: 'Unsupported {method} request.',
    title: 'Unsupported request',
  }),
  UNKNOWN_PATH: template({
    status: 400,
    code: 2500,
    type: 'OAuthException',
    message: 'Unknown path components: {path}',
    title: 'Unknown path components',
  }),
  INVALID_PARAMETER: template({
    status: 400,
    code: 100,
    type: 'OAuthException',
    message: '(#100) {details}',
    title: 'Invalid parameter',
  }),
  INVALID_JSON: template({
    status: 400,
    code: 100,
    type: 'OAuthException',
    // Meta's words (its spec's BadRequest example), with the (#100) every other code-100 error of Graph's carries.
    message: '(#100) Invalid JSON in request body',
    title: 'Invalid parameter',
  }),
  UNSUPPORTED_CONTENT_TYPE: template({
    status: 400,
    code: 100,
    type: 'OAuthException',
    message: '(#100) Unsupported Content-Type: {contentType}',
    title: 'Invalid parameter',
  }),
  BODY_TOO_LARGE: template({
    status: 413,
    code: 100,
    type: 'OAuthException',
    message: '(#100) Request body is larger than {limit} bytes',
    title: 'Invalid parameter',
  }),
  FILE_TOO_LARGE: template({
    status: 413,
    code: 100,
    type: 'OAuthException',
    message: '(#100) Param file must be at most {limit} bytes',
    title: 'Invalid parameter',
  }),
  TOO_MANY_FILES: template({
    status: 400,
    code: 100,
    type: 'OAuthException',
    message: '(#100) Only one file may be uploaded per call',
    title: 'Invalid parameter',
  }),
  INVALID_CURSOR: template({
    status: 400,
    code: 131059,
    type: 'OAuthException',
    message: '(#131059) Invalid cursor',
    title: 'Invalid cursor',
  }),
  JOIN_REQUEST_NOT_FOUND: template({
    status: 400,
    code: 131213,
    type: 'OAuthException',
    message: '(#131213) Group join request does not exist',
    title: 'Group join request does not exist',
  }),
  PARTICIPANT_OVER_LIMIT: template({
    status: 400,
    code: 131204,
    type: 'OAuthException',
    message: '(#131204) Participant over limit',
    title: 'Participant over limit',
  }),
  GROUP_CREATE_LIMIT: template({
    status: 400,
    code: 131211,
    type: 'OAuthException',
    message: '(#131211) Group create limit reached',
    title: 'Group create limit reached',
  }),
  GROUP_SUSPENDED: template({
    status: 403,
    code: 131207,
    type: 'OAuthException',
    message: '(#131207) Group suspended',
    title: 'Group suspended',
  }),
  GROUP_RATE_LIMIT: template({
    status: 429,
    code: 131208,
    type: 'OAuthException',
    message: '(#131208) Group Rate Limit Hit',
    title: 'Group Rate Limit Hit',
    isTransient: true,
  }),
  // Graph's call budgets, in the words of Meta's spec (its 429 examples): per app (code 4) and per WhatsApp Business
  // Account (80007). Off unless a business is given limits (docs/decisions.md, Rate limits).
  APP_RATE_LIMIT: template({
    status: 429,
    code: 4,
    subcode: 2446079,
    type: 'OAuthException',
    message: 'Application request limit reached',
    title: 'API Too Many Calls',
    isTransient: true,
  }),
  WABA_RATE_LIMIT: template({
    status: 429,
    code: 80007,
    subcode: 2446079,
    type: 'OAuthException',
    message: 'Business request limit reached for WhatsApp Business Account',
    title: 'Rate limit issues',
    isTransient: true,
  }),
  PHOTO_NOT_SQUARE: template({
    status: 400,
    code: 131209,
    type: 'OAuthException',
    message: '(#131209) Group profile picture is not square',
    title: 'Group profile picture is not square',
  }),
  PHOTO_TOO_SMALL: template({
    status: 400,
    code: 131210,
    type: 'OAuthException',
    message: '(#131210) Group profile picture is too small',
    title: 'Group profile picture is too small',
  }),
  PARTICIPANT_NOT_IN_GROUP: template({
    status: 400,
    code: 131212,
    type: 'OAuthException',
    message: '(#131212) Participant not part of the group',
    title: 'Participant not part of the group',
  }),
  // Reported only in the group_participants_update webhook, beside each user's own 131212 (docs/webhooks.md).
  NOT_ALL_PARTICIPANTS_REMOVED: template({
    status: 400,
    code: 131212,
    type: 'OAuthException',
    message: 'Failed to remove some participants from the group',
    title: 'Not All Participants Remove Succeeded',
    webhookOnly: true,
  }),
  // 131041: a group id minted for the caller's own phone number that names no active group (never created, failed
  // to create, or deleted). Ids of other numbers stay 100/33, so nothing can be probed (docs/errors.md).
  GROUP_UNKNOWN: template({
    status: 400,
    code: 131041,
    type: 'OAuthException',
    message: '(#131041) Group unknown',
    title: 'Group unknown',
  }),
  // 131020: the group holds only the business, so there is nobody to act on (removing participants).
  BAD_GROUP: template({
    status: 400,
    code: 131020,
    type: 'OAuthException',
    message: '(#131020) Bad group',
    title: 'Bad group',
  }),
  // 131201: Meta's "Request partially succeeded" (HTTP 206): the top-level error of a settings update some of whose
  // fields failed, and of an approval some of whose items failed when the business asked for 206 answers.
  PARTIAL_SUCCESS: template({
    status: 206,
    code: 131201,
    type: 'OAuthException',
    message: '(#131201) Request partially succeeded',
    title: 'Request partially succeeded',
    webhookOnly: true,
  }),
  DUPLICATE_PARTICIPANT: template({
    status: 400,
    code: 131202,
    type: 'OAuthException',
    message: '(#131202) Duplicate participant in input',
    title: 'Duplicate participant in input',
  }),
  // Meta's own approve example, word for word: the per-item error of a user who has not accepted WhatsApp's new
  // terms. Only ever an item's error, never a Graph answer.
  TERMS_NOT_ACCEPTED: template({
    status: 400,
    code: 131203,
    type: 'OAuthException',
    message: '(#131203) Recipient has not accepted our new Terms of Service and Privacy Policy.',
    title: 'Unable to add participant to group',
    webhookOnly: true,
  }),
  GROUP_CREATION_DISABLED: template({
    status: 400,
    code: 131214,
    type: 'OAuthException',
    message: '(#131214) Group creation temporarily disabled',
    title: 'Group creation temporarily disabled',
  }),
  NOT_ELIGIBLE_FOR_GROUPS: template({
    status: 400,
    code: 131215,
    type: 'OAuthException',
    message: '(#131215) Phone number not eligible for Groups API',
    title: 'Phone number not eligible for Groups API',
  }),
  // Cloud API's generic failure, the default error of an asynchronous failure armed through the control API.
  SOMETHING_WENT_WRONG: template({
    status: 500,
    code: 131000,
    type: 'OAuthException',
    message: '(#131000) Something went wrong',
    title: 'Something went wrong',
    isTransient: true,
  }),
  NO_INVITE_LINK: template({
    status: 400,
    code: 100,
    type: 'OAuthException',
    message: '(#100) The group has no invite link: it was deleted. Create one with POST /{id}/invite_link.',
    title: 'Invalid parameter',
  }),
  PARTICIPANTS_ADD_UNSUPPORTED: template({
    status: 400,
    code: 100,
    type: 'OAuthException',
    message:
      '(#100) Participants cannot be added directly: users join through the group invite link, and join requests are approved with POST /{id}/join_requests.',
    title: 'Invalid parameter',
  }),
  UNKNOWN_ERROR: template({
    status: 500,
    code: 1,
    type: 'OAuthException',
    message: 'An unknown error occurred',
    title: 'Unknown error',
    isTransient: true,
  }),
  // Graph's transient code 2, in its own words: the store is unreachable or cannot write (database restarting,
  // connection cut, disk full), or the server is past its connection caps. A retry of the same call is safe.
  SERVICE_UNAVAILABLE: template({
    status: 503,
    code: 2,
    type: 'OAuthException',
    message: 'An unexpected error has occurred. Please retry your request later.',
    title: 'Service temporarily unavailable',
    isTransient: true,
  }),
  // Meta's codes a real client must handle, answered by Groupgate only when a fault rule asks for them
  // (docs/errors.md, "Codes for fault injection").
  PASSWORD_CHANGED_TOKEN: template({
    status: 401,
    code: 190,
    subcode: 460,
    type: 'OAuthException',
    message:
      'Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.',
    title: 'Access token invalidated',
  }),
  PERMISSION_DENIED: template({
    status: 403,
    code: 10,
    type: 'OAuthException',
    message: '(#10) Application does not have permission for this action',
    title: 'Permission Denied',
    isTransient: false,
  }),
  INVALID_PARAMETER_PLAIN: template({
    status: 400,
    code: 100,
    type: 'OAuthException',
    message: '(#100) Invalid parameter',
    title: 'Invalid parameter',
    isTransient: false,
  }),
  API_PERMISSION: template({
    status: 403,
    code: 200,
    type: 'OAuthException',
    message: '(#200) Permissions error',
    title: 'API Permission',
    isTransient: false,
  }),
  POLICY_BLOCK: template({
    status: 403,
    code: 368,
    type: 'OAuthException',
    message: '(#368) Temporarily blocked for policies violations',
    title: 'Temporarily blocked for policies violations',
    isTransient: false,
  }),
  THROUGHPUT_RATE_LIMIT: template({
    status: 429,
    code: 130429,
    type: 'OAuthException',
    message: '(#130429) Rate limit hit',
    title: 'Rate limit hit',
    isTransient: true,
  }),
  ACCESS_DENIED: template({
    status: 403,
    code: 131005,
    type: 'OAuthException',
    message: '(#131005) Access denied',
    title: 'Access denied',
    isTransient: false,
  }),
  WHATSAPP_SERVICE_UNAVAILABLE: template({
    status: 503,
    code: 131016,
    type: 'OAuthException',
    message: '(#131016) Service unavailable',
    title: 'Service unavailable',
    isTransient: true,
  }),
  PAIR_RATE_LIMIT: template({
    status: 429,
    code: 131056,
    type: 'OAuthException',
    message: '(#131056) (Business Account, Consumer Account) pair rate limit hit',
    title: '(Business Account, Consumer Account) pair rate limit hit',
    isTransient: true,
  }),
  // The control API has no Meta counterpart; it keeps the envelope so one parser serves both surfaces.
  ADMIN_TOKEN_REQUIRED: template({
    status: 401,
    code: 190,
    type: 'GroupgateException',
    message: 'The control API needs the admin token: Authorization: Bearer <GROUPGATE_ADMIN_TOKEN>.',
    title: 'Admin token required',
  }),
  CONTROL_NOT_FOUND: template({
    status: 404,
    code: 100,
    type: 'GroupgateException',
    message: '{details}',
    title: 'Not found',
  }),
  CONTROL_CONFLICT: template({
    status: 409,
    code: 100,
    type: 'GroupgateException',
    message: '{details}',
    title: 'Conflict',
  }),
  CONTROL_UNAVAILABLE: template({
    status: 503,
    code: 2,
    type: 'GroupgateException',
    message: '{details}',
    title: 'Service temporarily unavailable',
    isTransient: true,
  }),
  CONTROL_INVALID_PARAMETER: template({
    status: 400,
    code: 100,
    type: 'GroupgateException',
    message: '{details}',
    title: 'Invalid parameter',
  }),
} satisfies Record<string, ErrorTemplate>);

export type GraphErrorName = keyof typeof GRAPH_ERRORS;

/**
 * The template a fault rule's `{code, error_subcode}` renders with: Meta's own status, type, message and
 * `is_transient`. One per code (and subcode), the plain form where Groupgate has several (code 100).
 */
const FAULT_TEMPLATES: ReadonlyMap<string, ErrorTemplate> = new Map(
  (
    [
      GRAPH_ERRORS.UNKNOWN_ERROR,
      GRAPH_ERRORS.SERVICE_UNAVAILABLE,
      GRAPH_ERRORS.APP_RATE_LIMIT,
      GRAPH_ERRORS.PERMISSION_DENIED,
      GRAPH_ERRORS.INVALID_PARAMETER_PLAIN,
      GRAPH_ERRORS.OBJECT_NOT_FOUND,
      GRAPH_ERRORS.ACCESS_TOKEN_REQUIRED,
      GRAPH_ERRORS.INVALID_ACCESS_TOKEN,
      GRAPH_ERRORS.PASSWORD_CHANGED_TOKEN,
      GRAPH_ERRORS.EXPIRED_ACCESS_TOKEN,
      GRAPH_ERRORS.REVOKED_ACCESS_TOKEN,
      GRAPH_ERRORS.API_PERMISSION,
      GRAPH_ERRORS.POLICY_BLOCK,
      GRAPH_ERRORS.UNKNOWN_PATH,
      GRAPH_ERRORS.WABA_RATE_LIMIT,
      GRAPH_ERRORS.THROUGHPUT_RATE_LIMIT,
      GRAPH_ERRORS.SOMETHING_WENT_WRONG,
      GRAPH_ERRORS.ACCESS_DENIED,
      GRAPH_ERRORS.WHATSAPP_SERVICE_UNAVAILABLE,
      GRAPH_ERRORS.PAIR_RATE_LIMIT,
      GRAPH_ERRORS.INVALID_CURSOR,
      GRAPH_ERRORS.PARTICIPANT_OVER_LIMIT,
      GRAPH_ERRORS.GROUP_SUSPENDED,
      GRAPH_ERRORS.GROUP_RATE_LIMIT,
      GRAPH_ERRORS.PHOTO_NOT_SQUARE,
      GRAPH_ERRORS.PHOTO_TOO_SMALL,
      GRAPH_ERRORS.GROUP_CREATE_LIMIT,
      GRAPH_ERRORS.PARTICIPANT_NOT_IN_GROUP,
      GRAPH_ERRORS.JOIN_REQUEST_NOT_FOUND,
    ] as const
  ).map((t) => [faultKey(t.code, t.subcode), t]),
);

function faultKey(code: number, subcode: number | undefined): string {
  return subcode === undefined ? String(code) : `${code}/${subcode}`;
}

/** The catalogue's template for a code (and subcode), or undefined when Groupgate does not know it. */
export function faultTemplate(code: number, subcode?: number): ErrorTemplate | undefined {
  const exact = FAULT_TEMPLATES.get(faultKey(code, subcode));
  if (exact !== undefined || subcode !== undefined) return exact;
  // A code Meta always sends with one subcode (4 and 80007 come with 2446079): the code alone names it.
  const withSubcode = [...FAULT_TEMPLATES.values()].filter((t) => t.code === code);
  return withSubcode.length === 1 ? withSubcode[0] : undefined;
}

/**
 * The templates an asynchronous failure may report in a webhook's `errors[]`, by code: the WhatsApp codes (131xxx)
 * of the catalog, each once (the webhook-only summaries are not errors of their own).
 */
export function webhookErrorTemplate(code: number): ErrorTemplate | undefined {
  for (const t of Object.values(GRAPH_ERRORS) as ErrorTemplate[]) {
    if (t.code === code && t.code >= 131000 && t.webhookOnly !== true && t.type === 'OAuthException')
      return t;
  }
  return undefined;
}

export function formatMessage(message: string, params: Readonly<Record<string, string | number>>): string {
  return message.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : String(value);
  });
}
