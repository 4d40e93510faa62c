/**
 * The journal's buffer: calls are written in batches, in order, one write at a time; a read's flush waits for all
 * of them; a store that fails or lags costs neither calls nor unbounded memory.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NewJournalEntry } from '../../domain/journal.js';
import type { Store } from '../../storage/store.js';
import { RequestJournal } from './request-journal.js';

/** A store that only takes journal batches, each held until `release` when `hold` is set. */
function batchStore(options: { fail?: boolean; hold?: boolean } = {}) {
  const batches: { paths: string[]; maxEntries: number }[] = [];
  const waiting: (() => void)[] = [];
  const store = {
    appendJournalEntries: async (entries: readonly NewJournalEntry[], maxEntries: number) => {
      if (options.hold === true) await new Promise<void>((resolve) => waiting.push(resolve));
      if (options.fail === true) throw new Error('store down');
      batches.push({ paths: entries.map((e) => e.path), maxEntries });
    },
  } as unknown as Store;
  const release = () => waiting.splice(0).forEach((resolve) => resolve());
  return { store, batches, release };
}

const describeAs = (path: string) => ({ path }) as NewJournalEntry;

describe('RequestJournal', () => {
  it('writes everything recorded in one batch on flush, with the bound', async () => {
    const { store, batches } = batchStore();
    const journal = new RequestJournal(store, describeAs, { maxEntries: 100 });
    journal.record('/a');
    journal.record('/b');
    assert.equal(batches.length, 0, 'nothing is written on the response path');
    await journal.flush();
    assert.deepEqual(batches, [{ paths: ['/a', '/b'], maxEntries: 100 }]);
    await journal.flush();
    assert.equal(batches.length, 1, 'an empty flush writes nothing');
    await journal.close();
  });

  it('writes one batch at a time, in order, and a flush waits for the one under way', async () => {
    const { store, batches, release } = batchStore({ hold: true });
    const journal = new RequestJournal(store, describeAs, { maxEntries: 100 });
    journal.record('/1');
    const first = journal.flush();
    journal.record('/2');
    const second = journal.flush();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(batches.length, 0);
    release();
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await Promise.all([first, second]);
    assert.deepEqual(
      batches.map((b) => b.paths),
      [['/1'], ['/2']],
    );
  });

  it('keeps no more than the bound in memory while the store lags', async () => {
    const { store, batches } = batchStore();
    const journal = new RequestJournal(store, describeAs, { maxEntries: 3, maxBatch: 1000 });
    for (const path of ['/1', '/2', '/3', '/4', '/5']) journal.record(path);
    await journal.flush();
    assert.deepEqual(batches[0]?.paths, ['/3', '/4', '/5']);
  });

  it('drops what is pending on discard, and a batch the store refuses, reporting it', async () => {
    const errors: unknown[] = [];
    const failing = batchStore({ fail: true });
    const journal = new RequestJournal(failing.store, describeAs, {
      maxEntries: 10,
      onError: (error) => errors.push(error),
    });
    journal.record('/x');
    await journal.flush();
    assert.equal(errors.length, 1);
    const { store, batches } = batchStore();
    const other = new RequestJournal(store, describeAs, { maxEntries: 10 });
    other.record('/gone');
    await other.discardPending();
    await other.flush();
    assert.equal(batches.length, 0);
  });

  it('writes what is left on close and records nothing after', async () => {
    const { store, batches } = batchStore();
    const journal = new RequestJournal(store, describeAs, { maxEntries: 10 });
    journal.record('/last');
    await journal.close();
    journal.record('/late');
    await journal.flush();
    assert.deepEqual(
      batches.map((b) => b.paths),
      [['/last']],
    );
  });

  it('refuses a bound below 1: an off journal is not built', () => {
    assert.throws(() => new RequestJournal(batchStore().store, describeAs, { maxEntries: 0 }), /at least 1/);
  });
});
