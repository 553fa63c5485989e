import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMergePatch, createMergePatch, createThreeWayMergePatch } from './merge-patch.js';
import { PatchError } from './errors.js';

test('RFC 7386 apply: null deletes, objects merge, arrays are replaced', () => {
  const doc = { metadata: { labels: { a: '1', z: '2' } }, spec: { list: [1, 2], nested: { p: 1 } } };
  const out = applyMergePatch(doc, { metadata: { labels: { z: null, n: '3' } }, spec: { list: [3], nested: { q: { r: 1, gone: null } } }, status: { s: 1 } });
  assert.deepEqual(out, { metadata: { labels: { a: '1', n: '3' } }, spec: { list: [3], nested: { p: 1, q: { r: 1 } } }, status: { s: 1 } });
  assert.deepEqual(doc.metadata.labels, { a: '1', z: '2' }, 'input untouched');
  assert.deepEqual(applyMergePatch({ a: { b: 1 } }, { a: 'x' }), { a: 'x' });
  assert.deepEqual(applyMergePatch({ a: 'x' }, { a: { b: 1, c: null } }), { a: { b: 1 } });
  // kubectl scale and label send these (apiserver-checklist §4)
  assert.deepEqual(applyMergePatch({ spec: { replicas: 1 } }, { spec: { replicas: 3 } }), { spec: { replicas: 3 } });
  assert.throws(
    () => applyMergePatch({}, [1]),
    (e: unknown) => e instanceof PatchError && e.code === 400,
  );
});

test('two-way merge patch', () => {
  assert.deepEqual(createMergePatch({ a: 1, b: { c: 1, d: 2 }, l: [1] }, { a: 1, b: { c: 2 }, l: [1], n: null }), { b: { c: 2, d: null }, n: null });
  assert.deepEqual(createMergePatch({ a: [1, 2] }, { a: [2, 1] }), { a: [2, 1] });
  assert.deepEqual(createMergePatch({ a: 1 }, { a: 1 }), {});
});

test('three-way patch equals what kubectl apply sent for a custom resource (kubectl 1.32 against kube-apiserver 1.20)', () => {
  const original = {
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { annotations: {}, labels: { a: '1', b: '2' }, name: 'w', namespace: 'default' },
    spec: { size: 1, color: 'red', items: ['x', 'y'], nested: { p: 1, q: 2 } },
  };
  const current = { ...structuredClone(original), spec: { size: 1, color: 'blue', live: 'yes', items: ['x', 'y'], nested: { p: 1, q: 2 } } };
  const modified = {
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { annotations: {}, labels: { a: '1' }, name: 'w', namespace: 'default' },
    spec: { size: 2, items: ['z'], nested: { p: 1 }, extra: {} },
  };
  assert.deepEqual(createThreeWayMergePatch(original, modified, current), {
    metadata: { labels: { b: null } },
    spec: { color: null, extra: {}, items: ['z'], nested: { q: null }, size: 2 },
  });
  assert.deepEqual(createThreeWayMergePatch(original, original, current), { spec: { color: 'red' } });
  assert.deepEqual(createThreeWayMergePatch(original, original, original), {});
  assert.deepEqual(createThreeWayMergePatch(undefined, { a: 1 }, { a: 1, b: 2 }), {});
});
