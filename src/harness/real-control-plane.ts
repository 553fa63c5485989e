/**
 * A real Kubernetes control plane from KUBEBUILDER_ASSETS (etcd + kube-apiserver, and
 * kube-controller-manager when the folder has it), as envtest starts it for KUTTL's
 * `startControlPlane`. All on loopback with fresh state in a temporary directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSelfSignedCa } from '../crypto/x509.js';
import { killProcessGroup } from './commands.js';
import { onInterrupt } from './interrupt.js';
import { HarnessError } from './types.js';

export interface RealControlPlane {
  url: string;
  kubeconfig: string;
  stateDir: string;
  /** Bearer token per user: `admin` (kudo-admin, system:masters) and every extra user asked for. */
  tokens: Record<string, string>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function ready(url: string, token: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(`${url}/readyz`, { headers: { Authorization: `Bearer ${token}` }, rejectUnauthorized: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

export interface RealControlPlaneOptions {
  /** Pipe the components' logs to this function instead of files in the state dir. */
  output?: (line: string) => void;
  readyTimeoutMs?: number;
  /** More token users (name -> groups) besides the admin. */
  users?: Record<string, string[]>;
  serviceClusterIpRange?: string;
  /** Wait until the controller manager gave the default ServiceAccount its token (1.20 refuses pods before). */
  waitForDefaultServiceAccount?: boolean;
}

/** Whether default/default has its token Secret yet (kube-controller-manager's tokens controller). */
function defaultServiceAccountReady(url: string, token: string): Promise<boolean> {
  return new Promise((resolve) => {
    const headers = { Authorization: `Bearer ${token}` };
    const req = request(`${url}/api/v1/namespaces/default/serviceaccounts/default`, { headers, rejectUnauthorized: false, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        try {
          resolve(res.statusCode === 200 && ((JSON.parse(body) as { secrets?: unknown[] }).secrets?.length ?? 0) > 0);
        } catch {
          resolve(false);
        }
      });
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

export async function startRealControlPlane(assetsDir: string, opts: RealControlPlaneOptions = {}): Promise<RealControlPlane> {
  for (const bin of ['etcd', 'kube-apiserver']) {
    if (!existsSync(join(assetsDir, bin)))
      throw new HarnessError(`${assetsDir} has no ${bin} binary (KUBEBUILDER_ASSETS must name the folder holding etcd and kube-apiserver)`);
  }
  const stateDir = mkdtempSync(join(tmpdir(), 'kudo-test-k8s-'));
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(join(stateDir, 'sa.key'), privateKey.export({ type: 'pkcs1', format: 'pem' }));
  writeFileSync(join(stateDir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  const signing = createSelfSignedCa('kudo-test-signer', 30);
  writeFileSync(join(stateDir, 'signing-ca.crt'), signing.certPem);
  writeFileSync(join(stateDir, 'signing-ca.key'), signing.key.privateKeyPem);
  const token = randomBytes(16).toString('hex');
  const tokens: Record<string, string> = { admin: token };
  // No uids: users of the local control plane have none either, and AdmissionReviews show them.
  const tokenLines = [`${token},kudo-admin,,"system:masters"`];
  for (const [user, groups] of Object.entries(opts.users ?? {})) {
    tokens[user] = randomBytes(16).toString('hex');
    tokenLines.push(`${tokens[user]},${user},${groups.length ? `,"${groups.join(',')}"` : ''}`);
  }
  writeFileSync(join(stateDir, 'tokens.csv'), tokenLines.join('\n') + '\n');
  const [apiPort, etcdClient, etcdPeer] = [await freePort(), await freePort(), await freePort()];
  const url = `https://127.0.0.1:${apiPort}`;
  const children: ChildProcess[] = [];
  const launch = (name: string, args: string[]) => {
    const child = spawn(join(assetsDir, name), args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    if (opts.output) {
      const out = opts.output;
      for (const s of [child.stdout, child.stderr]) s?.setEncoding('utf8').on('data', (d: string) => d.split('\n').forEach((l) => l && out(`${name} | ${l}`)));
    } else {
      const log = createWriteStream(join(stateDir, `${name}.log`));
      child.stdout?.pipe(log);
      child.stderr?.pipe(log);
    }
    child.on('error', () => undefined);
    children.push(child);
  };
  const stop = async () => {
    unregister();
    for (const child of [...children].reverse()) await killProcessGroup(child, 5000);
    rmSync(stateDir, { recursive: true, force: true });
  };
  const unregister = onInterrupt(stop);
  try {
    const etcdUrl = (p: number) => `http://127.0.0.1:${p}`;
    launch('etcd', [
      '--data-dir', join(stateDir, 'etcd'),
      '--listen-client-urls', etcdUrl(etcdClient),
      '--advertise-client-urls', etcdUrl(etcdClient),
      '--listen-peer-urls', etcdUrl(etcdPeer),
      '--initial-advertise-peer-urls', etcdUrl(etcdPeer),
      '--initial-cluster', `default=${etcdUrl(etcdPeer)}`,
    ]); // prettier-ignore
    const issuer = 'https://kubernetes.default.svc.cluster.local';
    launch('kube-apiserver', [
      '--etcd-servers', etcdUrl(etcdClient),
      '--bind-address', '127.0.0.1',
      '--secure-port', String(apiPort),
      '--advertise-address', '10.0.0.1',
      '--cert-dir', join(stateDir, 'certs'),
      '--token-auth-file', join(stateDir, 'tokens.csv'),
      '--authorization-mode', 'Node,RBAC',
      '--service-account-key-file', join(stateDir, 'sa.pub'),
      '--service-account-signing-key-file', join(stateDir, 'sa.key'),
      '--service-account-issuer', issuer,
      '--api-audiences', issuer,
      '--service-cluster-ip-range', opts.serviceClusterIpRange ?? '10.0.0.0/24',
      '--allow-privileged=true',
    ]); // prettier-ignore
    const kubeconfig = [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: kudo-test, cluster: {server: "${url}", insecure-skip-tls-verify: true}}]`,
      `users: [{name: kudo-admin, user: {token: "${token}"}}]`,
      'contexts: [{name: kudo-test, context: {cluster: kudo-test, user: kudo-admin, namespace: default}}]',
      'current-context: kudo-test',
      '',
    ].join('\n');
    writeFileSync(join(stateDir, 'kubeconfig'), kubeconfig);
    const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
    while (!(await ready(url, token))) {
      if (children.some((c) => c.exitCode !== null))
        throw new HarnessError(`the control plane from ${assetsDir} exited during startup; see the logs in ${stateDir}`);
      if (Date.now() > deadline)
        throw new HarnessError(`kube-apiserver from ${assetsDir} did not become ready within ${(opts.readyTimeoutMs ?? 60_000) / 1000}s`);
      await new Promise((r) => setTimeout(r, 200));
    }
    if (existsSync(join(assetsDir, 'kube-controller-manager'))) {
      launch('kube-controller-manager', [
        '--kubeconfig', join(stateDir, 'kubeconfig'),
        '--service-account-private-key-file', join(stateDir, 'sa.key'),
        '--root-ca-file', join(stateDir, 'certs', 'apiserver.crt'),
        // A CA for csrsigning, so approved CertificateSigningRequests get certificates.
        '--cluster-signing-cert-file', join(stateDir, 'signing-ca.crt'),
        '--cluster-signing-key-file', join(stateDir, 'signing-ca.key'),
        '--leader-elect=false',
        '--controllers', '*',
        '--secure-port', '0',
        // 1.20 also serves a fixed insecure port (10252) by default; two control planes would clash on it.
        '--port', '0',
      ]); // prettier-ignore
    }
    if (opts.waitForDefaultServiceAccount)
      while (!(await defaultServiceAccountReady(url, token))) {
        if (Date.now() > deadline)
          throw new HarnessError(`the controller manager did not create the default ServiceAccount's token in time; see the logs in ${stateDir}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    return { url, kubeconfig, stateDir, tokens, stop };
  } catch (e) {
    // Keep the state dir (its logs explain the failure) but end the processes.
    unregister();
    for (const child of children) await killProcessGroup(child, 2000);
    throw e;
  }
}
