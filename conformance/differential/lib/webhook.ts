/**
 * An admission webhook server for the scenarios (one per side): HTTPS on loopback with its own
 * CA (scenarios put ${webhookCA} in caBundle and ${webhookURL}/PATH in clientConfig.url).
 *
 *   /allow                      allowed
 *   /deny?message=TEXT&code=N   denied with that message (and HTTP-style code, default 403)
 *   /label?key=K&value=V        allowed, with a JSONPatch adding the label K=V
 *   /warn?message=TEXT          allowed, with an admission warning
 *   /fail                       answers HTTP 500 (a broken webhook)
 *   /slow?seconds=N             answers after N seconds (allowed)
 *
 * Every AdmissionReview it receives is recorded for `webhookCalls` steps.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createCertificate, generateKeyPair } from '../../../src/crypto/x509.js';

export interface WebhookServer {
  url: string;
  caBundle: string;
  /** The reviews received since the last call, oldest first. */
  take(): unknown[];
  stop(): Promise<void>;
}

export async function startWebhookServer(): Promise<WebhookServer> {
  const caKey = generateKeyPair('ecdsa');
  const caPem = createCertificate({ subject: { commonName: 'differential-webhook-ca' }, isCA: true, notAfter: 2, publicKey: caKey.publicKey, selfSignKey: caKey.privateKey });
  const key = generateKeyPair('ecdsa');
  const certPem = createCertificate({
    subject: { commonName: '127.0.0.1' },
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
    notAfter: 2,
    extKeyUsage: ['serverAuth'],
    publicKey: key.publicKey,
    issuer: { certPem: caPem, privateKey: caKey.privateKey },
  });
  let calls: unknown[] = [];
  const server: Server = createServer({ cert: certPem, key: key.privateKeyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'https://x');
      let review: any;
      try {
        review = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400).end('not JSON');
        return;
      }
      calls.push({ path: url.pathname, review });
      const q = url.searchParams;
      const response: Record<string, unknown> = { uid: review?.request?.uid, allowed: true };
      const answer = () => {
        const body = JSON.stringify({ apiVersion: review?.apiVersion ?? 'admission.k8s.io/v1', kind: 'AdmissionReview', response });
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
      };
      switch (url.pathname) {
        case '/allow':
          return answer();
        case '/deny':
          response.allowed = false;
          response.status = { message: q.get('message') ?? 'denied by the test webhook', code: Number(q.get('code') ?? 403) };
          return answer();
        case '/label': {
          const labels = review?.request?.object?.metadata?.labels;
          const ops = labels
            ? [{ op: 'add', path: `/metadata/labels/${(q.get('key') ?? 'webhook').replace(/~/g, '~0').replace(/\//g, '~1')}`, value: q.get('value') ?? 'yes' }]
            : [{ op: 'add', path: '/metadata/labels', value: { [q.get('key') ?? 'webhook']: q.get('value') ?? 'yes' } }];
          response.patchType = 'JSONPatch';
          response.patch = Buffer.from(JSON.stringify(ops)).toString('base64');
          return answer();
        }
        case '/warn':
          response.warnings = [q.get('message') ?? 'warned by the test webhook'];
          return answer();
        case '/fail':
          res.writeHead(500).end('broken on purpose');
          return;
        case '/slow':
          setTimeout(answer, Number(q.get('seconds') ?? 1) * 1000);
          return;
        default:
          res.writeHead(404).end('no such webhook');
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    caBundle: Buffer.from(caPem).toString('base64'),
    take() {
      const out = calls;
      calls = [];
      return out;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
