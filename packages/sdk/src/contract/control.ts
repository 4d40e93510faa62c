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

/** A control list that pages: `paging.cursors.after` is there when more follow (pass it back as `after`). */
export interface ControlPagedList<T> extends ControlList<T> {
  paging: { cursors: { after?: string } };
}

/** One business in `GET /_groupgate/businesses`: its ids, never its tokens or app secret. */
export interface SandboxBusinessSummary {
  waba_id: string;
  phone_number_id: string;
  display_phone_number: string;
  app_id: string;
  name: string;
  /** Unix seconds. */
  creation_timestamp: number;
}

/** `GET /_groupgate/businesses` query. */
export interface SandboxBusinessesQuery {
  /** @default 100, at most 500 */
  limit?: number;
  after?: string;
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

/** An app's Graph settings (`GET|PUT /_groupgate/apps/{app_id}/settings`), Meta's App Dashboard > Settings. */
export interface AppSettings {
  app_id: string;
  /** "Require app secret": every Graph call must carry `appsecret_proof`. */
  require_appsecret_proof: boolean;
  /** The version unversioned Graph calls are served as. */
  default_api_version: string;
}

/** Only the settings sent change; `default_api_version: null` returns to Groupgate's default (v23.0). */
export interface SetAppSettingsBody {
  require_appsecret_proof?: boolean;
  default_api_version?: string | null;
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

/** The limits a business can be held to (`PUT /_groupgate/businesses/{waba_id}/limits`). */
export const LIMIT_BUDGETS = ['group_operations', 'waba_calls', 'app_calls'] as const;
export type LimitBudget = (typeof LIMIT_BUDGETS)[number];

/** At most `max` calls in any `per_seconds` seconds (a sliding window). */
export interface RateLimitSetting {
  /** 1 to 10,000,000. */
  max: number;
  /** 1 to 86,400 (a day). */
  per_seconds: number;
}

/**
 * `PUT /_groupgate/businesses/{waba_id}/limits`: replaces the business's own limits, and starts its windows afresh.
 * A budget left out takes the default (the server's `--group-rate-limit` for group operations, off for the call
 * budgets); `null` turns it off, default or not. `{}` goes back to the defaults.
 */
export interface SetBusinessLimitsBody {
  /** Meta's 131208 (HTTP 429): group operations from the business's phone number. */
  group_operations?: RateLimitSetting | null;
  /** Meta's 80007 (HTTP 429): Graph calls, reads included, for the WhatsApp Business Account. */
  waba_calls?: RateLimitSetting | null;
  /** Graph's code 4 (HTTP 429): Graph calls, reads included, from the business's app. */
  app_calls?: RateLimitSetting | null;
}

/** A budget in force, and how much of it is used now. */
export interface BudgetState extends RateLimitSetting {
  /** `business`: its own setting; `server`: the server's `--group-rate-limit` default. */
  set_by: 'business' | 'server';
  /** Calls in the window now. */
  used: number;
  /** Unix seconds from which a call fits again, while the window is full; else null. */
  regain_at: number | null;
}

/** `GET` (and the answer to `PUT`) `/_groupgate/businesses/{waba_id}/limits`: each budget in force, or null when off. */
export interface BusinessLimitsState {
  waba_id: string;
  group_operations: BudgetState | null;
  waba_calls: BudgetState | null;
  app_calls: BudgetState | null;
}

/**
 * One Graph call in the request journal (`GET /_groupgate/requests`, newest first): as Groupgate answered it, with
 * every token and secret replaced by `[REDACTED]`.
 */
export interface RecordedRequest {
  /** Increasing in the order calls were recorded. */
  id: number;
  /** When the call arrived, Unix milliseconds. */
  time: number;
  /** The method the call was served as: `DELETE` for a POST with `method=DELETE`. */
  method: string;
  /** The method on the wire. */
  http_method: string;
  /** The URL path, without the query string. */
  path: string;
  /** `join_requests`, `groups`, `invite_link`, `participants`, `group` (the node itself); null for an unknown path. */
  edge: string | null;
  /** The HTTP status answered; 0 when a network fault (`reset`, `hang`, `drop_reply`) cut the call's connection. */
  status: number;
  /** Graph's `error.code` and `error.error_subcode` when the call was refused. */
  error_code: number | null;
  error_subcode: number | null;
  fbtrace_id: string;
  duration_ms: number;
  /** The business the token belongs to; null when the call was refused before its token was read. */
  waba_id: string | null;
  phone_number_id: string | null;
  /** The group in the path (every edge but `groups`). */
  group_id: string | null;
  /** The fault rule that acted on the call, if any; `effect` is `error`, `delay`, `reset`, `hang` or `drop_reply`. */
  fault: { rule_id: string | null; effect: string | null } | null;
  /** Query parameters, redacted. */
  query: Record<string, unknown>;
  /**
   * The body, redacted: JSON and form bodies as objects; a multipart file part as `{file_size}`. When its JSON
   * exceeds 8 KiB, its first 8 KiB as a string and `body_truncated` true.
   */
  body: unknown;
  body_truncated: boolean;
  /** Content type, user agent, `x-groupgate-fault`, and `authorization` as `Bearer [REDACTED]`. */
  headers: Record<string, string>;
}

/** `GET /_groupgate/requests` and `/requests/count` filters; every one narrows. */
export interface RequestsFilter {
  waba_id?: string;
  phone_number_id?: string;
  group_id?: string;
  /** As served: `POST`, `GET`, `DELETE`. */
  method?: string;
  edge?: string;
  status?: number;
  /** Graph's error code. */
  code?: number;
  /** Calls that arrived at or after this time, Unix milliseconds. */
  since?: number;
}

/** `GET /_groupgate/requests` query: the filters, and paging. */
export interface RequestsQuery extends RequestsFilter {
  /** `paging.cursors.after` of the previous page: older entries. */
  after?: string;
  /** 1–500. @default 50 */
  limit?: number;
}

/** A page of the journal, newest first; `paging.next` is there when older entries remain. */
export interface RequestsPage {
  data: RecordedRequest[];
  paging: { cursors?: { before: string; after: string }; next?: string };
}

/** `GET /_groupgate/requests/count` */
export interface RequestsCount {
  count: number;
}

/** `DELETE /_groupgate/requests` */
export interface RequestsCleared {
  success: boolean;
  /** Entries removed from the store. */
  deleted: number;
}
/**
 * `GET /_groupgate/clock`: the virtual clock every time Groupgate reads comes from (creation timestamps, token
 * expiry, webhook retries and their window, the delivery log's retention).
 */
export interface ClockReading {
  /** Unix seconds, as Graph's timestamps are. */
  now: number;
  /** The same instant, ISO 8601 with milliseconds. */
  now_iso: string;
  /** How far the virtual clock is ahead of the wall clock, in seconds (millisecond precision). */
  offset_seconds: number;
  frozen: boolean;
  /** Unix seconds time stands still at, or null while it runs. */
  frozen_at: number | null;
}

/** `POST /_groupgate/clock/advance`: a positive number of seconds, at most ten years (`MAX_CLOCK_STEP_SECONDS`). */
export interface AdvanceClockBody {
  seconds: number;
}

/** `PUT /_groupgate/clock`: freeze at `frozen_at` (Unix seconds, not before now), or at this instant. */
export interface FreezeClockBody {
  frozen_at?: number;
}

/** The most one call may move the virtual clock: ten years, as far as a token's `expires_in` reaches. */
export const MAX_CLOCK_STEP_SECONDS = 315_360_000;
/** Graph edges a fault rule can name: the edge after the node, or `group` for the group node itself. */
export const FAULT_EDGES = ['join_requests', 'groups', 'group', 'invite_link', 'participants'] as const;
export type FaultEdge = (typeof FAULT_EDGES)[number];
export const FAULT_NETWORK_EFFECTS = ['reset', 'hang', 'drop_reply'] as const;
export type FaultNetworkEffect = (typeof FAULT_NETWORK_EFFECTS)[number];
export const FAULT_WEBHOOK_EFFECTS = ['duplicate', 'timeout'] as const;
export type FaultWebhookEffect = (typeof FAULT_WEBHOOK_EFFECTS)[number];

/** Which calls (`on: "graph"`) or webhook events (`on: "webhook"`) a rule applies to; every key given must match. */
export interface FaultMatch {
  /** Graph rules only: the method served (after a `method=` override). */
  method?: 'GET' | 'POST' | 'DELETE';
  /** Graph rules only. */
  edge?: FaultEdge;
  group_id?: string;
  waba_id?: string;
  phone_number_id?: string;
  /** Graph rules only: a user the call concerns (a join request decided, a participant removed). */
  wa_id?: string;
  /** Webhook rules only: the subscription field the event is sent under. */
  webhook_field?: WebhookField;
  /** Webhook rules only: the `type` of the groups[] item (`group_participants_add` …). */
  event_type?: string;
}

/** The Graph error a rule answers with: Meta's status, type, message and `is_transient` for the code, overridable. */
export interface FaultError {
  code: number;
  error_subcode?: number;
  /** Required, with `message`, for a code the catalogue does not know. */
  http_status?: number;
  message?: string;
  type?: 'OAuthException' | 'GraphMethodException';
  is_transient?: boolean;
  error_user_title?: string;
  error_user_msg?: string;
}

/** `POST /_groupgate/faults`: a match, exactly one effect, and when it fires. */
export interface FaultRuleBody {
  /** @default 'graph' */
  on?: 'graph' | 'webhook';
  match?: FaultMatch;
  /** Graph rules: answer this error instead of running the call. */
  error?: FaultError;
  /** Graph rules: hold the call this long, then run it. Webhook rules: send the event this late. */
  delay_ms?: number;
  /** Graph rules: cut the connection (before the call runs: reset, hang; after it is committed: drop_reply). */
  network?: FaultNetworkEffect;
  /** Webhook rules: send the event twice, or count the attempt as timed out (unsent) so it is retried. */
  webhook?: FaultWebhookEffect;
  /** Fires this many times, then stays. @default unlimited */
  times?: number;
  /** Lets the first N matches through. @default 0 */
  after?: number;
  /** 0–1: the chance a match fires. @default 1 */
  probability?: number;
  /** Seeds the rule's own random sequence, so a flaky run replays; drawn when absent and shown in the rule. */
  seed?: number;
}

/** A rule's one effect, as listed: the keys of `FaultRuleBody` that carry it. */
export interface FaultEffectBody {
  error?: FaultError;
  delay_ms?: number;
  network?: FaultNetworkEffect;
  webhook?: FaultWebhookEffect;
}

/**
 * A rule as the control API answers it. The effect is nested under `effect`: a top-level `error` key would read as
 * a Graph error envelope to every client that checks for one (the SDK's among them).
 */
export interface FaultRule {
  id: string;
  on: 'graph' | 'webhook';
  match: FaultMatch;
  effect: FaultEffectBody;
  times: number | null;
  after: number;
  probability: number;
  /** Null when `probability` is 1 (nothing is drawn). */
  seed: number | null;
  /** Calls or events the rule matched, whether or not it fired. */
  matched: number;
  /** Times it fired. */
  hits: number;
  /** Unix milliseconds. */
  created_at: number;
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
