/**
 * End-to-end: admission webhooks registered through admissionregistration.k8s.io/v1 on the
 * embedded control plane, called over HTTPS (CA bundle checked), driven through the HTTP API.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { createCertificate, createSelfSignedCa, generateKeyPair } from '../../crypto/x509.js';
import { startControlPlane, type ControlPlane } from '../index.js';

type Any = Record<string, any>;

let cp: ControlPlane;
let hookServer: Server;
let hookPort: number;
let caBundle: string;
let otherCaBundle: string;
/** What the webhook server answers, per path; and the reviews it received. */
let answers: Record<string, (req: Any) => Any>;
let received: { path: string; review: Any }[];

function pki(): { caPem: string; certPem: string; keyPem: string } {
  const { certPem: caPem, key: caKey } = createSelfSignedCa('test-webhook-ca', 30);
  const key = generateKeyPair('ecdsa');
  const certPem = createCertificate({
    subject: { commonName: 'webhook' },
    dnsNames: ['localhost', 'hooks.default.svc'],
    ipAddresses: ['127.0.0.1'],
    notAfter: 30,
    extKeyUsage: ['serverAuth'],
    publicKey: key.publicKey,
    issuer: { certPem: caPem, privateKey: caKey.privateKey },
  });
  return { caPem, certPem, keyPem: key.privateKeyPem };
}

before(async () => {
  const tls = pki();
  caBundle = Buffer.from(tls.caPem).toString('base64');
  otherCaBundle = Buffer.from(pki().caPem).toString('base64');
  hookServer = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const review = JSON.parse(body) as Any;
      const path = new URL(req.url ?? '/', 'https://x').pathname;
      received.push({ path, review });
      if (path === '/slow') return void setTimeout(() => res.end('{}'), 3000);
      const answer = answers[path]?.(review.request) ?? { allowed: true };
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ apiVersion: review.apiVersion, kind: 'AdmissionReview', response: { uid: review.request.uid, ...answer } }));
    });
  });
  await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
  hookPort = (hookServer.address() as AddressInfo).port;
  cp = await startControlPlane({ port: 0, insecureHttp: true });
});

after(async () => {
  await cp.stop();
  hookServer.closeAllConnections();
  await new Promise((r) => hookServer.close(r));
});

beforeEach(async () => {
  answers = {};
  received = [];
  for (const kind of ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations']) await api('DELETE', `/apis/admissionregistration.k8s.io/v1/${kind}`);
});

async function api(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: Any }> {
  const res = await fetch(cp.url + path, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': contentType },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Any };
}

function webhook(name: string, path: string, extra: Any = {}): Any {
  return {
    name,
    admissionReviewVersions: ['v1'],
    sideEffects: 'None',
    clientConfig: { url: `https://127.0.0.1:${hookPort}${path}`, caBundle },
    rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['configmaps'] }],
    ...extra,
  };
}

async function register(kind: 'Mutating' | 'Validating', name: string, hooks: Any[]): Promise<void> {
  const r = await api('POST', `/apis/admissionregistration.k8s.io/v1/${kind.toLowerCase()}webhookconfigurations`, {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: `${kind}WebhookConfiguration`,
    metadata: { name },
    webhooks: hooks,
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
}

const configMap = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, labels },
  data: { a: '1' },
});
const patchOf = (ops: unknown) => Buffer.from(JSON.stringify(ops)).toString('base64');

test('a mutating webhook gets an AdmissionReview v1 and its JSON patch is applied; webhooks run in order', async () => {
  answers['/first'] = () => ({ allowed: true, patchType: 'JSONPatch', patch: patchOf([{ op: 'add', path: '/metadata/labels', value: { first: 'yes' } }]) });
  answers['/second'] = (req) => ({
    allowed: true,
    patchType: 'JSONPatch',
    patch: patchOf([{ op: 'add', path: '/data/seen', value: String(req.object.metadata.labels.first) }]),
  });
  await register('Mutating', 'b-second', [webhook('second.example.com', '/second')]);
  await register('Mutating', 'a-first', [webhook('first.example.com', '/first')]);
  const created = await api('POST', '/api/v1/namespaces/default/configmaps', configMap('m1'));
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.metadata.labels.first, 'yes');
  assert.equal(created.body.data.seen, 'yes', "the second webhook saw the first one's patch");
  assert.deepEqual(
    received.map((r) => r.path),
    ['/first', '/second'],
  );
  const review = received[0]!.review;
  assert.equal(review.apiVersion, 'admission.k8s.io/v1');
  assert.equal(review.kind, 'AdmissionReview');
  const req = review.request;
  assert.match(req.uid, /^[0-9a-f-]{36}$/);
  assert.deepEqual(req.kind, { group: '', version: 'v1', kind: 'ConfigMap' });
  assert.deepEqual(req.resource, { group: '', version: 'v1', resource: 'configmaps' });
  assert.deepEqual(req.requestKind, req.kind);
  assert.equal(req.operation, 'CREATE');
  assert.equal(req.namespace, 'default');
  assert.equal(req.name, 'm1');
  assert.equal(req.dryRun, false);
  assert.equal(req.oldObject, null);
  assert.equal(req.object.data.a, '1');
  assert.equal(req.options.kind, 'CreateOptions');
  assert.ok(req.userInfo.username);
  answers['/first'] = () => ({ allowed: true, patchType: 'JSONPatch', patch: patchOf([{ op: 'replace', path: '/nothing/here', value: 1 }]) });
  const broken = await api('POST', '/api/v1/namespaces/default/configmaps', configMap('m2'));
  assert.equal(broken.status, 500);
  assert.match(broken.body.message, /^Internal error occurred: /);
  answers['/first'] = () => ({ allowed: true });
  const stored = await api('GET', '/api/v1/namespaces/default/configmaps/m1');
  assert.equal(stored.body.metadata.labels.first, 'yes');

  const updated = await api('PATCH', '/api/v1/namespaces/default/configmaps/m1', { data: { b: '2' } }, 'application/merge-patch+json');
  assert.equal(updated.status, 200);
  const update = received.find((r) => r.review.request.operation === 'UPDATE')!.review.request;
  assert.equal(update.oldObject.data.b, undefined);
  assert.equal(update.object.data.b, '2');
  assert.equal(update.options.kind, 'UpdateOptions');
});

test('a validating webhook denial fails the request with its code and message and stores nothing', async () => {
  answers['/deny'] = (req) =>
    req.object.metadata.name === 'bad' ? { allowed: false, status: { code: 403, message: 'bad is a bad name' } } : { allowed: true };
  await register('Validating', 'deny', [webhook('deny.example.com', '/deny')]);
  const denied = await api('POST', '/api/v1/namespaces/default/configmaps', configMap('bad'));
  assert.equal(denied.status, 403);
  assert.equal(denied.body.message, 'admission webhook "deny.example.com" denied the request: bad is a bad name');
  assert.equal((await api('GET', '/api/v1/namespaces/default/configmaps/bad')).status, 404);
  assert.equal((await api('POST', '/api/v1/namespaces/default/configmaps', configMap('good'))).status, 201);
  answers['/deny'] = () => ({ allowed: false });
  const bare = await api('POST', '/api/v1/namespaces/default/configmaps', configMap('other'));
  assert.equal(bare.status, 400);
  assert.equal(bare.body.message, 'admission webhook "deny.example.com" denied the request without explanation');
});

test('failurePolicy: an unreachable webhook fails the request with Fail and is skipped with Ignore', async () => {
  const closed = { url: 'https://127.0.0.1:1/nothing', caBundle };
  await register('Validating', 'down', [webhook('down.example.com', '/', { clientConfig: closed })]);
  const failed = await api('POST', '/api/v1/namespaces/default/configmaps', configMap('f1'));
  assert.equal(failed.status, 500);
  assert.equal(
    failed.body.message,
    'Internal error occurred: failed calling webhook "down.example.com": failed to call webhook: Post "https://127.0.0.1:1/nothing?timeout=10s": dial tcp 127.0.0.1:1: connect: connection refused',
  );
  assert.equal((await api('GET', '/api/v1/namespaces/default/configmaps/f1')).status, 404);
  await api('DELETE', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/down');
  await register('Validating', 'down', [webhook('down.example.com', '/', { clientConfig: closed, failurePolicy: 'Ignore' })]);
  assert.equal((await api('POST', '/api/v1/namespaces/default/configmaps', configMap('f2'))).status, 201);
});

test('the caBundle is checked and timeoutSeconds honoured', async () => {
  await register('Validating', 'wrong-ca', [
    webhook('ca.example.com', '/ok', { clientConfig: { url: `https://127.0.0.1:${hookPort}/ok`, caBundle: otherCaBundle } }),
  ]);
  const r = await api('POST', '/api/v1/namespaces/default/configmaps', configMap('ca1'));
  assert.equal(r.status, 500);
  assert.match(r.body.message, /^Internal error occurred: failed calling webhook "ca.example.com": failed to call webhook: Post .*x509/);
  await api('DELETE', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/wrong-ca');
  await register('Validating', 'slow', [webhook('slow.example.com', '/slow', { timeoutSeconds: 1 })]);
  const started = Date.now();
  const slow = await api('POST', '/api/v1/namespaces/default/configmaps', configMap('slow1'));
  assert.equal(slow.status, 500);
  assert.match(slow.body.message, /context deadline exceeded/);
  assert.ok(Date.now() - started < 2500);
});

test('rules, objectSelector and namespaceSelector decide which requests a webhook sees', async () => {
  answers['/deny'] = () => ({ allowed: false, status: { message: 'no' } });
  await register('Validating', 'picky', [
    webhook('picky.example.com', '/deny', {
      rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'], scope: 'Namespaced' }],
      objectSelector: { matchLabels: { guarded: 'true' } },
      namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['default'] }] },
    }),
  ]);
  assert.equal((await api('POST', '/api/v1/namespaces/default/configmaps', configMap('free'))).status, 201, 'objectSelector does not match');
  assert.equal((await api('POST', '/api/v1/namespaces/default/configmaps', configMap('guarded', { guarded: 'true' }))).status, 400);
  assert.equal(
    (await api('POST', '/api/v1/namespaces/kube-public/configmaps', configMap('guarded', { guarded: 'true' }))).status,
    201,
    'namespaceSelector does not match',
  );
  assert.equal(
    (await api('POST', '/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', labels: { guarded: 'true' } } }))
      .status,
    201,
    'other resources are not covered',
  );
  assert.equal(
    (await api('PATCH', '/api/v1/namespaces/default/configmaps/free', { metadata: { labels: { guarded: 'true' } } }, 'application/merge-patch+json')).status,
    200,
    'UPDATE is not covered',
  );
  assert.equal(received.length, 1);
});

test("a service reference reaches the webhook through the service's endpoints, verified for <svc>.<ns>.svc", async () => {
  answers['/svc'] = () => ({ allowed: true, patchType: 'JSONPatch', patch: patchOf([{ op: 'add', path: '/metadata/labels', value: { via: 'service' } }]) });
  const svc = await api('POST', '/api/v1/namespaces/default/services', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'hooks' },
    spec: { ports: [{ port: 443, targetPort: hookPort }] },
  });
  assert.equal(svc.status, 201);
  await register('Mutating', 'via-service', [
    webhook('svc.example.com', '', { clientConfig: { service: { namespace: 'default', name: 'hooks', path: '/svc' }, caBundle } }),
  ]);
  const noEndpoints = await api('POST', '/api/v1/namespaces/default/configmaps', configMap('s0'));
  assert.equal(noEndpoints.status, 500);
  assert.match(noEndpoints.body.message, /no endpoints available for service "hooks"/);
  const ep = await api('POST', '/api/v1/namespaces/default/endpoints', {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'hooks' },
    subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ port: hookPort }] }],
  });
  assert.equal(ep.status, 201);
  const ok = await api('POST', '/api/v1/namespaces/default/configmaps', configMap('s1'));
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  assert.equal(ok.body.metadata.labels.via, 'service');
});

test('dry runs are refused by webhooks with side effects; configurations are validated', async () => {
  await register('Validating', 'effects', [webhook('effects.example.com', '/ok', { sideEffects: 'NoneOnDryRun' })]);
  assert.equal((await api('POST', '/api/v1/namespaces/default/configmaps?dryRun=All', configMap('d1'))).status, 201);
  const bad = await api('POST', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: 'bad' },
    webhooks: [{ name: 'nodots', clientConfig: { url: 'http://127.0.0.1/x' }, rules: [] }],
  });
  assert.equal(bad.status, 422);
  const causes = (bad.body.details.causes as Any[]).map((c) => `${c.field}: ${c.message}`);
  assert.ok(causes.includes('webhooks[0].name: Invalid value: "nodots": should be a domain with at least three segments separated by dots'), causes.join('\n'));
  assert.ok(causes.includes('webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun'));
  // Worded as kube-apiserver words it (checked against a real one by conformance/differential).
  assert.ok(
    causes.includes('webhooks[0].clientConfig.url: Invalid value: "http": \'https\' is the only allowed URL scheme; desired format: https://host[/path]'),
  );
  const defaulted = await api('GET', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/effects');
  const w = defaulted.body.webhooks[0];
  assert.deepEqual([w.failurePolicy, w.matchPolicy, w.timeoutSeconds, w.rules[0].scope], ['Fail', 'Equivalent', 10, '*']);
  assert.deepEqual(w.namespaceSelector, {});
});

test('reinvocationPolicy IfNeeded calls a webhook again when a later one changed the object', async () => {
  answers['/again'] = (req) => ({
    allowed: true,
    patchType: 'JSONPatch',
    patch: patchOf([{ op: 'add', path: '/data/again', value: String(req.object.data.later ?? 'none') }]),
  });
  answers['/later'] = () => ({ allowed: true, patchType: 'JSONPatch', patch: patchOf([{ op: 'add', path: '/data/later', value: 'set' }]) });
  await register('Mutating', 'a-again', [webhook('again.example.com', '/again', { reinvocationPolicy: 'IfNeeded' })]);
  await register('Mutating', 'b-later', [webhook('later.example.com', '/later')]);
  const r = await api('POST', '/api/v1/namespaces/default/configmaps', configMap('re1'));
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.deepEqual(
    received.map((x) => x.path),
    ['/again', '/later', '/again'],
  );
  assert.equal(r.body.data.again, 'set', 'the second call saw the later change');
});

const SUITES = join(import.meta.dirname, '../../../../shared/testdata/kudo-suites');

test(
  "KUDO's Instance webhook registration is accepted, and Instances are refused while the manager is not listening",
  { skip: !existsSync(SUITES) && 'the shared KUDO suites are not present' },
  async () => {
    const crd = parseAllDocuments(readFileSync(join(SUITES, 'crds/kudo.dev_instances.yaml'), 'utf8'))[0]!.toJSON() as Any;
    assert.equal((await api('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status, 201);
    const mwc = parseAllDocuments(readFileSync(join(SUITES, 'manifests/instance-admission-webhook.yaml'), 'utf8'))[0]!.toJSON() as Any;
    // Port 1 instead of 9443, so a manager running elsewhere on this machine cannot answer.
    mwc.webhooks[0].clientConfig.url = mwc.webhooks[0].clientConfig.url.replace(':9443/', ':1/');
    const created = await api('POST', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', mwc);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const instances = '/apis/kudo.dev/v1beta1/namespaces/default/instances';
    let r = await api('GET', instances);
    for (let i = 0; i < 50 && r.status !== 200; i++) {
      await new Promise((res) => setTimeout(res, 20));
      r = await api('GET', instances);
    }
    const refused = await api('POST', instances, { apiVersion: 'kudo.dev/v1beta1', kind: 'Instance', metadata: { name: 'i1' }, spec: {} });
    assert.equal(refused.status, 500);
    assert.equal(
      refused.body.message,
      'Internal error occurred: failed calling webhook "instance-admission.kudo.dev": failed to call webhook: Post "https://127.0.0.1:1/admit-kudo-dev-v1beta1-instance?timeout=10s": dial tcp 127.0.0.1:1: connect: connection refused',
    );
    await api('DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/instances.kudo.dev');
  },
);
