import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../k8s/object.js';
import { validateBuiltin } from './builtin-validation.js';

type Any = Record<string, any>;
const check = (key: string, obj: Any, old?: Any) =>
  validateBuiltin(key, obj as KubeObject, old as KubeObject | undefined).map((c) => `${c.field}: ${c.reason}: ${c.message}`);
const job = (restartPolicy?: string, extra: Any = {}) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'j' },
  spec: { ...extra, template: { spec: { containers: [{ name: 'c', image: 'busybox' }], ...(restartPolicy ? { restartPolicy } : {}) } } },
});

test('service port causes come in Kubernetes order: port, protocol, targetPort', () => {
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 70000, protocol: 'SCTPX', targetPort: 70000 }] } };
  assert.deepEqual(check('/Service', svc), [
    'spec.ports[0].port: FieldValueInvalid: Invalid value: 70000: must be between 1 and 65535, inclusive',
    'spec.ports[0].protocol: FieldValueNotSupported: Unsupported value: "SCTPX": supported values: "SCTP", "TCP", "UDP"',
    'spec.ports[0].targetPort: FieldValueInvalid: Invalid value: 70000: must be between 1 and 65535, inclusive',
  ]);
});

test('a job restartPolicy of Always (or the default) is required to be OnFailure or Never; others are unsupported', () => {
  const required = 'spec.template.spec.restartPolicy: FieldValueRequired: Required value: valid values: "OnFailure", "Never"';
  assert.deepEqual(check('batch/Job', job('Always')), [required]);
  assert.deepEqual(check('batch/Job', job()), [required]);
  assert.deepEqual(check('batch/Job', job('Never')), []);
  assert.deepEqual(check('batch/Job', job('OnFailure')), []);
  // The pod spec's own check comes first, then the Job's.
  assert.deepEqual(check('batch/Job', job('Sometimes')), [
    'spec.template.spec.restartPolicy: FieldValueNotSupported: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    'spec.template.spec.restartPolicy: FieldValueNotSupported: Unsupported value: "Sometimes": supported values: "OnFailure", "Never"',
  ]);
  assert.deepEqual(check('batch/Job', job('OnFailure', { podFailurePolicy: { rules: [] } })), [
    'spec.template.spec.restartPolicy: FieldValueInvalid: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified',
  ]);
});

test('controller pod templates must restart Always', () => {
  const deploy = (restartPolicy?: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd' },
    spec: {
      selector: { matchLabels: { a: 'b' } },
      template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'nginx' }], ...(restartPolicy ? { restartPolicy } : {}) } },
    },
  });
  assert.deepEqual(check('apps/Deployment', deploy()), []);
  assert.deepEqual(check('apps/Deployment', deploy('Always')), []);
  assert.deepEqual(check('apps/Deployment', deploy('Never')), [
    'spec.template.spec.restartPolicy: FieldValueNotSupported: Unsupported value: "Never": supported values: "Always"',
  ]);
  assert.deepEqual(
    check('/Pod', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x' }], restartPolicy: 'Never' } }),
    [],
  );
});

test('resource quota scopes must fit the resources they limit and may not conflict', () => {
  const quota = (hard: Any, scopes?: string[]) => ({
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: 'q' },
    spec: { hard, ...(scopes ? { scopes } : {}) },
  });
  assert.deepEqual(check('/ResourceQuota', quota({ cpu: '1', memory: '1Gi', pods: '10' }, ['NotTerminating'])), []);
  assert.deepEqual(check('/ResourceQuota', quota({ 'services.loadbalancers': '0', cpu: '1' }, ['NotTerminating'])), [
    'spec.scopes: FieldValueInvalid: Invalid value: []core.ResourceQuotaScope{"NotTerminating"}: unsupported scope applied to resource',
  ]);
  // BestEffort pods have no compute requests, so only the pod count fits.
  assert.deepEqual(check('/ResourceQuota', quota({ cpu: '1', pods: '1' }, ['BestEffort'])), [
    'spec.scopes: FieldValueInvalid: Invalid value: []core.ResourceQuotaScope{"BestEffort"}: unsupported scope applied to resource',
  ]);
  assert.deepEqual(check('/ResourceQuota', quota({ pods: '1' }, ['Terminating', 'NotTerminating'])), [
    'spec.scopes: FieldValueInvalid: Invalid value: []core.ResourceQuotaScope{"Terminating", "NotTerminating"}: conflicting scopes',
  ]);
  assert.deepEqual(check('/ResourceQuota', quota({ pods: '1' }, ['Sometimes'])), [
    'spec.scopes: FieldValueInvalid: Invalid value: []core.ResourceQuotaScope{"Sometimes"}: unsupported scope',
  ]);
  // Non-standard names (extended resources, object counts) are not limited by scopes.
  assert.deepEqual(check('/ResourceQuota', quota({ 'count/widgets.example.com': '3' }, ['BestEffort'])), []);
});

test('resource quota amounts are non-negative, and whole numbers for counts', () => {
  const quota = (hard: Any) => ({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard } });
  assert.deepEqual(check('/ResourceQuota', quota({ cpu: '-1' })), [
    'spec.hard[cpu]: FieldValueInvalid: Invalid value: "-1": must be greater than or equal to 0',
  ]);
  assert.deepEqual(check('/ResourceQuota', quota({ pods: '1500m' })), [
    'spec.hard[pods]: FieldValueInvalid: Invalid value: resource.Quantity{i:resource.int64Amount{value:1500, scale:-3}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"1500m", Format:"DecimalSI"}: must be an integer',
  ]);
  assert.deepEqual(check('/ResourceQuota', quota({ cpu: '1500m', pods: '2k' })), []);
});
