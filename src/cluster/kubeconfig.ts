/**
 * Kubeconfig loading as kubectl does it: KUBECONFIG with several files merged
 * (first file to define a name wins), --kubeconfig, --context, the context's
 * namespace, and the in-cluster service account when no file is configured.
 * The result is a resolved connection description; credentials that change
 * over time (token files, exec plugins) are served by `Credentials`.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';

/**
 * JSON (valid YAML) is parsed directly; the YAML library is loaded only for
 * real YAML, since loading it is a large part of a CLI command's start-up.
 */
async function parseYaml(text: string): Promise<unknown> {
  if (text.trimStart().startsWith('{')) {
    try {
      return JSON.parse(text);
    } catch {
      // Not JSON after all (e.g. a YAML flow mapping): parse it as YAML.
    }
  }
  return (await import('yaml')).parse(text);
}

/** A user mistake in a kubeconfig: the message names the file and the problem. */
export class KubeconfigError extends Error {}

export interface ExecConfig {
  apiVersion: string;
  command: string;
  args: string[];
  env: { name: string; value: string }[];
  installHint?: string;
  provideClusterInfo: boolean;
  /** Folder relative commands are resolved against (the kubeconfig's). */
  baseDir: string;
}

export interface ResolvedConfig {
  /** Where the configuration came from, for messages. */
  source: string;
  contextName?: string;
  server: string;
  namespace: string;
  ca?: Buffer;
  insecureSkipTlsVerify: boolean;
  tlsServerName?: string;
  token?: string;
  tokenFile?: string;
  clientCert?: Buffer;
  clientKey?: Buffer;
  username?: string;
  password?: string;
  exec?: ExecConfig;
}

type Dict = Record<string, unknown>;

interface ParsedFile {
  path: string;
  baseDir: string;
  currentContext?: string;
  clusters: Map<string, { entry: Dict; file: ParsedFile }>;
  users: Map<string, { entry: Dict; file: ParsedFile }>;
  contexts: Map<string, { entry: Dict; file: ParsedFile }>;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses one kubeconfig text; `path` is used in messages and to resolve relative paths. */
export async function parseKubeconfigText(text: string, path: string, baseDir = dirname(path)): Promise<ParsedFile> {
  let doc: unknown;
  try {
    doc = await parseYaml(text);
  } catch (e) {
    throw new KubeconfigError(`${path}: invalid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) doc = {};
  if (!isDict(doc)) throw new KubeconfigError(`${path}: a kubeconfig must be a YAML mapping`);
  const file: ParsedFile = { path, baseDir, clusters: new Map(), users: new Map(), contexts: new Map() };
  const cc = doc['current-context'];
  if (typeof cc === 'string' && cc !== '') file.currentContext = cc;
  for (const [section, inner] of [
    ['clusters', 'cluster'],
    ['users', 'user'],
    ['contexts', 'context'],
  ] as const) {
    const list = doc[section];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) throw new KubeconfigError(`${path}: "${section}" must be a list`);
    list.forEach((item, i) => {
      if (!isDict(item) || typeof item.name !== 'string' || item.name === '') {
        throw new KubeconfigError(`${path}: ${section}[${i}] needs a "name"`);
      }
      const entry = item[inner] ?? {};
      if (!isDict(entry)) throw new KubeconfigError(`${path}: ${section}[${i}] ("${item.name}"): "${inner}" must be a mapping`);
      const map = file[section];
      // Within one file kubectl keeps the first of duplicate names as well.
      if (!map.has(item.name)) map.set(item.name, { entry, file });
    });
  }
  return file;
}

/** Merges files in order: the first file to define a name (or current-context) wins, as kubectl does. */
function mergeFiles(files: ParsedFile[]): ParsedFile {
  const merged: ParsedFile = { path: files.map((f) => f.path).join(delimiter), baseDir: '', clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const f of files) {
    merged.currentContext ??= f.currentContext;
    for (const key of ['clusters', 'users', 'contexts'] as const) {
      for (const [name, v] of f[key]) if (!merged[key].has(name)) merged[key].set(name, v);
    }
  }
  return merged;
}

function str(entry: Dict, key: string, where: string): string | undefined {
  const v = entry[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new KubeconfigError(`${where}: "${key}" must be a string`);
  return v;
}

function readReferenced(path: string, baseDir: string, where: string, key: string): Buffer {
  const full = isAbsolute(path) ? path : resolve(baseDir, path);
  try {
    return readFileSync(full);
  } catch (e) {
    throw new KubeconfigError(`${where}: cannot read ${key} file ${full}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function decodeData(value: string, where: string, key: string): Buffer {
  const buf = Buffer.from(value, 'base64');
  if (buf.length === 0) throw new KubeconfigError(`${where}: "${key}" is not valid base64`);
  return buf;
}

/** Bytes from either `<key>-data` (base64) or `<key>` (a file path). */
function fileOrData(entry: Dict, key: string, baseDir: string, where: string): Buffer | undefined {
  const data = str(entry, `${key}-data`, where);
  if (data) return decodeData(data, where, `${key}-data`);
  const path = str(entry, key, where);
  return path ? readReferenced(path, baseDir, where, key) : undefined;
}

function parseExec(raw: unknown, baseDir: string, where: string): ExecConfig {
  if (!isDict(raw)) throw new KubeconfigError(`${where}: "exec" must be a mapping`);
  const command = str(raw, 'command', where);
  if (!command) throw new KubeconfigError(`${where}: exec needs a "command"`);
  const apiVersion = str(raw, 'apiVersion', where) ?? '';
  if (apiVersion !== 'client.authentication.k8s.io/v1' && apiVersion !== 'client.authentication.k8s.io/v1beta1') {
    throw new KubeconfigError(
      `${where}: exec apiVersion "${apiVersion}" is not supported (use client.authentication.k8s.io/v1 or client.authentication.k8s.io/v1beta1)`,
    );
  }
  const args = raw.args ?? [];
  if (!Array.isArray(args) || args.some((a) => typeof a !== 'string')) throw new KubeconfigError(`${where}: exec "args" must be a list of strings`);
  const envRaw = raw.env ?? [];
  if (!Array.isArray(envRaw)) throw new KubeconfigError(`${where}: exec "env" must be a list`);
  const env = envRaw.map((e, i) => {
    if (!isDict(e) || typeof e.name !== 'string') throw new KubeconfigError(`${where}: exec env[${i}] needs a "name"`);
    return { name: e.name, value: e.value === undefined || e.value === null ? '' : String(e.value) };
  });
  return {
    apiVersion,
    command,
    args: args as string[],
    env,
    installHint: str(raw, 'installHint', where),
    provideClusterInfo: raw.provideClusterInfo === true,
    baseDir,
  };
}

/** Resolves a context (the named one, else current-context) of parsed kubeconfig files. */
export function resolveContext(files: ParsedFile[], contextName?: string): ResolvedConfig {
  const merged = mergeFiles(files);
  const source = merged.path;
  const name = contextName || merged.currentContext;
  if (!name) throw new KubeconfigError(`${source}: no context chosen: set current-context or pass --context`);
  const ctx = merged.contexts.get(name);
  if (!ctx) {
    const known = [...merged.contexts.keys()];
    throw new KubeconfigError(`${source}: context "${name}" not found${known.length ? ` (known: ${known.join(', ')})` : ''}`);
  }
  const ctxWhere = `${ctx.file.path}: context "${name}"`;
  const clusterName = str(ctx.entry, 'cluster', ctxWhere);
  if (!clusterName) throw new KubeconfigError(`${ctxWhere} names no cluster`);
  const cluster = merged.clusters.get(clusterName);
  if (!cluster) throw new KubeconfigError(`${ctxWhere}: cluster "${clusterName}" not found`);
  const cWhere = `${cluster.file.path}: cluster "${clusterName}"`;
  const server = str(cluster.entry, 'server', cWhere);
  if (!server) throw new KubeconfigError(`${cWhere} has no "server"`);
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new KubeconfigError(`${cWhere}: server "${server}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new KubeconfigError(`${cWhere}: server "${server}" must be http or https`);

  const config: ResolvedConfig = {
    source,
    contextName: name,
    server: server.replace(/\/+$/, ''),
    namespace: str(ctx.entry, 'namespace', ctxWhere) ?? 'default',
    insecureSkipTlsVerify: cluster.entry['insecure-skip-tls-verify'] === true,
    tlsServerName: str(cluster.entry, 'tls-server-name', cWhere),
    ca: fileOrData(cluster.entry, 'certificate-authority', cluster.file.baseDir, cWhere),
  };

  const userName = str(ctx.entry, 'user', ctxWhere);
  if (userName) {
    const user = merged.users.get(userName);
    if (!user) throw new KubeconfigError(`${ctxWhere}: user "${userName}" not found`);
    const uWhere = `${user.file.path}: user "${userName}"`;
    const u = user.entry;
    config.token = str(u, 'token', uWhere);
    const tokenFile = str(u, 'tokenFile', uWhere);
    if (tokenFile) config.tokenFile = isAbsolute(tokenFile) ? tokenFile : resolve(user.file.baseDir, tokenFile);
    config.clientCert = fileOrData(u, 'client-certificate', user.file.baseDir, uWhere);
    config.clientKey = fileOrData(u, 'client-key', user.file.baseDir, uWhere);
    if (!!config.clientCert !== !!config.clientKey) throw new KubeconfigError(`${uWhere}: client-certificate and client-key must be given together`);
    config.username = str(u, 'username', uWhere);
    config.password = str(u, 'password', uWhere);
    if (u.exec !== undefined && u.exec !== null) config.exec = parseExec(u.exec, user.file.baseDir, uWhere);
    if (u['auth-provider'] !== undefined) throw new KubeconfigError(`${uWhere}: "auth-provider" is not supported; use an exec credential plugin`);
  }
  return config;
}

async function readKubeconfigFile(path: string): Promise<ParsedFile> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new KubeconfigError(`cannot read kubeconfig ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseKubeconfigText(text, path);
}

function fileExists(path: string): boolean {
  return existsSync(path);
}

/** The in-cluster service account configuration, or undefined when not running in a pod. */
export function inClusterConfig(env: NodeJS.ProcessEnv = process.env, saDir = SERVICE_ACCOUNT_DIR): ResolvedConfig | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) return undefined;
  const tokenFile = join(saDir, 'token');
  if (!fileExists(tokenFile)) return undefined;
  const where = `in-cluster service account (${saDir})`;
  const caPath = join(saDir, 'ca.crt');
  let namespace = 'default';
  try {
    namespace = readFileSync(join(saDir, 'namespace'), 'utf8').trim() || 'default';
  } catch {
    // No namespace file: kubectl falls back to "default" too.
  }
  return {
    source: where,
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    namespace,
    insecureSkipTlsVerify: false,
    ca: fileExists(caPath) ? readReferenced(caPath, saDir, where, 'ca.crt') : undefined,
    tokenFile,
  };
}

export interface LoadOptions {
  /** --kubeconfig: this one file only. */
  kubeconfig?: string;
  /** --context. */
  context?: string;
  env?: NodeJS.ProcessEnv;
  /** Overrides the service account folder (tests). */
  serviceAccountDir?: string;
}

/**
 * Loads the configuration as kubectl does: --kubeconfig, else the KUBECONFIG
 * list (missing files skipped), else ~/.kube/config, else the in-cluster
 * service account.
 */
export async function loadKubeconfig(opts: LoadOptions = {}): Promise<ResolvedConfig> {
  const env = opts.env ?? process.env;
  if (opts.kubeconfig) return resolveContext([await readKubeconfigFile(opts.kubeconfig)], opts.context);
  const list = (env.KUBECONFIG ?? '').split(delimiter).filter((p) => p !== '');
  if (list.length > 0) {
    const unique = [...new Set(list)];
    const files = await Promise.all(unique.filter(fileExists).map(readKubeconfigFile));
    if (files.length === 0) throw new KubeconfigError(`none of the KUBECONFIG files exist: ${unique.join(delimiter)}`);
    return resolveContext(files, opts.context);
  }
  const home = env.HOME || homedir();
  const defaultPath = join(home, '.kube', 'config');
  if (fileExists(defaultPath)) return resolveContext([await readKubeconfigFile(defaultPath)], opts.context);
  const inCluster = inClusterConfig(env, opts.serviceAccountDir);
  if (inCluster) return inCluster;
  throw new KubeconfigError(`no kubeconfig found: set KUBECONFIG, pass --kubeconfig, or create ${defaultPath}`);
}

/** Resolves a kubeconfig given as text (e.g. from the local control plane). */
export async function kubeconfigFromText(text: string, context?: string, source = '<kubeconfig text>'): Promise<ResolvedConfig> {
  return resolveContext([await parseKubeconfigText(text, source, process.cwd())], context);
}

/** What the transport needs to authenticate one request. */
export interface AuthMaterial {
  headers: Record<string, string>;
  /** Client certificate from an exec plugin (overrides the kubeconfig's). */
  clientCert?: Buffer;
  clientKey?: Buffer;
}

interface ExecCredentialStatus {
  token?: string;
  clientCertificateData?: string;
  clientKeyData?: string;
  expirationTimestamp?: string;
}

const TOKEN_FILE_REREAD_MS = 60_000;

/**
 * Supplies request credentials: static token, token file (re-read every
 * minute, since service-account tokens rotate), basic auth, or an exec
 * plugin whose output is cached until its expirationTimestamp.
 */
export class Credentials {
  private fileToken?: { value: string; readAt: number };
  private execCached?: { status: ExecCredentialStatus; expiresAt: number };
  private execRunning?: Promise<ExecCredentialStatus>;

  constructor(
    private readonly config: ResolvedConfig,
    private readonly now: () => number = Date.now,
  ) {}

  async get(): Promise<AuthMaterial> {
    const c = this.config;
    if (c.exec) {
      const s = await this.execStatus();
      const out: AuthMaterial = { headers: {} };
      if (s.token) out.headers.authorization = `Bearer ${s.token}`;
      if (s.clientCertificateData && s.clientKeyData) {
        out.clientCert = Buffer.from(s.clientCertificateData);
        out.clientKey = Buffer.from(s.clientKeyData);
      }
      return out;
    }
    if (c.token) return { headers: { authorization: `Bearer ${c.token}` } };
    if (c.tokenFile) return { headers: { authorization: `Bearer ${this.readTokenFile(c.tokenFile)}` } };
    if (c.username !== undefined || c.password !== undefined) {
      return { headers: { authorization: `Basic ${Buffer.from(`${c.username ?? ''}:${c.password ?? ''}`).toString('base64')}` } };
    }
    return { headers: {} };
  }

  /** Drops cached credentials (after a 401) so the next request fetches fresh ones. */
  invalidate(): void {
    this.execCached = undefined;
    this.fileToken = undefined;
  }

  /** True when fetching again may help after a 401. */
  get refreshable(): boolean {
    return !!(this.config.exec || this.config.tokenFile);
  }

  private readTokenFile(path: string): string {
    const now = this.now();
    if (this.fileToken && now - this.fileToken.readAt < TOKEN_FILE_REREAD_MS) return this.fileToken.value;
    let value: string;
    try {
      value = readFileSync(path, 'utf8').trim();
    } catch (e) {
      throw new KubeconfigError(`${this.config.source}: cannot read tokenFile ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    this.fileToken = { value, readAt: now };
    return value;
  }

  private async execStatus(): Promise<ExecCredentialStatus> {
    if (this.execCached && this.now() < this.execCached.expiresAt) return this.execCached.status;
    // Concurrent requests share one plugin run.
    this.execRunning ??= this.runExec().finally(() => (this.execRunning = undefined));
    return this.execRunning;
  }

  private runExec(): Promise<ExecCredentialStatus> {
    const exec = this.config.exec!;
    const where = `${this.config.source}: exec plugin "${exec.command}"`;
    // A command with a slash but no leading slash is relative to the kubeconfig, as in kubectl.
    const command = exec.command.includes('/') && !isAbsolute(exec.command) ? resolve(exec.baseDir, exec.command) : exec.command;
    const info: Dict = { apiVersion: exec.apiVersion, kind: 'ExecCredential', spec: { interactive: false } };
    if (exec.provideClusterInfo) {
      const cluster: Dict = { server: this.config.server, 'insecure-skip-tls-verify': this.config.insecureSkipTlsVerify };
      if (this.config.ca) cluster['certificate-authority-data'] = this.config.ca.toString('base64');
      if (this.config.tlsServerName) cluster['tls-server-name'] = this.config.tlsServerName;
      (info.spec as Dict).cluster = cluster;
    }
    const env: NodeJS.ProcessEnv = { ...process.env, KUBERNETES_EXEC_INFO: JSON.stringify(info) };
    for (const e of exec.env) env[e.name] = e.value;
    return new Promise((resolvePromise, reject) => {
      execFile(command, exec.args, { env, timeout: 60_000, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
        if (err) {
          const e = err as NodeJS.ErrnoException & { code?: string | number };
          if (e.code === 'ENOENT') {
            reject(new KubeconfigError(`${where} not found${exec.installHint ? `\n${exec.installHint}` : ''}`));
          } else {
            const detail = String(stderr).trim() || e.message;
            reject(new KubeconfigError(`${where} failed: ${detail}`));
          }
          return;
        }
        let cred: unknown;
        try {
          cred = JSON.parse(String(stdout));
        } catch {
          reject(new KubeconfigError(`${where} printed no valid ExecCredential JSON`));
          return;
        }
        if (!isDict(cred) || cred.kind !== 'ExecCredential' || !isDict(cred.status)) {
          reject(new KubeconfigError(`${where} printed no ExecCredential with a status`));
          return;
        }
        if (cred.apiVersion !== exec.apiVersion) {
          reject(new KubeconfigError(`${where} answered apiVersion "${String(cred.apiVersion)}", expected "${exec.apiVersion}"`));
          return;
        }
        const status = cred.status as ExecCredentialStatus;
        if (!status.token && !(status.clientCertificateData && status.clientKeyData)) {
          reject(new KubeconfigError(`${where}: ExecCredential status has neither token nor clientCertificateData/clientKeyData`));
          return;
        }
        let expiresAt = Infinity;
        if (status.expirationTimestamp) {
          expiresAt = Date.parse(status.expirationTimestamp);
          if (Number.isNaN(expiresAt)) {
            reject(new KubeconfigError(`${where}: bad expirationTimestamp "${status.expirationTimestamp}"`));
            return;
          }
        }
        this.execCached = { status, expiresAt };
        resolvePromise(status);
      });
    });
  }
}
