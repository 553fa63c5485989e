/**
 * Small node:http(s) servers for the cluster layer's unit tests: each test
 * answers requests with its own handler, and every request is recorded.
 */
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Handler = (req: RecordedRequest, res: ServerResponse, raw: IncomingMessage) => void | Promise<void>;

export interface FakeServer {
  url: string;
  requests: RecordedRequest[];
  server: http.Server;
  close(): Promise<void>;
}

export async function startFakeServer(
  handler: Handler,
  tls?: { key: Buffer | string; cert: Buffer | string; ca?: Buffer | string; requestCert?: boolean },
): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const listener = (raw: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    raw.on('data', (c: Buffer) => chunks.push(c));
    raw.on('end', () => {
      const rec: RecordedRequest = { method: raw.method ?? '', url: raw.url ?? '', headers: raw.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(rec);
      Promise.resolve(handler(rec, res, raw)).catch((e) => {
        res.statusCode = 599;
        res.end(String(e));
      });
    });
  };
  const server = tls ? https.createServer({ ...tls, rejectUnauthorized: false }, listener) : http.createServer(listener);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export function sendStatus(res: ServerResponse, code: number, reason: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason, message, code }, headers);
}

/** Legacy discovery documents for a few kinds; `extra` adds group-versions (e.g. a CRD's). */
export function discovery(path: string, extra: Record<string, { name: string; kind: string; namespaced: boolean }[]> = {}): unknown | undefined {
  const verbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
  const lists: Record<string, { name: string; kind: string; namespaced: boolean }[]> = {
    '/api/v1': [
      { name: 'configmaps', kind: 'ConfigMap', namespaced: true },
      { name: 'namespaces', kind: 'Namespace', namespaced: false },
      { name: 'pods', kind: 'Pod', namespaced: true },
      { name: 'pods/exec', kind: 'PodExecOptions', namespaced: true },
      { name: 'pods/status', kind: 'Pod', namespaced: true },
    ],
    '/apis/apps/v1': [
      { name: 'deployments', kind: 'Deployment', namespaced: true },
      { name: 'deployments/scale', kind: 'Scale', namespaced: true },
      { name: 'deployments/status', kind: 'Deployment', namespaced: true },
    ],
    ...extra,
  };
  const resources = lists[path];
  return (
    resources && { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: path.replace(/^\/apis?\//, ''), resources: resources.map((r) => ({ ...r, verbs })) }
  );
}

/** A kubeconfig text pointing at `url`. */
export function kubeconfigFor(url: string, user = '{token: test-token}', cluster = '', namespace = 'default'): string {
  return `apiVersion: v1
kind: Config
current-context: test
clusters: [{name: test, cluster: {server: "${url}"${cluster ? `, ${cluster}` : ''}}}]
users: [{name: test, user: ${user}}]
contexts: [{name: test, context: {cluster: test, user: test, namespace: ${namespace}}}]
`;
}
