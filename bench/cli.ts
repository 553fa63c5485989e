/**
 * `npm run bench -- cli [--runs N]`: whole-process time of `kubectl kudo version` and
 * `kubectl kudo plan status` (against the local control plane with KUDO and an installed
 * instance), beside `kubectl version --client` measured in the same run. Each command is
 * spawned the way a user runs it; the figures are medians and minima over the runs.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalKudo } from '../src/cli/local-kudo.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'kubectl-kudo');

function runs(args: string[]): number {
  const i = args.indexOf('--runs');
  const n = i >= 0 ? Number(args[i + 1]) : 15;
  if (!Number.isInteger(n) || n < 1) throw new Error('--runs needs a positive integer');
  return n;
}

interface Figure {
  label: string;
  median: number;
  min: number;
}

/** Runs a command to its end (asynchronously: the control plane serves from this same process). */
function exec(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string; error?: string }> {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (e: NodeJS.ErrnoException) => resolve({ code: null, output, error: e.code ?? e.message }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** Times a command N times (after one warm-up run, which also builds the CLI bundle if needed). */
async function measure(label: string, command: string, args: string[], env: NodeJS.ProcessEnv, n: number): Promise<Figure | string> {
  const once = async (): Promise<number | string> => {
    const started = performance.now();
    const r = await exec(command, args, env);
    const ms = performance.now() - started;
    if (r.error) return `${label}: cannot run ${command}: ${r.error}`;
    if (r.code !== 0) return `${label}: exited with ${r.code}: ${r.output.trim().split('\n')[0]}`;
    return ms;
  };
  const warm = await once();
  if (typeof warm === 'string') return warm;
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = await once();
    if (typeof t === 'string') return t;
    times.push(t);
  }
  times.sort((a, b) => a - b);
  return { label, median: times[Math.floor(times.length / 2)], min: times[0] };
}

export async function main(args: string[]): Promise<number> {
  const n = runs(args);
  const local = await startLocalKudo();
  try {
    const env = {
      ...process.env,
      KUBECONFIG: local.kubeconfigPath,
      KUDO_HOME: local.home,
      PATH: `${join(root, 'bin')}:${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    };
    const install = await exec(
      process.execPath,
      [bin, 'install', join(root, 'examples', 'operators', 'greeter', '0.1.0'), '--instance', 'bench', '--wait'],
      env,
    );
    if (install.code !== 0) {
      console.error(`could not install the example operator: ${install.output}`);
      return 1;
    }
    const results = [
      await measure('kubectl version --client', 'kubectl', ['version', '--client'], env, n),
      await measure('kubectl kudo version', 'kubectl', ['kudo', 'version'], env, n),
      await measure('kubectl-kudo version', bin, ['version'], env, n),
      await measure('kubectl kudo plan status', 'kubectl', ['kudo', 'plan', 'status', '--instance', 'bench'], env, n),
      await measure('kubectl-kudo plan status', bin, ['plan', 'status', '--instance', 'bench'], env, n),
    ];
    console.log(`whole-process time over ${n} runs (after one warm-up), local control plane at ${local.controlPlane.url}`);
    for (const r of results) {
      if (typeof r === 'string') console.log(`  ${r}`);
      else console.log(`  ${r.label.padEnd(28)} median ${r.median.toFixed(1).padStart(7)} ms   min ${r.min.toFixed(1).padStart(7)} ms`);
    }
    const kubectl = results[0];
    if (typeof kubectl !== 'string')
      for (const r of results.slice(1))
        if (typeof r !== 'string') console.log(`  ${r.label.padEnd(28)} ${(r.median / kubectl.median).toFixed(2)}x kubectl version --client`);
    return 0;
  } finally {
    await local.stop();
  }
}
