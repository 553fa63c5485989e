/**
 * The real lane of the end-to-end tests: bin/kubectl-kudo, as a user runs it, installs, shows
 * plan status, updates, upgrades and uninstalls an operator on a real Kubernetes 1.20 control
 * plane with KUDO's manager. One control plane for the whole file (each start takes 6-11 s).
 * Skips with the reason when no real binaries are found (src/harness/real-assets.ts).
 * The operator only uses objects that are healthy without a kubelet (ConfigMap, Service,
 * Dummy task); Deployments and Jobs never finish there, because Pods stay Pending.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Instance } from '../../src/api/types.js';
import { startRealKudo, type RealKudo } from './real-kudo.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'kubectl-kudo');
const settings = join(root, 'test', 'real', 'testdata', 'settings');

let env: RealKudo | undefined;
const started = await startRealKudo().catch((e: Error) => e);
if (typeof started === 'string') console.log(`# real lane skipped: ${started}`);
else if (!(started instanceof Error)) env = started;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function kudo(args: string[]): Promise<Result> {
  const { kubeconfigPath, home } = env!;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: settings, env: { ...process.env, KUBECONFIG: kubeconfigPath, KUDO_HOME: home, NO_COLOR: '1' }, timeout: 120_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function ok(args: string[]): Promise<string> {
  const r = await kudo(args);
  assert.equal(r.code, 0, `kubectl kudo ${args.join(' ')} failed: ${r.stderr}${r.stdout}\nmanager log tail:\n${env!.logs.slice(-10).join('\n')}`);
  return r.stdout;
}

const stable = (text: string): string => text.replace(/\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d/g, 'TIME');

async function configMap(name: string): Promise<Record<string, string> | undefined> {
  const cm = await env!.cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'real', name });
  return cm?.data as Record<string, string> | undefined;
}

after(async () => {
  await env?.stop();
});

describe('kubectl kudo and the manager on real Kubernetes 1.20', { skip: typeof started === 'string' ? started : false, timeout: 300_000 }, () => {
  before(() => {
    if (started instanceof Error) throw started;
  });

  it('installs, shows plan status, updates with a trigger, upgrades and uninstalls', async () => {
    const ns = ['-n', 'real'];
    const installed = await ok(['install', './0.1.0', '--instance', 'hello', '--create-namespace', '--wait', ...ns]);
    assert.match(
      installed,
      /^namespace real created\noperator real\/settings created\noperatorversion real\/settings-1\.0\.0-0\.1\.0 created\ninstance real\/hello created\n/,
    );
    assert.match(installed, /^instance real\/hello ready$/m);
    assert.deepEqual(await configMap('hello-settings'), { greeting: 'Hello', version: '0.1.0', note: '' });
    const service = await env!.cluster.get({ apiVersion: 'v1', kind: 'Service', namespace: 'real', name: 'hello' });
    assert.match(String((service?.spec as { clusterIP?: string }).clusterIP), /^10\.0\.0\.\d+$/, 'the real service IP allocator assigned an address');
    assert.equal(service?.metadata.ownerReferences?.[0].kind, 'Instance');

    assert.equal(
      stable(await ok(['plan', 'status', '--instance', 'hello', ...ns])),
      `Plan(s) for "hello" in namespace "real":
.
└── hello (Operator-Version: "settings-1.0.0-0.1.0" Active-Plan: "deploy")
    ├── Plan deploy (serial strategy) [COMPLETE], last updated TIME
    │   ├── Phase configure (serial strategy) [COMPLETE]
    │   │   └── Step config [COMPLETE]
    │   └── Phase expose (parallel strategy) [COMPLETE]
    │       ├── Step service [COMPLETE]
    │       └── Step checkpoint [COMPLETE]
    └── Plan update-greeting (serial strategy) [NOT ACTIVE]
        └── Phase reconfigure (serial strategy) [NOT ACTIVE]
            └── Step config [NOT ACTIVE]

`,
    );
    assert.equal(await ok(['get', 'instances', ...ns]), 'List of current installed instances in namespace "real":\n.\n└── hello\n\n');

    assert.equal((await ok(['update', '--instance', 'hello', '-p', 'GREETING=Hola', '--wait', ...ns])).split('\n')[0], 'Instance hello was updated.');
    assert.equal((await configMap('hello-settings'))?.greeting, 'Hola');
    assert.match(stable(await ok(['plan', 'history', '--instance', 'hello', ...ns])), /^└── update-greeting \(last finished run at TIME \(COMPLETE\)\)$/m);

    const upgraded = await ok(['upgrade', './0.2.0', '--instance', 'hello', '--wait', ...ns]);
    assert.match(upgraded, /^operatorversion real\/settings-1\.1\.0-0\.2\.0 created\ninstance real\/hello updated\n/);
    assert.match(await ok(['plan', 'status', '--instance', 'hello', ...ns]), /Active-Plan: "upgrade"[\s\S]*Plan upgrade \(serial strategy\) \[COMPLETE\]/);
    assert.deepEqual(await configMap('hello-settings'), { greeting: 'Hola', version: '0.2.0', note: '' });
    const instance = await env!.cluster.get<Instance>({ apiVersion: 'kudo.dev/v1beta1', kind: 'Instance', namespace: 'real', name: 'hello' });
    assert.equal(instance?.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');

    assert.equal(await ok(['uninstall', '--instance', 'hello', '--wait', ...ns]), 'instance.kudo.dev/v1beta1/hello deleted\ninstance real/hello removed\n');
    // The real garbage collector (kube-controller-manager) removes what the instance owned.
    const deadline = Date.now() + 30_000;
    while ((await configMap('hello-settings')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    assert.equal(await configMap('hello-settings'), undefined, 'owned ConfigMap collected');
    assert.equal(await ok(['get', 'instances', ...ns]), 'List of current installed instances in namespace "real":\n.\n\n');
  });

  it('refuses, through the real API server calling the manager webhook, an instance with a parameter of the wrong type', async () => {
    // The CLI checks parameters itself, so the Instance goes straight to the API server here.
    const bad = {
      apiVersion: 'kudo.dev/v1beta1',
      kind: 'Instance',
      metadata: { name: 'typed', namespace: 'real', labels: { 'kudo.dev/operator': 'settings' } },
      spec: { operatorVersion: { name: 'settings-1.0.0-0.1.0' }, parameters: { PORT: 'http' } },
    };
    await assert.rejects(env!.cluster.create(bad), /admission webhook "[^"]+" denied the request: .*parameter "PORT" has an invalid value "http"/);
    const r = await kudo(['install', './0.1.0', '--instance', 'typed', '-p', 'PORT=http', '-n', 'real']);
    assert.equal(r.code, 255, r.stdout);
    assert.match(r.stderr, /parameter "PORT" has an invalid value "http"/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });
});
