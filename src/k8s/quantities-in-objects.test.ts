import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QuantityFieldError, canonicalizeQuantities } from './quantities-in-objects.js';

test('quantities in built-in objects are stored canonically (as kube-apiserver 1.20 stored them)', () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', labels: { cpu: '0.3' } },
    spec: {
      containers: [{ name: 'c', resources: { limits: { cpu: '0.3', memory: '0.5Gi' }, requests: { cpu: '1n', memory: 1024 } } }],
      volumes: [{ name: 'v', emptyDir: { sizeLimit: '1024Mi' } }],
      overhead: { cpu: '1000m' },
    },
  };
  const out = canonicalizeQuantities(pod, { apiVersion: 'v1', kind: 'Pod' });
  assert.deepEqual(out.spec.containers[0].resources, { limits: { cpu: '300m', memory: '512Mi' }, requests: { cpu: '1m', memory: '1024' } });
  assert.deepEqual(out.spec.volumes[0].emptyDir, { sizeLimit: '1Gi' });
  assert.deepEqual(out.spec.overhead, { cpu: '1' });
  assert.deepEqual(out.metadata.labels, { cpu: '0.3' }, 'only Quantity fields change');
  assert.equal(pod.spec.containers[0].resources.limits.cpu, '0.3', 'input untouched');
  const quota = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard: { cpu: '1e3', pods: '10', 'requests.memory': '1024Mi' } } };
  assert.deepEqual(canonicalizeQuantities(quota, { apiVersion: 'v1', kind: 'ResourceQuota' }).spec.hard, { cpu: '1e3', pods: '10', 'requests.memory': '1Gi' });
  const deploy = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    spec: { template: { spec: { containers: [{ name: 'c', resources: { limits: { cpu: '2000m' } } }] } } },
  };
  assert.equal(canonicalizeQuantities(deploy, { apiVersion: 'apps/v1', kind: 'Deployment' }).spec.template.spec.containers[0].resources.limits.cpu, '2');
  const cr = { spec: { cpu: '0.3' } };
  assert.equal(canonicalizeQuantities(cr, { apiVersion: 'example.com/v1', kind: 'Widget' }), cr);
});

test('a malformed quantity names its field', () => {
  const pod = { apiVersion: 'v1', kind: 'Pod', spec: { containers: [{ name: 'c', resources: { limits: { cpu: '1Kix' } } }] } };
  assert.throws(
    () => canonicalizeQuantities(pod, { apiVersion: 'v1', kind: 'Pod' }),
    (e: unknown) =>
      e instanceof QuantityFieldError &&
      e.path === 'spec.containers[0].resources.limits.cpu' &&
      e.message.startsWith('quantities must match the regular expression'),
  );
});
