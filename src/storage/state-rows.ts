/**
 * @module storage/state-rows — the state snapshot (domain/state) as table rows and back, for both SQL backends:
 * they read these rows with their own SQL on export and insert them on import, and nothing else. Keys (group pk,
 * join request seq) are kept when the document's are free, so that cursors issued before an export still work
 * after the import; otherwise they are assigned anew in the same order, after the highest taken.
 */
import type { JoinApprovalMode } from '@groupgate/sdk/contract';
import type { BusinessState, GroupState, JoinRequestStatus, StateSnapshot } from '../domain/state.js';
import { joinRequestJson } from '../domain/wire.js';
import { userFromWire, userIdentity, userWire, type UserIdentity } from '../domain/users.js';
import {
  limitsJson,
  toBusiness,
  toWebhookSettings,
  type BusinessRow,
  type WebhookSettingsRow,
} from './rows.js';
import { displayPhoneNumber } from '../domain/ids.js';

export interface TokenStateRow {
  token: string;
  business_pk: number;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
}

export interface GroupStateRow {
  pk: number;
  group_id: string;
  group_number: string;
  business_pk: number;
  request_id: string;
  subject: string;
  description: string;
  join_approval_mode: JoinApprovalMode;
  invite_code: string;
  /** 0/1 from SQLite, a boolean from PostgreSQL; written as the backend's own (see `rowsOfSnapshot`). */
  invite_link_active: number | boolean;
  participant_count: number;
  photo_sha256: string | null;
  created_at: number;
  suspended_at: number | null;
  deleted_at: number | null;
}

export interface ParticipantStateRow {
  group_pk: number;
  wa_id: string;
  joined_at: number;
  /** The user's BSUID, written on import so that a removal by user_id finds them; user_json holds it too. */
  user_id?: string;
  /** The user as Graph writes them (domain/users userWire): username, parent BSUID, number unless hidden. */
  user_json: string | null;
}

export interface RemovedStateRow {
  group_pk: number;
  wa_id: string;
  removed_at: number;
}

export interface JoinRequestStateRow {
  seq: number;
  group_pk: number;
  join_request_id: string;
  wa_id: string;
  status: JoinRequestStatus;
  created_at: number;
  decided_at: number | null;
  /** Written on import (the item as GET /join_requests sends it); derived from the others, so not read on export. */
  wire_json?: string;
  /** The user as Graph writes them, as on a participant. */
  user_json: string | null;
}

/** The rows of the state, each table in key order (the order the queries below ask for). */
export interface StateRows {
  businesses: BusinessRow[];
  tokens: TokenStateRow[];
  groups: GroupStateRow[];
  participants: ParticipantStateRow[];
  removed: RemovedStateRow[];
  joinRequests: JoinRequestStateRow[];
  webhookSettings: WebhookSettingsRow[];
}

/** The orders the export queries read each table in; the snapshot's lists keep them. */
export const STATE_ORDER = {
  businesses: 'pk',
  tokens: 'created_at, token',
  groups: 'pk',
  participants: 'joined_at, wa_id',
  removed: 'removed_at, wa_id',
  joinRequests: 'seq',
} as const;

/** Columns of a group's row in a state export, in both schemas. */
export const GROUP_COLUMNS_FOR_STATE = `pk, group_id, group_number, business_pk, request_id, subject, description,
  join_approval_mode, invite_code, invite_link_active, participant_count, photo_sha256, created_at, suspended_at,
  deleted_at`;

function groupBy<T>(rows: readonly T[], key: (row: T) => number): Map<number, T[]> {
  const map = new Map<number, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = map.get(k);
    if (list === undefined) map.set(k, [row]);
    else list.push(row);
  }
  return map;
}

/** The user a row names; a row written before users had BSUIDs has no user_json, and is the plain user. */
function userOfRow(scope: string, waId: string, userJson: string | null): UserIdentity {
  return userJson === null ? userIdentity(scope, waId) : userFromWire(waId, userJson);
}

export function snapshotOfRows(rows: StateRows, nextKeys: StateSnapshot['nextKeys']): StateSnapshot {
  const tokens = groupBy(rows.tokens, (t) => t.business_pk);
  const groups = groupBy(rows.groups, (g) => g.business_pk);
  const participants = groupBy(rows.participants, (p) => p.group_pk);
  const removed = groupBy(rows.removed, (r) => r.group_pk);
  const requests = groupBy(rows.joinRequests, (r) => r.group_pk);
  const settings = new Map(rows.webhookSettings.map((w) => [w.app_id, toWebhookSettings(w)]));
  return {
    nextKeys,
    businesses: rows.businesses.map((b): BusinessState => ({
      wabaId: b.waba_id,
      phoneNumberId: b.phone_number_id,
      phoneDigits: b.phone_digits,
      name: b.name,
      createdAt: b.created_at,
      appId: b.app_id,
      appSecret: b.app_secret,
      ...businessSettings(b),
      webhook: settings.get(b.app_id) ?? null,
      tokens: (tokens.get(b.pk) ?? []).map((t) => ({
        token: t.token,
        createdAt: t.created_at,
        expiresAt: t.expires_at,
        revokedAt: t.revoked_at,
      })),
      groups: (groups.get(b.pk) ?? []).map((g): GroupState => ({
        key: g.pk,
        groupId: g.group_id,
        groupNumber: g.group_number,
        requestId: g.request_id,
        subject: g.subject,
        description: g.description,
        joinApprovalMode: g.join_approval_mode,
        inviteCode: g.invite_code,
        inviteLinkActive: g.invite_link_active === true || g.invite_link_active === 1,
        photoSha256: g.photo_sha256,
        createdAt: g.created_at,
        suspendedAt: g.suspended_at,
        deletedAt: g.deleted_at,
        participants: (participants.get(g.pk) ?? []).map((p) => ({
          user: userOfRow(b.waba_id, p.wa_id, p.user_json),
          joinedAt: p.joined_at,
        })),
        removed: (removed.get(g.pk) ?? []).map((r) => ({ waId: r.wa_id, removedAt: r.removed_at })),
        joinRequests: (requests.get(g.pk) ?? []).map((r) => ({
          key: r.seq,
          joinRequestId: r.join_request_id,
          user: userOfRow(b.waba_id, r.wa_id, r.user_json),
          status: r.status,
          createdAt: r.created_at,
          decidedAt: r.decided_at,
        })),
      })),
    })),
  };
}

/** A business row's limits and app settings, read as every other read of a business reads them (rows toBusiness). */
function businessSettings(
  row: BusinessRow,
): Pick<BusinessState, 'requireAppsecretProof' | 'defaultApiVersion' | 'limits'> {
  const { requireAppsecretProof, defaultApiVersion, limits } = toBusiness(row);
  return { requireAppsecretProof, defaultApiVersion, limits };
}

/** The highest key of each table the import writes into, once the rows it replaces are gone (0: empty). */
export interface TakenKeys {
  business: number;
  group: number;
  joinRequest: number;
}

/**
 * Keys for items in document order: their own when every one given is above `taken` (and none is missing, or
 * the missing ones come after), otherwise anew from `taken + 1`, in the order of the keys given, then the rest.
 */
function assignKeys(given: readonly (number | undefined)[], taken: number): number[] {
  const keep = given.every((key) => key === undefined || key > taken);
  if (keep) {
    // A loop, not Math.max(...keys): a spread of 100,000 keys overflows the call stack.
    let next = given.reduce<number>((max, key) => Math.max(max, key ?? 0), taken) + 1;
    return given.map((key) => key ?? next++);
  }
  const order = given
    .map((key, index) => ({ key: key ?? Number.POSITIVE_INFINITY, index }))
    .sort((a, b) => a.key - b.key || a.index - b.index);
  const keys = new Array<number>(given.length);
  order.forEach((item, rank) => (keys[item.index] = taken + 1 + rank));
  return keys;
}

/** The rows to insert for a snapshot, with keys given or assigned (see assignKeys). */
export function rowsOfSnapshot(
  snapshot: StateSnapshot,
  taken: TakenKeys,
  boolean: 'integer' | 'boolean',
): StateRows {
  const rows: StateRows = {
    businesses: [],
    tokens: [],
    groups: [],
    participants: [],
    removed: [],
    joinRequests: [],
    webhookSettings: [],
  };
  const allGroups = snapshot.businesses.flatMap((b) => b.groups);
  const groupKeys = assignKeys(
    allGroups.map((g) => g.key),
    taken.group,
  );
  const allRequests = allGroups.flatMap((g) => g.joinRequests);
  const requestKeys = assignKeys(
    allRequests.map((r) => r.key),
    taken.joinRequest,
  );
  let groupIndex = 0;
  let requestIndex = 0;
  snapshot.businesses.forEach((b, bi) => {
    const businessPk = taken.business + 1 + bi;
    rows.businesses.push({
      pk: businessPk,
      waba_id: b.wabaId,
      phone_number_id: b.phoneNumberId,
      phone_digits: b.phoneDigits,
      display_phone_number: displayPhoneNumber(b.phoneDigits),
      app_id: b.appId,
      app_secret: b.appSecret,
      name: b.name,
      created_at: b.createdAt,
      limits_json: limitsJson(b.limits),
      require_appsecret_proof:
        boolean === 'integer' ? (b.requireAppsecretProof ? 1 : 0) : b.requireAppsecretProof,
      default_api_version: b.defaultApiVersion,
    });
    if (b.webhook !== null) {
      rows.webhookSettings.push({
        app_id: b.appId,
        callback_url: b.webhook.callbackUrl,
        verify_token: b.webhook.verifyToken,
        fields: JSON.stringify(b.webhook.fields),
        updated_at: b.webhook.updatedAt,
      });
    }
    for (const t of b.tokens) {
      rows.tokens.push({
        token: t.token,
        business_pk: businessPk,
        created_at: t.createdAt,
        expires_at: t.expiresAt,
        revoked_at: t.revokedAt,
      });
    }
    for (const g of b.groups) {
      const groupPk = groupKeys[groupIndex++] ?? 0;
      rows.groups.push({
        pk: groupPk,
        group_id: g.groupId,
        group_number: g.groupNumber,
        business_pk: businessPk,
        request_id: g.requestId,
        subject: g.subject,
        description: g.description,
        join_approval_mode: g.joinApprovalMode,
        invite_code: g.inviteCode,
        invite_link_active: boolean === 'integer' ? (g.inviteLinkActive ? 1 : 0) : g.inviteLinkActive,
        // A deleted group has no participants left (deleting removes them all).
        participant_count: g.participants.length,
        photo_sha256: g.photoSha256,
        created_at: g.createdAt,
        suspended_at: g.suspendedAt,
        deleted_at: g.deletedAt,
      });
      for (const p of g.participants) {
        rows.participants.push({
          group_pk: groupPk,
          wa_id: p.user.waId,
          joined_at: p.joinedAt,
          user_id: p.user.userId,
          user_json: JSON.stringify(userWire(p.user)),
        });
      }
      for (const r of g.removed)
        rows.removed.push({ group_pk: groupPk, wa_id: r.waId, removed_at: r.removedAt });
      for (const r of g.joinRequests) {
        rows.joinRequests.push({
          seq: requestKeys[requestIndex++] ?? 0,
          group_pk: groupPk,
          join_request_id: r.joinRequestId,
          wa_id: r.user.waId,
          status: r.status,
          created_at: r.createdAt,
          decided_at: r.decidedAt,
          wire_json: joinRequestJson(r.joinRequestId, r.user, r.createdAt),
          user_json: JSON.stringify(userWire(r.user)),
        });
      }
    }
  });
  // Inserted in key order, as they would have been made.
  rows.joinRequests.sort((a, b) => a.seq - b.seq);
  return rows;
}
