/**
 * @module webhooks/dispatcher — delivers the outbox. Each instance runs one dispatcher; they share the work through
 * the store's claims (a claimed event is leased to one dispatcher), so no event is sent by two instances at once.
 * Delivery is at least once: an instance that dies mid-delivery leaves a lease that expires, and the event is sent
 * again. A dispatcher wakes when its own instance's store commits events (it subscribes to the outbox's signal),
 * when a retry falls due, and on a slow poll for what other instances queued. Fault rules (the `faults` option,
 * docs/faults.md) may send an event twice, hold it back while the group's later events go out, or count an attempt
 * as timed out without sending it.
 */
import type { Store } from '../storage/store.js';
import type { AttemptVerdict, ClaimedWebhookEvent, WebhookAttempt, WebhookField } from '../domain/records.js';
import { requestCallback } from './callback-request.js';
import { renderEnvelope } from './envelope.js';
import { verdictAfterFailure, type RetryPolicy } from './retry-policy.js';
import { signatureOf } from './signature.js';
import type { FaultEffect, WebhookEventFacts } from '../domain/faults.js';

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
  /** Time and timers of the delivery schedule; tests pass a manual one. @default SYSTEM_CLOCK */
  clock?: DispatcherClock;
  /** Fault rules for webhook events (the server's fault registry); none when absent. */
  faults?: WebhookFaults;
}

/** What the dispatcher asks of fault rules: whether one fires on an event about to be sent. */
export interface WebhookFaults {
  readonly webhookRuleCount: number;
  decideWebhookEvent(event: WebhookEventFacts): { ruleId: string; effect: FaultEffect } | undefined;
}

/** The dispatcher's time source and its one kind of timer. */
export interface DispatcherClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `callback` once after `delayMs`; the timer must not keep the process alive. */
  setTimer(callback: () => void, delayMs: number): { cancel(): void };
}

export const SYSTEM_CLOCK: DispatcherClock = Object.freeze({
  now: () => Date.now(),
  setTimer(callback: () => void, delayMs: number) {
    const timer = setTimeout(callback, delayMs);
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
});

export const USER_AGENT = 'facebookexternalua';

const PRUNE_EVERY_MS = 3_600_000;
const PRUNE_BATCH = 5000;
/**
 * How soon an attempt record the store refused (disk full, database unreachable) is written again. Until it is, its
 * event stays leased and its group's later events wait; a lost record would strand them until the lease ends.
 */
const RECORD_RETRY_MS = 250;
/** Retry times remembered; past this many, the farthest are left to the poll to find. */
const MAX_REMEMBERED_DUE_TIMES = 10_000;

/** An attempt made, whose record the store has not taken yet. */
interface UnrecordedAttempt {
  record: WebhookAttempt;
  verdict: AttemptVerdict;
  /** Past the lease another claimer may already be sending the event: the record is dropped then. */
  leaseUntil: number;
}

export class WebhookDispatcher {
  readonly #store: Store;
  readonly #options: DispatcherOptions;
  readonly #clock: DispatcherClock;
  #inFlight = new Set<Promise<void>>();
  #timer: { cancel(): void } | undefined;
  #timerAt = Infinity;
  /**
   * When known retries fall due, ascending. The one timer is always set for the earlier of the next poll and the
   * first of these, so a wake-up for another reason never loses a retry to the poll.
   */
  #dueTimes: number[] = [];
  #unrecorded: UnrecordedAttempt[] = [];
  #claiming = false;
  #again = false;
  #stopped = true;
  #pruneTimer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  /** Events a fault rule delays, by id, with their timers (see #holdBack). */
  readonly #heldBack = new Map<number, { cancel(): void }>();

  constructor(store: Store, options: DispatcherOptions) {
    this.#store = store;
    this.#options = options;
    this.#clock = options.clock ?? SYSTEM_CLOCK;
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
  async prune(now = this.#clock.now()): Promise<number> {
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
    this.#wakeAt(this.#clock.now());
  }

  /**
   * The clock jumped (the virtual clock was advanced, frozen or set back): retries it moved past are due now, and
   * the delivery log's retention counts from the new time.
   */
  clockMoved(): void {
    if (this.#stopped) return;
    this.wake();
    void this.prune();
  }

  /** Stops claiming, and waits for deliveries in flight (each bounded by the timeout). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    clearInterval(this.#pruneTimer);
    this.#timer?.cancel();
    this.#timer = undefined;
    await this.settled();
    // Held back by a fault rule and not sent yet: queued again, so another start (or instance) sends them.
    for (const [id, timer] of this.#heldBack) {
      timer.cancel();
      try {
        await this.#store.replayWebhookEvent(id, this.#clock.now());
      } catch (error) {
        this.#options.onError(error);
      }
    }
    this.#heldBack.clear();
  }

  /** Resolves once no claim and no delivery is under way; the timer for the next one may be set. */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0 || this.#claiming) {
      await Promise.race([...this.#inFlight, new Promise((resolve) => setTimeout(resolve, 10))]);
    }
  }

  /** Sets the timer for `at`, or for the first known retry if that is sooner; never puts off a sooner timer. */
  #wakeAt(at: number): void {
    if (this.#stopped) return;
    const next = Math.min(at, this.#dueTimes[0] ?? Infinity);
    // A timer set for a time the clock has already passed (it jumped forward) would still wait its real delay.
    if (this.#timer !== undefined && this.#timerAt <= next && this.#timerAt > this.#clock.now()) return;
    this.#timer?.cancel();
    this.#timerAt = next;
    this.#timer = this.#clock.setTimer(
      () => {
        this.#timer = undefined;
        this.#timerAt = Infinity;
        void this.#claim();
      },
      Math.max(0, next - this.#clock.now()),
    );
  }

  /** Remembers when a retry falls due, and wakes then. */
  #dueAt(at: number): void {
    const due = this.#dueTimes;
    let i = due.length;
    while (i > 0 && (due[i - 1] ?? 0) > at) i--;
    due.splice(i, 0, at);
    if (due.length > MAX_REMEMBERED_DUE_TIMES) due.pop();
    this.#wakeAt(at);
  }

  /** Writes an attempt's record; one the store refuses is kept and written again soon. */
  async #record(attempt: UnrecordedAttempt): Promise<void> {
    try {
      await this.#store.recordWebhookAttempt(attempt.record, attempt.verdict);
    } catch (error) {
      this.#unrecorded.push(attempt);
      this.#dueAt(this.#clock.now() + RECORD_RETRY_MS);
      throw error;
    }
    if (attempt.verdict.state === 'pending') this.#dueAt(attempt.verdict.nextAttemptAt);
  }

  /** Writes again the records the store refused, before anything new is claimed: each holds its group back. */
  async #recordAgain(now: number): Promise<void> {
    const waiting = this.#unrecorded;
    this.#unrecorded = [];
    for (const attempt of waiting) {
      if (attempt.leaseUntil <= now) {
        this.#options.onError(
          new Error(
            `webhook event ${attempt.record.eventId}: attempt ${attempt.record.attempt} could not be recorded ` +
              'before its lease ended; it will be sent again',
          ),
        );
        continue;
      }
      try {
        await this.#store.recordWebhookAttempt(attempt.record, attempt.verdict);
        if (attempt.verdict.state === 'pending') this.#dueAt(attempt.verdict.nextAttemptAt);
      } catch {
        this.#unrecorded.push(attempt);
      }
    }
    if (this.#unrecorded.length > 0) this.#dueAt(now + RECORD_RETRY_MS);
  }

  async #claim(): Promise<void> {
    if (this.#claiming) {
      this.#again = true;
      return;
    }
    this.#claiming = true;
    try {
      const wokeAt = this.#clock.now();
      // Retries due by now are found by this claim, or by the wake-up when a delivery slot frees.
      const passed = this.#dueTimes.findIndex((at) => at > wokeAt);
      this.#dueTimes.splice(0, passed === -1 ? this.#dueTimes.length : passed);
      if (this.#unrecorded.length > 0) await this.#recordAgain(wokeAt);
      // While the store refuses records, take on no more deliveries: their records would be refused too.
      if (this.#unrecorded.length > 0) return;
      do {
        this.#again = false;
        const room = this.#options.concurrency - this.#inFlight.size;
        if (room <= 0 || this.#stopped) break;
        const now = this.#clock.now();
        // A lease outlives the attempt's own timeout, so no other instance can take an event still being sent.
        const leaseUntil = now + 2 * this.#options.timeoutMs + 5_000;
        const events = await this.#store.claimWebhookEvents(now, room, leaseUntil);
        for (const event of events) this.#track(this.#deliver(event, leaseUntil));
        if (events.length === room) this.#again = true;
      } while (this.#again);
    } catch (error) {
      this.#options.onError(error);
    } finally {
      this.#claiming = false;
      this.#wakeAt(this.#clock.now() + this.#options.pollIntervalMs);
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

  async #deliver(event: ClaimedWebhookEvent, leaseUntil: number): Promise<void> {
    const attempt = event.attempts + 1;
    const startedAt = this.#clock.now();
    const subscription = event.settings ?? this.#options.defaultSubscription;
    if (subscription === undefined || !subscription.fields.includes(event.field)) {
      // As at Meta: an app that does not subscribe to the field is not sent the event, now or later.
      await this.#record({
        record: {
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
        verdict: { state: 'skipped' },
        leaseUntil,
      });
      return;
    }
    const fault = this.#faultFor(event);
    if (fault?.effect.webhook === 'timeout') {
      // Counted as an attempt that timed out, without sending it: the event is retried on the usual schedule.
      const record = unsentAttempt(
        event,
        attempt,
        startedAt,
        subscription.callbackUrl,
        `timed out after ${this.#options.timeoutMs} ms (injected by fault rule ${fault.ruleId}; not sent)`,
      );
      const verdict = verdictAfterFailure(attempt, event.createdAt, startedAt, this.#options.retry);
      await this.#record({ record, verdict, leaseUntil });
      return;
    }
    const delayMs = fault?.effect.delayMs;
    if (fault !== undefined && delayMs !== undefined) {
      await this.#holdBack(event, subscription, attempt, startedAt, delayMs, fault.ruleId, leaseUntil);
      return;
    }
    const sent = await this.#send(event, subscription, attempt);
    await this.#record({ ...sent, leaseUntil });
    if (fault?.effect.webhook === 'duplicate' && sent.verdict.state === 'delivered') {
      // The same body and signature again, as Meta's at-least-once delivery may send it; logged as its own attempt.
      const again = await this.#send(event, subscription, attempt + 1);
      await this.#record({ record: again.record, verdict: { state: 'delivered' }, leaseUntil });
    }
  }

  /** Sends one attempt and says where it leaves the event; never throws for the receiver's failures. */
  async #send(
    event: ClaimedWebhookEvent,
    subscription: DefaultSubscription,
    attempt: number,
  ): Promise<{ record: WebhookAttempt; verdict: AttemptVerdict }> {
    const startedAt = this.#clock.now();
    // The duration on the wall clock: the schedule's clock may jump, or stand still, while the receiver answers.
    const startedAtReal = performance.now();
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
    const finishedAt = this.#clock.now();
    const record: WebhookAttempt = {
      eventId: event.id,
      attempt,
      startedAt,
      durationMs: Math.round(performance.now() - startedAtReal),
      url: subscription.callbackUrl,
      statusCode,
      error,
    };
    // Meta counts only a 200 as delivered (reference §3.6).
    const verdict =
      statusCode === 200
        ? { state: 'delivered' as const }
        : verdictAfterFailure(attempt, event.createdAt, finishedAt, this.#options.retry);
    return { record, verdict };
  }

  /** The fault rule that fires on this event, if any; no rule costs one length check. */
  #faultFor(event: ClaimedWebhookEvent): { ruleId: string; effect: FaultEffect } | undefined {
    const faults = this.#options.faults;
    if (faults === undefined || faults.webhookRuleCount === 0) return undefined;
    let item: { type?: unknown; group_id?: unknown } = {};
    try {
      item = JSON.parse(event.itemJson) as typeof item;
    } catch {
      // An item is always JSON; a rule matching on its type or group simply does not match otherwise.
    }
    return faults.decideWebhookEvent({
      field: event.field,
      type: typeof item.type === 'string' ? item.type : undefined,
      groupId: typeof item.group_id === 'string' ? item.group_id : undefined,
      wabaId: event.wabaId,
      phoneNumberId: event.phoneNumberId,
    });
  }

  /**
   * A delayed event: the store keeps a group's events in order (an older pending event holds the later ones back),
   * so the event leaves the pending state, logged `skipped` with the reason, and is held here; the group's later
   * events go out meanwhile. When the delay ends it is sent as the next attempt, and from then on delivered or
   * retried like any other. Stopping the dispatcher queues held events again in the store, so none is lost.
   */
  async #holdBack(
    event: ClaimedWebhookEvent,
    subscription: DefaultSubscription,
    attempt: number,
    startedAt: number,
    delayMs: number,
    ruleId: string,
    leaseUntil: number,
  ): Promise<void> {
    await this.#record({
      record: unsentAttempt(
        event,
        attempt,
        startedAt,
        subscription.callbackUrl,
        `held back ${delayMs} ms by fault rule ${ruleId}, not sent yet: later events of the group may overtake it`,
      ),
      verdict: { state: 'skipped' },
      leaseUntil,
    });
    const timer = this.#clock.setTimer(() => {
      this.#heldBack.delete(event.id);
      if (this.#stopped) return;
      this.#track(
        (async () => {
          // Held in memory meanwhile: a reset or a deleted business took the event away, and with it the send.
          if ((await this.#store.findWebhookEvent(event.id)) === undefined) return;
          const sent = await this.#send(event, subscription, attempt + 1);
          const until = this.#clock.now() + 2 * this.#options.timeoutMs + 5_000;
          await this.#record({ ...sent, leaseUntil: until });
        })(),
      );
    }, delayMs);
    this.#heldBack.set(event.id, timer);
  }
}

/** An attempt a fault rule stood in for: logged as made, though nothing was sent. */
function unsentAttempt(
  event: ClaimedWebhookEvent,
  attempt: number,
  startedAt: number,
  url: string,
  error: string,
): WebhookAttempt {
  return { eventId: event.id, attempt, startedAt, durationMs: 0, url, statusCode: null, error };
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
