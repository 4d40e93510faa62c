/**
 * @module storage/sqlite/sqlite-statements — every statement the SQLite store runs outside the outbox and the page
 * read, prepared once per connection and typed by what it binds and returns. Lists travel as one JSON array
 * (json_each), so a statement's cost does not grow with the number of statements a batch would otherwise need.
 */
import type Database from 'better-sqlite3';
import type { PendingRequest } from '../../domain/decision-plan.js';
import type { NewBusiness, NewGroup } from '../../domain/records.js';
import { GROUP_COLUMNS, type BusinessRow, type GroupRow, type TokenRow } from '../rows.js';

/** The columns a business can be found by. */
export type BusinessKey = 'pk' | 'phone_number_id' | 'waba_id' | 'app_id';

/** What deciding on a join request needs to know of it, under the decision's lock. */
interface JoinFactsRow {
  participantCount: number;
  isParticipant: 0 | 1;
  isRemoved: 0 | 1;
  isPending: 0 | 1;
}

/** A user as stored with a membership or a request: the number, and the user's wire fields (domain/users). */
export interface UserRow {
  waId: string;
  userJson: string;
}

type GroupKeyset = [businessPk: number, key: number, limit: number];

/** The part of a prepared statement the store uses, typed by what it binds and what a row reads as. */
export interface Prepared<Bind extends unknown[], Row> {
  run(...bind: Bind): Database.RunResult;
  get(...bind: Bind): Row | undefined;
  all(...bind: Bind): Row[];
}

export function prepareStatements(db: Database.Database) {
  const prepare = <Bind extends unknown[], Row = never>(sql: string): Prepared<Bind, Row> =>
    db.prepare<Bind, Row>(sql);
  /** A statement whose rows read as their one column's value. */
  const pluck = <Bind extends unknown[], Value>(sql: string): Prepared<Bind, Value> =>
    db.prepare<Bind, Value>(sql).pluck();
  const businessBy = (column: BusinessKey) =>
    prepare<[string], BusinessRow>(`SELECT * FROM businesses WHERE ${column} = ?`);
  return {
    insertBusiness: prepare<[NewBusiness], BusinessRow>(`INSERT INTO businesses
      (waba_id, phone_number_id, phone_digits, display_phone_number, app_id, app_secret, name, created_at)
      VALUES (@wabaId, @phoneNumberId, @phoneDigits, @displayPhoneNumber, @appId, @appSecret, @name, @createdAt)
      RETURNING *`),
    businessBy: {
      pk: businessBy('pk'),
      phone_number_id: businessBy('phone_number_id'),
      waba_id: businessBy('waba_id'),
      app_id: businessBy('app_id'),
    } satisfies Record<BusinessKey, unknown>,
    businessByName: prepare<[string], BusinessRow>(
      'SELECT * FROM businesses WHERE name = ? ORDER BY pk LIMIT 1',
    ),
    setAppSettings: prepare<
      [{ requireProof: number | null; setVersion: number; version: string | null; appId: string }]
    >(
      `UPDATE businesses SET require_appsecret_proof = COALESCE(@requireProof, require_appsecret_proof),
         default_api_version = CASE WHEN @setVersion = 1 THEN @version ELSE default_api_version END
       WHERE app_id = @appId`,
    ),
    businessesAfter: prepare<[afterPk: number, limit: number], BusinessRow>(
      'SELECT * FROM businesses WHERE pk > ? ORDER BY pk LIMIT ?',
    ),
    deleteWebhookSettings: prepare<[appId: string]>('DELETE FROM webhook_settings WHERE app_id = ?'),
    // Cascades to tokens, groups (and their participants, join requests, removed users), outbox rows, attempts.
    deleteBusiness: prepare<[businessPk: number]>('DELETE FROM businesses WHERE pk = ?'),
    setAppSecret: prepare<[appSecret: string, appId: string]>(
      'UPDATE businesses SET app_secret = ? WHERE app_id = ?',
    ),

    insertToken: prepare<[token: string, businessPk: number, createdAt: number, expiresAt: number | null]>(
      'INSERT INTO access_tokens (token, business_pk, created_at, expires_at) VALUES (?, ?, ?, ?)',
    ),
    tokenLookup: prepare<[string], TokenRow>(`SELECT t.expires_at AS token_expires_at,
        t.revoked_at AS token_revoked_at, b.*
      FROM access_tokens t JOIN businesses b ON b.pk = t.business_pk WHERE t.token = ?`),
    revokeToken: prepare<[now: number, token: string]>(
      'UPDATE access_tokens SET revoked_at = ? WHERE token = ? AND revoked_at IS NULL',
    ),
    dataVersion: pluck<[], number>('PRAGMA data_version'),

    countActiveGroups: pluck<[number], number>(
      'SELECT count(*) FROM groups WHERE business_pk = ? AND deleted_at IS NULL',
    ),
    insertGroup: prepare<[NewGroup], GroupRow>(`INSERT INTO groups
      (group_id, group_number, business_pk, request_id, subject, description, join_approval_mode, invite_code,
        created_at)
      VALUES (@groupId, @groupNumber, @businessPk, @requestId, @subject, @description, @joinApprovalMode,
        @inviteCode, @createdAt)
      RETURNING ${GROUP_COLUMNS}`),
    groupById: prepare<[string], GroupRow>(
      `SELECT ${GROUP_COLUMNS} FROM groups WHERE group_id = ? AND deleted_at IS NULL`,
    ),
    groupByInviteCode: prepare<[string], GroupRow>(
      `SELECT ${GROUP_COLUMNS} FROM groups WHERE invite_code = ? AND invite_link_active = 1 AND deleted_at IS NULL`,
    ),
    groupsFirst: prepare<[businessPk: number, limit: number], GroupRow>(`SELECT ${GROUP_COLUMNS} FROM groups
      WHERE business_pk = ? AND deleted_at IS NULL ORDER BY pk DESC LIMIT ?`),
    // Groups list newest first, so "forward" walks down the primary key.
    groupsForward: prepare<GroupKeyset, GroupRow>(`SELECT ${GROUP_COLUMNS} FROM groups
      WHERE business_pk = ? AND deleted_at IS NULL AND pk < ? ORDER BY pk DESC LIMIT ?`),
    groupsBackward: prepare<GroupKeyset, GroupRow>(`SELECT ${GROUP_COLUMNS} FROM groups
      WHERE business_pk = ? AND deleted_at IS NULL AND pk > ? ORDER BY pk ASC LIMIT ?`),
    groupsExistForward: pluck<[businessPk: number, key: number], 1>(
      'SELECT 1 FROM groups WHERE business_pk = ? AND deleted_at IS NULL AND pk < ? LIMIT 1',
    ),
    groupsExistBackward: pluck<[businessPk: number, key: number], 1>(
      'SELECT 1 FROM groups WHERE business_pk = ? AND deleted_at IS NULL AND pk > ? LIMIT 1',
    ),
    updateGroup: prepare<
      [{ groupPk: number; subject: string | null; description: string | null; photoSha256: string | null }],
      GroupRow
    >(`UPDATE groups SET subject = coalesce(@subject, subject),
        description = coalesce(@description, description), photo_sha256 = coalesce(@photoSha256, photo_sha256)
      WHERE pk = @groupPk AND deleted_at IS NULL RETURNING ${GROUP_COLUMNS}`),
    deleteGroup: prepare<[{ groupPk: number; now: number }], GroupRow>(`UPDATE groups
      SET deleted_at = @now, participant_count = 0
      WHERE pk = @groupPk AND deleted_at IS NULL RETURNING ${GROUP_COLUMNS}`),
    setInviteCode: prepare<[{ groupPk: number; code: string | null; active: 0 | 1 }], GroupRow>(`UPDATE groups
      SET invite_code = coalesce(@code, invite_code), invite_link_active = @active
      WHERE pk = @groupPk AND deleted_at IS NULL RETURNING ${GROUP_COLUMNS}`),
    setSuspended: prepare<[{ groupPk: number; suspendedAt: number | null }], GroupRow>(`UPDATE groups
      SET suspended_at = @suspendedAt
      WHERE pk = @groupPk AND deleted_at IS NULL AND (suspended_at IS NULL) = (@suspendedAt IS NOT NULL)
      RETURNING ${GROUP_COLUMNS}`),
    participantCount: pluck<[number], number>('SELECT participant_count FROM groups WHERE pk = ?'),
    addToParticipantCount: prepare<[delta: number, groupPk: number]>(
      'UPDATE groups SET participant_count = participant_count + ? WHERE pk = ?',
    ),

    // CROSS JOIN keeps the ids the outer loop: each id is one index seek, never a scan of the group.
    pendingAmong: prepare<[{ groupPk: number; ids: string }], PendingRequest>(`SELECT r.seq AS key,
        r.join_request_id AS joinRequestId, r.wa_id AS waId, r.user_json AS userJson, r.created_at AS createdAt
      FROM json_each(@ids) AS j
      CROSS JOIN join_requests AS r INDEXED BY join_requests_one_pending
        ON r.group_pk = @groupPk AND r.join_request_id = j.value AND r.status = 'pending'`),
    setStatuses: prepare<
      [{ status: 'approved' | 'rejected'; now: number; seqs: string }]
    >(`UPDATE join_requests
      SET status = @status, decided_at = @now
      WHERE seq IN (SELECT value FROM json_each(@seqs)) AND status = 'pending'`),
    pendingRequester: pluck<[groupPk: number, userId: string], string>(`SELECT wa_id FROM join_requests
      INDEXED BY join_requests_pending_page
      WHERE group_pk = ? AND status = 'pending' AND user_json ->> '$.user_id' = ? LIMIT 1`),
    cancelPending: prepare<
      [now: number, groupPk: number, joinRequestId: string],
      UserRow & { joinRequestId: string }
    >(
      `UPDATE join_requests SET status = 'revoked', decided_at = ?
        WHERE group_pk = ? AND join_request_id = ? AND status = 'pending'
        RETURNING join_request_id AS joinRequestId, wa_id AS waId, user_json AS userJson`,
    ),
    joinFacts: prepare<[{ groupPk: number; waId: string; joinRequestId: string }], JoinFactsRow>(`SELECT
        participant_count AS participantCount,
        EXISTS (SELECT 1 FROM participants WHERE group_pk = @groupPk AND wa_id = @waId) AS isParticipant,
        EXISTS (SELECT 1 FROM removed_participants WHERE group_pk = @groupPk AND wa_id = @waId) AS isRemoved,
        EXISTS (SELECT 1 FROM join_requests
                WHERE group_pk = @groupPk AND join_request_id = @joinRequestId AND status = 'pending') AS isPending
      FROM groups WHERE pk = @groupPk`),
    insertJoinRequest: prepare<
      [
        {
          groupPk: number;
          joinRequestId: string;
          waId: string;
          userJson: string;
          now: number;
          wireJson: string;
        },
      ]
    >(`INSERT INTO join_requests (group_pk, join_request_id, wa_id, user_json, status, created_at, wire_json)
      VALUES (@groupPk, @joinRequestId, @waId, @userJson, 'pending', @now, @wireJson)`),

    participants: prepare<[number], UserRow>(
      'SELECT wa_id AS waId, user_json AS userJson FROM participants WHERE group_pk = ? ORDER BY joined_at, wa_id',
    ),
    // Participants named by number or by BSUID; each IN list is a seek per value on its index.
    participantsAmong: prepare<[{ groupPk: number; waIds: string; userIds: string }], UserRow>(`SELECT
        wa_id AS waId, user_json AS userJson FROM participants
        WHERE group_pk = @groupPk AND wa_id IN (SELECT value FROM json_each(@waIds))
      UNION SELECT wa_id AS waId, user_json AS userJson FROM participants INDEXED BY participants_by_user_id
        WHERE group_pk = @groupPk AND user_id IN (SELECT value FROM json_each(@userIds))`),
    /** `users`: a JSON array of `{waId, userId, userJson}`. */
    insertParticipants: prepare<[{ groupPk: number; now: number; users: string }]>(`INSERT INTO participants
      (group_pk, wa_id, user_id, user_json, joined_at)
      SELECT @groupPk, value ->> '$.waId', value ->> '$.userId', value ->> '$.userJson', @now
      FROM json_each(@users)`),
    removeParticipants: prepare<[{ groupPk: number; waIds: string }]>(`DELETE FROM participants
      WHERE group_pk = @groupPk AND wa_id IN (SELECT value FROM json_each(@waIds))`),
    deleteParticipants: prepare<[number]>('DELETE FROM participants WHERE group_pk = ?'),
    banParticipants: prepare<[{ groupPk: number; now: number; waIds: string }]>(`INSERT OR REPLACE INTO
      removed_participants (group_pk, wa_id, removed_at) SELECT @groupPk, value, @now FROM json_each(@waIds)`),
  };
}

export type SqliteStatements = ReturnType<typeof prepareStatements>;
