/**
 * The two servers a differential scenario runs against: the local control plane and a real
 * Kubernetes control plane (etcd, kube-apiserver and kube-controller-manager from an assets
 * folder) on free loopback ports with fresh state, plus the users the scenarios act as.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killProcessGroup } from '../../../src/harness/commands.js';
import { startControlPlane } from '../../../src/controlplane/index.js';

/** Users every scenario may act as (`as: NAME`); `admin` is in system:masters. */
export const USERS: Record<string, string[]> = {
  admin: ['system:masters'],
  alice: ['developers'],
  bob: [],
};

/** How a user proves who it is: a bearer token, or a client certificate. */
export interface Credentials {
  token?: string;
  certPem?: string;
  keyPem?: string;
}

export interface Server {
  side: 'local' | 'real';
  url: string;
  /** Credentials per user name (see USERS). */
  users: Record<string, Credentials>;
  kubeconfig(user: string): string;
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

function kubeconfigFor(url: string, user: string, creds: Credentials | undefined, caPem?: string): string {
  const cluster = caPem ? `certificate-authority-data: ${Buffer.from(caPem).toString('base64')}` : 'insecure-skip-tls-verify: true';
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const auth = creds?.certPem
    ? `client-certificate-data: ${b64(creds.certPem)}, client-key-data: ${b64(creds.keyPem ?? '')}`
    : `token: "${creds?.token ?? `unknown-user-${user}`}"`;
  return [
    'apiVersion: v1',
    'kind: Config',
    `clusters: [{name: diff, cluster: {server: "${url}", ${cluster}}}]`,
    `users: [{name: ${user}, user: {${auth}}}]`,
    `contexts: [{name: diff, context: {cluster: diff, user: ${user}, namespace: default}}]`,
    'current-context: diff',
    '',
  ].join('\n');
}

export async function startLocal(): Promise<Server> {
  const cp = await startControlPlane({ port: 0 });
  // The local control plane has one admin token; other users get client certificates.
  const users: Record<string, Credentials> = { admin: { token: cp.token } };
  for (const [user, groups] of Object.entries(USERS)) if (user !== 'admin') users[user] = cp.access.issueClientCertificate(user, groups);
  return {
    side: 'local',
    url: cp.url,
    users,
    kubeconfig: (user) => kubeconfigFor(cp.url, user, users[user], cp.caPem),
    stop: () => cp.stop(),
  };
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

function defaultServiceAccountReady(url: string, token: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      `${url}/api/v1/namespaces/default/serviceaccounts/default`,
      { headers: { Authorization: `Bearer ${token}` }, rejectUnauthorized: false, timeout: 2000 },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => {
          try {
            resolve(res.statusCode === 200 && (JSON.parse(body) as { secrets?: unknown[] }).secrets!.length > 0);
          } catch {
            resolve(false);
          }
        });
      },
    );
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

export class StartError extends Error {}

/** Starts the real control plane from `assets` (state and logs in a temporary folder removed on stop). */
export async function startReal(assets: string): Promise<Server> {
  for (const bin of ['etcd', 'kube-apiserver', 'kube-controller-manager'])
    if (!existsSync(join(assets, bin))) throw new StartError(`${assets} has no ${bin} binary`);
  const stateDir = mkdtempSync(join(tmpdir(), 'kudo-diff-real-'));
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(join(stateDir, 'sa.key'), privateKey.export({ type: 'pkcs1', format: 'pem' }));
  writeFileSync(join(stateDir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  const tokens: Record<string, string> = {};
  const lines: string[] = [];
  for (const [user, groups] of Object.entries(USERS)) {
    tokens[user] = randomBytes(16).toString('hex');
    // The admin is named as on the local control plane (kudo-admin).
    const name = user === 'admin' ? 'kudo-admin' : user;
    lines.push(`${tokens[user]},${name},${name}${groups.length ? `,"${groups.join(',')}"` : ''}`);
  }
  writeFileSync(join(stateDir, 'tokens.csv'), lines.join('\n') + '\n');
  writeFileSync(join(stateDir, 'admin.kubeconfig'), '');
  const [apiPort, etcdClient, etcdPeer] = [await freePort(), await freePort(), await freePort()];
  const url = `https://127.0.0.1:${apiPort}`;
  const children: ChildProcess[] = [];
  const launch = (name: string, args: string[]) => {
    const child = spawn(join(assets, name), args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const log = createWriteStream(join(stateDir, `${name}.log`));
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    child.on('error', () => undefined);
    children.push(child);
  };
  const stopAll = async () => {
    for (const child of [...children].reverse()) await killProcessGroup(child, 5000);
  };
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
      '--service-cluster-ip-range', '10.96.0.0/12',
      '--allow-privileged=true',
    ]); // prettier-ignore
    writeFileSync(join(stateDir, 'admin.kubeconfig'), kubeconfigFor(url, 'admin', { token: tokens.admin }));
    const deadline = Date.now() + 90_000;
    while (!(await ready(url, tokens.admin))) {
      if (children.some((c) => c.exitCode !== null)) throw new StartError(`the real control plane exited during startup; see the logs in ${stateDir}`);
      if (Date.now() > deadline) throw new StartError(`kube-apiserver did not become ready within 90s; see the logs in ${stateDir}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    // Port 0 turns off the controller manager's HTTP endpoints, so several can run side by side.
    launch('kube-controller-manager', [
      '--kubeconfig', join(stateDir, 'admin.kubeconfig'),
      '--service-account-private-key-file', join(stateDir, 'sa.key'),
      '--root-ca-file', join(stateDir, 'certs', 'apiserver.crt'),
      '--use-service-account-credentials=false',
      '--leader-elect=false',
      '--controllers', '*',
      '--secure-port', '0',
      '--port', '0',
    ]); // prettier-ignore
    // Pods are refused until the default ServiceAccount has its token (1.20's token controller).
    while (!(await defaultServiceAccountReady(url, tokens.admin))) {
      if (Date.now() > deadline)
        throw new StartError(`the controller manager did not create the default ServiceAccount within 90s; see the logs in ${stateDir}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (e) {
    await stopAll();
    throw e;
  }
  const users = Object.fromEntries(Object.entries(tokens).map(([user, token]) => [user, { token }]));
  return {
    side: 'real',
    url,
    users,
    kubeconfig: (user) => kubeconfigFor(url, user, users[user]),
    async stop() {
      await stopAll();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
