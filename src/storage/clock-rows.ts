/** @module storage/clock-rows — the virtual clock's one row, as both backends read and write it. */
import type { ClockState } from '../domain/clock.js';

export const CLOCK_SELECT = 'SELECT offset_ms, frozen_at_ms, version FROM virtual_clock WHERE id = 1';

/** A reset returns the clock to real time; the version keeps growing, so no instance mistakes old for new. */
export const RESET_CLOCK_SQL =
  'UPDATE virtual_clock SET offset_ms = 0, frozen_at_ms = NULL, version = version + 1 WHERE id = 1';

export interface ClockRow {
  offset_ms: number;
  frozen_at_ms: number | null;
  version: number;
}

export function toClockState(row: ClockRow | undefined): ClockState {
  // The migration inserts the row; a missing one can only mean a hand-edited database: real time then.
  if (row === undefined) return { offsetMs: 0, frozenAtMs: null, version: 0 };
  return {
    offsetMs: Number(row.offset_ms),
    frozenAtMs: row.frozen_at_ms === null ? null : Number(row.frozen_at_ms),
    version: Number(row.version),
  };
}
