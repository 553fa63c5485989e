import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarizeBody, yamlToJson } from './yaml-decode.js';

// Expectations are what a real kube-apiserver 1.20.2 stored for the same YAML (a custom
// resource that keeps unknown fields) or answered with.
test('yaml-decode: YAML 1.1 scalars as go-yaml v2 resolves them', () => {
  assert.deepEqual(yamlToJson('v: [yes, no, y, n, on, off, True, FALSE, Yes, ON, oFF]'), {
    v: [true, false, true, false, true, false, true, false, true, true, 'oFF'],
  });
  assert.deepEqual(yamlToJson('v: [0777, 0o17, 0x1F, 0b101, -0b101, 1_000, +1, 08, 1e3, .5, 1., -0, 0.1, 1e400, +.5, 0x_1F, 1__0]'), {
    v: [511, 15, 31, 5, -5, 1000, 1, 8, 1000, 0.5, 1, 0, 0.1, '1e400', 0.5, 31, 10],
  });
  assert.deepEqual(yamlToJson("v: [~, null, Null, NULL, '', 2001-12-14, 1:30, 190:20:30]"), {
    v: [null, null, null, null, '', '2001-12-14', '1:30', '190:20:30'],
  });
  assert.deepEqual(yamlToJson('v: [!!str 1, !!int "5", !!binary aGVsbG8=, !!float 1, !!bool yes, !!null \'\', !!timestamp 2001-12-14]'), {
    v: ['1', 5, 'hello', 1, true, null, '2001-12-14'],
  });
});

test('yaml-decode: keys, merges, aliases and flow scalars', () => {
  assert.deepEqual(yamlToJson('v: {yes: 1, 1: 2, 1.5: 3, 1e3: 4, 0x10: 5, .inf: 6}'), { v: { true: 1, '1': 2, '1.5': 3, '1000': 4, '16': 5, '.inf': 6 } });
  assert.deepEqual(yamlToJson('v: {<<: {a: 1, b: 2}, b: 3}\nw: {<<: [{a: 1}, {b: 2}], c: 3}'), { v: { a: 1, b: 3 }, w: { a: 1, b: 2, c: 3 } });
  assert.deepEqual(yamlToJson('v: {a:1}\nw: {a: x:y}\nx: [a:b]'), { v: { 'a:1': null }, w: { a: 'x:y' }, x: ['a:b'] });
  assert.deepEqual(yamlToJson('v: &x {a: 1}\nw: *x'), { v: { a: 1 }, w: { a: 1 } });
  assert.deepEqual(yamlToJson('v: {a: 1, a: 2}'), { v: { a: 2 } });
});

test('yaml-decode: only the first document, up to where go-yaml stops', () => {
  assert.deepEqual(yamlToJson('a: 1\n---\nb: 2\n'), { a: 1 });
  assert.deepEqual(yamlToJson('{a: b}}'), { a: 'b' });
  assert.deepEqual(yamlToJson('a: b\n... {c\n'), { a: 'b' });
  assert.deepEqual(yamlToJson('data:\n  a: "x\n y"\n'), { data: { a: 'x y' } });
  assert.deepEqual(yamlToJson('a: [b\nc]\n'), { a: ['b c'] });
  assert.equal(yamlToJson(''), null);
  assert.equal(yamlToJson('~\n'), null);
});

test('yaml-decode: errors in Go words', () => {
  const err = (text: string) => {
    try {
      yamlToJson(text);
    } catch (e) {
      return (e as Error).message;
    }
    return undefined;
  };
  assert.equal(err('v: .inf'), 'json: unsupported value: +Inf');
  assert.equal(err('v: -.inf'), 'json: unsupported value: -Inf');
  assert.equal(err('v: .nan'), 'json: unsupported value: NaN');
  assert.equal(err('v: !!int abc'), 'yaml: cannot decode !!str `abc` as a !!int');
  assert.equal(err('v: {<<: 1}'), 'yaml: map merge requires map or sequence of maps as the value');
  assert.equal(err('v: {~: 1}'), 'Unsupported map key of type: %!s(<nil>), key: <nil>, value: 1');
  assert.equal(err('data:\n  ? b: c\n'), 'yaml: invalid map key: map[interface {}]interface {}{"b":"c"}');
  assert.equal(err('? - a\n: b\n'), 'yaml: invalid map key: []interface {}{"a"}');
  assert.equal(err('a: &x [*x]\n'), "yaml: anchor 'x' value contains itself");
  assert.equal(err('metadata: {name: [broken'), "yaml: line 1: did not find expected ',' or ']'");
});

test('yaml-decode: the body summary after a decoding error', () => {
  assert.equal(summarizeBody(Buffer.from('metadata: {name: [broken')), '6d657461646174613a207b6e616d653a205b62726f6b656e');
  assert.equal(summarizeBody(Buffer.from('{a: 1')), '{a: 1');
  assert.equal(
    summarizeBody(Buffer.from('metadata:\n  name: x\n   foo: bar\nkind: ConfigMap\n')),
    '6d657461646174613a0a20206e616d653a20780a202020666f6f3a206261 ...',
  );
  assert.equal(summarizeBody(new Uint8Array()), '<empty>');
});

test('yaml-decode: a block scalar that ends the input keeps no final line break, as go-yaml reads it', () => {
  assert.deepEqual(yamlToJson('a: |\n  one\nb: |\n  last'), { a: 'one\n', b: 'last' });
  assert.deepEqual(yamlToJson('a: >\n  x\n  y'), { a: 'x y' });
  assert.deepEqual(yamlToJson('a: |\n  last\n'), { a: 'last\n' });
  assert.deepEqual(yamlToJson('a: |-\n  last'), { a: 'last' });
});
