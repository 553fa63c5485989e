import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { createCertificate, generateKeyPair } from './x509.js';
import { createCertificateRequestPem, parseCertificateRequestPem } from './pkcs10.js';
import { issueCertificate } from './issue.js';
import * as der from './der.js';

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

test('requests built here parse back with their subject, SANs and key, for every key type', () => {
  for (const [kind, bits] of [
    ['rsa', 2048],
    ['ecdsa', 256],
    ['ecdsa', 384],
    ['ed25519', undefined],
  ] as const) {
    const key = generateKeyPair(kind, bits);
    const pem = createCertificateRequestPem({
      commonName: 'system:node:n1',
      organizations: ['system:nodes'],
      dnsNames: ['n1.local'],
      privateKey: key.privateKey,
    });
    assert.match(pem, /^-----BEGIN CERTIFICATE REQUEST-----\n/);
    const req = parseCertificateRequestPem(pem);
    assert.equal(req.commonName, 'system:node:n1');
    assert.deepEqual(req.organizations, ['system:nodes']);
    assert.deepEqual(req.dnsNames, ['n1.local']);
    assert.equal(req.publicKey.export({ type: 'spki', format: 'pem' }), key.publicKey.export({ type: 'spki', format: 'pem' }), kind);
  }
});

test('requests made by openssl parse, SANs included', { skip: hasOpenssl ? false : 'openssl is not installed' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pkcs10-'));
  try {
    const key = join(dir, 'k.pem');
    const pem = execFileSync('openssl', [
      'req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-subj', '/O=a/O=b/CN=jane',
      '-addext', 'subjectAltName=DNS:x.example,IP:10.0.0.7,IP:::1,email:j@example.com,URI:spiffe://x/y',
    ], { stdio: ['ignore', 'pipe', 'ignore'] }).toString(); // prettier-ignore
    const req = parseCertificateRequestPem(pem);
    assert.equal(req.commonName, 'jane');
    assert.deepEqual(req.organizations, ['a', 'b']);
    assert.deepEqual(req.dnsNames, ['x.example']);
    assert.deepEqual(req.ipAddresses, ['10.0.0.7', '0:0:0:0:0:0:0:1']);
    assert.deepEqual(req.emailAddresses, ['j@example.com']);
    assert.deepEqual(req.uris, ['spiffe://x/y']);
    assert.ok(readFileSync(key, 'utf8').includes('PRIVATE KEY'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad requests fail with the messages kube-apiserver reports', () => {
  assert.throws(() => parseCertificateRequestPem('not a pem'), /^Error: PEM block type must be CERTIFICATE REQUEST$/);
  const cert = createCertificate({
    subject: { commonName: 'x' },
    publicKey: generateKeyPair('ecdsa').publicKey,
    selfSignKey: generateKeyPair('ecdsa').privateKey,
  });
  assert.throws(() => parseCertificateRequestPem(cert), /PEM block type must be CERTIFICATE REQUEST/);
  assert.throws(() => parseCertificateRequestPem(der.pemEncode('CERTIFICATE REQUEST', Uint8Array.of(1, 2, 3))), /x509: malformed certificate request/);
  // A request whose signature does not match its key.
  const key = generateKeyPair('ecdsa');
  const block = der.pemDecode(createCertificateRequestPem({ commonName: 'x', privateKey: key.privateKey }))!;
  const tampered = Uint8Array.from(block.der);
  tampered[tampered.length - 5] ^= 0xff;
  assert.throws(() => parseCertificateRequestPem(der.pemEncode('CERTIFICATE REQUEST', tampered)), /x509: ECDSA verification failure|malformed/);
  const rsa = generateKeyPair('rsa');
  const rsaBlock = der.pemDecode(createCertificateRequestPem({ commonName: 'x', privateKey: rsa.privateKey }))!;
  const rsaTampered = Uint8Array.from(rsaBlock.der);
  rsaTampered[rsaTampered.length - 1] ^= 0xff;
  assert.throws(() => parseCertificateRequestPem(der.pemEncode('CERTIFICATE REQUEST', rsaTampered)), /crypto\/rsa: verification error/);
});

test('issued certificates carry the request subject and SANs, the usages, the lifetime and the CA as issuer', () => {
  const caKey = generateKeyPair('ecdsa');
  const caPem = createCertificate({ subject: { commonName: 'test-ca' }, isCA: true, notAfter: 30, publicKey: caKey.publicKey, selfSignKey: caKey.privateKey });
  const key = generateKeyPair('rsa');
  const request = parseCertificateRequestPem(
    createCertificateRequestPem({ commonName: 'system:node:n1', organizations: ['system:nodes'], dnsNames: ['n1.local'], privateKey: key.privateKey }),
  );
  const now = new Date('2030-01-01T00:00:00Z');
  const pem = issueCertificate({
    request,
    usages: ['digital signature', 'key encipherment', 'server auth'],
    lifetimeSeconds: 3600,
    issuer: { certPem: caPem, privateKey: caKey.privateKey },
    now: new Date(),
  });
  const cert = new X509Certificate(pem);
  const ca = new X509Certificate(caPem);
  assert.ok(cert.checkIssued(ca));
  assert.ok(cert.verify(ca.publicKey));
  assert.equal(cert.subject, 'O=system:nodes\nCN=system:node:n1');
  assert.equal(cert.subjectAltName, 'DNS:n1.local');
  assert.equal(cert.ca, false);
  assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1']);
  assert.ok(cert.checkPrivateKey(key.privateKey));
  assert.equal((Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 1000, 3600);
  // Lifetimes end with the CA's: a year asked of a 30-day CA gets 30 days at most.
  const capped = new X509Certificate(
    issueCertificate({ request, usages: ['client auth'], lifetimeSeconds: 365 * 86400, issuer: { certPem: caPem, privateKey: caKey.privateKey }, now }),
  );
  assert.ok(Date.parse(capped.validTo) <= Date.parse(ca.validTo));
  assert.throws(
    () => issueCertificate({ request, usages: ['flying'], lifetimeSeconds: 600, issuer: { certPem: caPem, privateKey: caKey.privateKey } }),
    /unrecognized usage: flying/,
  );
});

test('openssl reads the key usages of an issued certificate', { skip: hasOpenssl ? false : 'openssl is not installed' }, () => {
  const caKey = generateKeyPair('rsa');
  const caPem = createCertificate({ subject: { commonName: 'test-ca' }, isCA: true, notAfter: 30, publicKey: caKey.publicKey, selfSignKey: caKey.privateKey });
  const request = parseCertificateRequestPem(createCertificateRequestPem({ commonName: 'u', privateKey: generateKeyPair('ecdsa').privateKey }));
  const pem = issueCertificate({
    request,
    usages: ['digital signature', 'key encipherment', 'decipher only', 'client auth', 'code signing'],
    lifetimeSeconds: 86400,
    issuer: { certPem: caPem, privateKey: caKey.privateKey },
  });
  const text = execFileSync('openssl', ['x509', '-noout', '-text'], { input: pem }).toString();
  assert.match(text, /X509v3 Key Usage: critical\n\s+Digital Signature, Key Encipherment, Decipher Only/);
  assert.match(text, /X509v3 Extended Key Usage: \n\s+TLS Web Client Authentication, Code Signing/);
  assert.match(text, /CA:FALSE/);
  assert.match(text, /Issuer: CN\s*=\s*test-ca/);
});
