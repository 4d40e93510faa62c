/**
 * @module storage/postgres/clock-channel — how the instances sharing a database hear that the virtual clock changed:
 * LISTEN on one dedicated connection, opened with the first subscriber and closed with the last. A change commits a
 * `pg_notify` with its schema's name, so that stores on other schemas of the same database (test runs) ignore it.
 * A connection lost is opened again after a short, growing delay; the subscribers are then told to read the clock
 * back, since a change may have been missed meanwhile. They are told so once LISTEN first holds too, which closes
 * the gap between an instance's first read of the clock and its LISTEN.
 */
import pg from 'pg';
import { CONNECT_TIMEOUT_MS } from './pool.js';

export const CLOCK_CHANNEL = 'groupgate_clock';

const RECONNECT_FIRST_MS = 250;
const RECONNECT_MAX_MS = 5000;

export interface ClockChannelOptions {
  connectionString: string;
  /** The schema the store works in: the payload its notifications carry. */
  schema: string;
  applicationName: string;
}

export class ClockChannel {
  readonly #options: ClockChannelOptions;
  readonly #listeners = new Set<() => void>();
  #client: pg.Client | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #retryDelayMs = RECONNECT_FIRST_MS;

  constructor(options: ClockChannelOptions) {
    this.#options = options;
  }

  /** Returns the unsubscribe; the connection lives while anyone listens. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    if (this.#listeners.size === 1) this.#open();
    return () => {
      if (this.#listeners.delete(listener) && this.#listeners.size === 0) this.close();
    };
  }

  close(): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    const client = this.#client;
    this.#client = undefined;
    void client?.end().catch(() => undefined);
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }

  #open(): void {
    const client = new pg.Client({
      connectionString: this.#options.connectionString,
      application_name: this.#options.applicationName,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      keepAlive: true,
    });
    this.#client = client;
    const lost = () => {
      if (this.#client !== client) return;
      this.#client = undefined;
      void client.end().catch(() => undefined);
      this.#retryLater();
    };
    // An unheard 'error' would end the process; a cut connection is expected (failover, restart).
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (message) => {
      if (message.channel === CLOCK_CHANNEL && message.payload === this.#options.schema) this.#notify();
    });
    void (async () => {
      try {
        await client.connect();
        await client.query(`LISTEN ${CLOCK_CHANNEL}`);
      } catch {
        lost();
        return;
      }
      if (this.#client !== client) return;
      this.#retryDelayMs = RECONNECT_FIRST_MS;
      this.#notify();
    })();
  }

  #retryLater(): void {
    if (this.#listeners.size === 0 || this.#retryTimer !== undefined) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#listeners.size > 0 && this.#client === undefined) this.#open();
    }, this.#retryDelayMs);
    this.#retryTimer.unref();
    this.#retryDelayMs = Math.min(this.#retryDelayMs * 2, RECONNECT_MAX_MS);
  }
}
