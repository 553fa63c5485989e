import assert from 'node:assert/strict';
import { test } from 'node:test';
import { objectErrors } from './objects.js';

test('object identity and metadata checks', () => {
  assert.deepEqual(
    objectErrors({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'a.b-c', labels: { 'kudo.dev/instance': 'x' }, annotations: { 'kudo.dev/plan': 'deploy' } },
    }),
    [],
  );
  assert.deepEqual(objectErrors({ apiVersion: '', kind: '', metadata: {} }), ['apiVersion is missing', 'kind is missing', 'metadata.name is missing']);
  assert.deepEqual(objectErrors({ apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'p-' } }), []);
  assert.match(objectErrors({ apiVersion: 'v1', kind: 'Service', metadata: { name: '1svc' } })[0], /DNS-1035 label/);
  assert.match(objectErrors({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Upper' } })[0], /DNS-1123 subdomain/);
  assert.match(objectErrors({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', labels: { k: 'x'.repeat(64) } } })[0], /at most 63/);
  assert.match(objectErrors({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'Bad_NS' } })[0], /namespace/);
});
