/** The "TinyCA" of `init --unsafe-self-signed-webhook-ca`: a CA and a webhook serving certificate signed by it. */
import { createCertificate, createSelfSignedCa, generateKeyPair } from '../../crypto/x509.js';

export interface WebhookCertificates {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** RSA 2048 as KUDO's; valid one week by default (KUDO's 168 h) unless `days` says otherwise. */
export function webhookCertificates(commonName: string, opts: { dnsNames?: string[]; ipAddresses?: string[]; days?: number } = {}): WebhookCertificates {
  const notAfter = opts.days ?? 7;
  // The CA gets its own name: a certificate whose issuer equals its subject looks self-signed to some verifiers (Node's).
  const { certPem: caPem, key: caKey } = createSelfSignedCa(`kudo-webhook-ca (${commonName})`, notAfter, 'rsa', 2048);
  const key = generateKeyPair('rsa', 2048);
  const certPem = createCertificate({
    subject: { commonName },
    dnsNames: opts.dnsNames ?? [commonName],
    ipAddresses: opts.ipAddresses,
    notAfter,
    extKeyUsage: ['serverAuth'],
    publicKey: key.publicKey,
    issuer: { certPem: caPem, privateKey: caKey.privateKey },
  });
  return { caPem, certPem, keyPem: key.privateKeyPem };
}
