import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { after, before, test } from 'node:test';
import { generateKeyPair } from '../../crypto/x509.js';
import { createCertificateRequestPem } from '../../crypto/pkcs10.js';
import { startControlPlane, type ControlPlane } from '../index.js';
import { csrCondition, signerNameCauses } from './csr.js';

let cp: ControlPlane;
let rbac: ControlPlane;
before(async () => {
  cp = await startControlPlane({ insecureHttp: true });
  rbac = await startControlPlane();
});
after(async () => {
  await cp.stop();
  await rbac.stop();
});

const BASE = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
const key = generateKeyPair('ecdsa');
const PEM = createCertificateRequestPem({ commonName: 'jane', organizations: ['qa'], privateKey: key.privateKey });
const b64 = (s: string) => Buffer.from(s).toString('base64');

async function req(method: string, path: string, body?: unknown) {
  const res = await fetch(cp.url + path, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: body === undefined ? {} : { 'Content-Type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' },
  });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text) };
}

const csr = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'certificates.k8s.io/v1',
  kind: 'CertificateSigningRequest',
  metadata: { name },
  spec: { request: b64(PEM), signerName: 'example.com/signer', usages: ['client auth'], ...spec },
});

const messages = (r: { json: { details?: { causes?: { field: string; message: string }[] } } }) =>
  (r.json.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);

test('create records the requesting user and drops a pre-set status', async () => {
  const r = await req('POST', BASE, {
    ...csr('c1', { username: 'spoofed', groups: ['x'], uid: 'u' }),
    status: { conditions: [{ type: 'Approved', status: 'True' }] },
  });
  assert.equal(r.status, 201);
  assert.equal(r.json.spec.username, 'system:unsecured');
  assert.deepEqual(r.json.spec.groups, ['system:masters', 'system:authenticated']);
  assert.equal(r.json.spec.uid, undefined);
  assert.deepEqual(r.json.status, {});
});

test('create validation: PEM, usages, signer name, expiration, as kube-apiserver words them', async () => {
  const r = await req(
    'POST',
    BASE,
    csr('bad', { request: b64('abc'), usages: ['client auth', 'flying', 'client auth'], signerName: 'nodomain', expirationSeconds: 60 }),
  );
  assert.equal(r.status, 422);
  assert.deepEqual(messages(r), [
    'spec.request: Invalid value: []byte{0x61, 0x62, 0x63}: PEM block type must be CERTIFICATE REQUEST',
    `spec.usages[1]: Unsupported value: "flying": supported values: "any", "cert sign", "client auth", "code signing", "content commitment", "crl sign", "data encipherment", "decipher only", "digital signature", "email protection", "encipher only", "ipsec end system", "ipsec tunnel", "ipsec user", "key agreement", "key encipherment", "microsoft sgc", "netscape sgc", "ocsp signing", "s/mime", "server auth", "signing", "timestamping"`,
    'spec.usages[2]: Duplicate value: "client auth"',
    `spec.signerName: Invalid value: "nodomain": must be a fully qualified domain and path of the form 'example.com/signer-name'`,
    'spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 600 seconds (10 minutes)',
  ]);
  const legacy = await req('POST', BASE, csr('legacy', { signerName: 'kubernetes.io/legacy-unknown', usages: [] }));
  assert.deepEqual(messages(legacy), [
    'spec.usages: Required value: usages must be provided',
    'spec.signerName: Invalid value: "kubernetes.io/legacy-unknown": the legacy signerName is not allowed via this API version',
  ]);
  assert.deepEqual(signerNameCauses('s', undefined), [{ reason: 'FieldValueRequired', field: 's', message: 'Required value' }]);
  assert.deepEqual(
    signerNameCauses('s', 'example/Bad').map((c) => c.message),
    [
      'Invalid value: "example": should be a domain with at least two segments separated by dots',
      `Invalid value: "Bad": validating label "Bad": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    ],
  );
});

test('spec is immutable and the main resource ignores status; /approval sets conditions only', async () => {
  await req('POST', BASE, csr('c2'));
  const put = await req('PATCH', `${BASE}/c2`, {
    spec: { signerName: 'example.com/other' },
    status: { conditions: [{ type: 'Approved', status: 'True' }] },
    metadata: { labels: { a: 'b' } },
  });
  assert.equal(put.status, 200);
  assert.equal(put.json.spec.signerName, 'example.com/signer');
  assert.deepEqual(put.json.status, {});
  assert.deepEqual(put.json.metadata.labels, { a: 'b' });

  const approved = await req('PATCH', `${BASE}/c2/approval`, {
    spec: { signerName: 'example.com/other' },
    status: { certificate: 'eA==', conditions: [{ type: 'Approved', status: 'True', reason: 'R', message: 'ok' }] },
  });
  assert.equal(approved.status, 200);
  assert.equal(approved.json.spec.signerName, 'example.com/signer');
  assert.equal(approved.json.status.certificate, undefined);
  const [c] = approved.json.status.conditions;
  assert.equal(c.type, 'Approved');
  assert.match(c.lastUpdateTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(c.lastTransitionTime, c.lastUpdateTime);
  // The approval's field manager owns the conditions it wrote, recorded under its subresource.
  const entry = approved.json.metadata.managedFields.find((m: { subresource?: string }) => m.subresource === 'approval');
  assert.deepEqual(Object.keys(entry.fieldsV1), ['f:status']);
  assert.ok(entry.fieldsV1['f:status']['f:conditions']);

  const both = await req('PATCH', `${BASE}/c2/approval`, {
    status: {
      conditions: [
        { type: 'Approved', status: 'True' },
        { type: 'Denied', status: 'True' },
        { type: 'Denied', status: 'True' },
      ],
    },
  });
  assert.equal(both.status, 422);
  assert.deepEqual(messages(both), [
    'status.conditions[1].type: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive',
    'status.conditions[2].type: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive',
    'status.conditions[2].type: Duplicate value: "Denied"',
  ]);
  const removed = await req('PATCH', `${BASE}/c2/approval`, { status: { conditions: null } });
  assert.deepEqual(messages(removed), ['status.conditions: Forbidden: updates may not remove a condition of type "Approved"']);
});

test('/status sets the certificate (PEM only, once) and Failed conditions, but not approvals', async () => {
  await req('POST', BASE, csr('c3'));
  const notPem = await req('PATCH', `${BASE}/c3/status`, { status: { certificate: b64('junk') } });
  assert.deepEqual(messages(notPem), ['status.certificate: Invalid value: "<certificate data>": must contain at least one CERTIFICATE PEM block']);
  const approve = await req('PATCH', `${BASE}/c3/status`, { status: { conditions: [{ type: 'Approved', status: 'True' }] } });
  assert.deepEqual(messages(approve), ['status.conditions: Forbidden: updates may not add a condition of type "Approved"']);
  const failed = await req('PATCH', `${BASE}/c3/status`, { status: { conditions: [{ type: 'Failed', status: 'False' }] } });
  assert.deepEqual(messages(failed), ['status.conditions[0].status: Unsupported value: "False": supported values: "True"']);
  const cert = b64(rbac.caPem!);
  const set = await req('PATCH', `${BASE}/c3/status`, { status: { certificate: cert, conditions: [{ type: 'Failed', status: 'True', reason: 'X' }] } });
  assert.equal(set.status, 200);
  assert.equal(set.json.status.certificate, cert);
  assert.equal(csrCondition(set.json), 'Pending,Failed,Issued');
  const again = await req('PATCH', `${BASE}/c3/status`, { status: { certificate: b64(rbac.caPem! + rbac.caPem!) } });
  assert.deepEqual(messages(again), ['status.certificate: Forbidden: updates may not modify existing certificate content']);
});

test('table columns and the spec.signerName field selector', async () => {
  await req('POST', BASE, csr('c4', { expirationSeconds: 7200 }));
  const res = await fetch(`${cp.url}${BASE}?fieldSelector=spec.signerName=example.com/signer`, {
    headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
  });
  const table = (await res.json()) as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
  assert.deepEqual(
    table.columnDefinitions.map((c) => c.name),
    ['Name', 'Age', 'SignerName', 'Requestor', 'RequestedDuration', 'Condition'],
  );
  const row = table.rows.find((r) => r.cells[0] === 'c4')!;
  assert.deepEqual(row.cells.slice(2), ['example.com/signer', 'system:unsecured', '120m', 'Pending']);
  const none = await req('GET', `${BASE}?fieldSelector=spec.signerName=example.com/nobody`);
  assert.deepEqual(none.json.items, []);
});

/** An HTTPS request to the RBAC control plane as a user with a client certificate. */
function asUser(user: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const { certPem, keyPem } = rbac.access.issueClientCertificate(user, []);
  return new Promise((done, fail) => {
    const r = httpsRequest(
      new URL(path, rbac.url),
      {
        method,
        ca: rbac.caPem,
        cert: certPem,
        key: keyPem,
        headers: { 'Content-Type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => done({ status: res.statusCode!, json: JSON.parse(text) }));
      },
    );
    r.on('error', fail);
    r.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

test('approving needs update on the approval subresource and approve on the signer (or <domain>/*)', async () => {
  const role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'csr-approver' },
    rules: [
      {
        apiGroups: ['certificates.k8s.io'],
        resources: ['certificatesigningrequests', 'certificatesigningrequests/approval'],
        verbs: ['create', 'get', 'update', 'patch'],
      },
    ],
  };
  const signerRole = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'signer-approver' },
    rules: [{ apiGroups: ['certificates.k8s.io'], resources: ['signers'], resourceNames: ['example.com/*'], verbs: ['approve'] }],
  };
  const bind = (name: string, roleName: string) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'carol' }],
  });
  const core = rbac.core;
  const t = (g: string, r: string) => core.registry.lookup(g, 'v1', r)!;
  core.create(t('rbac.authorization.k8s.io', 'clusterroles'), undefined, role as never);
  core.create(t('rbac.authorization.k8s.io', 'clusterrolebindings'), undefined, bind('carol-csr', 'csr-approver') as never);
  const created = await asUser('carol', 'POST', BASE, csr('by-carol'));
  assert.equal(created.status, 201);
  assert.equal(created.json.spec.username, 'carol');
  const approval = { status: { conditions: [{ type: 'Approved', status: 'True', reason: 'R' }] } };
  const refused = await asUser('carol', 'PATCH', `${BASE}/by-carol/approval`, approval);
  assert.equal(refused.status, 403);
  assert.equal(
    refused.json.message,
    'certificatesigningrequests.certificates.k8s.io "by-carol" is forbidden: user not permitted to approve requests with signerName "example.com/signer"',
  );
  core.create(t('rbac.authorization.k8s.io', 'clusterroles'), undefined, signerRole as never);
  core.create(t('rbac.authorization.k8s.io', 'clusterrolebindings'), undefined, bind('carol-signer', 'signer-approver') as never);
  const allowed = await asUser('carol', 'PATCH', `${BASE}/by-carol/approval`, approval);
  assert.equal(allowed.status, 200, JSON.stringify(allowed.json));
  assert.equal(allowed.json.status.conditions[0].type, 'Approved');
});

test('kube-apiserver-client requests for system:masters are refused at create', async () => {
  const masters = createCertificateRequestPem({ commonName: 'root', organizations: ['system:masters'], privateKey: key.privateKey });
  const r = await asUser('anyone', 'POST', BASE, csr('root', { request: b64(masters), signerName: 'kubernetes.io/kube-apiserver-client' }));
  // anyone may not create CSRs at all: RBAC refuses first.
  assert.equal(r.status, 403);
  const res = await req('POST', BASE, csr('root', { request: b64(masters), signerName: 'kubernetes.io/kube-apiserver-client' }));
  assert.equal(res.status, 403);
  assert.equal(
    res.json.message,
    'certificatesigningrequests.certificates.k8s.io "root" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed',
  );
});
