/**
 * @module storage/sqlite/sqlite-outbox — the webhook outbox and delivery log on SQLite. `append` runs inside the
 * caller's transaction (the state change it reports); everything else is the delivery worker's and the control
 * API's side.
 */
import type Database from 'better-sqlite3';
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
import type { EventsAppended } from '../events-appended.js';

export class SqliteOutbox {
  readonly #db: Database.Database;
  readonly #statements;
  readonly #claim;
  readonly #record;

  readonly #appended: EventsAppended;
  #signalQueued = false;

  constructor(db: Database.Database, appended: EventsAppended) {
    this.#db = db;
    this.#appended = appended;
    const s = {
      insert: db.prepare(`INSERT INTO webhook_events
        (business_pk, group_pk, field, item_json, state, created_at, next_attempt_at)
        VALUES (@businessPk, @groupPk, @field, @itemJson, 'pending', @createdAt, @createdAt)`),
      // Due, not leased, and the oldest pending event of its group (older ones still pending block it).
      due: db.prepare(`SELECT ${CLAIMED_EVENT_COLUMNS}
        FROM webhook_events e INDEXED BY webhook_events_pending
        JOIN businesses b ON b.pk = e.business_pk
        LEFT JOIN webhook_settings w ON w.app_id = b.app_id
        WHERE e.state = 'pending' AND e.next_attempt_at <= @now AND (e.lease_until IS NULL OR e.lease_until <= @now)
          AND NOT EXISTS (SELECT 1 FROM webhook_events p INDEXED BY webhook_events_pending_by_group
                          WHERE p.group_pk = e.group_pk AND p.state = 'pending' AND p.id < e.id)
        ORDER BY e.id LIMIT @limit`),
      lease: db.prepare('UPDATE webhook_events SET lease_until = ? WHERE id = ?'),
      // Nothing when the event went with its business while it was being sent.
      insertAttempt: db.prepare(`INSERT OR REPLACE INTO webhook_attempts
        (event_id, attempt, started_at, duration_ms, url, status_code, error)
        SELECT @eventId, @attempt, @startedAt, @durationMs, @url, @statusCode, @error
        WHERE EXISTS (SELECT 1 FROM webhook_events WHERE id = @eventId)`),
      finish: db.prepare(`UPDATE webhook_events SET state = @state, attempts = max(attempts, @attempt),
          next_attempt_at = @nextAttemptAt, lease_until = NULL,
          delivered_at = CASE WHEN @state = 'delivered' THEN @finishedAt ELSE delivered_at END,
          last_status_code = @statusCode, last_error = @error, last_latency_ms = @durationMs
        WHERE id = @eventId`),
      byId: db.prepare(`SELECT ${WEBHOOK_EVENT_COLUMNS} FROM webhook_events e
        JOIN businesses b ON b.pk = e.business_pk JOIN groups g ON g.pk = e.group_pk WHERE e.id = ?`),
      attempts: db.prepare('SELECT * FROM webhook_attempts WHERE event_id = ? ORDER BY attempt'),
      replay: db.prepare(`UPDATE webhook_events SET state = 'pending', next_attempt_at = ?, lease_until = NULL
        WHERE id = ?`),
      prune: db.prepare(`DELETE FROM webhook_events WHERE id IN (
          SELECT id FROM webhook_events INDEXED BY webhook_events_by_created
          WHERE created_at < ? AND state <> 'pending' ORDER BY created_at LIMIT ?)`),
      settings: db.prepare('SELECT * FROM webhook_settings WHERE app_id = ?'),
      saveSettings:
        db.prepare(`INSERT INTO webhook_settings (app_id, callback_url, verify_token, fields, updated_at)
        VALUES (@appId, @callbackUrl, @verifyToken, @fields, @updatedAt)
        ON CONFLICT (app_id) DO UPDATE SET callback_url = excluded.callback_url,
          verify_token = excluded.verify_token, fields = excluded.fields, updated_at = excluded.updated_at`),
    };
    this.#statements = s;
    this.#claim = db.transaction((now: number, limit: number, leaseUntil: number) => {
      const rows = s.due.all({ now, limit }) as ClaimedEventRow[];
      for (const row of rows) s.lease.run(leaseUntil, row.id);
      return rows;
    });
    this.#record = db.transaction((attempt: WebhookAttempt, verdict: AttemptVerdict) => {
      s.insertAttempt.run(attempt);
      s.finish.run({
        eventId: attempt.eventId,
        attempt: attempt.attempt,
        state: verdict.state,
        nextAttemptAt: verdict.state === 'pending' ? verdict.nextAttemptAt : null,
        finishedAt: attempt.startedAt + attempt.durationMs,
        statusCode: attempt.statusCode,
        error: attempt.error,
        durationMs: attempt.durationMs,
      });
    });
  }

  /** Queues events; call inside the transaction of the change they report. */
  append(events: readonly NewWebhookEvent[]): void {
    for (const event of events) this.#statements.insert.run(event);
    if (events.length > 0) this.#signalAfterCommit();
  }

  /**
   * A better-sqlite3 transaction runs to its COMMIT without yielding, so a microtask queued inside it runs after the
   * commit (one that rolled back only costs the listener a look at the outbox). One signal serves every append of a
   * turn's group commit.
   */
  #signalAfterCommit(): void {
    if (this.#signalQueued) return;
    this.#signalQueued = true;
    queueMicrotask(() => {
      this.#signalQueued = false;
      this.#appended.notify();
    });
  }

  claim(now: number, limit: number, leaseUntil: number): ClaimedWebhookEvent[] {
    return this.#claim.immediate(now, limit, leaseUntil).map(toClaimedEvent);
  }

  record(attempt: WebhookAttempt, verdict: AttemptVerdict): void {
    this.#record.immediate(attempt, verdict);
  }

  list(filter: WebhookEventFilter): WebhookEventRecord[] {
    const { where, params } = webhookLogWhere(filter, () => '?');
    const rows = this.#db
      .prepare(
        `SELECT ${WEBHOOK_EVENT_COLUMNS} FROM webhook_events e
         JOIN businesses b ON b.pk = e.business_pk JOIN groups g ON g.pk = e.group_pk
         ${where} ORDER BY e.id DESC LIMIT ?`,
      )
      .all(...params, filter.limit) as WebhookEventRow[];
    return rows.map(toWebhookEvent);
  }

  find(id: number): { event: WebhookEventRecord; attempts: WebhookAttempt[] } | undefined {
    const row = this.#statements.byId.get(id) as WebhookEventRow | undefined;
    if (row === undefined) return undefined;
    const attempts = this.#statements.attempts.all(id) as WebhookAttemptRow[];
    return { event: toWebhookEvent(row), attempts: attempts.map(toWebhookAttempt) };
  }

  replay(id: number, now: number): boolean {
    const replayed = this.#statements.replay.run(now, id).changes > 0;
    if (replayed) this.#signalAfterCommit();
    return replayed;
  }

  prune(before: number, limit: number): number {
    return this.#statements.prune.run(before, limit).changes;
  }

  findSettings(appId: string): WebhookSettings | undefined {
    const row = this.#statements.settings.get(appId) as WebhookSettingsRow | undefined;
    return row && toWebhookSettings(row);
  }

  saveSettings(settings: WebhookSettings): void {
    this.#statements.saveSettings.run({ ...settings, fields: JSON.stringify(settings.fields) });
  }
}
