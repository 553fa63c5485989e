/**
 * X.509 certificate creation with node:crypto only, synchronous (template
 * functions are synchronous, and the local control plane needs a CA and
 * serving certificates at start-up). The certificates follow what Go's
 * crypto/x509.CreateCertificate writes for the same template.
 */
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import * as der from './der.js';

export type KeyKind = 'rsa' | 'ecdsa' | 'ed25519';

export interface KeyPair {
  /** PEM in the form Go's tools write: "RSA PRIVATE KEY" (PKCS#1), "EC PRIVATE KEY" (SEC 1), else PKCS#8 "PRIVATE KEY". */
  privateKeyPem: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** Generates a key pair: RSA (bits, default 2048), ECDSA (bits 256, 384 or 521; default 256) or Ed25519. */
export function generateKeyPair(kind: KeyKind, bits?: number): KeyPair {
  if (kind === 'rsa') {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits ?? 2048 });
    return { privateKey, publicKey, privateKeyPem: privateKeyToPem(privateKey) };
  }
  if (kind === 'ecdsa') {
    const curves: Record<number, string> = { 256: 'prime256v1', 384: 'secp384r1', 521: 'secp521r1' };
    const namedCurve = curves[bits ?? 256];
    if (!namedCurve) throw new Error(`unsupported ECDSA key size ${bits} (use 256, 384 or 521)`);
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve });
    return { privateKey, publicKey, privateKeyPem: privateKeyToPem(privateKey) };
  }
  if (kind === 'ed25519') {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    return { privateKey, publicKey, privateKeyPem: privateKeyToPem(privateKey) };
  }
  throw new Error(`unknown key type ${String(kind)}`);
}

/** A private key as PEM in the block type Go uses for its kind. */
export function privateKeyToPem(key: KeyObject): string {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return key.export({ type: 'pkcs1', format: 'pem' }).toString();
    case 'ec':
      return key.export({ type: 'sec1', format: 'pem' }).toString();
    default:
      return key.export({ type: 'pkcs8', format: 'pem' }).toString();
  }
}

export type KeyUsage = 'digitalSignature' | 'contentCommitment' | 'keyEncipherment' | 'dataEncipherment' | 'keyAgreement' | 'keyCertSign' | 'cRLSign';
export type ExtKeyUsage = 'serverAuth' | 'clientAuth';

const KEY_USAGE_BITS: Record<KeyUsage, number> = {
  digitalSignature: 0,
  contentCommitment: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
};
const EXT_KEY_USAGE_OIDS: Record<ExtKeyUsage, string> = { serverAuth: '1.3.6.1.5.5.7.3.1', clientAuth: '1.3.6.1.5.5.7.3.2' };

export interface CertificateOptions {
  subject: { commonName: string; organization?: string[] };
  dnsNames?: string[];
  ipAddresses?: string[];
  isCA?: boolean;
  /** Default: now. */
  notBefore?: Date;
  /** A date, or a number of days after notBefore. Default: 365 days. */
  notAfter?: Date | number;
  /** Default: digitalSignature + keyEncipherment, plus keyCertSign for a CA. */
  keyUsage?: KeyUsage[];
  /** Default: serverAuth + clientAuth. */
  extKeyUsage?: ExtKeyUsage[];
  publicKey: KeyObject;
  /** The signer; the certificate is self-signed when absent (then `selfSignKey` signs it). */
  issuer?: { certPem: string; privateKey: KeyObject };
  /** The private key matching publicKey, required for a self-signed certificate. */
  selfSignKey?: KeyObject;
  /** Default: a random 128-bit number. */
  serialNumber?: bigint;
}

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  basicConstraints: '2.5.29.19',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  subjectAltName: '2.5.29.17',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  ecdsaWithSHA384: '1.2.840.10045.4.3.3',
  ecdsaWithSHA512: '1.2.840.10045.4.3.4',
  ed25519: '1.3.101.112',
};

function encodeName(subject: CertificateOptions['subject']): Uint8Array {
  const rdns: Uint8Array[] = [];
  for (const o of subject.organization ?? []) rdns.push(der.set(der.sequence(der.oid(OID.organization), der.directoryString(o))));
  if (subject.commonName) rdns.push(der.set(der.sequence(der.oid(OID.commonName), der.directoryString(subject.commonName))));
  return der.sequence(...rdns);
}

/** One X.509 extension (critical only when asked, as DER omits a false default). */
export function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical ? der.sequence(der.oid(id), der.boolean(true), der.octetString(value)) : der.sequence(der.oid(id), der.octetString(value));
}

function keyUsageValue(usages: KeyUsage[]): Uint8Array {
  let bits = 0;
  for (const u of usages) bits |= 1 << KEY_USAGE_BITS[u];
  return keyUsageBitString(bits);
}

/** A KeyUsage BIT STRING from usage bit numbers: bit 0 is the most significant bit of the first byte, trailing zero bits unused. */
export function keyUsageBitString(bits: number): Uint8Array {
  let bytes = [0, 0];
  for (let i = 0; i < 16; i++) if (bits & (1 << i)) bytes[i >> 3] |= 0x80 >> (i & 7);
  if (bytes[1] === 0) bytes = [bytes[0]];
  let unused = 0;
  const last = bytes[bytes.length - 1];
  if (last !== 0) while (!(last & (1 << unused))) unused++;
  return der.bitString(Uint8Array.from(bytes), last === 0 ? 0 : unused);
}

/** An IP address as an iPAddress general name's bytes (4 or 16). */
export function ipBytes(ip: string): Uint8Array {
  const kind = isIP(ip);
  if (kind === 4) return Uint8Array.from(ip.split('.').map(Number));
  if (kind === 6) {
    // Expand "::" and an embedded IPv4 tail into eight 16-bit groups.
    let s = ip;
    const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
    if (v4) {
      const b = v4[1].split('.').map(Number);
      s = s.slice(0, -v4[1].length) + ((b[0] << 8) | b[1]).toString(16) + ':' + ((b[2] << 8) | b[3]).toString(16);
    }
    const [head, tail] = s.split('::');
    const h = head ? head.split(':') : [];
    const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
    const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
    const out = new Uint8Array(16);
    groups.forEach((g, i) => {
      const v = parseInt(g, 16);
      out[2 * i] = v >> 8;
      out[2 * i + 1] = v & 0xff;
    });
    return out;
  }
  throw new Error(`invalid IP address ${JSON.stringify(ip)}`);
}

/** The signature algorithm for a signing key, as Go picks it. */
export function signatureAlgorithm(key: KeyObject): { algId: Uint8Array; digest: string | null } {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return { algId: der.sequence(der.oid(OID.sha256WithRSA), der.nullValue()), digest: 'sha256' };
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'secp384r1') return { algId: der.sequence(der.oid(OID.ecdsaWithSHA384)), digest: 'sha384' };
      if (curve === 'secp521r1') return { algId: der.sequence(der.oid(OID.ecdsaWithSHA512)), digest: 'sha512' };
      return { algId: der.sequence(der.oid(OID.ecdsaWithSHA256)), digest: 'sha256' };
    }
    case 'ed25519':
      return { algId: der.sequence(der.oid(OID.ed25519)), digest: null };
  }
  throw new Error(`x509: only RSA, ECDSA and Ed25519 keys can sign certificates (got ${key.asymmetricKeyType})`);
}

/** The raw subject Name and the subject key identifier of a (CA) certificate, to name it as an issuer. */
export function issuerOf(pem: string): { subject: Uint8Array; subjectKeyId?: Uint8Array } {
  const block = der.pemDecode(pem);
  if (!block || block.type !== 'CERTIFICATE') throw new Error('issuer certificate: no CERTIFICATE PEM block');
  const buf = block.der;
  const cert = der.readElement(buf, 0);
  const tbs = der.children(buf, cert)[0];
  const fields = der.children(buf, tbs);
  const offset = fields[0].tag === 0xa0 ? 1 : 0; // version is optional
  const subject = der.raw(buf, fields[offset + 4]);
  let subjectKeyId: Uint8Array | undefined;
  const extField = fields.find((f) => f.tag === 0xa3);
  if (extField) {
    const exts = der.children(buf, der.children(buf, extField)[0]);
    for (const ext of exts) {
      const parts = der.children(buf, ext);
      if (der.readOid(buf, parts[0]) === OID.subjectKeyId) {
        const value = der.content(buf, parts[parts.length - 1]);
        subjectKeyId = der.content(value, der.readElement(value, 0));
      }
    }
  }
  return { subject, subjectKeyId };
}

/** A new self-signed CA valid for `days`, with its key (ECDSA P-256 unless another kind is asked for). */
export function createSelfSignedCa(commonName: string, days: number, kind: KeyKind = 'ecdsa', bits?: number): { certPem: string; key: KeyPair } {
  const key = generateKeyPair(kind, bits);
  const certPem = createCertificate({ subject: { commonName }, isCA: true, notAfter: days, publicKey: key.publicKey, selfSignKey: key.privateKey });
  return { certPem, key };
}

/** Creates a certificate and returns it as PEM. */
export function createCertificate(opts: CertificateOptions): string {
  const notBefore = opts.notBefore ?? new Date();
  const notAfter =
    typeof opts.notAfter === 'number'
      ? new Date(notBefore.getTime() + opts.notAfter * 86400000)
      : (opts.notAfter ?? new Date(notBefore.getTime() + 365 * 86400000));
  const serial = opts.serialNumber ?? BigInt('0x' + randomBytes(16).toString('hex'));
  const signingKey = opts.issuer?.privateKey ?? opts.selfSignKey;
  if (!signingKey) throw new Error('createCertificate: a self-signed certificate needs selfSignKey (the private key of publicKey)');
  const { algId, digest } = signatureAlgorithm(signingKey);

  const spki = new Uint8Array(opts.publicKey.export({ type: 'spki', format: 'der' }));
  // Go's subject key id: SHA-1 of the public key bits.
  const spkiFields = der.children(spki, der.readElement(spki, 0));
  const keyBits = der.content(spki, spkiFields[1]).subarray(1);
  const subjectKeyId = new Uint8Array(createHash('sha1').update(keyBits).digest());

  const subject = encodeName(opts.subject);
  const issuerInfo = opts.issuer ? issuerOf(opts.issuer.certPem) : undefined;
  const issuer = issuerInfo?.subject ?? subject;

  const usages = opts.keyUsage ?? (opts.isCA ? ['digitalSignature', 'keyEncipherment', 'keyCertSign'] : ['digitalSignature', 'keyEncipherment']);
  const extUsages = opts.extKeyUsage ?? ['serverAuth', 'clientAuth'];
  const exts: Uint8Array[] = [];
  if (usages.length) exts.push(extension(OID.keyUsage, true, keyUsageValue(usages)));
  if (extUsages.length) exts.push(extension(OID.extKeyUsage, false, der.sequence(...extUsages.map((u) => der.oid(EXT_KEY_USAGE_OIDS[u])))));
  exts.push(extension(OID.basicConstraints, true, opts.isCA ? der.sequence(der.boolean(true)) : der.sequence()));
  if (opts.isCA) exts.push(extension(OID.subjectKeyId, false, der.octetString(subjectKeyId)));
  if (issuerInfo?.subjectKeyId) exts.push(extension(OID.authorityKeyId, false, der.sequence(der.implicitPrimitive(0, issuerInfo.subjectKeyId))));
  const names = [
    ...(opts.dnsNames ?? []).map((n) => der.tlv(0x82, new TextEncoder().encode(n))),
    ...(opts.ipAddresses ?? []).map((ip) => der.implicitPrimitive(7, ipBytes(ip))),
  ];
  if (names.length) exts.push(extension(OID.subjectAltName, !opts.subject.commonName && !opts.subject.organization?.length, der.sequence(...names)));

  const tbs = der.sequence(
    der.explicit(0, der.integer(2n)),
    der.integer(serial),
    algId,
    issuer,
    der.sequence(der.time(notBefore), der.time(notAfter)),
    subject,
    spki,
    der.explicit(3, der.sequence(...exts)),
  );
  const signature = new Uint8Array(sign(digest, tbs, signingKey));
  const cert = der.sequence(tbs, algId, der.bitString(signature));
  return der.pemEncode('CERTIFICATE', cert);
}

/** Parses a PEM certificate with node (throws if node rejects it). */
export function parseCertificatePem(pem: string): X509Certificate {
  return new X509Certificate(pem);
}

/** The public key of a private key. */
export function publicKeyOf(privateKey: KeyObject): KeyObject {
  return createPublicKey(privateKey);
}
