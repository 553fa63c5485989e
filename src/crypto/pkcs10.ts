/**
 * PKCS#10 certificate signing requests (RFC 2986) with node:crypto: parsing what a
 * CertificateSigningRequest's spec.request carries (checking its self-signature as Go's
 * CertificateRequest.CheckSignature does), and building requests for tests and clients.
 */
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import * as der from './der.js';

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  extensionRequest: '1.2.840.113549.1.9.14',
  subjectAltName: '2.5.29.17',
};

/** Signature algorithms by OID: the digest node's verify takes (null for Ed25519). */
const SIGNATURE_DIGESTS: Record<string, string | null> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.3.101.112': null,
};

export interface CertificateRequest {
  /** The subject Name exactly as the request encodes it (copied into issued certificates). */
  subjectDer: Uint8Array;
  commonName: string;
  organizations: string[];
  publicKey: KeyObject;
  dnsNames: string[];
  ipAddresses: string[];
  emailAddresses: string[];
  uris: string[];
}

/** A request that does not parse or whose signature does not verify; the message is Go's where it matters. */
export class CertificateRequestError extends Error {}

/**
 * Parses a PEM "CERTIFICATE REQUEST" and verifies its self-signature. Errors carry the
 * messages kube-apiserver reports in spec.request's "Invalid value".
 */
export function parseCertificateRequestPem(pem: string): CertificateRequest {
  const block = der.pemDecode(pem);
  if (!block || block.type !== 'CERTIFICATE REQUEST') throw new CertificateRequestError('PEM block type must be CERTIFICATE REQUEST');
  return parseCertificateRequestDer(block.der);
}

export function parseCertificateRequestDer(buf: Uint8Array): CertificateRequest {
  let parsed: { info: der.Element; algorithm: string; signature: Uint8Array; request: CertificateRequest };
  try {
    parsed = readRequest(buf);
  } catch (e) {
    if (e instanceof CertificateRequestError) throw e;
    throw new CertificateRequestError(`x509: malformed certificate request`);
  }
  const { info, algorithm, signature, request } = parsed;
  if (!(algorithm in SIGNATURE_DIGESTS)) throw new CertificateRequestError('x509: cannot verify signature: algorithm unimplemented');
  const signed = der.raw(buf, info);
  let ok = false;
  try {
    ok = verify(SIGNATURE_DIGESTS[algorithm], signed, request.publicKey, signature);
  } catch {
    ok = false;
  }
  if (!ok) throw new CertificateRequestError(verificationFailure(request.publicKey));
  return request;
}

/** Go's crypto/x509 wording of a signature that does not verify, by key type. */
function verificationFailure(key: KeyObject): string {
  if (key.asymmetricKeyType === 'ec') return 'x509: ECDSA verification failure';
  if (key.asymmetricKeyType === 'ed25519') return 'x509: Ed25519 verification failure';
  return 'crypto/rsa: verification error';
}

function readRequest(buf: Uint8Array) {
  const top = der.readElement(buf, 0);
  if (top.tag !== 0x30 || top.end !== buf.length) throw new Error('not a sequence');
  const [info, algId, sig] = der.children(buf, top);
  if (!info || !algId || !sig || sig.tag !== 0x03) throw new Error('bad outer structure');
  const algorithm = der.readOid(buf, der.children(buf, algId)[0]);
  const signature = der.content(buf, sig).subarray(1);
  const fields = der.children(buf, info);
  if (fields.length < 3 || fields[0].tag !== 0x02) throw new Error('bad request info');
  const subject = fields[1];
  const spki = fields[2];
  const publicKey = publicKeyOf(der.raw(buf, spki));
  const request: CertificateRequest = {
    subjectDer: new Uint8Array(der.raw(buf, subject)),
    commonName: '',
    organizations: [],
    publicKey,
    dnsNames: [],
    ipAddresses: [],
    emailAddresses: [],
    uris: [],
  };
  readName(buf, subject, request);
  const attributes = fields[3];
  if (attributes && attributes.tag === 0xa0) readAttributes(buf, attributes, request);
  return { info, algorithm, signature, request };
}

function publicKeyOf(spki: Uint8Array): KeyObject {
  try {
    return createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch {
    throw new CertificateRequestError('x509: unsupported public key type');
  }
}

function readName(buf: Uint8Array, name: der.Element, out: CertificateRequest): void {
  for (const rdn of der.children(buf, name))
    for (const atv of der.children(buf, rdn)) {
      const [type, value] = der.children(buf, atv);
      const oid = der.readOid(buf, type);
      const text = Buffer.from(der.content(buf, value)).toString('utf8');
      if (oid === OID.commonName) out.commonName = text;
      if (oid === OID.organization) out.organizations.push(text);
    }
}

function readAttributes(buf: Uint8Array, attributes: der.Element, out: CertificateRequest): void {
  for (const attr of der.children(buf, attributes)) {
    const [type, values] = der.children(buf, attr);
    if (der.readOid(buf, type) !== OID.extensionRequest) continue;
    for (const exts of der.children(buf, values))
      for (const ext of der.children(buf, exts)) {
        const parts = der.children(buf, ext);
        if (der.readOid(buf, parts[0]) !== OID.subjectAltName) continue;
        const value = der.content(buf, parts[parts.length - 1]);
        readAltNames(value, out);
      }
  }
}

function readAltNames(value: Uint8Array, out: CertificateRequest): void {
  const seq = der.readElement(value, 0);
  for (const name of der.children(value, seq)) {
    const bytes = der.content(value, name);
    const text = () => Buffer.from(bytes).toString('utf8');
    if (name.tag === 0x81) out.emailAddresses.push(text());
    else if (name.tag === 0x82) out.dnsNames.push(text());
    else if (name.tag === 0x86) out.uris.push(text());
    else if (name.tag === 0x87) out.ipAddresses.push(ipText(bytes));
  }
}

function ipText(bytes: Uint8Array): string {
  if (bytes.length === 4) return [...bytes].join('.');
  const groups: string[] = [];
  for (let i = 0; i + 1 < bytes.length; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return groups.join(':');
}

export interface RequestOptions {
  commonName: string;
  organizations?: string[];
  dnsNames?: string[];
  privateKey: KeyObject;
}

/** Builds a PEM certificate request signed by `privateKey` (RSA, ECDSA or Ed25519). */
export function createCertificateRequestPem(opts: RequestOptions): string {
  const rdns = [
    ...(opts.organizations ?? []).map((o) => der.set(der.sequence(der.oid(OID.organization), der.directoryString(o)))),
    der.set(der.sequence(der.oid(OID.commonName), der.directoryString(opts.commonName))),
  ];
  const spki = new Uint8Array(createPublicKey(opts.privateKey).export({ type: 'spki', format: 'der' }));
  const attributes: Uint8Array[] = [];
  if (opts.dnsNames?.length) {
    const sans = der.sequence(...opts.dnsNames.map((n) => der.tlv(0x82, new TextEncoder().encode(n))));
    const ext = der.sequence(der.oid(OID.subjectAltName), der.octetString(sans));
    attributes.push(der.sequence(der.oid(OID.extensionRequest), der.set(der.sequence(ext))));
  }
  const info = der.sequence(der.integer(0n), der.sequence(...rdns), spki, der.tlv(0xa0, attributes));
  const { algId, digest } = signatureFor(opts.privateKey);
  const signature = new Uint8Array(sign(digest, info, opts.privateKey));
  return der.pemEncode('CERTIFICATE REQUEST', der.sequence(info, algId, der.bitString(signature)));
}

function signatureFor(key: KeyObject): { algId: Uint8Array; digest: string | null } {
  if (key.asymmetricKeyType === 'rsa') return { algId: der.sequence(der.oid('1.2.840.113549.1.1.11'), der.nullValue()), digest: 'sha256' };
  if (key.asymmetricKeyType === 'ec') return { algId: der.sequence(der.oid('1.2.840.10045.4.3.2')), digest: 'sha256' };
  if (key.asymmetricKeyType === 'ed25519') return { algId: der.sequence(der.oid('1.3.101.112')), digest: null };
  throw new Error(`certificate requests need an RSA, ECDSA or Ed25519 key (got ${key.asymmetricKeyType})`);
}
