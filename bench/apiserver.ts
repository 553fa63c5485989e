/**
 * `npm run bench -- apiserver [--seconds N] [--concurrency N] [--watchers N]`
 *
 * Throughput and latency of the local control plane over HTTP (keep-alive, plain HTTP, one
 * process for server and load), watch fan-out, and memory per 10,000 stored objects.
 */
import { Agent, request } from 'node:http';
import { Worker } from 'node:worker_threads';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startControlPlane } from '../src/controlplane/index.js';

interface Options {
  seconds: number;
  concurrency: number;
  watchers: number;
}

function parse(args: string[]): Options {
  const o: Options = { seconds: 3, concurrency: 16, watchers: 1000 };
  for (let i = 0; i < args.length; i++) {
    const key = args[i].replace(/^--/, '') as keyof Options;
    const value = Number(args[++i]);
    if (!(key in o) || !Number.isFinite(value) || value <= 0)
      throw new Error(`bad argument ${args[i - 1]} ${args[i] ?? ''}; usage: npm run bench -- apiserver [--seconds N] [--concurrency N] [--watchers N]`);
    o[key] = value;
  }
  return o;
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

function call(base: URL, method: string, path: string, body?: string, contentType = 'application/json'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        method,
        path,
        agent,
        headers: body ? { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) } : {},
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
const http = require('node:http');
const { host, port, seconds, concurrency, method, path, body, contentType, count } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const fill = (s, i) => s.replaceAll('{i}', String(i)).replaceAll('{n}', String(i % count));
const latencies = [];
let n = 0, errors = 0;
const end = performance.now() + seconds * 1000;
function one(i) {
  return new Promise((resolve) => {
    const data = body === undefined ? undefined : fill(body, i);
    const req = http.request({ host, port, method, path: fill(path, i), agent, headers: data === undefined ? {} : { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(data) } }, (res) => {
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

async function load(name: string, o: Options, base: URL, spec: LoadSpec): Promise<number> {
  const worker = new Worker(LOAD_WORKER, {
    eval: true,
    workerData: {
      host: base.hostname,
      port: Number(base.port),
      seconds: o.seconds,
      concurrency: o.concurrency,
      contentType: 'application/json',
      count: 1,
      ...spec,
    },
  });
  const r = await new Promise<{ latencies: number[]; errors: number; secs: number; requests: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  const latencies = r.latencies.sort((a, b) => a - b);
  const f = (x: number) => x.toFixed(2);
  console.log(
    `${name.padEnd(8)} ${Math.round(latencies.length / r.secs)
      .toString()
      .padStart(
        7,
      )} req/s   p50 ${f(percentile(latencies, 50))} ms   p90 ${f(percentile(latencies, 90))} ms   p99 ${f(percentile(latencies, 99))} ms   (${latencies.length} requests${r.errors ? `, ${r.errors} errors` : ''})`,
  );
  return latencies.length;
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
  const cp = await startControlPlane({ insecureHttp: true, watchHeartbeatMs: 60_000 });
  const base = new URL(cp.url);
  const ns = '/api/v1/namespaces/default/configmaps';
  try {
    console.log(`local control plane ${cp.url}; ${o.concurrency} concurrent clients, ${o.seconds} s per phase, Node ${process.version}`);
    const cm = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c{i}","labels":{"app":"bench"}},"data":{"v":"0"}}';
    await load('create', o, base, { method: 'POST', path: ns, body: cm });
    const count = cp.core.store.count('/configmaps');
    await load('get', o, base, { method: 'GET', path: `${ns}/c{n}`, count });
    await load('update', o, base, { method: 'PATCH', path: `${ns}/c{n}`, body: '{"data":{"v":"{i}"}}', contentType: 'application/merge-patch+json', count });
    await load('put', o, base, {
      method: 'PUT',
      path: `${ns}/c{n}`,
      body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c{n}"},"data":{"v":"{i}"}}',
      count,
    });
    await load('list100', o, base, { method: 'GET', path: `${ns}?limit=100` });

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
            const req = request({ host: base.hostname, port: base.port, path: `${ns}?watch=true&resourceVersion=${startRv}`, agent: false }, (res) => {
              res.on('data', (d: Buffer) => {
                for (const b of d) if (b === 10) received++;
              });
              resolve(req);
            });
            req.on('error', () => {});
            req.end();
          }),
      ),
    );
    const t0 = performance.now();
    for (let i = 0; i < events; i++) await call(base, 'PATCH', `${ns}/c${i % count}`, `{"data":{"w":"${i}"}}`, 'application/merge-patch+json');
    const deadline = performance.now() + 60_000;
    while (received < watchers * events && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const secs = (performance.now() - t0) / 1000;
    console.log(`watch    ${watchers} watchers x ${events} events: ${received} delivered in ${secs.toFixed(2)} s = ${Math.round(received / secs)} events/s`);
    for (const s of streams) s.destroy();

    // The API semantics alone, without HTTP.
    const t = cp.core.registry.lookup('', 'v1', 'configmaps')!;
    cp.core.create(cp.core.registry.lookup('', 'v1', 'namespaces')!, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'core' } });
    inProcess('in-process create', Math.min(o.seconds, 1), (i) =>
      cp.core.create(t, 'core', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `x${i}` }, data: { v: '0' } }),
    );
    const inCount = cp.core.store.list('/configmaps', 'core').length;
    inProcess('in-process get', Math.min(o.seconds, 1), (i) => cp.core.get(t, 'core', `x${i % inCount}`));
    inProcess('in-process patch', Math.min(o.seconds, 1), (i) => cp.core.mutate(t, 'core', `x${i % inCount}`, (c) => ({ ...c, data: { v: String(i) } })));

    // Memory per 10,000 objects, stored in-process (no HTTP buffers in the figure).
    cp.core.create(cp.core.registry.lookup('', 'v1', 'namespaces')!, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'mem' } });
    gc();
    const before = process.memoryUsage().heapUsed;
    const m0 = performance.now();
    for (let i = 0; i < 10_000; i++)
      cp.core.create(t, 'mem', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `m${i}`, labels: { app: 'mem', i: String(i) } },
        data: { key: `value-${i}`, other: 'x'.repeat(64) },
      });
    const createSecs = (performance.now() - m0) / 1000;
    gc();
    const after = process.memoryUsage().heapUsed;
    console.log(
      `memory   ${((after - before) / 1024 / 1024).toFixed(1)} MiB per 10,000 ConfigMaps (~${Math.round((after - before) / 10_000)} bytes each, incl. watch history); in-process create ${Math.round(10_000 / createSecs)} objects/s`,
    );
  } finally {
    agent.destroy();
    await cp.stop();
  }
  return 0;
}
