/**
 * The Instance admission webhook: an HTTPS server answering AdmissionReview (v1,
 * and v1beta1 for old registrations) at /admit-kudo-dev-v1beta1-instance with the
 * verdicts of src/engine/admission.ts, as JSON patches. OperatorVersions are read
 * straight from the API server (not a cache), as KUDO does, so an Instance created
 * right after its OperatorVersion is admitted.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KUDO_API_VERSION } from '../api/labels.js';
import type { Instance, OperatorVersion } from '../api/types.js';
import type { Cluster } from '../cluster/cluster.js';
import { sameJson } from '../k8s/object.js';
import { admitCreate, admitUpdate, type Verdict } from '../engine/admission.js';
import type { Logger } from './log.js';
import type { ManagerMetrics } from './metrics.js';

export const WEBHOOK_PATH = '/admit-kudo-dev-v1beta1-instance';

interface AdmissionRequest {
  uid: string;
  operation: string;
  namespace?: string;
  object?: Instance;
  oldObject?: Instance;
  dryRun?: boolean;
}

interface AdmissionReview {
  apiVersion?: string;
  kind?: string;
  request?: AdmissionRequest;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code: number; message: string; reason?: string };
  patchType?: 'JSONPatch';
  patch?: string;
}

/** JSON patch operations that turn `before` into `after` for the fields admission mutates. */
export function admissionPatch(before: Instance, after: Instance): unknown[] {
  const ops: unknown[] = [];
  if (!sameJson(before.spec ?? null, after.spec ?? null)) ops.push({ op: 'add', path: '/spec', value: after.spec ?? {} });
  if (!sameJson(before.metadata.finalizers ?? [], after.metadata.finalizers ?? []))
    ops.push({ op: 'add', path: '/metadata/finalizers', value: after.metadata.finalizers ?? [] });
  return ops;
}

/** Decides one AdmissionRequest. */
export async function review(cluster: Cluster, req: AdmissionRequest, newUid: () => string = randomUUID): Promise<AdmissionResponse> {
  const namespace = req.namespace ?? req.object?.metadata?.namespace ?? '';
  const getOv = async (instance: Instance | undefined): Promise<OperatorVersion | undefined> => {
    const ref = instance?.spec?.operatorVersion;
    if (!ref?.name) return undefined;
    const ov = await cluster.get<OperatorVersion>({
      apiVersion: KUDO_API_VERSION,
      kind: 'OperatorVersion',
      namespace: ref.namespace || namespace,
      name: ref.name,
    });
    return ov;
  };
  const answer = (verdict: Verdict, original: Instance | undefined): AdmissionResponse => {
    if (!verdict.allowed)
      return {
        uid: req.uid,
        allowed: false,
        status: { code: verdict.code, message: verdict.message, reason: verdict.code === 403 ? 'Forbidden' : 'InternalError' },
      };
    if (!verdict.instance || !original) return { uid: req.uid, allowed: true };
    const ops = admissionPatch(original, verdict.instance);
    return ops.length
      ? { uid: req.uid, allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(ops)).toString('base64') }
      : { uid: req.uid, allowed: true };
  };
  const notFound = (instance: Instance | undefined): AdmissionResponse => ({
    uid: req.uid,
    allowed: false,
    status: { code: 500, message: `operatorversions.kudo.dev "${instance?.spec?.operatorVersion?.name ?? ''}" not found`, reason: 'InternalError' },
  });
  if (req.operation === 'CREATE') {
    if (!req.object) return { uid: req.uid, allowed: false, status: { code: 400, message: 'admission request without object' } };
    return answer(admitCreate(req.object, namespace, await getOv(req.object), newUid), req.object);
  }
  if (req.operation === 'UPDATE') {
    if (!req.object || !req.oldObject) return { uid: req.uid, allowed: false, status: { code: 400, message: 'admission request without object or oldObject' } };
    const unchanged = sameJson(req.object.spec ?? {}, req.oldObject.spec ?? {}) && sameJson(req.object.status ?? {}, req.oldObject.status ?? {});
    if (unchanged) return { uid: req.uid, allowed: true };
    const ov = await getOv(req.object);
    if (!ov) return notFound(req.object);
    const sameOv = sameJson(req.object.spec?.operatorVersion ?? {}, req.oldObject.spec?.operatorVersion ?? {});
    const oldOv = sameOv ? ov : await getOv(req.oldObject);
    if (!oldOv) return notFound(req.oldObject);
    return answer(admitUpdate(req.oldObject, req.object, namespace, ov, oldOv, newUid), req.object);
  }
  return { uid: req.uid, allowed: true };
}

export interface WebhookServerOptions {
  cluster: Cluster;
  cert: string;
  key: string;
  port: number;
  host?: string;
  log: Logger;
  metrics?: ManagerMetrics;
}

function readBody(req: IncomingMessage, limit = 4 << 20): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startWebhookServer(opts: WebhookServerOptions): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== WEBHOOK_PATH) return send(404, { message: `no webhook at ${req.method} ${req.url}` });
    let reviewIn: AdmissionReview;
    try {
      reviewIn = JSON.parse((await readBody(req)).toString('utf8')) as AdmissionReview;
    } catch (e) {
      return send(400, { message: `invalid AdmissionReview: ${(e as Error).message}` });
    }
    const request = reviewIn.request;
    if (!request?.uid) return send(400, { message: 'invalid AdmissionReview: no request.uid' });
    let response: AdmissionResponse;
    try {
      response = await review(opts.cluster, request);
    } catch (e) {
      opts.log.error('admission failed', { operation: request.operation, error: (e as Error).message });
      response = { uid: request.uid, allowed: false, status: { code: 500, message: (e as Error).message, reason: 'InternalError' } };
    }
    opts.metrics?.webhookRequests.inc({ operation: request.operation, allowed: String(response.allowed) });
    if (!response.allowed)
      opts.log.info('admission denied', {
        operation: request.operation,
        instance: `${request.namespace ?? ''}/${request.object?.metadata?.name ?? ''}`,
        message: response.status?.message,
      });
    send(200, { apiVersion: reviewIn.apiVersion ?? 'admission.k8s.io/v1', kind: 'AdmissionReview', response });
  };
  const server = createServer({ cert: opts.cert, key: opts.key }, (req, res) => {
    handle(req, res).catch((e) => {
      opts.log.error('webhook request failed', { error: (e as Error).message });
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
