/**
 * The cluster integration tests run against: a real Kubernetes 1.20 control
 * plane (../shared/tools/real-k8s, binaries in ~/.cache/real-k8s) or the
 * embedded local control plane (src/controlplane). KUDO_TEST_TARGET=real|local
 * chooses; by default the real one is used when it is built, else the local one.
 */
import { execFile, spawn } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface TestTarget {
  name: string;
  kubeconfig: string;
  stop(): Promise<void>;
}

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const realK8sTools = join(repoRoot, '..', 'shared', 'tools', 'real-k8s');
const realK8sBin = process.env.REAL_K8S_BIN ?? join(homedir(), '.cache', 'real-k8s');

function run(cmd: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} failed: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
  });
}

async function startReal(): Promise<TestTarget | string> {
  if (!existsSync(join(realK8sTools, 'start.sh'))) return `${realK8sTools} is absent`;
  if (!existsSync(join(realK8sBin, 'kube-apiserver'))) return `no real Kubernetes built in ${realK8sBin}`;
  const state = mkdtempSync(join(tmpdir(), 'rk8s-G-'));
  const stop = async () => {
    await run(join(realK8sTools, 'stop.sh'), [state], 30_000).catch(() => {});
    rmSync(state, { recursive: true, force: true });
  };
  try {
    await run(join(realK8sTools, 'start.sh'), [realK8sBin, state], 90_000);
  } catch (e) {
    await stop();
    throw e;
  }
  await ensureControllerManager(state);
  return { name: 'real Kubernetes 1.20', kubeconfig: readFileSync(join(state, 'kubeconfig'), 'utf8'), stop };
}

/**
 * start.sh's kube-controller-manager also opens the fixed insecure port 10252,
 * so it dies when another instance runs on the machine; restart it without
 * that port (recorded in the pids file so stop.sh ends it).
 */
async function ensureControllerManager(state: string): Promise<void> {
  const log = join(state, 'controller-manager.log');
  for (let i = 0; i < 20; i++) {
    const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
    if (text.includes('address already in use')) break;
    if (text.includes('Started') || text.includes('Caches are synced')) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  if (!readFileSync(log, 'utf8').includes('address already in use')) return;
  const out = openSync(log, 'a');
  const child = spawn(
    join(realK8sBin, 'kube-controller-manager'),
    [
      '--kubeconfig',
      join(state, 'kubeconfig'),
      '--service-account-private-key-file',
      join(state, 'sa.key'),
      '--root-ca-file',
      join(state, 'certs', 'apiserver.crt'),
      '--leader-elect=false',
      '--controllers',
      '*',
      '--secure-port',
      '0',
      '--port',
      '0',
    ],
    { detached: true, stdio: ['ignore', out, out] },
  );
  child.unref();
  closeSync(out);
  appendFileSync(join(state, 'pids'), `${child.pid}\n`);
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
