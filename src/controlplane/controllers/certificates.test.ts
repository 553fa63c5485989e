import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../k8s/object.js';
import { createCertificateRequestPem, parseCertificateRequestPem } from '../../crypto/pkcs10.js';
import { generateKeyPair } from '../../crypto/x509.js';
import { startControlPlane, type ControlPlane } from '../index.js';
import { isExpired, lifetimeSeconds, signerRefusal } from './certificates.js';

const key = generateKeyPair('ecdsa');
const request = (commonName: string, organizations: string[] = [], dnsNames: string[] = []) =>
  createCertificateRequestPem({ commonName, organizations, dnsNames, privateKey: key.privateKey });

test('each signer refuses what kube-controller-manager refuses, with its message', () => {
  const user = parseCertificateRequestPem(request('jane'));
  const client = 'kubernetes.io/kube-apiserver-client';
  assert.equal(signerRefusal(client, user, ['digital signature', 'key encipherment', 'client auth']), undefined);
  assert.equal(signerRefusal(client, user, ['client auth', 'server auth']), 'invalid usage for client certificate: server auth');
  assert.equal(signerRefusal(client, user, ['digital signature']), 'missing required usage for client certificate: client auth');

  const kubelet = 'kubernetes.io/kube-apiserver-client-kubelet';
  const node = parseCertificateRequestPem(request('system:node:n1', ['system:nodes']));
  assert.equal(signerRefusal(kubelet, node, ['digital signature', 'client auth']), undefined);
  assert.equal(signerRefusal(kubelet, user, ['digital signature', 'client auth']), 'subject organization is not system:nodes');
  assert.equal(
    signerRefusal(kubelet, parseCertificateRequestPem(request('n1', ['system:nodes'])), ['client auth']),
    'subject common name does not begin with system:node:',
  );
  assert.equal(signerRefusal(kubelet, node, ['client auth']), 'usages did not match [client auth digital signature key encipherment]');
  assert.equal(
    signerRefusal(kubelet, parseCertificateRequestPem(request('system:node:n1', ['system:nodes'], ['n1'])), []),
    'DNS subjectAltNames are not allowed',
  );

  const serving = 'kubernetes.io/kubelet-serving';
  const servingNode = parseCertificateRequestPem(request('system:node:n1', ['system:nodes'], ['n1.local']));
  assert.equal(signerRefusal(serving, servingNode, ['digital signature', 'key encipherment', 'server auth']), undefined);
  assert.equal(signerRefusal(serving, node, ['digital signature', 'server auth']), 'DNS or IP subjectAltName is required');
  assert.equal(signerRefusal(serving, servingNode, ['client auth']), 'usages did not match [digital signature key encipherment server auth]');
});

test('lifetimes honour expirationSeconds between ten minutes and the maximum', () => {
  assert.equal(lifetimeSeconds(undefined), 365 * 86400);
  assert.equal(lifetimeSeconds(3600), 3600);
  assert.equal(lifetimeSeconds(60), 600);
  assert.equal(lifetimeSeconds(10 ** 9, 86400), 86400);
});

test('the cleaner keeps requests for an hour after a decision and a day while pending', () => {
  const at = (iso: string) => Date.parse(iso);
  const csr = (conditions: object[], created = '2030-01-01T00:00:00Z') =>
    ({
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { name: 'x', creationTimestamp: created },
      status: { conditions },
    }) as KubeObject;
  const approved = csr([{ type: 'Approved', status: 'True', lastUpdateTime: '2030-01-01T00:00:00Z' }]);
  assert.equal(isExpired(approved, at('2030-01-01T00:59:00Z')), false);
  assert.equal(isExpired(approved, at('2030-01-01T01:01:00Z')), true);
  const denied = csr([{ type: 'Denied', status: 'True', lastUpdateTime: '2030-01-01T00:00:00Z' }]);
  assert.equal(isExpired(denied, at('2030-01-01T01:01:00Z')), true);
  const pending = csr([]);
  assert.equal(isExpired(pending, at('2030-01-01T23:00:00Z')), false);
  assert.equal(isExpired(pending, at('2030-01-02T00:01:00Z')), true);
});

let cp: ControlPlane;
before(async () => {
  cp = await startControlPlane();
});
after(() => cp.stop());

const wait = () => new Promise((r) => setTimeout(r, 50));

test('the controller signs approved requests of its signers only, with the requested lifetime', async () => {
  const t = cp.core.registry.lookup('certificates.k8s.io', 'v1', 'certificatesigningrequests')!;
  const create = (name: string, signerName: string, usages: string[], pem = request('jane', ['qa'])) =>
    cp.core.create(t, undefined, {
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { name },
      spec: { request: Buffer.from(pem).toString('base64'), signerName, usages, expirationSeconds: 1200 },
    } as KubeObject);
  const approve = (name: string) =>
    cp.core.mutate(
      t,
      undefined,
      name,
      (o) => ({ ...o, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'Test' }] } }),
      {},
      'approval',
      'update',
    );
  const get = (name: string) => cp.core.get(t, undefined, name) as KubeObject & { status: { certificate?: string; conditions?: { type: string }[] } };

  create('client', 'kubernetes.io/kube-apiserver-client', ['client auth']);
  create('custom', 'example.com/mine', ['client auth']);
  await wait();
  assert.equal(get('client').status.certificate, undefined, 'not signed before approval');
  approve('client');
  approve('custom');
  await wait();
  const cert = new X509Certificate(Buffer.from(get('client').status.certificate!, 'base64'));
  assert.equal(cert.subject, 'O=qa\nCN=jane');
  assert.ok(cert.checkIssued(new X509Certificate(cp.caPem!)));
  assert.equal((Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 1000, 1200);
  assert.equal(get('custom').status.certificate, undefined, 'other signers are left to their own controllers');

  create('kubelet', 'kubernetes.io/kube-apiserver-client-kubelet', ['client auth']);
  approve('kubelet');
  await wait();
  const failed = get('kubelet').status.conditions!.find((c) => c.type === 'Failed') as { reason: string; message: string } | undefined;
  assert.deepEqual([failed?.reason, failed?.message], ['SignerValidationFailure', 'subject organization is not system:nodes']);
  assert.equal(get('kubelet').status.certificate, undefined);
});
