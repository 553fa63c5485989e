/**
 * The real kubectl against the local control plane as several identities: the admin, a service
 * account with a namespaced Role (token from `kubectl create token`), a user bound to `view`
 * (impersonated) and one with a client certificate, and an unauthenticated client. Expected
 * answers are those a Kubernetes 1.20 API server gave for the same commands.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startControlPlane, type ControlPlane } from '../index.js';

const hasKubectl = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const skip = hasKubectl ? false : 'kubectl is not installed';

let cp: ControlPlane;
let work: string;
const SA = 'system:serviceaccount:demo:app';

function kubectl(args: string[], input?: string): Promise<{ code: number; out: string; stdout: string }> {
  return new Promise((done) => {
    const child = execFile(
      'kubectl',
      args,
      { env: { ...process.env, HOME: work, KUBECONFIG: join(work, 'kubeconfig'), KUBECACHEDIR: join(work, 'cache') }, timeout: 30_000 },
      (err, stdout, stderr) => done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr, stdout }),
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

async function ok(args: string[], input?: string): Promise<string> {
  const r = await kubectl(args, input);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.out}`);
  return r.stdout;
}

async function fails(args: string[], message: string): Promise<void> {
  const r = await kubectl(args);
  assert.equal(r.code, 1, `kubectl ${args.join(' ')} should fail: ${r.out}`);
  assert.ok(r.out.includes(message), `kubectl ${args.join(' ')}:\n${r.out}\nlacks:\n${message}`);
}

/** A raw HTTPS request (no kubectl) with optional headers, for anonymous clients. */
function raw(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const url = new URL(path, cp.url);
  return new Promise((done, fail) => {
    const req = request(url, { ca: cp.caPem, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => done({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

before(async () => {
  if (!hasKubectl) return;
  work = mkdtempSync(join(tmpdir(), 'kudo-auth-'));
  cp = await startControlPlane({ kubeconfigPath: join(work, 'kubeconfig') });
  const { certPem, keyPem } = cp.access.issueClientCertificate('carol', ['team-a']);
  writeFileSync(join(work, 'carol.crt'), certPem);
  writeFileSync(join(work, 'carol.key'), keyPem);
  await ok(['create', 'ns', 'demo']);
  await ok(['-n', 'demo', 'create', 'sa', 'app']);
  await ok(['-n', 'demo', 'create', 'role', 'cm-reader', '--verb=get,list,watch', '--resource=configmaps']);
  await ok(['-n', 'demo', 'create', 'role', 'scaler', '--verb=get,update,patch', '--resource=deployments/scale']);
  await ok(['-n', 'demo', 'create', 'role', 'named', '--verb=get,update', '--resource=configmaps', '--resource-name=allowed']);
  await ok(['-n', 'demo', 'create', 'rolebinding', 'app-cm', '--role=cm-reader', '--serviceaccount=demo:app']);
  await ok(['-n', 'demo', 'create', 'rolebinding', 'app-scale', '--role=scaler', '--serviceaccount=demo:app']);
  await ok(['create', 'clusterrolebinding', 'jane-view', '--clusterrole=view', '--user=jane']);
  await ok(['-n', 'demo', 'create', 'rolebinding', 'jane-named', '--role=named', '--user=jane']);
  await ok(['-n', 'demo', 'create', 'configmap', 'allowed', '--from-literal=a=b']);
  await ok(['-n', 'demo', 'create', 'configmap', 'other', '--from-literal=a=b']);
  await ok(['-n', 'demo', 'create', 'deployment', 'web', '--image=nginx']);
});

after(async () => {
  await cp?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('a service account token from kubectl create token: its Role allows, everything else is 403 worded as Kubernetes', { skip }, async () => {
  const token = (await ok(['-n', 'demo', 'create', 'token', 'app'])).trim();
  assert.match(await ok(['-n', 'demo', 'get', 'cm', '-o', 'name', `--token=${token}`]), /configmap\/allowed/);
  await fails(
    ['-n', 'demo', 'get', 'secrets', `--token=${token}`],
    'Error from server (Forbidden): secrets is forbidden: User "system:serviceaccount:demo:app" cannot list resource "secrets" in API group "" in the namespace "demo"',
  );
  await fails(
    ['get', 'cm', `--token=${token}`],
    'configmaps is forbidden: User "system:serviceaccount:demo:app" cannot list resource "configmaps" in API group "" in the namespace "default"',
  );
  // deployments/scale is granted, the deployment itself is not: kubectl scale reads it first.
  await fails(
    ['-n', 'demo', 'scale', 'deploy', 'web', '--replicas=2', `--token=${token}`],
    'deployments.apps "web" is forbidden: User "system:serviceaccount:demo:app" cannot get resource "deployments" in API group "apps" in the namespace "demo"',
  );
  await fails(['get', 'ns', '--token=garbage'], 'error: You must be logged in to the server (Unauthorized)');
  await fails(['get', 'ns', `--token=${token.slice(0, -4)}AAAA`], 'error: You must be logged in to the server (Unauthorized)');
  await fails(
    ['-n', 'demo', 'create', 'token', 'app', '--duration=1s'],
    'spec.expirationSeconds: Invalid value: 1: may not specify a duration less than 10 minutes',
  );
  await fails(['-n', 'demo', 'create', 'token', 'nosuch'], 'serviceaccounts "nosuch" not found');
  const other = (await ok(['-n', 'demo', 'create', 'token', 'app', '--audience=foo'])).trim();
  await fails(['-n', 'demo', 'get', 'cm', `--token=${other}`], 'Unauthorized');
});

test('a user bound to view (impersonated): reads, but no writes, no secrets, no subresource writes; resourceNames', { skip }, async () => {
  assert.equal((await ok(['-n', 'demo', 'get', 'deploy', 'web', '-o', 'name', '--as=jane'])).trim(), 'deployment.apps/web');
  await fails(
    ['-n', 'demo', 'scale', 'deploy', 'web', '--replicas=2', '--as=jane'],
    'deployments.apps "web" is forbidden: User "jane" cannot patch resource "deployments/scale" in API group "apps" in the namespace "demo"',
  );
  await fails(
    ['-n', 'demo', 'delete', 'cm', 'other', '--as=jane'],
    'configmaps "other" is forbidden: User "jane" cannot delete resource "configmaps" in API group "" in the namespace "demo"',
  );
  await fails(['get', 'nodes', '--as=jane'], 'nodes is forbidden: User "jane" cannot list resource "nodes" in API group "" at the cluster scope');
  await fails(
    ['-n', 'demo', 'get', 'cm', 'allowed', '--as=bob'],
    'configmaps "allowed" is forbidden: User "bob" cannot get resource "configmaps" in API group "" in the namespace "demo"',
  );
  await fails(
    ['-n', 'demo', 'get', 'cm', '--field-selector', 'metadata.name=allowed', '--as=bob'],
    'configmaps "allowed" is forbidden: User "bob" cannot list resource "configmaps" in API group "" in the namespace "demo"',
  );
  assert.equal((await kubectl(['-n', 'demo', 'auth', 'can-i', 'update', 'cm/allowed', '--as=jane'])).stdout.trim(), 'yes');
  assert.equal((await kubectl(['-n', 'demo', 'auth', 'can-i', 'update', 'cm/other', '--as=jane'])).stdout.trim(), 'no');
  assert.match(await ok(['auth', 'whoami', '--as=jane']), /Username\s+jane\nGroups\s+\[system:authenticated\]/);
});

test('kubectl auth can-i --list matches the bindings', { skip }, async () => {
  const list = await ok(['-n', 'demo', 'auth', 'can-i', '--list', `--as=${SA}`]);
  assert.match(list, /^configmaps\s+\[\]\s+\[\]\s+\[get list watch\]$/m);
  assert.match(list, /^deployments\.apps\/scale\s+\[\]\s+\[\]\s+\[get update patch\]$/m);
  assert.match(list, /^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/m);
  assert.match(list, /^\s+\[\/api\/\*\]\s+\[\]\s+\[get\]$/m);
  assert.doesNotMatch(list, /secrets|pods/);
  const jane = await ok(['-n', 'demo', 'auth', 'can-i', '--list', '--as=jane']);
  assert.match(jane, /^configmaps\s+\[\]\s+\[allowed\]\s+\[get update\]$/m);
  assert.match(jane, /^pods\/log\s+\[\]\s+\[\]\s+\[get list watch\]$/m);
  assert.match(await ok(['auth', 'can-i', '--list']), /^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]$/m);
});

test('a client certificate signed by the control plane CA: CN is the user, O the groups', { skip }, async () => {
  const cert = [`--client-certificate=${join(work, 'carol.crt')}`, `--client-key=${join(work, 'carol.key')}`, '--token='];
  await ok(['config', 'set-credentials', 'carol', ...cert.slice(0, 2), '--embed-certs']);
  await ok(['config', 'set-context', 'carol', '--cluster=kudo-local', '--user=carol', '--namespace=demo']);
  assert.match(await ok(['auth', 'whoami', '--context=carol']), /Username\s+carol\nGroups\s+\[team-a system:authenticated\]/);
  await fails(
    ['get', 'cm', '--context=carol'],
    'configmaps is forbidden: User "carol" cannot list resource "configmaps" in API group "" in the namespace "demo"',
  );
  await ok(['-n', 'demo', 'create', 'rolebinding', 'team-a', '--clusterrole=view', '--group=team-a']);
  assert.match(await ok(['get', 'cm', '--context=carol', '-o', 'name']), /configmap\/other/);
});

test('unauthenticated clients are system:anonymous: public info only; bad credentials are 401', { skip }, async () => {
  assert.equal((await raw('/version')).status, 200);
  assert.equal((await raw('/readyz')).status, 200);
  const api = await raw('/api');
  assert.equal(api.status, 403);
  assert.deepEqual(JSON.parse(api.body), {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'forbidden: User "system:anonymous" cannot get path "/api"',
    reason: 'Forbidden',
    details: {},
    code: 403,
  });
  const ns = await raw('/api/v1/namespaces');
  assert.equal(
    JSON.parse(ns.body).message,
    'namespaces is forbidden: User "system:anonymous" cannot list resource "namespaces" in API group "" at the cluster scope',
  );
  assert.equal((await raw('/api', { Authorization: 'Basic eHl6Onh5eg==' })).status, 403, 'basic auth is not configured: anonymous');
  assert.equal((await raw('/healthz', { Authorization: 'Bearer ' })).status, 200, 'an empty bearer token is no credential');
  const bad = await raw('/version', { Authorization: 'Bearer nope' });
  assert.equal(bad.status, 401);
  assert.deepEqual(JSON.parse(bad.body), {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'Unauthorized',
    reason: 'Unauthorized',
    code: 401,
  });
});

test('impersonation needs the impersonate verb', { skip }, async () => {
  const token = (await ok(['-n', 'demo', 'create', 'token', 'app'])).trim();
  await fails(
    ['get', 'cm', '--as=x', `--token=${token}`],
    'users "x" is forbidden: User "system:serviceaccount:demo:app" cannot impersonate resource "users" in API group "" at the cluster scope',
  );
  await ok(['create', 'clusterrole', 'imp-app', '--verb=impersonate', '--resource=serviceaccounts']);
  await ok(['-n', 'demo', 'create', 'rolebinding', 'jane-imp', '--clusterrole=imp-app', '--user=jane']);
  assert.match(await ok(['-n', 'demo', 'get', 'cm', '-o', 'name', '--as=jane', `--as=${SA}`]), /configmap\/other/);
});

test('escalation: roles and bindings granting more than the requester holds are refused; bind to missing roles is 404', { skip }, async () => {
  await ok([
    '-n',
    'demo',
    'create',
    'role',
    'rbac-mgr',
    '--verb=get,list,create,update,patch,delete',
    '--resource=roles.rbac.authorization.k8s.io,rolebindings.rbac.authorization.k8s.io',
  ]);
  await ok(['-n', 'demo', 'create', 'rolebinding', 'app-rbac', '--role=rbac-mgr', `--serviceaccount=demo:app`]);
  const groups = '(groups=["system:serviceaccounts" "system:serviceaccounts:demo" "system:authenticated"])';
  await fails(
    ['-n', 'demo', 'create', 'role', 'multi', '--verb=get,delete', '--resource=configmaps,secrets', `--as=${SA}`],
    `roles.rbac.authorization.k8s.io "multi" is forbidden: user "${SA}" ${groups} is attempting to grant RBAC permissions not currently held:\n` +
      '{APIGroups:[""], Resources:["configmaps"], Verbs:["delete"]}\n{APIGroups:[""], Resources:["secrets"], Verbs:["get" "delete"]}',
  );
  await ok(['-n', 'demo', 'create', 'role', 'cm3', '--verb=get', '--resource=configmaps', `--as=${SA}`]);
  await fails(
    ['-n', 'demo', 'create', 'rolebinding', 'b5', '--clusterrole=view', '--user=x', `--as=${SA}`],
    `rolebindings.rbac.authorization.k8s.io "b5" is forbidden: user "${SA}" ${groups} is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["bindings"], Verbs:["get" "list" "watch"]}`,
  );
  await ok(['-n', 'demo', 'create', 'rolebinding', 'b7', '--role=cm3', '--user=x', `--as=${SA}`]);
  await fails(
    ['-n', 'demo', 'create', 'rolebinding', 'b6', '--role=missing2', '--user=x', `--as=${SA}`],
    'roles.rbac.authorization.k8s.io "missing2" not found',
  );
  await fails(
    ['create', 'clusterrole', 'cr1', '--verb=get', '--resource=configmaps', `--as=${SA}`],
    'clusterroles.rbac.authorization.k8s.io is forbidden: User "system:serviceaccount:demo:app" cannot create resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope',
  );
  for (const name of ['multi', 'b5', 'b6'])
    assert.equal((await kubectl(['-n', 'demo', 'get', 'role,rolebinding', name])).code, 1, `${name} must not be stored`);
  // With the escalate verb the same role is allowed.
  await ok(['-n', 'demo', 'create', 'role', 'escalator', '--verb=escalate', '--resource=roles.rbac.authorization.k8s.io']);
  await ok(['-n', 'demo', 'create', 'rolebinding', 'app-escalate', '--role=escalator', `--serviceaccount=demo:app`]);
  await ok(['-n', 'demo', 'create', 'role', 'multi', '--verb=get,delete', '--resource=configmaps,secrets', `--as=${SA}`]);
  await fails(
    ['-n', 'demo', 'patch', 'rolebinding', 'b7', '--type=merge', '-p', '{"roleRef":{"name":"multi"}}'],
    'roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"multi"}: cannot change roleRef',
  );
});

test('bad input: bindings to missing roles are allowed and grant nothing; unknown verbs are stored; invalid rules are 422', { skip }, async () => {
  await ok(['-n', 'demo', 'create', 'rolebinding', 'jane-missing', '--role=missing', '--user=jane']);
  await fails(
    ['-n', 'demo', 'get', 'secrets', '--as=jane'],
    'secrets is forbidden: User "jane" cannot list resource "secrets" in API group "" in the namespace "demo": RBAC: role.rbac.authorization.k8s.io "missing" not found',
  );
  await ok(['-n', 'demo', 'create', 'role', 'weird', '--verb=frobnicate', '--resource=configmaps']);
  assert.equal((await ok(['-n', 'demo', 'get', 'role', 'weird', '-o', 'jsonpath={.rules[0].verbs[0]}'])).trim(), 'frobnicate');
  const bad = [
    'apiVersion: rbac.authorization.k8s.io/v1',
    'kind: Role',
    'metadata: {name: bad1, namespace: demo}',
    'rules:',
    '- {apiGroups: [""], resources: [configmaps]}',
    '- {resources: [pods], verbs: [get]}',
    '- {nonResourceURLs: ["/x"], verbs: [get]}',
  ].join('\n');
  const r = await kubectl(['create', '--validate=false', '-f', '-'], bad);
  assert.equal(r.code, 1);
  assert.ok(
    r.out.includes(
      'The Role "bad1" is invalid: \n* rules[0].verbs: Required value: verbs must contain at least one value\n* rules[1].apiGroups: Required value: resource rules must supply at least one api group\n* rules[2].nonResourceURLs: Invalid value: []string{"/x"}: namespaced rules cannot apply to non-resource URLs',
    ),
    r.out,
  );
  assert.equal((await kubectl(['-n', 'demo', 'get', 'role', 'bad1'])).code, 1);
  const binding =
    'apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: badb, namespace: demo}\nroleRef: {kind: Foo, name: x, apiGroup: rbac.authorization.k8s.io}\nsubjects:\n- {kind: User, name: ""}\n- {kind: Robot, name: r}\n';
  const rb = await kubectl(['create', '-f', '-'], binding);
  assert.ok(
    rb.out.includes(
      '* roleRef.kind: Unsupported value: "Foo": supported values: "Role", "ClusterRole"\n* subjects[0].name: Required value\n* subjects[1].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
    ),
    rb.out,
  );
});

test('aggregation: a ClusterRole labelled aggregate-to-view extends view (and edit, admin) until it is deleted', { skip }, async () => {
  const sar = (verb: string) =>
    JSON.stringify({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { user: 'jane', resourceAttributes: { namespace: 'demo', verb, group: 'example.com', resource: 'widgets' } },
    });
  const allowed = async () => JSON.parse(await ok(['create', '--validate=false', '-f', '-', '-o', 'json'], sar('list'))).status.allowed as boolean;
  assert.equal(await allowed(), false);
  await ok(
    ['apply', '-f', '-'],
    'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: widgets-view, labels: {rbac.authorization.k8s.io/aggregate-to-view: "true"}}\nrules: [{apiGroups: [example.com], resources: [widgets], verbs: [get, list]}]\n',
  );
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(await allowed(), true);
  assert.match(await ok(['get', 'clusterrole', 'admin', '-o', 'json']), /"widgets"/);
  await ok(['delete', 'clusterrole', 'widgets-view']);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(await allowed(), false);
});

test('legacy service-account token Secrets are filled by the tokens controller and valid while the Secret lives', { skip }, async () => {
  await ok(
    ['apply', '-f', '-'],
    'apiVersion: v1\nkind: Secret\nmetadata: {name: legacy, namespace: demo, annotations: {kubernetes.io/service-account.name: app}}\ntype: kubernetes.io/service-account-token\n',
  );
  let token = '';
  for (let i = 0; i < 50 && !token; i++) {
    token = Buffer.from(await ok(['-n', 'demo', 'get', 'secret', 'legacy', '-o', 'jsonpath={.data.token}']), 'base64').toString();
    if (!token) await new Promise((r) => setTimeout(r, 50));
  }
  assert.match(await ok(['-n', 'demo', 'get', 'cm', '-o', 'name', `--token=${token}`]), /configmap\/allowed/);
  await fails(
    ['-n', 'demo', 'create', 'secret', 'generic', 'legacy2', '--type=kubernetes.io/service-account-token'],
    'metadata.annotations[kubernetes.io/service-account.name]: Required value',
  );
  await ok(['-n', 'demo', 'delete', 'secret', 'legacy']);
  await fails(['-n', 'demo', 'get', 'cm', `--token=${token}`], 'Unauthorized');
});

test('service-account issuer discovery: the JWKS verifies a token a service account can fetch it with', { skip }, async () => {
  const token = (await ok(['-n', 'demo', 'create', 'token', 'app'])).trim();
  const auth = { Authorization: `Bearer ${token}` };
  const config = await raw('/.well-known/openid-configuration', auth);
  assert.equal(config.status, 200, config.body);
  const { issuer, jwks_uri } = JSON.parse(config.body) as { issuer: string; jwks_uri: string };
  assert.equal(issuer, 'https://kubernetes.default.svc.cluster.local');
  assert.equal(new URL(jwks_uri).pathname, '/openid/v1/jwks');
  const jwks = await raw('/openid/v1/jwks', auth);
  assert.equal(jwks.status, 200, jwks.body);
  const [header, payload, signature] = token.split('.');
  const { kid } = JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid: string };
  const key = (JSON.parse(jwks.body) as { keys: (JsonWebKey & { kid: string })[] }).keys.find((k) => k.kid === kid);
  assert.ok(key, `no key ${kid} in ${jwks.body}`);
  const publicKey = createPublicKey({ key, format: 'jwk' });
  assert.ok(verify('sha256', Buffer.from(`${header}.${payload}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url')));
  // Anonymous clients are not granted discovery by default.
  assert.equal((await raw('/openid/v1/jwks')).status, 403);
});
