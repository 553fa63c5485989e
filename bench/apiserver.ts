/**
 * `npm run bench -- apiserver [--seconds N] [--concurrency N] [--watchers N]`
 *
 * Throughput and latency of the local control plane over HTTP (keep-alive, plain HTTP, one
 * process for server and load), watch fan-out, and memory per 10,000 stored objects.
 */
import { Agent, request } from 'node:http';
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

/** Runs `op(i)` from `concurrency` loops for `seconds`; prints requests/s and latency percentiles. */
async function load(name: string, o: Options, op: (i: number) => Promise<number>): Promise<void> {
  const latencies: number[] = [];
  let n = 0;
  let errors = 0;
  const end = performance.now() + o.seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const i = n++;
      const t0 = performance.now();
      const status = await op(i);
      latencies.push(performance.now() - t0);
      if (status >= 300) errors++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  const secs = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const f = (x: number) => x.toFixed(2);
  console.log(
    `${name.padEnd(8)} ${Math.round(latencies.length / secs)
      .toString()
      .padStart(
        7,
      )} req/s   p50 ${f(percentile(latencies, 50))} ms   p90 ${f(percentile(latencies, 90))} ms   p99 ${f(percentile(latencies, 99))} ms   (${latencies.length} requests${errors ? `, ${errors} errors` : ''})`,
  );
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
  const cm = (name: string, v: string) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { app: 'bench' } }, data: { v } });
  try {
    console.log(`local control plane ${cp.url}; ${o.concurrency} concurrent clients, ${o.seconds} s per phase, Node ${process.version}`);
    await load('create', o, (i) => call(base, 'POST', ns, cm(`c${i}`, '0')).then((r) => r.status));
    const count = cp.core.store.count('/configmaps');
    await load('get', o, (i) => call(base, 'GET', `${ns}/c${i % count}`).then((r) => r.status));
    const rv = new Map<number, string>();
    await load('update', o, async (i) => {
      const name = `c${i % count}`;
      const r = await call(base, 'PATCH', `${ns}/${name}`, `{"data":{"v":"${i}"}}`, 'application/merge-patch+json');
      rv.set(i, r.body);
      return r.status;
    });
    await load('list100', o, () => call(base, 'GET', `${ns}?limit=100`).then((r) => r.status));

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

    // Memory per 10,000 objects, stored in-process (no HTTP buffers in the figure).
    const t = cp.core.registry.lookup('', 'v1', 'configmaps')!;
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
