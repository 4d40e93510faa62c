/**
 * @module storage/postgres/postgres-outbox — the webhook outbox and delivery log on PostgreSQL. Several instances
 * claim from one table: `FOR UPDATE SKIP LOCKED` hands each due event to one claimer, and the lease it writes
 * keeps the event from everyone else while that claimer delivers it. A group's later events are not due while an
 * earlier one is pending, which a concurrent claimer sees as soon as the earlier one is committed: it was queued
 * in an earlier transaction.
 */
import type pg from 'pg';
import type {
  AttemptVerdict,
  ClaimedWebhookEvent,
  NewWebhookEvent,
  WebhookAttempt,
  WebhookEventFilter,
  WebhookEventRecord,
  WebhookSettings,
} from '../../domain/records.js';
import {
  CLAIMED_EVENT_COLUMNS,
  WEBHOOK_EVENT_COLUMNS,
  toClaimedEvent,
  toWebhookAttempt,
  toWebhookEvent,
  toWebhookSettings,
  type ClaimedEventRow,
  type WebhookAttemptRow,
  type WebhookEventRow,
  type WebhookSettingsRow,
} from '../rows.js';
import { webhookLogWhere } from '../webhook-log-query.js';
import { inTransaction } from './pool.js';

type Queryable = pg.Pool | pg.PoolClient;

export class PostgresOutbox {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /** Queues events on the caller's transaction. */
  async append(client: pg.PoolClient, events: readonly NewWebhookEvent[]): Promise<void> {
    if (events.length === 0) return;
    await client.query({
      name: 'gg_outbox_append',
      text: `INSERT INTO webhook_events (business_pk, group_pk, field, item_json, state, created_at, next_attempt_at)
             SELECT b, g, f, i, 'pending', c, c
             FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::bigint[]) AS e(b, g, f, i, c)`,
      values: [
        events.map((e) => e.businessPk),
        events.map((e) => e.groupPk),
        events.map((e) => e.field),
        events.map((e) => e.itemJson),
        events.map((e) => e.createdAt),
      ],
    });
  }

  async claim(now: number, limit: number, leaseUntil: number): Promise<ClaimedWebhookEvent[]> {
    const result = await this.#pool.query<ClaimedEventRow>({
      name: 'gg_outbox_claim',
      text: `WITH due AS (
               SELECT e.id FROM webhook_events e
               WHERE e.state = 'pending' AND e.next_attempt_at <= $1 AND (e.lease_until IS NULL OR e.lease_until <= $1)
                 AND NOT EXISTS (SELECT 1 FROM webhook_events p
                                 WHERE p.group_pk = e.group_pk AND p.state = 'pending' AND p.id < e.id)
               ORDER BY e.id LIMIT $2
               FOR UPDATE SKIP LOCKED)
             UPDATE webhook_events e SET lease_until = $3
             FROM due, businesses b LEFT JOIN webhook_settings w ON w.app_id = b.app_id
             WHERE e.id = due.id AND b.pk = e.business_pk
             RETURNING ${CLAIMED_EVENT_COLUMNS}`,
      values: [now, limit, leaseUntil],
    });
    return result.rows.sort((a, b) => a.id - b.id).map(toClaimedEvent);
  }

  async record(attempt: WebhookAttempt, verdict: AttemptVerdict): Promise<void> {
    await inTransaction(this.#pool, async (client) => {
      await client.query(
        // Nothing when the event went with its business while it was being sent.
        `INSERT INTO webhook_attempts (event_id, attempt, started_at, duration_ms, url, status_code, error)
         SELECT $1, $2, $3, $4, $5, $6, $7 WHERE EXISTS (SELECT 1 FROM webhook_events WHERE id = $1)
         ON CONFLICT (event_id, attempt) DO UPDATE SET started_at = excluded.started_at,
           duration_ms = excluded.duration_ms, url = excluded.url, status_code = excluded.status_code,
           error = excluded.error`,
        [
          attempt.eventId,
          attempt.attempt,
          attempt.startedAt,
          attempt.durationMs,
          attempt.url,
          attempt.statusCode,
          attempt.error,
        ],
      );
      await client.query(
        `UPDATE webhook_events SET state = $2, attempts = greatest(attempts, $3), next_attempt_at = $4,
           lease_until = NULL, delivered_at = CASE WHEN $2 = 'delivered' THEN $5 ELSE delivered_at END,
           last_status_code = $6, last_error = $7, last_latency_ms = $8
         WHERE id = $1`,
        [
          attempt.eventId,
          verdict.state,
          attempt.attempt,
          verdict.state === 'pending' ? verdict.nextAttemptAt : null,
          attempt.startedAt + attempt.durationMs,
          attempt.statusCode,
          attempt.error,
          attempt.durationMs,
        ],
      );
    });
  }

  async list(filter: WebhookEventFilter): Promise<WebhookEventRecord[]> {
    const { where, params } = webhookLogWhere(filter, (i) => `$${i}`);
    const rows = await this.#pool.query<WebhookEventRow>(
      `SELECT ${WEBHOOK_EVENT_COLUMNS} FROM webhook_events e
       JOIN businesses b ON b.pk = e.business_pk JOIN groups g ON g.pk = e.group_pk
       ${where} ORDER BY e.id DESC LIMIT $${params.length + 1}`,
      [...params, filter.limit],
    );
    return rows.rows.map(toWebhookEvent);
  }

  async find(id: number): Promise<{ event: WebhookEventRecord; attempts: WebhookAttempt[] } | undefined> {
    const row = (
      await this.#pool.query<WebhookEventRow>(
        `SELECT ${WEBHOOK_EVENT_COLUMNS} FROM webhook_events e
         JOIN businesses b ON b.pk = e.business_pk JOIN groups g ON g.pk = e.group_pk WHERE e.id = $1`,
        [id],
      )
    ).rows[0];
    if (row === undefined) return undefined;
    const attempts = await this.#pool.query<WebhookAttemptRow>(
      'SELECT * FROM webhook_attempts WHERE event_id = $1 ORDER BY attempt',
      [id],
    );
    return { event: toWebhookEvent(row), attempts: attempts.rows.map(toWebhookAttempt) };
  }

  async replay(id: number, now: number): Promise<boolean> {
    const result = await this.#pool.query(
      `UPDATE webhook_events SET state = 'pending', next_attempt_at = $2, lease_until = NULL WHERE id = $1`,
      [id, now],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async prune(before: number, limit: number): Promise<number> {
    const result = await this.#pool.query(
      `DELETE FROM webhook_events WHERE id IN (
         SELECT id FROM webhook_events WHERE created_at < $1 AND state <> 'pending' ORDER BY created_at LIMIT $2)`,
      [before, limit],
    );
    return result.rowCount ?? 0;
  }

  async findSettings(appId: string, db: Queryable = this.#pool): Promise<WebhookSettings | undefined> {
    const row = (
      await db.query<WebhookSettingsRow>('SELECT * FROM webhook_settings WHERE app_id = $1', [appId])
    ).rows[0];
    return row && toWebhookSettings(row);
  }

  async saveSettings(settings: WebhookSettings): Promise<void> {
    await this.#pool.query(
      `INSERT INTO webhook_settings (app_id, callback_url, verify_token, fields, updated_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (app_id) DO UPDATE SET callback_url = excluded.callback_url, verify_token = excluded.verify_token,
         fields = excluded.fields, updated_at = excluded.updated_at`,
      [
        settings.appId,
        settings.callbackUrl,
        settings.verifyToken,
        JSON.stringify(settings.fields),
        settings.updatedAt,
      ],
    );
  }
}
