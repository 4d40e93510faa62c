/**
 * @module storage/sqlite/sqlite-store — the embedded default backend (better-sqlite3). The driver is
 * synchronous, so each Store method runs to completion on the event loop and every write is one IMMEDIATE
 * transaction: atomic within this process, and serialised against other processes sharing the file.
 */
import Database from 'better-sqlite3';
import {
  StoreConflictError,
  type BusinessRecord,
  type Decision,
  type DecideOptions,
  type DecisionOutcome,
  type AttemptVerdict,
  type ClaimedWebhookEvent,
  type EventsFor,
  type GroupPatch,
  type GroupRecord,
  type RemovalOutcome,
  type RemoveOptions,
  type WebhookAttempt,
  type WebhookEventFilter,
  type WebhookEventRecord,
  type WebhookSettings,
  type JoinInput,
  type JoinOutcome,
  type KeysetPage,
  type KeysetQuery,
  type NewAccessToken,
  type NewBusiness,
  type NewGroup,
  type RenderedJoinRequestPage,
  type Store,
  type TokenLookup,
} from '../store.js';
import { GroupCache, RecordCache } from '../record-cache.js';
import { ReadBatcher } from '../read-batcher.js';
import {
  preparePageReader,
  toRenderedPage,
  type PageInput,
  type PageReader,
  type RenderedPageRow,
} from './page-queries.js';
import { PageWorker } from './page-worker-client.js';
import { GroupCommit } from './group-commit.js';
import { SqliteOutbox } from './sqlite-outbox.js';
import { SQLITE_MIGRATIONS } from './sqlite-migrations.js';
import { HEALTH_PROBE_SQL } from '../health-probe.js';
import { toBusiness, toGroup, type BusinessRow, type GroupRow } from '../rows.js';

export interface SqliteStoreOptions {
  /** A file path, or ':memory:' for a throwaway store. */
  path: string;
  /**
   * Keep tokens and groups in memory: they are read on every call and almost never change. Writes through this
   * store forget what they change; a commit by any other connection (another process on the same file, a sqlite3
   * shell) empties the caches before their next use (`PRAGMA data_version`). @default false
   */
  cacheRecords?: boolean;
  /** Read join-request pages on a worker thread (see page-worker-client). File databases only. @default false */
  readWorker?: boolean;
}

const CACHE_ENTRIES = 20_000;

function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof Database.SqliteError &&
    (error.code === 'SQLITE_CONSTRAINT_UNIQUE' || error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
  );
}

const GROUP_COLUMNS = `pk, group_id, group_number, business_pk, request_id, subject, description,
  join_approval_mode, invite_code, invite_link_active, participant_count, created_at, suspended_at`;

export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const db = new Database(options.path);
  db.pragma('journal_mode = WAL');
  // NORMAL is durable across application crashes in WAL mode; only an OS crash can lose the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Savepoints (one per operation in a group commit) journal to a temp file unless temp storage is in memory:
  // that was a sixth of an approval's cost in pwrite calls (perf).
  db.pragma('temp_store = MEMORY');
  migrate(db);
  return new SqliteStore(db, {
    cacheRecords: options.cacheRecords === true,
    // An in-memory database is private to its connection: a worker could not open it.
    pageWorkerPath: options.readWorker === true && !db.memory ? options.path : undefined,
  });
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
  readonly #decide: GroupCommit<
    [number, readonly string[], Decision, DecideOptions, EventsFor<DecisionOutcome[]>],
    DecisionOutcome[]
  >;
  readonly #join;
  readonly #createGroup;
  readonly #outbox: SqliteOutbox;
  readonly #changeGroupRow;
  readonly #cancel;
  readonly #remove;
  readonly #tokens: RecordCache<string, TokenLookup> | undefined;
  readonly #groups: GroupCache | undefined;

  readonly #readPage: PageReader;
  /** The file the page worker reads, when there is to be one; it starts with the first page read. */
  readonly #pageWorkerPath: string | undefined;
  #pageWorker: PageWorker | undefined;
  readonly #pageReads: ReadBatcher<PageInput, RenderedPageRow>;
  /** `PRAGMA data_version` when the caches were last known current; it moves only on other connections' commits. */
  #dataVersion = 0;
  #cachesCheckedThisTurn = false;

  constructor(
    db: Database.Database,
    options: { cacheRecords: boolean; pageWorkerPath: string | undefined } = {
      cacheRecords: false,
      pageWorkerPath: undefined,
    },
  ) {
    this.#db = db;
    const outbox = new SqliteOutbox(db);
    this.#outbox = outbox;
    if (options.cacheRecords) {
      this.#tokens = new RecordCache(CACHE_ENTRIES);
      this.#groups = new GroupCache(CACHE_ENTRIES);
    }
    this.#readPage = preparePageReader(db);
    this.#pageWorkerPath = options.pageWorkerPath;
    // Two batches out at once: one being read while the next one travels.
    this.#pageReads = new ReadBatcher((inputs) => this.#readPagesOnWorker(inputs), {
      maxInFlight: 2,
      maxBatch: 100,
    });
    const s = {
      insertBusiness: db.prepare(`INSERT INTO businesses
        (waba_id, phone_number_id, phone_digits, display_phone_number, app_id, app_secret, name, created_at)
        VALUES (@wabaId, @phoneNumberId, @phoneDigits, @displayPhoneNumber, @appId, @appSecret, @name, @createdAt)
        RETURNING *`),
      businessByPhoneNumberId: db.prepare('SELECT * FROM businesses WHERE phone_number_id = ?'),
      businessByWabaId: db.prepare('SELECT * FROM businesses WHERE waba_id = ?'),
      businessByAppId: db.prepare('SELECT * FROM businesses WHERE app_id = ?'),
      businessByName: db.prepare('SELECT * FROM businesses WHERE name = ? ORDER BY pk LIMIT 1'),
      insertToken: db.prepare(`INSERT INTO access_tokens (token, business_pk, created_at, expires_at)
        VALUES (?, ?, ?, ?)`),
      dataVersion: db.prepare('PRAGMA data_version').pluck(),
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
        `SELECT ${GROUP_COLUMNS} FROM groups WHERE invite_code = ? AND invite_link_active = 1 AND deleted_at IS NULL`,
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
      pendingById: db
        .prepare(
          `SELECT 1 FROM join_requests WHERE group_pk = ? AND join_request_id = ? AND status = 'pending'`,
        )
        .pluck(),
      cancelPending: db
        .prepare(
          `UPDATE join_requests SET status = 'revoked', decided_at = ?
           WHERE group_pk = ? AND join_request_id = ? AND status = 'pending' RETURNING join_request_id`,
        )
        .pluck(),
      pendingAmong: db.prepare(`SELECT r.seq, r.join_request_id, r.wa_id
        FROM json_each(@ids) AS j
        CROSS JOIN join_requests AS r INDEXED BY join_requests_one_pending
          ON r.group_pk = @groupPk AND r.join_request_id = j.value AND r.status = 'pending'`),
      setStatuses: db.prepare(`UPDATE join_requests SET status = @status, decided_at = @now
        WHERE seq IN (SELECT value FROM json_each(@seqs)) AND status = 'pending'`),
      insertParticipants: db.prepare(`INSERT INTO participants (group_pk, wa_id, joined_at)
        SELECT @groupPk, value, @now FROM json_each(@waIds)`),
      insertJoinRequest: db.prepare(`INSERT INTO join_requests
        (group_pk, join_request_id, wa_id, status, created_at, wire_json)
        VALUES (@groupPk, @joinRequestId, @waId, 'pending', @now,
          json_object('join_request_id', @joinRequestId, 'wa_id', @waId, 'creation_timestamp', CAST(@now AS INTEGER)))`),
      participantCount: db.prepare('SELECT participant_count FROM groups WHERE pk = ?').pluck(),
      isParticipant: db.prepare('SELECT 1 FROM participants WHERE group_pk = ? AND wa_id = ?').pluck(),
      insertParticipant: db.prepare('INSERT INTO participants (group_pk, wa_id, joined_at) VALUES (?, ?, ?)'),
      addToParticipantCount: db.prepare(
        'UPDATE groups SET participant_count = participant_count + ? WHERE pk = ?',
      ),
      participants: db
        .prepare('SELECT wa_id FROM participants WHERE group_pk = ? ORDER BY joined_at, wa_id')
        .pluck(),
      isRemoved: db.prepare('SELECT 1 FROM removed_participants WHERE group_pk = ? AND wa_id = ?').pluck(),
      groupByPk: db.prepare(`SELECT ${GROUP_COLUMNS} FROM groups WHERE pk = ? AND deleted_at IS NULL`),
      updateGroup: db.prepare(`UPDATE groups SET subject = coalesce(@subject, subject),
          description = coalesce(@description, description), photo_sha256 = coalesce(@photoSha256, photo_sha256)
        WHERE pk = @groupPk AND deleted_at IS NULL RETURNING ${GROUP_COLUMNS}`),
      deleteGroup: db.prepare(`UPDATE groups SET deleted_at = @now, participant_count = 0
        WHERE pk = @groupPk AND deleted_at IS NULL RETURNING ${GROUP_COLUMNS}`),
      deleteParticipants: db.prepare('DELETE FROM participants WHERE group_pk = ?'),
      setInviteCode: db.prepare(`UPDATE groups SET invite_code = coalesce(@code, invite_code),
          invite_link_active = @active
        WHERE pk = @groupPk AND deleted_at IS NULL RETURNING ${GROUP_COLUMNS}`),
      setSuspended: db.prepare(`UPDATE groups SET suspended_at = @suspendedAt
        WHERE pk = @groupPk AND deleted_at IS NULL AND (suspended_at IS NULL) = (@suspendedAt IS NOT NULL)
        RETURNING ${GROUP_COLUMNS}`),
      removeParticipants: db
        .prepare(
          `DELETE FROM participants WHERE group_pk = @groupPk AND wa_id IN (SELECT value FROM json_each(@waIds))
           RETURNING wa_id`,
        )
        .pluck(),
      setAppSecret: db.prepare('UPDATE businesses SET app_secret = ? WHERE app_id = ?'),
      banParticipants: db.prepare(`INSERT OR REPLACE INTO removed_participants (group_pk, wa_id, removed_at)
        SELECT @groupPk, value, @now FROM json_each(@waIds)`),
    };
    this.#statements = s;

    this.#createGroup = db.transaction(
      (group: NewGroup, maxGroups: number, events: EventsFor<GroupRecord>): GroupRecord | 'limit_reached' => {
        if (Number(s.countActiveGroups.get(group.businessPk)) >= maxGroups) return 'limit_reached';
        const created = toGroup(s.insertGroup.get(group) as GroupRow);
        outbox.append(events(created));
        return created;
      },
    );

    // One transaction for any change to a group row that reports itself: the row changes, then its events.
    this.#changeGroupRow = db.transaction(
      (change: () => GroupRow | undefined, events: EventsFor<GroupRecord>): GroupRecord | undefined => {
        const row = change();
        if (row === undefined) return undefined;
        const group = toGroup(row);
        outbox.append(events(group));
        return group;
      },
    );

    this.#cancel = db.transaction(
      (groupPk: number, joinRequestId: string, now: number, events: EventsFor<string>) => {
        const id = s.cancelPending.get(now, groupPk, joinRequestId);
        if (typeof id !== 'string') return undefined;
        outbox.append(events(id));
        return id;
      },
    );

    this.#remove = db.transaction(
      (
        groupPk: number,
        waIds: readonly string[],
        options: RemoveOptions,
        events: EventsFor<RemovalOutcome[]>,
      ): RemovalOutcome[] => {
        const list = JSON.stringify(waIds);
        const removed = new Set(s.removeParticipants.all({ groupPk, waIds: list }) as string[]);
        if (removed.size > 0) s.addToParticipantCount.run(-removed.size, groupPk);
        if (options.ban) s.banParticipants.run({ groupPk, waIds: list, now: options.now });
        const outcomes = waIds.map((waId): RemovalOutcome =>
          removed.has(waId) ? { waId, result: 'removed' } : { waId, result: 'not_participant' },
        );
        outbox.append(events(outcomes));
        return outcomes;
      },
    );

    // Deciding runs a fixed number of statements whatever the batch size: the ids travel as one JSON array
    // (json_each; CROSS JOIN keeps it the outer loop, so each id is one index seek, never a scan of the group)
    // and the cap is applied in between, in request order. Measured: a 10-id approval went from 31
    // statements to 4.
    this.#decide = new GroupCommit(
      db,
      db.transaction(
        (
          groupPk: number,
          ids: readonly string[],
          decision: Decision,
          options: DecideOptions,
          events: EventsFor<DecisionOutcome[]>,
        ): DecisionOutcome[] => {
          const pending = new Map<string, { seq: number; wa_id: string }>();
          for (const row of s.pendingAmong.all({ groupPk, ids: JSON.stringify(ids) }) as {
            seq: number;
            join_request_id: string;
            wa_id: string;
          }[]) {
            pending.set(row.join_request_id, row);
          }
          let room =
            decision === 'approve'
              ? options.maxParticipants - Number(s.participantCount.get(groupPk))
              : Infinity;
          const outcomes: DecisionOutcome[] = [];
          const seqs: number[] = [];
          const waIds: string[] = [];
          for (const joinRequestId of ids) {
            const request = pending.get(joinRequestId);
            if (request === undefined) {
              outcomes.push({ joinRequestId, result: 'not_pending' });
            } else if (room <= 0) {
              // A full group leaves the request pending: it can still be approved once someone leaves.
              outcomes.push({ joinRequestId, result: 'group_full' });
            } else {
              room--;
              seqs.push(request.seq);
              waIds.push(request.wa_id);
              outcomes.push({ joinRequestId, result: 'decided', waId: request.wa_id });
            }
          }
          if (seqs.length === 0) return outcomes;
          const status = decision === 'approve' ? 'approved' : 'rejected';
          s.setStatuses.run({ status, now: options.now, seqs: JSON.stringify(seqs) });
          if (decision === 'approve') {
            s.insertParticipants.run({ groupPk, now: options.now, waIds: JSON.stringify(waIds) });
            s.addToParticipantCount.run(waIds.length, groupPk);
          }
          outbox.append(events(outcomes));
          return outcomes;
        },
      ),
    );

    const join = (group: GroupRecord, input: JoinInput): JoinOutcome => {
      if (s.isParticipant.get(group.pk, input.waId) !== undefined) return { status: 'already_participant' };
      if (s.isRemoved.get(group.pk, input.waId) !== undefined) return { status: 'removed' };
      if (group.joinApprovalMode === 'approval_required') {
        if (s.pendingById.get(group.pk, input.joinRequestId) !== undefined) {
          return { status: 'requested', joinRequestId: input.joinRequestId, created: false };
        }
        s.insertJoinRequest.run({
          groupPk: group.pk,
          joinRequestId: input.joinRequestId,
          waId: input.waId,
          now: input.now,
        });
        return { status: 'requested', joinRequestId: input.joinRequestId, created: true };
      }
      if (Number(s.participantCount.get(group.pk)) >= input.maxParticipants) return { status: 'group_full' };
      s.insertParticipant.run(group.pk, input.waId, input.now);
      s.addToParticipantCount.run(1, group.pk);
      return { status: 'joined' };
    };
    this.#join = db.transaction(
      (group: GroupRecord, input: JoinInput, events: EventsFor<JoinOutcome>): JoinOutcome => {
        const outcome = join(group, input);
        outbox.append(events(outcome));
        return outcome;
      },
    );
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

  async findBusinessByAppId(appId: string): Promise<BusinessRecord | undefined> {
    const row = this.#statements.businessByAppId.get(appId) as BusinessRow | undefined;
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

  /**
   * Empties the caches when another connection has committed since they were last known current. Checked at most
   * once per event-loop turn (2.4 µs a check, measured): every lookup in a turn then sees the file as it was when
   * the turn began, and a commit by another process is seen from the next turn on.
   */
  #checkCaches(): void {
    if (this.#tokens === undefined || this.#db.memory || this.#cachesCheckedThisTurn) return;
    this.#cachesCheckedThisTurn = true;
    setImmediate(() => (this.#cachesCheckedThisTurn = false));
    const version = this.#statements.dataVersion.get() as number;
    if (version === this.#dataVersion) return;
    this.#dataVersion = version;
    this.#tokens.clear();
    this.#groups?.clear();
  }

  async findAccessToken(token: string): Promise<TokenLookup | undefined> {
    this.#checkCaches();
    const cached = this.#tokens?.get(token);
    if (cached !== undefined) return cached;
    const row = this.#statements.tokenLookup.get(token) as
      (BusinessRow & { token_expires_at: number | null; token_revoked_at: number | null }) | undefined;
    if (row === undefined) return undefined;
    const found = {
      business: toBusiness(row),
      expiresAt: row.token_expires_at,
      revokedAt: row.token_revoked_at,
    };
    // Unknown tokens are not cached: a client guessing tokens must not be able to fill the cache.
    this.#tokens?.set(token, found);
    return found;
  }

  async revokeAccessToken(token: string, now: number): Promise<boolean> {
    this.#tokens?.delete(token);
    return this.#statements.revokeToken.run(now, token).changes > 0;
  }

  async createGroup(
    group: NewGroup,
    maxGroups: number,
    events: EventsFor<GroupRecord>,
  ): Promise<GroupRecord | 'limit_reached'> {
    try {
      return this.#createGroup.immediate(group, maxGroups, events);
    } catch (error) {
      if (isUniqueViolation(error)) throw new StoreConflictError('group identifiers already taken');
      throw error;
    }
  }

  async findGroupById(groupId: string): Promise<GroupRecord | undefined> {
    this.#checkCaches();
    const cached = this.#groups?.get(groupId);
    if (cached !== undefined) return cached;
    const row = this.#statements.groupById.get(groupId) as GroupRow | undefined;
    if (row === undefined) return undefined;
    const group = toGroup(row);
    this.#groups?.remember(group);
    return group;
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

  async listPendingJoinRequests(groupPk: number, query: KeysetQuery): Promise<RenderedJoinRequestPage> {
    const input = { groupPk, query };
    return toRenderedPage(
      this.#pageWorkerOnceStarted()?.ready === true
        ? await this.#pageReads.read(input)
        : this.#readPage(input),
    );
  }

  /**
   * The page worker, started by the first page read rather than at open: a store that never reads a page never
   * starts a thread, and the server's own start-up does not share the CPU with it (the first answer came 6–11 ms
   * sooner, median of 7 starts). Until it is ready, reads run here.
   */
  #pageWorkerOnceStarted(): PageWorker | undefined {
    if (this.#pageWorker === undefined && this.#pageWorkerPath !== undefined && this.#db.open) {
      this.#pageWorker = new PageWorker(this.#pageWorkerPath);
    }
    return this.#pageWorker;
  }

  /** Whether page reads go to a worker thread, once it has started (false for none, or one that failed). */
  async pageWorkerStarted(): Promise<boolean> {
    return this.#pageWorkerOnceStarted()?.started ?? false;
  }

  /** A batch of page reads on the worker; on this connection instead if the worker cannot answer. */
  async #readPagesOnWorker(inputs: readonly PageInput[]): Promise<RenderedPageRow[]> {
    try {
      if (this.#pageWorker !== undefined) return await this.#pageWorker.read(inputs);
    } catch {
      // Falls through: the reads are answered here, and later ones stop going to a worker that is not ready.
    }
    return inputs.map((input) => this.#readPage(input));
  }

  async listPendingJoinRequestsOfGroup(
    groupId: string,
    businessPk: number,
    query: KeysetQuery,
  ): Promise<{ group: GroupRecord; page: RenderedJoinRequestPage } | undefined> {
    // The group usually comes from the in-memory cache, so two steps cost no more than one here.
    const group = await this.findGroupById(groupId);
    if (group === undefined || group.businessPk !== businessPk) return undefined;
    return { group, page: await this.listPendingJoinRequests(group.pk, query) };
  }

  async decideJoinRequests(
    groupPk: number,
    joinRequestIds: readonly string[],
    decision: Decision,
    options: DecideOptions,
    events: EventsFor<DecisionOutcome[]>,
  ): Promise<DecisionOutcome[]> {
    const outcomes = await this.#decide.run(groupPk, joinRequestIds, decision, options, events);
    if (decision === 'approve') this.#groups?.forget(groupPk);
    return outcomes;
  }

  async requestToJoin(
    group: GroupRecord,
    input: JoinInput,
    events: EventsFor<JoinOutcome>,
  ): Promise<JoinOutcome> {
    const outcome = this.#join.immediate(group, input, events);
    if (outcome.status === 'joined') this.#groups?.forget(group.pk);
    return outcome;
  }

  async cancelJoinRequest(
    groupPk: number,
    joinRequestId: string,
    now: number,
    events: EventsFor<string>,
  ): Promise<string | undefined> {
    return this.#cancel.immediate(groupPk, joinRequestId, now, events);
  }

  async updateGroup(
    groupPk: number,
    patch: GroupPatch,
    events: EventsFor<GroupRecord>,
  ): Promise<GroupRecord | undefined> {
    const change = () =>
      this.#statements.updateGroup.get({
        groupPk,
        subject: patch.subject ?? null,
        description: patch.description ?? null,
        photoSha256: patch.photoSha256 ?? null,
      }) as GroupRow | undefined;
    return this.#changeGroup(groupPk, change, events);
  }

  async deleteGroup(groupPk: number, now: number, events: EventsFor<GroupRecord>): Promise<boolean> {
    const s = this.#statements;
    const change = () => {
      const row = s.deleteGroup.get({ groupPk, now }) as GroupRow | undefined;
      if (row !== undefined) s.deleteParticipants.run(groupPk);
      return row;
    };
    return this.#changeGroup(groupPk, change, events) !== undefined;
  }

  /** Changes a group's row and queues its events in one transaction, then forgets the cached row. */
  #changeGroup(
    groupPk: number,
    change: () => GroupRow | undefined,
    events: EventsFor<GroupRecord>,
  ): GroupRecord | undefined {
    const group = this.#changeGroupRow.immediate(change, events);
    this.#groups?.forget(groupPk);
    return group;
  }

  async setInviteCode(groupPk: number, inviteCode: string | null): Promise<GroupRecord | undefined> {
    let row: GroupRow | undefined;
    try {
      row = this.#statements.setInviteCode.get({
        groupPk,
        code: inviteCode,
        active: inviteCode === null ? 0 : 1,
      }) as GroupRow | undefined;
    } catch (error) {
      if (isUniqueViolation(error)) throw new StoreConflictError('invite code already taken');
      throw error;
    }
    this.#groups?.forget(groupPk);
    return row && toGroup(row);
  }

  async setSuspended(
    groupPk: number,
    suspended: boolean,
    now: number,
    events: EventsFor<GroupRecord>,
  ): Promise<GroupRecord | undefined> {
    const change = () =>
      this.#statements.setSuspended.get({
        groupPk,
        suspendedAt: suspended ? now : null,
      }) as GroupRow | undefined;
    return this.#changeGroup(groupPk, change, events);
  }

  async removeParticipants(
    groupPk: number,
    waIds: readonly string[],
    options: RemoveOptions,
    events: EventsFor<RemovalOutcome[]>,
  ): Promise<RemovalOutcome[]> {
    const outcomes = this.#remove.immediate(groupPk, [...new Set(waIds)], options, events);
    this.#groups?.forget(groupPk);
    return outcomes;
  }

  async claimWebhookEvents(now: number, limit: number, leaseUntil: number): Promise<ClaimedWebhookEvent[]> {
    return this.#outbox.claim(now, limit, leaseUntil);
  }

  async recordWebhookAttempt(attempt: WebhookAttempt, verdict: AttemptVerdict): Promise<void> {
    this.#outbox.record(attempt, verdict);
  }

  async listWebhookEvents(filter: WebhookEventFilter): Promise<WebhookEventRecord[]> {
    return this.#outbox.list(filter);
  }

  async findWebhookEvent(
    id: number,
  ): Promise<{ event: WebhookEventRecord; attempts: WebhookAttempt[] } | undefined> {
    return this.#outbox.find(id);
  }

  async replayWebhookEvent(id: number, now: number): Promise<boolean> {
    return this.#outbox.replay(id, now);
  }

  async pruneWebhookEvents(before: number, limit: number): Promise<number> {
    return this.#outbox.prune(before, limit);
  }

  async findWebhookSettings(appId: string): Promise<WebhookSettings | undefined> {
    return this.#outbox.findSettings(appId);
  }

  async saveWebhookSettings(settings: WebhookSettings): Promise<void> {
    this.#outbox.saveSettings(settings);
  }

  async setAppSecret(appId: string, appSecret: string): Promise<boolean> {
    // Cached token lookups carry the business record, secret included.
    this.#tokens?.clear();
    return this.#statements.setAppSecret.run(appSecret, appId).changes > 0;
  }

  async listParticipants(groupPk: number): Promise<string[]> {
    return this.#statements.participants.all(groupPk) as string[];
  }

  async checkHealth(): Promise<void> {
    this.#db.prepare(HEALTH_PROBE_SQL).run();
  }

  async reset(): Promise<void> {
    this.#tokens?.clear();
    this.#groups?.clear();
    this.#db
      .transaction(() => {
        for (const table of [
          'webhook_attempts',
          'webhook_events',
          'webhook_settings',
          'removed_participants',
          'join_requests',
          'participants',
          'groups',
          'access_tokens',
          'businesses',
        ]) {
          this.#db.exec(`DELETE FROM ${table}`);
        }
      })
      .immediate();
  }

  async close(): Promise<void> {
    await this.#pageWorker?.close();
    if (this.#db.open) this.#db.close();
  }
}
