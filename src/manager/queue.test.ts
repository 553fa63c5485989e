import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from './queue.js';

describe('WorkQueue', () => {
  it('deduplicates keys and runs a key added during processing once more afterwards', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('a');
    q.add('b');
    assert.equal(q.depth, 2);
    const k = await q.get();
    assert.equal(k, 'a');
    q.add('a');
    assert.equal(q.depth, 1, 'a is being processed, so it is not queued twice');
    q.done('a');
    assert.equal(q.depth, 2);
    assert.equal(await q.get(), 'b');
    assert.equal(await q.get(), 'a');
  });

  it('backs off exponentially per key up to the cap, and forgets on success', () => {
    const q = new WorkQueue({ baseMs: 100, maxMs: 1000 });
    assert.deepEqual(
      [1, 2, 3, 4, 5].map(() => q.nextBackoff('k')),
      [100, 200, 400, 800, 1000],
    );
    assert.equal(q.nextBackoff('other'), 100);
    q.forget('k');
    assert.equal(q.nextBackoff('k'), 100);
    q.shutDown();
  });

  it('delayed adds keep the earliest time and fire', async () => {
    const q = new WorkQueue();
    q.addAfter('x', 5000);
    q.addAfter('x', 10);
    const started = Date.now();
    assert.equal(await q.get(), 'x');
    assert.ok(Date.now() - started < 1000);
    q.shutDown();
    assert.equal(await q.get(), undefined);
  });
});
