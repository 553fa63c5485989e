import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { X509Certificate } from 'node:crypto';
import * as tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { createCertificate, generateKeyPair } from './x509.js';
import * as der from './der.js';

test('DER integers, OIDs and times', () => {
  const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
  assert.equal(hex(der.integer(0n)), '020100');
  assert.equal(hex(der.integer(127n)), '02017f');
  assert.equal(hex(der.integer(128n)), '02020080');
  assert.equal(hex(der.integer(-1n)), '0201ff');
  assert.equal(hex(der.integer(-129n)), '0202ff7f');
  assert.equal(hex(der.oid('1.2.840.113549.1.1.11')), '06092a864886f70d01010b');
  assert.equal(hex(der.time(new Date(Date.UTC(2049, 11, 31, 23, 59, 59)))), '170d3439313233313233353935395a');
  assert.equal(hex(der.time(new Date(Date.UTC(2050, 0, 1)))), '180f32303530303130313030303030305a');
  const seq = der.sequence(der.integer(300n), der.oid('2.5.29.17'));
  const top = der.readElement(seq, 0);
  const [i, o] = der.children(seq, top);
  assert.equal(der.readInteger(seq, i), 300n);
  assert.equal(der.readOid(seq, o), '2.5.29.17');
  const long = der.octetString(new Uint8Array(300));
  assert.equal(der.readElement(long, 0).end, long.length);
});

test('certificates for every key type parse and verify', () => {
  for (const [kind, bits] of [
    ['rsa', 2048],
    ['ecdsa', 256],
    ['ecdsa', 384],
    ['ed25519', undefined],
  ] as const) {
    const ca = generateKeyPair(kind, bits);
    const pem = createCertificate({
      subject: { commonName: `ca-${kind}`, organization: ['KUDO Test'] },
      isCA: true,
      publicKey: ca.publicKey,
      selfSignKey: ca.privateKey,
      notAfter: 30,
      serialNumber: 42n,
    });
    const cert = new X509Certificate(pem);
    assert.equal(cert.subject, `O=KUDO Test\nCN=ca-${kind}`);
    assert.equal(cert.ca, true);
    assert.equal(cert.serialNumber, '2A');
    assert.ok(cert.verify(ca.publicKey), kind);
    assert.ok(cert.checkPrivateKey(ca.privateKey));
  }
});

test('key PEMs use the block types Go writes', () => {
  assert.match(generateKeyPair('rsa').privateKeyPem, /^-----BEGIN RSA PRIVATE KEY-----/);
  assert.match(generateKeyPair('ecdsa').privateKeyPem, /^-----BEGIN EC PRIVATE KEY-----/);
  assert.match(generateKeyPair('ed25519').privateKeyPem, /^-----BEGIN PRIVATE KEY-----/);
  assert.throws(() => generateKeyPair('ecdsa', 123), /unsupported ECDSA key size/);
});

test('a TLS server with a CA-signed certificate is trusted by a client that knows the CA', async () => {
  const ca = generateKeyPair('ecdsa');
  const caPem = createCertificate({ subject: { commonName: 'test-ca' }, isCA: true, publicKey: ca.publicKey, selfSignKey: ca.privateKey, notAfter: 1 });
  const server = generateKeyPair('rsa');
  const serverPem = createCertificate({
    subject: { commonName: 'localhost' },
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1', '::1'],
    extKeyUsage: ['serverAuth'],
    publicKey: server.publicKey,
    issuer: { certPem: caPem, privateKey: ca.privateKey },
    notAfter: 1,
  });
  const leaf = new X509Certificate(serverPem);
  assert.ok(leaf.checkIssued(new X509Certificate(caPem)));
  assert.equal(leaf.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');

  const srv = tls.createServer({ key: server.privateKeyPem, cert: serverPem }, (socket) => socket.end('hello over tls'));
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address() as AddressInfo;
  try {
    const greeting = await new Promise<string>((resolve, reject) => {
      const client = tls.connect({ port, host: '127.0.0.1', ca: caPem }, () => {
        if (!client.authorized) reject(new Error(String(client.authorizationError)));
      });
      let data = '';
      client.on('data', (d) => (data += d));
      client.on('end', () => resolve(data));
      client.on('error', reject);
    });
    assert.equal(greeting, 'hello over tls');

    // A client trusting another CA refuses the server.
    const other = generateKeyPair('ecdsa');
    const otherPem = createCertificate({ subject: { commonName: 'other' }, isCA: true, publicKey: other.publicKey, selfSignKey: other.privateKey });
    await assert.rejects(
      new Promise((resolve, reject) => {
        const client = tls.connect({ port, host: '127.0.0.1', ca: otherPem }, () => resolve(client.authorized));
        client.on('error', reject);
      }),
      /unable to verify|self.signed|unable to get/,
    );
  } finally {
    srv.close();
  }
});

test('a self-signed certificate needs its private key', () => {
  const k = generateKeyPair('ecdsa');
  assert.throws(() => createCertificate({ subject: { commonName: 'x' }, publicKey: k.publicKey }), /selfSignKey/);
});
