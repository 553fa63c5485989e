/** The object comparison behind the kubectl scripts' `same-object` helper. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareObjects, main } from '../../conformance/kubectl/same-object.js';

function deployment(name: string, uid: string, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'gen', uid, resourceVersion: uid.length.toString(), generation: 1, labels: { app: name } },
    spec: { replicas: 0, selector: { matchLabels: { app: name, 'controller-uid': uid } }, ...extra },
    status: { observedGeneration: uid.length },
  };
}

test('names and uids that differ by design, and server-set fields, compare equal', () => {
  assert.deepEqual(compareObjects(deployment('web', 'u-1'), deployment('web-json', 'u-22')), []);
});

test('a real difference is reported with its path and both values', () => {
  const first = deployment('web', 'u-1', { paused: false });
  const second = deployment('web-json', 'u-2', { minReadySeconds: 0 });
  (second.spec as Record<string, unknown>).replicas = 1;
  assert.deepEqual(compareObjects(first, second), [
    { path: 'spec.minReadySeconds', first: undefined, second: 0 },
    { path: 'spec.paused', first: false, second: undefined },
    { path: 'spec.replicas', first: 0, second: 1 },
  ]);
});

test('list items compare by index; [] in an ignored path stands for any index', () => {
  const svc = (nodePort: number, port: number) => ({ metadata: { name: 's' }, spec: { ports: [{ port, nodePort }] } });
  assert.deepEqual(compareObjects(svc(30001, 80), svc(30002, 80)), []);
  assert.deepEqual(compareObjects(svc(30001, 80), svc(30001, 81)), [{ path: 'spec.ports[0].port', first: 80, second: 81 }]);
  assert.deepEqual(compareObjects({ a: [1] }, { a: [1, 2] }), [{ path: 'a', first: [1], second: [1, 2] }]);
  assert.deepEqual(compareObjects({ a: 1, b: 2 }, { a: 1, b: 3 }, ['b']), []);
});

test('usage errors exit 2 before reading anything', () => {
  const errors: string[] = [];
  const original = console.error;
  console.error = (text: string) => errors.push(text);
  try {
    assert.equal(main(['deployment/web']), 2);
    assert.equal(main(['deployment/a', 'deployment/b', '--ignore']), 2);
    assert.equal(main(['deployment/a', 'deployment/b', '--bogus']), 2);
  } finally {
    console.error = original;
  }
  assert.match(errors[1], /--ignore needs a value/);
  assert.match(errors[2], /unknown argument: --bogus/);
});
