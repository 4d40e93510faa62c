/**
 * @module storage/sqlite/sqlite-state — the state export and import in SQLite's SQL. The mapping between rows and
 * the snapshot is storage/state-rows, shared with PostgreSQL; here are only the reads and the inserts.
 */
import type Database from 'better-sqlite3';
import type { StateSnapshot } from '../../domain/state.js';
import { BUSINESS_COLUMNS, type BusinessRow, type WebhookSettingsRow } from '../rows.js';
import {
  GROUP_COLUMNS_FOR_STATE,
  STATE_ORDER,
  rowsOfSnapshot,
  type GroupStateRow,
  type JoinRequestStateRow,
  type ParticipantStateRow,
  type RemovedStateRow,
  type StateRows,
  type TokenStateRow,
} from '../state-rows.js';

/** Every table the state lives in, children first: the order to empty them in. */
export const STATE_TABLES = [
  'rate_window_counts',
  'webhook_attempts',
  'webhook_events',
  'webhook_settings',
  'removed_participants',
  'join_requests',
  'participants',
  'groups',
  'access_tokens',
  'businesses',
] as const;

/** The rows of every business, or of one (by pk); call inside a transaction for a consistent read. */
export function readStateRows(db: Database.Database, businessPk: number | undefined): StateRows {
  const one = businessPk !== undefined;
  const byBusiness = one ? 'WHERE business_pk = @businessPk' : '';
  const byGroup = one ? 'WHERE group_pk IN (SELECT pk FROM groups WHERE business_pk = @businessPk)' : '';
  const all = <T>(sql: string): T[] =>
    db.prepare<[{ businessPk?: number }], T>(sql).all(one ? { businessPk } : {});
  return {
    businesses: all<BusinessRow>(
      `SELECT ${BUSINESS_COLUMNS} FROM businesses ${one ? 'WHERE pk = @businessPk' : ''} ORDER BY ${STATE_ORDER.businesses}`,
    ),
    tokens: all<TokenStateRow>(
      `SELECT token, business_pk, created_at, expires_at, revoked_at FROM access_tokens ${byBusiness}
       ORDER BY ${STATE_ORDER.tokens}`,
    ),
    groups: all<GroupStateRow>(
      `SELECT ${GROUP_COLUMNS_FOR_STATE} FROM groups ${byBusiness} ORDER BY ${STATE_ORDER.groups}`,
    ),
    participants: all<ParticipantStateRow>(
      `SELECT group_pk, wa_id, joined_at, user_json FROM participants ${byGroup} ORDER BY ${STATE_ORDER.participants}`,
    ),
    removed: all<RemovedStateRow>(
      `SELECT group_pk, wa_id, removed_at FROM removed_participants ${byGroup} ORDER BY ${STATE_ORDER.removed}`,
    ),
    joinRequests: all<JoinRequestStateRow>(
      `SELECT seq, group_pk, join_request_id, wa_id, status, created_at, decided_at, user_json
       FROM join_requests ${byGroup}
       ORDER BY ${STATE_ORDER.joinRequests}`,
    ),
    webhookSettings: all<WebhookSettingsRow>(
      `SELECT app_id, callback_url, verify_token, fields, updated_at FROM webhook_settings
       ${one ? 'WHERE app_id IN (SELECT app_id FROM businesses WHERE pk = @businessPk)' : ''} ORDER BY app_id`,
    ),
  };
}

/**
 * SQLite gives a new row the highest key + 1 (no AUTOINCREMENT): the next keys are those, whatever a document
 * asks for (docs/state.md).
 */
export function nextKeys(db: Database.Database): StateSnapshot['nextKeys'] {
  const next = (sql: string) => ((db.prepare(sql).pluck().get() as number | null) ?? 0) + 1;
  return {
    group: next('SELECT max(pk) FROM groups'),
    joinRequest: next('SELECT max(seq) FROM join_requests'),
  };
}

/** Inserts the snapshot's rows after the keys already taken; call inside the import's transaction. */
export function insertState(db: Database.Database, snapshot: StateSnapshot): void {
  const max = (sql: string) => (db.prepare(sql).pluck().get() as number | null) ?? 0;
  const rows = rowsOfSnapshot(
    snapshot,
    {
      business: max('SELECT max(pk) FROM businesses'),
      group: max('SELECT max(pk) FROM groups'),
      joinRequest: max('SELECT max(seq) FROM join_requests'),
    },
    'integer',
  );
  const insert = <T extends object>(table: string, items: readonly T[]) => {
    const first = items[0];
    if (first === undefined) return;
    const columns = Object.keys(first);
    const statement = db.prepare(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`,
    );
    for (const item of items) statement.run(item);
  };
  insert('businesses', rows.businesses);
  insert('webhook_settings', rows.webhookSettings);
  insert('access_tokens', rows.tokens);
  insert('groups', rows.groups);
  insert('participants', rows.participants);
  insert('removed_participants', rows.removed);
  insert('join_requests', rows.joinRequests);
}
