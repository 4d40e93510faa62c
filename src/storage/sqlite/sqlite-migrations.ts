/**
 * @module storage/sqlite/sqlite-migrations — the SQLite schema, one numbered step at a time. Steps are append-only:
 * a released step is never edited, a change is a new step. Every hot query has an index that makes it a range scan.
 */
import type Database from 'better-sqlite3';
import { userBackfill, type BackfillRequestRow, type BackfillUserRow } from '../user-backfill.js';
import type { Migration } from '../migration.js';

/** A step, and the rows it fills in that SQL alone cannot compute, in the step's transaction. */
interface SqliteMigration extends Migration {
  backfill?: (db: Database.Database) => void;
}

export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    name: 'businesses, tokens, groups, participants, join requests',
    sql: `
      CREATE TABLE businesses (
        pk INTEGER PRIMARY KEY,
        waba_id TEXT NOT NULL UNIQUE,
        phone_number_id TEXT NOT NULL UNIQUE,
        phone_digits TEXT NOT NULL UNIQUE,
        display_phone_number TEXT NOT NULL,
        app_id TEXT NOT NULL UNIQUE,
        app_secret TEXT NOT NULL,
        name TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );

      CREATE TABLE access_tokens (
        token TEXT PRIMARY KEY,
        business_pk INTEGER NOT NULL REFERENCES businesses(pk) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER,
        revoked_at INTEGER
      ) WITHOUT ROWID;

      CREATE TABLE groups (
        pk INTEGER PRIMARY KEY,
        group_id TEXT NOT NULL UNIQUE,
        group_number TEXT NOT NULL UNIQUE,
        business_pk INTEGER NOT NULL REFERENCES businesses(pk) ON DELETE CASCADE,
        request_id TEXT NOT NULL,
        subject TEXT NOT NULL,
        description TEXT NOT NULL,
        join_approval_mode TEXT NOT NULL CHECK (join_approval_mode IN ('approval_required', 'auto_approve')),
        invite_code TEXT NOT NULL UNIQUE,
        participant_count INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        deleted_at INTEGER
      );
      -- Listing a business's active groups, newest first.
      CREATE INDEX groups_active_by_business ON groups (business_pk, pk) WHERE deleted_at IS NULL;

      CREATE TABLE participants (
        group_pk INTEGER NOT NULL REFERENCES groups(pk) ON DELETE CASCADE,
        wa_id TEXT NOT NULL,
        joined_at INTEGER NOT NULL,
        PRIMARY KEY (group_pk, wa_id)
      ) WITHOUT ROWID;

      -- One row per request ever made; a user may ask again after a rejection, under the same join_request_id.
      CREATE TABLE join_requests (
        seq INTEGER PRIMARY KEY,
        group_pk INTEGER NOT NULL REFERENCES groups(pk) ON DELETE CASCADE,
        join_request_id TEXT NOT NULL,
        wa_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'revoked')),
        created_at INTEGER NOT NULL,
        decided_at INTEGER,
        -- The item exactly as GET /join_requests sends it. The fields it renders never change after insert.
        wire_json TEXT NOT NULL
      );
      -- Covers the page query entirely: pages are read from the index alone, in key order.
      CREATE INDEX join_requests_pending_page
        ON join_requests (group_pk, seq, wire_json) WHERE status = 'pending';
      -- At most one pending request per id, and the lookup used when deciding. The id is derived from (user,
      -- group), so this is also "one pending request per user": a second index on wa_id would only cost writes.
      CREATE UNIQUE INDEX join_requests_one_pending
        ON join_requests (group_pk, join_request_id) WHERE status = 'pending';
    `,
  },
  {
    version: 2,
    name: 'group lifecycle, removed participants, webhook outbox and delivery log',
    sql: `
      ALTER TABLE groups ADD COLUMN suspended_at INTEGER;
      ALTER TABLE groups ADD COLUMN photo_sha256 TEXT;
      ALTER TABLE groups ADD COLUMN invite_link_active INTEGER NOT NULL DEFAULT 1;

      -- Users the business removed: they cannot come back through the invite link.
      CREATE TABLE removed_participants (
        group_pk INTEGER NOT NULL REFERENCES groups(pk) ON DELETE CASCADE,
        wa_id TEXT NOT NULL,
        removed_at INTEGER NOT NULL,
        PRIMARY KEY (group_pk, wa_id)
      ) WITHOUT ROWID;

      CREATE TABLE webhook_settings (
        app_id TEXT PRIMARY KEY,
        callback_url TEXT NOT NULL,
        verify_token TEXT NOT NULL,
        fields TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );

      -- The outbox: written in the transaction of the change it reports. Times are Unix milliseconds.
      CREATE TABLE webhook_events (
        id INTEGER PRIMARY KEY,
        business_pk INTEGER NOT NULL REFERENCES businesses(pk) ON DELETE CASCADE,
        group_pk INTEGER NOT NULL REFERENCES groups(pk) ON DELETE CASCADE,
        field TEXT NOT NULL,
        item_json TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'skipped')),
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        next_attempt_at INTEGER,
        lease_until INTEGER,
        delivered_at INTEGER,
        last_status_code INTEGER,
        last_error TEXT,
        last_latency_ms INTEGER
      );
      -- A group's oldest pending event is the only one due: this finds it, and finds nothing older, by seeks.
      CREATE INDEX webhook_events_pending_by_group ON webhook_events (group_pk, id) WHERE state = 'pending';
      CREATE INDEX webhook_events_pending ON webhook_events (id) WHERE state = 'pending';
      CREATE INDEX webhook_events_by_business ON webhook_events (business_pk, id);
      CREATE INDEX webhook_events_by_group ON webhook_events (group_pk, id);

      CREATE TABLE webhook_attempts (
        event_id INTEGER NOT NULL REFERENCES webhook_events(id) ON DELETE CASCADE,
        attempt INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        duration_ms INTEGER NOT NULL,
        url TEXT NOT NULL,
        status_code INTEGER,
        error TEXT,
        PRIMARY KEY (event_id, attempt)
      ) WITHOUT ROWID;
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
        business_pk INTEGER NOT NULL REFERENCES businesses(pk) ON DELETE CASCADE,
        at INTEGER NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (budget, scope_id, at)
      ) WITHOUT ROWID;
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
        id INTEGER PRIMARY KEY,
        time INTEGER NOT NULL,
        method TEXT NOT NULL,
        http_method TEXT NOT NULL,
        path TEXT NOT NULL,
        edge TEXT,
        status INTEGER NOT NULL,
        error_code INTEGER,
        error_subcode INTEGER,
        fbtrace_id TEXT NOT NULL,
        duration_ms REAL NOT NULL,
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
        offset_ms INTEGER NOT NULL,
        frozen_at_ms INTEGER,
        version INTEGER NOT NULL
      );
      INSERT INTO virtual_clock (id, offset_ms, frozen_at_ms, version) VALUES (1, 0, NULL, 0);
    `,
  },
  {
    version: 7,
    name: 'app settings: appsecret_proof required, default API version',
    sql: `
      ALTER TABLE businesses ADD COLUMN require_appsecret_proof INTEGER NOT NULL DEFAULT 0;
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
      ALTER TABLE participants ADD COLUMN user_id TEXT;
      ALTER TABLE participants ADD COLUMN user_json TEXT;
      ALTER TABLE join_requests ADD COLUMN user_json TEXT;
      CREATE INDEX participants_by_user_id ON participants (group_pk, user_id);
    `,
    // Rows from before BSUIDs get their users' derived ids; pending requests are rendered again with them.
    backfill: (db) => {
      const users = db
        .prepare<[], BackfillUserRow>(
          `SELECT p.group_pk AS groupPk, p.wa_id AS waId, b.waba_id AS wabaId FROM participants p
           JOIN groups g ON g.pk = p.group_pk JOIN businesses b ON b.pk = g.business_pk`,
        )
        .all();
      const requests = db
        .prepare<[], BackfillRequestRow>(
          `SELECT r.seq AS seq, r.join_request_id AS joinRequestId, r.wa_id AS waId, r.created_at AS createdAt,
             b.waba_id AS wabaId FROM join_requests r
           JOIN groups g ON g.pk = r.group_pk JOIN businesses b ON b.pk = g.business_pk
           WHERE r.status = 'pending'`,
        )
        .all();
      const fill = userBackfill(users, requests);
      const setUser = db.prepare(
        'UPDATE participants SET user_id = @userId, user_json = @userJson WHERE group_pk = @groupPk AND wa_id = @waId',
      );
      for (const row of fill.participants) setUser.run(row);
      const setRequest = db.prepare(
        'UPDATE join_requests SET user_json = @userJson, wire_json = @wireJson WHERE seq = @seq',
      );
      for (const row of fill.requests) setRequest.run(row);
    },
  },
];

/** Applies the steps not yet applied, each in its own IMMEDIATE transaction. */
export function migrateSqlite(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied = new Set(
    db
      .prepare('SELECT version FROM schema_migrations')
      .pluck()
      .all()
      .map((v) => Number(v)),
  );
  const apply = db.transaction((m: SqliteMigration) => {
    db.exec(m.sql);
    m.backfill?.(db);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
      m.version,
      m.name,
      Math.floor(Date.now() / 1000),
    );
  });
  for (const m of SQLITE_MIGRATIONS) {
    if (!applied.has(m.version)) apply.immediate(m);
  }
}
