/**
 * `npm run demo`: KUDO end to end on this machine, no cluster needed. Starts the local
 * control plane (with simulated workloads), installs KUDO into it with `kubectl kudo init`,
 * runs the manager, then drives the project's example operator with the real CLI
 * (bin/kubectl-kudo, spawned as a user would): install greeter 0.1.0 and follow its deploy
 * plan, update GREETING (which triggers the update-greeting plan), upgrade to 0.2.0, and
 * print the final status. Everything is stopped and removed at the end.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalKudo, type LocalKudo } from '../src/cli/local-kudo.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const greeter = join(root, 'examples', 'operators', 'greeter');
const bin = join(root, 'bin', 'kubectl-kudo');

const bold = (s: string): string => (process.stdout.isTTY && !process.env.NO_COLOR ? `\x1b[1m${s}\x1b[0m` : s);

/** Runs `kubectl kudo <args>` as a user would, showing the command and its output. */
function kudo(env: LocalKudo, args: string[]): Promise<number> {
  process.stdout.write(`\n${bold(`$ kubectl kudo ${args.join(' ')}`)}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: greeter,
      stdio: 'inherit',
      env: { ...process.env, KUBECONFIG: env.kubeconfigPath, KUDO_HOME: env.home },
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<number> {
  process.stdout.write(bold('Starting a local Kubernetes control plane and installing KUDO into it...') + '\n');
  const env = await startLocalKudo({ initOutput: (text) => process.stdout.write(text) });
  process.stdout.write(`Control plane at ${env.controlPlane.url}; KUDO manager running (webhook on port ${env.manager.webhookPort}).\n`);
  try {
    const steps: string[][] = [
      ['install', './0.1.0', '--instance', 'greeter', '--wait'],
      ['plan', 'status', '--instance', 'greeter'],
      ['update', '--instance', 'greeter', '-p', 'GREETING=Hello from KUDO in TypeScript', '--wait'],
      ['diff', '--instance', 'greeter', './0.2.0'],
      ['upgrade', './0.2.0', '--instance', 'greeter', '--wait'],
      ['get', 'all'],
      ['plan', 'status', '--instance', 'greeter'],
    ];
    for (const args of steps) {
      const code = await kudo(env, args);
      if (code !== 0) {
        process.stderr.write(`\nThe demo failed: "kubectl kudo ${args.join(' ')}" exited with ${code}.\n`);
        return 1;
      }
    }
    process.stdout.write(`\n${bold('Done:')} greeter was installed, reconfigured by a parameter trigger and upgraded to 0.2.0.\n`);
    return 0;
  } finally {
    process.stdout.write('Stopping the manager and the control plane...\n');
    await env.stop();
  }
}

process.exitCode = await main();
