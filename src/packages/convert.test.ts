import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { instanceSchema, operatorSchema, operatorVersionSchema } from '../api/crds.js';
import { checkSchema } from '../api/schema-check.js';
import { packageToResources } from './convert.js';
import { loadPackage } from './io/files.js';
import { parsePackage } from './model.js';

const here = dirname(fileURLToPath(import.meta.url));
const corpusRoot = join(here, '..', '..', '..', 'shared', 'testdata', 'operators');

function corpus(): string[] | undefined {
  try {
    return readdirSync(corpusRoot).filter((d) => d !== 'README.md');
  } catch {
    return undefined;
  }
}

test('zk fixture converts to KUDO objects and names', () => {
  const r = packageToResources(loadPackage(join(here, 'testdata', 'zk')));
  assert.equal(r.operator.metadata.name, 'zookeeper');
  assert.equal(r.operatorVersion.metadata.name, 'zookeeper-3.4.10-0.1.0');
  assert.deepEqual(r.operatorVersion.spec?.operator, { name: 'zookeeper', kind: 'Operator' });
  assert.deepEqual(Object.keys(r.operatorVersion.spec?.templates ?? {}), [
    'pdb.yaml',
    'services.yaml',
    'statefulset.yaml',
    'subfolder/statefulset2.yaml',
    'validation.yaml',
  ]);
  assert.deepEqual(r.operatorVersion.spec?.parameters?.[1], {
    name: 'cpus',
    description: 'Amount of cpu to provide to Zookeeper pods',
    required: true,
    default: '0.25',
    immutable: false,
  });
  assert.deepEqual(r.instance.metadata, { name: 'zookeeper-instance', labels: { 'kudo.dev/operator': 'zookeeper' } });
  assert.deepEqual(r.instance.spec, { operatorVersion: { name: 'zookeeper-3.4.10-0.1.0' } });
});

test('no appVersion: <name>-<operatorVersion>; conversion errors are KUDO texts', () => {
  const files = new Map([
    [
      'operator.yaml',
      'name: op\noperatorVersion: 0.1.0\ntasks:\n- name: a\n  kind: Apply\n  spec: {resources: [missing.yaml]}\n- name: b\n  kind: Nope\n- name: c\n  kind: Toggle\n  spec: {resources: [x.yaml]}\n- name: d\n  kind: Pipe\n  spec: {pod: x.yaml}\n',
    ],
    ['params.yaml', 'parameters: []\n'],
    ['templates/x.yaml', 'kind: ConfigMap\n'],
    ['templates/notes.txt', 'ignored'],
  ]);
  const pkg = parsePackage(files, 'mem');
  assert.deepEqual(Object.keys(pkg.templates), ['x.yaml']);
  assert.throws(() => packageToResources(pkg), {
    message:
      'task a missing template: missing.yaml\nunknown task kind Nope\ntoggle task c does not have parameter specified\ntask d does not have pipe files specified',
  });
  files.set('operator.yaml', 'name: op\noperatorVersion: 0.1.0\n');
  assert.equal(packageToResources(parsePackage(files, 'mem')).operatorVersion.metadata.name, 'op-0.1.0');
});

test('missing package files are named', () => {
  assert.throws(() => parsePackage(new Map([['params.yaml', '']]), 'pkg'), { message: 'operator package missing operator.yaml in pkg' });
  assert.throws(() => parsePackage(new Map([['operator.yaml', 'name: a\n']]), 'pkg'), { message: 'operator package missing params.yaml in pkg' });
});

test('objects from every community package are accepted by the CRD schemas', (t) => {
  const dirs = corpus();
  if (!dirs) return t.skip(`${corpusRoot} is absent`);
  const names: string[] = [];
  for (const d of dirs) {
    const r = packageToResources(loadPackage(join(corpusRoot, d, 'operator')));
    assert.deepEqual(checkSchema(r.operator, operatorSchema), [], d);
    assert.deepEqual(checkSchema(r.operatorVersion, operatorVersionSchema), [], d);
    assert.deepEqual(checkSchema(r.instance, instanceSchema), [], d);
    names.push(r.operatorVersion.metadata.name!);
  }
  // mysql's unquoted `appVersion: 5.7` is a YAML float that KUDO turns back into "5.7".
  assert.ok(names.includes('mysql-5.7-0.3.0'));
  assert.ok(names.includes('zookeeper-3.6.2-0.3.3'));
  assert.ok(names.includes('flink-demo-0.1.6'));
});
