import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Credentials, inClusterConfig, KubeconfigError, kubeconfigFromText, loadKubeconfig } from './kubeconfig.js';

const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const one = write(
  'one.yaml',
  `apiVersion: v1
kind: Config
current-context: a
clusters:
- name: c1
  cluster: {server: "https://one.example:6443/", certificate-authority-data: ${Buffer.from('CA-ONE').toString('base64')}}
- name: shared
  cluster: {server: "https://shared-from-one:1"}
users:
- name: u1
  user: {token: tok-one}
- name: cert
  user: {client-certificate: certs/c.crt, client-key-data: ${Buffer.from('KEY').toString('base64')}}
contexts:
- name: a
  context: {cluster: c1, user: u1, namespace: team-a}
- name: b
  context: {cluster: shared, user: cert}
`,
);
const two = write(
  'two.yaml',
  `current-context: z
clusters:
- name: shared
  cluster: {server: "https://shared-from-two:2"}
- name: c2
  cluster: {server: "http://two.example:8080", insecure-skip-tls-verify: true}
users:
- name: u1
  user: {token: tok-two}
- name: basic
  user: {username: admin, password: secret}
contexts:
- name: a
  context: {cluster: c2, user: basic}
- name: z
  context: {cluster: c2, user: basic}
`,
);
mkdirSync(join(dir, 'certs'));
writeFileSync(join(dir, 'certs', 'c.crt'), 'CERT');

describe('loadKubeconfig', () => {
  it('takes the current context of one file with its namespace, CA data and token', async () => {
    const c = await loadKubeconfig({ kubeconfig: one, env: {} });
    assert.equal(c.server, 'https://one.example:6443');
    assert.equal(c.namespace, 'team-a');
    assert.equal(c.ca?.toString(), 'CA-ONE');
    assert.equal(c.token, 'tok-one');
    assert.equal(c.contextName, 'a');
  });

  it('resolves file references relative to the kubeconfig and defaults the namespace', async () => {
    const c = await loadKubeconfig({ kubeconfig: one, context: 'b', env: {} });
    assert.equal(c.clientCert?.toString(), 'CERT');
    assert.equal(c.clientKey?.toString(), 'KEY');
    assert.equal(c.namespace, 'default');
  });

  it('merges KUBECONFIG files: the first to define a name or current-context wins, missing files skipped', async () => {
    const env = { KUBECONFIG: [join(dir, 'missing.yaml'), one, two].join(delimiter) };
    const a = await loadKubeconfig({ env });
    assert.equal(a.contextName, 'a');
    assert.equal(a.server, 'https://one.example:6443');
    const b = await loadKubeconfig({ env, context: 'b' });
    assert.equal(b.server, 'https://shared-from-one:1');
    const z = await loadKubeconfig({ env, context: 'z' });
    assert.equal(z.server, 'http://two.example:8080');
    assert.equal(z.insecureSkipTlsVerify, true);
    assert.equal(z.username, 'admin');
    const reversed = await loadKubeconfig({ env: { KUBECONFIG: [two, one].join(delimiter) } });
    assert.equal(reversed.contextName, 'z');
    assert.equal((await loadKubeconfig({ env: { KUBECONFIG: [two, one].join(delimiter) }, context: 'a' })).server, 'http://two.example:8080');
  });

  it('falls back to ~/.kube/config', async () => {
    const home = join(dir, 'home');
    mkdirSync(join(home, '.kube'), { recursive: true });
    writeFileSync(join(home, '.kube', 'config'), readFileSync(two));
    assert.equal((await loadKubeconfig({ env: { HOME: home } })).contextName, 'z');
  });

  it('gives clear errors naming the file and the problem', async () => {
    await assert.rejects(loadKubeconfig({ kubeconfig: one, context: 'nope', env: {} }), /one\.yaml: context "nope" not found \(known: a, b\)/);
    await assert.rejects(loadKubeconfig({ kubeconfig: join(dir, 'absent.yaml'), env: {} }), /cannot read kubeconfig .*absent\.yaml: ENOENT/);
    const bad = write('bad.yaml', 'clusters: [unclosed\n');
    await assert.rejects(loadKubeconfig({ kubeconfig: bad, env: {} }), (e: Error) => e instanceof KubeconfigError && /bad\.yaml: invalid YAML/.test(e.message));
    const noCluster = write('nocluster.yaml', 'current-context: x\ncontexts: [{name: x, context: {cluster: gone, user: u}}]\n');
    await assert.rejects(loadKubeconfig({ kubeconfig: noCluster, env: {} }), /nocluster\.yaml: context "x": cluster "gone" not found/);
    const badCa = write(
      'badca.yaml',
      'current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\nclusters: [{name: c, cluster: {server: "https://h", certificate-authority: nowhere.crt}}]\n',
    );
    await assert.rejects(
      loadKubeconfig({ kubeconfig: badCa, env: {} }),
      /badca\.yaml: cluster "c": cannot read certificate-authority file .*nowhere\.crt: ENOENT/,
    );
    const noCurrent = write('nocurrent.yaml', 'contexts: []\n');
    await assert.rejects(loadKubeconfig({ kubeconfig: noCurrent, env: {} }), /no context chosen/);
    await assert.rejects(loadKubeconfig({ env: { KUBECONFIG: join(dir, 'x.yaml') } }), /none of the KUBECONFIG files exist/);
    await assert.rejects(
      kubeconfigFromText('current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\nclusters: [{name: c, cluster: {server: "ftp://h"}}]\n'),
      /must be http or https/,
    );
  });

  it('uses the in-cluster service account when no kubeconfig exists', async () => {
    const sa = join(dir, 'sa');
    mkdirSync(sa);
    writeFileSync(join(sa, 'token'), 'sa-token\n');
    writeFileSync(join(sa, 'ca.crt'), 'SA-CA');
    writeFileSync(join(sa, 'namespace'), 'kudo-system');
    const env = { HOME: join(dir, 'nohome'), KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' };
    const c = await loadKubeconfig({ env, serviceAccountDir: sa });
    assert.equal(c.server, 'https://10.0.0.1:443');
    assert.equal(c.namespace, 'kudo-system');
    assert.equal(c.ca?.toString(), 'SA-CA');
    assert.equal(inClusterConfig({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, sa)?.server, 'https://[fd00::1]:443');
    assert.equal(inClusterConfig({}, sa), undefined);
    await assert.rejects(loadKubeconfig({ env: { HOME: join(dir, 'nohome') }, serviceAccountDir: sa }), /no kubeconfig found/);
  });
});

describe('Credentials', () => {
  it('serves bearer tokens, token files and basic auth', async () => {
    assert.deepEqual((await new Credentials(await loadKubeconfig({ kubeconfig: one, env: {} })).get()).headers, { authorization: 'Bearer tok-one' });
    const basic = await loadKubeconfig({ kubeconfig: two, env: {} });
    assert.deepEqual((await new Credentials(basic).get()).headers, { authorization: `Basic ${Buffer.from('admin:secret').toString('base64')}` });
    const tokenFile = write('token', 'file-token\n');
    let now = 0;
    const creds = new Credentials({ ...basic, username: undefined, password: undefined, tokenFile }, () => now);
    assert.equal((await creds.get()).headers.authorization, 'Bearer file-token');
    writeFileSync(tokenFile, 'rotated');
    assert.equal((await creds.get()).headers.authorization, 'Bearer file-token', 'cached for a minute');
    now = 61_000;
    assert.equal((await creds.get()).headers.authorization, 'Bearer rotated');
  });

  function plugin(name: string, body: string): string {
    const p = join(dir, name);
    writeFileSync(p, `#!/bin/sh\n${body}\n`);
    chmodSync(p, 0o755);
    return p;
  }

  async function execConfig(command: string, apiVersion = 'client.authentication.k8s.io/v1', extra = '') {
    return kubeconfigFromText(
      `current-context: x
contexts: [{name: x, context: {cluster: c, user: u}}]
clusters: [{name: c, cluster: {server: "https://api.example:6443", certificate-authority-data: ${Buffer.from('CA').toString('base64')}}}]
users:
- name: u
  user:
    exec:
      apiVersion: ${apiVersion}
      command: ${command}
      args: [--flag]
      env: [{name: PLUGIN_VAR, value: hello}]
      provideClusterInfo: true
      ${extra}
`,
      undefined,
      join(dir, 'inline.yaml'),
    );
  }

  it('runs exec plugins with arguments, env and cluster info, and caches until expirationTimestamp', async () => {
    const log = join(dir, 'exec.log');
    const script = plugin(
      'exec-ok.sh',
      `echo "$1 $PLUGIN_VAR $KUBERNETES_EXEC_INFO" >> ${log}
n=$(wc -l < ${log})
echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"exec-'$n'","expirationTimestamp":"2030-01-01T00:00:00Z"}}'`,
    );
    let now = Date.parse('2029-12-31T23:00:00Z');
    const creds = new Credentials(await execConfig(script), () => now);
    const [a, b] = await Promise.all([creds.get(), creds.get()]);
    assert.equal(a.headers.authorization, 'Bearer exec-1');
    assert.equal(b.headers.authorization, 'Bearer exec-1', 'concurrent callers share one run');
    assert.equal((await creds.get()).headers.authorization, 'Bearer exec-1');
    const line = readFileSync(log, 'utf8').split('\n')[0];
    assert.match(line, /^--flag hello /);
    const info = JSON.parse(line.slice('--flag hello '.length));
    assert.equal(info.kind, 'ExecCredential');
    assert.equal(info.spec.cluster.server, 'https://api.example:6443');
    assert.equal(info.spec.cluster['certificate-authority-data'], Buffer.from('CA').toString('base64'));
    now = Date.parse('2030-01-01T00:00:01Z');
    assert.equal((await creds.get()).headers.authorization, 'Bearer exec-2', 'expired: runs again');
    creds.invalidate();
    assert.equal((await creds.get()).headers.authorization, 'Bearer exec-3', 'invalidated: runs again');
  });

  it('accepts v1beta1 and client certificates from a plugin', async () => {
    const script = plugin(
      'exec-cert.sh',
      `echo '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"clientCertificateData":"C","clientKeyData":"K"}}'`,
    );
    const got = await new Credentials(await execConfig(script, 'client.authentication.k8s.io/v1beta1')).get();
    assert.equal(got.clientCert?.toString(), 'C');
    assert.equal(got.clientKey?.toString(), 'K');
    assert.deepEqual(got.headers, {});
  });

  it('reports plugin failures clearly', async () => {
    const failing = plugin('exec-fail.sh', 'echo "login required" >&2; exit 3');
    await assert.rejects(new Credentials(await execConfig(failing)).get(), /exec plugin .*exec-fail\.sh" failed: login required/);
    const garbage = plugin('exec-garbage.sh', 'echo not-json');
    await assert.rejects(new Credentials(await execConfig(garbage)).get(), /printed no valid ExecCredential JSON/);
    const wrongVersion = plugin('exec-wrong.sh', `echo '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"t"}}'`);
    await assert.rejects(new Credentials(await execConfig(wrongVersion)).get(), /answered apiVersion "client.authentication.k8s.io\/v1beta1"/);
    await assert.rejects(
      new Credentials(await execConfig('no-such-plugin-xyz', undefined, 'installHint: "install it with brew"')).get(),
      /not found\ninstall it with brew/,
    );
    await assert.rejects(execConfig('x', 'client.authentication.k8s.io/v1alpha1'), /exec apiVersion "client.authentication.k8s.io\/v1alpha1" is not supported/);
  });
});
