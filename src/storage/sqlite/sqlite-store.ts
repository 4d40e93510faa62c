/**
 * @module storage/sqlite/sqlite-store — the embedded default backend (better-sqlite3). The driver is
 * synchronous, so each Store method runs to completion on the event loop and every write is one IMMEDIATE
 * transaction: atomic within this process, and serialised against other processes sharing the file.
 */
import Database from 'better-sqlite3';
import { StoreConflictError, type Store } from '../store.js';
import type {
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
  readonly #appended = new EventsAppended();
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

  onEventsAppended(listener: () => void): () => void {
    return this.#appended.subscribe(listener);
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
