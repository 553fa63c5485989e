import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadPackage } from './io/files.js';
import { listParameters, listPlans, listTasks } from './list.js';

const zk = loadPackage(join(dirname(fileURLToPath(import.meta.url)), 'testdata', 'zk'));

// Expected texts are KUDO's own golden files for the same package layout
// (pkg/kudoctl/cmd/testdata/{params-list,tasks-list,plans-list,plans-with-tasks-list}.golden).
test('list parameters matches KUDO', () => {
  assert.equal(listParameters(zk), 'Name  \tDefault\tRequired\tImmutable\ncpus  \t0.25   \ttrue    \tfalse    \nmemory\t1Gi    \ttrue    \tfalse    \n');
});

test('list tasks matches KUDO', () => {
  assert.equal(
    listTasks(zk),
    'Name      \tKind \tResources                                     \ninfra     \tApply\t[services.yaml pdb.yaml]                      \napp       \tApply\t[statefulset.yaml subfolder/statefulset2.yaml]\nvalidation\tApply\t[validation.yaml]                             \n',
  );
});

test('list plans matches KUDO', () => {
  assert.equal(
    listPlans(zk),
    'plans\n├── deploy (serial)\n│   └── [phase]  zookeeper (parallel)\n│       └── [step]  everything\n│           ├── infra\n│           └── app\n└── validation (serial)\n    └── [phase]  connection (parallel)\n        └── [step]  connection\n            └── validation\n\n',
  );
  assert.equal(
    listPlans(zk, true),
    'plans\n├── deploy (serial)\n│   └── [phase]  zookeeper (parallel)\n│       └── [step]  everything\n│           ├── [apply]  infra\n│           │   ├── services.yaml\n│           │   └── pdb.yaml\n│           └── [apply]  app\n│               ├── statefulset.yaml\n│               └── subfolder/statefulset2.yaml\n└── validation (serial)\n    └── [phase]  connection (parallel)\n        └── [step]  connection\n            └── [apply]  validation\n                └── validation.yaml\n\n',
  );
});

test('list modes: names, required, descriptions wrap at 35 columns', () => {
  assert.equal(listParameters(zk, { names: true }), 'Name  \ncpus  \nmemory\n');
  assert.equal(listParameters(zk, { required: true }), 'no required parameters without default values found\n');
  const d = listParameters(zk, { descriptions: true }).split('\n');
  assert.equal(d[0], 'Name  \tDefault\tRequired\tImmutable\tDescriptions                  ');
  assert.equal(d[1], 'cpus  \t0.25   \ttrue    \tfalse    \tAmount of cpu to provide to   ');
  assert.equal(d[2], '      \t       \t        \t         \tZookeeper pods                ');
  assert.equal(d[3], 'memory\t1Gi    \ttrue    \tfalse    \tAmount of memory to provide to');
  assert.throws(() => listParameters(zk, { names: true, required: true }), /only one of the flags 'required', 'names', 'descriptions' can be set/);
});
