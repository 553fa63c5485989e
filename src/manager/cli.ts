/**
 * `kubectl kudo manager`: runs the KUDO manager in the foreground until SIGTERM or
 * SIGINT, against the cluster of a kubeconfig (or the in-cluster service account).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { connect } from '../cluster/http-cluster.js';
import { jsonLogger, type Level } from './log.js';
import { parseAddress, startManager } from './manager.js';

export const USAGE = `Usage: kubectl kudo manager [flags]

Runs the KUDO manager: the instance controller and the Instance admission webhook.

Flags:
      --kubeconfig string          path to the kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or in-cluster)
      --context string             kubeconfig context to use
      --webhook-port int           port of the admission webhook (default 443)
      --webhook-cert-dir string    folder with tls.crt and tls.key for the webhook (default: $KUDO_CERT_DIR or /tmp/cert)
      --metrics-addr string        address of /metrics, "0" to turn off (default ":8080")
      --health-addr string         address of /healthz and /readyz, "0" to turn off (default ":8081")
      --leader-elect               run the controller only while holding the kudo-manager Lease
      --leader-elect-namespace string  namespace of the Lease (default: $POD_NAMESPACE or kudo-system)
      --namespace string           only manage instances in this namespace (default: all)
      --workers int                instances reconciled at the same time (default 8)
      --log-level string           debug, info, warn or error (default "info")
  -h, --help                       help for manager
`;

export interface ManagerIO {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: Record<string, string | undefined>;
  cwd?: string;
  /** Resolves when the manager should stop (default: SIGTERM or SIGINT). */
  stopSignal?: Promise<unknown>;
}

export interface ManagerArgs {
  kubeconfig?: string;
  context?: string;
  webhookPort: number;
  webhookCertDir?: string;
  metricsAddr: string;
  healthAddr: string;
  leaderElect: boolean;
  leaderElectNamespace?: string;
  namespace?: string;
  workers: number;
  logLevel: Level;
  help: boolean;
}

export class UsageError extends Error {}

export function parseManagerArgs(args: string[]): ManagerArgs {
  const out: ManagerArgs = { webhookPort: 443, metricsAddr: ':8080', healthAddr: ':8081', leaderElect: false, workers: 8, logLevel: 'info', help: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      const v = inline ?? args[++i];
      if (v === undefined) throw new UsageError(`flag needs an argument: ${flag}`);
      return v;
    };
    const int = (min: number, max: number): number => {
      const v = value();
      const n = Number(v);
      if (!/^\d+$/.test(v) || n < min || n > max)
        throw new UsageError(`invalid argument "${v}" for "${flag}" flag: must be a whole number from ${min} to ${max}`);
      return n;
    };
    switch (flag) {
      case '--kubeconfig':
        out.kubeconfig = value();
        break;
      case '--context':
        out.context = value();
        break;
      case '--webhook-port':
        out.webhookPort = int(0, 65535);
        break;
      case '--webhook-cert-dir':
        out.webhookCertDir = value();
        break;
      case '--metrics-addr':
        out.metricsAddr = value();
        parseAddress(out.metricsAddr, flag);
        break;
      case '--health-addr':
        out.healthAddr = value();
        parseAddress(out.healthAddr, flag);
        break;
      case '--leader-elect':
        out.leaderElect = inline === undefined ? true : inline === 'true';
        break;
      case '--leader-elect-namespace':
        out.leaderElectNamespace = value();
        break;
      case '--namespace':
      case '-n':
        out.namespace = value();
        break;
      case '--workers':
        out.workers = int(1, 64);
        break;
      case '--log-level': {
        const v = value();
        if (!['debug', 'info', 'warn', 'error'].includes(v))
          throw new UsageError(`invalid argument "${v}" for "--log-level" flag: must be debug, info, warn or error`);
        out.logLevel = v as Level;
        break;
      }
      case '-h':
      case '--help':
        out.help = true;
        break;
      default:
        throw new UsageError(`unknown flag: ${arg}`);
    }
  }
  return out;
}

/** Reads tls.crt and tls.key from the webhook certificate folder. */
export function loadWebhookCertificate(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'tls.crt');
  const key = join(dir, 'tls.key');
  for (const f of [cert, key])
    if (!existsSync(f))
      throw new UsageError(`webhook certificate not found: ${f} is missing (set --webhook-cert-dir or KUDO_CERT_DIR to a folder with tls.crt and tls.key)`);
  return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
}

function signals(): { promise: Promise<string>; dispose(): void } {
  let dispose = () => {};
  const promise = new Promise<string>((resolve) => {
    const on = (sig: string) => () => resolve(sig);
    const term = on('SIGTERM');
    const int = on('SIGINT');
    process.once('SIGTERM', term);
    process.once('SIGINT', int);
    dispose = () => {
      process.off('SIGTERM', term);
      process.off('SIGINT', int);
    };
  });
  return { promise, dispose };
}

export async function runManager(args: string[], io: ManagerIO): Promise<number> {
  let parsed: ManagerArgs;
  try {
    parsed = parseManagerArgs(args);
  } catch (e) {
    io.stderr.write(`Error: ${(e as Error).message}\n${USAGE}`);
    return 1;
  }
  if (parsed.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const log = jsonLogger((line) => io.stderr.write(line), parsed.logLevel, { logger: 'kudo-manager' });
  let fatal: (reason: string) => void = () => {};
  const fatalSignal = new Promise<string>((resolve) => (fatal = resolve));
  const sig = io.stopSignal ? undefined : signals();
  try {
    const certDir = resolve(io.cwd ?? process.cwd(), parsed.webhookCertDir ?? io.env.KUDO_CERT_DIR ?? '/tmp/cert');
    const webhook = { ...loadWebhookCertificate(certDir), port: parsed.webhookPort };
    const cluster = await connect({ kubeconfig: parsed.kubeconfig, context: parsed.context });
    const manager = await startManager({
      cluster,
      log,
      webhook,
      metricsAddr: parsed.metricsAddr,
      healthAddr: parsed.healthAddr,
      namespace: parsed.namespace,
      workers: parsed.workers,
      leaderElection: parsed.leaderElect ? { namespace: parsed.leaderElectNamespace ?? io.env.POD_NAMESPACE ?? 'kudo-system' } : undefined,
      onFatal: (reason) => fatal(reason),
    });
    log.info('manager started', {
      webhookPort: manager.webhookPort,
      metricsPort: manager.metricsPort,
      healthPort: manager.healthPort,
      namespace: parsed.namespace ?? '(all)',
    });
    const reason = await Promise.race([io.stopSignal ?? sig!.promise, fatalSignal.then((r) => `fatal: ${r}`)]);
    log.info('stop requested', { reason: String(reason) });
    await manager.stop();
    return String(reason).startsWith('fatal') ? 1 : 0;
  } catch (e) {
    io.stderr.write(`Error: ${(e as Error).message}\n`);
    return 1;
  } finally {
    sig?.dispose();
  }
}
