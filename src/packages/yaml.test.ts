import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseOperatorFile, parseParamsFile } from './model.js';
import { PackageError, parseYaml } from './yaml.js';

test('YAML 1.1 scalars as go-yaml v2 reads them', () => {
  const v = parseYaml('a: yes\nb: off\nc: 0x1F\nd: 012\ne: 2001-12-14\nf: 1.5\ng: 3\nh: ~\n', 'x.yaml').value as Record<string, unknown>;
  assert.deepEqual(v, { a: true, b: false, c: 31n, d: 10n, e: '2001-12-14', f: 1.5, g: 3n, h: null });
});

test('numbers in string fields become Go-formatted strings', () => {
  const op = parseOperatorFile('name: mysql\noperatorVersion: 0.3.0\nappVersion: 5.7\nkubernetesVersion: 1.13\nkudoVersion: 11\nurl: yes\n');
  assert.equal(op.appVersion, '5.7');
  assert.equal(op.kubernetesVersion, '1.13');
  assert.equal(op.kudoVersion, '11');
  assert.equal(op.url, 'true');
  // FormatFloat(v, 'g', -1, 32): an unquoted 1.10 loses its trailing zero.
  assert.equal(parseOperatorFile('appVersion: 1.10\n').appVersion, '1.1');
});

test('params defaults: required true, immutable false, null parameters', () => {
  const p = parseParamsFile('parameters:\n  - name: A\n    default: 3\n  - name: B\n    required: false\n    immutable: yes\n');
  assert.deepEqual(
    p.parameters.map((x) => [x.name, x.required, x.immutable, x.default]),
    [
      ['A', true, false, 3n],
      ['B', false, true, undefined],
    ],
  );
  assert.deepEqual(parseParamsFile('apiVersion: kudo.dev/v1beta1\nparameters:\n').parameters, []);
});

test('malformed YAML names the file and line', () => {
  assert.throws(
    () => parseOperatorFile('name: x\ntasks:\n  - name: [a\n  b: c\n', 'operator.yaml'),
    (e: unknown) =>
      e instanceof PackageError && e.file === 'operator.yaml' && e.line === 4 && /^operator\.yaml:4: malformed YAML: Flow sequence/.test(e.message),
  );
});

test('duplicate keys are an error with a line', () => {
  assert.throws(
    () => parseOperatorFile('name: a\nname: b\n', 'operator.yaml'),
    (e: unknown) => e instanceof PackageError && e.line === 2,
  );
});

test('wrong field types name the field and line', () => {
  assert.throws(
    () => parseOperatorFile('name: a\ntasks:\n  - name: t\n    spec:\n      resources: x.yaml\n', 'operator.yaml'),
    (e: unknown) => e instanceof PackageError && e.message === 'operator.yaml:5: field tasks[0].spec.resources: expected a list, got a string',
  );
  assert.throws(
    () => parseParamsFile('parameters:\n  - name: a\n    required: "false"\n', 'params.yaml'),
    /params\.yaml:3: field parameters\[0\]\.required: expected a boolean, got a string/,
  );
});

test('unknown keys are warnings with a line', () => {
  const warnings: { file?: string; line?: number; message: string }[] = [];
  parseParamsFile('parameters:\n  - name: a\n    desription: typo\n', 'params.yaml', warnings);
  assert.deepEqual(warnings, [{ file: 'params.yaml', line: 3, message: 'unknown field parameters[0].desription is ignored' }]);
});

test('apiVersion other than kudo.dev/v1beta1 is refused', () => {
  assert.throws(
    () => parseOperatorFile('apiVersion: kudo.dev/v1alpha1\nname: a\n'),
    /expecting supported API version kudo.dev\/v1beta1 but got kudo.dev\/v1alpha1/,
  );
});

test('alias bombs are stopped', () => {
  let doc = 'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n';
  for (let i = 0; i < 8; i++)
    doc += `${'b' + i}: &b${i} [*${i === 0 ? 'a' : 'b' + (i - 1)},*${i === 0 ? 'a' : 'b' + (i - 1)},*${i === 0 ? 'a' : 'b' + (i - 1)},*${i === 0 ? 'a' : 'b' + (i - 1)},*${i === 0 ? 'a' : 'b' + (i - 1)},*${i === 0 ? 'a' : 'b' + (i - 1)},*${i === 0 ? 'a' : 'b' + (i - 1)},*${i === 0 ? 'a' : 'b' + (i - 1)},*${i === 0 ? 'a' : 'b' + (i - 1)},*${i === 0 ? 'a' : 'b' + (i - 1)}]\n`;
  assert.throws(() => parseYaml(doc, 'bomb.yaml'), /too large/);
});

test('a block scalar that ends the input without a line break has none, as in go-yaml', () => {
  const read = (t: string) => (parseYaml(t, 'x.yaml').value as Record<string, unknown>).a;
  assert.equal(read('a: |\n  x\n  y'), 'x\ny');
  assert.equal(read('a: >\n  x\n  y'), 'x y');
  assert.equal(read('a: |+\n  x'), 'x');
  assert.equal(read('a: |\n  x  '), 'x  ');
  // With a line break at the end, or more lines after it, the break stays.
  assert.equal(read('a: |\n  x\n  y\n'), 'x\ny\n');
  assert.equal(read('a: |\n  x\n  '), 'x\n');
  assert.equal(read('a: |\n  x\nb: 1'), 'x\n');
  assert.equal(read('a: |-\n  x\n'), 'x');
});
