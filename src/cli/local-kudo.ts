/**
 * KUDO on the local control plane, all in this process: the embedded API server (with
 * simulated workloads), `kubectl kudo init` registering the admission webhook at a local
 * port, and the manager serving that webhook with a freshly generated certificate. Used by
 * the demo (`npm run demo`), the end-to-end tests and the CLI benchmark.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from '../controlplane/index.js';
import { fromKubeconfigText } from '../cluster/http-cluster.js';
import { jsonLogger, silentLogger } from '../manager/log.js';
import { startManager, type RunningManager } from '../manager/manager.js';
import { webhookCertificates } from './init/certs.js';
import { WEBHOOK_PATH } from './init/manifests.js';
import { run } from './main.js';

export interface LocalKudo {
  controlPlane: ControlPlane;
  manager: RunningManager;
  /** A temporary folder holding the kubeconfig, KUDO_HOME and the webhook CA. */
  dir: string;
  kubeconfigPath: string;
  home: string;
  stop(): Promise<void>;
}

export interface LocalKudoOptions {
  simulateWorkloads?: boolean;
  /** Manager logs (JSON lines); silent when absent. */
  managerLog?: (line: string) => void;
  /** Output of the `init` run (default: discarded). */
  initOutput?: (text: string) => void;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startLocalKudo(opts: LocalKudoOptions = {}): Promise<LocalKudo> {
  const dir = mkdtempSync(join(tmpdir(), 'kudo-local-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  const home = join(dir, 'kudo-home');
  const controlPlane = await startControlPlane({ simulateWorkloads: opts.simulateWorkloads ?? true, kubeconfigPath });
  let manager: RunningManager | undefined;
  try {
    const certs = webhookCertificates('127.0.0.1', { ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'], days: 1 });
    writeFileSync(join(dir, 'webhook-ca.crt'), certs.caPem);
    const port = await freePort();
    const sink = opts.initOutput ?? (() => {});
    const io = { stdout: { write: sink }, stderr: { write: sink }, env: { ...process.env, KUBECONFIG: kubeconfigPath }, cwd: dir };
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
      io,
    );
    if (code !== 0) throw new Error(`kubectl kudo init failed with exit code ${code}`);
    const cluster = await fromKubeconfigText(controlPlane.kubeconfig);
    manager = await startManager({
      cluster,
      log: opts.managerLog ? jsonLogger(opts.managerLog, 'info', { logger: 'kudo-manager' }) : silentLogger,
      webhook: { cert: certs.certPem, key: certs.keyPem, port, host: '127.0.0.1' },
      metricsAddr: '0',
      healthAddr: '0',
    });
    const running = manager;
    return {
      controlPlane,
      manager: running,
      dir,
      kubeconfigPath,
      home,
      async stop() {
        await running.stop();
        cluster.close();
        await controlPlane.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await manager?.stop();
    await controlPlane.stop();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
