import assert from 'node:assert/strict';
import { test } from 'node:test';
import { instanceSchema, kudoCRDs, operatorVersionSchema } from './crds.js';
import { checkSchema } from './schema-check.js';

test('three namespaced CRDs, v1beta1 only, status subresource on Instance only', () => {
  const crds = kudoCRDs() as unknown as {
    metadata: { name: string };
    spec: { scope: string; group: string; versions: { name: string; served: boolean; storage: boolean; subresources?: unknown }[] };
  }[];
  assert.deepEqual(
    crds.map((c) => c.metadata.name),
    ['operators.kudo.dev', 'operatorversions.kudo.dev', 'instances.kudo.dev'],
  );
  for (const c of crds) {
    assert.equal(c.spec.scope, 'Namespaced');
    assert.deepEqual(
      c.spec.versions.map((v) => [v.name, v.served, v.storage]),
      [['v1beta1', true, true]],
    );
  }
  assert.deepEqual(
    crds.map((c) => !!c.spec.versions[0].subresources),
    [false, false, true],
  );
});

test('instance status and wrong types', () => {
  const instance = {
    apiVersion: 'kudo.dev/v1beta1',
    kind: 'Instance',
    metadata: { name: 'x' },
    spec: { operatorVersion: { name: 'op-0.1.0' }, parameters: { A: '1' }, planExecution: { planName: 'deploy', uid: 'u', status: 'IN_PROGRESS' } },
    status: {
      planStatus: {
        deploy: {
          name: 'deploy',
          status: 'IN_PROGRESS',
          lastUpdatedTimestamp: null,
          phases: [{ name: 'p', status: 'PENDING', steps: [{ name: 's', status: 'PENDING' }] }],
        },
      },
      conditions: [{ type: 'Ready', status: 'False', reason: 'PlanInProgress', message: '', lastTransitionTime: '2021-01-01T00:00:00Z' }],
    },
  };
  assert.deepEqual(checkSchema(instance, instanceSchema), []);
  assert.deepEqual(checkSchema({ spec: { parameters: { A: 1 } } }, instanceSchema), ['spec.parameters.A: must be a string']);
  assert.deepEqual(
    checkSchema(
      { status: { conditions: [{ type: 'Ready', status: 'Maybe', reason: 'x', message: '', lastTransitionTime: '2021-01-01T00:00:00Z' }] } },
      instanceSchema,
    ),
    ['status.conditions[0].status: must be one of True, False, Unknown'],
  );
  // KUDO's CRD marks plans, phases, resources and pipe nullable.
  assert.deepEqual(checkSchema({ spec: { plans: null, tasks: [{ spec: { resources: null, pipe: null } }] } }, operatorVersionSchema), []);
});
