/**
 * `npm run bench -- manager [--counts 1,100,1000] [--workers N] [--cpu-prof-dir DIR]`
 *
 * The manager driving many Instances of a three-step package (ConfigMap, then a
 * Deployment, then a Service) on the embedded control plane with instant simulated
 * readiness. The control plane runs in this process; the manager runs as its own
 * process (`src/manager/main.ts`, as `kubectl kudo manager` would), so its memory is
 * its own. Prints, per count: time from the first create to every deploy plan
 * COMPLETE (after one warm-up instance), the manager's API requests per step, and its
 * peak resident memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kudoCRDs } from '../src/api/crds.js';
import type { Instance } from '../src/api/types.js';
import { fromKubeconfigText } from '../src/cluster/http-cluster.js';
import { Informer } from '../src/cluster/informer.js';
import { startControlPlane } from '../src/controlplane/index.js';
import { createCertificate, generateKeyPair } from '../src/crypto/x509.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const TEMPLATES = {
  'config.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Name }}-config
data:
  greeting: "{{ .Params.GREETING }}"
`,
  'deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Name }}-web
spec:
  replicas: 1
  selector:
    matchLabels: {app: {{ .Name }}}
  template:
    metadata:
      labels: {app: {{ .Name }}}
    spec:
      containers:
      - name: web
        image: nginx:1.25
`,
  'service.yaml': `apiVersion: v1
kind: Service
metadata:
  name: {{ .Name }}-svc
spec:
  selector: {app: {{ .Name }}}
  ports:
  - port: 80
`,
};

function metricsText(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString()));
    })
      .on('error', reject)
      .end();
  });
}

const sumOf = (text: string, name: string, filter: (labels: string) => boolean = () => true): number =>
  text
    .split('\n')
    .filter((l) => l.startsWith(name))
    .map((l) => /^[^{ ]+(\{[^}]*\})? (\S+)$/.exec(l))
    .filter((m): m is RegExpExecArray => !!m && filter(m[1] ?? ''))
    .reduce((a, m) => a + Number(m[2]), 0);

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function runOnce(count: number, workers: number, profileDir?: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kudo-bench-'));
  const cp = await startControlPlane({ port: 0, simulateWorkloads: true, simulation: { stepMs: 0 }, watchHistory: 200_000 });
  let child: ChildProcess | undefined;
  try {
    const cluster = await fromKubeconfigText(cp.kubeconfig);
    for (const crd of kudoCRDs()) await cluster.create(crd);
    for (let i = 0; i < 100; i++) {
      cluster.invalidateDiscovery();
      if (
        await cluster.resourceFor('kudo.dev/v1beta1', 'Instance').then(
          () => true,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 20));
    }
    // Webhook certificate and registration, as `kubectl kudo init` does.
    const caKey = generateKeyPair('ecdsa');
    const caPem = createCertificate({
      subject: { commonName: 'bench-ca' },
      isCA: true,
      publicKey: caKey.publicKey,
      selfSignKey: caKey.privateKey,
      notAfter: 1,
    });
    const key = generateKeyPair('ecdsa');
    writeFileSync(
      join(dir, 'tls.crt'),
      createCertificate({
        subject: { commonName: '127.0.0.1' },
        ipAddresses: ['127.0.0.1'],
        extKeyUsage: ['serverAuth'],
        publicKey: key.publicKey,
        issuer: { certPem: caPem, privateKey: caKey.privateKey },
        notAfter: 1,
      }),
    );
    writeFileSync(join(dir, 'tls.key'), key.privateKeyPem);
    writeFileSync(join(dir, 'kubeconfig'), cp.kubeconfig);
    const [webhookPort, metricsPort] = [await freePort(), await freePort()];
    await cluster.create({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: 'kudo-manager-instance-admission-webhook-config' },
      webhooks: [
        {
          name: 'instance-admission.kudo.dev',
          admissionReviewVersions: ['v1'],
          clientConfig: { url: `https://127.0.0.1:${webhookPort}/admit-kudo-dev-v1beta1-instance`, caBundle: Buffer.from(caPem).toString('base64') },
          failurePolicy: 'Fail',
          sideEffects: 'None',
          rules: [{ apiGroups: ['kudo.dev'], apiVersions: ['v1beta1'], operations: ['CREATE', 'UPDATE'], resources: ['instances'], scope: 'Namespaced' }],
        },
      ],
    });
    await cluster.create({ apiVersion: 'kudo.dev/v1beta1', kind: 'Operator', metadata: { name: 'bench', namespace: 'default' }, spec: {} });
    await cluster.create({
      apiVersion: 'kudo.dev/v1beta1',
      kind: 'OperatorVersion',
      metadata: { name: 'bench-0.1.0', namespace: 'default' },
      spec: {
        operator: { name: 'bench', kind: 'Operator' },
        version: '0.1.0',
        templates: TEMPLATES,
        parameters: [{ name: 'GREETING', default: 'hello' }],
        tasks: [
          { name: 'config', kind: 'Apply', spec: { resources: ['config.yaml'] } },
          { name: 'web', kind: 'Apply', spec: { resources: ['deployment.yaml'] } },
          { name: 'svc', kind: 'Apply', spec: { resources: ['service.yaml'] } },
        ],
        plans: {
          deploy: { strategy: 'serial', phases: [{ name: 'main', strategy: 'serial', steps: ['config', 'web', 'svc'].map((s) => ({ name: s, tasks: [s] })) }] },
        },
      },
    });

    child = spawn(
      process.execPath,
      [
        ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []),
        '--import',
        'tsx',
        join(root, 'src/manager/main.ts'),
        '--kubeconfig',
        join(dir, 'kubeconfig'),
        '--webhook-port',
        String(webhookPort),
        '--webhook-cert-dir',
        dir,
        '--metrics-addr',
        `127.0.0.1:${metricsPort}`,
        '--health-addr',
        '0',
        '--workers',
        String(workers),
        '--log-level',
        process.env.BENCH_LOG_LEVEL ?? 'warn',
      ],
      { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    // Ready once /metrics answers and the informers have listed.
    let before = '';
    for (let i = 0; i < 300 && !before.includes('kudo_manager_workqueue_depth'); i++) {
      before = await metricsText(metricsPort).catch(() => '');
      if (!before) await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 300));
    before = await metricsText(metricsPort);
    // One instance first, so the figures show steady state rather than module loading and first connections.
    await cluster.create({
      apiVersion: 'kudo.dev/v1beta1',
      kind: 'Instance',
      metadata: { name: 'warm-up', namespace: 'default' },
      spec: { operatorVersion: { name: 'bench-0.1.0' } },
    });
    for (let i = 0; i < 600; i++) {
      const w = await cluster.get<Instance>({ apiVersion: 'kudo.dev/v1beta1', kind: 'Instance', namespace: 'default', name: 'warm-up' });
      if (w?.status?.planStatus?.deploy?.status === 'COMPLETE' && !w.spec?.planExecution?.planName) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 200));
    before = await metricsText(metricsPort);
    const isCall = (labels: string) => !/verb="(watch|list)"/.test(labels);
    const callsBefore = sumOf(before, 'kudo_manager_api_requests_total', isCall);
    const cpuBefore = sumOf(before, 'process_cpu_seconds_total');
    const ownCpuBefore = process.cpuUsage();

    const done = new Set<string>();
    let resolveAll: () => void = () => {};
    const allDone = new Promise<void>((r) => (resolveAll = r));
    const track = (i: Instance) => {
      if (i.metadata.name !== 'warm-up' && i.status?.planStatus?.deploy?.status === 'COMPLETE') done.add(i.metadata.name!);
      if (done.size === count) resolveAll();
    };
    const watcher = new Informer<Instance>(cluster, { apiVersion: 'kudo.dev/v1beta1', kind: 'Instance', namespace: 'default' });
    watcher.addHandlers({ add: track, update: (_o, n) => track(n) });
    await watcher.start();

    const started = performance.now();
    const creates: Promise<unknown>[] = [];
    for (let i = 0; i < count; i++) {
      creates.push(
        cluster.create({
          apiVersion: 'kudo.dev/v1beta1',
          kind: 'Instance',
          metadata: { name: `bench-${i}`, namespace: 'default' },
          spec: { operatorVersion: { name: 'bench-0.1.0' } },
        }),
      );
      if (creates.length >= 32) await Promise.all(creates.splice(0));
    }
    await Promise.all(creates);
    const created = performance.now() - started;
    const timeout = setTimeout(() => resolveAll(), 300_000);
    await allDone;
    clearTimeout(timeout);
    const elapsed = performance.now() - started;
    await watcher.stop();
    const after = await metricsText(metricsPort);
    const calls = sumOf(after, 'kudo_manager_api_requests_total', isCall) - callsBefore;
    const reconciles = sumOf(after, 'kudo_manager_reconciles_total') - sumOf(before, 'kudo_manager_reconciles_total');
    const peak = sumOf(after, 'process_max_resident_memory_bytes');
    const managerCpu = sumOf(after, 'process_cpu_seconds_total') - cpuBefore;
    const own = process.cpuUsage(ownCpuBefore);
    const controlPlaneCpu = (own.user + own.system) / 1e6;
    const complete = done.size === count ? 'all COMPLETE' : `only ${done.size} of ${count} COMPLETE after 300 s`;
    console.log(
      `${String(count).padStart(5)} instances: ${complete} in ${(elapsed / 1000).toFixed(2)} s (creates took ${(created / 1000).toFixed(2)} s), ` +
        `${(calls / (count * 3)).toFixed(1)} manager API requests per step (${calls} total, watches excluded), ${(reconciles / count).toFixed(1)} reconciles per instance, manager peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB; CPU: manager ${managerCpu.toFixed(1)} s, control plane ${controlPlaneCpu.toFixed(1)} s`,
    );
    cluster.close?.();
  } finally {
    child?.kill('SIGTERM');
    if (child && child.exitCode === null) await new Promise((r) => child!.once('exit', r));
    await cp.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function main(args: string[]): Promise<number> {
  let counts = [1, 100, 1000];
  let workers = 8;
  let profileDir: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--counts') counts = (args[++i] ?? '').split(',').map(Number);
    else if (args[i] === '--workers') workers = Number(args[++i]);
    else if (args[i] === '--cpu-prof-dir') profileDir = args[++i];
    else {
      console.error(`unknown argument ${args[i]}; usage: npm run bench -- manager [--counts 1,100,1000] [--workers N] [--cpu-prof-dir DIR]`);
      return 2;
    }
  }
  if (counts.some((c) => !Number.isInteger(c) || c < 1)) {
    console.error('--counts: a comma-separated list of positive whole numbers');
    return 2;
  }
  console.log(`manager benchmark: three-step package (ConfigMap, Deployment, Service), instant simulated readiness, ${workers} workers`);
  for (const c of counts) await runOnce(c, workers, profileDir);
  return 0;
}
