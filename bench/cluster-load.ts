/**
 * `npm run bench -- cluster-load [--kubeconfig PATH] [--runs N]`
 *
 * What the cluster layer costs a CLI command: the time a fresh process takes
 * to import src/cluster (against an empty-module baseline under the same
 * loader), and the latency of the first and of a warm request. Without
 * --kubeconfig the requests go to a small local HTTP server, so they measure
 * the client's own overhead (connect, discovery, JSON) rather than a cluster.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { discovery, kubeconfigFor, sendJson, startFakeServer } from '../src/cluster/testing/fake-server.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Runs in the child: timings of one cold start, printed as JSON. */
const CHILD = `
const t0 = performance.now();
await import(process.env.BENCH_BASELINE);
const t1 = performance.now();
const { fromKubeconfigText } = await import(process.env.BENCH_CLUSTER + '/http-cluster.ts');
await import(process.env.BENCH_CLUSTER + '/informer.ts');
await import(process.env.BENCH_CLUSTER + '/apply.ts');
const t2 = performance.now();
const cluster = await fromKubeconfigText(process.env.BENCH_KUBECONFIG);
const t3 = performance.now();
await cluster.get({ apiVersion: 'v1', kind: 'Namespace', name: 'default' });
const t4 = performance.now();
await cluster.get({ apiVersion: 'v1', kind: 'Namespace', name: 'default' });
const t5 = performance.now();
cluster.close();
console.log(JSON.stringify({ baseline: t1 - t0, importCluster: t2 - t1, connect: t3 - t2, firstRequest: t4 - t3, warmRequest: t5 - t4 }));
`;

type Timings = Record<'baseline' | 'importCluster' | 'connect' | 'firstRequest' | 'warmRequest' | 'process', number>;

function runChild(kubeconfig: string): Promise<Timings> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', CHILD],
      {
        cwd: root,
        env: {
          ...process.env,
          BENCH_BASELINE: join(root, 'src', 'k8s', 'object.ts'),
          BENCH_CLUSTER: join(root, 'src', 'cluster'),
          BENCH_KUBECONFIG: kubeconfig,
        },
      },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`benchmark child failed: ${String(stderr).trim() || err.message}`));
        resolve({ ...(JSON.parse(String(stdout).trim().split('\n').pop()!) as Timings), process: performance.now() - started });
      },
    );
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function main(args: string[]): Promise<number> {
  let kubeconfigPath: string | undefined;
  let runs = 5;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--kubeconfig') kubeconfigPath = args[++i];
    else if (args[i] === '--runs') runs = Number(args[++i]);
    else {
      console.error(`cluster-load: unknown argument "${args[i]}" (use --kubeconfig PATH, --runs N)`);
      return 2;
    }
  }
  if (!Number.isInteger(runs) || runs < 1) {
    console.error('cluster-load: --runs needs a positive whole number');
    return 2;
  }
  let kubeconfig: string;
  let server: Awaited<ReturnType<typeof startFakeServer>> | undefined;
  if (kubeconfigPath) {
    try {
      kubeconfig = readFileSync(kubeconfigPath, 'utf8');
    } catch (e) {
      console.error(`cluster-load: cannot read --kubeconfig ${kubeconfigPath}: ${(e as NodeJS.ErrnoException).code}`);
      return 2;
    }
  } else {
    server = await startFakeServer((req, res) => {
      const doc = discovery(req.url);
      if (doc) return sendJson(res, 200, doc);
      sendJson(res, 200, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
    });
    kubeconfig = kubeconfigFor(server.url);
  }
  try {
    // One unmeasured run warms tsx's transpile cache, as a second CLI invocation would find it.
    await runChild(kubeconfig);
    const all: Timings[] = [];
    for (let i = 0; i < runs; i++) all.push(await runChild(kubeconfig));
    const m = (k: keyof Timings) => median(all.map((t) => t[k])).toFixed(1);
    console.log(`cluster-load: ${runs} cold processes, medians, target ${kubeconfigPath ?? 'local HTTP server'}`);
    console.log(`  import src/cluster (http-cluster, kubeconfig, informer, apply): ${m('importCluster')} ms`);
    console.log(`  baseline import of a tiny module under the same loader:       ${m('baseline')} ms`);
    console.log(`  parse kubeconfig and build the client:                        ${m('connect')} ms`);
    console.log(`  first request (discovery + GET, new connection):              ${m('firstRequest')} ms`);
    console.log(`  warm request (kept-alive connection):                         ${m('warmRequest')} ms`);
    console.log(`  whole child process, spawn to exit:                           ${m('process')} ms`);
  } finally {
    await server?.close();
  }
  return 0;
}
