import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../../k8s/object.js';
import { registerBuiltins } from '../../apiserver/builtins.js';
import { ApiCore } from '../../apiserver/core.js';
import { ApiError } from '../../apiserver/errors.js';
import { Registry } from '../../apiserver/registry.js';
import { Store } from '../../storage/store.js';
import { startWorkloadControllers } from './index.js';

async function until(f: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (f()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('the replication manager keeps the pods of a ReplicationController and reports its status', async () => {
  const registry = new Registry();
  registerBuiltins(registry);
  const core = new ApiCore(new Store(), registry);
  const type = (resource: string) => registry.lookup('', 'v1', resource)!;
  core.create(type('namespaces'), undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  const stop = startWorkloadControllers(core);
  try {
    const rcs = type('replicationcontrollers');
    const pods = () => core.list(type('pods'), 'default').items;
    const rc = () => core.get(rcs, 'default', 'rc1');
    const status = () => rc().status as { replicas?: number; observedGeneration?: number };
    core.create(rcs, 'default', {
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'rc1' },
      spec: { replicas: 2, selector: { app: 'rc' }, template: { metadata: { labels: { app: 'rc' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    } as KubeObject);
    await until(() => status().observedGeneration === 1 && status().replicas === 2, 'two replicas observed');
    assert.equal(pods().length, 2);
    assert.deepEqual(
      pods().map((p) => [p.metadata.ownerReferences?.[0].kind, p.metadata.labels?.app]),
      [
        ['ReplicationController', 'rc'],
        ['ReplicationController', 'rc'],
      ],
    );
    assert.deepEqual(
      (rc().metadata.managedFields as { manager: string; subresource?: string }[] | undefined)?.map((f) => `${f.manager}/${f.subresource ?? ''}`),
      ['kube-controller-manager/status'],
    );
    core.mutate(rcs, 'default', 'rc1', (cur) => ({ ...cur, spec: { ...(cur.spec as object), replicas: 0 } }));
    await until(() => status().observedGeneration === 2, 'the scale-down observed');
    assert.deepEqual(status(), { replicas: 0, observedGeneration: 2 });
    assert.equal(pods().length, 0);
    // The default propagation of core/v1 ReplicationControllers is orphan: the delete only marks it,
    // which bumps the generation; the controller leaves a deleting object alone.
    const deleting = core.delete(rcs, 'default', 'rc1').object;
    assert.deepEqual([deleting.metadata.generation, deleting.metadata.finalizers], [3, ['orphan']]);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(status().observedGeneration, 2);
  } finally {
    stop();
  }
});

test('pod creates a quota refuses leave the ReplicaSet at zero with a ReplicaFailure condition and a FailedCreate event', async () => {
  const registry = new Registry();
  registerBuiltins(registry);
  const core = new ApiCore(new Store(), registry);
  const type = (group: string, resource: string) => registry.lookup(group, 'v1', resource)!;
  core.create(type('', 'namespaces'), undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  const refusal = 'pods "x" is forbidden: exceeded quota: no-pods, requested: pods=1, used: pods=0, limited: pods=0';
  const stop = startWorkloadControllers(core, {
    admit: (t) => {
      if (t.kind === 'Pod') throw new ApiError(403, 'Forbidden', refusal);
    },
  });
  try {
    const rss = type('apps', 'replicasets');
    core.create(rss, 'default', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'rs1' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'q' } },
        template: { metadata: { labels: { app: 'q' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      },
    });
    const status = () => core.get(rss, 'default', 'rs1').status as { replicas?: number; conditions?: { type: string; reason: string; message: string }[] };
    await until(() => !!status().conditions?.length, 'the ReplicaFailure condition');
    assert.equal(status().replicas, 0);
    assert.deepEqual(
      status().conditions!.map((c) => [c.type, c.reason, c.message]),
      [['ReplicaFailure', 'FailedCreate', refusal]],
    );
    assert.equal(core.list(type('', 'pods'), 'default').items.length, 0);
    const events = core.list(type('', 'events'), 'default').items as (KubeObject & { reason?: string; message?: string })[];
    assert.ok(events.some((e) => e.reason === 'FailedCreate' && e.message === `Error creating: ${refusal}`));
  } finally {
    stop();
  }
});
