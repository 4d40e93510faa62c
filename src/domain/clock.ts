/**
 * @module domain/clock — the virtual clock's rules, pure: what time it is for a given state, and how advancing and
 * freezing change the state. Time only moves forward here, as on a Stripe test clock: the one way back is to return
 * to real time (`REAL_TIME`), which the control API and a global reset do explicitly.
 */
import type { ClockReading } from '@groupgate/sdk/contract';

/** The clock's shared state. Milliseconds, so that webhook schedules (kept in ms) move exactly with it. */
export interface ClockState {
  /** Added to the wall clock while running. */
  offsetMs: number;
  /** The instant time stands still at (Unix ms), or null while it runs. */
  frozenAtMs: number | null;
  /** Bumped by every change, so an instance never replaces a newer state with an older one it read. */
  version: number;
}

/** Real time: no offset, running. */
export const REAL_TIME: Omit<ClockState, 'version'> = Object.freeze({ offsetMs: 0, frozenAtMs: null });

/** Unix milliseconds on the virtual clock, given the wall clock's. */
export function virtualNowMs(state: Omit<ClockState, 'version'>, realNowMs: number): number {
  return state.frozenAtMs ?? realNowMs + state.offsetMs;
}

/** Moves the clock forward by `ms` (> 0): a frozen clock stays frozen, at a later instant. */
export function advanced(state: ClockState, ms: number): ClockState {
  if (!(ms > 0) || !Number.isFinite(ms)) throw new RangeError(`the clock only moves forward (got ${ms} ms)`);
  return {
    offsetMs: state.offsetMs + ms,
    frozenAtMs: state.frozenAtMs === null ? null : state.frozenAtMs + ms,
    version: state.version + 1,
  };
}

export type FreezePlan = { ok: true; state: ClockState } | { ok: false; nowMs: number };

/**
 * Stops time at `atSeconds` (Unix seconds), or at this very instant when undefined. A time before the current
 * second would move the clock back, and is refused (`ok: false` with the current time); the current second itself
 * freezes at this instant, so the milliseconds never step back either.
 */
export function frozen(state: ClockState, realNowMs: number, atSeconds?: number): FreezePlan {
  const nowMs = virtualNowMs(state, realNowMs);
  const atMs = atSeconds === undefined ? nowMs : atSeconds * 1000;
  if (atSeconds !== undefined && atSeconds < Math.floor(nowMs / 1000)) return { ok: false, nowMs };
  const frozenAtMs = Math.max(atMs, nowMs);
  // The offset says where time would stand were it to run again from here; kept so that the state reads the same.
  return { ok: true, state: { offsetMs: frozenAtMs - realNowMs, frozenAtMs, version: state.version + 1 } };
}

/** Back to real time: the explicit way back, which may move the clock backwards. */
export function toRealTime(state: ClockState): ClockState {
  return { ...REAL_TIME, version: state.version + 1 };
}

/** What `GET /_groupgate/clock` answers, from a state and the wall clock. */
export function readingOf(state: Omit<ClockState, 'version'>, realNowMs: number): ClockReading {
  const nowMs = virtualNowMs(state, realNowMs);
  return {
    now: Math.floor(nowMs / 1000),
    now_iso: new Date(nowMs).toISOString(),
    offset_seconds: (nowMs - realNowMs) / 1000,
    frozen: state.frozenAtMs !== null,
    frozen_at: state.frozenAtMs === null ? null : Math.floor(state.frozenAtMs / 1000),
  };
}
