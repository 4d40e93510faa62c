/**
 * @module domain/records — the domain model as the rest of the code sees it: businesses, groups, join requests and
 * the outcomes of deciding them. Storage backends persist these; the server and domain rules work on them.
 */
import type { JoinApprovalMode } from '@groupgate/sdk/contract';
import type { WebhookField } from '@groupgate/sdk/contract';
import type { BusinessLimits } from './rate-limits.js';
import type { UserIdentity, UserRef } from './users.js';

export type { WebhookField };

export interface BusinessRecord {
  pk: number;
  wabaId: string;
  phoneNumberId: string;
  phoneDigits: string;
  displayPhoneNumber: string;
  appId: string;
  appSecret: string;
  name: string;
  createdAt: number;
  /** Its own rate limits (domain/rate-limits); read with the business, so a call pays nothing to learn them. */
  limits: BusinessLimits;
  /** The app's "Require app secret" setting: every Graph call must carry a valid `appsecret_proof`. */
  requireAppsecretProof: boolean;
  /** The version unversioned calls are served as; null: Groupgate's default (v23.0). */
  defaultApiVersion: string | null;
}

/** A new business's app starts with the default settings. */
export type NewBusiness = Omit<
  BusinessRecord,
  'pk' | 'limits' | 'requireAppsecretProof' | 'defaultApiVersion'
>;

/** A change to an app's settings; absent fields stay as they are. */
export interface AppSettingsPatch {
  requireAppsecretProof?: boolean;
  defaultApiVersion?: string | null;
}

export interface NewAccessToken {
  token: string;
  businessPk: number;
  createdAt: number;
  /** Unix seconds; null never expires. */
  expiresAt: number | null;
}

/** What a token resolves to; the caller decides what an expired or revoked token means. */
export interface TokenLookup {
  business: BusinessRecord;
  expiresAt: number | null;
  revokedAt: number | null;
}

export interface GroupRecord {
  pk: number;
  groupId: string;
  groupNumber: string;
  businessPk: number;
  requestId: string;
  subject: string;
  description: string;
  joinApprovalMode: JoinApprovalMode;
  inviteCode: string;
  /** False once the business deleted the invite link: nobody can join until a new one is created. */
  inviteLinkActive: boolean;
  participantCount: number;
  createdAt: number;
  /** True while WhatsApp has the group suspended (calls on it fail with 131207). */
  suspended: boolean;
}

export type NewGroup = Omit<GroupRecord, 'pk' | 'participantCount' | 'suspended' | 'inviteLinkActive'>;

/** A settings change; absent fields stay as they are. */
export interface GroupPatch {
  subject?: string;
  description?: string;
  /** Hex SHA-256 of the new JPEG profile picture. */
  photoSha256?: string;
}

/** Per user the business named (`ref`, as it named them): removed, with who they were, or not a participant. */
export type RemovalOutcome =
  { ref: UserRef; result: 'removed'; user: UserIdentity } | { ref: UserRef; result: 'not_participant' };

export interface RemoveOptions {
  now: number;
  /** Removed by the business: the user can no longer join through the invite link. A user who leaves can. */
  ban: boolean;
}

/**
 * A page of pending join requests with `data` already rendered as Meta's JSON items, joined by commas. Listing is
 * the hot path, and handing one string across the driver boundary is several times cheaper than building row
 * objects and serialising them again (measured in docs/performance.md).
 */
export interface RenderedJoinRequestPage {
  /** `{"join_request_id":…,"wa_id":…,"user_id":…,"creation_timestamp":…},…` in page order; '' for an empty page. */
  itemsJson: string;
  count: number;
  /** Keyset keys of the first and last item (0 for an empty page). */
  firstKey: number;
  lastKey: number;
  hasNext: boolean;
  hasPrevious: boolean;
}

/** Where a page stands among its neighbours, whatever its items are. */
export interface PagePosition {
  firstKey: number;
  lastKey: number;
  hasNext: boolean;
  hasPrevious: boolean;
}

/** Keyset page request: at most one of after/before, both exclusive. */
export interface KeysetQuery {
  after?: number;
  before?: number;
  limit: number;
}

export interface KeysetPage<T> {
  items: T[];
  /** More rows beyond the last item, in page order. */
  hasNext: boolean;
  /** Rows before the first item, in page order. */
  hasPrevious: boolean;
}

export type Decision = 'approve' | 'reject';

export type DecisionOutcome =
  | { joinRequestId: string; result: 'decided'; user: UserIdentity }
  | { joinRequestId: string; result: 'not_pending' }
  | { joinRequestId: string; result: 'group_full' }
  | { joinRequestId: string; result: 'terms_not_accepted'; waId: string };

export interface DecideOptions {
  now: number;
  /** Most participants a group may hold, the business not counted. */
  maxParticipants: number;
  /** Simulated users who have not accepted WhatsApp's new terms: approving them fails (131203). */
  termsNotAccepted?: ReadonlySet<string>;
}

/** One `value.groups[]` item to deliver, queued in the same transaction as the change it reports. */
export interface NewWebhookEvent {
  businessPk: number;
  /** Events of one group are delivered in order; see docs/webhooks.md. */
  groupPk: number;
  field: WebhookField;
  /** The `groups[]` item, serialised once when the event happens. */
  itemJson: string;
  /** Unix milliseconds. */
  createdAt: number;
}

/**
 * The webhook events a state change produces, derived from its outcome inside the change's own transaction: a crash
 * can neither lose an event whose change committed nor leave one whose change did not.
 */
export type EventsFor<Outcome> = (outcome: Outcome) => readonly NewWebhookEvent[];

export type WebhookEventState = 'pending' | 'delivered' | 'failed' | 'skipped';

export interface WebhookSettings {
  appId: string;
  callbackUrl: string;
  verifyToken: string;
  fields: WebhookField[];
  updatedAt: number;
}

/** An event as the delivery log shows it. Times are Unix milliseconds. */
export interface WebhookEventRecord {
  id: number;
  businessPk: number;
  appId: string;
  groupId: string;
  field: WebhookField;
  itemJson: string;
  state: WebhookEventState;
  attempts: number;
  createdAt: number;
  nextAttemptAt: number | null;
  deliveredAt: number | null;
  lastStatusCode: number | null;
  lastError: string | null;
  lastLatencyMs: number | null;
}

export interface WebhookAttempt {
  eventId: number;
  attempt: number;
  startedAt: number;
  durationMs: number;
  url: string;
  statusCode: number | null;
  error: string | null;
}

/** An event claimed for delivery, with what the sender needs: the business's identity, app secret and settings. */
export interface ClaimedWebhookEvent {
  id: number;
  groupPk: number;
  field: WebhookField;
  itemJson: string;
  attempts: number;
  createdAt: number;
  wabaId: string;
  phoneNumberId: string;
  displayPhoneNumber: string;
  appId: string;
  appSecret: string;
  /** The app's own settings; undefined when it has none (the server's default then applies). */
  settings: WebhookSettings | undefined;
}

/** Where an attempt leaves its event. */
export type AttemptVerdict =
  { state: 'delivered' | 'failed' | 'skipped' } | { state: 'pending'; nextAttemptAt: number };

export interface WebhookEventFilter {
  appId?: string;
  groupId?: string;
  state?: WebhookEventState;
  /** Only events with a smaller id: the log pages backwards from the newest. */
  beforeId?: number;
  limit: number;
}

export type JoinOutcome =
  | { status: 'requested'; joinRequestId: string; created: boolean }
  | { status: 'joined' }
  | { status: 'already_participant' }
  | { status: 'removed' }
  | { status: 'group_full' };

/** A pending request the user withdrew, with who they are. */
export interface CancelledRequest {
  joinRequestId: string;
  user: UserIdentity;
}

export interface JoinInput {
  /** Who opens the link, as the group's business sees them. */
  user: UserIdentity;
  joinRequestId: string;
  now: number;
  maxParticipants: number;
}
