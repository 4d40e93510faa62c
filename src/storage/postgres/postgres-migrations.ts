/**
 * @module storage/postgres/postgres-migrations — the PostgreSQL schema, one numbered step at a time, applied at start
 * under an advisory lock so that several instances starting together apply each step once. Append-only.
 */
import type { Migration } from '../migration.js';

export const POSTGRES_MIGRATIONS: readonly Migration[] = [
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
];
