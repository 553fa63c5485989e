import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyJsonPatch } from './json-patch.js';
import { PatchError } from './errors.js';

const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c1', labels: { a: '1' } }, data: { x: '1', y: '2' } };

test('RFC 6902 operations', () => {
  const out = applyJsonPatch(cm, [
    { op: 'add', path: '/data/z', value: '3' },
    { op: 'remove', path: '/data/y' },
    { op: 'replace', path: '/metadata/labels/a', value: '2' },
    { op: 'copy', from: '/data/x', path: '/data/w' },
    { op: 'move', from: '/data/z', path: '/data/v' },
    { op: 'test', path: '/data/v', value: '3' },
    { op: 'add', path: '/metadata/finalizers', value: ['a/b'] },
    { op: 'add', path: '/metadata/finalizers/-', value: 'c/d' },
    { op: 'add', path: '/metadata/finalizers/0', value: 'first/x' },
    { op: 'add', path: '/metadata/annotations', value: { 'a~b/c': 'x' } },
    { op: 'replace', path: '/metadata/annotations/a~0b~1c', value: 'y' },
  ]);
  assert.deepEqual(out.data, { x: '1', w: '1', v: '3' });
  assert.deepEqual(out.metadata, { name: 'c1', labels: { a: '2' }, finalizers: ['first/x', 'a/b', 'c/d'], annotations: { 'a~b/c': 'y' } });
  assert.deepEqual(cm.data, { x: '1', y: '2' }, 'input untouched');
});

test('behaviour of the library kube-apiserver uses (checked against kube-apiserver 1.20)', () => {
  // replace of a missing object key adds it; a missing value is null
  assert.deepEqual(applyJsonPatch(cm, [{ op: 'replace', path: '/data/nope', value: '3' }]).data, { x: '1', y: '2', nope: '3' });
  assert.deepEqual(applyJsonPatch(cm, [{ op: 'add', path: '/data/q' }]).data, { x: '1', y: '2', q: null });
  // negative indexes count from the end
  assert.deepEqual(applyJsonPatch({ l: [1, 2, 3] }, [{ op: 'remove', path: '/l/-1' }]), { l: [1, 2] });
  // test against a missing path with a null value passes
  assert.deepEqual(applyJsonPatch(cm, [{ op: 'test', path: '/data/nope', value: null }]), cm);
});

test('a patch that does not apply is 422 Invalid with the generic message', () => {
  const failing = [
    [{ op: 'add', path: '/data/z/q', value: '1' }, 'add operation does not apply: doc is missing path: "/data/z/q": missing value'],
    [{ op: 'remove', path: '/data/nope' }, "error in remove for path: '/data/nope': Unable to remove nonexistent key: nope: missing value"],
    [{ op: 'test', path: '/data/x', value: '2' }, 'testing value /data/x failed: test failed'],
    [{ op: 'test', path: '/data/nope', value: '2' }, 'testing value /data/nope failed: test failed'],
    [{ op: 'move', from: '/data/nope', path: '/data/q' }, 'move operation does not apply: doc is missing from path: /data/nope: missing value'],
    [{ op: 'copy', from: '/data/x', path: '/data/q/r' }, 'copy operation does not apply: doc is missing destination path: /data/q/r: missing value'],
    [{ op: 'bogus', path: '/data/x' }, 'Unexpected kind: bogus'],
    [{ op: 'add', value: '1' }, 'add operation failed to decode path: missing value'],
    [{ op: 'add', path: '/metadata/finalizers/5', value: 'a/b' }, 'add operation does not apply: doc is missing path: "/metadata/finalizers/5": missing value'],
    [{ op: 'remove', path: '/metadata/labels/a/b' }, 'remove operation does not apply: doc is missing path: "/metadata/labels/a/b": missing value'],
  ] as const;
  for (const [op, detail] of failing) {
    assert.throws(
      () => applyJsonPatch(cm, [op]),
      (e: unknown) =>
        e instanceof PatchError &&
        e.code === 422 &&
        e.reason === 'Invalid' &&
        e.message === 'the server rejected our request due to an error in our request' &&
        e.detail === detail,
      JSON.stringify(op),
    );
  }
  assert.throws(
    () => applyJsonPatch({ l: [1] }, [{ op: 'add', path: '/l/3', value: 1 }]),
    (e: unknown) => e instanceof PatchError && /invalid index referenced/.test(e.detail ?? ''),
  );
});

test('a body that is not a list of operations is 400 (text as kube-apiserver 1.20)', () => {
  assert.throws(
    () => applyJsonPatch(cm, { op: 'add' }),
    (e: unknown) =>
      e instanceof PatchError &&
      e.code === 400 &&
      e.reason === 'BadRequest' &&
      e.message === 'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
  );
  assert.throws(
    () => applyJsonPatch(cm, new Array(10001).fill({ op: 'test', path: '/kind', value: 'ConfigMap' })),
    (e: unknown) => e instanceof PatchError && e.code === 413,
  );
});
