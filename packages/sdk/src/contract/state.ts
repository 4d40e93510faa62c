/**
 * @module contract/state — the state document of `GET|PUT /_groupgate/state` (docs/state.md, docs/state.schema.json):
 * a whole Groupgate instance, or one business, as JSON or YAML. It holds access tokens and app secrets. Times are
 * Unix seconds, except `updated_at_ms`.
 */
import type { RateLimitSetting } from './control.js';
import type { JoinApprovalMode } from './groups.js';
import type { WebhookField } from './webhooks.js';

export type JoinRequestStatus = 'pending' | 'approved' | 'rejected' | 'revoked';

/** The document as exported: every field present. A hand-written one may leave out what has a default. */
export interface StateDocument {
  groupgate_state: 1;
  exported_at?: number;
  next_keys?: { group?: number; join_request?: number };
  businesses: BusinessDocument[];
}

export interface BusinessDocument {
  waba_id: string;
  phone_number_id: string;
  phone_number?: string;
  name?: string;
  created_at?: number;
  app?: {
    app_id?: string;
    app_secret?: string;
    /** "Require app secret" (`GET|PUT /_groupgate/apps/{app_id}/settings`). @default false */
    require_appsecret_proof?: boolean;
    /** The version unversioned calls are served as; null: Groupgate's default (v23.0). @default null */
    default_api_version?: string | null;
    webhook?: {
      callback_url: string;
      verify_token: string;
      fields?: WebhookField[];
      updated_at_ms?: number;
    } | null;
  };
  /**
   * The business's own rate limits, as `PUT /_groupgate/businesses/{waba_id}/limits` takes them: a budget left out
   * takes the server's default, null turns it off. Counts are not state: an import starts the windows afresh.
   * @default {}
   */
  limits?: {
    group_operations?: RateLimitSetting | null;
    waba_calls?: RateLimitSetting | null;
    app_calls?: RateLimitSetting | null;
  };
  tokens?: { token: string; created_at?: number; expires_at?: number | null; revoked_at?: number | null }[];
  groups?: GroupDocument[];
}

export interface GroupDocument {
  key?: number;
  group_id?: string;
  group_number?: string;
  request_id?: string;
  subject: string;
  description?: string;
  join_approval_mode?: JoinApprovalMode;
  invite_code?: string;
  invite_link_active?: boolean;
  photo_sha256?: string | null;
  created_at?: number;
  suspended_at?: number | null;
  deleted_at?: number | null;
  participants?: (string | ParticipantDocument)[];
  removed_participants?: { wa_id: string; removed_at?: number }[];
  join_requests?: JoinRequestDocument[];
}

/**
 * How a simulated user presents themself to the business (as `POST /_groupgate/users/{wa_id}/join` takes it); an
 * export writes these only when set. The user's BSUID (`user_id`) is derived from the number and the business.
 */
export interface UserDocumentFields {
  /** The user hides their number: `wa_id` is left out of every Graph item about them. @default false */
  hide_phone_number?: boolean;
  username?: string;
  /** A parent BSUID (`CC.ENT.…`), or true (hand-written documents) to derive the user's own. */
  parent_user_id?: string | true;
}

export interface ParticipantDocument extends UserDocumentFields {
  wa_id: string;
  joined_at?: number;
}

export interface JoinRequestDocument extends UserDocumentFields {
  key?: number;
  join_request_id?: string;
  wa_id: string;
  status?: JoinRequestStatus;
  created_at?: number;
  decided_at?: number | null;
}
