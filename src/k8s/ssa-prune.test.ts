import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from './object.js';
import { serverSideApply } from './ssa.js';

const gvk = { apiVersion: 'v1', kind: 'ConfigMap' };
const LAST = 'kubectl.kubernetes.io/last-applied-configuration';

test('fields a manager stops applying go, but what another manager owns inside them stays', () => {
  // kubectl's client-side to server-side migration: "kubectl" owns the whole annotations map,
  // "kubectl-last-applied" only the last-applied key.
  const live = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'c',
      labels: { app: 'web' },
      annotations: { [LAST]: '{}', other: 'x' },
      managedFields: [
        {
          manager: 'kubectl',
          operation: 'Apply',
          apiVersion: 'v1',
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:data': { '.': {}, 'f:color': {}, 'f:shape': {} },
            'f:metadata': { 'f:annotations': { '.': {}, [`f:${LAST}`]: {}, 'f:other': {} }, 'f:labels': { '.': {}, 'f:app': {} } },
          },
        },
        {
          manager: 'kubectl-last-applied',
          operation: 'Apply',
          apiVersion: 'v1',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:metadata': { 'f:annotations': { [`f:${LAST}`]: {} } } },
        },
      ],
    },
    data: { color: 'green', shape: 'round' },
  } as unknown as KubeObject;
  const applied = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { color: 'red' } } as unknown as KubeObject;
  const { object, managedFields } = serverSideApply(live, applied, { manager: 'kubectl', gvk, time: 't' });
  assert.deepEqual(object.data, { color: 'red' });
  assert.equal(object.metadata.labels, undefined);
  assert.deepEqual(Object.keys(object.metadata.annotations ?? {}), [LAST]);
  assert.deepEqual(managedFields.map((m) => m.manager).sort(), ['kubectl', 'kubectl-last-applied']);
});
