import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../k8s/object.js';
import { Store } from '../storage/store.js';
import { registerBuiltins } from './builtins.js';
import { ApiCore } from './core.js';
import { CrdSupport } from './crd.js';
import { ApiError } from './errors.js';
import { Registry } from './registry.js';
import { validateScale } from './structural.js';

const scale = { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' };
const lines = (causes: { field?: string; message: string }[]) => causes.map((c) => `${c.field}: ${c.message}`);

test('scale checks word accessor errors as unstructured.NestedInt64 and NestedString do', () => {
  assert.deepEqual(lines(validateScale({ spec: 'text' }, scale, false)), [
    '.spec.replicas: Invalid value: 0: .spec.replicas accessor error: text is of the type string, expected map[string]interface{}',
  ]);
  assert.deepEqual(lines(validateScale({ spec: { replicas: 2 }, status: { replicas: 'many' } }, scale, false)), [
    '.status.replicas: Invalid value: 0: .status.replicas accessor error: many is of the type string, expected int64',
  ]);
  assert.deepEqual(lines(validateScale({ spec: { replicas: 1.5 }, status: { selector: { a: ['x', 1] } } }, scale, false)), [
    '.spec.replicas: Invalid value: 0: .spec.replicas accessor error: 1.5 is of the type float64, expected int64',
    '.status.selector: Invalid value: "": .status.selector accessor error: map[a:[x 1]] is of the type map[string]interface {}, expected string',
  ]);
  assert.deepEqual(lines(validateScale({ spec: { replicas: null }, status: [true] }, scale, false)), [
    '.spec.replicas: Invalid value: 0: .spec.replicas accessor error: <nil> is of the type <nil>, expected int64',
    '.status.replicas: Invalid value: 0: .status.replicas accessor error: [true] is of the type []interface {}, expected map[string]interface{}',
    '.status.selector: Invalid value: "": .status.selector accessor error: [true] is of the type []interface {}, expected map[string]interface{}',
  ]);
  assert.deepEqual(lines(validateScale({ spec: { replicas: -1 }, status: { replicas: 2 ** 31 } }, scale, false)), [
    '.spec.replicas: Invalid value: -1: should be a non-negative integer',
    '.status.replicas: Invalid value: 2147483648: should be less than or equal to 2147483647',
  ]);
});

test('absent scale fields pass; writes through /status skip the spec replicas check', () => {
  assert.deepEqual(validateScale({}, scale, false), []);
  assert.deepEqual(validateScale({ spec: { replicas: 3 }, status: { replicas: 1, selector: 'a=b' } }, scale, false), []);
  assert.deepEqual(validateScale({ spec: 'text' }, scale, true), []);
  assert.deepEqual(validateScale({ spec: 'text' }, undefined, false), []);
});

async function setup() {
  const registry = new Registry();
  registerBuiltins(registry);
  const core = new ApiCore(new Store(), registry);
  new CrdSupport(core, registry).install();
  core.create(registry.lookup('', 'v1', 'namespaces')!, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  core.create(registry.lookup('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!, undefined, {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', kind: 'Widget' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {}, scale },
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: { type: 'object', properties: { replicas: { type: 'integer' } } },
                status: { type: 'object', properties: { replicas: { type: 'integer' }, selector: { type: 'string' } } },
              },
            },
          },
        },
      ],
    },
  });
  // The CRD is established (and its resources served) a moment after it is stored.
  for (let i = 0; i < 100 && !registry.lookup('example.com', 'v1', 'widgets'); i++) await new Promise((r) => setImmediate(r));
  return { core, widgets: registry.lookup('example.com', 'v1', 'widgets')! };
}

function invalidMessage(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof ApiError && e.code === 422, String(e));
    return e.message;
  }
  assert.fail('expected an Invalid error');
}

test('custom resources report the scale accessor errors after the schema causes', async () => {
  const { core, widgets } = await setup();
  const widget = (name: string, spec: unknown) => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name }, spec }) as KubeObject;
  assert.equal(
    invalidMessage(() => core.create(widgets, 'default', widget('w4', 'text'))),
    'Widget.example.com "w4" is invalid: [spec: Invalid value: "string": spec in body must be of type object: "string", .spec.replicas: Invalid value: 0: .spec.replicas accessor error: text is of the type string, expected map[string]interface{}]',
  );
  core.create(widgets, 'default', widget('w1', { replicas: 1 }));
  assert.equal(
    invalidMessage(() => core.mutate(widgets, 'default', 'w1', (o) => ({ ...o, status: { replicas: 'many' } }), {}, 'status')),
    'Widget.example.com "w1" is invalid: [status.replicas: Invalid value: "string": status.replicas in body must be of type integer: "string", .status.replicas: Invalid value: 0: .status.replicas accessor error: many is of the type string, expected int64]',
  );
});

test('a new finalizer on a terminating object is reported twice (registry and strategy), new names sorted', async () => {
  const { core, widgets } = await setup();
  core.create(widgets, 'default', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'held', finalizers: ['example.com/hold'] }, spec: {} });
  core.delete(widgets, 'default', 'held');
  const message = 'Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"b/x", "c/y"}';
  const cause = { reason: 'FieldValueForbidden', message, field: 'metadata.finalizers' };
  try {
    core.mutate(widgets, 'default', 'held', (o) => ({ ...o, metadata: { ...o.metadata, finalizers: ['example.com/hold', 'c/y', 'b/x'] } }));
    assert.fail('expected an Invalid error');
  } catch (e) {
    assert.ok(e instanceof ApiError, String(e));
    assert.deepEqual(e.status.details?.causes, [cause, cause]);
    // The message names each distinct cause once.
    assert.equal(e.message, `Widget.example.com "held" is invalid: metadata.finalizers: ${message}`);
  }
});
