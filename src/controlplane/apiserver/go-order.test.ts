import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../k8s/object.js';
import { goOrdered } from './go-order.js';

test('built-in objects take Go field order: kind, apiVersion, metadata fields, sorted map keys', () => {
  const cm = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    data: { b: '1', a: '2' },
    immutable: false,
    metadata: { creationTimestamp: 't', uid: 'u', labels: { z: '1', a: '1' }, name: 'x', namespace: 'd', resourceVersion: '1', extra: 1 },
  } as unknown as KubeObject;
  const out = JSON.stringify(goOrdered(cm));
  assert.equal(
    out,
    '{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"x","namespace":"d","uid":"u","resourceVersion":"1","creationTimestamp":"t","labels":{"a":"1","z":"1"},"extra":1},"immutable":false,"data":{"a":"2","b":"1"}}',
  );
});

test('nested structs and lists are ordered; field sets are kept as written', () => {
  const role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'r', managedFields: [{ fieldsV1: { 'f:rules': {}, '.': {} }, manager: 'm' }] },
    rules: [{ resources: ['pods'], verbs: ['get'], apiGroups: [''] }],
  } as unknown as KubeObject;
  const out = goOrdered(role) as unknown as { metadata: { managedFields: Record<string, unknown>[] }; rules: Record<string, unknown>[] };
  assert.deepEqual(Object.keys(out.rules[0]), ['verbs', 'apiGroups', 'resources']);
  assert.deepEqual(Object.keys(out.metadata.managedFields[0]), ['manager', 'fieldsV1']);
  assert.deepEqual(Object.keys(out.metadata.managedFields[0].fieldsV1 as object), ['f:rules', '.']);
});

test('unknown kinds are returned unchanged', () => {
  const cr = { kind: 'Widget', apiVersion: 'example.com/v1', spec: { b: 1, a: 1 }, metadata: { name: 'w' } } as unknown as KubeObject;
  assert.equal(goOrdered(cr), cr);
});
