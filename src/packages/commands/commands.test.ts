import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadPackage } from '../io/files.js';
import { runPackageCommand, type Prompter } from './index.js';

const testdata = join(dirname(fileURLToPath(import.meta.url)), '..', 'testdata');

function withTmp(fn: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kudo-cmd-'));
  return Promise.resolve(fn(dir)).finally(() => rmSync(dir, { recursive: true, force: true }));
}

const scripted = (answers: string[]): Prompter => ({
  async ask(_q, d) {
    const a = answers.shift();
    if (a === undefined) throw new Error('prompted more often than scripted');
    return a === '' ? (d ?? '') : a;
  },
});

test('usage errors are one line, no stack trace', async () => {
  const r = await runPackageCommand(['verify', '--bogus']);
  assert.equal(r.code, 255);
  assert.match(r.stderr, /^Error: unknown flag: --bogus\n/);
  const missing = await runPackageCommand(['verify', '/nonexistent/pkg']);
  assert.equal(missing.stderr, 'Error: package path does not exist: /nonexistent/pkg\n');
  await withTmp(async (dir) => {
    writeFileSync(join(dir, 'operator.yaml'), 'name: x\n');
    assert.equal((await runPackageCommand(['verify', dir])).stderr, `Error: operator package missing params.yaml in ${dir}\n`);
  });
});

test('create writes <name>-<app>_<version>.tgz that loads back; refuses to overwrite', () =>
  withTmp(async (dir) => {
    const r = await runPackageCommand(['create', join(testdata, 'zk'), '-d', dir]);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, `Package created: ${join(dir, 'zookeeper-3.4.10_0.1.0.tgz')}\n`);
    assert.deepEqual(loadPackage(join(dir, 'zookeeper-3.4.10_0.1.0.tgz')).templates, loadPackage(join(testdata, 'zk')).templates);
    const again = await runPackageCommand(['create', join(testdata, 'zk'), '--destination', dir]);
    assert.equal(again.stderr, `Error: target file "${join(dir, 'zookeeper-3.4.10_0.1.0.tgz')}" already exists\n`);
    assert.equal((await runPackageCommand(['create', join(testdata, 'zk'), '-d', dir, '-w'])).code, 0);
    assert.equal(
      (await runPackageCommand(['create', join(testdata, 'zk'), '-d', join(dir, 'nope')])).stderr,
      `Error: destination "${join(dir, 'nope')}" is not a proper directory\n`,
    );
    const invalid = await runPackageCommand(['create', join(testdata, 'invalid'), '-d', dir]);
    assert.equal(invalid.stderr, 'Error: found 4 package verification errors\n');
    assert.deepEqual(readdirSync(dir), ['zookeeper-3.4.10_0.1.0.tgz']);
  }));

test('new, then add by flags and by prompts, then verify', () =>
  withTmp(async (dir) => {
    const { newCommand, addCommand } = await import('./index.js');
    assert.equal((await newCommand('demo', { cwd: dir, kudoVersion: '0.19.0' })).code, 0);
    assert.equal((await newCommand('demo', { cwd: dir })).stderr, 'Error: folder "operator" already exists\n');
    assert.equal((await addCommand('maintainer', ['Jane', 'jane@example.com'], { cwd: dir })).code, 0);
    const task = await addCommand('task', [], { cwd: dir, flags: { name: 'app', kind: 'Apply', resource: ['deployment.yaml'] } });
    assert.equal(task.stdout, 'task app added; created templates/deployment.yaml\n');
    writeFileSync(
      join(dir, 'operator', 'templates', 'deployment.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Name }}\ndata:\n  size: "{{ .Params.SIZE }}"\n',
    );
    assert.equal((await addCommand('parameter', [], { cwd: dir, interactive: true }, scripted(['SIZE', 'Size', '3', 'The size.', '', '']))).code, 0);
    const plan = await addCommand('plan', [], { cwd: dir, flags: { name: 'grow', phase: 'grow', task: ['app'] } });
    assert.equal(plan.code, 0);
    // The scaffold's own `deploy` task has no resources, which verify reports as KUDO does.
    const v = await runPackageCommand(['verify', join(dir, 'operator')]);
    assert.match(v.stdout, /apply task 'deploy' has an empty resource list/);
    const params = readFileSync(join(dir, 'operator', 'params.yaml'), 'utf8');
    assert.equal(params, 'apiVersion: kudo.dev/v1beta1\nparameters:\n- default: "3"\n  description: The size.\n  displayName: Size\n  name: SIZE\n');
    const pkg = loadPackage(join(dir, 'operator'));
    assert.deepEqual(pkg.operator.maintainers?.[1], { name: 'Jane', email: 'jane@example.com' });
    assert.deepEqual(Object.keys(pkg.operator.plans ?? {}), ['deploy', 'grow']);
    // A nested operator folder is found from its parent; two are ambiguous.
    mkdirSync(join(dir, 'other'));
    cpSync(join(dir, 'operator', 'operator.yaml'), join(dir, 'other', 'operator.yaml'));
    assert.equal(
      (await addCommand('maintainer', ['A', 'a@b'], { cwd: dir }).catch((e: Error) => ({ stderr: e.message }))).stderr,
      'multiple operator folders discovered',
    );
  }));

test('render prints each task, and writes files with --output-dir', () =>
  withTmp(async (dir) => {
    const r = await runPackageCommand(['render', join(testdata, 'zk'), '--namespace', 'ns1', '--instance', 'zk', '-p', 'memory=2Gi']);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^# plan deploy of zookeeper for instance ns1\/zk\n/);
    assert.match(r.stdout, /# step zookeeper\/everything, task infra \(Apply\): apply 2 objects\n---\napiVersion: v1\nkind: Service\n/);
    assert.match(r.stdout, /memory: 2Gi/);
    const w = await runPackageCommand(['render', join(testdata, 'zk'), '--output-dir', join(dir, 'out')]);
    assert.equal(w.code, 0);
    assert.deepEqual(readdirSync(join(dir, 'out')), ['01-zookeeper-everything-infra.yaml', '02-zookeeper-everything-app.yaml']);
    assert.ok(existsSync(join(dir, 'out', '02-zookeeper-everything-app.yaml')));
    const bad = await runPackageCommand(['render', join(testdata, 'zk'), '--plan', 'nope']);
    assert.equal(bad.stderr, 'Error: plan "nope" is not defined in operator.yaml (plans: deploy, validation)\n');
    const badParam = await runPackageCommand(['render', join(testdata, 'zk'), '-p', 'memory=']);
    assert.equal(badParam.stderr, 'Error: could not parse parameters: parameter value can not be empty: memory=\n');
  }));

test('new -i asks for the operator fields', () =>
  withTmp(async (dir) => {
    const { newCommand } = await import('./index.js');
    const r = await newCommand(undefined, { cwd: dir, interactive: true }, scripted(['web', '1.2.3', '', '', '1.20.0', 'https://example.com']));
    assert.equal(r.code, 0);
    const pkg = loadPackage(join(dir, 'operator'));
    assert.deepEqual(
      [pkg.operator.name, pkg.operator.operatorVersion, pkg.operator.appVersion, pkg.operator.kubernetesVersion, pkg.operator.url],
      ['web', '1.2.3', '0.1.0', '1.20.0', 'https://example.com'],
    );
    writeFileSync(join(dir, 'operator', 'operator.yaml'), 'name: x\n');
    assert.equal(
      (await newCommand('y', { cwd: join(dir, 'operator') })).stderr,
      'Error: operator.yaml exists in the current directory.  creating an operator in an operator is not supported\n',
    );
  }));
