/** WebhookAdmission.applies: the index that lets writes no webhook covers skip admission. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../k8s/object.js';
import { registerBuiltins } from '../apiserver/builtins.js';
import { ApiCore } from '../apiserver/core.js';
import { Registry } from '../apiserver/registry.js';
import { Store } from '../storage/store.js';
import { WebhookAdmission } from './webhooks.js';

function setup() {
  const registry = new Registry();
  registerBuiltins(registry);
  const core = new ApiCore(new Store(), registry);
  const type = (group: string, version: string, resource: string) => registry.lookup(group, version, resource)!;
  const admission = new WebhookAdmission(core);
  return { core, type, admission };
}

const config = (kind: 'Mutating' | 'Validating', name: string, rules: object[], extra: object = {}): KubeObject =>
  ({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: `${kind}WebhookConfiguration`,
    metadata: { name },
    webhooks: [
      {
        name: `${name}.example.com`,
        clientConfig: { url: 'https://127.0.0.1:1/hook' },
        rules,
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
        ...extra,
      },
    ],
  }) as unknown as KubeObject;

test('no configuration: nothing applies', () => {
  const { type, admission } = setup();
  assert.equal(admission.applies({ operation: 'CREATE', type: type('', 'v1', 'pods'), namespace: 'default' }), false);
  assert.equal(admission.applies({ operation: 'DELETE', type: type('', 'v1', 'configmaps'), namespace: 'default' }), false);
});

test('rules decide by operation, group, resource, subresource and scope; changes are followed', () => {
  const { core, type, admission } = setup();
  const vwc = type('admissionregistration.k8s.io', 'v1', 'validatingwebhookconfigurations');
  const pods = type('', 'v1', 'pods');
  const cms = type('', 'v1', 'configmaps');
  core.create(vwc, undefined, config('Validating', 'pods', [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }]));
  assert.equal(admission.applies({ operation: 'CREATE', type: pods, namespace: 'default' }), true);
  assert.equal(admission.applies({ operation: 'UPDATE', type: pods, namespace: 'default' }), false);
  assert.equal(admission.applies({ operation: 'CREATE', type: cms, namespace: 'default' }), false);
  assert.equal(admission.applies({ operation: 'CREATE', type: pods, namespace: 'default', subresource: 'status' }), false);

  // Updating the configuration is seen at once (the index follows the store's events).
  const stored = core.get(vwc, undefined, 'pods');
  core.update(vwc, undefined, 'pods', {
    ...config('Validating', 'pods', [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*/*'], scope: 'Namespaced' }]),
    metadata: { name: 'pods', resourceVersion: stored.metadata.resourceVersion },
  });
  assert.equal(admission.applies({ operation: 'UPDATE', type: pods, namespace: 'default', subresource: 'status' }), true);
  assert.equal(admission.applies({ operation: 'UPDATE', type: cms, namespace: 'default' }), true, '*/* covers resources and subresources');
  assert.equal(admission.applies({ operation: 'CREATE', type: type('', 'v1', 'namespaces') }), false, 'cluster-scoped outside the scope');

  core.delete(vwc, undefined, 'pods');
  assert.equal(admission.applies({ operation: 'UPDATE', type: pods, namespace: 'default', subresource: 'status' }), false);
});

test('mutating configurations count, matchPolicy Equivalent covers other versions, webhook configurations never apply', () => {
  const { core, type, admission } = setup();
  const mwc = type('admissionregistration.k8s.io', 'v1', 'mutatingwebhookconfigurations');
  const rule = { operations: ['CREATE'], apiGroups: ['apps'], apiVersions: ['v1beta1'], resources: ['deployments'] };
  core.create(mwc, undefined, config('Mutating', 'exact', [rule], { matchPolicy: 'Exact' }));
  const deployments = type('apps', 'v1', 'deployments');
  assert.equal(admission.applies({ operation: 'CREATE', type: deployments, namespace: 'default' }), false);
  core.create(mwc, undefined, config('Mutating', 'equivalent', [rule]));
  // Equivalent matching covers v1 only when the registry serves the rule's version of the resource.
  const servesV1beta1 = !!type('apps', 'v1beta1', 'deployments');
  assert.equal(admission.applies({ operation: 'CREATE', type: deployments, namespace: 'default' }), servesV1beta1);
  core.create(mwc, undefined, config('Mutating', 'all', [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }]));
  assert.equal(admission.applies({ operation: 'CREATE', type: deployments, namespace: 'default' }), true);
  assert.equal(admission.applies({ operation: 'CREATE', type: mwc }), false);
  admission.close();
});
