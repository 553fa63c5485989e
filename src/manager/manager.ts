/**
 * The manager process as a library: the admission webhook (on every replica), the
 * Instance controller (on the leader only, when leader election is on), /metrics,
 * /healthz and /readyz, and an orderly stop.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Cluster } from '../cluster/cluster.js';
import { InstanceController } from './controller.js';
import { CountingCluster } from './counting-cluster.js';
import { LeaderElector } from './leader.js';
import type { Logger } from './log.js';
import { ManagerMetrics } from './metrics.js';
import { startWebhookServer } from './webhook.js';

export interface ManagerOptions {
  cluster: Cluster;
  log: Logger;
  /** TLS pair for the webhook; no webhook server when absent. */
  webhook?: { cert: string; key: string; port: number; host?: string };
  /** host:port for /metrics ("" or "0" turns it off). */
  metricsAddr?: string;
  /** host:port for /healthz and /readyz ("" or "0" turns it off). */
  healthAddr?: string;
  leaderElection?: { namespace: string; name?: string; identity?: string; leaseDurationSeconds?: number; renewMs?: number; retryMs?: number };
  namespace?: string;
  workers?: number;
  /** Called when leadership is lost (the process should exit so it restarts clean). */
  onFatal?: (reason: string) => void;
  controller?: { maxWaitMs?: number; backoff?: { baseMs: number; maxMs: number } };
}

export interface RunningManager {
  metrics: ManagerMetrics;
  controller: InstanceController;
  webhookPort?: number;
  metricsPort?: number;
  healthPort?: number;
  /** Resolves once this replica runs the controller (at once without leader election). */
  leading: Promise<boolean>;
  stop(): Promise<void>;
}

/** Splits ":8080", "127.0.0.1:8080" or "8080" into host and port. */
export function parseAddress(addr: string, flag: string): { host: string; port: number } | undefined {
  if (addr === '' || addr === '0') return undefined;
  const i = addr.lastIndexOf(':');
  const host = i > 0 ? addr.slice(0, i).replace(/^\[|\]$/g, '') : '0.0.0.0';
  const portText = i >= 0 ? addr.slice(i + 1) : addr;
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new Error(`${flag}: "${addr}" is not an address of the form [host]:port`);
  return { host, port };
}

async function listen(server: Server, addr: { host: string; port: number }): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(addr.port, addr.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

export async function startManager(opts: ManagerOptions): Promise<RunningManager> {
  const log = opts.log;
  const holder: { controller?: InstanceController } = {};
  const metrics = new ManagerMetrics(() => holder.controller?.queue.depth ?? 0);
  const cluster = new CountingCluster(opts.cluster, (verb, ok) => metrics.apiCalls.inc({ verb, result: ok ? 'ok' : 'error' }));
  const controller = new InstanceController({
    cluster,
    log: log.with({ component: 'instance-controller' }),
    metrics,
    namespace: opts.namespace,
    workers: opts.workers,
    ...opts.controller,
  });
  holder.controller = controller;
  const closers: (() => Promise<void>)[] = [];
  let webhookPort: number | undefined;
  let webhookUp = false;

  if (opts.webhook) {
    const wh = await startWebhookServer({ cluster, ...opts.webhook, log: log.with({ component: 'webhook' }), metrics });
    webhookPort = wh.port;
    webhookUp = true;
    closers.push(wh.close);
    log.info('admission webhook serving', { port: wh.port });
  }

  let controllerStarted = false;
  const servers: Record<string, Server> = {};
  const serve = async (
    name: string,
    addrText: string | undefined,
    routes: Record<string, () => { code: number; body: string; type?: string }>,
  ): Promise<number | undefined> => {
    const addr = parseAddress(addrText ?? '', `--${name}-addr`);
    if (!addr) return undefined;
    const server = createServer((req, res) => {
      const route = routes[(req.url ?? '').split('?')[0]];
      const r = route ? route() : { code: 404, body: 'not found\n' };
      res.writeHead(r.code, { 'content-type': r.type ?? 'text/plain; charset=utf-8' }).end(r.body);
    });
    try {
      const port = await listen(server, addr);
      servers[name] = server;
      closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
      return port;
    } catch (e) {
      log.warn(`${name} endpoint not started`, { addr: addrText, error: (e as Error).message });
      return undefined;
    }
  };
  const metricsRoute = { '/metrics': () => ({ code: 200, body: metrics.registry.render(), type: 'text/plain; version=0.0.4; charset=utf-8' }) };
  const healthRoutes = {
    '/healthz': () => ({ code: 200, body: 'ok\n' }),
    '/readyz': () => {
      const ready =
        (!opts.webhook || webhookUp) && (!opts.leaderElection || !elector?.isLeader || controller.synced) && (opts.leaderElection || controllerStarted);
      return ready ? { code: 200, body: 'ok\n' } : { code: 503, body: 'not ready\n' };
    },
  };
  const same = opts.metricsAddr && opts.metricsAddr === opts.healthAddr;
  const metricsPort = await serve('metrics', opts.metricsAddr, same ? { ...metricsRoute, ...healthRoutes } : metricsRoute);
  const healthPort = same ? metricsPort : await serve('health', opts.healthAddr, healthRoutes);

  let elector: LeaderElector | undefined;
  const startController = async () => {
    await controller.start();
    controllerStarted = true;
    log.info('instance controller started');
  };
  let leading: Promise<boolean>;
  if (opts.leaderElection) {
    const le = opts.leaderElection;
    elector = new LeaderElector({
      cluster,
      namespace: le.namespace,
      name: le.name ?? 'kudo-manager',
      identity: le.identity ?? `${hostname()}_${randomUUID()}`,
      leaseDurationSeconds: le.leaseDurationSeconds,
      renewMs: le.renewMs,
      retryMs: le.retryMs,
      log,
    });
    leading = elector
      .acquire(() => opts.onFatal?.('leader election lost'))
      .then(async (won) => {
        if (won) await startController();
        return won;
      });
  } else {
    await startController();
    leading = Promise.resolve(true);
  }

  let stopping: Promise<void> | undefined;
  return {
    metrics,
    controller,
    webhookPort,
    metricsPort,
    healthPort,
    leading,
    stop: () =>
      (stopping ??= (async () => {
        log.info('shutting down');
        if (controllerStarted) await controller.stop();
        await elector?.release();
        await leading.catch(() => false);
        await controller.stop();
        for (const close of closers.reverse()) await close();
        log.info('stopped');
      })()),
  };
}
