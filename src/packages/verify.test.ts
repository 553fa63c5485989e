import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { verifyCommand } from './commands/verify.js';
import { loadPackage } from './io/files.js';
import { parsePackage } from './model.js';
import { parameterStyleWarnings, verifyPackage } from './verify.js';

const testdata = join(dirname(fileURLToPath(import.meta.url)), 'testdata');

// The expected texts are KUDO's pkg/kudoctl/cmd/testdata/invalid-params.{txt,json,yaml}.golden.
test('verify output matches KUDO for the invalid-params package', () => {
  const txt = verifyCommand(join(testdata, 'invalid'));
  assert.equal(txt.code, 255);
  assert.equal(txt.stderr, 'Error: found 4 package verification errors\n');
  assert.equal(
    txt.stdout,
    'Warnings                              \nparameter "Cpus" defined but not used.\nErrors                                                            \nparameter "Cpus" has a duplicate                                  \nparameter "comma," contains invalid character \',\'                 \n"operatorVersion" is required and must be semver                  \nplan "not-existing-plan" used in parameter "comma," is not defined\n',
  );
  assert.equal(
    verifyCommand(join(testdata, 'invalid'), { output: 'json' }).stdout,
    '{\n  "errors": [\n    "parameter \\"Cpus\\" has a duplicate",\n    "parameter \\"comma,\\" contains invalid character \',\'",\n    "\\"operatorVersion\\" is required and must be semver",\n    "plan \\"not-existing-plan\\" used in parameter \\"comma,\\" is not defined"\n  ],\n  "warnings": [\n    "parameter \\"Cpus\\" defined but not used."\n  ],\n  "valid": false\n}\n',
  );
  assert.equal(
    verifyCommand(join(testdata, 'invalid'), { output: 'yaml' }).stdout,
    'errors:\n- parameter "Cpus" has a duplicate\n- parameter "comma," contains invalid character \',\'\n- \'"operatorVersion" is required and must be semver\'\n- plan "not-existing-plan" used in parameter "comma," is not defined\nvalid: false\nwarnings:\n- parameter "Cpus" defined but not used.\n\n',
  );
});

test('a valid package: warnings, then "package is valid"', () => {
  const r = verifyCommand(join(testdata, 'zk'));
  assert.equal(r.code, 0);
  const warning = 'template "pdb.yaml" line 1: policy/v1beta1 PodDisruptionBudget is no longer served since Kubernetes 1.25; use policy/v1';
  assert.equal(r.stdout, `${'Warnings'.padEnd(warning.length)}\n${warning}\npackage is valid\n`);
});

function verifyFiles(files: Record<string, string>) {
  return verifyPackage(parsePackage(new Map(Object.entries({ 'params.yaml': 'parameters: []\n', ...files })), 'mem'));
}

const OP = 'name: op\noperatorVersion: 0.1.0\nkubernetesVersion: 1.15.0\n';

test('template and task checks', () => {
  const r = verifyFiles({
    'operator.yaml': `${OP}appVersion: not.a.version!\ntasks:\n- name: a\n  kind: Apply\n  spec: {resources: [a.yaml, missing.yaml]}\n- name: t\n  kind: Toggle\n  spec: {resources: [a.yaml], parameter: NOPE}\n- name: unused\n  kind: Dummy\n- name: empty\n  kind: Delete\nplans:\n  deploy:\n    phases:\n    - name: p\n      steps:\n      - name: s\n        tasks: [a, t, ghost, empty]\n`,
    'templates/a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Name }}-{{ .Params.UNDEFINED }}-{{ .Foo }}\n',
    'templates/broken.yaml': 'x: {{ if }}\n',
    'templates/ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n',
  });
  assert.deepEqual(r.errors, [
    'unable to parse "appVersion": Invalid Semantic Version',
    "task validation error: delete task 'empty' has an empty resource list. if that's what you need, use a Dummy task instead",
    'task "ghost" in plan "deploy" is not defined',
    'parameter "UNDEFINED" in template a.yaml is not defined',
    'parameter "NOPE" in ToggleTask t is not defined',
    'template a.yaml defines an invalid implicit parameter "Foo"',
    'template file "broken.yaml" reports the following error: template: broken.yaml:1: missing value for if',
    'template "missing.yaml" required by a but is not defined',
    'error rendering template: template: a.yaml:4:30: executing "a.yaml" at <.Params.UNDEFINED>: map has no entry for key "UNDEFINED"',
    "template \"ns.yaml\" contains 'kind: Namespace' not allowed unless specified as 'NamespaceManifest'",
  ]);
  assert.deepEqual(r.warnings, [
    'task "unused" defined but not used',
    'template "broken.yaml" is not referenced from any task',
    'template "ns.yaml" is not referenced from any task',
  ]);
});

test('parameter checks', () => {
  const r = verifyFiles({
    'operator.yaml': `${OP}plans: {}\n`,
    'params.yaml':
      'groups:\n- name: a/b\n- name: g\n- name: g\nparameters:\n- name: IMM\n  immutable: true\n  required: false\n- name: EN\n  enum: []\n- name: INT\n  type: integer\n  default: 3\n- name: BAD_ENUM\n  type: integer\n  enum: ["1", "x"]\n  default: "1"\n- name: DEF\n  enum: [a, b]\n  default: c\n- name: ADV\n  advanced: true\n  group: x/y\n- name: NOGROUP\n  group: missing\n',
  });
  assert.deepEqual(r.errors, [
    "an operator is required to have 'deploy' plan",
    'parameter "IMM" is immutable but is not marked as required or has a default value',
    'parameter "EN" is an enum but has no allowed values',
    'parameter "BAD_ENUM" has an invalid enum value: type is "integer" but format of "x" is invalid: strconv.ParseInt: parsing "x": invalid syntax',
    'parameter "INT" has an invalid default value: type is "integer" but format of %!s(float64=3) is invalid',
    'parameter "DEF" has an invalid default value: value is "c", but only allowed values are [a b]',
    'parameter "ADV" has a group with invalid character \'/\'',
    'parameter "ADV" is marked as advanced, but also as required and has no default. An advanced parameter must either be optional or have a default value',
    'parameter group "a/b" contains invalid character \'/\'',
    'parameter group "g" is duplicated',
    'parameter "ADV" has a group "x/y" that is not defined in the group section',
    'parameter "NOGROUP" has a group "missing" that is not defined in the group section',
  ]);
});

test('namespace manifest checks', () => {
  const base = `${OP}plans: {deploy: {}}\n`;
  assert.deepEqual(verifyFiles({ 'operator.yaml': `${base}namespaceManifest: ns.yaml\n` }).errors, [
    'NamespaceManifest "ns.yaml" not found in /templates folder',
  ]);
  assert.deepEqual(
    verifyFiles({
      'operator.yaml': `${base}namespaceManifest: ns.yaml\n`,
      'templates/ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{ .Namespace }}\n',
    }).errors,
    [],
  );
  assert.deepEqual(
    verifyFiles({ 'operator.yaml': `${base}namespaceManifest: ns.yaml\n`, 'templates/ns.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n' })
      .errors,
    ['NamespaceManifest "ns.yaml" found but manifest is not kind: Namespace'],
  );
});

test('unknown keys in package files are warnings naming file and line', () => {
  const r = verifyPackage(loadPackage(join(testdata, 'zk')));
  assert.equal(r.errors.length, 0);
  const pkg = parsePackage(
    new Map([
      ['operator.yaml', `${OP}plans: {deploy: {}}\nversion: 1\n`],
      ['params.yaml', 'parameters:\n- name: A\n  desription: typo\n  trigger: deploy\n'],
    ]),
    'mem',
  );
  assert.deepEqual(verifyPackage(pkg).warnings, [
    'operator.yaml:5: unknown field version is ignored',
    'params.yaml:3: unknown field parameters[0].desription is ignored',
  ]);
});

test('--param-checks style warnings', () => {
  const pkg = parsePackage(
    new Map([
      ['operator.yaml', `${OP}plans: {deploy: {}}\n`],
      [
        'params.yaml',
        'groups:\n- name: g\n  displayName: Group\nparameters:\n- name: A\n  displayName: "size:"\n  description: the size\n  hint: Bytes\n  trigger: deploy\n- name: B\n  displayName: Count\n  description: How many.\n  hint: A number.\n  group: g\n  type: integer\n  trigger: deploy\n',
      ],
    ]),
    'mem',
  );
  assert.deepEqual(parameterStyleWarnings(pkg, ['all']), [
    `parameter "A" has a displayName ending with ':'`,
    'parameter "A" has a displayName that does not start with a capital letter',
    'parameter "A" has a description not ending with one of \'.!?)\'',
    'parameter "A" has a description that does not start with a capital letter',
    'parameter "A" has a hint not ending with a \'.\'',
    'parameter "A" has no group',
    'parameter "A" has no explicit type assigned',
    'parameter group "g" has no description',
  ]);
  assert.deepEqual(parameterStyleWarnings(pkg, ['type']), ['parameter "A" has no explicit type assigned']);
  assert.throws(() => parameterStyleWarnings(pkg, ['nope']), {
    message: 'unknown parameter check: nope, must be one of [display hint desc type hasgroup groups all]',
  });
});
