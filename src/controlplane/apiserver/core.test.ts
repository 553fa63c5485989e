import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../k8s/object.js';
import { Store } from '../storage/store.js';
import { registerBuiltins } from './builtins.js';
import { ApiCore, type WatchEvent } from './core.js';
import { CrdSupport } from './crd.js';
import { ApiError } from './errors.js';
import { Registry } from './registry.js';

function setup() {
  const registry = new Registry();
  registerBuiltins(registry);
  const core = new ApiCore(new Store(), registry);
  new CrdSupport(core, registry).install();
  const type = (group: string, version: string, resource: string) => registry.lookup(group, version, resource)!;
  const ns = type('', 'v1', 'namespaces');
  core.create(ns, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  return { core, registry, type, cms: type('', 'v1', 'configmaps'), deploys: type('apps', 'v1', 'deployments'), ns };
}

function apiError(f: () => unknown): ApiError {
  try {
    f();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  assert.fail('expected an ApiError');
}

const cm = (name: string, extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
  data: { a: 'b' },
  ...extra,
});

const deployment = (name: string, replicas = 1): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } },
  },
});

test('create sets server metadata and rejects duplicates and bad names with Kubernetes messages', () => {
  const { core, cms } = setup();
  const c = core.create(cms, 'default', cm('c1'));
  assert.match(c.metadata.uid!, /^[0-9a-f-]{36}$/);
  assert.match(c.metadata.creationTimestamp!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(c.metadata.generation, undefined, 'ConfigMaps carry no generation');
  const dup = apiError(() => core.create(cms, 'default', cm('c1')));
  assert.equal(dup.code, 409);
  assert.equal(dup.status.message, 'configmaps "c1" already exists');
  const bad = apiError(() => core.create(cms, 'default', cm('Bad_Name')));
  assert.equal(bad.code, 422);
  assert.match(bad.status.message!, /^ConfigMap "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
  const noName = apiError(() => core.create(cms, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }));
  assert.equal(noName.status.message, 'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required');
  const noNs = apiError(() => core.create(cms, 'nowhere', cm('x')));
  assert.equal(noNs.status.message, 'namespaces "nowhere" not found');
  const wrongKind = apiError(() => core.create(cms, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } }));
  assert.equal(wrongKind.code, 400);
  assert.equal(core.list(cms, 'default').items.length, 1, 'nothing stored by failed creates');
});

test('generateName adds five random characters', () => {
  const { core, cms } = setup();
  const c = core.create(cms, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-' } });
  assert.match(c.metadata.name!, /^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
});

test('update needs the current resourceVersion and bumps generation only on spec changes', () => {
  const { core, deploys } = setup();
  const d = core.create(deploys, 'default', deployment('web'));
  assert.equal(d.metadata.generation, 1);
  const stale = { ...d, metadata: { ...d.metadata, resourceVersion: '1' } };
  const e = apiError(() => core.update(deploys, 'default', 'web', stale));
  assert.equal(e.code, 409);
  assert.equal(
    e.status.message,
    'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again',
  );
  const labelled = core.update(deploys, 'default', 'web', { ...d, metadata: { ...d.metadata, labels: { x: 'y' } } }).object;
  assert.equal(labelled.metadata.generation, 1);
  const scaled = core.update(deploys, 'default', 'web', { ...labelled, spec: { ...(labelled.spec as object), replicas: 5 } }).object;
  assert.equal(scaled.metadata.generation, 2);
  const same = core.update(deploys, 'default', 'web', scaled).object;
  assert.equal(same.metadata.resourceVersion, scaled.metadata.resourceVersion, 'a no-op update writes nothing');
});

test('status subresource: main writes keep status, /status writes keep spec', () => {
  const { core, deploys } = setup();
  const d = core.create(deploys, 'default', { ...deployment('web'), status: { replicas: 9 } });
  assert.deepEqual(d.status, {}, 'status is dropped on create');
  const withStatus = core.update(
    deploys,
    'default',
    'web',
    { ...d, status: { replicas: 3 }, spec: { ...(d.spec as object), replicas: 7 } },
    {},
    'status',
  ).object;
  assert.deepEqual(withStatus.status, { replicas: 3 });
  assert.equal((withStatus.spec as { replicas: number }).replicas, 1);
  assert.equal(withStatus.metadata.generation, 1);
  const main = core.update(deploys, 'default', 'web', { ...withStatus, status: { replicas: 0 } }).object;
  assert.deepEqual(main.status, { replicas: 3 });
});

test('finalizers hold a deletion until they are removed', () => {
  const { core, cms } = setup();
  core.create(cms, 'default', cm('f', { metadata: { name: 'f', finalizers: ['x/y'] } }));
  const r = core.delete(cms, 'default', 'f');
  assert.equal(r.gone, false);
  assert.ok(r.object.metadata.deletionTimestamp);
  const added = apiError(() => core.mutate(cms, 'default', 'f', (o) => ({ ...o, metadata: { ...o.metadata, finalizers: ['x/y', 'x/z'] } })));
  assert.equal(added.code, 422);
  core.mutate(cms, 'default', 'f', (o) => ({ ...o, metadata: { ...o.metadata, finalizers: [] } }));
  assert.equal(core.tryGet(cms, 'default', 'f'), undefined);
});

test('dry runs validate but store nothing', () => {
  const { core, cms } = setup();
  const rv = core.store.resourceVersion;
  const c = core.create(cms, 'default', cm('dry'), { dryRun: true });
  assert.equal(c.metadata.name, 'dry');
  assert.equal(core.tryGet(cms, 'default', 'dry'), undefined);
  assert.equal(core.store.resourceVersion, rv);
  core.create(cms, 'default', cm('real'));
  core.delete(cms, 'default', 'real', { dryRun: true });
  assert.ok(core.tryGet(cms, 'default', 'real'));
});

test('list honours selectors, limit and continue; bad selectors are 400', () => {
  const { core, cms } = setup();
  for (let i = 0; i < 5; i++) core.create(cms, 'default', cm(`c${i}`, { metadata: { name: `c${i}`, labels: { n: String(i), even: String(i % 2 === 0) } } }));
  assert.deepEqual(
    core.list(cms, 'default', { labelSelector: 'even=true,n notin (4)' }).items.map((o) => o.metadata.name),
    ['c0', 'c2'],
  );
  assert.deepEqual(
    core.list(cms, undefined, { fieldSelector: 'metadata.name=c3' }).items.map((o) => o.metadata.name),
    ['c3'],
  );
  const page1 = core.list(cms, 'default', { limit: 2 });
  assert.deepEqual(
    page1.items.map((o) => o.metadata.name),
    ['c0', 'c1'],
  );
  assert.equal(page1.remainingItemCount, 3);
  const page2 = core.list(cms, 'default', { limit: 2, continue: page1.continue });
  assert.deepEqual(
    page2.items.map((o) => o.metadata.name),
    ['c2', 'c3'],
  );
  const page3 = core.list(cms, 'default', { limit: 2, continue: page2.continue });
  assert.deepEqual(
    page3.items.map((o) => o.metadata.name),
    ['c4'],
  );
  assert.equal(page3.continue, undefined);
  const bad = apiError(() => core.list(cms, 'default', { fieldSelector: 'spec.bogus=1' }));
  assert.equal(bad.code, 400);
  assert.equal(bad.status.message, '"spec.bogus" is not a known field selector: only "metadata.name", "metadata.namespace"');
});

test('watch sends selected changes, with objects leaving the selection as DELETED', () => {
  const { core, cms } = setup();
  const events: WatchEvent[] = [];
  const stop = core.watch(cms, 'default', { labelSelector: 'app=x', resourceVersion: String(core.store.resourceVersion) }, (e) => events.push(e));
  core.create(cms, 'default', cm('a', { metadata: { name: 'a', labels: { app: 'x' } } }));
  core.create(cms, 'default', cm('b'));
  core.mutate(cms, 'default', 'a', (o) => ({ ...o, metadata: { ...o.metadata, labels: { app: 'y' } } }));
  stop();
  assert.deepEqual(
    events.map((e) => `${e.type} ${e.object.metadata.name}`),
    ['ADDED a', 'DELETED a'],
  );
});

test('namespaces: Services and Namespaces get DNS label names, Services a ClusterIP', () => {
  const { core, type, ns } = setup();
  const svc = type('', 'v1', 'services');
  const s = core.create(svc, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } });
  const spec = s.spec as { clusterIP: string; ports: { protocol: string; targetPort: number }[]; type: string };
  assert.match(spec.clusterIP, /^10\.(9[6-9]|10\d|11[01])\.\d+\.\d+$/);
  assert.deepEqual(spec.ports, [{ port: 80, protocol: 'TCP', targetPort: 80 }]);
  assert.equal(spec.type, 'ClusterIP');
  assert.equal(apiError(() => core.create(svc, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: '1abc' } })).code, 422);
  assert.equal(apiError(() => core.create(ns, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a.b' } })).code, 422);
});

test('CRDs become served with defaults, pruning, validation and a status subresource', async () => {
  const { core, type, registry } = setup();
  const crds = type('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
  const crd = core.create(crds, undefined, {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', kind: 'Widget' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: { type: 'object', required: ['color'], properties: { size: { type: 'integer', default: 1 }, color: { type: 'string', enum: ['red'] } } },
              },
            },
          },
        },
      ],
    },
  });
  // Stored without names or conditions; the establishing controllers follow a moment later.
  assert.deepEqual(crd.status, { conditions: null, acceptedNames: { plural: '', kind: '' }, storedVersions: ['v1'] });
  assert.equal(registry.lookup('example.com', 'v1', 'widgets'), undefined);
  for (let i = 0; i < 100 && !registry.lookup('example.com', 'v1', 'widgets'); i++) await new Promise((r) => setImmediate(r));
  const established = core.get(crds, undefined, 'widgets.example.com');
  assert.deepEqual(
    (established.status as { conditions: { type: string; status: string; reason: string }[] }).conditions.map((c) => `${c.type}=${c.status} ${c.reason}`),
    ['NamesAccepted=True NoConflicts', 'Established=True InitialNamesAccepted'],
  );
  assert.deepEqual((established.status as { acceptedNames: unknown }).acceptedNames, {
    plural: 'widgets',
    singular: 'widget',
    kind: 'Widget',
    listKind: 'WidgetList',
  });
  assert.deepEqual(
    (established.metadata.managedFields as { manager: string; operation: string; subresource?: string }[] | undefined)?.map(
      (f) => `${f.manager} ${f.operation} ${f.subresource}`,
    ),
    ['kube-apiserver Update status'],
  );
  const widgets = registry.lookup('example.com', 'v1', 'widgets')!;
  assert.ok(widgets);
  const w = core.create(widgets, 'default', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { color: 'red', extra: 1 } });
  assert.deepEqual(w.spec, { color: 'red', size: 1 });
  assert.equal(w.metadata.generation, 1);
  const strict = apiError(() =>
    core.create(
      widgets,
      'default',
      { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'x' }, spec: { color: 'red', bogus: 1 } },
      { fieldValidation: 'Strict' },
    ),
  );
  assert.equal(strict.status.message, 'Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.bogus"');
  const inv = apiError(() =>
    core.create(widgets, 'default', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'y' }, spec: { color: 'blue' } }),
  );
  assert.equal(inv.status.message, 'Widget.example.com "y" is invalid: spec.color: Unsupported value: "blue": supported values: "red"');
  const missing = apiError(() => core.create(widgets, 'default', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'z' }, spec: {} }));
  assert.equal(missing.status.message, 'Widget.example.com "z" is invalid: spec.color: Required value');
  const noRv = apiError(() =>
    core.update(widgets, 'default', 'w', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { color: 'red' } }),
  );
  assert.equal(noRv.code, 422);
});

test('protected namespaces cannot be deleted; graceful deletions wait for a delete with grace 0', () => {
  const { core, ns, cms, type } = setup();
  const e = apiError(() => core.delete(ns, undefined, 'default'));
  assert.equal(e.code, 403);
  assert.equal(e.status.message, 'namespaces "default" is forbidden: this namespace may not be deleted');
  // Pods on a node are deleted gracefully: marked first, removed by a delete with grace 0.
  const pods = type('', 'v1', 'pods');
  core.create(pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'g' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }] } });
  const first = core.delete(pods, 'default', 'g', { gracePeriodSeconds: 30 });
  assert.equal(first.gone, false);
  assert.equal(first.object.metadata.deletionGracePeriodSeconds, 30);
  core.mutate(pods, 'default', 'g', (o) => ({ ...o, metadata: { ...o.metadata, labels: { changed: 'yes' } } }));
  assert.ok(core.tryGet(pods, 'default', 'g'), 'updates do not complete a graceful deletion');
  assert.equal(core.delete(pods, 'default', 'g', { gracePeriodSeconds: 0 }).gone, true);
  // Other kinds go at once whatever grace period is asked for.
  core.create(cms, 'default', cm('quick'));
  assert.equal(core.delete(cms, 'default', 'quick', { gracePeriodSeconds: 30 }).gone, true);
});

test('Secrets merge stringData into data; built-in kinds drop unknown fields (Strict rejects them)', () => {
  const { core, type, cms } = setup();
  const secrets = type('', 'v1', 'secrets');
  const s = core.create(secrets, 'default', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { a: 'hello' }, data: { b: 'eA==' } });
  assert.deepEqual(s.data, { a: 'aGVsbG8=', b: 'eA==' });
  assert.equal(s.stringData, undefined);
  assert.equal(s.type, 'Opaque');
  const warnings: string[] = [];
  const c = core.create(cms, 'default', { ...cm('u'), bogus: 1, metadata: { name: 'u', nope: true } } as KubeObject, { warnings });
  assert.equal(c.bogus, undefined);
  assert.equal(c.metadata.nope, undefined);
  assert.deepEqual(warnings, ['unknown field "metadata.nope"', 'unknown field "bogus"']);
  const strict = apiError(() => core.create(cms, 'default', { ...cm('v'), bogus: 1 } as KubeObject, { fieldValidation: 'Strict' }));
  assert.equal(strict.code, 400);
  assert.equal(strict.status.message, 'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "bogus"');
  const rv = apiError(() => core.create(cms, 'default', cm('w', { metadata: { name: 'w', resourceVersion: '5' } })));
  assert.equal(rv.code, 500);
  assert.equal(rv.status.message, 'resourceVersion should not be set on objects to be created');
});
