/**
 * An admission webhook server for the scenarios (one per side): HTTPS on loopback with its own
 * CA (scenarios put ${webhookCA} in caBundle and ${webhookURL}/PATH in clientConfig.url).
 *
 * (webhook URLs may not carry query parameters, so the path says everything)
 *   /allow                 allowed
 *   /deny/CODE/MESSAGE     denied with that message and HTTP-style code
 *   /label/KEY/VALUE       allowed, with a JSONPatch adding the label KEY=VALUE
 *   /warn/MESSAGE          allowed, with an admission warning
 *   /fail                  answers HTTP 500 (a broken webhook)
 *   /slow/SECONDS          answers after that many seconds (allowed)
 *
 * Every AdmissionReview it receives is recorded for `webhookCalls` steps.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createCertificate, createSelfSignedCa, generateKeyPair } from '../../../src/crypto/x509.js';

export interface WebhookServer {
  url: string;
  caBundle: string;
  /** The reviews received since the last call, oldest first. */
  take(): unknown[];
  stop(): Promise<void>;
}

export async function startWebhookServer(): Promise<WebhookServer> {
  const { certPem: caPem, key: caKey } = createSelfSignedCa('differential-webhook-ca', 2);
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
      const [route, ...args] = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      const response: Record<string, unknown> = { uid: review?.request?.uid, allowed: true };
      const answer = () => {
        const body = JSON.stringify({ apiVersion: review?.apiVersion ?? 'admission.k8s.io/v1', kind: 'AdmissionReview', response });
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
      };
      switch (route) {
        case 'allow':
          return answer();
        case 'deny':
          response.allowed = false;
          response.status = { code: Number(args[0] ?? 403), message: args[1] ?? 'denied by the test webhook' };
          return answer();
        case 'label': {
          const [key = 'webhook', value = 'yes'] = args;
          const labels = review?.request?.object?.metadata?.labels;
          const ops = labels
            ? [{ op: 'add', path: `/metadata/labels/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, value }]
            : [{ op: 'add', path: '/metadata/labels', value: { [key]: value } }];
          response.patchType = 'JSONPatch';
          response.patch = Buffer.from(JSON.stringify(ops)).toString('base64');
          return answer();
        }
        case 'warn':
          response.warnings = [args[0] ?? 'warned by the test webhook'];
          return answer();
        case 'fail':
          res.writeHead(500).end('broken on purpose');
          return;
        case 'slow':
          setTimeout(answer, Number(args[0] ?? 1) * 1000);
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
