/**
 * @module storage/rows — the column shapes both SQL backends read, and their one mapping to domain records. The
 * schemas differ only in dialect; the columns a record is read from do not.
 */
import type { JoinApprovalMode } from '@groupgate/sdk/contract';
import type {
  BusinessRecord,
  ClaimedWebhookEvent,
  GroupRecord,
  TokenLookup,
  WebhookAttempt,
  WebhookEventRecord,
  WebhookEventState,
  WebhookField,
  WebhookSettings,
} from '../domain/records.js';
import { NO_LIMITS, type BusinessLimits } from '../domain/rate-limits.js';

/** Columns of a business row, in both schemas. */
export const BUSINESS_COLUMNS = `pk, waba_id, phone_number_id, phone_digits, display_phone_number, app_id, app_secret,
  name, created_at, limits_json, require_appsecret_proof, default_api_version`;

/** Columns of a group row, in both schemas. */
export const GROUP_COLUMNS = `pk, group_id, group_number, business_pk, request_id, subject, description,
  join_approval_mode, invite_code, invite_link_active, participant_count, created_at, suspended_at`;

/** `columns`, each qualified with a table alias, for queries that join. */
export function qualified(alias: string, columns: string): string {
  return columns
    .split(',')
    .map((column) => `${alias}.${column.trim()}`)
    .join(', ');
}

export interface BusinessRow {
  pk: number;
  waba_id: string;
  phone_number_id: string;
  phone_digits: string;
  display_phone_number: string;
  app_id: string;
  app_secret: string;
  name: string;
  created_at: number;
  /** The business's own rate limits as JSON (BusinessLimits); null when it has none. */
  limits_json: string | null;
  /** 0/1 from SQLite, a boolean from PostgreSQL. */
  require_appsecret_proof: number | boolean;
  default_api_version: string | null;
}

export interface GroupRow {
  pk: number;
  group_id: string;
  group_number: string;
  business_pk: number;
  request_id: string;
  subject: string;
  description: string;
  join_approval_mode: JoinApprovalMode;
  invite_code: string;
  /** 0/1 from SQLite, a boolean from PostgreSQL. */
  invite_link_active: number | boolean;
  participant_count: number;
  created_at: number;
  suspended_at: number | null;
}

export function toBusiness(row: BusinessRow): BusinessRecord {
  return {
    pk: row.pk,
    wabaId: row.waba_id,
    phoneNumberId: row.phone_number_id,
    phoneDigits: row.phone_digits,
    displayPhoneNumber: row.display_phone_number,
    appId: row.app_id,
    appSecret: row.app_secret,
    name: row.name,
    createdAt: row.created_at,
    limits: typeof row.limits_json === 'string' ? parseLimits(row.limits_json) : NO_LIMITS,
    requireAppsecretProof: row.require_appsecret_proof === true || row.require_appsecret_proof === 1,
    defaultApiVersion: row.default_api_version,
  };
}

function parseLimits(json: string): BusinessLimits {
  return Object.freeze(JSON.parse(json) as BusinessLimits);
}

/** How a business's limits are stored: null for none, so that reading them back is `NO_LIMITS` again. */
export function limitsJson(limits: BusinessLimits): string | null {
  return Object.keys(limits).length === 0 ? null : JSON.stringify(limits);
}

/** A token's business, with the token's own expiry and revocation. */
export type TokenRow = BusinessRow & { token_expires_at: number | null; token_revoked_at: number | null };

export function toTokenLookup(row: TokenRow): TokenLookup {
  return { business: toBusiness(row), expiresAt: row.token_expires_at, revokedAt: row.token_revoked_at };
}

export function toGroup(row: GroupRow): GroupRecord {
  return {
    pk: row.pk,
    groupId: row.group_id,
    groupNumber: row.group_number,
    businessPk: row.business_pk,
    requestId: row.request_id,
    subject: row.subject,
    description: row.description,
    joinApprovalMode: row.join_approval_mode,
    inviteCode: row.invite_code,
    inviteLinkActive: row.invite_link_active === true || row.invite_link_active === 1,
    participantCount: row.participant_count,
    createdAt: row.created_at,
    suspended: row.suspended_at !== null,
  };
}

/** Columns of the delivery log: the event, with its app and group ids. */
export const WEBHOOK_EVENT_COLUMNS = `e.id, e.business_pk, b.app_id, g.group_id, e.field, e.item_json, e.state,
  e.attempts, e.created_at, e.next_attempt_at, e.delivered_at, e.last_status_code, e.last_error, e.last_latency_ms`;

export interface WebhookEventRow {
  id: number;
  business_pk: number;
  app_id: string;
  group_id: string;
  field: WebhookField;
  item_json: string;
  state: WebhookEventState;
  attempts: number;
  created_at: number;
  next_attempt_at: number | null;
  delivered_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  last_latency_ms: number | null;
}

export function toWebhookEvent(row: WebhookEventRow): WebhookEventRecord {
  return {
    id: row.id,
    businessPk: row.business_pk,
    appId: row.app_id,
    groupId: row.group_id,
    field: row.field,
    itemJson: row.item_json,
    state: row.state,
    attempts: row.attempts,
    createdAt: row.created_at,
    nextAttemptAt: row.state === 'pending' ? row.next_attempt_at : null,
    deliveredAt: row.delivered_at,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    lastLatencyMs: row.last_latency_ms,
  };
}

export interface WebhookAttemptRow {
  event_id: number;
  attempt: number;
  started_at: number;
  duration_ms: number;
  url: string;
  status_code: number | null;
  error: string | null;
}

export function toWebhookAttempt(row: WebhookAttemptRow): WebhookAttempt {
  return {
    eventId: row.event_id,
    attempt: row.attempt,
    startedAt: row.started_at,
    durationMs: row.duration_ms,
    url: row.url,
    statusCode: row.status_code,
    error: row.error,
  };
}

export interface WebhookSettingsRow {
  app_id: string;
  callback_url: string;
  verify_token: string;
  fields: string;
  updated_at: number;
}

export function toWebhookSettings(row: WebhookSettingsRow): WebhookSettings {
  return {
    appId: row.app_id,
    callbackUrl: row.callback_url,
    verifyToken: row.verify_token,
    fields: JSON.parse(row.fields) as WebhookField[],
    updatedAt: row.updated_at,
  };
}

/** Columns of a claimed event: the event, its business's identity and secret, and the app's settings if any. */
export const CLAIMED_EVENT_COLUMNS = `e.id, e.group_pk, e.field, e.item_json, e.attempts, e.created_at,
  b.waba_id, b.phone_number_id, b.display_phone_number, b.app_id, b.app_secret,
  w.callback_url, w.verify_token, w.fields, w.updated_at`;

export interface ClaimedEventRow {
  id: number;
  group_pk: number;
  field: WebhookField;
  item_json: string;
  attempts: number;
  created_at: number;
  waba_id: string;
  phone_number_id: string;
  display_phone_number: string;
  app_id: string;
  app_secret: string;
  callback_url: string | null;
  verify_token: string | null;
  fields: string | null;
  updated_at: number | null;
}

export function toClaimedEvent(row: ClaimedEventRow): ClaimedWebhookEvent {
  return {
    id: row.id,
    groupPk: row.group_pk,
    field: row.field,
    itemJson: row.item_json,
    attempts: row.attempts,
    createdAt: row.created_at,
    wabaId: row.waba_id,
    phoneNumberId: row.phone_number_id,
    displayPhoneNumber: row.display_phone_number,
    appId: row.app_id,
    appSecret: row.app_secret,
    settings:
      row.callback_url === null
        ? undefined
        : toWebhookSettings({
            app_id: row.app_id,
            callback_url: row.callback_url,
            verify_token: row.verify_token ?? '',
            fields: row.fields ?? '[]',
            updated_at: row.updated_at ?? 0,
          }),
  };
}
