import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deepFreeze } from '../storage/store.js';
import { jsonText, jsonTextWithoutTypeMeta, jsonWithArray } from './encoding.js';
import { cloneJson } from './json.js';

const cm = () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'x', labels: { 'k"': 'v\u00e9' } }, data: { s: 'line\n' } });

test('jsonText is JSON.stringify, remembered for frozen objects only', () => {
  const frozen = deepFreeze(cm());
  assert.equal(jsonText(frozen), JSON.stringify(frozen));
  assert.equal(jsonText(frozen), jsonText(frozen));
  const open = cm();
  assert.equal(jsonText(open), JSON.stringify(open));
  open.data.s = 'changed';
  assert.equal(jsonText(open), JSON.stringify(open), 'an object that can change is serialised every time');
  for (const v of [null, undefined, 1, 'x', [1, { a: 2 }]]) assert.equal(jsonText(v), JSON.stringify(v));
});

test('list items lose apiVersion and kind, whether cut from the cached text or not', () => {
  const strip = (o: Record<string, unknown>) => {
    const { apiVersion: _a, kind: _k, ...rest } = o;
    return JSON.stringify(rest);
  };
  const shapes: Record<string, unknown>[] = [
    cm(),
    { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'kind-first' } },
    { metadata: { name: 'no-type-meta' } },
    { apiVersion: 'v1', kind: 'ConfigMap' },
    { apiVersion: 'v1', data: {}, kind: 'ConfigMap', metadata: {} },
  ];
  for (const o of shapes) {
    assert.equal(jsonTextWithoutTypeMeta(o), strip(o));
    assert.equal(jsonTextWithoutTypeMeta(deepFreeze(o)), strip(o));
  }
});

test('jsonWithArray puts pre-serialised elements in the last member', () => {
  const items = [cm(), { b: [1, null] }];
  const envelope = { kind: 'ConfigMapList', apiVersion: 'v1', metadata: { resourceVersion: '7', continue: '' } };
  assert.equal(
    jsonWithArray(
      envelope,
      'items',
      items.map((i) => JSON.stringify(i)),
    ),
    JSON.stringify({ ...envelope, items }),
  );
  assert.equal(jsonWithArray(envelope, 'items', []), JSON.stringify({ ...envelope, items: [] }));
});

test('cloneJson copies deeply like structuredClone, own __proto__ keys included', () => {
  const src = JSON.parse('{"a":{"b":[1,{"c":null}],"__proto__":{"x":1}},"d":"e","u":[true,false]}') as Record<string, unknown>;
  const copy = cloneJson(src);
  assert.deepEqual(copy, structuredClone(src));
  assert.notEqual(copy.a, src.a);
  assert.ok(Object.hasOwn(copy.a as object, '__proto__'));
  assert.equal(Object.getPrototypeOf(copy.a), Object.prototype);
  const frozen = deepFreeze(cloneJson(src));
  const thawed = cloneJson(frozen) as { a: { b: unknown[] } };
  thawed.a.b.push(2);
  assert.equal((frozen as { a: { b: unknown[] } }).a.b.length, 2, 'the copy of a frozen object is writable and separate');
  const when = new Date(0);
  assert.deepEqual(cloneJson({ when }), { when }, 'other objects are copied by structuredClone');
});
