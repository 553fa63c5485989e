import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Instance, OperatorVersion } from '../api/types.js';
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
