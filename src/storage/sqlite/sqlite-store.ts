/**
 * @module storage/sqlite/sqlite-store — the embedded default backend (better-sqlite3). The driver is
 * synchronous, so each Store method runs to completion on the event loop and every write is one IMMEDIATE
 * transaction: atomic within this process, and serialised against other processes sharing the file.
 */
import Database from 'better-sqlite3';
import { StoreConflictError, type Store } from '../store.js';
import type {
  AppSettingsPatch,
  CancelledRequest,
  BusinessRecord,
  Decision,
  DecideOptions,
  DecisionOutcome,
  AttemptVerdict,
  ClaimedWebhookEvent,
  EventsFor,
  GroupPatch,
  GroupRecord,
  RemovalOutcome,
  RemoveOptions,
  WebhookAttempt,
  WebhookEventFilter,
  WebhookEventRecord,
  WebhookSettings,
  JoinInput,
  JoinOutcome,
  KeysetPage,
  KeysetQuery,
  NewAccessToken,
  NewBusiness,
  NewGroup,
  RenderedJoinRequestPage,
  TokenLookup,
} from '../../domain/records.js';
import { userFromWire, type UserIdentity, type UserRef } from '../../domain/users.js';
import { GroupCache, RecordCache } from '../record-cache.js';
import { makePrivate } from './private-file.js';
import { ReadBatcher } from '../read-batcher.js';
import {
  preparePageReader,
  toRenderedPage,
  type PageInput,
  type PageReader,
  type RenderedPageRow,
} from './page-queries.js';
import { PageWorker } from './page-worker-client.js';
import { SqliteOutbox } from './sqlite-outbox.js';
import { migrateSqlite } from './sqlite-migrations.js';
import { prepareStatements, type BusinessKey, type SqliteStatements } from './sqlite-statements.js';
import { SqliteWrites } from './sqlite-writes.js';
import { readKeysetPage } from '../keyset.js';
import { EventsAppended } from '../events-appended.js';
import { toBusiness, toGroup, toTokenLookup, type BusinessRow, type GroupRow } from '../rows.js';
import { HEALTH_PROBE_SQL } from '../health-probe.js';
import type { BusinessLimits, TakePlan, WindowTake } from '../../domain/rate-limits.js';
import { SqliteRateWindows } from './sqlite-rate-windows.js';
import type { JournalEntryRecord, JournalFilter, NewJournalEntry } from '../../domain/journal.js';
import {
  JOURNAL_COLUMNS,
  journalValues,
  journalWhere,
  toJournalEntry,
  type JournalRow,
} from '../journal-query.js';
import type { ClockState } from '../../domain/clock.js';
import { CLOCK_SELECT, RESET_CLOCK_SQL, toClockState, type ClockRow } from '../clock-rows.js';
import type { StateSnapshot } from '../../domain/state.js';
import { snapshotOfRows } from '../state-rows.js';
import { insertState, nextKeys, readStateRows, STATE_TABLES } from './sqlite-state.js';

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
/** Journal rows per multi-row INSERT: 16 columns each, within SQLite's 32766 parameters. */
const JOURNAL_ROWS_PER_INSERT = 50;

function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof Database.SqliteError &&
    (error.code === 'SQLITE_CONSTRAINT_UNIQUE' || error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
  );
}

/**
 * What else a business owns that its row's cascade does not reach, inside the delete's transaction: its entries in
 * the request journal, which keeps no foreign key (a refused call has no business). Its rate-limit counts go with
 * the cascade.
 */
function dropBusinessExtras(db: Database.Database, businessPk: number): void {
  db.prepare('DELETE FROM request_journal WHERE waba_id = (SELECT waba_id FROM businesses WHERE pk = ?)').run(
    businessPk,
  );
}

export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  if (options.path !== ':memory:' && options.path !== '') makePrivate(options.path);
  const db = new Database(options.path);
  db.pragma('journal_mode = WAL');
  // NORMAL is durable across application crashes in WAL mode; only an OS crash can lose the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Savepoints (one per operation in a group commit) journal to a temp file unless temp storage is in memory:
  // that was a sixth of an approval's cost in pwrite calls (perf).
  db.pragma('temp_store = MEMORY');
  migrateSqlite(db);
  return new SqliteStore(db, {
    cacheRecords: options.cacheRecords === true,
    // An in-memory database is private to its connection: a worker could not open it.
    pageWorkerPath: options.readWorker === true && !db.memory ? options.path : undefined,
  });
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly #db: Database.Database;
  readonly #statements: SqliteStatements;
  readonly #writes: SqliteWrites;
  readonly #outbox: SqliteOutbox;
  readonly #rateWindows: SqliteRateWindows;
  readonly #appended = new EventsAppended();
  /** One process per file, as served: this store's own clock changes are the ones to hear of. */
  readonly #clockChanged = new EventsAppended();
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
  #journalInsert: Database.Statement | undefined;
  #journalInsertMany: Database.Statement | undefined;
  #journalTrim: Database.Statement | undefined;

  constructor(
    db: Database.Database,
    options: { cacheRecords: boolean; pageWorkerPath: string | undefined } = {
      cacheRecords: false,
      pageWorkerPath: undefined,
    },
  ) {
    this.#db = db;
    const outbox = new SqliteOutbox(db, this.#appended);
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
    this.#statements = prepareStatements(db);
    this.#writes = new SqliteWrites(db, this.#statements, outbox);
    this.#rateWindows = new SqliteRateWindows(db);
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
    return this.#businessBy('phone_number_id', phoneNumberId);
  }

  async findBusinessByWabaId(wabaId: string): Promise<BusinessRecord | undefined> {
    return this.#businessBy('waba_id', wabaId);
  }

  async findBusinessByPk(pk: number): Promise<BusinessRecord | undefined> {
    return this.#businessBy('pk', String(pk));
  }

  async findBusinessByAppId(appId: string): Promise<BusinessRecord | undefined> {
    return this.#businessBy('app_id', appId);
  }

  #businessBy(column: BusinessKey, value: string): BusinessRecord | undefined {
    const row = this.#statements.businessBy[column].get(value);
    return row && toBusiness(row);
  }

  async findBusinessByName(name: string): Promise<BusinessRecord | undefined> {
    const row = this.#statements.businessByName.get(name);
    return row && toBusiness(row);
  }

  async setBusinessLimits(wabaId: string, limits: BusinessLimits): Promise<BusinessRecord | undefined> {
    // Cached token lookups carry the business, limits included.
    this.#tokens?.clear();
    const row = this.#rateWindows.setLimits(wabaId, limits);
    return row && toBusiness(row);
  }

  async takeFromWindows(takes: readonly WindowTake[], now: number, cost: 0 | 1 = 1): Promise<TakePlan> {
    return this.#rateWindows.take(takes, now, cost);
  }

  async clearRateWindows(): Promise<void> {
    this.#db.exec('DELETE FROM rate_window_counts');
  }

  async listBusinesses(query: { afterPk?: number; limit: number }): Promise<BusinessRecord[]> {
    return this.#statements.businessesAfter.all(query.afterPk ?? 0, query.limit).map(toBusiness);
  }

  async deleteBusiness(wabaId: string): Promise<boolean> {
    try {
      return this.#db.transaction(() => this.#deleteBusinessRows(wabaId)).immediate();
    } finally {
      this.#forgetAll();
    }
  }

  /** Deletes the business and all it owns; inside the caller's transaction. */
  #deleteBusinessRows(wabaId: string): boolean {
    const s = this.#statements;
    const row = s.businessBy.waba_id.get(wabaId);
    if (row === undefined) return false;
    s.deleteWebhookSettings.run(row.app_id);
    dropBusinessExtras(this.#db, row.pk);
    s.deleteBusiness.run(row.pk);
    return true;
  }

  /** Cached tokens and groups carry their business; which ones a change touched is not worth finding out. */
  #forgetAll(): void {
    this.#tokens?.clear();
    this.#groups?.clear();
  }

  async exportState(filter: { wabaId?: string }): Promise<StateSnapshot | undefined> {
    // One read transaction: a consistent picture while other calls write.
    return this.#db.transaction(() => {
      let businessPk: number | undefined;
      if (filter.wabaId !== undefined) {
        businessPk = this.#statements.businessBy.waba_id.get(filter.wabaId)?.pk;
        if (businessPk === undefined) return undefined;
      }
      const keys = businessPk === undefined ? nextKeys(this.#db) : {};
      return snapshotOfRows(readStateRows(this.#db, businessPk), keys);
    })();
  }

  async importState(snapshot: StateSnapshot, scope: { wabaId?: string }): Promise<void> {
    try {
      this.#db
        .transaction(() => {
          if (scope.wabaId === undefined) {
            for (const table of STATE_TABLES) this.#db.exec(`DELETE FROM ${table}`);
          } else {
            this.#deleteBusinessRows(scope.wabaId);
          }
          insertState(this.#db, snapshot);
        })
        .immediate();
    } catch (error) {
      if (isUniqueViolation(error)) {
        // SQLite names the column ("UNIQUE constraint failed: businesses.app_id"), never the value.
        throw new StoreConflictError(
          `already taken by a business the import keeps (${(error as Error).message})`,
        );
      }
      throw error;
    } finally {
      this.#forgetAll();
    }
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
    const version = this.#statements.dataVersion.get() ?? 0;
    if (version === this.#dataVersion) return;
    this.#dataVersion = version;
    this.#tokens.clear();
    this.#groups?.clear();
  }

  async findAccessToken(token: string): Promise<TokenLookup | undefined> {
    this.#checkCaches();
    const cached = this.#tokens?.get(token);
    if (cached !== undefined) return cached;
    const row = this.#statements.tokenLookup.get(token);
    if (row === undefined) return undefined;
    const found = toTokenLookup(row);
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
      return this.#writes.createGroup(group, maxGroups, events);
    } catch (error) {
      if (isUniqueViolation(error)) throw new StoreConflictError('group identifiers already taken');
      throw error;
    }
  }

  async findGroupById(groupId: string): Promise<GroupRecord | undefined> {
    this.#checkCaches();
    const cached = this.#groups?.get(groupId);
    if (cached !== undefined) return cached;
    const row = this.#statements.groupById.get(groupId);
    if (row === undefined) return undefined;
    const group = toGroup(row);
    this.#groups?.remember(group);
    return group;
  }

  async findGroupByInviteCode(inviteCode: string): Promise<GroupRecord | undefined> {
    const row = this.#statements.groupByInviteCode.get(inviteCode);
    return row && toGroup(row);
  }

  async listGroups(businessPk: number, query: KeysetQuery): Promise<KeysetPage<GroupRecord>> {
    const s = this.#statements;
    return readKeysetPage(
      query,
      {
        rows: (direction, key, limit) =>
          key === undefined
            ? s.groupsFirst.all(businessPk, limit)
            : (direction === 'forward' ? s.groupsForward : s.groupsBackward).all(businessPk, key, limit),
        exists: (direction, key) =>
          (direction === 'forward' ? s.groupsExistForward : s.groupsExistBackward).get(businessPk, key) !==
          undefined,
        keyOf: (row) => row.pk,
      },
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
    const outcomes = await this.#writes.decide(groupPk, joinRequestIds, decision, options, events);
    if (decision === 'approve') this.#groups?.forget(groupPk);
    return outcomes;
  }

  async requestToJoin(
    group: GroupRecord,
    input: JoinInput,
    events: EventsFor<JoinOutcome>,
  ): Promise<JoinOutcome> {
    const outcome = this.#writes.join(group, input, events);
    if (outcome.status === 'joined') this.#groups?.forget(group.pk);
    return outcome;
  }

  async cancelJoinRequest(
    groupPk: number,
    joinRequestId: string,
    now: number,
    events: EventsFor<CancelledRequest>,
  ): Promise<CancelledRequest | undefined> {
    return this.#writes.cancel(groupPk, joinRequestId, now, events);
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
      });
    return this.#changeGroup(groupPk, change, events);
  }

  async deleteGroup(groupPk: number, now: number, events: EventsFor<GroupRecord>): Promise<boolean> {
    const s = this.#statements;
    const change = () => {
      const row = s.deleteGroup.get({ groupPk, now });
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
    const group = this.#writes.changeGroup(change, events);
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
      });
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
      });
    return this.#changeGroup(groupPk, change, events);
  }

  async removeParticipants(
    groupPk: number,
    users: readonly UserRef[],
    options: RemoveOptions,
    events: EventsFor<RemovalOutcome[]>,
  ): Promise<RemovalOutcome[]> {
    const outcomes = this.#writes.remove(groupPk, users, options, events);
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

  async setAppSettings(appId: string, patch: AppSettingsPatch): Promise<boolean> {
    // Cached token lookups carry the business record, its app's settings included.
    this.#tokens?.clear();
    const found = this.#statements.setAppSettings.run({
      requireProof: patch.requireAppsecretProof === undefined ? null : patch.requireAppsecretProof ? 1 : 0,
      setVersion: patch.defaultApiVersion === undefined ? 0 : 1,
      version: patch.defaultApiVersion ?? null,
      appId,
    });
    return found.changes > 0;
  }

  async setAppSecret(appId: string, appSecret: string): Promise<boolean> {
    // Cached token lookups carry the business record, secret included.
    this.#tokens?.clear();
    return this.#statements.setAppSecret.run(appSecret, appId).changes > 0;
  }

  async findPendingRequester(groupPk: number, userId: string): Promise<string | undefined> {
    return this.#statements.pendingRequester.get(groupPk, userId);
  }

  async listParticipants(groupPk: number): Promise<UserIdentity[]> {
    return this.#statements.participants.all(groupPk).map((row) => userFromWire(row.waId, row.userJson));
  }

  async appendJournalEntries(entries: readonly NewJournalEntry[], maxEntries: number): Promise<void> {
    if (entries.length === 0) return;
    const insertOne = (this.#journalInsert ??= this.#journalInsertOf(1));
    // Rows go in by the dozen: one statement step per row cost a third more (measured, docs/performance.md).
    const insertMany = (this.#journalInsertMany ??= this.#journalInsertOf(JOURNAL_ROWS_PER_INSERT));
    // Ids grow by one per row, so "the newest maxEntries" is an id range: one seek, whatever the table holds.
    const trim = (this.#journalTrim ??= this.#db.prepare(
      'DELETE FROM request_journal WHERE id <= (SELECT MAX(id) FROM request_journal) - ?',
    ));
    this.#db
      .transaction(() => {
        let next = 0;
        for (; next + JOURNAL_ROWS_PER_INSERT <= entries.length; next += JOURNAL_ROWS_PER_INSERT) {
          insertMany.run(entries.slice(next, next + JOURNAL_ROWS_PER_INSERT).flatMap(journalValues));
        }
        for (; next < entries.length; next++) insertOne.run(journalValues(entries[next] as NewJournalEntry));
        trim.run(maxEntries);
      })
      .immediate();
  }

  #journalInsertOf(rows: number): Database.Statement {
    const row = `(${JOURNAL_COLUMNS.map(() => '?').join(', ')})`;
    return this.#db.prepare(
      `INSERT INTO request_journal (${JOURNAL_COLUMNS.join(', ')}) VALUES ${Array(rows).fill(row).join(', ')}`,
    );
  }

  async listJournalEntries(filter: JournalFilter, limit: number): Promise<JournalEntryRecord[]> {
    const { where, params } = journalWhere(filter, () => '?');
    const rows = this.#db
      .prepare(`SELECT * FROM request_journal ${where} ORDER BY id DESC LIMIT ?`)
      .all(...params, limit) as JournalRow[];
    return rows.map(toJournalEntry);
  }

  async countJournalEntries(filter: JournalFilter): Promise<number> {
    const { where, params } = journalWhere(filter, () => '?');
    return Number(
      this.#db
        .prepare(`SELECT COUNT(*) FROM request_journal ${where}`)
        .pluck()
        .get(...params),
    );
  }

  async deleteJournalEntries(filter: { wabaId?: string } = {}): Promise<number> {
    const { where, params } = journalWhere(
      { ...(filter.wabaId !== undefined && { wabaId: filter.wabaId }) },
      () => '?',
    );
    return this.#db.prepare(`DELETE FROM request_journal ${where}`).run(...params).changes;
  }

  onEventsAppended(listener: () => void): () => void {
    return this.#appended.subscribe(listener);
  }

  async readClock(): Promise<ClockState> {
    return toClockState(this.#db.prepare<[], ClockRow>(CLOCK_SELECT).get());
  }

  async updateClock(change: (current: ClockState) => ClockState): Promise<ClockState> {
    const saved = this.#db
      .transaction(() => {
        const next = change(toClockState(this.#db.prepare<[], ClockRow>(CLOCK_SELECT).get()));
        this.#db
          .prepare('UPDATE virtual_clock SET offset_ms = ?, frozen_at_ms = ?, version = ? WHERE id = 1')
          .run(next.offsetMs, next.frozenAtMs, next.version);
        return next;
      })
      .immediate();
    this.#clockChanged.notify();
    return saved;
  }

  onClockChanged(listener: () => void): () => void {
    return this.#clockChanged.subscribe(listener);
  }

  async checkHealth(): Promise<void> {
    this.#db.prepare(HEALTH_PROBE_SQL).run();
  }

  async reset(): Promise<void> {
    this.#forgetAll();
    this.#db
      .transaction(() => {
        this.#db.exec('DELETE FROM request_journal');
        for (const table of STATE_TABLES) this.#db.exec(`DELETE FROM ${table}`);
        this.#db.exec(RESET_CLOCK_SQL);
      })
      .immediate();
    this.#clockChanged.notify();
  }

  async close(): Promise<void> {
    await this.#pageWorker?.close();
    if (this.#db.open) this.#db.close();
  }
}
