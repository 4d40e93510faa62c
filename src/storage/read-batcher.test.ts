import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReadBatcher } from './read-batcher.js';

/** A batch runner that records each batch and answers when told to. */
function controlledRunner() {
  const batches: number[][] = [];
  const gates: (() => void)[] = [];
  const run = async (inputs: readonly number[]) => {
    batches.push([...inputs]);
    await new Promise<void>((resolve) => gates.push(resolve));
    return inputs.map((n) => n * 10);
  };
  const releaseNext = () => gates.shift()?.();
  return { batches, run, releaseNext };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('ReadBatcher', () => {
  it('sends reads made in the same turn as one batch, and answers each in order', async () => {
    const runner = controlledRunner();
    const batcher = new ReadBatcher(runner.run, { maxInFlight: 2, maxBatch: 100 });
    const answers = Promise.all([1, 2, 3].map((n) => batcher.read(n)));
    await turn();
    assert.deepEqual(runner.batches, [[1, 2, 3]]);
    runner.releaseNext();
    assert.deepEqual(await answers, [10, 20, 30]);
  });

  it('queues reads behind the batches in flight and sends the queue as one batch when one returns', async () => {
    const runner = controlledRunner();
    const batcher = new ReadBatcher(runner.run, { maxInFlight: 1, maxBatch: 100 });
    const first = batcher.read(1);
    await turn();
    const later = Promise.all([2, 3, 4].map((n) => batcher.read(n)));
    await turn();
    assert.deepEqual(runner.batches, [[1]], 'nothing more goes out while the only slot is taken');
    runner.releaseNext();
    assert.equal(await first, 10);
    await turn();
    assert.deepEqual(runner.batches, [[1], [2, 3, 4]]);
    runner.releaseNext();
    assert.deepEqual(await later, [20, 30, 40]);
  });

  it('splits a long queue into batches of at most maxBatch', async () => {
    const runner = controlledRunner();
    const batcher = new ReadBatcher(runner.run, { maxInFlight: 3, maxBatch: 2 });
    const answers = Promise.all([1, 2, 3, 4, 5].map((n) => batcher.read(n)));
    await turn();
    assert.deepEqual(runner.batches, [[1, 2], [3, 4], [5]]);
    for (let i = 0; i < 3; i++) runner.releaseNext();
    assert.deepEqual(await answers, [10, 20, 30, 40, 50]);
  });

  it('rejects every read of a failed batch, and goes on serving the next ones', async () => {
    let fail = true;
    const batcher = new ReadBatcher(
      async (inputs: readonly number[]) => {
        if (fail) throw new Error('connection lost');
        return inputs.map((n) => -n);
      },
      { maxInFlight: 1, maxBatch: 10 },
    );
    const failed = [batcher.read(1), batcher.read(2)].map((p) =>
      p.then(
        () => 'answered',
        (error: Error) => error.message,
      ),
    );
    assert.deepEqual(await Promise.all(failed), ['connection lost', 'connection lost']);
    fail = false;
    assert.equal(await batcher.read(3), -3);
  });

  it('refuses an answer of the wrong length instead of answering reads with the wrong rows', async () => {
    const batcher = new ReadBatcher(async () => [1], { maxInFlight: 1, maxBatch: 10 });
    const results = await Promise.allSettled([batcher.read(1), batcher.read(2)]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected'],
    );
  });
});
