import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../k8s/object.js';
import type { ApiCore } from '../apiserver/core.js';
import { ApiError } from '../apiserver/errors.js';
import { startControlPlane, type ControlPlane } from '../index.js';
import { formatQuantity } from '../../k8s/quantity.js';
import { objectUsage, ResourceQuotaController } from './resource-quota.js';

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

function pod(name: string, resources?: Record<string, Record<string, string>>): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox', ...(resources ? { resources } : {}) }] } };
}

function refusal(f: () => void): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof ApiError);
    assert.equal(e.code, 403);
    return e.message;
  }
  assert.fail('expected the quota to refuse');
}

test('a pod counts its requests under both names, its limits under limits.*', () => {
  const u = objectUsage(type('', 'v1', 'pods'), pod('p', { requests: { cpu: '100m' }, limits: { memory: '64Mi' } }));
  assert.deepEqual([...u.keys()].sort(), ['count/pods', 'cpu', 'limits.memory', 'pods', 'requests.cpu']);
  assert.equal(formatQuantity(u.get('cpu')!), '100m');
  const svc = objectUsage(type('', 'v1', 'services'), {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 's' },
    spec: { type: 'LoadBalancer', ports: [{ port: 1 }, { port: 2 }] },
  });
  assert.deepEqual([...svc.keys()].sort(), ['count/services', 'services', 'services.loadbalancers', 'services.nodeports']);
  const done = objectUsage(type('', 'v1', 'pods'), { ...pod('q'), status: { phase: 'Succeeded' } });
  assert.equal(done.size, 0);
});

test('the controller fills status.hard and status.used and follows creates and deletes', async () => {
  const ns = type('', 'v1', 'namespaces');
  core.create(ns, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'q1' } });
  const quotas = type('', 'v1', 'resourcequotas');
  const cms = type('', 'v1', 'configmaps');
  core.create(quotas, 'q1', { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard: { configmaps: '5', 'count/secrets': '3' } } });
  const used = () => (core.get(quotas, 'q1', 'q').status as { used?: Record<string, string> } | undefined)?.used;
  await until(() => used()?.configmaps !== undefined, 'the first status');
  const before = Number(used()!.configmaps);
  core.create(cms, 'q1', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'one' } });
  await until(() => Number(used()!.configmaps) === before + 1, 'the count after a create');
  assert.deepEqual((core.get(quotas, 'q1', 'q').status as { hard: unknown }).hard, { configmaps: '5', 'count/secrets': '3' });
  assert.equal(used()!['count/secrets'], '0');
  core.delete(cms, 'q1', 'one');
  await until(() => Number(used()!.configmaps) === before, 'the count after a delete');
});

test('admission: pods must declare what the quota limits, and may not exceed it', async () => {
  const ns = type('', 'v1', 'namespaces');
  core.create(ns, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'q2' } });
  const quotas = type('', 'v1', 'resourcequotas');
  const pods = type('', 'v1', 'pods');
  core.create(quotas, 'q2', {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: 'compute' },
    spec: { hard: { cpu: '1', 'limits.memory': '1Gi', pods: '1' } },
  });
  const controller = new ResourceQuotaController(core);
  assert.equal(
    refusal(() => controller.admit(pods, 'q2', pod('bare'))),
    'pods "bare" is forbidden: failed quota: compute: must specify cpu,limits.memory',
  );
  assert.equal(
    refusal(() => controller.admit(pods, 'q2', pod('big', { requests: { cpu: '2' }, limits: { memory: '64Mi' } }))),
    'pods "big" is forbidden: exceeded quota: compute, requested: cpu=2, used: cpu=0, limited: cpu=1',
  );
  controller.admit(pods, 'q2', pod('fits', { requests: { cpu: '500m' }, limits: { memory: '64Mi' } }));
  core.create(pods, 'q2', pod('fits', { requests: { cpu: '500m' }, limits: { memory: '64Mi' } }));
  assert.equal(
    refusal(() => controller.admit(pods, 'q2', pod('second', { requests: { cpu: '100m' }, limits: { memory: '64Mi' } }))),
    'pods "second" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=1, limited: pods=1',
  );
  // Other namespaces and kinds the quota does not name are not limited.
  controller.admit(pods, 'default', pod('free'));
  controller.admit(type('', 'v1', 'configmaps'), 'q2', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } });
});

test('a pod with limits but no requests requests its limits (pods only)', () => {
  const pods = type('', 'v1', 'pods');
  const created = core.create(pods, 'default', pod('lim', { limits: { cpu: '2', memory: '1Gi' } }), { dryRun: true });
  assert.deepEqual((created.spec as { containers: { resources: unknown }[] }).containers[0].resources, {
    limits: { cpu: '2', memory: '1Gi' },
    requests: { cpu: '2', memory: '1Gi' },
  });
  const rc = type('', 'v1', 'replicationcontrollers');
  const template = { metadata: { labels: { a: 'b' } }, spec: pod('t', { limits: { cpu: '1' } }).spec };
  const made = core.create(
    rc,
    'default',
    { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc' }, spec: { replicas: 0, template } },
    { dryRun: true },
  );
  assert.deepEqual((made.spec as { template: { spec: { containers: { resources: unknown }[] } } }).template.spec.containers[0].resources, {
    limits: { cpu: '1' },
  });
});
