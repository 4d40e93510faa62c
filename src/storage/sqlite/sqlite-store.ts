/**
 * @module storage/sqlite/sqlite-store — the embedded default backend (better-sqlite3). The driver is
 * synchronous, so each Store method runs to completion on the event loop and every write is one IMMEDIATE
 * transaction: atomic within this process, and serialised against other processes sharing the file.
 */
import Database from 'better-sqlite3';
import type { JoinApprovalMode } from '../../contract/groups.js';
import {
  StoreConflictError,
  type BusinessRecord,
  type Decision,
  type DecideOptions,
  type DecisionOutcome,
  type GroupRecord,
  type JoinInput,
  type JoinOutcome,
  type KeysetPage,
  type KeysetQuery,
  type NewAccessToken,
  type NewBusiness,
  type NewGroup,
  type PendingJoinRequest,
  type Store,
  type TokenLookup,
} from '../store.js';
import { SQLITE_MIGRATIONS } from './sqlite-migrations.js';

export interface SqliteStoreOptions {
  /** A file path, or ':memory:' for a throwaway store. */
  path: string;
}

interface BusinessRow {
  pk: number;
  waba_id: string;
  phone_number_id: string;
  phone_digits: string;
  display_phone_number: string;
  app_id: string;
  app_secret: string;
  name: string;
  created_at: number;
}

interface GroupRow {
  pk: number;
  group_id: string;
  group_number: string;
  business_pk: number;
  request_id: string;
  subject: string;
  description: string;
  join_approval_mode: JoinApprovalMode;
  invite_code: string;
  participant_count: number;
  created_at: number;
}

interface JoinRequestRow {
  seq: number;
  join_request_id: string;
  wa_id: string;
  created_at: number;
}

function toBusiness(row: BusinessRow): BusinessRecord {
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
  };
}

function toGroup(row: GroupRow): GroupRecord {
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
    participantCount: row.participant_count,
    createdAt: row.created_at,
  };
}

function toPendingJoinRequest(row: JoinRequestRow): PendingJoinRequest {
  return { key: row.seq, joinRequestId: row.join_request_id, waId: row.wa_id, createdAt: row.created_at };
}

function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof Database.SqliteError &&
    (error.code === 'SQLITE_CONSTRAINT_UNIQUE' || error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
  );
}

const GROUP_COLUMNS = `pk, group_id, group_number, business_pk, request_id, subject, description,
  join_approval_mode, invite_code, participant_count, created_at`;
const PENDING_COLUMNS = 'seq, join_request_id, wa_id, created_at';

export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const db = new Database(options.path);
  db.pragma('journal_mode = WAL');
  // NORMAL is durable across application crashes in WAL mode; only an OS crash can lose the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return new SqliteStore(db);
}

function migrate(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied = new Set(
    db
      .prepare('SELECT version FROM schema_migrations')
      .pluck()
      .all()
      .map((v) => Number(v)),
  );
  const apply = db.transaction((version: number, name: string, sql: string) => {
    db.exec(sql);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
      version,
      name,
      Math.floor(Date.now() / 1000),
    );
  });
  for (const m of SQLITE_MIGRATIONS) {
    if (!applied.has(m.version)) apply.immediate(m.version, m.name, m.sql);
  }
}

/** Reads one keyset page: `limit + 1` rows in page order tell whether another page follows. */
function readKeysetPage<Row, Item>(
  query: KeysetQuery,
  fetch: (direction: 'forward' | 'backward', key: number | undefined, limit: number) => Row[],
  exists: (direction: 'forward' | 'backward', key: number) => boolean,
  keyOf: (row: Row) => number,
  map: (row: Row) => Item,
): KeysetPage<Item> {
  const backward = query.before !== undefined;
  const rows = fetch(
    backward ? 'backward' : 'forward',
    backward ? query.before : query.after,
    query.limit + 1,
  );
  const more = rows.length > query.limit;
  if (more) rows.pop();
  if (backward) rows.reverse();
  const first = rows[0];
  const last = rows[rows.length - 1];
  if (backward) {
    const hasNext =
      last !== undefined ? exists('forward', keyOf(last)) : exists('forward', query.before ?? 0);
    return { items: rows.map(map), hasNext, hasPrevious: more };
  }
  const hasPrevious =
    query.after === undefined
      ? false
      : exists('backward', first !== undefined ? keyOf(first) : query.after + 1);
  return { items: rows.map(map), hasNext: more, hasPrevious };
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly #db: Database.Database;
  readonly #statements;
  readonly #decide;
  readonly #join;
  readonly #createGroup;

  constructor(db: Database.Database) {
    this.#db = db;
    const s = {
      insertBusiness: db.prepare(`INSERT INTO businesses
        (waba_id, phone_number_id, phone_digits, display_phone_number, app_id, app_secret, name, created_at)
        VALUES (@wabaId, @phoneNumberId, @phoneDigits, @displayPhoneNumber, @appId, @appSecret, @name, @createdAt)
        RETURNING *`),
      businessByPhoneNumberId: db.prepare('SELECT * FROM businesses WHERE phone_number_id = ?'),
      businessByWabaId: db.prepare('SELECT * FROM businesses WHERE waba_id = ?'),
      businessByName: db.prepare('SELECT * FROM businesses WHERE name = ? ORDER BY pk LIMIT 1'),
      insertToken: db.prepare(`INSERT INTO access_tokens (token, business_pk, created_at, expires_at)
        VALUES (?, ?, ?, ?)`),
      tokenLookup: db.prepare(`SELECT t.expires_at AS token_expires_at, t.revoked_at AS token_revoked_at, b.*
        FROM access_tokens t JOIN businesses b ON b.pk = t.business_pk WHERE t.token = ?`),
      revokeToken: db.prepare(
        'UPDATE access_tokens SET revoked_at = ? WHERE token = ? AND revoked_at IS NULL',
      ),
      countActiveGroups: db
        .prepare('SELECT count(*) FROM groups WHERE business_pk = ? AND deleted_at IS NULL')
        .pluck(),
      insertGroup: db.prepare(`INSERT INTO groups
        (group_id, group_number, business_pk, request_id, subject, description, join_approval_mode, invite_code, created_at)
        VALUES (@groupId, @groupNumber, @businessPk, @requestId, @subject, @description, @joinApprovalMode, @inviteCode, @createdAt)
        RETURNING ${GROUP_COLUMNS}`),
      groupById: db.prepare(`SELECT ${GROUP_COLUMNS} FROM groups WHERE group_id = ? AND deleted_at IS NULL`),
      groupByInviteCode: db.prepare(
        `SELECT ${GROUP_COLUMNS} FROM groups WHERE invite_code = ? AND deleted_at IS NULL`,
      ),
      groupsFirst: db.prepare(`SELECT ${GROUP_COLUMNS} FROM groups
        WHERE business_pk = ? AND deleted_at IS NULL ORDER BY pk DESC LIMIT ?`),
      // Groups list newest first, so "forward" walks down the primary key.
      groupsForward: db.prepare(`SELECT ${GROUP_COLUMNS} FROM groups
        WHERE business_pk = ? AND deleted_at IS NULL AND pk < ? ORDER BY pk DESC LIMIT ?`),
      groupsBackward: db.prepare(`SELECT ${GROUP_COLUMNS} FROM groups
        WHERE business_pk = ? AND deleted_at IS NULL AND pk > ? ORDER BY pk ASC LIMIT ?`),
      groupsExistForward: db
        .prepare('SELECT 1 FROM groups WHERE business_pk = ? AND deleted_at IS NULL AND pk < ? LIMIT 1')
        .pluck(),
      groupsExistBackward: db
        .prepare('SELECT 1 FROM groups WHERE business_pk = ? AND deleted_at IS NULL AND pk > ? LIMIT 1')
        .pluck(),
      pendingFirst: db.prepare(`SELECT ${PENDING_COLUMNS} FROM join_requests
        WHERE group_pk = ? AND status = 'pending' ORDER BY seq ASC LIMIT ?`),
      pendingForward: db.prepare(`SELECT ${PENDING_COLUMNS} FROM join_requests
        WHERE group_pk = ? AND status = 'pending' AND seq > ? ORDER BY seq ASC LIMIT ?`),
      pendingBackward: db.prepare(`SELECT ${PENDING_COLUMNS} FROM join_requests
        WHERE group_pk = ? AND status = 'pending' AND seq < ? ORDER BY seq DESC LIMIT ?`),
      pendingExistForward: db
        .prepare(`SELECT 1 FROM join_requests WHERE group_pk = ? AND status = 'pending' AND seq > ? LIMIT 1`)
        .pluck(),
      pendingExistBackward: db
        .prepare(`SELECT 1 FROM join_requests WHERE group_pk = ? AND status = 'pending' AND seq < ? LIMIT 1`)
        .pluck(),
      pendingById: db.prepare(`SELECT seq, wa_id FROM join_requests
        WHERE group_pk = ? AND join_request_id = ? AND status = 'pending'`),
      pendingByUser: db.prepare(`SELECT seq, join_request_id FROM join_requests
        WHERE group_pk = ? AND wa_id = ? AND status = 'pending'`),
      setStatus: db.prepare(
        `UPDATE join_requests SET status = ?, decided_at = ? WHERE seq = ? AND status = 'pending'`,
      ),
      insertJoinRequest:
        db.prepare(`INSERT INTO join_requests (group_pk, join_request_id, wa_id, status, created_at)
        VALUES (?, ?, ?, 'pending', ?)`),
      participantCount: db.prepare('SELECT participant_count FROM groups WHERE pk = ?').pluck(),
      isParticipant: db.prepare('SELECT 1 FROM participants WHERE group_pk = ? AND wa_id = ?').pluck(),
      insertParticipant: db.prepare('INSERT INTO participants (group_pk, wa_id, joined_at) VALUES (?, ?, ?)'),
      addToParticipantCount: db.prepare(
        'UPDATE groups SET participant_count = participant_count + ? WHERE pk = ?',
      ),
      participants: db
        .prepare('SELECT wa_id FROM participants WHERE group_pk = ? ORDER BY joined_at, wa_id')
        .pluck(),
    };
    this.#statements = s;

    this.#createGroup = db.transaction((group: NewGroup, maxGroups: number): GroupRow | 'limit_reached' => {
      if (Number(s.countActiveGroups.get(group.businessPk)) >= maxGroups) return 'limit_reached';
      return s.insertGroup.get(group) as GroupRow;
    });

    this.#decide = db.transaction(
      (
        groupPk: number,
        ids: readonly string[],
        decision: Decision,
        options: DecideOptions,
      ): DecisionOutcome[] => {
        const outcomes: DecisionOutcome[] = [];
        let participants = decision === 'approve' ? Number(s.participantCount.get(groupPk)) : 0;
        let added = 0;
        for (const joinRequestId of ids) {
          const pending = s.pendingById.get(groupPk, joinRequestId) as
            { seq: number; wa_id: string } | undefined;
          if (pending === undefined) {
            outcomes.push({ joinRequestId, result: 'not_pending' });
            continue;
          }
          if (decision === 'approve') {
            // A full group leaves the request pending: it can still be approved once someone leaves.
            if (participants >= options.maxParticipants) {
              outcomes.push({ joinRequestId, result: 'group_full' });
              continue;
            }
            s.setStatus.run('approved', options.now, pending.seq);
            s.insertParticipant.run(groupPk, pending.wa_id, options.now);
            participants++;
            added++;
          } else {
            s.setStatus.run('rejected', options.now, pending.seq);
          }
          outcomes.push({ joinRequestId, result: 'decided', waId: pending.wa_id });
        }
        if (added > 0) s.addToParticipantCount.run(added, groupPk);
        return outcomes;
      },
    );

    this.#join = db.transaction((group: GroupRecord, input: JoinInput): JoinOutcome => {
      if (s.isParticipant.get(group.pk, input.waId) !== undefined) return { status: 'already_participant' };
      if (group.joinApprovalMode === 'approval_required') {
        const existing = s.pendingByUser.get(group.pk, input.waId) as { join_request_id: string } | undefined;
        if (existing !== undefined) {
          return { status: 'requested', joinRequestId: existing.join_request_id, created: false };
        }
        s.insertJoinRequest.run(group.pk, input.joinRequestId, input.waId, input.now);
        return { status: 'requested', joinRequestId: input.joinRequestId, created: true };
      }
      if (Number(s.participantCount.get(group.pk)) >= input.maxParticipants) return { status: 'group_full' };
      s.insertParticipant.run(group.pk, input.waId, input.now);
      s.addToParticipantCount.run(1, group.pk);
      return { status: 'joined' };
    });
  }

  async createBusiness(business: NewBusiness): Promise<BusinessRecord> {
    try {
      return toBusiness(this.#statements.insertBusiness.get(business) as BusinessRow);
    } catch (error) {
      if (isUniqueViolation(error)) throw new StoreConflictError('business identifiers already taken');
      throw error;
    }
  }

  async findBusinessByPhoneNumberId(phoneNumberId: string): Promise<BusinessRecord | undefined> {
    const row = this.#statements.businessByPhoneNumberId.get(phoneNumberId) as BusinessRow | undefined;
    return row && toBusiness(row);
  }

  async findBusinessByWabaId(wabaId: string): Promise<BusinessRecord | undefined> {
    const row = this.#statements.businessByWabaId.get(wabaId) as BusinessRow | undefined;
    return row && toBusiness(row);
  }

  async findBusinessByName(name: string): Promise<BusinessRecord | undefined> {
    const row = this.#statements.businessByName.get(name) as BusinessRow | undefined;
    return row && toBusiness(row);
  }

  async createAccessToken(token: NewAccessToken): Promise<void> {
    try {
      this.#statements.insertToken.run(token.token, token.businessPk, token.createdAt, token.expiresAt);
    } catch (error) {
      if (isUniqueViolation(error)) throw new StoreConflictError('access token already exists');
      throw error;
    }
  }

  async findAccessToken(token: string): Promise<TokenLookup | undefined> {
    const row = this.#statements.tokenLookup.get(token) as
      (BusinessRow & { token_expires_at: number | null; token_revoked_at: number | null }) | undefined;
    if (row === undefined) return undefined;
    return { business: toBusiness(row), expiresAt: row.token_expires_at, revokedAt: row.token_revoked_at };
  }

  async revokeAccessToken(token: string, now: number): Promise<boolean> {
    return this.#statements.revokeToken.run(now, token).changes > 0;
  }

  async createGroup(group: NewGroup, maxGroups: number): Promise<GroupRecord | 'limit_reached'> {
    try {
      const row = this.#createGroup.immediate(group, maxGroups);
      return row === 'limit_reached' ? row : toGroup(row);
    } catch (error) {
      if (isUniqueViolation(error)) throw new StoreConflictError('group identifiers already taken');
      throw error;
    }
  }

  async findGroupById(groupId: string): Promise<GroupRecord | undefined> {
    const row = this.#statements.groupById.get(groupId) as GroupRow | undefined;
    return row && toGroup(row);
  }

  async findGroupByInviteCode(inviteCode: string): Promise<GroupRecord | undefined> {
    const row = this.#statements.groupByInviteCode.get(inviteCode) as GroupRow | undefined;
    return row && toGroup(row);
  }

  async listGroups(businessPk: number, query: KeysetQuery): Promise<KeysetPage<GroupRecord>> {
    const s = this.#statements;
    return readKeysetPage(
      query,
      (direction, key, limit) =>
        (key === undefined
          ? s.groupsFirst.all(businessPk, limit)
          : (direction === 'forward' ? s.groupsForward : s.groupsBackward).all(
              businessPk,
              key,
              limit,
            )) as GroupRow[],
      (direction, key) =>
        (direction === 'forward' ? s.groupsExistForward : s.groupsExistBackward).get(businessPk, key) !==
        undefined,
      (row) => row.pk,
      toGroup,
    );
  }

  async listPendingJoinRequests(
    groupPk: number,
    query: KeysetQuery,
  ): Promise<KeysetPage<PendingJoinRequest>> {
    const s = this.#statements;
    return readKeysetPage(
      query,
      (direction, key, limit) =>
        (key === undefined
          ? s.pendingFirst.all(groupPk, limit)
          : (direction === 'forward' ? s.pendingForward : s.pendingBackward).all(
              groupPk,
              key,
              limit,
            )) as JoinRequestRow[],
      (direction, key) =>
        (direction === 'forward' ? s.pendingExistForward : s.pendingExistBackward).get(groupPk, key) !==
        undefined,
      (row) => row.seq,
      toPendingJoinRequest,
    );
  }

  async decideJoinRequests(
    groupPk: number,
    joinRequestIds: readonly string[],
    decision: Decision,
    options: DecideOptions,
  ): Promise<DecisionOutcome[]> {
    return this.#decide.immediate(groupPk, joinRequestIds, decision, options);
  }

  async requestToJoin(group: GroupRecord, input: JoinInput): Promise<JoinOutcome> {
    return this.#join.immediate(group, input);
  }

  async cancelJoinRequest(groupPk: number, waId: string, now: number): Promise<string | undefined> {
    const row = this.#db
      .prepare(
        `UPDATE join_requests SET status = 'revoked', decided_at = ?
        WHERE group_pk = ? AND wa_id = ? AND status = 'pending' RETURNING join_request_id`,
      )
      .pluck()
      .get(now, groupPk, waId);
    return typeof row === 'string' ? row : undefined;
  }

  async listParticipants(groupPk: number): Promise<string[]> {
    return this.#statements.participants.all(groupPk) as string[];
  }

  async reset(): Promise<void> {
    this.#db
      .transaction(() => {
        for (const table of ['join_requests', 'participants', 'groups', 'access_tokens', 'businesses']) {
          this.#db.exec(`DELETE FROM ${table}`);
        }
      })
      .immediate();
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}
