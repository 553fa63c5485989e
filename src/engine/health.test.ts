import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../k8s/object.js';
import { objectHealth } from './health.js';
import { readinessOfObjects } from './readiness.js';
import { checkDependencies } from './dependencies.js';
import type { OperatorVersion } from '../api/types.js';

const obj = (apiVersion: string, kind: string, rest: Record<string, unknown> = {}, generation = 1): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name: 'x', namespace: 'ns', generation },
  ...rest,
});

describe('objectHealth', () => {
  it('judges Deployments by their rollout', () => {
    assert.equal(
      objectHealth(
        obj('apps/v1', 'Deployment', { spec: { replicas: 2 }, status: { observedGeneration: 1, updatedReplicas: 2, replicas: 2, availableReplicas: 2 } }),
      ).healthy,
      true,
    );
    const h = objectHealth(
      obj('apps/v1', 'Deployment', { spec: { replicas: 2 }, status: { observedGeneration: 1, updatedReplicas: 2, replicas: 2, availableReplicas: 1 } }),
    );
    assert.equal(h.healthy, false);
    assert.match(h.message!, /deployment "x" is not healthy: Waiting for deployment "x" rollout to finish: 1 of 2 updated replicas are available/);
    assert.equal(objectHealth(obj('apps/v1', 'Deployment', { spec: {}, status: {} })).healthy, false);
  });

  it('judges StatefulSets, Jobs (a failed Job is terminal), Pods, Services, CRDs and Namespaces', () => {
    assert.equal(
      objectHealth(
        obj('apps/v1', 'StatefulSet', {
          spec: { replicas: 1 },
          status: { observedGeneration: 1, readyReplicas: 1, currentRevision: 'a', updateRevision: 'a' },
        }),
      ).healthy,
      true,
    );
    assert.equal(objectHealth(obj('apps/v1', 'StatefulSet', { spec: { replicas: 3 }, status: { observedGeneration: 1, readyReplicas: 1 } })).healthy, false);
    assert.equal(objectHealth(obj('batch/v1', 'Job', { status: { succeeded: 1 } })).healthy, true);
    const failed = objectHealth(obj('batch/v1', 'Job', { status: { conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] } }));
    assert.equal(failed.failed, true);
    assert.equal(objectHealth(obj('v1', 'Pod', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } })).healthy, true);
    assert.equal(objectHealth(obj('v1', 'Pod', { status: { phase: 'Pending' } })).healthy, false);
    assert.equal(objectHealth(obj('v1', 'Service', { spec: { clusterIP: '10.0.0.1' } })).healthy, true);
    assert.equal(objectHealth(obj('v1', 'Service', { spec: { type: 'LoadBalancer', clusterIP: '10.0.0.1' } })).healthy, false);
    assert.equal(
      objectHealth(obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', { status: { conditions: [{ type: 'Established', status: 'True' }] } })).healthy,
      true,
    );
    assert.equal(objectHealth(obj('v1', 'Namespace', { status: { phase: 'Terminating' } })).healthy, false);
  });

  it('judges child instances by their plan; a failed child fails the parent', () => {
    assert.equal(objectHealth(obj('kudo.dev/v1beta1', 'Instance', { spec: { planExecution: { planName: 'deploy' } } })).healthy, false);
    assert.equal(
      objectHealth(
        obj('kudo.dev/v1beta1', 'Instance', {
          spec: {},
          status: { planStatus: { deploy: { name: 'deploy', status: 'COMPLETE', lastUpdatedTimestamp: 't' } } },
        }),
      ).healthy,
      true,
    );
    assert.equal(
      objectHealth(
        obj('kudo.dev/v1beta1', 'Instance', {
          spec: {},
          status: { planStatus: { deploy: { name: 'deploy', status: 'FATAL_ERROR', lastUpdatedTimestamp: 't' } } },
        }),
      ).failed,
      true,
    );
  });

  it('judges other kinds by Ready/Available conditions and observedGeneration; no status is healthy', () => {
    assert.equal(objectHealth(obj('v1', 'ConfigMap')).healthy, true);
    assert.equal(objectHealth(obj('example.com/v1', 'Widget')).healthy, true);
    assert.equal(
      objectHealth(obj('example.com/v1', 'Widget', { status: { conditions: [{ type: 'Ready', status: 'False', reason: 'Starting' }] } })).healthy,
      false,
    );
    assert.equal(objectHealth(obj('example.com/v1', 'Widget', { status: { conditions: [{ type: 'Available', status: 'True' }] } })).healthy, true);
    assert.equal(objectHealth(obj('example.com/v1', 'Widget', { status: { observedGeneration: 1 } }, 2)).healthy, false);
  });

  it('readiness joins the messages of unhealthy workloads', () => {
    const r = readinessOfObjects([obj('v1', 'Pod', { status: { phase: 'Pending' } }), obj('apps/v1', 'ReplicaSet')]);
    assert.equal(r.status, 'False');
    assert.equal(r.reason, 'ResourceNotReady');
    assert.equal(readinessOfObjects([]).reason, 'ResourcesReady');
  });
});

describe('checkDependencies', () => {
  const ov = (name: string, deps: string[]): OperatorVersion => ({
    apiVersion: 'kudo.dev/v1beta1',
    kind: 'OperatorVersion',
    metadata: { name: `${name}-1.0` },
    spec: { operator: { name }, version: '1.0', tasks: deps.map((d) => ({ name: d, kind: 'KudoOperator', spec: { package: d, operatorVersion: '1.0' } })) },
  });
  it('finds cycles and missing dependencies', () => {
    const all = new Map([ov('a', ['b']), ov('b', ['c']), ov('c', ['a'])].map((o) => [o.metadata.name!, o]));
    const lookup = { operatorVersion: (n: string) => all.get(n), operatorExists: () => true };
    assert.equal(checkDependencies(all.get('a-1.0')!, lookup), 'cyclic package dependency found when adding package c-1.0 -> a-1.0');
    assert.match(checkDependencies(ov('x', ['missing']), lookup)!, /failed to resolve package Operator: "missing", OperatorVersion: "1.0"/);
    const fine = new Map([ov('a', ['b']), ov('b', [])].map((o) => [o.metadata.name!, o]));
    assert.equal(checkDependencies(fine.get('a-1.0')!, { operatorVersion: (n) => fine.get(n), operatorExists: () => true }), undefined);
  });
});
