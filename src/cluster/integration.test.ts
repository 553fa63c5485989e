/**
 * The HTTP cluster layer against a real API server (see testing/target.ts):
 * CRUD, pagination, conflicts, watch, 410 handling, discovery refresh after a
 * CRD, informers, apply, delete-and-wait and exec's error path.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../k8s/object.js';
import { ApplyError, applyObject, deleteAndWait, LAST_APPLIED_ANNOTATION, waitFor } from './apply.js';
import { ApiError, isConflict } from './cluster.js';
import type { WatchEvent } from './cluster.js';
import { fromKubeconfigText, type HttpCluster } from './http-cluster.js';
import { Informer } from './informer.js';
import { startTestTarget, type TestTarget } from './testing/target.js';

let target: TestTarget | undefined;
let skip: string | false = false;
let cluster: HttpCluster;
const ns = `g-it-${Date.now().toString(36)}`;

before(async () => {
  const t = await startTestTarget();
  if (typeof t === 'string') {
    skip = t;
    return;
  }
  target = t;
  cluster = await fromKubeconfigText(t.kubeconfig, { requestTimeoutMs: 15_000 });
  await cluster.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
});

after(async () => {
  if (!target) return;
  await cluster.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns }).catch(() => {});
  cluster.close();
  await target.stop();
});

const cm = (name: string, data: Record<string, string> = { a: '1' }): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns },
  data,
});
const opts = { timeout: 60_000 };

/** Retries a call that may fail for a moment after a change (up to 5 s). */
async function eventually<T>(fn: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (i >= 50) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('cluster layer against an API server', () => {
  it('creates, reads, pages through, updates with conflicts, patches and deletes', opts, async (t) => {
    if (skip) return t.skip(skip);
    const created = await cluster.create(cm('one'));
    assert.ok(created.metadata.uid);
    assert.deepEqual((await cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'one' }))?.data, { a: '1' });
    for (let i = 0; i < 4; i++) await cluster.create(cm(`page-${i}`));
    const list = await cluster.list('v1', 'ConfigMap', { namespace: ns, limit: 2 });
    const names = list.items.map((i) => i.metadata.name).filter((n) => n !== 'kube-root-ca.crt');
    assert.deepEqual(names, ['one', 'page-0', 'page-1', 'page-2', 'page-3']);
    const stale = { ...created, data: { a: '2' } };
    await cluster.update({ ...created, data: { a: 'fresh' } });
    await assert.rejects(cluster.update(stale), (e) => isConflict(e));
    const patched = await cluster.patch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'one' }, 'merge', { data: { b: '2' } });
    assert.deepEqual(patched.data, { a: 'fresh', b: '2' });
    const dry = await cluster.create(cm('dry'), { dryRun: true });
    assert.equal(dry.metadata.name, 'dry');
    assert.equal(await cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'dry' }), undefined);
    assert.equal(await cluster.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'one' }), true);
    assert.equal(await cluster.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'one' }), false);
    const err: ApiError = await cluster.create({ ...cm('Bad_Name') }).catch((e) => e);
    assert.equal(err.code, 422);
    assert.equal(err.reason, 'Invalid');
  });

  it('watches changes in order', opts, async (t) => {
    if (skip) return t.skip(skip);
    const start = await cluster.list('v1', 'ConfigMap', { namespace: ns });
    const events: WatchEvent[] = [];
    let seenDelete!: () => void;
    const deleted = new Promise<void>((r) => (seenDelete = r));
    const handle = await cluster.watch(
      'v1',
      'ConfigMap',
      { namespace: ns, resourceVersion: start.metadata.resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 30 },
      (e) => {
        if (e.type === 'BOOKMARK') return;
        events.push(e);
        if (e.type === 'DELETED') seenDelete();
      },
    );
    await cluster.create(cm('watched'));
    await cluster.patch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'watched' }, 'merge', { data: { a: '2' } });
    await cluster.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'watched' });
    await deleted;
    handle.stop();
    await handle.done;
    assert.deepEqual(
      events.map((e) => `${e.type} ${e.object.metadata.name}`),
      ['ADDED watched', 'MODIFIED watched', 'DELETED watched'],
    );
  });

  it('refreshes discovery when a step has just created a CRD', opts, async (t) => {
    if (skip) return t.skip(skip);
    const group = `${ns}.example.com`;
    await assert.rejects(cluster.resourceFor(`${group}/v1`, 'Widget'), /no matches for kind "Widget"/);
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `widgets.${group}` },
      spec: {
        group,
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            subresources: { status: {} },
            schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          },
        ],
      },
    };
    await cluster.create(crd);
    await waitFor(
      cluster,
      { apiVersion: crd.apiVersion, kind: crd.kind, name: crd.metadata.name },
      (o) =>
        !!(o?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions?.some(
          (c) => c.type === 'Established' && c.status === 'True',
        ),
      20_000,
    );
    // No explicit invalidateDiscovery(): each call with the unknown kind refreshes by itself. The API
    // server may serve the new group a moment after Established, hence a few attempts.
    const info = await eventually(() => cluster.resourceFor(`${group}/v1`, 'Widget'));
    assert.deepEqual([info.resource, info.namespaced, info.subresources], ['widgets', true, ['status']]);
    const w = await eventually(() => cluster.create({ apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1', namespace: ns }, spec: { size: 1 } }));
    await cluster.updateStatus({ ...w, status: { ready: true } });
    assert.deepEqual((await cluster.get({ apiVersion: `${group}/v1`, kind: 'Widget', namespace: ns, name: 'w1' }))?.status, { ready: true });

    // Apply on a custom resource: JSON merge patch against the last-applied configuration.
    const desired: KubeObject = { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w2', namespace: ns }, spec: { size: 1, color: 'red' } };
    const first = await applyObject(cluster, desired);
    assert.equal(first.action, 'created');
    assert.deepEqual(JSON.parse(first.object.metadata.annotations![LAST_APPLIED_ANNOTATION]), desired);
    await cluster.patch({ apiVersion: desired.apiVersion, kind: 'Widget', namespace: ns, name: 'w2' }, 'merge', { spec: { byHand: true } });
    const second = await applyObject(cluster, { ...desired, spec: { size: 2 } });
    assert.equal(second.action, 'patched');
    assert.deepEqual(second.object.spec, { size: 2, byHand: true }, 'color removed from the template goes, the hand-added field stays');
    assert.equal((await applyObject(cluster, { ...desired, spec: { size: 2 } })).action, 'unchanged');
    await cluster.patch({ apiVersion: desired.apiVersion, kind: 'Widget', namespace: ns, name: 'w2' }, 'merge', {
      metadata: { annotations: { [LAST_APPLIED_ANNOTATION]: null } },
    });
    await assert.rejects(applyObject(cluster, desired), (e) => e instanceof ApplyError && e.fatal && /LastAppliedConfigAnnotation is not set/.test(e.message));
    await cluster.delete({ apiVersion: crd.apiVersion, kind: crd.kind, name: crd.metadata.name });
  });

  it('applies built-in kinds with a strategic merge patch', opts, async (t) => {
    if (skip) return t.skip(skip);
    const desired = cm('applied', { a: '1', b: '2' });
    assert.equal((await applyObject(cluster, desired)).action, 'created');
    await cluster.patch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'applied' }, 'merge', { data: { manual: 'x' } });
    const r = await applyObject(cluster, cm('applied', { a: '2' }));
    assert.equal(r.action, 'patched');
    assert.deepEqual(r.object.data, { a: '2', manual: 'x' });

    const deployment = (containers: string[], labels: Record<string, string>): KubeObject => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'applied', namespace: ns, labels },
      spec: {
        selector: { matchLabels: { app: 'applied' } },
        template: { metadata: { labels: { app: 'applied' } }, spec: { containers: containers.map((c) => ({ name: c, image: `${c}:1` })) } },
      },
    });
    assert.equal((await applyObject(cluster, deployment(['a'], { x: '1', y: '2' }))).action, 'created');
    await cluster.patch({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'applied' }, 'strategic', {
      spec: { template: { metadata: { annotations: { byHand: 'yes' } } } },
    });
    const d = await applyObject(cluster, deployment(['a', 'b'], { x: '1' }));
    assert.equal(d.action, 'patched');
    const spec = d.object.spec as { template: { metadata: { annotations: Record<string, string> }; spec: { containers: { name: string }[] } } };
    assert.deepEqual(
      spec.template.spec.containers.map((c) => c.name),
      ['a', 'b'],
    );
    assert.equal(spec.template.metadata.annotations.byHand, 'yes');
    assert.deepEqual(d.object.metadata.labels, { x: '1' });
    assert.equal((await applyObject(cluster, deployment(['a', 'b'], { x: '1' }))).action, 'unchanged', 'server defaults are no change');
  });

  it('keeps an informer cache in step and calls its handlers', opts, async (t) => {
    if (skip) return t.skip(skip);
    await cluster.create(cm('pre'));
    const informer = new Informer(cluster, { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, labelSelector: 'app=inf' });
    const seen: string[] = [];
    let wake: (() => void) | undefined;
    informer.addHandlers({
      add: (o) => seen.push(`add ${o.metadata.name}`),
      update: (a, b) => seen.push(`update ${b.metadata.name} ${a.data && (a.data as Record<string, string>).v}->${(b.data as Record<string, string>).v}`),
      delete: (o) => seen.push(`delete ${o.metadata.name}`),
    });
    informer.addHandlers({ add: () => wake?.(), update: () => wake?.(), delete: () => wake?.() });
    const next = (n: number) =>
      new Promise<void>((resolve) => {
        const target = seen.length + n;
        wake = () => {
          if (seen.length >= target) resolve();
        };
      });
    const labelled = (name: string, v: string): KubeObject => ({ ...cm(name, { v }), metadata: { name, namespace: ns, labels: { app: 'inf' } } });
    await cluster.create(labelled('i1', '1'));
    await informer.start();
    assert.deepEqual(seen, ['add i1']);
    let step = next(3);
    await cluster.create(labelled('i2', '1'));
    await cluster.patch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'i1' }, 'merge', { data: { v: '2' } });
    await cluster.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'i2' });
    await step;
    assert.deepEqual(seen, ['add i1', 'add i2', 'update i1 1->2', 'delete i2']);
    assert.deepEqual(
      informer.list().map((o) => o.metadata.name),
      ['i1'],
    );
    assert.equal((informer.get('i1', ns)?.data as Record<string, string>).v, '2');
    step = next(1);
    await cluster.create(labelled('i3', '1'));
    await step;
    await informer.stop();
    await cluster.create(labelled('after-stop', '1'));
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!seen.includes('add after-stop'));
  });

  it('deletes with foreground propagation and waits until the owner and its dependents are gone', opts, async (t) => {
    if (skip) return t.skip(skip);
    const dep = await cluster.create<KubeObject>({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: ns },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      },
    });
    // The ReplicaSet's name is generated, so wait for it by listing.
    const owned = async () =>
      (await cluster.list('apps/v1', 'ReplicaSet', { namespace: ns })).items.filter((r) => r.metadata.ownerReferences?.some((o) => o.uid === dep.metadata.uid));
    for (let i = 0; i < 100 && (await owned()).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal((await owned()).length, 1);
    await deleteAndWait(cluster, { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' }, 'Foreground', 30_000);
    assert.equal(await cluster.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' }), undefined);
    assert.equal((await owned()).length, 0, 'foreground deletion removed the ReplicaSet first');
    await assert.rejects(
      waitFor(cluster, { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'never' }, (o) => !!o, 300),
      /timed out after 300 ms waiting for ConfigMap g-it-.*\/never/,
    );
  });

  it('reaches pods/exec through the WebSocket upgrade (pods stay Pending without a kubelet)', opts, async (t) => {
    if (skip) return t.skip(skip);
    await cluster.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: ns }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    const e: ApiError = await cluster.exec(ns, 'p', 'c', ['ls']).catch((x) => x);
    assert.ok(e instanceof ApiError, String(e));
    assert.equal(e.code, 400);
    assert.match(e.message, /pod p does not have a host assigned/);
  });
});
