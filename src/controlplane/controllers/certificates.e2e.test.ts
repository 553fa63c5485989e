/**
 * CertificateSigningRequests end to end with the real kubectl: a user's key and request made
 * with openssl, `kubectl create`, `kubectl certificate approve`, the signed certificate used as
 * that user's client certificate (RBAC applies to it), and `kubectl certificate deny`.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startControlPlane, type ControlPlane } from '../index.js';

const has = (bin: string, args: string[]) => {
  try {
    execFileSync(bin, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const skip = !has('kubectl', ['version', '--client']) ? 'kubectl is not installed' : !has('openssl', ['version']) ? 'openssl is not installed' : false;

let cp: ControlPlane;
let work: string;

function kubectl(args: string[], kubeconfig = 'kubeconfig', input?: string): Promise<{ code: number; out: string; stdout: string }> {
  return new Promise((done) => {
    const env = { ...process.env, HOME: work, KUBECONFIG: join(work, kubeconfig), KUBECACHEDIR: join(work, 'cache') };
    const child = execFile('kubectl', args, { env, timeout: 30_000 }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr, stdout }),
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

async function ok(args: string[], kubeconfig?: string, input?: string): Promise<string> {
  const r = await kubectl(args, kubeconfig, input);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.out}`);
  return r.stdout;
}

/** A key and a PKCS#10 request for CN=user, O=groups, made by openssl. */
function opensslRequest(name: string, user: string, groups: string[]): { keyFile: string; request: string } {
  const keyFile = join(work, `${name}.key`);
  const subject = `/${groups.map((g) => `O=${g}/`).join('')}CN=${user}`;
  execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-subj', subject], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const request = execFileSync('openssl', ['req', '-new', '-key', keyFile, '-subj', subject]).toString();
  return { keyFile, request };
}

function csrManifest(name: string, request: string, usages = ['client auth'], expirationSeconds?: number): string {
  return JSON.stringify({
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name },
    spec: {
      request: Buffer.from(request).toString('base64'),
      signerName: 'kubernetes.io/kube-apiserver-client',
      usages,
      ...(expirationSeconds ? { expirationSeconds } : {}),
      // A spoofed requestor: the server records who really asked.
      username: 'someone-else',
    },
  });
}

async function waitFor<T>(what: string, read: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = await read();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), 'kudo-csr-'));
  cp = await startControlPlane({ kubeconfigPath: join(work, 'kubeconfig') });
});

after(async () => {
  await cp?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('an approved request is signed and its certificate authenticates as CN/O with RBAC applied', { skip }, async () => {
  const { keyFile, request } = opensslRequest('jane', 'jane', ['qa', 'testers']);
  await ok(['create', '-f', '-'], undefined, csrManifest('jane', request, ['digital signature', 'client auth'], 3600));
  const created = JSON.parse(await ok(['get', 'csr', 'jane', '-o', 'json']));
  assert.equal(created.spec.username, 'kudo-admin');
  assert.deepEqual(created.spec.groups, ['system:masters', 'system:authenticated']);
  assert.match(await ok(['get', 'csr', 'jane']), /jane\s+\S+\s+kubernetes.io\/kube-apiserver-client\s+kudo-admin\s+60m\s+Pending/);

  assert.match(await ok(['certificate', 'approve', 'jane']), /approved/);
  const certB64 = await waitFor(
    'the certificate',
    async () => JSON.parse(await ok(['get', 'csr', 'jane', '-o', 'json'])).status.certificate as string | undefined,
  );
  const certPem = Buffer.from(certB64, 'base64').toString();
  const cert = new X509Certificate(certPem);
  assert.ok(cert.checkIssued(new X509Certificate(cp.caPem!)), 'signed by the control plane CA');
  assert.equal(cert.subject, 'O=qa\nO=testers\nCN=jane');
  const hours = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 3600_000;
  assert.ok(hours > 0.9 && hours <= 1, `lifetime of about an hour, got ${hours}h`);
  assert.match(await ok(['get', 'csr', 'jane']), /Approved,Issued/);
  const described = await ok(['describe', 'csr', 'jane']);
  assert.match(described, /Requesting User:\s+kudo-admin/);
  assert.match(described, /Status:\s+Approved,Issued/);
  assert.match(described, /Common Name:\s+jane/);

  writeFileSync(join(work, 'jane.crt'), certPem);
  const admin = readFileSync(join(work, 'kubeconfig'), 'utf8');
  const server = /server: (\S+)/.exec(admin)![1];
  const ca = /certificate-authority-data: (\S+)/.exec(admin)![1];
  writeFileSync(
    join(work, 'jane.kubeconfig'),
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: local, cluster: {server: "${server}", certificate-authority-data: ${ca}}}]`,
      `users: [{name: jane, user: {client-certificate: ${join(work, 'jane.crt')}, client-key: ${keyFile}}}]`,
      'contexts: [{name: jane, context: {cluster: local, user: jane}}]',
      'current-context: jane',
      '',
    ].join('\n'),
  );
  const whoami = await ok(['auth', 'whoami', '-o', 'json'], 'jane.kubeconfig');
  const status = JSON.parse(whoami).status.userInfo;
  assert.equal(status.username, 'jane');
  assert.deepEqual(status.groups, ['qa', 'testers', 'system:authenticated']);
  const denied = await kubectl(['get', 'configmaps', '-n', 'default'], 'jane.kubeconfig');
  assert.equal(denied.code, 1);
  assert.match(denied.out, /User "jane" cannot list resource "configmaps"/);
  await ok(['create', 'rolebinding', 'qa-view', '--clusterrole', 'view', '--group', 'qa', '-n', 'default']);
  await waitFor('RBAC to apply', async () => ((await kubectl(['get', 'configmaps', '-n', 'default'], 'jane.kubeconfig')).code === 0 ? true : undefined));
});

test('a denied request gets Denied and no certificate; a server-auth usage fails signing', { skip }, async () => {
  const { request } = opensslRequest('bob', 'bob', []);
  await ok(['create', '-f', '-'], undefined, csrManifest('bob', request));
  assert.match(await ok(['certificate', 'deny', 'bob']), /denied/);
  await new Promise((r) => setTimeout(r, 300));
  const bob = JSON.parse(await ok(['get', 'csr', 'bob', '-o', 'json']));
  assert.deepEqual(
    bob.status.conditions.map((c: { type: string; reason: string }) => [c.type, c.reason]),
    [['Denied', 'KubectlDeny']],
  );
  assert.equal(bob.status.certificate, undefined);
  assert.match(await ok(['get', 'csr', 'bob']), /Denied\s*$/m);

  await ok(['create', '-f', '-'], undefined, csrManifest('srv', request, ['server auth', 'client auth']));
  await ok(['certificate', 'approve', 'srv']);
  const failed = await waitFor('the Failed condition', async () => {
    const csr = JSON.parse(await ok(['get', 'csr', 'srv', '-o', 'json']));
    return csr.status.conditions.find((c: { type: string }) => c.type === 'Failed') as { reason: string; message: string } | undefined;
  });
  assert.equal(failed.reason, 'SignerValidationFailure');
  assert.equal(failed.message, 'invalid usage for client certificate: server auth');
  assert.match(await ok(['get', 'csr', 'srv']), /Approved,Failed/);
});
