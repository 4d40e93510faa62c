import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { advanced, frozen, readingOf, toRealTime, virtualNowMs, type ClockState } from './clock.js';

const REAL = 1_790_000_000_500;
const running: ClockState = { offsetMs: 0, frozenAtMs: null, version: 3 };

describe('virtual clock rules', () => {
  it('reads the wall clock plus the offset while running, the frozen instant while frozen', () => {
    assert.equal(virtualNowMs(running, REAL), REAL);
    assert.equal(virtualNowMs({ ...running, offsetMs: 60_000 }, REAL), REAL + 60_000);
    assert.equal(virtualNowMs({ ...running, offsetMs: 60_000, frozenAtMs: 42_000 }, REAL), 42_000);
  });

  it('advances a running clock by its offset and a frozen one by its instant, bumping the version', () => {
    assert.deepEqual(advanced(running, 3_600_000), { offsetMs: 3_600_000, frozenAtMs: null, version: 4 });
    assert.deepEqual(advanced({ offsetMs: 10, frozenAtMs: 5000, version: 0 }, 1000), {
      offsetMs: 1010,
      frozenAtMs: 6000,
      version: 1,
    });
  });

  for (const ms of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
    it(`refuses to advance by ${ms} ms`, () => {
      assert.throws(() => advanced(running, ms), RangeError);
    });
  }

  it('freezes at this instant, keeping the milliseconds', () => {
    const plan = frozen({ ...running, offsetMs: 1000 }, REAL);
    assert.deepEqual(plan, { ok: true, state: { offsetMs: 1000, frozenAtMs: REAL + 1000, version: 4 } });
  });

  it('freezes at a later second, and at the current one without stepping back', () => {
    const later = frozen(running, REAL, 1_790_000_100);
    assert.deepEqual(later, {
      ok: true,
      state: { offsetMs: 99_500, frozenAtMs: 1_790_000_100_000, version: 4 },
    });
    const sameSecond = frozen(running, REAL, 1_790_000_000);
    assert.equal(sameSecond.ok && sameSecond.state.frozenAtMs, REAL);
  });

  it('refuses to freeze before the current second, telling the current time', () => {
    assert.deepEqual(frozen(running, REAL, 1_789_999_999), { ok: false, nowMs: REAL });
    const ahead = { ...running, offsetMs: 86_400_000 };
    assert.deepEqual(frozen(ahead, REAL, 1_790_000_001), { ok: false, nowMs: REAL + 86_400_000 });
  });

  it('returns to real time with a newer version', () => {
    assert.deepEqual(toRealTime({ offsetMs: 5, frozenAtMs: 7, version: 9 }), {
      offsetMs: 0,
      frozenAtMs: null,
      version: 10,
    });
  });

  it('reads out in Graph seconds, ISO and the offset', () => {
    assert.deepEqual(readingOf({ offsetMs: 1500, frozenAtMs: null }, REAL), {
      now: 1_790_000_002,
      now_iso: new Date(REAL + 1500).toISOString(),
      offset_seconds: 1.5,
      frozen: false,
      frozen_at: null,
    });
    const still = readingOf({ offsetMs: 0, frozenAtMs: REAL + 10_000 }, REAL);
    assert.equal(still.frozen, true);
    assert.equal(still.frozen_at, 1_790_000_010);
    assert.equal(still.offset_seconds, 10);
  });
});
