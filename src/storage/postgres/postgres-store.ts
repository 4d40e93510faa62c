/**
 * @module storage/postgres/postgres-store — the backend for several Groupgate instances sharing one database
 * (node-postgres, pooled). Every state change is one transaction that locks the row it decides on — the group for
 * decisions and joins, the business for group creation — and changes rows only where they are still in the state
 * it read, so a join request changes state exactly once however many instances race. Nothing is cached in memory:
 * another instance may have changed anything.
 */
import pg from 'pg';
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
import { ReadBatcher } from '../read-batcher.js';
import { migratePostgres, quoteIdentifier } from './postgres-migrations.js';
import { PostgresOutbox } from './postgres-outbox.js';
import { PostgresWrites } from './postgres-writes.js';
import {
  directionOf,
  pageSql,
  readPages,
  toRenderedPage,
  type PageInput,
  type PageRow,
} from './postgres-pages.js';
import { EventsAppended } from '../events-appended.js';
import { readKeysetPage, type KeysetDirection } from '../keyset.js';
import {
  BUSINESS_COLUMNS,
  GROUP_COLUMNS,
  toBusiness,
  toGroup,
  toTokenLookup,
  type BusinessRow,
  type GroupRow,
  type TokenRow,
} from '../rows.js';
import { inTransaction, resilientPoolConfig, withClient } from './pool.js';
import type { ClockState } from '../../domain/clock.js';
import { CLOCK_SELECT, RESET_CLOCK_SQL, toClockState, type ClockRow } from '../clock-rows.js';
import { CLOCK_CHANNEL, ClockChannel } from './clock-channel.js';
import { HEALTH_PROBE_SQL } from '../health-probe.js';
import type { BusinessLimits, TakePlan, WindowTake } from '../../domain/rate-limits.js';
import { setBusinessLimits, takeFromWindows } from './postgres-rate-windows.js';
import type { JournalEntryRecord, JournalFilter, NewJournalEntry } from '../../domain/journal.js';
import {
  JOURNAL_COLUMNS,
  journalValues,
  journalWhere,
  toJournalEntry,
  type JournalRow,
} from '../journal-query.js';
import type { StateSnapshot } from '../../domain/state.js';
import { snapshotOfRows } from '../state-rows.js';
import { insertState, nextKeys, readStateRows, STATE_TABLES } from './postgres-state.js';

export interface PostgresStoreOptions {
  connectionString: string;
  /** A schema to create and use instead of `public` (tests give each run its own). */
  schema?: string;
  /** Pool size: 20 measured better than 10 at 50 client connections (docs/performance.md). @default 20 */
  maxConnections?: number;
  /** The connections' application_name in pg_stat_activity. @default 'groupgate' */
  applicationName?: string;
}

// BIGINT columns come back as JS numbers: every key here stays far below 2^53.
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

function isUniqueViolation(error: unknown): boolean {
  return error instanceof pg.DatabaseError && error.code === '23505';
}

const DEADLOCK_ATTEMPTS = 6;
/** The advisory lock state imports take (an arbitrary constant: "GGSTATE1" as bytes). */
const STATE_IMPORT_LOCK = 0x4747535441544531n.toString();

/**
 * Runs a transaction again when PostgreSQL broke a deadlock by failing it. Deleting a business can deadlock only
 * with a group created and decided on while the delete waits for the business; a whole state import, with a call
 * holding a row while TRUNCATE waits for its table.
 */
async function retryDeadlock<T>(work: () => Promise<T>, alsoRetry: readonly string[] = []): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const code = error instanceof pg.DatabaseError ? error.code : undefined;
      if (
        attempt >= DEADLOCK_ATTEMPTS ||
        code === undefined ||
        !(code === '40P01' || alsoRetry.includes(code))
      ) {
        throw error;
      }
      // The calls it collided with finish meanwhile; a jittered pause keeps two retries from meeting again.
      await new Promise((resolve) => setTimeout(resolve, 10 * attempt + Math.random() * 20));
    }
  }
}

/** Deletes the business and all it owns, inside the caller's transaction; false when there is none. */
async function deleteBusinessRows(client: pg.PoolClient, wabaId: string): Promise<boolean> {
  const found = await client.query<{ pk: number; app_id: string }>(
    'SELECT pk, app_id FROM businesses WHERE waba_id = $1',
    [wabaId],
  );
  const business = found.rows[0];
  if (business === undefined) return false;
  // The locks the writes take, in their order: a decision or a join locks its group, then (its outbox row's
  // foreign key) shares the business; group creation locks the business. Calls under way finish first; calls
  // that come after find nothing.
  await client.query('SELECT pk FROM groups WHERE business_pk = $1 ORDER BY pk FOR UPDATE', [business.pk]);
  await client.query('SELECT pk FROM businesses WHERE pk = $1 FOR UPDATE', [business.pk]);
  await client.query('DELETE FROM webhook_settings WHERE app_id = $1', [business.app_id]);
  await dropBusinessExtras(client, business.pk);
  // Cascades to tokens, groups (and their participants, join requests, removed users), outbox rows, attempts.
  await client.query('DELETE FROM businesses WHERE pk = $1', [business.pk]);
  return true;
}

/**
 * What else a business owns that its row's cascade does not reach, inside the delete's transaction: its entries in
 * the request journal, which keeps no foreign key (a refused call has no business). Its rate-limit counts go with
 * the cascade.
 */
async function dropBusinessExtras(client: pg.PoolClient, businessPk: number): Promise<void> {
  await client.query(
    'DELETE FROM request_journal WHERE waba_id = (SELECT waba_id FROM businesses WHERE pk = $1)',
    [businessPk],
  );
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const schema = options.schema;
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 20,
    ...resilientPoolConfig(options.applicationName),
    types,
    // Generic plans for every named statement: the batched page read takes arrays, whose sizes PostgreSQL would
    // otherwise plan for on every call (150 µs of planning against 35 µs a page of execution, measured).
    options: [
      '-c plan_cache_mode=force_generic_plan',
      ...(schema === undefined ? [] : [`-c search_path=${quoteIdentifier(schema)}`]),
    ].join(' '),
  });
  // An idle client that loses its connection must not take the process down.
  pool.on('error', () => undefined);
  let currentSchema: string;
  try {
    currentSchema = await withClient(pool, async (client) => {
      await migratePostgres(client, schema);
      const row = await client.query<{ schema: string }>('SELECT current_schema() AS schema');
      return row.rows[0]?.schema ?? 'public';
    });
  } catch (error) {
    await pool.end();
    throw error;
  }
  const clockChannel = new ClockChannel({
    connectionString: options.connectionString,
    schema: currentSchema,
    applicationName: options.applicationName ?? 'groupgate',
  });
  return new PostgresStore(pool, clockChannel);
}

/** Commits with the transaction it is part of: every instance LISTENing on this schema re-reads the clock. */
const NOTIFY_CLOCK_SQL = `SELECT pg_notify('${CLOCK_CHANNEL}', current_schema())`;

/**
 * Tokens and groups are read on every call and almost never change. Each instance keeps them for at most this long;
 * a change made through this instance forgets its entry at once, one made through another is seen within it.
 * Measured: the token and group round trips were two of a page read's three.
 */
const RECORD_TTL_MS = 1000;
const RECORD_CACHE_ENTRIES = 20_000;

/**
 * Page reads in flight at once: two keep both of this machine's cores busy with a batch each, and more would only
 * make smaller batches (measured in docs/performance.md). 100 pages is a 350 KB answer at most.
 */
const PAGE_BATCHING = { maxInFlight: 2, maxBatch: 100 };

/** Rows per INSERT of journal entries: 16 columns each, well within PostgreSQL's 65535 parameters. */
const JOURNAL_INSERT_ROWS = 1000;

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #tokens = new RecordCache<string, TokenLookup>(RECORD_CACHE_ENTRIES, RECORD_TTL_MS);
  readonly #groups = new GroupCache(RECORD_CACHE_ENTRIES, RECORD_TTL_MS);

  readonly #outbox: PostgresOutbox;
  readonly #writes: PostgresWrites;
  readonly #appended = new EventsAppended();
  readonly #pages: ReadBatcher<PageInput, PageRow | undefined>;
  readonly #clockChannel: ClockChannel | undefined;

  /** Without a clock channel, this store hears of no clock change (tests that build a store on a bare pool). */
  constructor(pool: pg.Pool, clockChannel?: ClockChannel) {
    this.#pool = pool;
    this.#clockChannel = clockChannel;
    this.#outbox = new PostgresOutbox(pool);
    this.#writes = new PostgresWrites(pool, this.#outbox, this.#appended);
    this.#pages = new ReadBatcher((inputs) => readPages(pool, inputs), PAGE_BATCHING);
  }

  /**
   * The first row of a query. Hot queries pass a `name`: node-postgres then prepares them once per connection,
   * instead of PostgreSQL parsing and planning them on every call.
   */
  async #one<R extends pg.QueryResultRow>(
    sql: string,
    params: unknown[],
    name?: string,
  ): Promise<R | undefined> {
    const query = name === undefined ? { text: sql, values: params } : { name, text: sql, values: params };
    return (await this.#pool.query<R>(query)).rows[0];
  }

  async createBusiness(business: NewBusiness): Promise<BusinessRecord> {
    try {
      const row = await this.#one<BusinessRow>(
        `INSERT INTO businesses (waba_id, phone_number_id, phone_digits, display_phone_number, app_id, app_secret,
           name, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${BUSINESS_COLUMNS}`,
        [
          business.wabaId,
          business.phoneNumberId,
          business.phoneDigits,
          business.displayPhoneNumber,
          business.appId,
          business.appSecret,
          business.name,
          business.createdAt,
        ],
      );
      return toBusiness(row as BusinessRow);
    } catch (error) {
      if (isUniqueViolation(error)) throw new StoreConflictError('business identifiers already taken');
      throw error;
    }
  }

  async #businessWhere(
    column: 'pk' | 'phone_number_id' | 'waba_id' | 'app_id',
    value: string,
  ): Promise<BusinessRecord | undefined> {
    const row = await this.#one<BusinessRow>(
      `SELECT ${BUSINESS_COLUMNS} FROM businesses WHERE ${column} = $1`,
      [value],
    );
    return row && toBusiness(row);
  }

  findBusinessByPhoneNumberId(phoneNumberId: string): Promise<BusinessRecord | undefined> {
    return this.#businessWhere('phone_number_id', phoneNumberId);
  }

  findBusinessByWabaId(wabaId: string): Promise<BusinessRecord | undefined> {
    return this.#businessWhere('waba_id', wabaId);
  }

  findBusinessByAppId(appId: string): Promise<BusinessRecord | undefined> {
    return this.#businessWhere('app_id', appId);
  }

  findBusinessByPk(pk: number): Promise<BusinessRecord | undefined> {
    return this.#businessWhere('pk', String(pk));
  }

  async findBusinessByName(name: string): Promise<BusinessRecord | undefined> {
    const row = await this.#one<BusinessRow>(
      `SELECT ${BUSINESS_COLUMNS} FROM businesses WHERE name = $1 ORDER BY pk LIMIT 1`,
      [name],
    );
    return row && toBusiness(row);
  }

  async setBusinessLimits(wabaId: string, limits: BusinessLimits): Promise<BusinessRecord | undefined> {
    const row = await setBusinessLimits(this.#pool, wabaId, limits);
    // Cached token lookups carry the business, limits included; other instances see the change within RECORD_TTL_MS.
    this.#tokens.clear();
    return row && toBusiness(row);
  }

  takeFromWindows(takes: readonly WindowTake[], now: number, cost: 0 | 1 = 1): Promise<TakePlan> {
    return takeFromWindows(this.#pool, takes, now, cost);
  }

  async clearRateWindows(): Promise<void> {
    await this.#pool.query('DELETE FROM rate_window_counts');
  }

  async listBusinesses(query: { afterPk?: number; limit: number }): Promise<BusinessRecord[]> {
    const rows = await this.#pool.query<BusinessRow>(
      `SELECT ${BUSINESS_COLUMNS} FROM businesses WHERE pk > $1 ORDER BY pk LIMIT $2`,
      [query.afterPk ?? 0, query.limit],
    );
    return rows.rows.map(toBusiness);
  }

  async deleteBusiness(wabaId: string): Promise<boolean> {
    try {
      return await retryDeadlock(() =>
        inTransaction(this.#pool, (client) => deleteBusinessRows(client, wabaId)),
      );
    } finally {
      this.#tokens.clear();
      this.#groups.clear();
    }
  }

  async exportState(filter: { wabaId?: string }): Promise<StateSnapshot | undefined> {
    return inTransaction(this.#pool, async (client) => {
      // One snapshot of the database for every read below, whatever commits meanwhile.
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      let businessPk: number | undefined;
      if (filter.wabaId !== undefined) {
        const found = await client.query<{ pk: number }>('SELECT pk FROM businesses WHERE waba_id = $1', [
          filter.wabaId,
        ]);
        businessPk = found.rows[0]?.pk;
        if (businessPk === undefined) return undefined;
      }
      const keys = businessPk === undefined ? await nextKeys(client) : {};
      return snapshotOfRows(await readStateRows(client, businessPk), keys);
    });
  }

  async importState(snapshot: StateSnapshot, scope: { wabaId?: string }): Promise<void> {
    try {
      await retryDeadlock(
        () =>
          inTransaction(this.#pool, async (client) => {
            // Imports one at a time across every instance: two that ran together would pick the same free keys
            // (insertState reads the highest in use) and one would fail on them as if its document were wrong.
            await client.query('SELECT pg_advisory_xact_lock($1)', [STATE_IMPORT_LOCK]);
            if (scope.wabaId === undefined) {
              // TRUNCATE waits for every transaction under way on these tables, and holds the others off until
              // commit. A call that already holds a row and needs another table meanwhile deadlocks with it:
              // PostgreSQL fails one of the two (the call then answers Graph's transient code 2).
              await client.query(`TRUNCATE ${STATE_TABLES}`);
            } else {
              await deleteBusinessRows(client, scope.wabaId);
            }
            await insertState(client, snapshot, scope.wabaId === undefined);
          }),
        // A key taken meanwhile by a call that raced the import (a group created as it ran): the next attempt
        // picks free keys again. A clash with a business the import keeps fails every attempt, and is a 409.
        ['23505'],
      );
    } catch (error) {
      if (isUniqueViolation(error)) {
        // The constraint's name, never its detail: the detail quotes the value, which may be a token.
        const constraint = (error as pg.DatabaseError).constraint ?? 'a unique key';
        throw new StoreConflictError(`already taken by a business the import keeps (${constraint})`);
      }
      throw error;
    } finally {
      this.#tokens.clear();
      this.#groups.clear();
    }
  }

  async createAccessToken(token: NewAccessToken): Promise<void> {
    try {
      await this.#pool.query(
        'INSERT INTO access_tokens (token, business_pk, created_at, expires_at) VALUES ($1, $2, $3, $4)',
        [token.token, token.businessPk, token.createdAt, token.expiresAt],
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw new StoreConflictError('access token already exists');
      throw error;
    }
  }

  async findAccessToken(token: string): Promise<TokenLookup | undefined> {
    const cached = this.#tokens.get(token);
    if (cached !== undefined) return cached;
    const row = await this.#one<TokenRow>(
      `SELECT t.expires_at AS token_expires_at, t.revoked_at AS token_revoked_at, b.*
       FROM access_tokens t JOIN businesses b ON b.pk = t.business_pk WHERE t.token = $1`,
      [token],
      'gg_find_token',
    );
    if (row === undefined) return undefined;
    const found = toTokenLookup(row);
    this.#tokens.set(token, found);
    return found;
  }

  async revokeAccessToken(token: string, now: number): Promise<boolean> {
    this.#tokens.delete(token);
    const result = await this.#pool.query(
      'UPDATE access_tokens SET revoked_at = $1 WHERE token = $2 AND revoked_at IS NULL',
      [now, token],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async createGroup(
    group: NewGroup,
    maxGroups: number,
    events: EventsFor<GroupRecord>,
  ): Promise<GroupRecord | 'limit_reached'> {
    try {
      return await this.#writes.createGroup(group, maxGroups, events);
    } catch (error) {
      if (isUniqueViolation(error)) throw new StoreConflictError('group identifiers already taken');
      throw error;
    }
  }

  async #groupWhere(column: 'group_id' | 'invite_code', value: string): Promise<GroupRecord | undefined> {
    const active = column === 'invite_code' ? 'AND invite_link_active' : '';
    const row = await this.#one<GroupRow>(
      `SELECT ${GROUP_COLUMNS} FROM groups WHERE ${column} = $1 ${active} AND deleted_at IS NULL`,
      [value],
      `gg_group_by_${column}`,
    );
    return row && toGroup(row);
  }

  async findGroupById(groupId: string): Promise<GroupRecord | undefined> {
    const cached = this.#groups.get(groupId);
    if (cached !== undefined) return cached;
    const group = await this.#groupWhere('group_id', groupId);
    if (group !== undefined) this.#groups.remember(group);
    return group;
  }

  findGroupByInviteCode(inviteCode: string): Promise<GroupRecord | undefined> {
    return this.#groupWhere('invite_code', inviteCode);
  }

  async listGroups(businessPk: number, query: KeysetQuery): Promise<KeysetPage<GroupRecord>> {
    // Newest first: "forward" walks down the primary key.
    const beyond = (direction: KeysetDirection, key: string) =>
      direction === 'forward' ? `AND pk < ${key}` : `AND pk > ${key}`;
    const active = 'FROM groups WHERE business_pk = $1 AND deleted_at IS NULL';
    return readKeysetPage(
      query,
      {
        rows: async (direction, key, limit) => {
          const sql = `SELECT ${GROUP_COLUMNS} ${active} ${key === undefined ? '' : beyond(direction, '$3')}
            ORDER BY pk ${direction === 'forward' ? 'DESC' : 'ASC'} LIMIT $2`;
          const params = key === undefined ? [businessPk, limit] : [businessPk, limit, key];
          return (await this.#pool.query<GroupRow>(sql, params)).rows;
        },
        exists: async (direction, key) =>
          (await this.#pool.query(`SELECT 1 ${active} ${beyond(direction, '$2')} LIMIT 1`, [businessPk, key]))
            .rowCount !== 0,
        keyOf: (row) => row.pk,
      },
      toGroup,
    );
  }

  async listPendingJoinRequests(groupPk: number, query: KeysetQuery): Promise<RenderedJoinRequestPage> {
    const { direction, key } = directionOf(query);
    const row = await this.#one<PageRow>(
      pageSql(direction),
      [groupPk, query.limit, ...key],
      `gg_page_${direction}`,
    );
    return toRenderedPage(row);
  }

  async listPendingJoinRequestsOfGroup(
    groupId: string,
    businessPk: number,
    query: KeysetQuery,
  ): Promise<{ group: GroupRecord; page: RenderedJoinRequestPage } | undefined> {
    // The group's row comes with its page, fresh, whatever the cache holds.
    const row = await this.#pages.read({ groupId, query });
    if (row === undefined) return undefined;
    const group = toGroup(row);
    this.#groups.remember(group);
    return group.businessPk === businessPk ? { group, page: toRenderedPage(row) } : undefined;
  }

  async decideJoinRequests(
    groupPk: number,
    joinRequestIds: readonly string[],
    decision: Decision,
    options: DecideOptions,
    events: EventsFor<DecisionOutcome[]>,
  ): Promise<DecisionOutcome[]> {
    // Forgotten after the commit: forgetting before would let a concurrent read cache the old count again.
    const outcomes = await this.#writes.decide(groupPk, joinRequestIds, decision, options, events);
    if (decision === 'approve') this.#groups.forget(groupPk);
    return outcomes;
  }

  async requestToJoin(
    group: GroupRecord,
    input: JoinInput,
    events: EventsFor<JoinOutcome>,
  ): Promise<JoinOutcome> {
    const outcome = await this.#writes.join(group, input, events);
    if (outcome.status === 'joined') this.#groups.forget(group.pk);
    return outcome;
  }

  cancelJoinRequest(
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
    const group = await this.#writes.updateGroup(groupPk, patch, events);
    this.#groups.forget(groupPk);
    return group;
  }

  async deleteGroup(groupPk: number, now: number, events: EventsFor<GroupRecord>): Promise<boolean> {
    const deleted = await this.#writes.deleteGroup(groupPk, now, events);
    this.#groups.forget(groupPk);
    return deleted;
  }

  async setInviteCode(groupPk: number, inviteCode: string | null): Promise<GroupRecord | undefined> {
    let row: GroupRow | undefined;
    try {
      row = await this.#one<GroupRow>(
        `UPDATE groups SET invite_code = coalesce($2, invite_code), invite_link_active = $3
         WHERE pk = $1 AND deleted_at IS NULL RETURNING ${GROUP_COLUMNS}`,
        [groupPk, inviteCode, inviteCode !== null],
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw new StoreConflictError('invite code already taken');
      throw error;
    }
    this.#groups.forget(groupPk);
    return row && toGroup(row);
  }

  async setSuspended(
    groupPk: number,
    suspended: boolean,
    now: number,
    events: EventsFor<GroupRecord>,
  ): Promise<GroupRecord | undefined> {
    const group = await this.#writes.setSuspended(groupPk, suspended ? now : null, events);
    this.#groups.forget(groupPk);
    return group;
  }

  async removeParticipants(
    groupPk: number,
    users: readonly UserRef[],
    options: RemoveOptions,
    events: EventsFor<RemovalOutcome[]>,
  ): Promise<RemovalOutcome[]> {
    const outcomes = await this.#writes.remove(groupPk, users, options, events);
    this.#groups.forget(groupPk);
    return outcomes;
  }

  claimWebhookEvents(now: number, limit: number, leaseUntil: number): Promise<ClaimedWebhookEvent[]> {
    return this.#outbox.claim(now, limit, leaseUntil);
  }

  recordWebhookAttempt(attempt: WebhookAttempt, verdict: AttemptVerdict): Promise<void> {
    return this.#outbox.record(attempt, verdict);
  }

  listWebhookEvents(filter: WebhookEventFilter): Promise<WebhookEventRecord[]> {
    return this.#outbox.list(filter);
  }

  findWebhookEvent(
    id: number,
  ): Promise<{ event: WebhookEventRecord; attempts: WebhookAttempt[] } | undefined> {
    return this.#outbox.find(id);
  }

  async replayWebhookEvent(id: number, now: number): Promise<boolean> {
    const replayed = await this.#outbox.replay(id, now);
    if (replayed) this.#appended.notify();
    return replayed;
  }

  pruneWebhookEvents(before: number, limit: number): Promise<number> {
    return this.#outbox.prune(before, limit);
  }

  findWebhookSettings(appId: string): Promise<WebhookSettings | undefined> {
    return this.#outbox.findSettings(appId);
  }

  saveWebhookSettings(settings: WebhookSettings): Promise<void> {
    return this.#outbox.saveSettings(settings);
  }

  async setAppSettings(appId: string, patch: AppSettingsPatch): Promise<boolean> {
    this.#tokens.clear();
    const result = await this.#pool.query(
      `UPDATE businesses SET require_appsecret_proof = COALESCE($1, require_appsecret_proof),
         default_api_version = CASE WHEN $2 THEN $3 ELSE default_api_version END WHERE app_id = $4`,
      [
        patch.requireAppsecretProof ?? null,
        patch.defaultApiVersion !== undefined,
        patch.defaultApiVersion ?? null,
        appId,
      ],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async setAppSecret(appId: string, appSecret: string): Promise<boolean> {
    this.#tokens.clear();
    const result = await this.#pool.query('UPDATE businesses SET app_secret = $1 WHERE app_id = $2', [
      appSecret,
      appId,
    ]);
    return (result.rowCount ?? 0) > 0;
  }

  async findPendingRequester(groupPk: number, userId: string): Promise<string | undefined> {
    const row = await this.#one<{ wa_id: string }>(
      `SELECT wa_id FROM join_requests
       WHERE group_pk = $1 AND status = 'pending' AND user_json::json ->> 'user_id' = $2 LIMIT 1`,
      [groupPk, userId],
    );
    return row?.wa_id;
  }

  async listParticipants(groupPk: number): Promise<UserIdentity[]> {
    const rows = await this.#pool.query<{ wa_id: string; user_json: string }>(
      'SELECT wa_id, user_json FROM participants WHERE group_pk = $1 ORDER BY joined_at, wa_id',
      [groupPk],
    );
    return rows.rows.map((r) => userFromWire(r.wa_id, r.user_json));
  }

  async appendJournalEntries(entries: readonly NewJournalEntry[], maxEntries: number): Promise<void> {
    if (entries.length === 0) return;
    const width = JOURNAL_COLUMNS.length;
    // One statement per batch (within PostgreSQL's 65535 parameters), and the trim in the same round trip's
    // transaction: the bound holds for every reader, whichever instance wrote last.
    await withClient(this.#pool, async (client) => {
      await client.query('BEGIN');
      try {
        for (let start = 0; start < entries.length; start += JOURNAL_INSERT_ROWS) {
          const chunk = entries.slice(start, start + JOURNAL_INSERT_ROWS);
          const rows = chunk.map(
            (_, row) => `(${JOURNAL_COLUMNS.map((__, column) => `$${row * width + column + 1}`).join(', ')})`,
          );
          await client.query(
            `INSERT INTO request_journal (${JOURNAL_COLUMNS.join(', ')}) VALUES ${rows.join(', ')}`,
            chunk.flatMap(journalValues),
          );
        }
        // Ids come from one sequence: "the newest maxEntries" is an id range, one index seek.
        await client.query(
          'DELETE FROM request_journal WHERE id <= (SELECT MAX(id) FROM request_journal) - $1',
          [maxEntries],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  async listJournalEntries(filter: JournalFilter, limit: number): Promise<JournalEntryRecord[]> {
    const { where, params } = journalWhere(filter, (i) => `$${i}`);
    const result = await this.#pool.query<JournalRow>(
      `SELECT * FROM request_journal ${where} ORDER BY id DESC LIMIT $${params.length + 1}`,
      [...params, limit],
    );
    return result.rows.map(toJournalEntry);
  }

  async countJournalEntries(filter: JournalFilter): Promise<number> {
    const { where, params } = journalWhere(filter, (i) => `$${i}`);
    const result = await this.#pool.query<{ count: number }>(
      `SELECT COUNT(*) AS count FROM request_journal ${where}`,
      params,
    );
    return Number(result.rows[0]?.count ?? 0);
  }

  async deleteJournalEntries(filter: { wabaId?: string } = {}): Promise<number> {
    const { where, params } = journalWhere(
      { ...(filter.wabaId !== undefined && { wabaId: filter.wabaId }) },
      (i) => `$${i}`,
    );
    const result = await this.#pool.query(`DELETE FROM request_journal ${where}`, params);
    return result.rowCount ?? 0;
  }

  onEventsAppended(listener: () => void): () => void {
    return this.#appended.subscribe(listener);
  }

  async readClock(): Promise<ClockState> {
    return toClockState(await this.#one<ClockRow>(CLOCK_SELECT, [], 'read_clock'));
  }

  updateClock(change: (current: ClockState) => ClockState): Promise<ClockState> {
    return inTransaction(this.#pool, async (client) => {
      const current = toClockState((await client.query<ClockRow>(`${CLOCK_SELECT} FOR UPDATE`)).rows[0]);
      const next = change(current);
      await client.query(
        'UPDATE virtual_clock SET offset_ms = $1, frozen_at_ms = $2, version = $3 WHERE id = 1',
        [next.offsetMs, next.frozenAtMs, next.version],
      );
      await client.query(NOTIFY_CLOCK_SQL);
      return next;
    });
  }

  onClockChanged(listener: () => void): () => void {
    return this.#clockChannel?.subscribe(listener) ?? (() => undefined);
  }

  async checkHealth(): Promise<void> {
    await this.#pool.query(HEALTH_PROBE_SQL);
  }

  async reset(): Promise<void> {
    this.#tokens.clear();
    this.#groups.clear();
    await inTransaction(this.#pool, async (client) => {
      await client.query(
        `TRUNCATE rate_window_counts, request_journal, webhook_attempts, webhook_events, webhook_settings, removed_participants, join_requests,
           participants, groups, access_tokens, businesses RESTART IDENTITY CASCADE`,
      );
      await client.query(RESET_CLOCK_SQL);
      await client.query(NOTIFY_CLOCK_SQL);
    });
  }

  async close(): Promise<void> {
    this.#clockChannel?.close();
    await this.#pool.end();
  }

  /** Drops the schema the store was opened on; for tests that give each run its own. */
  static async dropSchema(connectionString: string, schema: string): Promise<void> {
    const client = new pg.Client({ connectionString });
    await client.connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
    } finally {
      await client.end();
    }
  }
}
