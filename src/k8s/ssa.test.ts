import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConflictError, LAST_APPLIED_ANNOTATION, managedPaths, serverSideApply, updateManagedFields, type ManagedFieldsEntry } from './ssa.js';
import { FieldSet, formatPath } from './fieldpath.js';
import { applyStrategicMergePatch } from './patch/strategic.js';
import type { KubeObject } from './object.js';

const gvk = { apiVersion: 'apps/v1', kind: 'Deployment' };
const T0 = '2026-01-01T00:00:00Z';

function deployment(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 's', labels: { app: 's' }, annotations: { a: 'b' } },
    spec: {
      replicas: 2,
      strategy: { rollingUpdate: { maxSurge: 1 } },
      selector: { matchLabels: { app: 's' } },
      template: {
        metadata: { labels: { app: 's' } },
        spec: {
          nodeSelector: { disk: 'ssd' },
          volumes: [{ name: 'v', emptyDir: {} }],
          containers: [
            { name: 'a', image: 'nginx', args: ['x'], ports: [{ containerPort: 80 }], resources: { limits: { cpu: '1' } }, env: [{ name: 'E', value: '1' }] },
          ],
        },
      },
    },
  };
}

test('apply on create records what kube-apiserver 1.20 recorded for `kubectl apply --server-side`', () => {
  const { object, managedFields } = serverSideApply(undefined, deployment(), { manager: 'kubectl', gvk, time: T0 });
  assert.equal(object.spec && (object.spec as { replicas: number }).replicas, 2);
  assert.deepEqual(managedFields, [
    {
      manager: 'kubectl',
      operation: 'Apply',
      apiVersion: 'apps/v1',
      time: T0,
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:annotations': { 'f:a': {} }, 'f:labels': { 'f:app': {} } },
        'f:spec': {
          'f:replicas': {},
          'f:selector': {},
          'f:strategy': { 'f:rollingUpdate': { 'f:maxSurge': {} } },
          'f:template': {
            'f:metadata': { 'f:labels': { 'f:app': {} } },
            'f:spec': {
              'f:containers': {
                'k:{"name":"a"}': {
                  '.': {},
                  'f:args': {},
                  'f:env': { 'k:{"name":"E"}': { '.': {}, 'f:name': {}, 'f:value': {} } },
                  'f:image': {},
                  'f:name': {},
                  'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
                  'f:resources': { 'f:limits': { 'f:cpu': {} } },
                },
              },
              'f:nodeSelector': { 'f:disk': {} },
              // 1.20 left out empty objects (`f:emptyDir`); current structured-merge-diff records them.
              'f:volumes': { 'k:{"name":"v"}': { '.': {}, 'f:emptyDir': {}, 'f:name': {} } },
            },
          },
        },
      },
    },
  ]);
  assert.deepEqual(object.metadata.managedFields, managedFields);
});

/** Applies a strategic patch as an Update by `manager`, the way the API server would. */
function update(obj: KubeObject, manager: string, patch: unknown, time: string): KubeObject {
  const next = applyStrategicMergePatch(obj, patch, gvk);
  next.metadata.managedFields = updateManagedFields(obj, next, manager, 'Update', { time });
  return next;
}

test('updates take ownership; re-apply conflicts with Kubernetes messages; force takes fields back', () => {
  let obj = serverSideApply(undefined, deployment(), { manager: 'kubectl', gvk, time: T0 }).object;
  obj = update(obj, 'bob', { spec: { template: { spec: { containers: [{ name: 'a', image: 'other' }] } } } }, '2026-01-01T00:00:01Z');
  obj = update(obj, 'kubectl-label', { metadata: { labels: { app: 'zz' } } }, '2026-01-01T00:00:02Z');
  const entries = obj.metadata.managedFields as ManagedFieldsEntry[];
  assert.deepEqual(
    entries.map((e) => [e.manager, e.operation]),
    [
      ['kubectl', 'Apply'],
      ['bob', 'Update'],
      ['kubectl-label', 'Update'],
    ],
  );
  assert.deepEqual(entries[1].fieldsV1, { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"a"}': { 'f:image': {} } } } } } });
  assert.ok(!managedPaths(entries[0]).includes('.spec.template.spec.containers[name="a"].image'), 'the update took the image from the applier');

  // Texts as kube-apiserver 1.20 answered the same sequence.
  assert.throws(
    () => serverSideApply(obj, deployment(), { manager: 'kubectl', gvk }),
    (e: unknown) =>
      e instanceof ConflictError &&
      e.message ===
        'Apply failed with 2 conflicts: conflicts with "bob" using apps/v1:\n- .spec.template.spec.containers[name="a"].image\nconflicts with "kubectl-label" using apps/v1:\n- .metadata.labels.app' &&
      JSON.stringify(e.causes) ===
        JSON.stringify([
          { reason: 'FieldManagerConflict', message: 'conflict with "bob" using apps/v1', field: '.spec.template.spec.containers[name="a"].image' },
          { reason: 'FieldManagerConflict', message: 'conflict with "kubectl-label" using apps/v1', field: '.metadata.labels.app' },
        ]),
  );
  const replicas7: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 's' }, spec: { replicas: 7 } };
  assert.throws(() => serverSideApply(obj, replicas7, { manager: 'other', gvk }), {
    message: 'Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas',
  });

  const forced = serverSideApply(obj, replicas7, { manager: 'other', gvk, force: true, time: T0 });
  assert.equal((forced.object.spec as { replicas: number }).replicas, 7);
  const byManager = Object.fromEntries(forced.managedFields.map((e) => [e.manager, managedPaths(e)]));
  assert.deepEqual(byManager.other, ['.spec.replicas']);
  assert.ok(!byManager.kubectl.includes('.spec.replicas'));
});

test('the same value is shared without conflict; fields one stops applying are removed unless others own them', () => {
  let obj = serverSideApply(undefined, deployment(), { manager: 'kubectl', gvk, time: T0 }).object;
  const same: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 's' },
    spec: { replicas: 2, template: { spec: { nodeSelector: { disk: 'ssd' } } } },
  };
  obj = serverSideApply(obj, same, { manager: 'other', gvk, time: T0 }).object;
  const owners = (o: KubeObject, path: string): string[] =>
    (o.metadata.managedFields as ManagedFieldsEntry[]).filter((e) => managedPaths(e).includes(path)).map((e) => e.manager);
  assert.deepEqual(owners(obj, '.spec.replicas'), ['kubectl', 'other']);

  const smaller = deployment() as { spec: any } & KubeObject;
  delete smaller.spec.replicas;
  delete smaller.spec.template.spec.nodeSelector;
  delete smaller.spec.template.spec.containers[0].env;
  delete smaller.metadata.annotations;
  const after = serverSideApply(obj, smaller, { manager: 'kubectl', gvk, time: T0 }).object as { spec: any } & KubeObject;
  assert.equal(after.spec.replicas, 2, 'still owned by other');
  assert.deepEqual(after.spec.template.spec.nodeSelector, { disk: 'ssd' }, 'still owned by other');
  assert.equal(after.spec.template.spec.containers[0].env, undefined, 'env removed with its only owner');
  assert.equal(after.metadata.annotations, undefined, 'empty annotations disappear');
  assert.deepEqual(owners(after, '.spec.replicas'), ['other']);

  // re-applying the same configuration changes nothing
  const again = serverSideApply(after, smaller, { manager: 'kubectl', gvk, time: T0 });
  assert.deepEqual(again.object.spec, after.spec);
});

test('associative lists keep live-only items in place and merge by key (checked against kube-apiserver 1.20)', () => {
  const live = serverSideApply(undefined, deployment(), { manager: 'kubectl', gvk, time: T0 }).object;
  const withSidecar = update(live, 'injector', { spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'proxy' }] } } } }, T0);
  const cfg = deployment() as { spec: any } & KubeObject;
  cfg.spec.template.spec.containers[0].image = 'nginx:2';
  cfg.spec.template.spec.containers.push({ name: 'b', image: 'busybox' });
  const out = serverSideApply(withSidecar, cfg, { manager: 'kubectl', gvk, time: T0 }).object as { spec: any } & KubeObject;
  assert.deepEqual(
    out.spec.template.spec.containers.map((c: { name: string; image: string }) => `${c.name}:${c.image}`),
    ['sidecar:proxy', 'a:nginx:2', 'b:busybox'],
  );
});

test('kubectl taking over from client-side apply: conflicts on last-applied fields are forced', () => {
  const gvkCm = { apiVersion: 'v1', kind: 'ConfigMap' };
  const c1 = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'csa', labels: { a: '1' } }, data: { x: '1', y: '2' } };
  const live: KubeObject = structuredClone(c1);
  live.metadata.annotations = { [LAST_APPLIED_ANNOTATION]: JSON.stringify(c1) };
  live.metadata.managedFields = updateManagedFields(undefined, live, 'kubectl-client-side-apply', 'Update', { time: T0 });
  const c2: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'csa', labels: { a: '2' } }, data: { x: '9' } };
  assert.throws(() => serverSideApply(live, c2, { manager: 'other', gvk: gvkCm }), ConflictError);
  const { object, managedFields } = serverSideApply(live, c2, { manager: 'kubectl', gvk: gvkCm, time: T0 });
  assert.deepEqual(object.data, { x: '9', y: '2' }, 'y still belongs to the client-side applier');
  assert.deepEqual(object.metadata.labels, { a: '2' });
  assert.equal(
    object.metadata.annotations?.[LAST_APPLIED_ANNOTATION],
    '{"apiVersion":"v1","data":{"x":"9"},"kind":"ConfigMap","metadata":{"labels":{"a":"2"},"name":"csa"}}\n',
  );
  assert.deepEqual(
    managedFields.map((e) => [e.manager, managedPaths(e)]),
    [
      ['kubectl', ['.data.x', '.metadata.labels.a']],
      ['kubectl-client-side-apply', ['.data', '.data.y', '.metadata.annotations', `.metadata.annotations.${LAST_APPLIED_ANNOTATION}`, '.metadata.labels']],
    ],
  );
});

test('custom resources: listTypes give list semantics, everything else is granular maps and atomic lists', () => {
  const crGvk = { apiVersion: 'example.com/v1', kind: 'Widget' };
  const listTypes = (path: readonly string[]) => (path.join('.') === 'spec.ports' ? { listType: 'map' as const, listMapKeys: ['name'] } : undefined);
  const cr: KubeObject = {
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { name: 'w' },
    spec: { size: 1, tags: ['a'], ports: [{ name: 'http', port: 80 }] },
  };
  const { managedFields } = serverSideApply(undefined, cr, { manager: 'm', gvk: crGvk, listTypes, time: T0 });
  assert.deepEqual(managedPaths(managedFields[0]), [
    '.spec.ports[name="http"]',
    '.spec.ports[name="http"].name',
    '.spec.ports[name="http"].port',
    '.spec.size',
    '.spec.tags',
  ]);
});

test('updateManagedFields on create marks newly added objects and lists with "." as kube-apiserver 1.20 did', () => {
  const created: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'e', labels: { app: 'e' }, finalizers: ['x.io/a'] },
    spec: {
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } },
      template: { spec: { containers: [{ name: 'a', ports: [{ containerPort: 80, protocol: 'TCP' }], resources: {} }] } },
    },
  };
  const [entry] = updateManagedFields(undefined, created, 'kubectl-client-side-apply', 'Update', { time: T0 });
  assert.deepEqual(entry.fieldsV1, {
    'f:metadata': { 'f:finalizers': { '.': {}, 'v:"x.io/a"': {} }, 'f:labels': { '.': {}, 'f:app': {} } },
    'f:spec': {
      'f:strategy': { 'f:rollingUpdate': { '.': {}, 'f:maxSurge': {} }, 'f:type': {} },
      'f:template': {
        'f:spec': {
          'f:containers': {
            'k:{"name":"a"}': {
              '.': {},
              'f:name': {},
              'f:ports': { '.': {}, 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {}, 'f:protocol': {} } },
              'f:resources': {},
            },
          },
        },
      },
    },
  });
  // a no-op update adds no manager; managedFields sent by the client replace the stored ones
  assert.deepEqual(updateManagedFields(created, structuredClone(created), 'noop'), []);
  const stored = { ...created, metadata: { ...created.metadata, managedFields: [entry] } };
  assert.deepEqual(updateManagedFields(stored, { ...stored, metadata: { ...stored.metadata, managedFields: [] } }, 'x'), []);
});

test('fieldsV1 round trip and path formatting', () => {
  const v1 = { 'f:a': { '.': {}, 'f:b': {} }, 'f:l': { 'k:{"name":"x","port":80}': { '.': {} }, 'v:"s"': {} } };
  const set = FieldSet.fromFieldsV1(v1);
  assert.deepEqual(set.toFieldsV1(), { 'f:a': { '.': {}, 'f:b': {} }, 'f:l': { 'k:{"name":"x","port":80}': {}, 'v:"s"': {} } });
  assert.deepEqual(set.paths().map(formatPath), ['.a', '.a.b', '.l[name="x",port=80]', '.l[="s"]']);
});

test('a re-apply that changes nothing keeps the entry time; a changing one stamps the new time', () => {
  const first = serverSideApply(undefined, deployment(), { manager: 'kubectl', gvk, time: T0 }).object;
  const same = serverSideApply(first, deployment(), { manager: 'kubectl', gvk, time: '2026-01-02T00:00:00Z' });
  assert.equal(same.managedFields[0].time, T0);
  const changed = deployment() as { spec: { replicas: number } } & KubeObject;
  changed.spec.replicas = 9;
  assert.equal(serverSideApply(first, changed, { manager: 'kubectl', gvk, time: '2026-01-02T00:00:00Z' }).managedFields[0].time, '2026-01-02T00:00:00Z');
});
