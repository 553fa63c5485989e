/**
 * End-to-end: bin/kubectl-kudo spawned as a user runs it (real exit codes and output)
 * against the local control plane with KUDO's manager, installed by `kubectl kudo init`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startLocalKudo, type LocalKudo } from '../../src/cli/local-kudo.js';
import { startControlPlane, type ControlPlane } from '../../src/controlplane/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'kubectl-kudo');
const greeter = join(root, 'examples', 'operators', 'greeter');
const needsParam = join(root, 'test', 'cli', 'testdata', 'needs-param');
const broken = join(root, 'test', 'cli', 'testdata', 'broken');
const stuck = join(root, 'test', 'cli', 'testdata', 'stuck');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

let env: LocalKudo;

function kudo(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: opts.cwd ?? greeter, env: { ...process.env, KUBECONFIG: env.kubeconfigPath, KUDO_HOME: env.home, NO_COLOR: '1', ...opts.env }, timeout: 120_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Every file under `dir`, as paths relative to it. */
const listFiles = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1));

/** The output with times replaced, so trees compare exactly. */
const stable = (text: string): string => text.replace(/\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d/g, 'TIME');

async function ok(args: string[], opts?: Parameters<typeof kudo>[1]): Promise<string> {
  const r = await kudo(args, opts);
  assert.equal(r.code, 0, `kubectl kudo ${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function fails(args: string[], message: RegExp, opts?: Parameters<typeof kudo>[1]): Promise<void> {
  const r = await kudo(args, opts);
  assert.equal(r.code, 255, `expected kubectl kudo ${args.join(' ')} to fail: ${r.stdout}`);
  assert.match(r.stderr, message);
  assert.equal(
    r.stderr
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('Error: ')).length,
    1,
    `one error line: ${r.stderr}`,
  );
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

before(async () => {
  env = await startLocalKudo();
});

after(async () => {
  await env?.stop();
});

describe('kubectl kudo against the local control plane', { timeout: 600_000 }, () => {
  it('prints its version without a cluster', async () => {
    assert.match(await ok(['version']), /^KUDO Version: version\.Info\{GitVersion:"0\.1\.0"/);
  });

  it('installs, shows status, updates with a trigger, upgrades and uninstalls with cleanup', async () => {
    const ns = ['-n', 'life'];
    const installed = await ok(['install', './0.1.0', '--instance', 'hello', '--create-namespace', '--wait', ...ns]);
    assert.equal(
      installed
        .split('\n')
        .filter((l) => !l.startsWith('plan '))
        .join('\n'),
      'namespace life created\noperator life/greeter created\noperatorversion life/greeter-1.27.0-0.1.0 created\ninstance life/hello created\ninstance life/hello ready\n',
    );
    assert.match(installed, /^plan deploy, phase run, step app: COMPLETE$/m);

    assert.equal(
      stable(await ok(['plan', 'status', '--instance', 'hello', ...ns])),
      `Plan(s) for "hello" in namespace "life":
.
└── hello (Operator-Version: "greeter-1.27.0-0.1.0" Active-Plan: "deploy")
    ├── Plan deploy (serial strategy) [COMPLETE], last updated TIME
    │   ├── Phase configure (serial strategy) [COMPLETE]
    │   │   └── Step config [COMPLETE]
    │   └── Phase run (parallel strategy) [COMPLETE]
    │       ├── Step app [COMPLETE]
    │       └── Step service [COMPLETE]
    └── Plan update-greeting (serial strategy) [NOT ACTIVE]
        └── Phase reconfigure (serial strategy) [NOT ACTIVE]
            ├── Step config [NOT ACTIVE]
            └── Step restart [NOT ACTIVE]

`,
    );
    assert.equal(await ok(['get', 'instances', ...ns]), 'List of current installed instances in namespace "life":\n.\n└── hello\n\n');
    assert.equal(
      await ok(['get', 'all', ...ns]),
      'List of current installed operators including versions and instances in namespace "life":\n.\n└── greeter\n    └── greeter-1.27.0-0.1.0\n        └── hello\n\n',
    );
    const asJson = JSON.parse(await ok(['get', 'instances', '-o', 'json', ...ns])) as { metadata: { name: string } }[];
    assert.deepEqual(
      asJson.map((i) => i.metadata.name),
      ['hello'],
    );

    assert.equal((await ok(['update', '--instance', 'hello', '-p', 'GREETING=Hola', '--wait', ...ns])).split('\n')[0], 'Instance hello was updated.');
    assert.equal(
      stable(await ok(['plan', 'history', '--instance', 'hello', ...ns])),
      '.\n├── deploy (last finished run at TIME (COMPLETE))\n└── update-greeting (last finished run at TIME (COMPLETE))\n\n',
    );
    const diff = await ok(['diff', '--instance', 'hello', './0.2.0', ...ns]);
    assert.match(diff, /^plan upgrade would run:$/m);
    assert.match(diff, /^ {6}- {9}- image: nginx:1\.27\.0$/m);
    assert.match(diff, /^ {6}\+ {9}- image: nginx:1\.28\.0$/m);

    await fails(
      ['upgrade', './0.1.0', '--instance', 'hello', ...ns],
      /upgraded version 0\.1\.0 is the same or smaller as current version 0\.1\.0 -> not upgrading/,
    );
    const upgraded = await ok(['upgrade', './0.2.0', '--instance', 'hello', '--wait', ...ns]);
    assert.match(upgraded, /^operatorversion life\/greeter-1\.28\.0-0\.2\.0 created\ninstance life\/hello updated\n/);
    assert.match(await ok(['plan', 'status', '--instance', 'hello', ...ns]), /Active-Plan: "upgrade"/);

    assert.equal(await ok(['uninstall', '--instance', 'hello', '--wait', ...ns]), 'instance.kudo.dev/v1beta1/hello deleted\ninstance life/hello removed\n');
    assert.equal(await ok(['get', 'instances', ...ns]), 'List of current installed instances in namespace "life":\n.\n\n');
    const kubectlGet = await ok(['get', 'operatorversions', ...ns]);
    assert.match(kubectlGet, /greeter-1\.28\.0-0\.2\.0/, 'operator versions stay installed, as in KUDO');
    await fails(['uninstall', '--instance', 'hello', ...ns], /instance hello in namespace life does not exist in the cluster/);
  });

  it('installs from a repository served over HTTP, with digests checked, and searches it', async () => {
    const repoDir = mkdtempSync(join(tmpdir(), 'kudo-repo-'));
    let server: Server | undefined;
    try {
      assert.match(await ok(['package', 'create', './0.1.0', '-d', repoDir]), /Package created: .*greeter-1\.27\.0_0\.1\.0\.tgz/);
      assert.match(await ok(['package', 'create', './0.2.0', '-d', repoDir]), /greeter-1\.28\.0_0\.2\.0\.tgz/);
      server = createServer((req, res) => {
        try {
          res.end(readFileSync(join(repoDir, (req.url ?? '/').slice(1))));
        } catch {
          res.statusCode = 404;
          res.end();
        }
      });
      await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      assert.match(await ok(['repo', 'index', repoDir, '--url', url]), /^index .*index\.yaml created\.\n$/);
      assert.match(readFileSync(join(repoDir, 'index.yaml'), 'utf8'), /greeter-1\.28\.0_0\.2\.0\.tgz/);

      await ok(['init', '--client-only']);
      assert.equal(await ok(['repo', 'add', 'local', url]), '"local" has been added to your repositories\n');
      await fails(['repo', 'add', 'local', url], /repository name \(local\) already exists/);
      await ok(['repo', 'context', 'local']);
      assert.match(await ok(['repo', 'list']), /^\*local +\thttp:\/\/127\.0\.0\.1:\d+ *\n$/m);
      assert.equal(await ok(['search', 'greet']), 'Name   \tOperator Version\tApp Version\ngreeter\t0.2.0           \t1.28.0     \n');
      assert.equal(
        await ok(['search', 'greet', '-a']),
        'Name   \tOperator Version\tApp Version\ngreeter\t0.2.0           \t1.28.0     \n       \t0.1.0           \t1.27.0     \n',
      );
      assert.equal(await ok(['search', 'zookeeper']), 'no operators found\n');

      const ns = ['-n', 'repo'];
      const out = await ok(['install', 'greeter', '--operator-version', '0.1.0', '--instance', 'from-repo', '--create-namespace', '--wait', ...ns]);
      assert.match(out, /^operatorversion repo\/greeter-1\.27\.0-0\.1\.0 created$/m);
      assert.match(out, /^instance repo\/from-repo ready$/m);
      await fails(['install', 'kafka', ...ns], /no operator found for: kafka/);
      assert.match(await ok(['install', `${url}/greeter-1.28.0_0.2.0.tgz`, '--instance', 'from-url', ...ns]), /^instance repo\/from-url created$/m);

      // A tampered index: the download no longer matches its digest.
      const index = readFileSync(join(repoDir, 'index.yaml'), 'utf8');
      writeFileSync(join(repoDir, 'index.yaml'), index.replace(/digest: [0-9a-f]{64}/g, `digest: ${'0123456789'.repeat(6)}0123`));
      await fails(['install', 'greeter', '--instance', 'tampered', ...ns], /does not match the digest in the index of repository "local"/);
      await ok(['repo', 'remove', 'local']);
      await fails(['repo', 'context', 'local'], /no repo named "local" found/);
    } finally {
      server?.close();
      rmSync(repoDir, { recursive: true, force: true });
    }
  });

  it('collects diagnostics of an instance: its objects, pod logs and the manager', async () => {
    const ns = ['-n', 'diag'];
    await ok(['install', './0.1.0', '--instance', 'd', '--create-namespace', '--wait', ...ns]);
    const dir = mkdtempSync(join(tmpdir(), 'kudo-diag-'));
    try {
      const out = join(dir, 'diag');
      assert.equal(await ok(['diagnostics', 'collect', '--instance', 'd', '--output-directory', out, ...ns]), `Diagnostics written to ${out}\n`);
      const files = listFiles(out);
      for (const f of [
        'version.yaml',
        'settings.yaml',
        'operator_greeter/greeter.yaml',
        'operator_greeter/instance_d/d.yaml',
        'operator_greeter/instance_d/deploymentlist.yaml',
      ])
        assert.ok(files.includes(f), `${f} in ${files.join(', ')}`);
      assert.ok(files.includes('operator_greeter/operatorversion_greeter-1.27.0-0.1.0/greeter-1.27.0-0.1.0.yaml'), files.join(', '));
      assert.match(readFileSync(join(out, 'operator_greeter/instance_d/d.yaml'), 'utf8'), /planStatus:/);
      assert.match(readFileSync(join(out, 'operator_greeter/instance_d/deploymentlist.yaml'), 'utf8'), /kind: Deployment/);
      const logs = files.filter((f) => /^operator_greeter\/instance_d\/pod_[^/]+\/[^/]+\.log\.gz$/.test(f));
      assert.ok(logs.length > 0, `pod logs among ${files.join(', ')}`);
      assert.match(readFileSync(join(out, 'settings.yaml'), 'utf8'), /namespace: diag/);
      // The manager's namespace: KUDO's service account and service (the local manager runs in-process, so no pods).
      assert.match(readFileSync(join(out, 'kudo/serviceaccountlist.yaml'), 'utf8'), /kind: ServiceAccount\n/);
      // An existing target is never overwritten.
      await fails(['diagnostics', 'collect', '--instance', 'd', '--output-directory', out, ...ns], /target directory .* already exists/);
      await fails(
        ['diagnostics', 'collect', '--instance', 'nope', '--output-directory', join(dir, 'x'), ...ns],
        /instance nope in namespace diag does not exist/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('explains user errors in one sentence and exits with 255', async () => {
    await fails(['plan', 'status', '--instance', 'nope'], /instance nope in namespace default does not exist in the cluster/);
    await fails(['plan', 'status'], /please choose the instance with --instance=<instanceName>/);
    await fails(['install', needsParam], /missing required parameters during installation: PASSWORD \(set them with -p NAME=VALUE\)/);
    await fails(['install', needsParam, '-p', 'PASSWORD=x', '-p', 'SIZE=big', '--instance', 'typed'], /parameter "SIZE" has an invalid value "big"/);
    await fails(['install', needsParam, '-p', 'PASSWORD'], /could not parse parameters: parameter not set: PASSWORD/);
    await fails(['install', './does-not-exist'], /package path does not exist/);
    await fails(['update', '--instance', 'nope'], /need to specify at least one parameter to override via -p/);
    await fails(['get', 'things'], /expecting one of "instances, operators, operatorversions or all" and not "things"/);
    await fails(['install', './0.1.0', '--bogus'], /unknown flag: --bogus/);
  });

  it('says when the cluster cannot be reached or KUDO is not installed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kudo-e2e-'));
    let bare: ControlPlane | undefined;
    try {
      const dead = join(dir, 'dead.yaml');
      writeFileSync(
        dead,
        'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "http://127.0.0.1:9"}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n',
      );
      await fails(['get', 'instances', '--kubeconfig', dead], /unable to connect to the server at http:\/\/127\.0\.0\.1:9.*Is the cluster running\?/);
      bare = await startControlPlane({ kubeconfigPath: join(dir, 'bare.yaml') });
      await fails(['get', 'instances', '--kubeconfig', join(dir, 'bare.yaml')], /KUDO is not installed in this cluster .*kubectl kudo init/);
      await fails(['plan', 'status', '--instance', 'x', '--kubeconfig', join(dir, 'bare.yaml')], /KUDO is not installed in this cluster .*kubectl kudo init/);
    } finally {
      await bare?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('follows a plan with plan status --wait and fails on FATAL_ERROR with the step message', async () => {
    const ns = ['-n', 'fatal'];
    await ok(['install', needsParam, '-p', 'PASSWORD=x', '--instance', 'p', '--create-namespace', '--wait', ...ns]);
    const status = await ok(['plan', 'status', '--instance', 'p', '--wait', ...ns]);
    assert.match(status, /Plan deploy \(serial strategy\) \[COMPLETE\]/);
    await fails(['install', broken, '--instance', 'b', '--wait', ...ns], /plan deploy of instance fatal\/b failed: step main\.config: .*deliberate failure/);
    assert.match(await ok(['plan', 'status', '--instance', 'b', ...ns]), /Step config \[FATAL_ERROR\] \(.*deliberate failure.*\)/);
    assert.match(await ok(['plan', 'retry', '--instance', 'b', ...ns]), /^Retrying deploy plan for fatal\/b instance\n$/);
    await fails(['plan', 'retry', '--instance', 'p', ...ns], /only a plan in FATAL_ERROR can be retried/);

    // A plan that never ends is aborted on request; the instance is idle again.
    await ok(['install', stuck, '--instance', 's', ...ns]);
    await fails(['plan', 'abort', '--instance', 'p', ...ns], /no plan is running for instance fatal\/p; nothing to abort/);
    assert.match(await ok(['plan', 'abort', '--instance', 's', ...ns]), /^Aborted deploy plan for fatal\/s instance/);
    assert.match(
      await ok(['plan', 'status', '--instance', 's', ...ns]),
      /Plan deploy \(serial strategy\) \[FATAL_ERROR\] \(.*aborted on request.*\)|Step wait \[FATAL_ERROR\] \(plan aborted on request/,
    );

    await fails(['plan', 'trigger', '--instance', 'p', '--name', 'nope', ...ns], /plan nope does not exist in operator version needs-param-0\.1\.0/);
    assert.equal(await ok(['plan', 'trigger', '--instance', 'p', '--name', 'deploy', ...ns]), 'Triggered deploy plan for fatal/p instance\n');
  });
});
