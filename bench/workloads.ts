/**
 * `npm run bench -- workloads [--deployments N] [--replicas N] [--step-ms N]`
 *
 * How fast the simulated workloads bring Deployments to Available in the embedded control
 * plane (in-process writes, no HTTP): time to all Available, pods per second, store writes
 * and events per pod.
 */
import { startControlPlane } from '../src/controlplane/index.js';

interface Options {
  deployments: number;
  replicas: number;
  stepMs: number;
}

const USAGE = 'usage: npm run bench -- workloads [--deployments N] [--replicas N] [--step-ms N]';

function parse(args: string[]): Options {
  const o: Options = { deployments: 100, replicas: 3, stepMs: 10 };
  const keys: Record<string, keyof Options> = { '--deployments': 'deployments', '--replicas': 'replicas', '--step-ms': 'stepMs' };
  for (let i = 0; i < args.length; i++) {
    const key = keys[args[i]];
    const value = Number(args[i + 1]);
    if (!key || !Number.isInteger(value) || value < (key === 'stepMs' ? 0 : 1)) throw new Error(`bad argument ${args[i]} ${args[i + 1] ?? ''}\n${USAGE}`);
    o[key] = value;
    i++;
  }
  return o;
}

export async function main(args: string[]): Promise<number> {
  let o: Options;
  try {
    o = parse(args);
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  const cp = await startControlPlane({ insecureHttp: true, simulateWorkloads: true, simulation: { stepMs: o.stepMs } });
  try {
    const core = cp.core;
    const deployments = core.registry.lookup('apps', 'v1', 'deployments')!;
    const rvBefore = core.store.resourceVersion;
    const started = performance.now();
    for (let i = 0; i < o.deployments; i++) {
      const labels = { app: `bench-${i}` };
      core.create(deployments, 'default', {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: `bench-${i}` },
        spec: {
          replicas: o.replicas,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } },
        },
      });
    }
    const created = performance.now();
    const available = () =>
      core
        .list(deployments, 'default')
        .items.filter((d) =>
          ((d.status as { conditions?: { type: string; status: string; reason?: string }[] })?.conditions ?? []).some(
            (c) => c.type === 'Progressing' && c.reason === 'NewReplicaSetAvailable',
          ),
        ).length;
    while (available() < o.deployments) {
      if (performance.now() - started > 120_000) {
        console.log(`gave up after 120 s: ${available()} of ${o.deployments} Deployments available`);
        return 1;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const done = performance.now();
    const pods = o.deployments * o.replicas;
    const writes = core.store.resourceVersion - rvBefore;
    const events = core.store.count('/events');
    console.log(`simulated workloads: ${o.deployments} Deployments x ${o.replicas} replicas, step ${o.stepMs} ms`);
    console.log(`  create calls:            ${(created - started).toFixed(0)} ms`);
    console.log(`  all Available after:     ${(done - started).toFixed(0)} ms`);
    console.log(`  pods brought up:         ${((pods / (done - started)) * 1000).toFixed(0)} pods/s`);
    console.log(`  store writes:            ${writes} (${(writes / pods).toFixed(1)} per pod)`);
    console.log(`  events recorded:         ${events} (${(events / pods).toFixed(1)} per pod)`);
    return 0;
  } finally {
    await cp.stop();
  }
}
