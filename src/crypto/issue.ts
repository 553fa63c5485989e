/**
 * Issuing a certificate for a parsed PKCS#10 request, as kube-controller-manager's local CA
 * signer does: the request's subject, public key and subject alternative names, the key usages
 * a CertificateSigningRequest names, not a CA, valid for the asked lifetime (backdated a little
 * for clock skew, never past the CA's own expiry).
 */
import { randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import * as der from './der.js';
import type { CertificateRequest } from './pkcs10.js';
import { extension, ipBytes, issuerOf, keyUsageBitString, signatureAlgorithm } from './x509.js';

/** certificates.k8s.io key usages that are X.509 KeyUsage bits (bit 0 is digitalSignature). */
const KEY_USAGE_BITS: Record<string, number> = {
  signing: 0,
  'digital signature': 0,
  'content commitment': 1,
  'key encipherment': 2,
  'key agreement': 4,
  'data encipherment': 3,
  'cert sign': 5,
  'crl sign': 6,
  'encipher only': 7,
  'decipher only': 8,
};

/** certificates.k8s.io key usages that are ExtKeyUsage OIDs. */
const EXT_KEY_USAGES: Record<string, string> = {
  any: '2.5.29.37.0',
  'server auth': '1.3.6.1.5.5.7.3.1',
  'client auth': '1.3.6.1.5.5.7.3.2',
  'code signing': '1.3.6.1.5.5.7.3.3',
  'email protection': '1.3.6.1.5.5.7.3.4',
  's/mime': '1.3.6.1.5.5.7.3.4',
  'ipsec end system': '1.3.6.1.5.5.7.3.5',
  'ipsec tunnel': '1.3.6.1.5.5.7.3.6',
  'ipsec user': '1.3.6.1.5.5.7.3.7',
  timestamping: '1.3.6.1.5.5.7.3.8',
  'ocsp signing': '1.3.6.1.5.5.7.3.9',
  'microsoft sgc': '1.3.6.1.4.1.311.10.3.3',
  'netscape sgc': '2.16.840.1.113730.4.1',
};

export interface IssueOptions {
  request: CertificateRequest;
  /** certificates.k8s.io usages ("digital signature", "client auth", ...). */
  usages: string[];
  lifetimeSeconds: number;
  issuer: { certPem: string; privateKey: KeyObject };
  now?: Date;
}

/** Five minutes of clock-skew allowance, shrunk to 1% for lifetimes under 8 hours. */
function backdateMs(lifetimeMs: number): number {
  const fiveMinutes = 5 * 60_000;
  return lifetimeMs < 8 * 3600_000 ? Math.floor(lifetimeMs / 100) : fiveMinutes;
}

/** The PEM certificate for `request`, signed by `issuer`; throws on a usage it does not know. */
export function issueCertificate(opts: IssueOptions): string {
  const now = opts.now ?? new Date();
  const lifetimeMs = opts.lifetimeSeconds * 1000;
  const notBefore = new Date(now.getTime() - backdateMs(lifetimeMs));
  const ca = new X509Certificate(opts.issuer.certPem);
  const caExpiry = new Date(ca.validTo);
  let notAfter = new Date(notBefore.getTime() + lifetimeMs);
  if (notAfter > caExpiry) notAfter = caExpiry;

  let bits = 0;
  const extUsages: string[] = [];
  for (const u of opts.usages) {
    if (u in KEY_USAGE_BITS) bits |= 1 << KEY_USAGE_BITS[u];
    else if (u in EXT_KEY_USAGES) {
      if (!extUsages.includes(EXT_KEY_USAGES[u])) extUsages.push(EXT_KEY_USAGES[u]);
    } else throw new Error(`unrecognized usage: ${u}`);
  }
  const { algId, digest } = signatureAlgorithm(opts.issuer.privateKey);
  const issuer = issuerOf(opts.issuer.certPem);
  const exts: Uint8Array[] = [];
  if (bits) exts.push(extension('2.5.29.15', true, keyUsageBitString(bits)));
  if (extUsages.length) exts.push(extension('2.5.29.37', false, der.sequence(...extUsages.map((o) => der.oid(o)))));
  exts.push(extension('2.5.29.19', true, der.sequence()));
  if (issuer.subjectKeyId) exts.push(extension('2.5.29.35', false, der.sequence(der.implicitPrimitive(0, issuer.subjectKeyId))));
  const r = opts.request;
  const text = (s: string) => new TextEncoder().encode(s);
  const names = [
    ...r.dnsNames.map((n) => der.tlv(0x82, text(n))),
    ...r.emailAddresses.map((n) => der.tlv(0x81, text(n))),
    ...r.ipAddresses.map((ip) => der.tlv(0x87, ipBytes(ip))),
    ...r.uris.map((n) => der.tlv(0x86, text(n))),
  ];
  const emptySubject = r.subjectDer.length <= 2;
  if (names.length) exts.push(extension('2.5.29.17', emptySubject, der.sequence(...names)));

  const spki = new Uint8Array(r.publicKey.export({ type: 'spki', format: 'der' }));
  const serial = BigInt('0x' + randomBytes(16).toString('hex'));
  const tbs = der.sequence(
    der.explicit(0, der.integer(2n)),
    der.integer(serial),
    algId,
    issuer.subject,
    der.sequence(der.time(notBefore), der.time(notAfter)),
    r.subjectDer,
    spki,
    der.explicit(3, der.sequence(...exts)),
  );
  const signature = new Uint8Array(sign(digest, tbs, opts.issuer.privateKey));
  return der.pemEncode('CERTIFICATE', der.sequence(tbs, algId, der.bitString(signature)));
}
