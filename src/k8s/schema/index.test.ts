import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtInKinds, fieldAt, fieldOf, isBuiltInGroup, isScalarType, messageSchema, schemaFor } from './index.js';

test('built-in kinds map to their Go types; custom resources have none', () => {
  assert.equal(schemaFor('apps/v1', 'Deployment')?.name, 'apps.v1.Deployment');
  assert.equal(schemaFor('v1', 'Pod')?.name, 'core.v1.Pod');
  assert.equal(schemaFor('v1', 'ConfigMapList')?.name, 'core.v1.ConfigMapList');
  assert.equal(schemaFor('batch/v1', 'Job')?.name, 'batch.v1.Job');
  assert.equal(schemaFor('rbac.authorization.k8s.io/v1', 'ClusterRole')?.name, 'rbac.v1.ClusterRole');
  assert.equal(schemaFor('kudo.dev/v1beta1', 'Instance'), undefined);
  assert.equal(schemaFor('apps/v1', 'PodTemplateSpec'), undefined, 'embedded types are not kinds');
  assert.ok(builtInKinds('apps/v1').includes('StatefulSet'));
  assert.ok(isBuiltInGroup('apps') && isBuiltInGroup('') && isBuiltInGroup('apiextensions.k8s.io'));
  assert.ok(!isBuiltInGroup('kudo.dev'));
});

test('fields carry JSON names, Go kinds, omitempty and strategic-merge tags', () => {
  const deployment = schemaFor('apps/v1', 'Deployment');
  assert.equal(fieldOf(deployment, 'metadata')?.type, 'meta.v1.ObjectMeta');
  const containers = fieldAt(deployment, ['spec', 'template', 'spec', 'containers']);
  assert.deepEqual(
    [containers?.goKind, containers?.type, containers?.omitempty, containers?.patchStrategies, containers?.mergeKey],
    ['slice', 'core.v1.Container', false, ['merge'], 'name'],
  );
  const volumes = fieldAt(deployment, ['spec', 'template', 'spec', 'volumes']);
  assert.deepEqual(volumes?.patchStrategies, ['merge', 'retainKeys']);
  assert.deepEqual(fieldAt(deployment, ['spec', 'strategy'])?.patchStrategies, ['retainKeys']);
  assert.equal(fieldAt(deployment, ['spec', 'replicas'])?.goKind, 'pointer');
  const limits = fieldAt(deployment, ['spec', 'template', 'spec', 'containers', 'resources', 'limits']);
  assert.deepEqual([limits?.goKind, limits?.type], ['map', 'resource.Quantity']);
  assert.ok(isScalarType('resource.Quantity') && isScalarType('string') && !isScalarType('core.v1.Container'));
  assert.equal(fieldAt(deployment, ['spec', 'nope']), undefined);
});

test('embedded (inline) structs are folded into their parent', () => {
  const volume = messageSchema('core.v1.Volume');
  assert.equal(fieldOf(volume, 'configMap')?.type, 'core.v1.ConfigMapVolumeSource');
  assert.equal(fieldOf(messageSchema('core.v1.ConfigMapKeySelector'), 'name')?.type, 'string');
  assert.equal(fieldOf(messageSchema('core.v1.EphemeralContainer'), 'ports')?.mergeKey, 'containerPort');
  assert.equal(fieldOf(messageSchema('core.v1.Probe'), 'httpGet')?.type, 'core.v1.HTTPGetAction');
});
