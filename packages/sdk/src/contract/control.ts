/**
 * @module contract/control — wire types of Groupgate's control API (`/_groupgate/…`, admin token): sandbox set-up
 * Meta has no API for. Groupgate only; its errors use the Graph envelope (`GraphErrorBody`). Times are Unix seconds
 * where Graph's are (tokens, groups), Unix milliseconds in the webhook log and simulations, as each field says.
 */
import type { JoinApprovalMode } from './groups.js';
import type { WebhookField } from './webhooks.js';

/** Every list the control API answers. */
export interface ControlList<T> {
  data: T[];
}

export interface ControlSuccess {
  success: boolean;
}

/** `GET /_groupgate/health`, the one call that needs no token. */
export interface Health {
  status: 'ok';
  /** The storage backend: `sqlite` or `postgres`. */
  store: string;
}

/** `POST /_groupgate/businesses` */
export interface CreateSandboxBusinessBody {
  name?: string;
}

/** A WABA with one phone number, its app, and an access token. */
export interface SandboxBusiness {
  waba_id: string;
  phone_number_id: string;
  display_phone_number: string;
  access_token: string;
  app_id: string;
  app_secret: string;
}

/** `POST /_groupgate/businesses/{waba_id}/tokens` */
export interface IssueTokenBody {
  /** Seconds until the token expires; without it, it never does. */
  expires_in?: number;
}

export interface IssuedToken {
  access_token: string;
  /** Unix seconds, or null for a token that never expires. */
  expires_at: number | null;
}

/** `POST /_groupgate/users/{wa_id}/join` */
export interface SimulateJoinBody {
  invite_link: string;
}

export interface SimulatedJoin {
  /** A pending join request on approval_required groups; membership on auto_approve ones. */
  status: 'requested' | 'joined';
  join_request_id?: string;
}

/** `POST /_groupgate/users/{wa_id}/cancel_join` and `/leave`: a simulated user's action on one group. */
export interface SimulatedUserActionBody {
  group_id: string;
}

export interface SimulatedCancel {
  status: 'cancelled';
  join_request_id: string;
}

export interface SimulatedLeave {
  status: 'left';
}

/** `POST /_groupgate/groups/{group_id}/suspend` and `/clear_suspension` */
export interface SuspensionState {
  group_id: string;
  suspended: boolean;
}

/** `GET /_groupgate/groups/{group_id}`: everything Groupgate knows about a group. */
export interface SandboxGroup {
  group_id: string;
  subject: string;
  description: string;
  join_approval_mode: JoinApprovalMode;
  invite_link: string | null;
  suspended: boolean;
  request_id: string;
  /** Unix seconds. */
  creation_timestamp: number;
  /** WhatsApp ids. */
  participants: string[];
}

/** `POST /_groupgate/simulations` */
export interface StartSimulationBody {
  group_ids: string[];
  users: number;
  /** Users per second: 0, the default, as fast as possible; otherwise from 0.001 (one every 1000 s) to 100000. */
  rate_per_second?: number;
  /** The calling code the simulated numbers start with. @default '1' */
  country_code?: string;
}

/** A bulk run of simulated users, as started, followed and stopped. */
export interface SimulationStatus {
  simulation_id: string;
  state: 'running' | 'finished' | 'stopped';
  users: number;
  /** Users who now have a pending join request. */
  requested: number;
  /** Users who joined an auto-approve group. */
  joined: number;
  failed: number;
  /** Up to 10 distinct failure messages, with how often each occurred. */
  failures: { message: string; count: number }[];
  /** Unix milliseconds. */
  started_at: number;
  finished_at: number | null;
}

/** `PUT /_groupgate/apps/{app_id}/webhook` */
export interface SetWebhookBody {
  callback_url: string;
  verify_token: string;
  /** @default every field */
  fields?: WebhookField[];
  /** Rotates the secret deliveries are signed with. */
  app_secret?: string;
}

export interface AppWebhookSettings {
  app_id: string;
  callback_url: string;
  verify_token: string;
  fields: WebhookField[];
  /** Unix milliseconds. */
  updated_at: number;
}

export const WEBHOOK_DELIVERY_STATES = ['pending', 'delivered', 'failed', 'skipped'] as const;
export type WebhookDeliveryState = (typeof WEBHOOK_DELIVERY_STATES)[number];

/** One event of the delivery log (`GET /_groupgate/webhooks/deliveries`, newest first). */
export interface WebhookDelivery {
  id: number;
  app_id: string;
  group_id: string;
  field: string;
  /** The `type` of the groups[] item. */
  type: string;
  state: WebhookDeliveryState;
  attempts: number;
  /** Unix milliseconds, as are the other times. */
  created_at: number;
  next_attempt_at: number | null;
  delivered_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  last_latency_ms: number | null;
  /** The groups[] item sent. */
  item: Record<string, unknown>;
}

export interface WebhookAttempt {
  attempt: number;
  /** Unix milliseconds. */
  started_at: number;
  duration_ms: number;
  url: string;
  status_code: number | null;
  error: string | null;
}

/** `GET /_groupgate/webhooks/deliveries/{id}`: one event with every attempt made. */
export interface WebhookDeliveryDetail extends WebhookDelivery {
  attempt_log: WebhookAttempt[];
}

/** `GET /_groupgate/webhooks/deliveries` query: filters, and paging with `before` = the last id seen. */
export interface WebhookDeliveriesQuery {
  app_id?: string;
  group_id?: string;
  state?: WebhookDeliveryState;
  /** Events older than this id. */
  before?: number;
  /** 1–500. @default 50 */
  limit?: number;
}

/**
 * `GET|PUT /_groupgate/businesses/{waba_id}/conditions`: states Meta reports with an error, which no Graph call can
 * cause. Each PUT field is optional; those left out keep their value.
 */
export interface SetBusinessConditionsBody {
  /** false: every call on `/{phone_number_id}/groups` answers 131215. @default true */
  eligible_for_groups?: boolean;
  /** true: creating a group answers 131214. @default false */
  group_creation_disabled?: boolean;
  /** 206: an approve or reject some (not all) of whose ids failed answers HTTP 206 (Meta's 131201). @default 200 */
  partial_success_status?: 200 | 206;
}

export interface BusinessConditionsState {
  waba_id: string;
  eligible_for_groups: boolean;
  group_creation_disabled: boolean;
  partial_success_status: 200 | 206;
}

/** The operations whose outcome arrives by webhook, which a failure can be armed for. */
export type FailingOperation = 'group_create' | 'group_delete' | 'group_settings_update';
export type SettingsFieldName = 'subject' | 'description' | 'profile_picture';

/** `POST /_groupgate/businesses/{waba_id}/failures`: the business's next call of `operation` fails by webhook. */
export interface ArmFailureBody {
  operation: FailingOperation;
  /** A WhatsApp code (131xxx) Groupgate knows. @default 131000 */
  code?: number;
  /** group_settings_update only: the fields that fail. @default every field the call changes */
  fields?: SettingsFieldName[];
}

export interface ArmedFailures {
  waba_id: string;
  /** Oldest first; each fails one call. */
  failures: { operation: FailingOperation; code: number; fields?: SettingsFieldName[] }[];
}

/** `PUT /_groupgate/users/{wa_id}/terms` */
export interface SetTermsBody {
  /** false: approving the user's join requests fails with 131203 until they accept. */
  accepted: boolean;
}

export interface TermsState {
  wa_id: string;
  accepted: boolean;
}
