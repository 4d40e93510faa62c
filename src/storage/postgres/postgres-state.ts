/**
 * @module storage/postgres/postgres-state — the state export and import in PostgreSQL's SQL. The mapping between
 * rows and the snapshot is storage/state-rows, shared with SQLite; here are only the reads, the inserts and the
 * sequences.
 */
import type pg from 'pg';
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

/** Every table the state lives in: what a whole import empties. */
export const STATE_TABLES = `rate_window_counts, webhook_attempts, webhook_events, webhook_settings, removed_participants, join_requests,
  participants, groups, access_tokens, businesses`;

/** The rows of every business, or of one (by pk); call inside a REPEATABLE READ transaction. */
export async function readStateRows(
  client: pg.PoolClient,
  businessPk: number | undefined,
): Promise<StateRows> {
  const one = businessPk !== undefined;
  const params = one ? [businessPk] : [];
  const byBusiness = one ? 'WHERE business_pk = $1' : '';
  const byGroup = one ? 'WHERE group_pk IN (SELECT pk FROM groups WHERE business_pk = $1)' : '';
  const all = async <T extends pg.QueryResultRow>(sql: string): Promise<T[]> =>
    (await client.query<T>(sql, params)).rows;
  return {
    businesses: await all<BusinessRow>(
      `SELECT ${BUSINESS_COLUMNS} FROM businesses ${one ? 'WHERE pk = $1' : ''} ORDER BY ${STATE_ORDER.businesses}`,
    ),
    tokens: await all<TokenStateRow>(
      `SELECT token, business_pk, created_at, expires_at, revoked_at FROM access_tokens ${byBusiness}
       ORDER BY ${STATE_ORDER.tokens}`,
    ),
    groups: await all<GroupStateRow>(
      `SELECT ${GROUP_COLUMNS_FOR_STATE} FROM groups ${byBusiness} ORDER BY ${STATE_ORDER.groups}`,
    ),
    participants: await all<ParticipantStateRow>(
      `SELECT group_pk, wa_id, joined_at, user_json FROM participants ${byGroup} ORDER BY ${STATE_ORDER.participants}`,
    ),
    removed: await all<RemovedStateRow>(
      `SELECT group_pk, wa_id, removed_at FROM removed_participants ${byGroup} ORDER BY ${STATE_ORDER.removed}`,
    ),
    joinRequests: await all<JoinRequestStateRow>(
      `SELECT seq, group_pk, join_request_id, wa_id, status, created_at, decided_at, user_json
       FROM join_requests ${byGroup}
       ORDER BY ${STATE_ORDER.joinRequests}`,
    ),
    webhookSettings: await all<WebhookSettingsRow>(
      `SELECT app_id, callback_url, verify_token, fields, updated_at FROM webhook_settings
       ${one ? 'WHERE app_id IN (SELECT app_id FROM businesses WHERE pk = $1)' : ''} ORDER BY app_id`,
    ),
  };
}

const SEQUENCES = {
  business: ['businesses', 'pk'],
  group: ['groups', 'pk'],
  joinRequest: ['join_requests', 'seq'],
} as const;

/** The keys the sequences hand out next. */
export async function nextKeys(client: pg.PoolClient): Promise<StateSnapshot['nextKeys']> {
  const next = async ([table, column]: readonly [string, string]) => {
    const row = await client.query<{ next: number }>(
      `SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence($1, $2)::regclass), 0) + 1 AS next`,
      [table, column],
    );
    return row.rows[0]?.next ?? 1;
  };
  return { group: await next(SEQUENCES.group), joinRequest: await next(SEQUENCES.joinRequest) };
}

/**
 * Inserts the snapshot's rows after the keys already taken, then moves each sequence past them (and, for a whole
 * import, to the document's next keys; a per-business one never moves a sequence back). Inside the import's
 * transaction.
 */
export async function insertState(
  client: pg.PoolClient,
  snapshot: StateSnapshot,
  whole: boolean,
): Promise<void> {
  const max = async (table: string, column: string) =>
    (await client.query<{ max: number | null }>(`SELECT max(${column}) AS max FROM ${table}`)).rows[0]?.max ??
    0;
  const rows = rowsOfSnapshot(
    snapshot,
    {
      business: await max('businesses', 'pk'),
      group: await max('groups', 'pk'),
      joinRequest: await max('join_requests', 'seq'),
    },
    'boolean',
  );
  // One statement a table, whatever the number of rows: the rows travel as one JSON array.
  const insert = async <T extends object>(table: string, items: readonly T[]) => {
    const first = items[0];
    if (first === undefined) return;
    const columns = Object.keys(first).join(', ');
    await client.query(
      `INSERT INTO ${table} (${columns}) SELECT ${columns} FROM json_populate_recordset(NULL::${table}, $1::json)`,
      [JSON.stringify(items)],
    );
  };
  await insert('businesses', rows.businesses);
  await insert('webhook_settings', rows.webhookSettings);
  await insert('access_tokens', rows.tokens);
  await insert('groups', rows.groups);
  await insert('participants', rows.participants);
  await insert('removed_participants', rows.removed);
  await insert('join_requests', rows.joinRequests);
  const wanted = { business: undefined, ...snapshot.nextKeys };
  for (const [name, [table, column]] of Object.entries(SEQUENCES)) {
    const next = whole ? (wanted[name as keyof typeof wanted] ?? 0) : 0;
    await client.query(
      `WITH v AS (SELECT greatest(
         (SELECT coalesce(max(${column}), 0) FROM ${table}),
         $3::bigint - 1,
         CASE WHEN $4::boolean THEN 0
              ELSE coalesce(pg_sequence_last_value(pg_get_serial_sequence($1, $2)::regclass), 0) END) AS last)
       SELECT setval(pg_get_serial_sequence($1, $2), greatest(last, 1), last >= 1) FROM v`,
      [table, column, next, whole],
    );
  }
}
