import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject, Status } from '../k8s/object.js';
import { ApplyError, applyObject, deleteAndWait, LAST_APPLIED_ANNOTATION, waitFor, withLastApplied } from './apply.js';
import { ApiError } from './cluster.js';
import { ScriptedCluster } from './testing/scripted-cluster.js';

const conflict: Status = {
  apiVersion: 'v1',
  kind: 'Status',
  metadata: {},
  status: 'Failure',
  code: 409,
  reason: 'Conflict',
  message: 'the object has been modified',
};
const cm = (data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns' }, data });
const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'c' };

describe('withLastApplied', () => {
  it('stores the object without the annotation itself, replacing an old one', () => {
    const obj = { ...cm({ a: '1' }), metadata: { name: 'c', annotations: { keep: 'x', [LAST_APPLIED_ANNOTATION]: 'old' } } };
    const out = withLastApplied(obj);
    assert.deepEqual(JSON.parse(out.metadata.annotations![LAST_APPLIED_ANNOTATION]), {
      ...cm({ a: '1' }),
      metadata: { name: 'c', annotations: { keep: 'x' } },
    });
    assert.equal(out.metadata.annotations!.keep, 'x');
    assert.equal(obj.metadata.annotations[LAST_APPLIED_ANNOTATION], 'old', 'the input is not changed');
  });
});

describe('applyObject', () => {
  it('creates an absent object with the last-applied annotation, clearing the namespace of cluster-scoped kinds', async () => {
    const c = new ScriptedCluster();
    const r = await applyObject<KubeObject>(c, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team', namespace: 'ignored' } });
    assert.equal(r.action, 'created');
    assert.deepEqual(JSON.parse(r.object.metadata.annotations![LAST_APPLIED_ANNOTATION]), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
  });

  it('three-way patches: template removals go, hand-made additions stay, no change sends nothing', async () => {
    const c = new ScriptedCluster();
    await applyObject(c, cm({ a: '1', b: '2' }));
    await c.patch(ref, 'merge', { data: { manual: 'x' } });
    c.patches = [];
    const r = await applyObject(c, cm({ a: '3' }));
    assert.equal(r.action, 'patched');
    assert.deepEqual(r.object.data, { a: '3', manual: 'x' });
    assert.equal(c.patches[0].type, 'strategic', 'ConfigMap is a built-in kind');
    assert.deepEqual((c.patches[0].patch as { data: unknown }).data, { a: '3', b: null });
    const again = await applyObject(c, cm({ a: '3' }));
    assert.equal(again.action, 'unchanged');
    assert.equal(c.patches.length, 1);
  });

  it('uses JSON merge patch for custom resources, CRDs and KUDO types', async () => {
    for (const [apiVersion, kind] of [
      ['example.com/v1', 'Widget'],
      ['apiextensions.k8s.io/v1', 'CustomResourceDefinition'],
      ['kudo.dev/v1beta1', 'Instance'],
    ]) {
      const c = new ScriptedCluster();
      const obj = (spec: unknown): KubeObject => ({ apiVersion, kind, metadata: { name: 'x', namespace: 'ns' }, spec });
      await applyObject(c, obj({ a: 1 }));
      await applyObject(c, obj({ a: 2 }));
      assert.equal(c.patches[0].type, 'merge', kind);
    }
  });

  it('fails fatally without (valid) last-applied configuration', async () => {
    const c = new ScriptedCluster();
    c.put(cm({ a: '1' }));
    await assert.rejects(
      applyObject(c, cm({ a: '2' })),
      (e) => e instanceof ApplyError && e.fatal && e.message === 'failed to patch ConfigMap ns/c: LastAppliedConfigAnnotation is not set',
    );
    c.put({ ...cm({}), metadata: { ...cm({}).metadata, annotations: { [LAST_APPLIED_ANNOTATION]: '{not json' } } });
    await assert.rejects(applyObject(c, cm({ a: '2' })), (e) => e instanceof ApplyError && e.fatal && /is not valid JSON/.test(e.message));
    await assert.rejects(
      applyObject(c, { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }),
      (e) => e instanceof ApplyError && e.fatal && /without metadata.name/.test(e.message),
    );
  });

  it('retries on conflict and when someone else created the object first', async () => {
    const c = new ScriptedCluster();
    await applyObject(c, cm({ a: '1' }));
    let conflicts = 2;
    c.beforePatch = () => {
      if (conflicts-- > 0) throw new ApiError(conflict);
    };
    const r = await applyObject(c, cm({ a: '2' }));
    assert.equal(r.action, 'patched');
    assert.equal(c.calls.filter((x) => x === 'get c').length, 4, 'a fresh read for each attempt');
    c.beforePatch = () => {
      throw new ApiError(conflict);
    };
    await assert.rejects(applyObject(c, cm({ a: '3' }), { conflictRetries: 1 }), (e) => e instanceof ApiError && e.code === 409);

    const race = new ScriptedCluster();
    const realCreate = race.create.bind(race);
    race.create = async <T extends KubeObject>(obj: T): Promise<T> => {
      race.create = realCreate;
      await realCreate(withLastApplied(cm({ a: 'theirs' })));
      return realCreate(obj);
    };
    const raced = await applyObject(race, cm({ a: 'mine' }));
    assert.equal(raced.action, 'patched');
    assert.deepEqual(raced.object.data, { a: 'mine' });
  });
});

describe('waitFor and deleteAndWait', () => {
  it('waits through the watch for a predicate and for deletion', async () => {
    const c = new ScriptedCluster();
    c.put(cm({ ready: 'no' }));
    const ready = waitFor(c, ref, (o) => (o?.data as { ready?: string } | undefined)?.ready === 'yes', 2000);
    await new Promise((r) => setTimeout(r, 10));
    c.put(cm({ ready: 'yes' }));
    assert.equal(((await ready)?.data as { ready: string }).ready, 'yes');
    assert.equal(c.watches.length, 0, 'the watch is stopped');

    // A deletion that completes later (a finalizer), seen as a DELETED event.
    c.delete = async () => {
      setTimeout(() => c.remove(ref), 20);
      return true;
    };
    await deleteAndWait(c, ref, 'Foreground', 2000);
    assert.equal(await c.get(ref), undefined);
    await deleteAndWait(c, ref);
  });

  it('counts a successor with a new uid as gone and times out with a clear message', async () => {
    const c = new ScriptedCluster();
    c.put(cm({}));
    c.delete = async () => {
      setTimeout(() => {
        c.remove(ref);
        c.put({ ...cm({}), metadata: { ...cm({}).metadata, uid: 'new-uid' } });
      }, 10);
      return true;
    };
    await deleteAndWait(c, ref, 'Background', 2000);
    await assert.rejects(
      waitFor(c, ref, () => false, 50),
      /^Error: timed out after 50 ms waiting for ConfigMap ns\/c$/,
    );
  });
});
