import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  NO_LIMITS,
  effectiveLimit,
  planTake,
  windowUsage,
  type RateBucket,
  type RateLimit,
} from './rate-limits.js';

const T = 1_790_000_000;
const THREE_A_MINUTE: RateLimit = { max: 3, perSeconds: 60 };

/** Replays calls at the given seconds through one window, as a backend would: returns which were let through. */
function replay(limit: RateLimit, seconds: readonly number[]): boolean[] {
  let buckets: RateBucket[] = [];
  return seconds.map((now) => {
    const plan = planTake([{ limit, buckets }], now);
    if (plan.allowed) {
      const same = buckets.find((b) => b.at === now);
      buckets = same
        ? buckets.map((b) => (b === same ? { at: now, count: b.count + 1 } : b))
        : [...buckets, { at: now, count: 1 }];
    }
    return plan.allowed;
  });
}

describe('sliding window', () => {
  it('lets at most max calls through in any perSeconds run of seconds', () => {
    const cases: [name: string, seconds: number[], allowed: boolean[]][] = [
      ['a burst', [T, T, T, T], [true, true, true, false]],
      // A fixed window would reset at the minute boundary and let 3 more through at T+60 - T%60.
      ['no reset at a boundary', [T + 58, T + 59, T + 59, T + 61], [true, true, true, false]],
      [
        'the oldest call leaves after perSeconds',
        [T, T + 1, T + 2, T + 59, T + 60],
        [true, true, true, false, true],
      ],
      ['then the next', [T, T + 1, T + 2, T + 60, T + 60, T + 61], [true, true, true, true, false, true]],
      [
        'refused calls are not counted',
        [T, T, T, T + 10, T + 20, T + 60],
        [true, true, true, false, false, true],
      ],
    ];
    for (const [name, seconds, allowed] of cases) {
      assert.deepEqual(replay(THREE_A_MINUTE, seconds), allowed, name);
    }
  });

  it('says when a full window has room again, counting the oldest calls out first', () => {
    const buckets = [
      { at: T, count: 2 },
      { at: T + 10, count: 1 },
    ];
    assert.deepEqual(windowUsage(THREE_A_MINUTE, buckets, T + 30), {
      max: 3,
      perSeconds: 60,
      used: 3,
      regainAt: T + 60,
    });
    // Four calls against three: both of T's must leave; a call before the window counts no more.
    const over = [
      { at: T - 60, count: 9 },
      { at: T, count: 1 },
      { at: T + 5, count: 2 },
      { at: T + 6, count: 1 },
    ];
    assert.equal(windowUsage(THREE_A_MINUTE, over, T + 30).used, 4);
    assert.equal(windowUsage(THREE_A_MINUTE, over, T + 30).regainAt, T + 65);
    assert.equal(windowUsage(THREE_A_MINUTE, [{ at: T, count: 2 }], T).regainAt, undefined);
  });

  it('takes from every window or none, naming the first without room', () => {
    const roomy = { limit: { max: 10, perSeconds: 60 }, buckets: [{ at: T, count: 1 }] };
    const full = { limit: { max: 1, perSeconds: 60 }, buckets: [{ at: T, count: 1 }] };
    const refused = planTake([roomy, full, full], T + 1);
    assert.equal(refused.allowed, false);
    assert.equal(!refused.allowed && refused.refusedBy, 1);
    assert.deepEqual(
      refused.usages.map((u) => u.used),
      [1, 1, 1],
      'nothing counted',
    );
    const taken = planTake([roomy, roomy], T + 1);
    assert.equal(taken.allowed, true);
    assert.deepEqual(
      taken.usages.map((u) => u.used),
      [2, 2],
    );
    const looked = planTake([full], T + 1, 0);
    assert.equal(looked.allowed, true, 'a look never refuses');
    assert.equal(looked.usages[0]?.used, 1);
  });
});

describe('effective limits', () => {
  it("takes the business's own, else the default; null is off whatever the default", () => {
    const server: RateLimit = { max: 30, perSeconds: 60 };
    const own: RateLimit = { max: 5, perSeconds: 10 };
    assert.equal(effectiveLimit(NO_LIMITS, 'group_operations', server), server);
    assert.equal(effectiveLimit(NO_LIMITS, 'waba_calls', undefined), undefined);
    assert.equal(effectiveLimit({ group_operations: own }, 'group_operations', server), own);
    assert.equal(effectiveLimit({ group_operations: null }, 'group_operations', server), undefined);
  });
});
