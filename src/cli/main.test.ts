import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { candidates } from './commands/completion.js';
import { CliContext } from './context.js';
import { run } from './main.js';

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string; tty?: boolean }> {
  let out = '';
  let err = '';
  const code = await run(args, {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    env: { HOME: '/nonexistent', ...env },
    cwd: tmpdir(),
  });
  return { code, out, err };
}

describe('init --dry-run', () => {
  it('prints KUDO objects in KUDO order without touching a cluster', async () => {
    const r = await cli(['init', '--dry-run', '-o', 'json', '--unsafe-self-signed-webhook-ca']);
    assert.equal(r.code, 0, r.err);
    const objects = JSON.parse(r.out) as {
      kind: string;
      metadata: { name: string; namespace?: string };
      data?: Record<string, string>;
      webhooks?: { clientConfig: { caBundle?: string } }[];
    }[];
    assert.deepEqual(
      objects.map((o) => o.kind),
      [
        'CustomResourceDefinition',
        'CustomResourceDefinition',
        'CustomResourceDefinition',
        'Namespace',
        'ServiceAccount',
        'ClusterRole',
        'ClusterRole',
        'ClusterRoleBinding',
        'MutatingWebhookConfiguration',
        'Secret',
        'Service',
        'Deployment',
      ],
    );
    const secret = objects.find((o) => o.kind === 'Secret')!;
    assert.match(Buffer.from(secret.data!['tls.crt'], 'base64').toString(), /BEGIN CERTIFICATE/);
    assert.ok(objects.find((o) => o.kind === 'MutatingWebhookConfiguration')!.webhooks![0].clientConfig.caBundle);
  });
  it('leaves out the namespace in a custom namespace and the RBAC with a custom service account', async () => {
    const r = await cli(['init', '--dry-run', '-o', 'yaml', '-n', 'other', '--service-account', 'mine']);
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.out, /kind: (Namespace|ServiceAccount|ClusterRoleBinding)\n/);
    assert.match(r.out, /kind: Issuer\n/);
    assert.match(r.out, /\n\.\.\.\n$/);
  });
  it('rejects flag combinations KUDO rejects', async () => {
    for (const [args, message] of [
      [['--crd-only', '--wait'], /wait is not allowed with crd-only/],
      [['--wait-timeout', '5'], /wait-timeout is only useful when using the flag '--wait'/],
      [['-o', 'xml'], /invalid output format, only support 'yaml' or 'json' or empty/],
      [['--kudo-image-pull-policy', 'Sometimes'], /unknown image pull policy Sometimes/],
      [['--client-only', '--crd-only'], /you cannot use image, version, output, crd-only and wait flags with client-only option/],
      [['extra'], /this command does not accept arguments/],
    ] as const) {
      const r = await cli(['init', ...args]);
      assert.equal(r.code, 255);
      assert.match(r.err, message);
    }
  });
  it('configures $KUDO_HOME with --client-only', async () => {
    const home = mkdtempSync(join(tmpdir(), 'kudo-home-'));
    try {
      const r = await cli(['init', '--client-only', '--home', join(home, 'h')]);
      assert.equal(r.out, `$KUDO_HOME has been configured at ${join(home, 'h')}\n`);
      const list = await cli(['repo', 'list', '--home', join(home, 'h')]);
      assert.match(list.out, /^\*community\t/m);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('top level', () => {
  it('prints help, and a usage error for an unknown command', async () => {
    const help = await cli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /Available Commands:/);
    const bad = await cli(['instal']);
    assert.equal(bad.code, 255);
    assert.match(bad.err, /^Error: unknown command "instal" for "kubectl-kudo"/);
  });
  it('turns a missing kubeconfig into one sentence', async () => {
    const r = await cli(['get', 'instances']);
    assert.equal(r.code, 255);
    assert.match(r.err, /^Error: no kubeconfig found: set KUBECONFIG, pass --kubeconfig/);
  });
});

describe('completion', () => {
  const ctx = new CliContext(
    { stdout: { write: () => {} }, stderr: { write: () => {} }, env: {}, cwd: tmpdir() },
    { home: tmpdir(), verbosity: 0, validateInstall: true },
  );
  it('completes commands, subcommands, flags and fixed values without a cluster', async () => {
    assert.deepEqual(await candidates(ctx, ['pl']), ['plan']);
    assert.deepEqual(await candidates(ctx, ['plan', '']), ['status', 'history', 'trigger', 'abort', 'retry']);
    assert.deepEqual(await candidates(ctx, ['plan', 'trigger', '--']).then((c) => c.filter((f) => f.startsWith('--n'))), ['--namespace', '--name']);
    assert.deepEqual(await candidates(ctx, ['get', 'op']), ['operators', 'operatorversions']);
    assert.deepEqual(await candidates(ctx, ['get', 'all', '-o', '']), ['yaml', 'json']);
  });
  it('prints a script for each shell', async () => {
    for (const shell of ['bash', 'zsh', 'fish']) assert.match((await cli(['completion', shell])).out, /kubectl-kudo __complete/);
    assert.equal((await cli(['completion', 'tcsh'])).code, 255);
  });
});
