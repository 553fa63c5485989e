import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../k8s/object.js';
import { harnessKind } from './yaml-files.js';

const doc = (apiVersion: string, kind: string): KubeObject => ({ apiVersion, kind, metadata: {} });

test('harness kinds: kuttl.dev at any version, and the legacy kudo.dev group at any version', () => {
  assert.equal(harnessKind(doc('kuttl.dev/v1beta1', 'TestStep')), 'TestStep');
  assert.equal(harnessKind(doc('kuttl.dev/v1', 'TestFile')), 'TestFile');
  // KUDO's own suites wrote both of these before they moved to kuttl.dev.
  assert.equal(harnessKind(doc('kudo.dev/v1alpha1', 'TestAssert')), 'TestAssert');
  assert.equal(harnessKind(doc('kudo.dev/v1beta1', 'TestStep')), 'TestStep');
  // TestFile came after the legacy group was gone; KUDO's own kinds stay objects to apply.
  assert.equal(harnessKind(doc('kudo.dev/v1beta1', 'TestFile')), undefined);
  assert.equal(harnessKind(doc('kudo.dev/v1beta1', 'Instance')), undefined);
  assert.equal(harnessKind(doc('example.com/v1', 'TestStep')), undefined);
});
