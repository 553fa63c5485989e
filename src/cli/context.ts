/**
 * What every command gets: the global settings, output streams, colour, and a lazily
 * opened cluster connection (so commands that never talk to Kubernetes load nothing of it).
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Cluster } from '../cluster/cluster.js';
import { UserError } from './errors.js';

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface CliIO {
  stdout: Output;
  stderr: Output;
  env: Record<string, string | undefined>;
  cwd: string;
}

export interface GlobalSettings {
  home: string;
  kubeconfig?: string;
  context?: string;
  /** -n as given; undefined means the kubeconfig context's namespace. */
  namespace?: string;
  requestTimeoutMs?: number;
  verbosity: number;
  validateInstall: boolean;
}

/** A cluster the CLI can close when done (the HTTP implementation). */
export type CliCluster = Cluster & { close(): void; readonly server?: string };

export class CliContext {
  private clusterPromise?: Promise<CliCluster>;

  constructor(
    readonly io: CliIO,
    readonly settings: GlobalSettings,
  ) {}

  out(text: string): void {
    this.io.stdout.write(text);
  }

  err(text: string): void {
    this.io.stderr.write(text);
  }

  /** Debug output shown with -v N (N >= level). */
  log(level: number, text: string): void {
    if (this.settings.verbosity >= level) this.io.stderr.write(text + '\n');
  }

  get interactive(): boolean {
    return this.io.stdout.isTTY === true;
  }

  /** Colour only on a terminal and never with NO_COLOR set (https://no-color.org). */
  get color(): boolean {
    return this.interactive && !this.io.env.NO_COLOR && this.io.env.TERM !== 'dumb';
  }

  path(p: string): string {
    return resolve(this.io.cwd, p);
  }

  cluster(): Promise<CliCluster> {
    this.clusterPromise ??= (async () => {
      const { HttpCluster } = await import('../cluster/http-cluster.js');
      const { loadKubeconfig } = await import('../cluster/kubeconfig.js');
      const config = await loadKubeconfig({
        kubeconfig: this.settings.kubeconfig && this.path(this.settings.kubeconfig),
        context: this.settings.context,
        env: this.io.env as NodeJS.ProcessEnv,
      });
      return new HttpCluster(config, {
        requestTimeoutMs: this.settings.requestTimeoutMs,
        userAgent: 'kubectl-kudo/0.1.0',
        // A CLI should say quickly that a cluster is unreachable rather than retry for long.
        retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 1000 },
      });
    })();
    return this.clusterPromise;
  }

  /** The namespace commands work in: -n, else the kubeconfig context's, else default. */
  async namespace(): Promise<string> {
    if (this.settings.namespace) return this.settings.namespace;
    return (await this.cluster()).namespace || 'default';
  }

  /** Ends open connections so the process can exit. */
  async close(): Promise<void> {
    if (!this.clusterPromise) return;
    try {
      (await this.clusterPromise).close();
    } catch {
      // The connection never opened; nothing to close.
    }
  }
}

/** KUDO_HOME, else ~/.kudo. */
export function defaultHome(env: Record<string, string | undefined>): string {
  return env.KUDO_HOME || join(env.HOME || homedir(), '.kudo');
}

/** `--request-timeout`: seconds as a number, or a Go duration like 30s / 1m / 500ms; 0 means none. */
export function parseRequestTimeout(value: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!m) throw new UserError(`invalid value "${value}" for --request-timeout: use seconds (30) or a duration (30s, 1m)`);
  const n = Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as Record<string, number>)[m[2] ?? 's'];
  return n === 0 ? undefined : n;
}
