import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goDecode } from './builtin-fields.js';

test('decoding drops unknown fields and gives nulls Go zero values', () => {
  const cm: Record<string, any> = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'n', labels: { a: null }, bogus: 1 },
    data: { c: null, d: 'x' },
    immutable: null,
  };
  assert.deepEqual(goDecode(cm, 'v1', 'ConfigMap'), ['metadata.bogus']);
  assert.deepEqual(cm, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'n', labels: { a: '' } }, data: { c: '', d: 'x' }, immutable: null });

  const pod: Record<string, any> = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'c', image: 'i', args: [null, 'a'], env: [{ name: 'E', value: null }], resources: null }, null], nodeSelector: { k: null } },
  };
  goDecode(pod, 'v1', 'Pod');
  // A null struct field or scalar leaves the zero value; a null list item is the zero element.
  assert.deepEqual(pod.spec, { containers: [{ name: 'c', image: 'i', args: ['', 'a'], env: [{ name: 'E' }] }, {}], nodeSelector: { k: '' } });
});
