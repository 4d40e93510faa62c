/**
 * @module storage/sqlite/sqlite-migrations — the SQLite schema, one numbered step at a time. Steps are append-only:
 * a released step is never edited, a change is a new step. Every hot query has an index that makes it a range scan.
 */

import type { Migration } from '../migration.js';

export const SQLITE_MIGRATIONS: readonly Migration[] = [
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
];
