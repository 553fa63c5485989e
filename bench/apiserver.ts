/**
 * `npm run bench -- apiserver [--seconds N] [--concurrency N] [--watchers N] [--https]`
 *
 * Throughput and latency of the local control plane over HTTP (keep-alive; the load generator
 * runs in a worker thread), watch fan-out, in-process figures and memory per 10,000 objects.
 * `cpu/req` is the server thread's own CPU time per request (process.threadCpuUsage), which
 * says what one core sustains even on a machine busy with other work; req/s depends on that.
 * `--https` serves HTTPS with authentication and RBAC, the load authenticated as a service
 * account bound to the `edit` ClusterRole (JWT checks and RBAC on every request).
 */
import { Agent, request as httpRequest, type RequestOptions, type IncomingMessage, type ClientRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Worker } from 'node:worker_threads';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { KubeObject } from '../src/k8s/object.js';
import { startControlPlane, type ControlPlane } from '../src/controlplane/index.js';

interface Options {
  seconds: number;
  concurrency: number;
  watchers: number;
  https: boolean;
}

const USAGE = 'usage: npm run bench -- apiserver [--seconds N] [--concurrency N] [--watchers N] [--https]';

function parse(args: string[]): Options {
  const o: Options = { seconds: 3, concurrency: 16, watchers: 1000, https: false };
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--https') {
      o.https = true;
      continue;
    }
    const key = args[i].replace(/^--/, '');
    const value = Number(args[++i]);
    if ((key !== 'seconds' && key !== 'concurrency' && key !== 'watchers') || !Number.isFinite(value) || value <= 0)
      throw new Error(`bad argument ${args[i - 1]} ${args[i] ?? ''}; ${USAGE}`);
    o[key] = value;
  }
  return o;
}

/** How the bench reaches the server: plain HTTP, or HTTPS with a bearer token. */
interface Client {
  base: URL;
  token?: string;
  agent: Agent;
  request(options: RequestOptions, onResponse: (res: IncomingMessage) => void): ClientRequest;
}

function call(c: Client, method: string, path: string, body?: string, contentType = 'application/json'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = c.request(
      {
        host: c.base.hostname,
        port: c.base.port,
        method,
        path,
        agent: c.agent,
        headers: {
          ...(body ? { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) } : {}),
          ...(c.token ? { Authorization: `Bearer ${c.token}` } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

/**
 * The load generator runs in a worker thread (its own core), so the figures are the server's:
 * `concurrency` keep-alive loops send requests built from a template for `seconds`.
 */
const LOAD_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { host, port, seconds, concurrency, method, path, body, contentType, count, https, token } = workerData;
const http = require(https ? 'node:https' : 'node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, rejectUnauthorized: false });
const fill = (s, i) => s.replaceAll('{i}', String(i)).replaceAll('{n}', String(i % count));
const latencies = [];
let n = 0, errors = 0;
const end = performance.now() + seconds * 1000;
function one(i) {
  return new Promise((resolve) => {
    const data = body === undefined ? undefined : fill(body, i);
    const headers = data === undefined ? {} : { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(data) };
    if (token) headers.Authorization = 'Bearer ' + token;
    const req = http.request({ host, port, method, path: fill(path, i), agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', () => resolve(599));
    req.end(data);
  });
}
async function loop() {
  while (performance.now() < end) {
    const i = n++;
    const t0 = performance.now();
    const status = await one(i);
    latencies.push(performance.now() - t0);
    if (status >= 300) errors++;
  }
}
const t0 = performance.now();
Promise.all(Array.from({ length: concurrency }, loop)).then(() => {
  agent.destroy();
  parentPort.postMessage({ latencies, errors, secs: (performance.now() - t0) / 1000, requests: n });
});
`;

interface LoadSpec {
  method: string;
  /** `{i}` is the request number, `{n}` the request number modulo `count`. */
  path: string;
  body?: string;
  contentType?: string;
  count?: number;
}

async function load(name: string, o: Options, c: Client, spec: LoadSpec): Promise<number> {
  const worker = new Worker(LOAD_WORKER, {
    eval: true,
    workerData: {
      host: c.base.hostname,
      port: Number(c.base.port),
      https: o.https,
      token: c.token,
      seconds: o.seconds,
      concurrency: o.concurrency,
      contentType: 'application/json',
      count: 1,
      ...spec,
    },
  });
  const cpu0 = process.threadCpuUsage();
  const r = await new Promise<{ latencies: number[]; errors: number; secs: number; requests: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const cpu = process.threadCpuUsage(cpu0);
  await worker.terminate();
  const latencies = r.latencies.sort((a, b) => a - b);
  const f = (x: number) => x.toFixed(2);
  console.log(
    `${name.padEnd(8)} ${Math.round(latencies.length / r.secs)
      .toString()
      .padStart(
        7,
      )} req/s   p50 ${f(percentile(latencies, 50))} ms   p90 ${f(percentile(latencies, 90))} ms   p99 ${f(percentile(latencies, 99))} ms   cpu/req ${Math.round(
      (cpu.user + cpu.system) / latencies.length,
    )} µs (~${Math.round((latencies.length * 1e6) / (cpu.user + cpu.system))} req/s per core)   (${latencies.length} requests${r.errors ? `, ${r.errors} errors` : ''})`,
  );
  return latencies.length;
}

/** A token of service account default/bench, bound to the `edit` ClusterRole in `default`. */
function benchToken(cp: ControlPlane): string {
  const type = (group: string, resource: string) => cp.core.registry.lookup(group, 'v1', resource)!;
  const sa = cp.core.create(type('', 'serviceaccounts'), 'default', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'bench' } });
  cp.core.create(type('rbac.authorization.k8s.io', 'rolebindings'), 'default', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'bench-edit' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
    subjects: [{ kind: 'ServiceAccount', name: 'bench', namespace: 'default' }],
  } as KubeObject);
  return cp.access.authenticator.issueBound(sa, ['https://kubernetes.default.svc.cluster.local'], 3600).token;
}

/** Calls `op` for about `seconds` in-process (no HTTP) and prints operations per second. */
function inProcess(name: string, seconds: number, op: (i: number) => void): void {
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  let i = 0;
  while (performance.now() < end) for (let k = 0; k < 100; k++) op(i++);
  console.log(`${name.padEnd(18)} ${Math.round(i / ((performance.now() - t0) / 1000))} ops/s`);
}

export async function main(args: string[]): Promise<number> {
  let o: Options;
  try {
    o = parse(args);
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const cp = await startControlPlane({ insecureHttp: !o.https, watchHeartbeatMs: 60_000 });
  const base = new URL(cp.url);
  const ns = '/api/v1/namespaces/default/configmaps';
  const c: Client = o.https
    ? { base, agent: new HttpsAgent({ keepAlive: true, maxSockets: 256, rejectUnauthorized: false }), request: httpsRequest, token: benchToken(cp) }
    : { base, agent: new Agent({ keepAlive: true, maxSockets: 256 }), request: httpRequest };
  try {
    console.log(
      `local control plane ${cp.url}${o.https ? ' (HTTPS, service account token, RBAC)' : ''}; ${o.concurrency} concurrent clients, ${o.seconds} s per phase, Node ${process.version}`,
    );
    const cm = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c{i}","labels":{"app":"bench"}},"data":{"v":"0"}}';
    await load('create', o, c, { method: 'POST', path: ns, body: cm });
    // Only the bench's own c0, c1, ... (the namespace may hold other ConfigMaps, e.g. kube-root-ca.crt).
    const count = cp.core.store.list('/configmaps', 'default').filter((o) => /^c\d+$/.test(o.metadata.name!)).length;
    await load('get', o, c, { method: 'GET', path: `${ns}/c{n}`, count });
    await load('update', o, c, { method: 'PATCH', path: `${ns}/c{n}`, body: '{"data":{"v":"{i}"}}', contentType: 'application/merge-patch+json', count });
    await load('put', o, c, {
      method: 'PUT',
      path: `${ns}/c{n}`,
      body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c{n}"},"data":{"v":"{i}"}}',
      count,
    });
    await load('list100', o, c, { method: 'GET', path: `${ns}?limit=100` });

    // Watch fan-out: every watcher receives every event.
    const watchers = o.watchers;
    const events = 200;
    let received = 0;
    const startRv = cp.core.store.resourceVersion;
    const streams = await Promise.all(
      Array.from(
        { length: watchers },
        () =>
          new Promise<import('node:http').ClientRequest>((resolve) => {
            const headers = c.token ? { Authorization: `Bearer ${c.token}` } : {};
            const tls = { rejectUnauthorized: false };
            const req = c.request(
              { host: base.hostname, port: base.port, path: `${ns}?watch=true&resourceVersion=${startRv}`, agent: false, headers, ...tls },
              (res) => {
                res.on('data', (d: Buffer) => {
                  for (const b of d) if (b === 10) received++;
                });
                resolve(req);
              },
            );
            req.on('error', () => {});
            req.end();
          }),
      ),
    );
    const t0 = performance.now();
    const cpu0 = process.threadCpuUsage();
    for (let i = 0; i < events; i++) await call(c, 'PATCH', `${ns}/c${i % count}`, `{"data":{"w":"${i}"}}`, 'application/merge-patch+json');
    const deadline = performance.now() + 60_000;
    while (received < watchers * events && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.threadCpuUsage(cpu0);
    console.log(
      `watch    ${watchers} watchers x ${events} events: ${received} delivered in ${secs.toFixed(2)} s = ${Math.round(received / secs)} events/s; server cpu ${((cpu.user + cpu.system) / received).toFixed(1)} µs per delivered event`,
    );
    for (const s of streams) s.destroy();

    // The API semantics alone, without HTTP.
    const t = cp.core.registry.lookup('', 'v1', 'configmaps')!;
    cp.core.create(cp.core.registry.lookup('', 'v1', 'namespaces')!, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'core' } });
    inProcess('in-process create', Math.min(o.seconds, 1), (i) =>
      cp.core.create(t, 'core', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `x${i}` }, data: { v: '0' } }),
    );
    const inCount = cp.core.store.list('/configmaps', 'core').length;
    inProcess('in-process get', Math.min(o.seconds, 1), (i) => cp.core.get(t, 'core', `x${i % inCount}`));
    inProcess('in-process patch', Math.min(o.seconds, 1), (i) =>
      cp.core.mutate(t, 'core', `x${i % inCount}`, (cur) => ({ ...cur, data: { v: String(i) } }), { fieldManager: 'bench' }),
    );
    inProcess('in-process list100', Math.min(o.seconds, 1), () => cp.core.list(t, 'core', { limit: 100 }));
  } finally {
    c.agent.destroy();
    await cp.stop();
  }
  await memory(gc);
  return 0;
}

/**
 * Memory per 10,000 ConfigMaps in a fresh control plane (so the bounded watch history is not
 * dropping older events meanwhile): stored in-process, then once more after one LIST served
 * them (their JSON text is cached per stored object).
 */
async function memory(gc: () => void): Promise<void> {
  const cp = await startControlPlane({ insecureHttp: true });
  const c: Client = { base: new URL(cp.url), agent: new Agent({ keepAlive: true }), request: httpRequest };
  try {
    const t = cp.core.registry.lookup('', 'v1', 'configmaps')!;
    cp.core.create(cp.core.registry.lookup('', 'v1', 'namespaces')!, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'mem' } });
    const heap = () => {
      gc();
      gc();
      return process.memoryUsage().heapUsed;
    };
    const before = heap();
    const m0 = performance.now();
    for (let i = 0; i < 10_000; i++)
      cp.core.create(t, 'mem', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `m${i}`, labels: { app: 'mem', i: String(i) } },
        data: { key: `value-${i}`, other: 'x'.repeat(64) },
      });
    const createSecs = (performance.now() - m0) / 1000;
    const after = heap();
    const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB (~${Math.round(bytes / 10_000)} bytes each)`;
    console.log(
      `memory   ${mib(after - before)} per 10,000 ConfigMaps, incl. their watch events; in-process create ${Math.round(10_000 / createSecs)} objects/s`,
    );
    const listed = await call(c, 'GET', '/api/v1/namespaces/mem/configmaps');
    const served = heap();
    console.log(`memory   ${mib(served - before)} per 10,000 ConfigMaps after one LIST served them (${Math.round(listed.body.length / 1024)} KiB of JSON)`);
  } finally {
    c.agent.destroy();
    await cp.stop();
  }
}
