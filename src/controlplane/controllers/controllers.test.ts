import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../k8s/object.js';
import type { ApiCore } from '../apiserver/core.js';
import { startControlPlane, type ControlPlane } from '../index.js';

let cp: ControlPlane;
let core: ApiCore;
before(async () => {
  cp = await startControlPlane({ insecureHttp: true });
  core = cp.core;
});
after(() => cp.stop());

const type = (group: string, version: string, resource: string) => core.registry.lookup(group, version, resource)!;
const until = async (f: () => boolean, what: string) => {
  for (let i = 0; i < 300 && !f(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(f(), `timed out waiting for ${what}`);
};

function cmWithOwner(name: string, owner?: KubeObject, block = false): KubeObject {
  const ownerReferences = owner
    ? [{ apiVersion: 'v1', kind: 'ConfigMap', name: owner.metadata.name!, uid: owner.metadata.uid!, ...(block ? { blockOwnerDeletion: true } : {}) }]
    : undefined;
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(ownerReferences ? { ownerReferences } : {}) } };
}

test('garbage collection: background deletes dependents, orphan keeps them, foreground waits for them', async () => {
  const cms = type('', 'v1', 'configmaps');
  const gone = (name: string) => !core.tryGet(cms, 'default', name);
  const o1 = core.create(cms, 'default', cmWithOwner('o1'));
  core.create(cms, 'default', cmWithOwner('d1', o1));
  core.delete(cms, 'default', 'o1', { propagationPolicy: 'Background' });
  await until(() => gone('d1'), 'the background dependent');

  const o2 = core.create(cms, 'default', cmWithOwner('o2'));
  core.create(cms, 'default', cmWithOwner('d2', o2));
  core.delete(cms, 'default', 'o2', { propagationPolicy: 'Orphan' });
  await until(() => gone('o2'), 'the orphaning owner');
  assert.equal(core.get(cms, 'default', 'd2').metadata.ownerReferences, undefined);

  const o3 = core.create(cms, 'default', cmWithOwner('o3'));
  core.create(cms, 'default', { ...cmWithOwner('d3', o3, true), metadata: { ...cmWithOwner('d3', o3, true).metadata, finalizers: ['example.com/hold'] } });
  core.delete(cms, 'default', 'o3', { propagationPolicy: 'Foreground' });
  await until(() => !!core.tryGet(cms, 'default', 'd3')?.metadata.deletionTimestamp, 'the dependent to be deleting');
  assert.deepEqual(core.get(cms, 'default', 'o3').metadata.finalizers, ['foregroundDeletion'], 'the owner waits for its blocking dependent');
  core.mutate(cms, 'default', 'd3', (o) => ({ ...o, metadata: { ...o.metadata, finalizers: [] } }));
  await until(() => gone('o3') && gone('d3'), 'the foreground owner');

  // A dependent whose owner never existed is collected too.
  core.create(cms, 'default', {
    ...cmWithOwner('dangling'),
    metadata: { name: 'dangling', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'ghost', uid: '00000000-0000-0000-0000-000000000000' }] },
  });
  await until(() => gone('dangling'), 'the dangling dependent');
});

test('namespaces: default ServiceAccount; deletion empties the namespace, then removes it', async () => {
  const ns = type('', 'v1', 'namespaces');
  const cms = type('', 'v1', 'configmaps');
  const sas = type('', 'v1', 'serviceaccounts');
  core.create(ns, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
  await until(() => !!core.tryGet(sas, 'doomed', 'default'), 'the default ServiceAccount');
  core.create(cms, 'doomed', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', finalizers: ['example.com/hold'] } });
  const r = core.delete(ns, undefined, 'doomed');
  assert.equal(r.gone, false);
  assert.equal((r.object.status as { phase: string }).phase, 'Terminating');
  await until(() => !!core.tryGet(cms, 'doomed', 'held')?.metadata.deletionTimestamp, 'the content to be deleting');
  assert.ok(core.tryGet(ns, undefined, 'doomed'), 'the namespace waits for finalizers of its content');
  assert.equal(
    (() => {
      try {
        core.create(cms, 'doomed', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late' } });
        return 0;
      } catch (e) {
        return (e as { code: number }).code;
      }
    })(),
    403,
  );
  core.mutate(cms, 'doomed', 'held', (o) => ({ ...o, metadata: { ...o.metadata, finalizers: [] } }));
  await until(() => !core.tryGet(ns, undefined, 'doomed'), 'the namespace to go');
});

test('deleting a CRD deletes its custom resources and stops serving them', async () => {
  const crds = type('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
  core.create(crds, undefined, {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'things.example.org' },
    spec: {
      group: 'example.org',
      scope: 'Cluster',
      names: { plural: 'things', kind: 'Thing' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  });
  await until(() => !!core.registry.lookup('example.org', 'v1', 'things'), 'the CRD to be established');
  const things = type('example.org', 'v1', 'things');
  core.create(things, undefined, { apiVersion: 'example.org/v1', kind: 'Thing', metadata: { name: 't1' }, anything: 1 });
  core.delete(crds, undefined, 'things.example.org');
  await until(() => !core.tryGet(crds, undefined, 'things.example.org'), 'the CRD to go');
  assert.equal(core.store.count('example.org/things'), 0);
  assert.equal(core.registry.lookup('example.org', 'v1', 'things'), undefined);
});
