/** Sprig v2.22 crypto.go: derivePassword, keys, certificates, AES, UUIDs. */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  randomUUID,
  scryptSync,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { isIP } from 'node:net';
import { createCertificate, privateKeyToPem } from '../../crypto/x509.js';
import * as der from '../../crypto/der.js';
import { FuncError, GoInt, GoStruct, NO_FIELD, type FuncMap, type GoValue } from '../values.js';
import { formatValue } from '../fmt.js';
import { fromUtf8, utf8Bytes } from './conv.js';
import { base64Decode, base64Encode, CorruptInputError } from './encoding.js';
import { def, num } from './strings.js';

/** Sprig's `certificate` struct: `.Cert` and `.Key` hold PEM text. */
export class SprigCertificate extends GoStruct {
  readonly goType = 'sprig.certificate';
  constructor(
    readonly Cert: string,
    readonly Key: string,
  ) {
    super();
  }
  field(name: string): GoValue | typeof NO_FIELD {
    if (name === 'Cert') return this.Cert;
    if (name === 'Key') return this.Key;
    return NO_FIELD;
  }
  formatV(): string {
    return `{${this.Cert} ${this.Key}}`;
  }
}

// --- derivePassword (the Master Password algorithm)

const SEED = 'com.lyndir.masterpassword';
const PASSWORD_TEMPLATES: Record<string, string[]> = {
  maximum: ['anoxxxxxxxxxxxxxxxxx', 'axxxxxxxxxxxxxxxxxno'],
  long: [
    'CvcvnoCvcvCvcv',
    'CvcvCvcvnoCvcv',
    'CvcvCvcvCvcvno',
    'CvccnoCvcvCvcv',
    'CvccCvcvnoCvcv',
    'CvccCvcvCvcvno',
    'CvcvnoCvccCvcv',
    'CvcvCvccnoCvcv',
    'CvcvCvccCvcvno',
    'CvcvnoCvcvCvcc',
    'CvcvCvcvnoCvcc',
    'CvcvCvcvCvccno',
    'CvccnoCvccCvcv',
    'CvccCvccnoCvcv',
    'CvccCvccCvcvno',
    'CvcvnoCvccCvcc',
    'CvcvCvccnoCvcc',
    'CvcvCvccCvccno',
    'CvccnoCvcvCvcc',
    'CvccCvcvnoCvcc',
    'CvccCvcvCvccno',
  ],
  medium: ['CvcnoCvc', 'CvcCvcno'],
  short: ['Cvcn'],
  basic: ['aaanaaan', 'aannaaan', 'aaannaaa'],
  pin: ['nnnn'],
};
const TEMPLATE_CHARACTERS: Record<string, string> = {
  V: 'AEIOU',
  C: 'BCDFGHJKLMNPQRSTVWXYZ',
  v: 'aeiou',
  c: 'bcdfghjklmnpqrstvwxyz',
  A: 'AEIOUBCDFGHJKLMNPQRSTVWXYZ',
  a: 'AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz',
  n: '0123456789',
  o: "@&%?,=[]_:-+*$#!'^~;()/.",
  x: 'AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()',
};

function uint32be(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

export function derivePassword(counter: number, passwordType: string, password: string, user: string, site: string): string {
  const templates = PASSWORD_TEMPLATES[passwordType];
  if (!templates) return `cannot find password template ${passwordType}`;
  const userBytes = Buffer.from(utf8Bytes(user));
  const salt = Buffer.concat([Buffer.from(SEED), uint32be(userBytes.length), userBytes]);
  const key = scryptSync(Buffer.from(utf8Bytes(password)), salt, 64, { N: 32768, r: 8, p: 2, maxmem: 128 * 32768 * 8 * 3 });
  const siteBytes = Buffer.from(utf8Bytes(site));
  const seed = createHmac('sha256', key)
    .update(Buffer.concat([Buffer.from(SEED), uint32be(siteBytes.length), siteBytes, uint32be(counter)]))
    .digest();
  const template = templates[seed[0] % templates.length];
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const chars = TEMPLATE_CHARACTERS[template[i]];
    out += chars[seed[i + 1] % chars.length];
  }
  return out;
}

// --- private keys

/** Sprig's DSA PEM: SEQUENCE { version, P, Q, G, Y, X } ("DSA PRIVATE KEY"). */
function dsaPrivateKeyPem(priv: KeyObject, pub: KeyObject): string {
  const p8 = new Uint8Array(priv.export({ type: 'pkcs8', format: 'der' }));
  const top = der.children(p8, der.readElement(p8, 0));
  const params = der.children(p8, der.children(p8, top[1])[1]).map((e) => der.readInteger(p8, e));
  const xOctets = der.content(p8, top[2]);
  const x = der.readInteger(xOctets, der.readElement(xOctets, 0));
  const spki = new Uint8Array(pub.export({ type: 'spki', format: 'der' }));
  const keyBits = der.content(spki, der.children(spki, der.readElement(spki, 0))[1]).subarray(1);
  const y = der.readInteger(keyBits, der.readElement(keyBits, 0));
  const body = der.sequence(der.integer(0n), ...[...params, y, x].map((v) => der.integer(v)));
  return der.pemEncode('DSA PRIVATE KEY', body);
}

function generatePrivateKey(typ: string): string {
  switch (typ) {
    case '':
    case 'rsa':
      return privateKeyToPem(generateKeyPairSync('rsa', { modulusLength: 4096 }).privateKey);
    case 'ecdsa':
      return privateKeyToPem(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey);
    case 'dsa': {
      const { privateKey, publicKey } = generateKeyPairSync('dsa', { modulusLength: 2048, divisorLength: 256 });
      return dsaPrivateKeyPem(privateKey, publicKey);
    }
    default:
      return 'Unknown type ' + typ;
  }
}

// --- certificates (v2.22: RSA 2048 keys, CA keys must be PKCS#1 RSA)

function getNetIPs(ips: GoValue[] | null): string[] {
  return (ips ?? []).map((ip) => {
    if (typeof ip !== 'string') throw new FuncError(`error parsing ip: ${formatValue(ip)} is not a string`);
    if (!isIP(ip)) throw new FuncError(`error parsing ip: ${ip}`);
    return ip;
  });
}

function getAlternateDNS(names: GoValue[] | null): string[] {
  return (names ?? []).map((n) => {
    if (typeof n !== 'string') throw new FuncError(`error processing alternate dns name: ${formatValue(n)} is not a string`);
    return n;
  });
}

function newRsaKey(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('rsa', { modulusLength: 2048 });
}

function certificateFor(
  cn: string,
  ips: string[],
  dns: string[],
  days: number,
  publicKey: KeyObject,
  isCA: boolean,
  signer?: { certPem: string; privateKey: KeyObject },
  selfKey?: KeyObject,
): string {
  const notBefore = new Date();
  // Go computes time.Hour * 24 * days as an int64 of nanoseconds, which wraps for huge day counts.
  const validity = BigInt.asIntN(64, 86_400_000_000_000n * BigInt(days));
  const notAfter = new Date(notBefore.getTime() + Number(validity / 1_000_000n));
  const year = notAfter.getUTCFullYear();
  if (!(year >= 0 && year <= 9999)) throw new FuncError(`error creating certificate: x509: cannot encode validity ending in year ${year}`);
  return createCertificate({
    subject: { commonName: cn },
    dnsNames: dns,
    ipAddresses: ips,
    isCA,
    notBefore,
    notAfter,
    keyUsage: isCA ? ['keyEncipherment', 'digitalSignature', 'keyCertSign'] : ['keyEncipherment', 'digitalSignature'],
    extKeyUsage: ['serverAuth', 'clientAuth'],
    publicKey,
    issuer: signer,
    selfSignKey: selfKey,
  });
}

function genCA(cn: string, days: number): SprigCertificate {
  const { privateKey, publicKey } = newRsaKey();
  return new SprigCertificate(certificateFor(cn, [], [], days, publicKey, true, undefined, privateKey), privateKeyToPem(privateKey));
}

function genSelfSignedCert(cn: string, ips: GoValue[] | null, dns: GoValue[] | null, days: number): SprigCertificate {
  const ipList = getNetIPs(ips);
  const dnsList = getAlternateDNS(dns);
  const { privateKey, publicKey } = newRsaKey();
  return new SprigCertificate(certificateFor(cn, ipList, dnsList, days, publicKey, false, undefined, privateKey), privateKeyToPem(privateKey));
}

function parseRsaPkcs1(pem: string, what: string): KeyObject {
  const block = der.pemDecode(pem);
  if (!block) throw new FuncError('unable to decode key');
  try {
    return createPrivateKey({ key: Buffer.from(block.der), format: 'der', type: 'pkcs1' });
  } catch (e) {
    throw new FuncError(`error parsing prive key: ${what}: ${(e as Error).message}`);
  }
}

function parseCertificatePem(pem: string, what: string): void {
  const block = der.pemDecode(pem);
  if (!block) throw new FuncError('unable to decode certificate');
  try {
    new X509Certificate(Buffer.from(block.der));
  } catch (e) {
    throw new FuncError(`error parsing certificate: ${what}: ${(e as Error).message}`);
  }
}

function genSignedCert(cn: string, ips: GoValue[] | null, dns: GoValue[] | null, days: number, ca: GoValue): SprigCertificate {
  const ipList = getNetIPs(ips);
  const dnsList = getAlternateDNS(dns);
  const signer = ca as SprigCertificate;
  parseCertificatePem(signer.Cert, 'decodedSignerCert.Bytes');
  const signerKey = parseRsaPkcs1(signer.Key, 'decodedSignerKey.Bytes');
  const { privateKey, publicKey } = newRsaKey();
  return new SprigCertificate(
    certificateFor(cn, ipList, dnsList, days, publicKey, false, { certPem: signer.Cert, privateKey: signerKey }),
    privateKeyToPem(privateKey),
  );
}

function buildCustomCert(b64cert: string, b64key: string): SprigCertificate {
  let cert: string;
  let key: string;
  try {
    cert = fromUtf8(base64Decode(b64cert));
  } catch {
    throw new FuncError('unable to decode base64 certificate');
  }
  try {
    key = fromUtf8(base64Decode(b64key));
  } catch {
    throw new FuncError('unable to decode base64 private key');
  }
  parseCertificatePem(cert, 'decodedCert.Bytes');
  parseRsaPkcs1(key, 'decodedKey.Bytes');
  return new SprigCertificate(cert, key);
}

// --- AES-256-CBC with a random IV, PKCS#7 padding, base64 (Sprig's format)

function aesKey(password: string): Buffer {
  const key = Buffer.alloc(32);
  Buffer.from(utf8Bytes(password)).copy(key, 0, 0, 32);
  return key;
}

export function encryptAES(password: string, plaintext: string): string {
  if (plaintext === '') return '';
  const content = Buffer.from(utf8Bytes(plaintext));
  const padding = 16 - (content.length % 16);
  const padded = Buffer.concat([content, Buffer.alloc(padding, padding)]);
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', aesKey(password), iv).setAutoPadding(false);
  const encrypted = Buffer.concat([cipher.update(padded), cipher.final()]);
  return base64Encode(Buffer.concat([iv, encrypted]));
}

export function decryptAES(password: string, crypt64: string): string {
  if (crypt64 === '') return '';
  let crypt: Uint8Array;
  try {
    crypt = base64Decode(crypt64);
  } catch (e) {
    if (e instanceof CorruptInputError) throw new FuncError(e.message);
    throw e;
  }
  if (crypt.length < 16) throw new FuncError(`runtime error: slice bounds out of range [:16] with capacity ${crypt.length}`);
  const iv = crypt.subarray(0, 16);
  const body = crypt.subarray(16);
  if (body.length % 16 !== 0) throw new FuncError('crypto/cipher: input not full blocks');
  if (body.length === 0) throw new FuncError('runtime error: index out of range [-1]');
  const decipher = createDecipheriv('aes-256-cbc', aesKey(password), iv).setAutoPadding(false);
  const decrypted = Buffer.concat([decipher.update(body), decipher.final()]);
  const pad = decrypted[decrypted.length - 1];
  if (pad > decrypted.length) throw new FuncError(`runtime error: slice bounds out of range [:${decrypted.length - pad}]`);
  return fromUtf8(decrypted.subarray(0, decrypted.length - pad));
}

export const cryptoFuncs: FuncMap = {
  derivePassword: def(['uint32', 'string', 'string', 'string', 'string'], (c: GoInt, t: string, p: string, u: string, s: string) =>
    derivePassword(num(c), t, p, u, s),
  ),
  genPrivateKey: def(['string'], generatePrivateKey),
  buildCustomCert: def(['string', 'string'], buildCustomCert),
  genCA: def(['string', 'int'], (cn: string, days: GoInt) => genCA(cn, num(days))),
  genSelfSignedCert: def(['string', '[]interface {}', '[]interface {}', 'int'], (cn: string, ips: GoValue[] | null, dns: GoValue[] | null, days: GoInt) =>
    genSelfSignedCert(cn, ips, dns, num(days)),
  ),
  genSignedCert: def(
    ['string', '[]interface {}', '[]interface {}', 'int', 'sprig.certificate'],
    (cn: string, ips: GoValue[] | null, dns: GoValue[] | null, days: GoInt, ca: GoValue) => genSignedCert(cn, ips, dns, num(days), ca),
  ),
  encryptAES: def(['string', 'string'], encryptAES),
  decryptAES: def(['string', 'string'], decryptAES),
  uuidv4: def([], () => randomUUID()),
};

/** The public key of a PEM private key (used by tests). */
export function publicKeyFromPem(pem: string): KeyObject {
  return createPublicKey(createPrivateKey(pem));
}
