/**
 * The two servers a differential scenario runs against: the local control plane and a real
 * Kubernetes control plane (etcd, kube-apiserver and kube-controller-manager from an assets
 * folder) on free loopback ports with fresh state, plus the users the scenarios act as.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startControlPlane } from '../../../src/controlplane/index.js';
import { startRealControlPlane, type RealControlPlane } from '../../../src/harness/real-control-plane.js';

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

export class StartError extends Error {}

/** Starts the real control plane from `assets` (state and logs in a temporary folder removed on stop). */
export async function startReal(assets: string): Promise<Server> {
  for (const bin of ['etcd', 'kube-apiserver', 'kube-controller-manager'])
    if (!existsSync(join(assets, bin))) throw new StartError(`${assets} has no ${bin} binary`);
  const extraUsers = Object.fromEntries(Object.entries(USERS).filter(([user]) => user !== 'admin'));
  let cp: RealControlPlane;
  try {
    cp = await startRealControlPlane(assets, {
      users: extraUsers,
      serviceClusterIpRange: '10.96.0.0/12',
      waitForDefaultServiceAccount: true,
      readyTimeoutMs: 90_000,
    });
  } catch (e) {
    throw new StartError((e as Error).message);
  }
  const users = Object.fromEntries(Object.entries(cp.tokens).map(([user, token]) => [user, { token }]));
  return {
    side: 'real',
    url: cp.url,
    users,
    kubeconfig: (user) => kubeconfigFor(cp.url, user, users[user]),
    stop: () => cp.stop(),
  };
}
