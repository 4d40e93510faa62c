/**
 * @module webhooks/dispatcher — delivers the outbox. Each instance runs one dispatcher; they share the work through
 * the store's claims (a claimed event is leased to one dispatcher), so no event is sent by two instances at once.
 * Delivery is at least once: an instance that dies mid-delivery leaves a lease that expires, and the event is sent
 * again. A dispatcher wakes when its own instance's store commits events (it subscribes to the outbox's signal),
 * when a retry falls due, and on a slow poll for what other instances queued.
 */
import type { Store } from '../storage/store.js';
import type { ClaimedWebhookEvent, WebhookAttempt, WebhookField } from '../domain/records.js';
import { requestCallback } from './callback-request.js';
import { renderEnvelope } from './envelope.js';
import { verdictAfterFailure, type RetryPolicy } from './retry-policy.js';
import { signatureOf } from './signature.js';

/** Where events go when an app has no settings of its own (`groupgate serve --webhook-url`). */
export interface DefaultSubscription {
  callbackUrl: string;
  fields: readonly WebhookField[];
}

export interface DispatcherOptions {
  retry: RetryPolicy;
  /** Per attempt, connecting to the last byte of the answer's headers. */
  timeoutMs: number;
  /** Host names callbacks may point at; undefined: any (`--webhook-allow-hosts`). */
  allowHosts: readonly string[] | undefined;
  /** Deliveries in flight at once, per instance. */
  concurrency: number;
  /** How often to look for events queued by other instances. */
  pollIntervalMs: number;
  defaultSubscription: DefaultSubscription | undefined;
  /** Settled events older than this leave the delivery log (pending ones never do). */
  logRetentionMs: number;
  /** Reports failures of the dispatcher itself (the store unreachable), never of receivers. */
  onError: (error: unknown) => void;
}

export const USER_AGENT = 'facebookexternalua';

const PRUNE_EVERY_MS = 3_600_000;
const PRUNE_BATCH = 5000;

export class WebhookDispatcher {
  readonly #store: Store;
  readonly #options: DispatcherOptions;
  #inFlight = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;
  #claiming = false;
  #again = false;
  #stopped = true;
  #pruneTimer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(store: Store, options: DispatcherOptions) {
    this.#store = store;
    this.#options = options;
  }

  start(): void {
    this.#stopped = false;
    this.#unsubscribe = this.#store.onEventsAppended(() => this.wake());
    this.wake();
    this.#pruneTimer = setInterval(() => void this.prune(), PRUNE_EVERY_MS);
    this.#pruneTimer.unref();
    void this.prune();
  }

  /**
   * Trims the delivery log to its retention, in batches that each hold the store briefly (SQLite runs them on the
   * event loop), yielding in between.
   */
  async prune(now = Date.now()): Promise<number> {
    let total = 0;
    try {
      for (;;) {
        const removed = await this.#store.pruneWebhookEvents(now - this.#options.logRetentionMs, PRUNE_BATCH);
        total += removed;
        if (removed < PRUNE_BATCH || this.#stopped) return total;
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (error) {
      this.#options.onError(error);
      return total;
    }
  }

  /** Look for due events now (the store's signal calls this after each commit that queued events). */
  wake(): void {
    this.#wakeAt(Date.now());
  }

  /** Stops claiming, and waits for deliveries in flight (each bounded by the timeout). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    clearInterval(this.#pruneTimer);
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#inFlight.size > 0 || this.#claiming) {
      await Promise.race([...this.#inFlight, new Promise((resolve) => setTimeout(resolve, 10))]);
    }
  }

  #wakeAt(at: number): void {
    if (this.#stopped) return;
    if (this.#timer !== undefined && this.#timerAt <= at) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#timerAt = Infinity;
        void this.#claim();
      },
      Math.max(0, at - Date.now()),
    );
    this.#timer.unref();
  }

  async #claim(): Promise<void> {
    if (this.#claiming) {
      this.#again = true;
      return;
    }
    this.#claiming = true;
    try {
      do {
        this.#again = false;
        const room = this.#options.concurrency - this.#inFlight.size;
        if (room <= 0 || this.#stopped) break;
        const now = Date.now();
        // A lease outlives the attempt's own timeout, so no other instance can take an event still being sent.
        const leaseUntil = now + 2 * this.#options.timeoutMs + 5_000;
        const events = await this.#store.claimWebhookEvents(now, room, leaseUntil);
        for (const event of events) this.#track(this.#deliver(event));
        if (events.length === room) this.#again = true;
      } while (this.#again);
    } catch (error) {
      this.#options.onError(error);
    } finally {
      this.#claiming = false;
      this.#wakeAt(Date.now() + this.#options.pollIntervalMs);
    }
  }

  #track(delivery: Promise<void>): void {
    const tracked = delivery
      .catch((error: unknown) => this.#options.onError(error))
      .finally(() => {
        this.#inFlight.delete(tracked);
        // A slot is free, and the group's next event may now be due.
        this.wake();
      });
    this.#inFlight.add(tracked);
  }

  async #deliver(event: ClaimedWebhookEvent): Promise<void> {
    const attempt = event.attempts + 1;
    const startedAt = Date.now();
    const subscription = event.settings ?? this.#options.defaultSubscription;
    if (subscription === undefined || !subscription.fields.includes(event.field)) {
      // As at Meta: an app that does not subscribe to the field is not sent the event, now or later.
      await this.#store.recordWebhookAttempt(
        {
          eventId: event.id,
          attempt,
          startedAt,
          durationMs: 0,
          url: subscription?.callbackUrl ?? '',
          statusCode: null,
          error:
            subscription === undefined
              ? `app ${event.appId} has no callback URL`
              : `app ${event.appId} is not subscribed to ${event.field}`,
        },
        { state: 'skipped' },
      );
      return;
    }
    const body = renderEnvelope(event);
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      // Only the answer's status counts: not a byte of its body is read.
      ({ status: statusCode } = await requestCallback(
        new URL(subscription.callbackUrl),
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': USER_AGENT,
            'x-hub-signature-256': signatureOf(body, event.appSecret),
          },
          body,
        },
        { timeoutMs: this.#options.timeoutMs, allowHosts: this.#options.allowHosts },
        0,
      ));
      if (statusCode !== 200) error = `HTTP ${statusCode}`;
    } catch (caught) {
      error = describeFailure(caught, this.#options.timeoutMs);
    }
    const finishedAt = Date.now();
    const record: WebhookAttempt = {
      eventId: event.id,
      attempt,
      startedAt,
      durationMs: finishedAt - startedAt,
      url: subscription.callbackUrl,
      statusCode,
      error,
    };
    // Meta counts only a 200 as delivered (reference §3.6).
    const verdict =
      statusCode === 200
        ? { state: 'delivered' as const }
        : verdictAfterFailure(attempt, event.createdAt, finishedAt, this.#options.retry);
    await this.#store.recordWebhookAttempt(record, verdict);
    if (verdict.state === 'pending') this.#wakeAt(verdict.nextAttemptAt);
  }
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && error.name === 'TimeoutError')
    return `timed out after ${timeoutMs} ms`;
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? error.cause.message : undefined;
    return cause ?? error.message;
  }
  return String(error);
}
