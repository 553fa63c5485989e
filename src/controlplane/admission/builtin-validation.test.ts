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
