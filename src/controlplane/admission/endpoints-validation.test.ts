import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../k8s/object.js';
import { validateBuiltin } from './builtin-validation.js';

const endpoints = (ports: { name?: string; port: number }[]): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'e' }, subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports }] }) as KubeObject;

test('endpoints ports need names only when a subset has several', () => {
  assert.deepEqual(validateBuiltin('/Endpoints', endpoints([{ port: 80 }]), undefined), []);
  assert.deepEqual(
    validateBuiltin(
      '/Endpoints',
      endpoints([
        { name: 'a', port: 80 },
        { name: 'b', port: 81 },
      ]),
      undefined,
    ),
    [],
  );
  const causes = validateBuiltin('/Endpoints', endpoints([{ port: 80 }, { name: 'b', port: 81 }, { port: 82 }]), undefined);
  assert.deepEqual(
    causes.map((c) => [c.field, c.reason]),
    [
      ['subsets[0].ports[0].name', 'FieldValueRequired'],
      ['subsets[0].ports[2].name', 'FieldValueRequired'],
    ],
  );
});
