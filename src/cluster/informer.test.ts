import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../k8s/object.js';
import { ApiError } from './cluster.js';
import { Informer } from './informer.js';
import { ScriptedCluster } from './testing/scripted-cluster.js';

const cm = (name: string, v = '1'): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns' }, data: { v } });
const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (cond()) return;
    await tick();
  }
  assert.fail(`timed out waiting for ${what}`);
}

function recorder(informer: Informer) {
  const seen: string[] = [];
  informer.addHandlers({
    add: (o) => seen.push(`add ${o.metadata.name}`),
    update: (a, b) => seen.push(`update ${b.metadata.name} ${(a.data as { v: string }).v}->${(b.data as { v: string }).v}`),
    delete: (o) => seen.push(`delete ${o.metadata.name}`),
  });
  return seen;
}

const make = (c: ScriptedCluster, extra: Partial<ConstructorParameters<typeof Informer>[1]> = {}) =>
  new Informer(c, { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', backoff: { initialMs: 5, maxMs: 20 }, ...extra });

describe('Informer', () => {
  it('lists, then watches from the list resourceVersion with bookmarks, and keeps its cache', async () => {
    const c = new ScriptedCluster();
    c.put(cm('a'));
    const inf = make(c);
    const seen = recorder(inf);
    await inf.start();
    assert.ok(inf.hasSynced);
    assert.deepEqual(seen, ['add a']);
    await until(() => c.watches.length === 1, 'the watch');
    assert.deepEqual(c.calls, ['list ConfigMap', 'watch rv=101 bookmarks']);
    c.put(cm('b'));
    c.put(cm('a', '2'));
    c.remove({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'b' });
    assert.deepEqual(seen, ['add a', 'add b', 'update a 1->2', 'delete b']);
    assert.deepEqual(
      inf.list().map((o) => o.metadata.name),
      ['a'],
    );
    assert.equal((inf.get('a', 'ns')?.data as { v: string }).v, '2');
    assert.equal(inf.lastResourceVersion, '104');
    await inf.stop();
    assert.equal(c.watches.length, 0);
  });

  it('re-watches from the last resourceVersion (bookmarks included) when a stream ends, without relisting', async () => {
    const c = new ScriptedCluster();
    const inf = make(c);
    await inf.start();
    await until(() => c.watches.length === 1, 'the watch');
    c.watches[0].onEvent({ type: 'BOOKMARK', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { resourceVersion: '555' } } });
    c.endAllWatches();
    await until(() => c.watches.length === 1, 'the second watch');
    assert.deepEqual(c.calls, ['list ConfigMap', 'watch rv=100 bookmarks', 'watch rv=555 bookmarks']);
    await inf.stop();
  });

  it('relists on 410 Gone (in the stream or as the answer) or an in-stream error, turning what it missed into events', async () => {
    for (const how of ['gone-event', 'gone-http', 'error-event'] as const) {
      const c = new ScriptedCluster();
      c.put(cm('keep'));
      c.put(cm('change'));
      c.put(cm('drop'));
      const inf = make(c);
      const seen = recorder(inf);
      await inf.start();
      await until(() => c.watches.length === 1, 'the watch');
      // Changes the informer never hears about, then a watch that is too old.
      c.silently(() => {
        c.put(cm('change', '2'));
        c.remove({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'drop' });
        c.put(cm('new'));
      });
      let first = true;
      c.onWatch = () => (first ? ((first = false), how) : undefined);
      c.endAllWatches();
      await until(() => seen.length === 6, `the relist after ${how}`);
      assert.deepEqual(seen.slice(3).sort(), ['add new', 'delete drop', 'update change 1->2']);
      assert.equal(c.calls.filter((x) => x.startsWith('list')).length, 2);
      assert.deepEqual(
        inf
          .list()
          .map((o) => o.metadata.name)
          .sort(),
        ['change', 'keep', 'new'],
      );
      await inf.stop();
    }
  });

  it('backs off and keeps going after watch and list errors, and tells onError', async () => {
    const c = new ScriptedCluster();
    const errors: string[] = [];
    let failures = 3;
    c.onWatch = () => (failures-- > 0 ? 'error' : undefined);
    const inf = make(c, { onError: (e) => errors.push((e as Error).message) });
    const seen = recorder(inf);
    const started = Date.now();
    await inf.start();
    await until(() => c.watches.length === 1, 'a watch after failures');
    assert.deepEqual(errors, ['watch failed', 'watch failed', 'watch failed']);
    assert.ok(Date.now() - started >= 5, 'waited between attempts');
    c.put(cm('x'));
    assert.deepEqual(seen, ['add x']);
    // A later relist that fails is retried too.
    let listFailures = 2;
    c.failList = () =>
      listFailures-- > 0 ? new ApiError({ apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', code: 503, message: 'busy' }) : undefined;
    let goneOnce = true;
    c.onWatch = () => (goneOnce ? ((goneOnce = false), 'gone-http') : undefined);
    c.endAllWatches();
    await until(() => c.calls.filter((x) => x.startsWith('list')).length === 4 && c.watches.length === 1, 'relist after list errors');
    assert.deepEqual(errors.slice(3), ['busy', 'busy']);
    await inf.stop();
  });

  it('rejects start() when the first list is refused for good', async () => {
    const c = new ScriptedCluster();
    c.failList = () => new ApiError({ apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', code: 403, message: 'configmaps is forbidden' });
    await assert.rejects(make(c).start(), /configmaps is forbidden/);
  });

  it('replays the cache to update handlers on resync and survives throwing handlers', async () => {
    const c = new ScriptedCluster();
    c.put(cm('a'));
    const errors: unknown[] = [];
    const inf = make(c, { resyncMs: 20, onError: (e) => errors.push(e) });
    inf.addHandlers({
      add: () => {
        throw new Error('handler bug');
      },
    });
    const seen = recorder(inf);
    await inf.start();
    await until(() => seen.filter((s) => s === 'update a 1->1').length >= 2, 'two resyncs');
    assert.equal((errors[0] as Error).message, 'handler bug');
    assert.equal(seen[0], 'add a', 'other handlers still ran');
    await inf.stop();
  });
});
