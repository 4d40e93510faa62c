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

/**
 * How a simulated user presents themself to businesses (2026, business-scoped user ids). Their BSUID (`user_id`) is
 * always derived from their number and the business; these add the rest.
 */
export interface SimulatedUserOptions {
  /** The user adopted a username and hides their number: `wa_id` is left out of every item about them. */
  hide_phone_number?: boolean;
  /** 3 to 35 letters, digits, periods and underscores, with at least one letter. */
  username?: string;
  /** A parent BSUID (`CC.ENT.…`), or true to derive the user's own (the same with every business). */
  parent_user_id?: string | true;
}

/** `POST /_groupgate/users/{wa_id}/join` */
export interface SimulateJoinBody extends SimulatedUserOptions {
  invite_link: string;
}

export interface SimulatedJoin {
  /** A pending join request on approval_required groups; membership on auto_approve ones. */
  status: 'requested' | 'joined';
  join_request_id?: string;
  /** The user's BSUID with the group's business. */
  user_id: string;
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
  /** Each participant as their business sees them, with their number even when they hide it. */
  participant_users: {
    wa_id: string;
    user_id: string;
    username?: string;
    parent_user_id?: string;
    phone_hidden: boolean;
  }[];
}

/** `POST /_groupgate/simulations` */
export interface StartSimulationBody {
  group_ids: string[];
  users: number;
  /** Users per second: 0, the default, as fast as possible; otherwise from 0.001 (one every 1000 s) to 100000. */
  rate_per_second?: number;
  /** The calling code the simulated numbers start with. @default '1' */
  country_code?: string;
  /**
   * Share of the users (0 to 1) who hide their number behind a username (`user<wa_id>`), spread evenly.
   * @default 0
   */
  hidden_phone_share?: number;
  /** Share of the users (0 to 1) who carry a parent BSUID, spread the same way. @default 0 */
  parent_user_id_share?: number;
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
