/**
 * Where the real Kubernetes binaries (kube-apiserver, etcd, optionally kube-controller-manager)
 * are, for every test, conformance runner and benchmark that needs them: $KUBEBUILDER_ASSETS
 * (as envtest and KUTTL read it), then $KUDO_REAL_K8S_DIR (set by .ci/run after building them),
 * then ~/.cache/real-k8s-fixed (where scripts/real-k8s-build.sh puts them by default: the shared
 * build plus the upstream fix for kubernetes#99804, see docs/real-kubernetes.md).
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The default cache folder below ~/.cache (also used by .ci/run). */
export const REAL_K8S_CACHE = 'real-k8s-fixed';

export interface RealK8sAssets {
  /** The folder holding the binaries. */
  dir: string;
  /** Which setting named it: KUBEBUILDER_ASSETS, KUDO_REAL_K8S_DIR or the default folder. */
  from: string;
}

/** The first folder of the lookup order, whether or not it holds the binaries. */
export function realK8sAssetsDir(env: Record<string, string | undefined> = process.env): RealK8sAssets {
  if (env.KUBEBUILDER_ASSETS) return { dir: resolve(env.KUBEBUILDER_ASSETS), from: 'KUBEBUILDER_ASSETS' };
  if (env.KUDO_REAL_K8S_DIR) return { dir: resolve(env.KUDO_REAL_K8S_DIR), from: 'KUDO_REAL_K8S_DIR' };
  return { dir: join(env.HOME || homedir(), '.cache', REAL_K8S_CACHE), from: 'default' };
}

/**
 * The binaries' folder, or a sentence saying why there are none (for a skip message).
 * A folder named by a variable but lacking the binaries is reported, not passed over,
 * so a typo in the variable does not silently fall back to another build.
 */
export function findRealK8s(env: Record<string, string | undefined> = process.env): RealK8sAssets | string {
  const found = realK8sAssetsDir(env);
  const missing = ['kube-apiserver', 'etcd'].filter((bin) => !existsSync(join(found.dir, bin)));
  if (!missing.length) return found;
  const named = found.from === 'default' ? found.dir : `${found.from}=${found.dir}`;
  return `no real Kubernetes binaries (${missing.join(', ')} missing in ${named}); build them with scripts/real-k8s-build.sh ${found.dir}`;
}
