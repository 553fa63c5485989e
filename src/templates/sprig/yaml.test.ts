import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GoFunc, GoTime, int, setMapType, type GoValue } from '../values.js';
import { GoComplex } from '../complex.js';
import { SemverVersion } from './semver.js';
import { SprigCertificate } from './crypto.js';
import { plainIsString, toYaml, yamlKeyLess } from './yaml.js';

test('scalars: always a trailing newline; floats as fmt %v', () => {
  const cases: [GoValue, string][] = [
    [null, 'null\n'],
    [undefined, 'null\n'],
    [true, 'true\n'],
    ['hello', 'hello\n'],
    [3, '3\n'],
    [1e6, '1e+06\n'],
    [1234567.891, '1.234567891e+06\n'],
    [0.000012, '1.2e-05\n'],
    [-0, '-0\n'],
    [Infinity, '.inf\n'],
    [NaN, '.nan\n'],
    [int(5), '5\n'],
    [new GoTime(Date.UTC(2021, 6, 2), 0, 'UTC'), '2021-07-02T00:00:00Z\n'],
    [[], '[]\n'],
    [{}, '{}\n'],
  ];
  for (const [v, want] of cases) assert.equal(toYaml(v), want, String(v));
});

test('strings that would read back as another type are double-quoted', () => {
  for (const s of [
    '',
    'true',
    'False',
    'y',
    'N',
    'yes',
    'on',
    'OFF',
    'null',
    '~',
    '1.0',
    '0777',
    '08',
    '0x10',
    '1_000',
    '-1',
    '+1',
    '.5',
    '1e3',
    '2021-07-02',
    '2021-7-2 10:00:00',
    '1:30',
    '.inf',
    '-.Inf',
  ]) {
    assert.equal(toYaml(s), JSON.stringify(s) + '\n', s);
    assert.equal(plainIsString(s), false, s);
  }
  for (const s of ['hello', 'x#y', 'a:b', 'x,y', 'x}', '-x', '.', '<<', 'é', 'yess', 'nope', '1.2.3', '2021-07', 'v1']) {
    assert.equal(toYaml(s), s + '\n', s);
  }
});

test('strings with indicators or edge spaces are single-quoted', () => {
  const cases: [string, string][] = [
    ['a: b', "'a: b'"],
    ['#x', "'#x'"],
    ['x #y', "'x #y'"],
    ['-', "'-'"],
    ['- x', "'- x'"],
    [':', "':'"],
    ['? x', "'? x'"],
    ['@x', "'@x'"],
    ['[x]', "'[x]'"],
    ['*x', "'*x'"],
    ['|', "'|'"],
    [' lead', "' lead'"],
    ['trail ', "'trail '"],
    ["it's", "it's"],
    ["'q'", "'''q'''"],
    ['---', "'---'"],
    ['...', "'...'"],
  ];
  for (const [s, want] of cases) assert.equal(toYaml(s), want + '\n', s);
});

test('non-printable characters force double quotes with YAML escapes', () => {
  assert.equal(toYaml('a\tb'), '"a\\tb"\n');
  assert.equal(toYaml('😀'), '"\\U0001F600"\n');
  assert.equal(toYaml('x\u0085'), '"x\\N"\n');
  assert.equal(toYaml('\u0001'), '"\\x01"\n');
  assert.equal(toYaml('a \nb'), '"a \\nb"\n'); // a space before a break rules out the literal style
  assert.equal(toYaml('héllo wörld ☃'), 'héllo wörld ☃\n');
});

test('multi-line strings become literal blocks with chomping and indentation hints', () => {
  assert.equal(toYaml('line1\nline2'), '|-\n  line1\n  line2\n');
  assert.equal(toYaml('a\nb\n'), '|\n  a\n  b\n');
  assert.equal(toYaml('a\n\n'), '|+\n  a\n\n');
  assert.equal(toYaml('\na'), '|2-\n\n  a\n');
  assert.equal(toYaml(' a\nb'), '|2-\n   a\n  b\n');
  assert.equal(toYaml({ k: 'a\n\nb' }), 'k: |-\n  a\n\n  b\n');
  assert.equal(toYaml([{ a: 'x\ny\n', b: 2 }]), '- a: |\n    x\n    y\n  b: 2\n');
});

test('long strings are never folded (yaml.v2 v2.3.0)', () => {
  const long = 'word '.repeat(30).trim();
  assert.equal(toYaml({ long }), `long: ${long}\n`);
});

test('block layout: sequences under keys are not indented; nested sequences are', () => {
  assert.equal(toYaml({ key: ['a', 'b'] }), 'key:\n- a\n- b\n');
  assert.equal(toYaml({ k: [], m: {} }), 'k: []\nm: {}\n');
  assert.equal(toYaml([[1, [2, 3]], { a: { b: [1] } }]), '- - 1\n  - - 2\n    - 3\n- a:\n    b:\n    - 1\n');
  assert.equal(toYaml({ list: [{ a: 1, b: [1, 2] }] }), 'list:\n- a: 1\n  b:\n  - 1\n  - 2\n');
  assert.equal(toYaml([[], {}]), '- []\n- {}\n');
});

test('map keys: yaml.v2 order, quoting, and complex keys', () => {
  assert.equal(toYaml({ b: 1, a: 2, '10': 3, '9': 4, B: 5, _x: 6, '': 7 }), '"": 7\n_x: 6\n"9": 4\n"10": 3\nB: 5\na: 2\nb: 1\n');
  assert.equal(toYaml({ n: 42, 'a b': 1 }), 'a b: 1\n"n": 42\n');
  assert.equal(toYaml({ 'a\nb': 1 }), '? |-\n  a\n  b\n: 1\n');
  const longKey = 'k'.repeat(129);
  assert.equal(toYaml({ [longKey]: 1 }), `? ${longKey}\n: 1\n`);
  assert.ok(yamlKeyLess('a9', 'a10'));
  assert.ok(yamlKeyLess('a9', 'a09'));
  assert.ok(yamlKeyLess('Z', 'a'));
  assert.ok(!yamlKeyLess('b', 'a'));
});

test('typed maps, structs and unsupported values', () => {
  assert.equal(toYaml(setMapType({ _1: 'b,c', _0: 'a' }, 'string')), '_0: a\n_1: b,c\n');
  assert.equal(toYaml(new SprigCertificate('C', 'K')), 'cert: C\nkey: K\n');
  assert.equal(toYaml(SemverVersion.parse('1.2.3')), '{}\n');
  assert.equal(toYaml(new GoComplex(1, 2)), '');
  assert.equal(toYaml(new GoFunc('f', { params: [], fn: () => null })), '');
});
