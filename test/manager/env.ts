/**
 * An end-to-end environment for manager tests: the embedded control plane, KUDO's
 * CRDs, the manager in-process with its webhook on a free port (a fresh CA), and the
 * MutatingWebhookConfiguration pointing at it, as `kubectl kudo init` would set it up.
 * KUDO_TEST_TARGET=real runs on a real Kubernetes 1.20 control plane instead (binaries
 * found by src/harness/real-assets.ts); tests that need simulated workloads cannot run there.
 */
import { kudoCRDs } from '../../src/api/crds.js';
import type { Instance, OperatorVersion } from '../../src/api/types.js';
import type { Cluster } from '../../src/cluster/cluster.js';
import { fromKubeconfigText } from '../../src/cluster/http-cluster.js';
import { startControlPlane } from '../../src/controlplane/index.js';
import { createCertificate, createSelfSignedCa, generateKeyPair } from '../../src/crypto/x509.js';
import { findRealK8s } from '../../src/harness/real-assets.js';
import { startRealControlPlane } from '../../src/harness/real-control-plane.js';
import type { KubeObject } from '../../src/k8s/object.js';
import { jsonLogger } from '../../src/manager/log.js';
import { startManager, type ManagerOptions, type RunningManager } from '../../src/manager/manager.js';
import { WEBHOOK_PATH } from '../../src/manager/webhook.js';

export interface TestEnv {
  cp: { kubeconfig: string; stop(): Promise<void> };
  cluster: Cluster;
  manager: RunningManager;
  logs: string[];
  /** Starts another manager (after a crash), reusing the webhook port so the registration stays valid. */
  restartManager(): Promise<RunningManager>;
  stop(): Promise<void>;
}

export function webhookCertificate(): { caPem: string; cert: string; key: string } {
  const { certPem: caPem, key: caKey } = createSelfSignedCa('kudo-test-ca', 2);
  const key = generateKeyPair('ecdsa');
  const cert = createCertificate({
    subject: { commonName: '127.0.0.1' },
    ipAddresses: ['127.0.0.1'],
    dnsNames: ['localhost'],
    extKeyUsage: ['serverAuth'],
    publicKey: key.publicKey,
    issuer: { certPem: caPem, privateKey: caKey.privateKey },
    notAfter: 2,
  });
  return { caPem, cert, key: key.privateKeyPem };
}

export async function startEnv(opts: { simulateWorkloads?: boolean; manager?: Partial<ManagerOptions> } = {}): Promise<TestEnv> {
  const cp = await startTarget(opts.simulateWorkloads ?? false);
  const cluster = await fromKubeconfigText(cp.kubeconfig);
  for (const crd of kudoCRDs()) await cluster.create(crd);
  await waitUntil(async () => {
    cluster.invalidateDiscovery();
    return cluster.resourceFor('kudo.dev/v1beta1', 'Instance').then(
      () => true,
      () => false,
    );
  }, 10_000);
  const logs: string[] = [];
  const tls = webhookCertificate();
  const log = jsonLogger((l) => logs.push(l), 'debug');
  const base: ManagerOptions = {
    cluster,
    log,
    webhook: { cert: tls.cert, key: tls.key, port: 0, host: '127.0.0.1' },
    metricsAddr: '127.0.0.1:0',
    healthAddr: '127.0.0.1:0',
    controller: { maxWaitMs: 500, backoff: { baseMs: 100, maxMs: 2000 } },
    ...opts.manager,
  };
  let manager = await startManager(base);
  const port = manager.webhookPort!;
  await cluster.create({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: 'kudo-manager-instance-admission-webhook-config' },
    webhooks: [
      {
        name: 'instance-admission.kudo.dev',
        admissionReviewVersions: ['v1'],
        clientConfig: { url: `https://127.0.0.1:${port}${WEBHOOK_PATH}`, caBundle: Buffer.from(tls.caPem).toString('base64') },
        failurePolicy: 'Fail',
        matchPolicy: 'Equivalent',
        sideEffects: 'None',
        rules: [{ apiGroups: ['kudo.dev'], apiVersions: ['v1beta1'], operations: ['CREATE', 'UPDATE'], resources: ['instances'], scope: 'Namespaced' }],
      },
    ],
  });
  const env: TestEnv = {
    cp,
    cluster,
    manager,
    logs,
    async restartManager() {
      manager = await startManager({ ...base, webhook: { ...base.webhook!, port } });
      env.manager = manager;
      return manager;
    },
    async stop() {
      await env.manager.stop();
      await cp.stop();
    },
  };
  return env;
}

async function startTarget(simulateWorkloads: boolean): Promise<TestEnv['cp']> {
  if (process.env.KUDO_TEST_TARGET !== 'real') return startControlPlane({ port: 0, simulateWorkloads });
  if (simulateWorkloads) throw new Error('KUDO_TEST_TARGET=real: these tests need simulated workloads; Pods never run on the real control plane (no kubelet)');
  const assets = findRealK8s();
  if (typeof assets === 'string') throw new Error(`KUDO_TEST_TARGET=real: ${assets}`);
  return startRealControlPlane(assets.dir);
}

export async function waitUntil<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const getInstance = (cluster: Cluster, name: string, namespace = 'default') =>
  cluster.get<Instance>({ apiVersion: 'kudo.dev/v1beta1', kind: 'Instance', namespace, name });

/** Waits until the plan reaches one of the statuses; returns the instance. */
export async function waitForPlan(
  cluster: Cluster,
  name: string,
  plan: string,
  statuses: string[],
  timeoutMs = 15_000,
  namespace = 'default',
): Promise<Instance> {
  let last: Instance | undefined;
  try {
    return await waitUntil(
      async () => {
        last = await getInstance(cluster, name, namespace);
        return last && statuses.includes(last.status?.planStatus?.[plan]?.status ?? '') ? last : undefined;
      },
      timeoutMs,
      `plan ${plan} of ${namespace}/${name} to be ${statuses.join('|')}`,
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}; last seen: ${JSON.stringify({ spec: last?.spec, status: last?.status })}`);
  }
}

/** Waits until the instance is idle (no plan scheduled) after the given plan ended. */
export async function waitIdle(cluster: Cluster, name: string, timeoutMs = 15_000, namespace = 'default'): Promise<Instance> {
  return waitUntil(
    async () => {
      const i = await getInstance(cluster, name, namespace);
      return i && !i.spec?.planExecution?.planName ? i : undefined;
    },
    timeoutMs,
    `${namespace}/${name} to be idle`,
  );
}

export interface OvInput {
  name: string;
  operator?: string;
  version?: string;
  templates?: Record<string, string>;
  tasks?: unknown[];
  parameters?: unknown[];
  plans: Record<string, unknown>;
  namespace?: string;
}

export function operatorVersion(o: OvInput): OperatorVersion {
  return {
    apiVersion: 'kudo.dev/v1beta1',
    kind: 'OperatorVersion',
    metadata: { name: o.name, namespace: o.namespace ?? 'default' },
    spec: {
      operator: { name: o.operator ?? o.name, kind: 'Operator' },
      version: o.version ?? '1.0',
      templates: o.templates ?? {},
      tasks: (o.tasks ?? []) as never,
      parameters: (o.parameters ?? []) as never,
      plans: o.plans as never,
    },
  };
}

export function operator(name: string, namespace = 'default'): KubeObject {
  return { apiVersion: 'kudo.dev/v1beta1', kind: 'Operator', metadata: { name, namespace }, spec: {} };
}

export function instance(name: string, ov: string, parameters?: Record<string, string>, namespace = 'default'): Instance {
  return {
    apiVersion: 'kudo.dev/v1beta1',
    kind: 'Instance',
    metadata: { name, namespace, labels: { 'kudo.dev/operator': ov } },
    spec: { operatorVersion: { name: ov }, ...(parameters ? { parameters } : {}) },
  };
}

/** A simple serial plan: one phase, steps each with the given tasks. */
export function serialPlan(steps: Record<string, string[]>, strategy = 'serial'): unknown {
  return { strategy: 'serial', phases: [{ name: 'main', strategy, steps: Object.entries(steps).map(([name, tasks]) => ({ name, tasks })) }] };
}
