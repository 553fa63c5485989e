/**
 * The cluster a suite runs against: an existing one from a kubeconfig, the embedded local
 * control plane (`startControlPlane: true`), or real binaries from KUBEBUILDER_ASSETS.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Cluster } from '../cluster/cluster.js';
import { connect, fromKubeconfigText } from '../cluster/http-cluster.js';
import { startRealControlPlane } from './real-control-plane.js';
import { HarnessError, type TestSuite } from './types.js';

export interface HarnessEnvironment {
  cluster: Cluster;
  /** The kubeconfig file commands get as $KUBECONFIG. */
  kubeconfigPath: string;
  /** Ends what the environment started (control plane, connections). */
  stop(): Promise<void>;
}

export interface EnvironmentOptions {
  cwd: string;
  env: Record<string, string | undefined>;
  /** --kubeconfig */
  kubeconfig?: string;
  log: (line: string) => void;
}

/** The local control plane's options that `controlPlaneArgs` can set. */
export interface ControlPlaneSettings {
  simulateWorkloads: boolean;
}

/** Maps `controlPlaneArgs` (flags of `kubectl kudo cluster start`) to settings; anything else is an error. */
export function parseControlPlaneArgs(args: string[]): ControlPlaneSettings {
  const settings: ControlPlaneSettings = { simulateWorkloads: false };
  for (const arg of args) {
    const m = /^--simulate-workloads(?:=(true|false))?$/.exec(arg);
    if (m) {
      settings.simulateWorkloads = m[1] !== 'false';
      continue;
    }
    throw new HarnessError(`controlPlaneArgs: unknown argument "${arg}"; the local control plane accepts only --simulate-workloads`);
  }
  return settings;
}

/** Rejects the suite settings we cannot honour, with one clear message. */
export function checkSupported(suite: TestSuite): void {
  if (suite.startKIND) {
    throw new HarnessError(
      'startKIND is not supported: kubectl kudo test cannot start kind clusters (that needs Docker); use startControlPlane: true or run against an existing cluster',
    );
  }
  if (suite.attachControlPlaneOutput && !suite.startControlPlane) {
    throw new HarnessError('attachControlPlaneOutput needs startControlPlane: true');
  }
}

type StartControlPlane = (typeof import('../controlplane/index.js'))['startControlPlane'];

async function loadLocalControlPlane(): Promise<StartControlPlane> {
  // Loaded on demand so runs against an existing cluster never load the API server's code.
  try {
    return (await import('../controlplane/index.js')).startControlPlane;
  } catch (e) {
    throw new HarnessError(`the local control plane could not be loaded: ${(e as Error).message}`);
  }
}

/** Writes the kubeconfig to ./kubeconfig as KUTTL does, or to a temporary dir when the cwd is read-only. */
function writeKubeconfig(cwd: string, text: string, log: (l: string) => void): string {
  const path = join(cwd, 'kubeconfig');
  try {
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  } catch (e) {
    const fallback = join(mkdtempSync(join(tmpdir(), 'kudo-test-')), 'kubeconfig');
    writeFileSync(fallback, text, { mode: 0o600 });
    log(`cannot write ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); using ${fallback}`);
    return fallback;
  }
}

async function waitForApi(cluster: Cluster, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    try {
      await cluster.get({ apiVersion: 'v1', kind: 'Namespace', name: 'default' });
      return;
    } catch (e) {
      if (Date.now() > deadline) throw new HarnessError(`the cluster did not answer within ${seconds}s: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

const closeCluster = (cluster: Cluster) => (cluster as Cluster & { close?: () => void }).close?.();

export async function openEnvironment(suite: TestSuite, opts: EnvironmentOptions): Promise<HarnessEnvironment> {
  checkSupported(suite);
  if (!suite.startControlPlane) {
    const kubeconfig = opts.kubeconfig ? resolve(opts.cwd, opts.kubeconfig) : undefined;
    let cluster: Cluster;
    try {
      cluster = await connect({ kubeconfig });
    } catch (e) {
      throw new HarnessError(`cannot connect to the cluster: ${(e as Error).message}`);
    }
    const kubeconfigPath = kubeconfig ?? opts.env.KUBECONFIG ?? join(opts.env.HOME ?? '', '.kube', 'config');
    await waitForApi(cluster, 10);
    return { cluster, kubeconfigPath, stop: async () => closeCluster(cluster) };
  }
  const settings = parseControlPlaneArgs(suite.controlPlaneArgs);
  const assets = opts.env.KUBEBUILDER_ASSETS;
  if (assets) {
    if (settings.simulateWorkloads)
      opts.log('KUBEBUILDER_ASSETS is set: --simulate-workloads does not apply to the real control plane (its controllers run, pods stay Pending)');
    opts.log(`starting kube-apiserver and etcd from ${assets}`);
    const started = Date.now();
    const cp = await startRealControlPlane(resolve(opts.cwd, assets), { output: suite.attachControlPlaneOutput ? opts.log : undefined });
    try {
      const cluster = await fromKubeconfigText(cp.kubeconfig);
      await waitForApi(cluster, 30);
      const kubeconfigPath = writeKubeconfig(opts.cwd, cp.kubeconfig, opts.log);
      opts.log(`control plane at ${cp.url} ready in ${((Date.now() - started) / 1000).toFixed(2)}s; KUBECONFIG=${kubeconfigPath}`);
      return {
        cluster,
        kubeconfigPath,
        stop: async () => {
          closeCluster(cluster);
          await cp.stop();
        },
      };
    } catch (e) {
      await cp.stop();
      throw e;
    }
  }
  const start = await loadLocalControlPlane();
  opts.log(`starting the local control plane${settings.simulateWorkloads ? ' with simulated workloads' : ''}`);
  const started = Date.now();
  const cp = await start({
    port: 0,
    simulateWorkloads: settings.simulateWorkloads,
    log: suite.attachControlPlaneOutput ? (l) => opts.log(`control plane | ${l}`) : undefined,
  });
  try {
    const cluster = await fromKubeconfigText(cp.kubeconfig);
    await waitForApi(cluster, 30);
    const kubeconfigPath = writeKubeconfig(opts.cwd, cp.kubeconfig, opts.log);
    opts.log(`local control plane at ${cp.url} ready in ${((Date.now() - started) / 1000).toFixed(2)}s; KUBECONFIG=${kubeconfigPath}`);
    return {
      cluster,
      kubeconfigPath,
      stop: async () => {
        closeCluster(cluster);
        await cp.stop();
      },
    };
  } catch (e) {
    await cp.stop();
    throw e;
  }
}
