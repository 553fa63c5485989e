/**
 * The cluster integration tests run against: a real Kubernetes 1.20 control
 * plane (binaries found by src/harness/real-assets.ts: $KUBEBUILDER_ASSETS,
 * $KUDO_REAL_K8S_DIR or ~/.cache/real-k8s-fixed) or the embedded local control plane
 * (src/controlplane). KUDO_TEST_TARGET=real|local chooses; by default the real
 * one is used when it is built, else the local one.
 */
import { findRealK8s } from '../../harness/real-assets.js';
import { startRealControlPlane } from '../../harness/real-control-plane.js';

export interface TestTarget {
  name: string;
  kubeconfig: string;
  stop(): Promise<void>;
}

async function startReal(): Promise<TestTarget | string> {
  const assets = findRealK8s();
  if (typeof assets === 'string') return assets;
  const cp = await startRealControlPlane(assets.dir);
  return { name: 'real Kubernetes 1.20', kubeconfig: cp.kubeconfig, stop: cp.stop };
}

async function startLocal(): Promise<TestTarget | string> {
  // Resolved at run time: the local control plane is another module that may not exist yet.
  const spec = '../../controlplane/index.js';
  let mod: { startControlPlane?: (o: { port: number }) => Promise<{ kubeconfig: string; stop(): Promise<void> | void }> };
  try {
    mod = await import(spec);
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes('controlplane/index');
    if (missing) return 'the local control plane (src/controlplane) is not available';
    throw e;
  }
  if (!mod.startControlPlane) return 'src/controlplane exports no startControlPlane';
  const cp = await mod.startControlPlane({ port: 0 });
  return { name: 'local control plane', kubeconfig: cp.kubeconfig, stop: async () => void (await cp.stop()) };
}

/** Starts the chosen target, or returns why none can run (for a test skip message). */
export async function startTestTarget(): Promise<TestTarget | string> {
  const choice = process.env.KUDO_TEST_TARGET;
  if (choice === 'local') return startLocal();
  if (choice === 'real') return startReal();
  const real = await startReal();
  if (typeof real !== 'string') return real;
  const local = await startLocal();
  return typeof local === 'string' ? `${real}; ${local}` : local;
}
