/**
 * KUDO on a real Kubernetes control plane for the real lane of the end-to-end tests: etcd,
 * kube-apiserver and kube-controller-manager from the binaries src/harness/real-assets.ts finds,
 * `kubectl kudo init` registering the admission webhook at a local port, and the manager in this
 * process serving it. The real counterpart of src/cli/local-kudo.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webhookCertificates } from '../../src/cli/init/certs.js';
import { WEBHOOK_PATH } from '../../src/cli/init/manifests.js';
import { run } from '../../src/cli/main.js';
import type { Cluster } from '../../src/cluster/cluster.js';
import { fromKubeconfigText } from '../../src/cluster/http-cluster.js';
import { findRealK8s } from '../../src/harness/real-assets.js';
import { startRealControlPlane, type RealControlPlane } from '../../src/harness/real-control-plane.js';
import { jsonLogger } from '../../src/manager/log.js';
import { startManager, type RunningManager } from '../../src/manager/manager.js';

export interface RealKudo {
  controlPlane: RealControlPlane;
  cluster: Cluster;
  manager: RunningManager;
  dir: string;
  kubeconfigPath: string;
  home: string;
  /** The manager's log lines (JSON), for failure messages. */
  logs: string[];
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Kubernetes 1.20 built with Go 1.16 or newer rejects "" in custom resources' string fields
 * (kubernetes#99804, fixed in 1.21); KUDO writes such values (empty condition messages), so
 * nothing works there. Returns why, or undefined when the server is not affected.
 */
export async function emptyStringProblem(cluster: Cluster, dir: string): Promise<string | undefined> {
  const probe = { apiVersion: 'kudo.dev/v1beta1', kind: 'Operator', metadata: { name: 'empty-string-probe', namespace: 'default' }, spec: { url: '' } };
  try {
    await cluster.create(probe, { dryRun: true });
    return undefined;
  } catch (e) {
    return `the kube-apiserver in ${dir} rejects "" in custom resources (${(e as Error).message}): it was built with Go >= 1.16 without the fix of kubernetes#99804; rebuild it as docs/real-kubernetes.md says`;
  }
}

/** Starts KUDO on a real control plane, or returns why it cannot (for a skip message). */
export async function startRealKudo(): Promise<RealKudo | string> {
  const assets = findRealK8s();
  if (typeof assets === 'string') return assets;
  const dir = mkdtempSync(join(tmpdir(), 'kudo-real-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  const home = join(dir, 'kudo-home');
  const controlPlane = await startRealControlPlane(assets.dir);
  let cluster: Cluster | undefined;
  let manager: RunningManager | undefined;
  const cleanup = async () => {
    await manager?.stop();
    (cluster as { close?: () => void } | undefined)?.close?.();
    await controlPlane.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    writeFileSync(kubeconfigPath, controlPlane.kubeconfig, { mode: 0o600 });
    const certs = webhookCertificates('127.0.0.1', { ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'], days: 1 });
    writeFileSync(join(dir, 'webhook-ca.crt'), certs.caPem);
    const port = await freePort();
    let initOutput = '';
    const sink = { write: (text: string) => void (initOutput += text) };
    const code = await run(
      [
        'init',
        '--kubeconfig',
        kubeconfigPath,
        '--home',
        home,
        '--webhook-url',
        `https://127.0.0.1:${port}${WEBHOOK_PATH}`,
        '--webhook-ca-file',
        join(dir, 'webhook-ca.crt'),
      ],
      { stdout: sink, stderr: sink, env: { ...process.env, KUBECONFIG: kubeconfigPath }, cwd: dir },
    );
    if (code !== 0) throw new Error(`kubectl kudo init against real Kubernetes failed with exit code ${code}:\n${initOutput}`);
    cluster = await fromKubeconfigText(controlPlane.kubeconfig);
    const problem = await emptyStringProblem(cluster, assets.dir);
    if (problem) {
      await cleanup();
      return problem;
    }
    const logs: string[] = [];
    manager = await startManager({
      cluster,
      log: jsonLogger((l) => logs.push(l), 'info', { logger: 'kudo-manager' }),
      webhook: { cert: certs.certPem, key: certs.keyPem, port, host: '127.0.0.1' },
      metricsAddr: '0',
      healthAddr: '0',
    });
    return { controlPlane, cluster, manager, dir, kubeconfigPath, home, logs, stop: cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
