/**
 * @module server/clock/virtual-clock — the time every part of an instance reads: Graph timestamps, token expiry,
 * the webhook schedule, the delivery log's retention. The state lives in the store, shared by every instance on
 * it; each instance keeps it in memory and reads it back only when the store says it changed (LISTEN/NOTIFY on
 * PostgreSQL), so reading the time costs an addition, never a round trip. A change made through this instance is
 * applied here before its call returns.
 */
import type { ClockReading } from '@groupgate/sdk/contract';
import {
  advanced,
  frozen,
  readingOf,
  toRealTime,
  virtualNowMs,
  type ClockState,
} from '../../domain/clock.js';
import type { Store } from '../../storage/store.js';

/** Refused: the time asked for is before the clock's current time. */
export interface ClockRefusal {
  refused: true;
  /** The clock's time when it refused, Unix milliseconds. */
  nowMs: number;
}

class Refused extends Error {
  constructor(readonly nowMs: number) {
    super('the clock only moves forward');
  }
}

export interface VirtualClockOptions {
  /** The wall clock, Unix ms. @default Date.now */
  realNow?: () => number;
  /** Reports a failed read-back (the store unreachable); the clock keeps its last state meanwhile. */
  onError?: (error: unknown) => void;
}

export class VirtualClock {
  readonly #store: Store;
  readonly #realNow: () => number;
  readonly #onError: (error: unknown) => void;
  /** Version -1: anything the store holds is newer. */
  #state: ClockState = { offsetMs: 0, frozenAtMs: null, version: -1 };
  readonly #listeners = new Set<() => void>();
  #unsubscribe: (() => void) | undefined;
  #reloading: Promise<void> | undefined;
  #readAgain = false;

  constructor(store: Store, options: VirtualClockOptions = {}) {
    this.#store = store;
    this.#realNow = options.realNow ?? Date.now;
    this.#onError = options.onError ?? (() => undefined);
  }

  /** Reads the shared state and follows its changes; calling it again does nothing more than a read. */
  async start(): Promise<void> {
    this.#unsubscribe ??= this.#store.onClockChanged(() => {
      this.reload().catch(this.#onError);
    });
    await this.reload();
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  /** Unix milliseconds on the virtual clock. */
  nowMs(): number {
    return virtualNowMs(this.#state, this.#realNow());
  }

  /** Unix seconds, as Graph's timestamps are: the `clock` every route reads. */
  nowSeconds(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  reading(): ClockReading {
    return readingOf(this.#state, this.#realNow());
  }

  /** Calls `listener` after each change of the state in memory (made here or heard of). Returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Reads the state back; resolves after a read that began after this call. */
  reload(): Promise<void> {
    if (this.#reloading !== undefined) {
      this.#readAgain = true;
      return this.#reloading;
    }
    const run = async () => {
      try {
        do {
          this.#readAgain = false;
          this.#apply(await this.#store.readClock());
        } while (this.#readAgain);
      } finally {
        this.#reloading = undefined;
      }
    };
    this.#reloading = run();
    return this.#reloading;
  }

  async advance(seconds: number): Promise<ClockReading> {
    const ms = Math.round(seconds * 1000);
    this.#apply(await this.#store.updateClock((current) => advanced(current, ms)));
    return this.reading();
  }

  /** Stops time at `atSeconds` (Unix seconds), or now; refused when that is before the current second. */
  async freeze(atSeconds?: number): Promise<ClockReading | ClockRefusal> {
    try {
      const saved = await this.#store.updateClock((current) => {
        const plan = frozen(current, this.#realNow(), atSeconds);
        if (!plan.ok) throw new Refused(plan.nowMs);
        return plan.state;
      });
      this.#apply(saved);
      return this.reading();
    } catch (error) {
      if (error instanceof Refused) return { refused: true, nowMs: error.nowMs };
      throw error;
    }
  }

  /** Back to real time, which may move the clock backwards. */
  async toRealTime(): Promise<ClockReading> {
    this.#apply(await this.#store.updateClock(toRealTime));
    return this.reading();
  }

  #apply(state: ClockState): void {
    if (state.version <= this.#state.version) return;
    this.#state = state;
    for (const listener of this.#listeners) listener();
  }
}
