/**
 * @module storage/postgres/postgres-store — the backend for several Groupgate instances sharing one database
 * (node-postgres, pooled). Every state change is one transaction that locks the row it decides on — the group for
 * decisions and joins, the business for group creation — and changes rows only where they are still in the state
 * it read, so a join request changes state exactly once however many instances race. Nothing is cached in memory:
 * another instance may have changed anything.
 */
import pg from 'pg';
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
import { POSTGRES_MIGRATIONS } from './postgres-migrations.js';
import { PostgresOutbox } from './postgres-outbox.js';
import { inTransaction, resilientPoolConfig, withClient } from './pool.js';
import { HEALTH_PROBE_SQL } from '../health-probe.js';
import { toBusiness, toGroup, type BusinessRow, type GroupRow } from '../rows.js';

export interface PostgresStoreOptions {
  connectionString: string;
  /** A schema to create and use instead of `public` (tests give each run its own). */
  schema?: string;
  /** Pool size: 20 measured better than 10 at 50 client connections (docs/performance.md). @default 20 */
  maxConnections?: number;
  /** The connections' application_name in pg_stat_activity. @default 'groupgate' */
  applicationName?: string;
}

/** An arbitrary, fixed key: the advisory lock that serialises migrations across instances. */
const MIGRATION_LOCK_KEY = 4_004_2026;

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

const BUSINESS_COLUMNS = `pk, waba_id, phone_number_id, phone_digits, display_phone_number, app_id, app_secret,
  name, created_at`;
const GROUP_COLUMNS = `pk, group_id, group_number, business_pk, request_id, subject, description,
  join_approval_mode, invite_code, invite_link_active, participant_count, created_at, suspended_at`;

/** One page of a group's pending requests, by its pk. Parameters: `$1` the group's pk, `$2` limit, `$3` key. */
function pageSql(direction: 'first' | 'after' | 'before'): string {
  const condition = direction === 'after' ? 'AND seq > $3' : direction === 'before' ? 'AND seq < $3' : '';
  return `SELECT ${qualified('g', GROUP_COLUMNS)}, p.n, p.first, p.last, p.items,
      EXISTS (SELECT 1 FROM join_requests WHERE group_pk = g.pk AND status = 'pending' AND seq > p.last) AS more,
      EXISTS (SELECT 1 FROM join_requests WHERE group_pk = g.pk AND status = 'pending' AND seq < p.first) AS earlier
    FROM groups AS g
    CROSS JOIN LATERAL (
      SELECT count(*)::int AS n, min(seq) AS first, max(seq) AS last, string_agg(wire_json, ',' ORDER BY seq) AS items
      FROM (SELECT seq, wire_json FROM join_requests
            WHERE group_pk = g.pk AND status = 'pending' ${condition}
            ORDER BY seq ${direction === 'before' ? 'DESC' : 'ASC'} LIMIT $2) AS page) AS p
    WHERE g.pk = $1`;
}

function qualified(alias: string, columns: string): string {
  return columns
    .split(',')
    .map((column) => `${alias}.${column.trim()}`)
    .join(', ');
}

/**
 * Same shape as the SQLite page (one row per page: the rendered items, the end keys, whether more lie beyond), for
 * many pages at once, each with its group's row, looked up by group id: the hot read is one round trip, and one
 * round trip serves every page asked for while the last batch was out (ReadBatcher). Each input row names a group id,
 * a key (0 for the first page: keys start at 1), a limit and a direction; `ord` ties each answer to its input. A
 * group that does not exist, or was deleted, has no row. The two branches of the page are gated on the direction,
 * so each page runs one index range scan.
 */
const BATCHED_PAGES_SQL = `SELECT r.ord, ${qualified('g', GROUP_COLUMNS)}, p.n, p.first, p.last, p.items,
    EXISTS (SELECT 1 FROM join_requests WHERE group_pk = g.pk AND status = 'pending' AND seq > p.last) AS more,
    EXISTS (SELECT 1 FROM join_requests WHERE group_pk = g.pk AND status = 'pending' AND seq < p.first) AS earlier
  FROM unnest($1::text[], $2::bigint[], $3::int[], $4::boolean[])
    WITH ORDINALITY AS r(group_id, key, lim, backward, ord)
  CROSS JOIN LATERAL (SELECT ${GROUP_COLUMNS} FROM groups
                      WHERE group_id = r.group_id AND deleted_at IS NULL) AS g
  CROSS JOIN LATERAL (
    SELECT count(*)::int AS n, min(seq) AS first, max(seq) AS last, string_agg(wire_json, ',' ORDER BY seq) AS items
    FROM ((SELECT seq, wire_json FROM join_requests
           WHERE NOT r.backward AND group_pk = g.pk AND status = 'pending' AND seq > r.key
           ORDER BY seq ASC LIMIT r.lim)
          UNION ALL
          (SELECT seq, wire_json FROM join_requests
           WHERE r.backward AND group_pk = g.pk AND status = 'pending' AND seq < r.key
           ORDER BY seq DESC LIMIT r.lim)) AS page) AS p`;

interface PageInput {
  groupId: string;
  query: KeysetQuery;
}

type PageRow = GroupRow & {
  /** In a batch, the 1-based position of the input this row answers. */
  ord?: number;
  n: number;
  first: number | null;
  last: number | null;
  items: string | null;
  more: boolean;
  earlier: boolean;
};

function toRenderedPage(row: PageRow | undefined): RenderedJoinRequestPage {
  if (row === undefined || row.n === 0 || row.first === null || row.last === null) {
    return { itemsJson: '', count: 0, firstKey: 0, lastKey: 0, hasNext: false, hasPrevious: false };
  }
  return {
    itemsJson: row.items ?? '',
    count: row.n,
    firstKey: row.first,
    lastKey: row.last,
    hasNext: row.more,
    hasPrevious: row.earlier,
  };
}

function directionOf(query: KeysetQuery): { direction: 'first' | 'after' | 'before'; key: number[] } {
  if (query.after !== undefined) return { direction: 'after', key: [query.after] };
  if (query.before !== undefined) return { direction: 'before', key: [query.before] };
  return { direction: 'first', key: [] };
}

function quoteIdentifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid schema name: ${name}`);
  return `"${name}"`;
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
  try {
    await withClient(pool, (client) => migrate(client, schema));
  } catch (error) {
    await pool.end();
    throw error;
  }
  return new PostgresStore(pool);
}

async function migrate(client: pg.PoolClient, schema: string | undefined): Promise<void> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
  try {
    // Under the lock too: CREATE SCHEMA IF NOT EXISTS is not safe against itself, and instances starting together
    // both ran it (one failed on pg_namespace's unique index).
    if (schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`);
    const applied = new Set(
      (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map(
        (r) => r.version,
      ),
    );
    for (const m of POSTGRES_MIGRATIONS) {
      if (applied.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          Math.floor(Date.now() / 1000),
        ]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
  }
}

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

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #tokens = new RecordCache<string, TokenLookup>(RECORD_CACHE_ENTRIES, RECORD_TTL_MS);
  readonly #groups = new GroupCache(RECORD_CACHE_ENTRIES, RECORD_TTL_MS);

  readonly #outbox: PostgresOutbox;
  readonly #pages: ReadBatcher<PageInput, PageRow | undefined>;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
    this.#outbox = new PostgresOutbox(pool);
    this.#pages = new ReadBatcher((inputs) => this.#readPages(inputs), PAGE_BATCHING);
  }

  async #readPages(inputs: readonly PageInput[]): Promise<(PageRow | undefined)[]> {
    const { rows } = await this.#pool.query<PageRow>({
      name: 'gg_batched_pages',
      text: BATCHED_PAGES_SQL,
      values: [
        inputs.map((input) => input.groupId),
        inputs.map(({ query }) => query.after ?? query.before ?? 0),
        inputs.map(({ query }) => query.limit),
        inputs.map(({ query }) => query.before !== undefined),
      ],
    });
    const answers = new Array<PageRow | undefined>(inputs.length);
    for (const row of rows) answers[(row.ord ?? 0) - 1] = row;
    return answers;
  }

  /** Runs `work` in one transaction on one connection, rolling back on any error. */
  #transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.#pool, work);
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
    column: 'phone_number_id' | 'waba_id' | 'app_id',
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

  async findBusinessByName(name: string): Promise<BusinessRecord | undefined> {
    const row = await this.#one<BusinessRow>(
      `SELECT ${BUSINESS_COLUMNS} FROM businesses WHERE name = $1 ORDER BY pk LIMIT 1`,
      [name],
    );
    return row && toBusiness(row);
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
    const row = await this.#one<
      BusinessRow & { token_expires_at: number | null; token_revoked_at: number | null }
    >(
      `SELECT t.expires_at AS token_expires_at, t.revoked_at AS token_revoked_at, b.*
       FROM access_tokens t JOIN businesses b ON b.pk = t.business_pk WHERE t.token = $1`,
      [token],
      'gg_find_token',
    );
    if (row === undefined) return undefined;
    const found = {
      business: toBusiness(row),
      expiresAt: row.token_expires_at,
      revokedAt: row.token_revoked_at,
    };
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
      return await this.#transaction(async (client) => {
        // The business row lock makes count-then-insert atomic across instances.
        await client.query('SELECT 1 FROM businesses WHERE pk = $1 FOR UPDATE', [group.businessPk]);
        const count = await client.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM groups WHERE business_pk = $1 AND deleted_at IS NULL',
          [group.businessPk],
        );
        if ((count.rows[0]?.n ?? 0) >= maxGroups) return 'limit_reached' as const;
        const inserted = await client.query<GroupRow>(
          `INSERT INTO groups (group_id, group_number, business_pk, request_id, subject, description,
             join_approval_mode, invite_code, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${GROUP_COLUMNS}`,
          [
            group.groupId,
            group.groupNumber,
            group.businessPk,
            group.requestId,
            group.subject,
            group.description,
            group.joinApprovalMode,
            group.inviteCode,
            group.createdAt,
          ],
        );
        const created = toGroup(inserted.rows[0] as GroupRow);
        await this.#outbox.append(client, events(created));
        return created;
      });
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
    const backward = query.before !== undefined;
    const key = backward ? query.before : query.after;
    const condition = key === undefined ? '' : backward ? 'AND pk > $3' : 'AND pk < $3';
    const rows = (
      await this.#pool.query<GroupRow>(
        `SELECT ${GROUP_COLUMNS} FROM groups WHERE business_pk = $1 AND deleted_at IS NULL ${condition}
         ORDER BY pk ${backward ? 'ASC' : 'DESC'} LIMIT $2`,
        key === undefined ? [businessPk, query.limit + 1] : [businessPk, query.limit + 1, key],
      )
    ).rows;
    const more = rows.length > query.limit;
    if (more) rows.pop();
    if (backward) rows.reverse();
    const first = rows[0];
    const last = rows[rows.length - 1];
    const exists = async (sql: string, pk: number) =>
      (
        await this.#pool.query(
          `SELECT 1 FROM groups WHERE business_pk = $1 AND deleted_at IS NULL AND ${sql} LIMIT 1`,
          [businessPk, pk],
        )
      ).rowCount !== 0;
    const hasNext = backward ? last !== undefined && (await exists('pk < $2', last.pk)) : more;
    const hasPrevious = backward
      ? more
      : query.after !== undefined && first !== undefined && (await exists('pk > $2', first.pk));
    return { items: rows.map(toGroup), hasNext, hasPrevious };
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
    const outcomes = await this.#transaction(async (client) => {
      // Locking the group serialises every decision on it, across instances: the cap is counted once per decider.
      const group = await client.query<{ participant_count: number }>({
        name: 'gg_lock_group',
        text: 'SELECT participant_count FROM groups WHERE pk = $1 FOR UPDATE',
        values: [groupPk],
      });
      let room =
        decision === 'approve' ? options.maxParticipants - (group.rows[0]?.participant_count ?? 0) : Infinity;
      const pending = new Map(
        (
          await client.query<{ seq: number; join_request_id: string; wa_id: string }>({
            name: 'gg_pending_among',
            text: `SELECT seq, join_request_id, wa_id FROM join_requests
                   WHERE group_pk = $1 AND status = 'pending' AND join_request_id = ANY($2::text[])`,
            values: [groupPk, joinRequestIds],
          })
        ).rows.map((r) => [r.join_request_id, r]),
      );
      const outcomes: DecisionOutcome[] = [];
      const seqs: number[] = [];
      for (const joinRequestId of joinRequestIds) {
        const request = pending.get(joinRequestId);
        if (request === undefined) {
          outcomes.push({ joinRequestId, result: 'not_pending' });
        } else if (room <= 0) {
          outcomes.push({ joinRequestId, result: 'group_full' });
        } else {
          room--;
          seqs.push(request.seq);
          outcomes.push({ joinRequestId, result: 'decided', waId: request.wa_id });
        }
      }
      if (seqs.length === 0) return outcomes;
      // One statement for the whole decision (three round trips were three of an approval's eight): the group row
      // is locked, so the rows read as pending above are still pending here.
      await client.query({
        name: 'gg_decide',
        text: `WITH decided AS (
                 UPDATE join_requests SET status = $1, decided_at = $2
                 WHERE seq = ANY($3::bigint[]) AND status = 'pending' RETURNING wa_id),
               joined AS (
                 INSERT INTO participants (group_pk, wa_id, joined_at)
                 SELECT $4, wa_id, $2 FROM decided WHERE $1 = 'approved')
               UPDATE groups SET participant_count = participant_count + (SELECT count(*) FROM decided)
               WHERE pk = $4 AND $1 = 'approved'`,
        values: [decision === 'approve' ? 'approved' : 'rejected', options.now, seqs, groupPk],
      });
      await this.#outbox.append(client, events(outcomes));
      return outcomes;
    });
    if (decision === 'approve') this.#groups.forget(groupPk);
    return outcomes;
  }

  async requestToJoin(
    group: GroupRecord,
    input: JoinInput,
    events: EventsFor<JoinOutcome>,
  ): Promise<JoinOutcome> {
    const outcome = await this.#transaction(async (client): Promise<JoinOutcome> => {
      const outcome = await this.#join(client, group, input);
      await this.#outbox.append(client, events(outcome));
      return outcome;
    });
    if (outcome.status === 'joined') this.#groups.forget(group.pk);
    return outcome;
  }

  async #join(client: pg.PoolClient, group: GroupRecord, input: JoinInput): Promise<JoinOutcome> {
    const locked = await client.query<{ participant_count: number }>(
      'SELECT participant_count FROM groups WHERE pk = $1 FOR UPDATE',
      [group.pk],
    );
    const isParticipant = await client.query(
      'SELECT 1 FROM participants WHERE group_pk = $1 AND wa_id = $2',
      [group.pk, input.waId],
    );
    if (isParticipant.rowCount !== 0) return { status: 'already_participant' as const };
    const isRemoved = await client.query(
      'SELECT 1 FROM removed_participants WHERE group_pk = $1 AND wa_id = $2',
      [group.pk, input.waId],
    );
    if (isRemoved.rowCount !== 0) return { status: 'removed' as const };
    if (group.joinApprovalMode === 'approval_required') {
      const existing = await client.query(
        `SELECT 1 FROM join_requests WHERE group_pk = $1 AND join_request_id = $2 AND status = 'pending'`,
        [group.pk, input.joinRequestId],
      );
      if (existing.rowCount !== 0) {
        return { status: 'requested' as const, joinRequestId: input.joinRequestId, created: false };
      }
      await client.query(
        `INSERT INTO join_requests (group_pk, join_request_id, wa_id, status, created_at, wire_json)
         VALUES ($1, $2, $3, 'pending', $4, $5)`,
        [
          group.pk,
          input.joinRequestId,
          input.waId,
          input.now,
          JSON.stringify({
            join_request_id: input.joinRequestId,
            wa_id: input.waId,
            creation_timestamp: input.now,
          }),
        ],
      );
      return { status: 'requested' as const, joinRequestId: input.joinRequestId, created: true };
    }
    if ((locked.rows[0]?.participant_count ?? 0) >= input.maxParticipants)
      return { status: 'group_full' as const };
    await client.query('INSERT INTO participants (group_pk, wa_id, joined_at) VALUES ($1, $2, $3)', [
      group.pk,
      input.waId,
      input.now,
    ]);
    await client.query('UPDATE groups SET participant_count = participant_count + 1 WHERE pk = $1', [
      group.pk,
    ]);
    return { status: 'joined' as const };
  }

  async cancelJoinRequest(
    groupPk: number,
    joinRequestId: string,
    now: number,
    events: EventsFor<string>,
  ): Promise<string | undefined> {
    return this.#transaction(async (client) => {
      const row = (
        await client.query<{ join_request_id: string }>(
          `UPDATE join_requests SET status = 'revoked', decided_at = $1
           WHERE group_pk = $2 AND join_request_id = $3 AND status = 'pending' RETURNING join_request_id`,
          [now, groupPk, joinRequestId],
        )
      ).rows[0];
      if (row === undefined) return undefined;
      await this.#outbox.append(client, events(row.join_request_id));
      return row.join_request_id;
    });
  }

  /** Changes a group's row and queues the events it reports, in one transaction; forgets the cached group. */
  async #changeGroup(
    groupPk: number,
    change: (client: pg.PoolClient) => Promise<GroupRow | undefined>,
    events: EventsFor<GroupRecord>,
  ): Promise<GroupRecord | undefined> {
    const group = await this.#transaction(async (client) => {
      const row = await change(client);
      if (row === undefined) return undefined;
      const changed = toGroup(row);
      await this.#outbox.append(client, events(changed));
      return changed;
    });
    this.#groups.forget(groupPk);
    return group;
  }

  updateGroup(
    groupPk: number,
    patch: GroupPatch,
    events: EventsFor<GroupRecord>,
  ): Promise<GroupRecord | undefined> {
    return this.#changeGroup(
      groupPk,
      async (client) =>
        (
          await client.query<GroupRow>(
            `UPDATE groups SET subject = coalesce($2, subject), description = coalesce($3, description),
               photo_sha256 = coalesce($4, photo_sha256)
             WHERE pk = $1 AND deleted_at IS NULL RETURNING ${GROUP_COLUMNS}`,
            [groupPk, patch.subject ?? null, patch.description ?? null, patch.photoSha256 ?? null],
          )
        ).rows[0],
      events,
    );
  }

  async deleteGroup(groupPk: number, now: number, events: EventsFor<GroupRecord>): Promise<boolean> {
    const group = await this.#changeGroup(
      groupPk,
      async (client) => {
        const row = (
          await client.query<GroupRow>(
            `UPDATE groups SET deleted_at = $2, participant_count = 0
             WHERE pk = $1 AND deleted_at IS NULL RETURNING ${GROUP_COLUMNS}`,
            [groupPk, now],
          )
        ).rows[0];
        if (row !== undefined) await client.query('DELETE FROM participants WHERE group_pk = $1', [groupPk]);
        return row;
      },
      events,
    );
    return group !== undefined;
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

  setSuspended(
    groupPk: number,
    suspended: boolean,
    now: number,
    events: EventsFor<GroupRecord>,
  ): Promise<GroupRecord | undefined> {
    return this.#changeGroup(
      groupPk,
      async (client) =>
        (
          await client.query<GroupRow>(
            `UPDATE groups SET suspended_at = $2
             WHERE pk = $1 AND deleted_at IS NULL AND (suspended_at IS NULL) = ($2::bigint IS NOT NULL)
             RETURNING ${GROUP_COLUMNS}`,
            [groupPk, suspended ? now : null],
          )
        ).rows[0],
      events,
    );
  }

  async removeParticipants(
    groupPk: number,
    waIds: readonly string[],
    options: RemoveOptions,
    events: EventsFor<RemovalOutcome[]>,
  ): Promise<RemovalOutcome[]> {
    const unique = [...new Set(waIds)];
    const outcomes = await this.#transaction(async (client) => {
      await client.query('SELECT 1 FROM groups WHERE pk = $1 FOR UPDATE', [groupPk]);
      const removed = new Set(
        (
          await client.query<{ wa_id: string }>(
            'DELETE FROM participants WHERE group_pk = $1 AND wa_id = ANY($2::text[]) RETURNING wa_id',
            [groupPk, unique],
          )
        ).rows.map((r) => r.wa_id),
      );
      if (removed.size > 0) {
        await client.query('UPDATE groups SET participant_count = participant_count - $1 WHERE pk = $2', [
          removed.size,
          groupPk,
        ]);
      }
      if (options.ban) {
        await client.query(
          `INSERT INTO removed_participants (group_pk, wa_id, removed_at) SELECT $1, unnest($2::text[]), $3
           ON CONFLICT (group_pk, wa_id) DO UPDATE SET removed_at = excluded.removed_at`,
          [groupPk, unique, options.now],
        );
      }
      const outcomes = unique.map((waId): RemovalOutcome =>
        removed.has(waId) ? { waId, result: 'removed' } : { waId, result: 'not_participant' },
      );
      await this.#outbox.append(client, events(outcomes));
      return outcomes;
    });
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

  replayWebhookEvent(id: number, now: number): Promise<boolean> {
    return this.#outbox.replay(id, now);
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

  async setAppSecret(appId: string, appSecret: string): Promise<boolean> {
    this.#tokens.clear();
    const result = await this.#pool.query('UPDATE businesses SET app_secret = $1 WHERE app_id = $2', [
      appSecret,
      appId,
    ]);
    return (result.rowCount ?? 0) > 0;
  }

  async listParticipants(groupPk: number): Promise<string[]> {
    const rows = await this.#pool.query<{ wa_id: string }>(
      'SELECT wa_id FROM participants WHERE group_pk = $1 ORDER BY joined_at, wa_id',
      [groupPk],
    );
    return rows.rows.map((r) => r.wa_id);
  }

  async checkHealth(): Promise<void> {
    await this.#pool.query(HEALTH_PROBE_SQL);
  }

  async reset(): Promise<void> {
    this.#tokens.clear();
    this.#groups.clear();
    await this.#pool.query(
      `TRUNCATE webhook_attempts, webhook_events, webhook_settings, removed_participants, join_requests,
         participants, groups, access_tokens, businesses RESTART IDENTITY CASCADE`,
    );
  }

  async close(): Promise<void> {
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
