import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Instance, OperatorVersion } from '../api/types.js';
import type { KubeObject } from '../k8s/object.js';
import { ApiError, type Cluster } from '../cluster/cluster.js';
import { TaskError } from '../engine/errors.js';
import { ScopeCache, taskRunner } from './tasks.js';

const RBAC_DENIAL =
  'configmaps "i-cm" is forbidden: User "system:serviceaccount:kudo-system:kudo-manager" cannot get resource "configmaps" in API group "" in the namespace "ns"';

/** A cluster whose every read answers 403 with the given message. */
function refusingCluster(message: string): Cluster {
  const refuse = () =>
    Promise.reject(new ApiError({ apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', code: 403, reason: 'Forbidden', message }));
  return {
    resourceFor: () => Promise.resolve({ namespaced: true }),
    invalidateDiscovery: () => {},
    get: refuse,
    create: refuse,
    delete: refuse,
  } as unknown as Cluster;
}

const instance: Instance = {
  apiVersion: 'kudo.dev/v1beta1',
  kind: 'Instance',
  metadata: { name: 'i', namespace: 'ns' },
  spec: { operatorVersion: { name: 'op-1' } },
};
const ov: OperatorVersion = {
  apiVersion: 'kudo.dev/v1beta1',
  kind: 'OperatorVersion',
  metadata: { name: 'op-1', namespace: 'ns' },
  spec: { operator: { name: 'op', kind: 'Operator' }, templates: { 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Name }}-cm\n' } },
};

async function failure(message: string, kind: 'Apply' | 'Delete'): Promise<TaskError> {
  const cluster = refusingCluster(message);
  const run = taskRunner({ cluster, scopes: new ScopeCache(cluster), recordClusterObject: () => Promise.resolve(), fieldManager: 'test' }, instance, ov, {
    planName: 'deploy',
    planUid: 'u',
    pipes: {},
  });
  const task = { name: 't', kind, spec: { resources: ['cm.yaml'] } };
  const e = await run(task as never, { plan: 'deploy', phase: 'p', step: 's', task: 't' }).then(
    () => assert.fail('the task did not fail'),
    (e: unknown) => e,
  );
  assert.ok(e instanceof TaskError, String(e));
  return e;
}

describe('task failures on 403', () => {
  it('an RBAC denial on apply or delete is fatal, with the API message and the label that grants more', async () => {
    for (const kind of ['Apply', 'Delete'] as const) {
      const e = await failure(RBAC_DENIAL, kind);
      assert.equal(e.fatal, true, kind);
      assert.ok(e.message.includes(RBAC_DENIAL), e.message);
      assert.ok(e.message.includes('kudo.dev/aggregate-to-manager: "true"'), e.message);
    }
  });

  it('other 403s (an exceeded quota, a terminating namespace) stay transient', async () => {
    for (const message of [
      'configmaps "i-cm" is forbidden: exceeded quota: q, requested: count/configmaps=1, used: count/configmaps=1, limited: count/configmaps=1',
      'configmaps "i-cm" is forbidden: unable to create new content in namespace ns because it is being terminated',
    ]) {
      const e = await failure(message, 'Apply');
      assert.equal(e.fatal, false, message);
      assert.ok(!e.message.includes('aggregate-to-manager'), e.message);
    }
  });
});

describe('kinds the scope cache does not know yet', () => {
  const kinds: [string, string, boolean][] = [
    ['v1', 'ServiceAccount', true],
    ['rbac.authorization.k8s.io/v1', 'ClusterRole', false],
    ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', false],
    ['rbac.authorization.k8s.io/v1', 'Role', true],
    ['rbac.authorization.k8s.io/v1', 'RoleBinding', true],
  ];
  // The note keeps each case out of the other's render cache.
  const templatesFor = (note: string) =>
    Object.fromEntries(kinds.map(([apiVersion, kind]) => [`${kind}.yaml`, `# ${note}\napiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: x\n`]));

  async function runOnAllKinds(taskKind: 'Apply' | 'Delete', served: (kind: string) => boolean) {
    const templates = templatesFor(`${taskKind} ${String(served)}`);
    const resolved: string[] = [];
    const written: { kind: string; namespace?: string }[] = [];
    const cluster = {
      resourceFor: (apiVersion: string, kind: string) => {
        resolved.push(kind);
        const k = kinds.find(([a, n]) => a === apiVersion && n === kind);
        if (!k || !served(kind))
          return Promise.reject(new ApiError({ apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', code: 404, message: 'not served' }));
        return Promise.resolve({ namespaced: k[2] });
      },
      invalidateDiscovery: () => {},
      get: (ref: { kind: string; namespace?: string }) => {
        if (taskKind === 'Delete') written.push({ kind: ref.kind, namespace: ref.namespace });
        return Promise.resolve(undefined);
      },
      create: (obj: KubeObject) => {
        written.push({ kind: obj.kind, namespace: obj.metadata.namespace });
        return Promise.resolve(obj);
      },
    } as unknown as Cluster;
    const withTemplates: OperatorVersion = { ...ov, spec: { ...ov.spec, templates } };
    const run = taskRunner(
      { cluster, scopes: new ScopeCache(cluster), recordClusterObject: () => Promise.resolve(), fieldManager: 'test' },
      instance,
      withTemplates,
      {
        planName: 'deploy',
        planUid: 'u',
        pipes: {},
      },
    );
    const task = { name: 't', kind: taskKind, spec: { resources: Object.keys(templates) } };
    const done = await run(task as never, { plan: 'deploy', phase: 'p', step: 's', task: 't' });
    return { done, resolved, written };
  }

  it('an Apply task with five kinds new to the manager applies them all, scoped as discovery says', async () => {
    const { done, resolved, written } = await runOnAllKinds('Apply', () => true);
    assert.equal(done, true);
    assert.deepEqual([...new Set(resolved)].sort(), kinds.map(([, k]) => k).sort());
    assert.deepEqual(
      written,
      kinds.map(([, kind, namespaced]) => ({ kind, namespace: namespaced ? 'ns' : undefined })),
    );
  });

  it('a kind the cluster does not serve fails an Apply task (naming it) and is skipped by a Delete task', async () => {
    const served = (kind: string) => kind !== 'RoleBinding';
    await assert.rejects(runOnAllKinds('Apply', served), (e: unknown) => {
      assert.ok(e instanceof TaskError, String(e));
      assert.equal(e.fatal, true);
      assert.match(e.message, /failed to determine if object rbac\.authorization\.k8s\.io\/v1\/RoleBinding x is namespaced/);
      return true;
    });
    const { done, written } = await runOnAllKinds('Delete', served);
    assert.equal(done, true);
    assert.deepEqual(
      written.map((w) => w.kind),
      kinds.map(([, k]) => k).filter((k) => k !== 'RoleBinding'),
    );
  });
});
