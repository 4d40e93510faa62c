/**
 * @module storage/postgres/postgres-migrations — the PostgreSQL schema, one numbered step at a time, applied at start
 * under an advisory lock so that several instances starting together apply each step once. Append-only.
 */
import type pg from 'pg';
import type { Migration } from '../migration.js';
import { userBackfill, type BackfillRequestRow, type BackfillUserRow } from '../user-backfill.js';

/** A step, and the rows it fills in that SQL alone cannot compute, in the step's transaction. */
interface PostgresMigration extends Migration {
  backfill?: (client: pg.PoolClient) => Promise<void>;
}

export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    name: 'businesses, tokens, groups, participants, join requests',
    sql: `
      CREATE TABLE businesses (
        pk BIGSERIAL PRIMARY KEY,
        waba_id TEXT NOT NULL UNIQUE,
        phone_number_id TEXT NOT NULL UNIQUE,
        phone_digits TEXT NOT NULL UNIQUE,
        display_phone_number TEXT NOT NULL,
        app_id TEXT NOT NULL UNIQUE,
        app_secret TEXT NOT NULL,
        name TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX businesses_by_name ON businesses (name, pk);

      CREATE TABLE access_tokens (
        token TEXT PRIMARY KEY,
        business_pk BIGINT NOT NULL REFERENCES businesses(pk) ON DELETE CASCADE,
        created_at BIGINT NOT NULL,
        expires_at BIGINT,
        revoked_at BIGINT
      );

      CREATE TABLE groups (
        pk BIGSERIAL PRIMARY KEY,
        group_id TEXT NOT NULL UNIQUE,
        group_number TEXT NOT NULL UNIQUE,
        business_pk BIGINT NOT NULL REFERENCES businesses(pk) ON DELETE CASCADE,
        request_id TEXT NOT NULL,
        subject TEXT NOT NULL,
        description TEXT NOT NULL,
        join_approval_mode TEXT NOT NULL CHECK (join_approval_mode IN ('approval_required', 'auto_approve')),
        invite_code TEXT NOT NULL UNIQUE,
        participant_count INTEGER NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL,
        deleted_at BIGINT
      );
      CREATE INDEX groups_active_by_business ON groups (business_pk, pk) WHERE deleted_at IS NULL;

      CREATE TABLE participants (
        group_pk BIGINT NOT NULL REFERENCES groups(pk) ON DELETE CASCADE,
        wa_id TEXT NOT NULL,
        joined_at BIGINT NOT NULL,
        PRIMARY KEY (group_pk, wa_id)
      );

      CREATE TABLE join_requests (
        seq BIGSERIAL PRIMARY KEY,
        group_pk BIGINT NOT NULL REFERENCES groups(pk) ON DELETE CASCADE,
        join_request_id TEXT NOT NULL,
        wa_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'revoked')),
        created_at BIGINT NOT NULL,
        decided_at BIGINT,
        -- The item exactly as GET /join_requests sends it; its fields never change after insert.
        wire_json TEXT NOT NULL
      );
      -- Pages are index-only scans in key order.
      CREATE INDEX join_requests_pending_page
        ON join_requests (group_pk, seq) INCLUDE (wire_json) WHERE status = 'pending';
      -- One pending request per id, which is derived from (user, group): also one per user.
      CREATE UNIQUE INDEX join_requests_one_pending
        ON join_requests (group_pk, join_request_id) WHERE status = 'pending';
    `,
  },
  {
    version: 2,
    name: 'group lifecycle, removed participants, webhook outbox and delivery log',
    sql: `
      ALTER TABLE groups ADD COLUMN suspended_at BIGINT;
      ALTER TABLE groups ADD COLUMN photo_sha256 TEXT;
      ALTER TABLE groups ADD COLUMN invite_link_active BOOLEAN NOT NULL DEFAULT TRUE;

      CREATE TABLE removed_participants (
        group_pk BIGINT NOT NULL REFERENCES groups(pk) ON DELETE CASCADE,
        wa_id TEXT NOT NULL,
        removed_at BIGINT NOT NULL,
        PRIMARY KEY (group_pk, wa_id)
      );

      CREATE TABLE webhook_settings (
        app_id TEXT PRIMARY KEY,
        callback_url TEXT NOT NULL,
        verify_token TEXT NOT NULL,
        fields TEXT NOT NULL,
        updated_at BIGINT NOT NULL
      );

      CREATE TABLE webhook_events (
        id BIGSERIAL PRIMARY KEY,
        business_pk BIGINT NOT NULL REFERENCES businesses(pk) ON DELETE CASCADE,
        group_pk BIGINT NOT NULL REFERENCES groups(pk) ON DELETE CASCADE,
        field TEXT NOT NULL,
        item_json TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'skipped')),
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL,
        next_attempt_at BIGINT,
        lease_until BIGINT,
        delivered_at BIGINT,
        last_status_code INTEGER,
        last_error TEXT,
        last_latency_ms INTEGER
      );
      CREATE INDEX webhook_events_pending_by_group ON webhook_events (group_pk, id) WHERE state = 'pending';
      CREATE INDEX webhook_events_pending ON webhook_events (id) WHERE state = 'pending';
      CREATE INDEX webhook_events_by_business ON webhook_events (business_pk, id);
      CREATE INDEX webhook_events_by_group ON webhook_events (group_pk, id);

      CREATE TABLE webhook_attempts (
        event_id BIGINT NOT NULL REFERENCES webhook_events(id) ON DELETE CASCADE,
        attempt INTEGER NOT NULL,
        started_at BIGINT NOT NULL,
        duration_ms INTEGER NOT NULL,
        url TEXT NOT NULL,
        status_code INTEGER,
        error TEXT,
        PRIMARY KEY (event_id, attempt)
      );
    `,
  },
  {
    version: 3,
    name: 'delivery log retention',
    sql: `
      -- Settled events are pruned oldest first once they are past the log's retention.
      CREATE INDEX webhook_events_by_created ON webhook_events (created_at);
    `,
  },
  {
    version: 4,
    name: 'rate limits per business, counted in sliding windows',
    sql: `
      -- The business's own limits (domain/rate-limits BusinessLimits as JSON); NULL: none, the defaults apply.
      ALTER TABLE businesses ADD COLUMN limits_json TEXT;

      -- Calls per second of each window: a window is read as the buckets of its last per_seconds seconds.
      CREATE TABLE rate_window_counts (
        budget TEXT NOT NULL,
        scope_id TEXT NOT NULL,
        business_pk BIGINT NOT NULL REFERENCES businesses(pk) ON DELETE CASCADE,
        at BIGINT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (budget, scope_id, at)
      );
      CREATE INDEX rate_window_counts_by_business ON rate_window_counts (business_pk);
    `,
  },
  {
    version: 5,
    name: 'request journal',
    sql: `
      -- The request journal: every Graph call as answered, redacted, newest kept. Bounded by the server's
      -- --journal-size, trimmed by id after each batch; no foreign keys, since a refused call has no business,
      -- and a business's entries are dropped with it by name (Store.deleteJournalEntries).
      CREATE TABLE request_journal (
        id BIGSERIAL PRIMARY KEY,
        time BIGINT NOT NULL,
        method TEXT NOT NULL,
        http_method TEXT NOT NULL,
        path TEXT NOT NULL,
        edge TEXT,
        status INTEGER NOT NULL,
        error_code INTEGER,
        error_subcode INTEGER,
        fbtrace_id TEXT NOT NULL,
        duration_ms DOUBLE PRECISION NOT NULL,
        waba_id TEXT,
        phone_number_id TEXT,
        group_id TEXT,
        fault_rule_id TEXT,
        fault_effect TEXT,
        request_json TEXT NOT NULL
      );
      -- "What did this group receive?", newest first. The only index besides the key: each costs every write a
      -- tenth more (measured), and the other filters scan a table the bound keeps small.
      CREATE INDEX request_journal_by_group ON request_journal (group_id, id);
    `,
  },
  {
    version: 6,
    name: 'virtual clock',
    sql: `
      -- One row: the virtual clock every instance reads (offset and freeze in Unix ms). A reset changes it back to
      -- real time and bumps the version, which only ever grows, so no instance takes an older state for a newer one.
      CREATE TABLE virtual_clock (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        offset_ms BIGINT NOT NULL,
        frozen_at_ms BIGINT,
        version BIGINT NOT NULL
      );
      INSERT INTO virtual_clock (id, offset_ms, frozen_at_ms, version) VALUES (1, 0, NULL, 0);
    `,
  },
  {
    version: 7,
    name: 'app settings: appsecret_proof required, default API version',
    sql: `
      ALTER TABLE businesses ADD COLUMN require_appsecret_proof BOOLEAN NOT NULL DEFAULT FALSE;
      -- NULL: Groupgate's default (DEFAULT_API_VERSION).
      ALTER TABLE businesses ADD COLUMN default_api_version TEXT;
    `,
  },
  {
    version: 8,
    name: 'business-scoped user ids',
    sql: `
      -- Who the user is to the business (domain/users userWire: user_id, username, parent_user_id, wa_id unless
      -- hidden), stored with their membership and with each pending request; user_id finds a participant a
      -- business names by BSUID.
      ALTER TABLE participants ADD COLUMN user_id TEXT, ADD COLUMN user_json TEXT;
      ALTER TABLE join_requests ADD COLUMN user_json TEXT;
      CREATE INDEX participants_by_user_id ON participants (group_pk, user_id);
    `,
    // Rows from before BSUIDs get their users' derived ids; pending requests are rendered again with them.
    backfill: async (client) => {
      const users = await client.query<BackfillUserRow>(
        `SELECT p.group_pk::int AS "groupPk", p.wa_id AS "waId", b.waba_id AS "wabaId" FROM participants p
         JOIN groups g ON g.pk = p.group_pk JOIN businesses b ON b.pk = g.business_pk`,
      );
      const requests = await client.query<BackfillRequestRow>(
        `SELECT r.seq::bigint AS seq, r.join_request_id AS "joinRequestId", r.wa_id AS "waId",
           r.created_at AS "createdAt", b.waba_id AS "wabaId" FROM join_requests r
         JOIN groups g ON g.pk = r.group_pk JOIN businesses b ON b.pk = g.business_pk
         WHERE r.status = 'pending'`,
      );
      const fill = userBackfill(users.rows, requests.rows);
      await client.query(
        `UPDATE participants p SET user_id = f.user_id, user_json = f.user_json
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS f(group_pk, wa_id, user_id, user_json)
         WHERE p.group_pk = f.group_pk AND p.wa_id = f.wa_id`,
        [
          fill.participants.map((row) => row.groupPk),
          fill.participants.map((row) => row.waId),
          fill.participants.map((row) => row.userId),
          fill.participants.map((row) => row.userJson),
        ],
      );
      await client.query(
        `UPDATE join_requests r SET user_json = f.user_json, wire_json = f.wire_json
         FROM unnest($1::bigint[], $2::text[], $3::text[]) AS f(seq, user_json, wire_json)
         WHERE r.seq = f.seq`,
        [
          fill.requests.map((row) => row.seq),
          fill.requests.map((row) => row.userJson),
          fill.requests.map((row) => row.wireJson),
        ],
      );
    },
  },
];

/** An arbitrary, fixed key: the advisory lock that serialises migrations across instances. */
const MIGRATION_LOCK_KEY = 4_004_2026;

export function quoteIdentifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid schema name: ${name}`);
  return `"${name}"`;
}

/** Applies the steps not yet applied, each in its own transaction, creating `schema` first when given. */
export async function migratePostgres(client: pg.PoolClient, schema: string | undefined): Promise<void> {
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
        await m.backfill?.(client);
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
