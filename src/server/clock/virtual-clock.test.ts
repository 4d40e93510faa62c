import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store.js';
import type { Store } from '../../storage/store.js';
import { VirtualClock } from './virtual-clock.js';

const REAL = 1_790_000_000_000;

describe('VirtualClock', () => {
  let store: Store;
  let real: number;
  let clock: VirtualClock;

  beforeEach(async () => {
    store = openSqliteStore({ path: ':memory:' });
    real = REAL;
    clock = new VirtualClock(store, { realNow: () => real });
    await clock.start();
  });
  afterEach(async () => {
    clock.stop();
    await store.close();
  });

  it('runs with the wall clock until changed', () => {
    assert.equal(clock.nowMs(), REAL);
    real += 1500;
    assert.equal(clock.nowSeconds(), 1_790_000_001);
  });

  it('applies an advance at once, and keeps running from there', async () => {
    const reading = await clock.advance(3600);
    assert.equal(reading.now, 1_790_003_600);
    real += 1000;
    assert.equal(clock.nowMs(), REAL + 3_601_000);
  });

  it('stands still while frozen, and moves only when advanced', async () => {
    await clock.freeze();
    real += 60_000;
    assert.equal(clock.nowMs(), REAL);
    await clock.advance(0.25);
    assert.equal(clock.nowMs(), REAL + 250);
    assert.equal(clock.reading().frozen, true);
  });

  it('refuses to freeze in the past, and changes nothing', async () => {
    await clock.advance(86_400);
    const refused = await clock.freeze(REAL / 1000 + 10);
    assert.deepEqual(refused, { refused: true, nowMs: REAL + 86_400_000 });
    assert.equal(clock.reading().frozen, false);
  });

  it('returns to real time, backwards if it must', async () => {
    await clock.advance(100);
    await clock.toRealTime();
    assert.equal(clock.nowMs(), REAL);
  });

  it('follows changes made through another clock on the same store, and tells its listeners', async () => {
    const other = new VirtualClock(store, { realNow: () => real });
    await other.start();
    let told = 0;
    other.onChange(() => told++);
    await clock.advance(60);
    await other.reload();
    assert.equal(other.nowMs(), REAL + 60_000);
    assert.ok(told >= 1);
    other.stop();
  });

  it('never takes an older state for a newer one', async () => {
    const old = await store.readClock();
    // A store whose read-back lands late, with the state from before the change.
    const late = new Proxy(store, {
      get(target, key) {
        if (key === 'readClock') return async () => old;
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const lagging = new VirtualClock(late, { realNow: () => real });
    await lagging.start();
    await lagging.advance(10);
    await lagging.reload();
    assert.equal(lagging.nowMs(), REAL + 10_000);
    lagging.stop();
  });

  it('is back to real time after a store reset, once read back', async () => {
    await clock.advance(500);
    await store.reset();
    await clock.reload();
    assert.equal(clock.nowMs(), REAL);
  });
});
