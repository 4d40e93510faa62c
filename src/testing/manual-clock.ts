/**
 * @module testing/manual-clock — a dispatcher clock that moves only when the test says so: a schedule is checked
 * by the times at which things happen, never by how long a test waits.
 */
import type { DispatcherClock } from '../webhooks/dispatcher.js';

interface ManualTimer {
  at: number;
  callback: () => void;
  cancelled: boolean;
}

export class ManualClock implements DispatcherClock {
  #now: number;
  #timers: ManualTimer[] = [];

  constructor(start: number) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(callback: () => void, delayMs: number): { cancel(): void } {
    const timer: ManualTimer = { at: this.#now + Math.max(0, delayMs), callback, cancelled: false };
    this.#timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** When the earliest live timer is set for, if any. */
  get nextTimerAt(): number | undefined {
    return this.#earliest()?.at;
  }

  /** Moves time to the earliest live timer and fires it (the first set, among timers set for one time). */
  fireNext(): boolean {
    const timer = this.#earliest();
    if (timer === undefined) return false;
    this.#timers = this.#timers.filter((t) => t !== timer && !t.cancelled);
    this.#now = Math.max(this.#now, timer.at);
    timer.callback();
    return true;
  }

  #earliest(): ManualTimer | undefined {
    let earliest: ManualTimer | undefined;
    for (const timer of this.#timers) {
      if (!timer.cancelled && (earliest === undefined || timer.at < earliest.at)) earliest = timer;
    }
    return earliest;
  }
}
