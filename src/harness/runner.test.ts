import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { discoverTestCases } from './discovery.js';
import { defaultSuite } from './kuttl-objects.js';
import { collectorCommand, runLoadedSuite, runTestCase, type RunContext } from './runner.js';
import { FakeCluster } from './testdata/fake-cluster.js';
import type { TestCase, TestSuite } from './types.js';

const root = mkdtempSync(join(tmpdir(), 'harness-runner-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
/** Writes a test dir with one case made of `files` and loads it. */
function makeCase(files: Record<string, string>): TestCase {
  const testDir = join(root, `tests-${counter++}`);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(testDir, 'case', name)), { recursive: true });
    writeFileSync(join(testDir, 'case', name), text);
  }
  return discoverTestCases([testDir], root, { ignoreFiles: ['README*'], log: () => {}, env: {} })[0];
}

function context(cluster: FakeCluster, suite: Partial<TestSuite> = {}): RunContext & { lines: string[] } {
  const lines: string[] = [];
  cluster.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  return {
    suite: { ...defaultSuite(), timeout: 2, ...suite },
    cluster,
    cwd: root,
    env: { PATH: process.env.PATH },
    out: (l) => lines.push(l),
    namespaceName: () => `kuttl-test-${counter++}`,
    pollMinMs: 20,
    pollMaxMs: 100,
    lines,
  };
}

const cm = (name: string, data: Record<string, string>, extra = '') => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
${extra}data:
${Object.entries(data)
  .map(([k, v]) => `  ${k}: "${v}"`)
  .join('\n')}
`;

describe('running a test case', () => {
  it('creates, then merge-patches, asserts, and cleans up', async () => {
    const cluster = new FakeCluster();
    const ctx = context(cluster);
    const tc = makeCase({
      '00-create.yaml': cm('config', { a: '1', b: '2' }),
      '00-assert.yaml': cm('config', { a: '1' }),
      '01-update.yaml': cm('config', { a: '3' }),
      '01-assert.yaml': cm('config', { a: '3', b: '2' }),
    });
    const result = await runTestCase(ctx, tc);
    assert.equal(result.failure, undefined, ctx.lines.join('\n'));
    assert.deepEqual(
      result.steps.map((s) => [s.label, s.errors]),
      [
        ['0-create', []],
        ['1-update', []],
      ],
    );
    assert.equal(result.assertions, 2);
    const ns = result.namespace;
    assert.deepEqual(cluster.calls, [
      `create Namespace ${ns}`,
      `create ConfigMap ${ns}/config`,
      `patch ConfigMap ${ns}/config`,
      `delete ConfigMap ${ns}/config`,
      `delete ConfigMap ${ns}/config`,
      `delete Namespace ${ns}`,
    ]);
    assert.ok(ctx.lines.some((l) => l.startsWith('--- PASS: case')));
  });

  it('fails on timeout with a readable diff of expected versus actual', async () => {
    const cluster = new FakeCluster();
    const ctx = context(cluster, { skipDelete: true });
    const tc = makeCase({
      '00-create.yaml': cm('config', { a: '1' }),
      '00-assert.yaml': `apiVersion: kuttl.dev/v1beta1\nkind: TestAssert\ntimeout: 1\n---\n${cm('config', { a: '2' })}`,
      '01-never.yaml': cm('other', { x: 'y' }),
    });
    const started = Date.now();
    const result = await runTestCase(ctx, tc);
    assert.ok(Date.now() - started < 3000);
    assert.equal(result.failure?.step, '0-create');
    assert.equal(result.steps.length, 1, 'later steps do not run');
    const text = result.failure!.errors.join('\n');
    assert.match(text, /did not reach the expected state within 1s/);
    assert.match(text, /resource ConfigMap:kuttl-test-\d+\/config: \.data\.a: value mismatch, expected: 2 != actual: 1/);
    assert.match(text, /^- {2}a: "2"$/m);
    assert.match(text, /^\+ {2}a: "1"$/m);
    assert.ok(!cluster.calls.some((c) => c.startsWith('delete')), 'skipDelete keeps everything');
  });

  it('waits for objects that appear later, and matches unnamed objects by labels', async () => {
    const cluster = new FakeCluster();
    const ctx = context(cluster, { namespace: 'default' });
    const tc = makeCase({
      '00-assert.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  labels:\n    app: web\ntype: Opaque\n',
    });
    setTimeout(() => {
      cluster.seed({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'unrelated', namespace: 'default', labels: { app: 'db' } }, type: 'Opaque' });
      cluster.seed({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's1', namespace: 'default', labels: { app: 'web' } }, type: 'Opaque' });
    }, 150);
    const result = await runTestCase(ctx, tc);
    assert.equal(result.failure, undefined, ctx.lines.join('\n'));
    assert.equal(result.namespace, 'default');
    assert.ok(!cluster.calls.some((c) => c.includes('Namespace')), 'a fixed namespace is neither created nor deleted');
  });

  it('reports an unnamed assert that matches nothing', async () => {
    const cluster = new FakeCluster();
    const ctx = context(cluster);
    const tc = makeCase({ '00-assert.yaml': 'apiVersion: kuttl.dev/v1beta1\nkind: TestAssert\ntimeout: 1\n---\napiVersion: v1\nkind: Event\nmessage: done\n' });
    const result = await runTestCase(ctx, tc);
    assert.match(result.failure!.errors.join('\n'), /no resources matched of kind v1 Event in namespace kuttl-test-\d+/);
  });

  it('fails while an errors object matches, passes once it no longer does', async () => {
    const cluster = new FakeCluster();
    const ctx = context(cluster);
    const failing = makeCase({
      '00-create.yaml': cm('config', { a: '1' }),
      '00-errors.yaml': `${cm('config', { a: '1' })}`,
      '00-assert.yaml': 'apiVersion: kuttl.dev/v1beta1\nkind: TestAssert\ntimeout: 1\n',
    });
    const r1 = await runTestCase(ctx, failing);
    assert.match(r1.failure!.errors.join('\n'), /resource ConfigMap:kuttl-test-\d+\/config matches the errors file .*00-errors\.yaml:1/);

    const passing = makeCase({
      '00-create.yaml': cm('config', { a: '1' }),
      '00-errors.yaml': `${cm('config', { a: '2' })}---\n${cm('missing', {})}`,
    });
    const r2 = await runTestCase(ctx, passing);
    assert.equal(r2.failure, undefined, r2.failure?.errors.join('\n'));
  });

  it('deletes referenced objects before the step and waits until they are gone', async () => {
    const cluster = new FakeCluster();
    const ctx = context(cluster, { namespace: 'default' });
    cluster.seed({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'default', labels: { drop: 'yes' } } });
    cluster.seed({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', namespace: 'default', labels: { drop: 'yes' } } });
    cluster.seed({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'keep', namespace: 'default' } });
    const tc = makeCase({
      '00-delete.yaml': 'apiVersion: kuttl.dev/v1beta1\nkind: TestStep\ndelete:\n- apiVersion: v1\n  kind: ConfigMap\n  labels:\n    drop: "yes"\n',
      '00-errors.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n',
    });
    const result = await runTestCase(ctx, tc);
    assert.equal(result.failure, undefined, result.failure?.errors.join('\n'));
    assert.deepEqual(
      [...cluster.objects.values()].filter((o) => o.kind === 'ConfigMap').map((o) => o.metadata.name),
      ['keep'],
    );
  });

  it('runs commands in the test dir with NAMESPACE set, stopping at the first failure', async () => {
    const cluster = new FakeCluster();
    const ctx = context(cluster);
    const tc = makeCase({
      '00-commands.yaml': `apiVersion: kuttl.dev/v1beta1
kind: TestStep
commands:
- script: echo "ns=$NAMESPACE" > out.txt
- command: sh -c "exit 3"
  ignoreFailure: true
- command: echo --namespace-was-added
  namespaced: true
- command: sh -c "exit 4"
- script: echo never > never.txt
`,
    });
    const result = await runTestCase(ctx, tc);
    assert.equal(readFileSync(join(tc.dir, 'out.txt'), 'utf8'), `ns=${result.namespace}\n`);
    assert.ok(ctx.lines.includes(`    case | --namespace-was-added --namespace ${result.namespace}`));
    assert.deepEqual(result.failure?.errors, ['command "sh -c "exit 4"" failed with exit code 4']);
    assert.ok(!existsSync(join(tc.dir, 'never.txt')));
  });

  it('runs TestAssert commands on every check', async () => {
    const cluster = new FakeCluster();
    const ctx = context(cluster);
    const tc = makeCase({
      '00-assert.yaml':
        'apiVersion: kuttl.dev/v1beta1\nkind: TestAssert\ntimeout: 2\ncommands:\n- script: echo x >> tries.txt; test $(wc -l < tries.txt) -ge 3\n',
    });
    const result = await runTestCase(ctx, tc);
    assert.equal(result.failure, undefined, result.failure?.errors.join('\n'));
    assert.equal(readFileSync(join(tc.dir, 'tries.txt'), 'utf8'), 'x\nx\nx\n');
  });

  it('fails a step whose object kind the cluster does not serve', async () => {
    const cluster = new FakeCluster();
    const ctx = context(cluster);
    const tc = makeCase({ '00-install.yaml': 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n' });
    const result = await runTestCase(ctx, tc);
    assert.match(result.failure!.errors[0], /applying Widget:w from .*00-install\.yaml:1: no API resource for example\.com\/v1 Widget/);
  });
});

describe('running a suite', () => {
  it('installs CRDs and manifests, runs background commands, and runs cases in parallel', async () => {
    const cluster = new FakeCluster();
    const dir = join(root, 'suite');
    mkdirSync(join(dir, 'crds'), { recursive: true });
    mkdirSync(join(dir, 'manifests', 'nested'), { recursive: true });
    writeFileSync(
      join(dir, 'crds', 'widgets.yaml'),
      `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Widget, plural: widgets}
  versions: [{name: v1, served: true, storage: true}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: not-a-crd}
`,
    );
    writeFileSync(join(dir, 'manifests', 'nested', 'm.yaml'), 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: shared\nspec: {size: 1}\n');
    const ctx = context(cluster, {
      crdDir: './suite/crds',
      manifestDirs: ['./suite/manifests'],
      parallel: 2,
      commands: [{ script: 'echo started > suite/bg.txt; exec sleep 30', background: true }, { command: 'true' }],
    });
    const cases = ['one', 'two', 'three'].map((name) => {
      const tc = makeCase({
        '00-widget.yaml': 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec: {size: 2}\n',
        '00-assert.yaml': 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec: {size: 2}\n',
      });
      return { ...tc, name };
    });
    const result = await runLoadedSuite(ctx, { cases, name: 'suite' });
    assert.equal(result.setupFailure, undefined, ctx.lines.join('\n'));
    assert.deepEqual(
      result.cases.map((c) => [c.name, c.failure]),
      [
        ['one', undefined],
        ['two', undefined],
        ['three', undefined],
      ],
    );
    assert.ok(cluster.objects.has('example.com/v1|Widget|default|shared'), 'manifests go to the default namespace');
    assert.ok(ctx.lines.some((l) => l.includes('skipping ConfigMap not-a-crd')));
    assert.equal(readFileSync(join(dir, 'bg.txt'), 'utf8'), 'started\n');
    assert.ok(ctx.lines.some((l) => l.startsWith('stopping background command')));
    assert.ok(!ctx.lines.some((l) => l.includes('exited with code')), 'a stopped background command is not reported as exiting');
  });

  it('reports a failing suite command as a setup failure and runs no case', async () => {
    const cluster = new FakeCluster();
    const ctx = context(cluster, { commands: [{ command: 'sh -c "exit 2"' }] });
    const result = await runLoadedSuite(ctx, { cases: [makeCase({ '00-assert.yaml': cm('x', {}) })], name: 's' });
    assert.equal(result.setupFailure, 'command "sh -c "exit 2"" failed with exit code 2');
    assert.deepEqual(result.cases, []);
  });
});

describe('collectors', () => {
  it('become kubectl commands as KUTTL builds them', () => {
    assert.equal(collectorCommand({ pod: 'web-0' }).command, 'kubectl logs --prefix web-0 -n $NAMESPACE --all-containers --tail=-1');
    assert.equal(collectorCommand({ selector: 'app=web', container: 'c', namespace: 'x' }).command, 'kubectl logs --prefix -l app=web -n x -c c --tail=10');
    assert.equal(collectorCommand({ type: 'events' }).command, 'kubectl get events  -n $NAMESPACE');
    assert.deepEqual(collectorCommand({ command: 'echo hi' }), { command: 'echo hi', ignoreFailure: true });
  });
});
