import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { FuncError, int, type GoValue } from '../values.js';
import { sprigFuncs } from './index.js';
import { SprigCertificate } from './crypto.js';

const call = (name: string, ...args: GoValue[]): GoValue => sprigFuncs[name].fn(...args);

test('derivePassword implements the Master Password algorithm', () => {
  // Values produced by Go with Sprig v2.22.
  assert.equal(call('derivePassword', int(1), 'long', 'password', 'user', 'example.com'), 'ZedaFaxcZaso9*');
  assert.equal(call('derivePassword', int(2), 'maximum', 'pw', 'alice', 'kudo.dev'), 'sz#0ZlQrAjZHE$UbpK0^');
  assert.equal(call('derivePassword', int(1), 'nosuchtype', 'pw', 'u', 's'), 'cannot find password template nosuchtype');
  assert.match(call('derivePassword', int(1), 'pin', 'pw', 'u', 's') as string, /^[0-9]{4}$/);
});

test('encryptAES uses a random IV and decryptAES inverts it', () => {
  const secret = 'round trip ☃ with more than one block of text';
  const a = call('encryptAES', 'secretkey', secret) as string;
  const b = call('encryptAES', 'secretkey', secret) as string;
  assert.notEqual(a, b);
  assert.equal(Buffer.from(a, 'base64').length % 16, 0);
  assert.equal(call('decryptAES', 'secretkey', a), secret);
  assert.equal(call('decryptAES', 'secretkey', b), secret);
  assert.equal(call('encryptAES', 'k', ''), '');
  assert.equal(call('decryptAES', 'k', ''), '');
  assert.throws(
    () => call('decryptAES', 'k', '%%%'),
    (e: unknown) => e instanceof FuncError && /illegal base64 data at input byte 0/.test(e.message),
  );
  assert.throws(() => call('decryptAES', 'k', 'YWJj'), FuncError);
  // A key longer than 32 bytes is truncated, as Sprig copies it into 32 bytes.
  const long = 'k'.repeat(40);
  assert.equal(call('decryptAES', 'k'.repeat(32), call('encryptAES', long, 'x')), 'x');
});

test('uuidv4 gives random version-4 UUIDs', () => {
  const a = call('uuidv4') as string;
  assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(a, call('uuidv4'));
});

test('genPrivateKey writes the PEM block types Go writes', () => {
  const ec = call('genPrivateKey', 'ecdsa') as string;
  assert.match(ec, /^-----BEGIN EC PRIVATE KEY-----\n/);
  assert.equal(createPrivateKey(ec).asymmetricKeyDetails?.namedCurve, 'prime256v1');
  const rsa = call('genPrivateKey', '') as string;
  assert.match(rsa, /^-----BEGIN RSA PRIVATE KEY-----\n/);
  assert.equal(createPrivateKey(rsa).asymmetricKeyDetails?.modulusLength, 4096);
  const dsa = call('genPrivateKey', 'dsa') as string;
  assert.match(dsa, /^-----BEGIN DSA PRIVATE KEY-----\n/);
  assert.deepEqual(createPrivateKey(dsa).asymmetricKeyDetails, { modulusLength: 2048, divisorLength: 256 });
  assert.equal(call('genPrivateKey', 'ed25519'), 'Unknown type ed25519'); // added in Sprig 3.2
});

test('genCA, genSignedCert and genSelfSignedCert produce certificates node accepts', () => {
  const ca = call('genCA', 'my-ca', int(365)) as SprigCertificate;
  assert.ok(ca instanceof SprigCertificate);
  assert.match(ca.Key, /^-----BEGIN RSA PRIVATE KEY-----\n/);
  const caCert = new X509Certificate(ca.Cert);
  assert.equal(caCert.subject, 'CN=my-ca');
  assert.equal(caCert.ca, true);
  const days = (new Date(caCert.validTo).getTime() - new Date(caCert.validFrom).getTime()) / 86400000;
  assert.ok(Math.abs(days - 365) < 0.01);
  assert.ok(caCert.checkPrivateKey(createPrivateKey(ca.Key)));

  const leaf = call('genSignedCert', 'leaf', ['127.0.0.1', '::1'], ['leaf.example.com'], int(10), ca) as SprigCertificate;
  const leafCert = new X509Certificate(leaf.Cert);
  assert.equal(leafCert.issuer, 'CN=my-ca');
  assert.equal(leafCert.ca, false);
  assert.ok(leafCert.checkIssued(caCert));
  assert.ok(leafCert.verify(caCert.publicKey));
  assert.ok(leafCert.checkPrivateKey(createPrivateKey(leaf.Key)));
  assert.equal(leafCert.checkHost('leaf.example.com'), 'leaf.example.com');
  assert.equal(leafCert.checkIP('::1'), '::1');
  assert.deepEqual(leafCert.keyUsage, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);

  const self = call('genSelfSignedCert', 'x', null, null, int(1)) as SprigCertificate;
  const selfCert = new X509Certificate(self.Cert);
  assert.equal(selfCert.issuer, 'CN=x');
  assert.ok(selfCert.verify(selfCert.publicKey));

  const rebuilt = call('buildCustomCert', Buffer.from(ca.Cert).toString('base64'), Buffer.from(ca.Key).toString('base64')) as SprigCertificate;
  assert.equal(rebuilt.Cert, ca.Cert);
  assert.equal(rebuilt.Key, ca.Key);
  assert.equal(rebuilt.field('Cert'), ca.Cert);
});

test('certificate functions fail as Sprig does on bad input', () => {
  const fails = (fn: () => unknown, re: RegExp): void => assert.throws(fn, (e: unknown) => e instanceof FuncError && re.test(e.message));
  fails(() => call('genSelfSignedCert', 'x', [int(1)], null, int(1)), /error parsing ip: 1 is not a string/);
  fails(() => call('genSelfSignedCert', 'x', ['300.1.1.1'], null, int(1)), /error parsing ip: 300.1.1.1/);
  fails(() => call('genSelfSignedCert', 'x', null, [true], int(1)), /error processing alternate dns name: true is not a string/);
  fails(() => call('buildCustomCert', '!!', 'eA=='), /unable to decode base64 certificate/);
  fails(() => call('buildCustomCert', 'eA==', 'eA=='), /unable to decode certificate/);
  fails(() => call('genSignedCert', 'x', null, null, int(1), new SprigCertificate('junk', 'junk')), /unable to decode certificate/);
});
