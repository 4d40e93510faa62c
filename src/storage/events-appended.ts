/**
 * @module storage/events-appended — the outbox's after-commit signal: whoever delivers webhooks in this process
 * subscribes once, and hears of every commit that queued events (or made one due again) through this store, so no
 * caller has to remember to wake it. Events queued by other processes are found by the deliverer's own poll.
 */
export type EventsAppendedListener = () => void;

export class EventsAppended {
  readonly #listeners = new Set<EventsAppendedListener>();

  /** Returns the unsubscribe. */
  subscribe(listener: EventsAppendedListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Call only once the events are committed: a listener may claim them at once. */
  notify(): void {
    for (const listener of this.#listeners) listener();
  }
}
