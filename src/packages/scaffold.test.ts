import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseOperatorFile, parseParamsFile } from './model.js';
import { addMaintainer, addParameter, addPlan, addTask, newOperator, operatorYaml, paramsYaml } from './scaffold.js';

const zk = join(dirname(fileURLToPath(import.meta.url)), 'testdata', 'zk');

test('package new writes what KUDO writes', () => {
  const { operator, params } = newOperator('newop', { kudoVersion: 'not-built-on-release' });
  // KUDO's pkg/kudoctl/cmd/testdata/newop/*.golden
  assert.equal(
    operatorYaml(operator),
    'apiVersion: kudo.dev/v1beta1\nappVersion: 0.1.0\nkubernetesVersion: 0.16.0\nkudoVersion: not-built-on-release\nmaintainers:\n- email: MyEmail@invalid\n  name: My Name\nname: newop\noperatorVersion: 0.1.0\nplans:\n  deploy:\n    phases:\n    - name: deploy\n      steps:\n      - name: deploy\n        tasks:\n        - deploy\n      strategy: serial\n    strategy: serial\ntasks:\n- kind: Apply\n  name: deploy\n  spec: {}\n',
  );
  assert.equal(paramsYaml(params), 'apiVersion: kudo.dev/v1beta1\nparameters: []\n');
  assert.throws(() => newOperator('Bad Name'), /invalid operator name/);
});

test('add parameter rewrites params.yaml as KUDO does', () => {
  const params = parseParamsFile(readFileSync(join(zk, 'params.yaml'), 'utf8'));
  // KUDO's pkg/kudoctl/cmd/generate/testdata/parameter.golden
  assert.equal(
    paramsYaml(addParameter(params, { name: 'Foo', default: 'Bar' })),
    'apiVersion: kudo.dev/v1beta1\nparameters:\n- default: 1Gi\n  description: Amount of memory to provide to Zookeeper pods\n  immutable: false\n  name: memory\n  required: true\n- default: "0.25"\n  description: Amount of cpu to provide to Zookeeper pods\n  immutable: false\n  name: cpus\n  required: true\n- default: Bar\n  name: Foo\n',
  );
  assert.throws(() => addParameter(params, { name: 'MEMORY' }), /parameter "MEMORY" already exists/);
  assert.throws(() => addParameter(params, { name: 'a,b' }), /invalid parameter name/);
  assert.throws(() => addParameter(params, { name: 'x', trigger: 'nope' }, ['deploy']), /trigger plan "nope" is not defined/);
});

test('add maintainer, task and plan', () => {
  let op = parseOperatorFile(readFileSync(join(zk, 'operator.yaml'), 'utf8'));
  op = addMaintainer(op, { name: 'Jane', email: 'jane@example.com' });
  assert.deepEqual(op.maintainers?.at(-1), { name: 'Jane', email: 'jane@example.com' });
  const added = addTask(op, { name: 'Foo', kind: 'Apply', spec: { resources: ['bar.yaml', 'services.yaml'] } }, ['services.yaml']);
  assert.deepEqual(added.missingTemplates, ['bar.yaml']);
  assert.match(operatorYaml(added.operator), /- kind: Apply\n {2}name: Foo\n {2}spec:\n {4}resources:\n {4}- bar\.yaml\n {4}- services\.yaml\n/);
  assert.throws(() => addTask(op, { name: 'x', kind: 'Apply', spec: { resources: ['../x.yaml'] } }, []), /invalid template name/);
  assert.throws(() => addTask(op, { name: 'infra', kind: 'Apply' }, []), /task "infra" already exists/);
  const planned = addPlan(added.operator, 'backup', {
    strategy: 'serial',
    phases: [{ name: 'b', strategy: 'serial', steps: [{ name: 's', tasks: ['Foo'] }] }],
  });
  assert.deepEqual(Object.keys(planned.plans ?? {}), ['deploy', 'validation', 'backup']);
  assert.throws(() => addPlan(op, 'x', { phases: [{ steps: [{ tasks: ['missing'] }] }] }), /task "missing" used in plan "x" is not defined/);
  // What we write reads back to the same thing.
  assert.deepEqual(parseOperatorFile(operatorYaml(planned)), planned);
});
