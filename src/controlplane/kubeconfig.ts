/** The kubeconfig written for users of the local control plane. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { stringify } from 'yaml';

export interface KubeconfigInput {
  url: string;
  token: string;
  /** PEM of the CA that signed the serving certificate (HTTPS only). */
  caPem?: string;
  name?: string;
}

/**
 * HTTPS: certificate-authority-data plus the bearer token. Plain HTTP: insecure-skip-tls-verify,
 * because @kubernetes/client-node refuses http:// clusters without it.
 */
export function renderKubeconfig({ url, token, caPem, name = 'kudo-local' }: KubeconfigInput): string {
  const cluster: Record<string, unknown> = { server: url };
  if (caPem) cluster['certificate-authority-data'] = Buffer.from(caPem).toString('base64');
  else cluster['insecure-skip-tls-verify'] = true;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster }],
    users: [{ name, user: { token } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: 'default' } }],
    'current-context': name,
    preferences: {},
  });
}

export function writeKubeconfig(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text, { mode: 0o600 });
}
