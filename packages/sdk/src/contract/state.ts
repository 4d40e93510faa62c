/**
 * @module contract/state — the state document of `GET|PUT /_groupgate/state` (docs/state.md, docs/state.schema.json):
 * a whole Groupgate instance, or one business, as JSON or YAML. It holds access tokens and app secrets. Times are
 * Unix seconds, except `updated_at_ms`.
 */
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
    webhook?: {
      callback_url: string;
      verify_token: string;
      fields?: WebhookField[];
      updated_at_ms?: number;
    } | null;
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
  participants?: (string | { wa_id: string; joined_at?: number })[];
  removed_participants?: { wa_id: string; removed_at?: number }[];
  join_requests?: JoinRequestDocument[];
}

export interface JoinRequestDocument {
  key?: number;
  join_request_id?: string;
  wa_id: string;
  status?: JoinRequestStatus;
  created_at?: number;
  decided_at?: number | null;
}
