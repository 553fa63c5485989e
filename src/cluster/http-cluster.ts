/**
 * The Cluster interface over HTTP(S) with node's own http/https modules:
 * keep-alive connections, JSON in and out, discovery with a cache, paginated
 * lists, streaming watches, pods/exec over WebSocket, and retries with
 * exponential backoff for throttling, server errors and dropped connections.
 */
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { KubeList, KubeObject, Status } from '../k8s/object.js';
import { splitApiVersion } from '../k8s/object.js';
import type {
  Cluster,
  DeleteOptions,
  ExecResult,
  ListOptions,
  ObjectRef,
  PatchType,
  ResourceInfo,
  WatchEvent,
  WatchHandle,
  WatchOptions,
  WriteOptions,
} from './cluster.js';
import { ApiError } from './cluster.js';
import { Credentials, kubeconfigFromText, loadKubeconfig } from './kubeconfig.js';
import type { ResolvedConfig } from './kubeconfig.js';
import { completeUpgrade, upgradeHeaders, UpgradeRefused } from './websocket.js';

export interface RetryPolicy {
  /** Total attempts, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface HttpClusterOptions {
  requestTimeoutMs?: number;
  userAgent?: string;
  retry?: Partial<RetryPolicy>;
}

export interface ConnectOptions extends HttpClusterOptions {
  kubeconfig?: string;
  context?: string;
}

/** Connects with a kubeconfig as kubectl finds it (see kubeconfig.ts). */
export async function connect(opts: ConnectOptions = {}): Promise<HttpCluster> {
  return new HttpCluster(await loadKubeconfig({ kubeconfig: opts.kubeconfig, context: opts.context }), opts);
}

/** Connects with a kubeconfig given as text (e.g. the local control plane's). */
export async function fromKubeconfigText(text: string, opts: HttpClusterOptions & { context?: string } = {}): Promise<HttpCluster> {
  return new HttpCluster(await kubeconfigFromText(text, opts.context), opts);
}

const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 200, maxDelayMs: 10_000 };
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'channel.k8s.io'];
const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};
const DEFAULT_PAGE_SIZE = 500;

interface RawResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

function failureStatus(code: number, reason: string, message: string, details?: Status['details']): Status {
  return { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', code, reason, message, ...(details ? { details } : {}) };
}

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** The server's Status from an error response, or one made up from the HTTP status. */
function statusFromResponse(code: number, body: Buffer): Status {
  const text = body.toString('utf8');
  try {
    const parsed = JSON.parse(text) as Partial<Status>;
    if (parsed && parsed.kind === 'Status') return { ...failureStatus(code, REASONS[code] ?? '', ''), ...parsed, code: parsed.code || code } as Status;
  } catch {
    // Not JSON: fall through to a synthesized Status.
  }
  const message = text.trim() || `the server responded with HTTP ${code} ${STATUS_CODES[code] ?? ''}`.trim();
  return failureStatus(code, REASONS[code] ?? (code >= 500 ? 'InternalError' : 'BadRequest'), message);
}

function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const secs = Number(v);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function parseBody<T>(res: RawResponse, method: string, path: string): T {
  try {
    return JSON.parse(res.body.toString('utf8')) as T;
  } catch {
    throw new ApiError(failureStatus(500, 'InternalError', `${method} ${path}: the server answered with invalid JSON`), method);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Error codes meaning the request never reached the server (safe to resend for any verb). */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const DROPPED = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT', 'ERR_STREAM_PREMATURE_CLOSE']);

class TransportError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly reusedSocket: boolean,
  ) {
    super(message);
  }
}

class RequestTimeout extends Error {}

function query(params: Record<string, string | number | boolean | string[] | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === '') continue;
    if (Array.isArray(v)) for (const item of v) q.append(k, item);
    else q.append(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Splits a byte stream into lines and hands each complete non-empty line on. */
export class LineSplitter {
  private rest: Buffer = Buffer.alloc(0);
  constructor(private readonly onLine: (line: string) => void) {}
  push(chunk: Buffer): void {
    let buf = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    let nl: number;
    while ((nl = buf.indexOf(0x0a)) >= 0) {
      const line = buf.subarray(0, nl).toString('utf8').trim();
      buf = buf.subarray(nl + 1);
      if (line) this.onLine(line);
    }
    this.rest = buf;
  }
  /** The unterminated tail, handed on when the stream ends. */
  end(): void {
    const line = this.rest.toString('utf8').trim();
    this.rest = Buffer.alloc(0);
    if (line) this.onLine(line);
  }
}

export class HttpCluster implements Cluster {
  /** The context's namespace: the default for namespaced objects without one. */
  readonly namespace: string;
  readonly server: string;
  private readonly url: URL;
  private readonly credentials: Credentials;
  private readonly timeoutMs: number;
  private readonly userAgent: string;
  private readonly retry: RetryPolicy;
  private agent: http.Agent;
  private agentCert?: Buffer;
  private readonly discovery = new Map<string, { kinds: Promise<Map<string, ResourceInfo> | undefined> }>();
  private readonly openStreams = new Set<() => void>();

  constructor(
    readonly config: ResolvedConfig,
    opts: HttpClusterOptions = {},
  ) {
    this.namespace = config.namespace;
    this.server = config.server;
    this.url = new URL(config.server);
    this.credentials = new Credentials(config);
    this.timeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.userAgent = opts.userAgent ?? 'kudo-ts/0.1.0';
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.agent = this.makeAgent(config.clientCert, config.clientKey);
  }

  /** Ends open watches and idle connections. */
  close(): void {
    for (const stop of [...this.openStreams]) stop();
    this.agent.destroy();
  }

  private makeAgent(cert?: Buffer, key?: Buffer): http.Agent {
    if (this.url.protocol === 'http:') return new http.Agent({ keepAlive: true });
    this.agentCert = cert;
    return new https.Agent({
      keepAlive: true,
      ca: this.config.ca,
      cert,
      key,
      rejectUnauthorized: !this.config.insecureSkipTlsVerify,
      servername: this.config.tlsServerName,
    });
  }

  private async authHeaders(): Promise<Record<string, string>> {
    const auth = await this.credentials.get();
    // An exec plugin may hand out a (new) client certificate: connections must use it.
    if (auth.clientCert && auth.clientKey && !auth.clientCert.equals(this.agentCert ?? Buffer.alloc(0))) {
      this.agent.destroy();
      this.agent = this.makeAgent(auth.clientCert, auth.clientKey);
    }
    return auth.headers;
  }

  // ---- transport ----

  /** Starts one request; resolves with the response head (body unread). */
  private async open(method: string, path: string, body: Buffer | undefined, headers: OutgoingHttpHeaders, timeoutMs: number): Promise<IncomingMessage> {
    const auth = await this.authHeaders();
    const mod = this.url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request(
        {
          protocol: this.url.protocol,
          hostname: this.url.hostname.replace(/^\[|\]$/g, ''),
          port: this.url.port || undefined,
          method,
          path: this.url.pathname.replace(/\/$/, '') + path,
          agent: this.agent,
          headers: {
            accept: 'application/json, */*',
            'user-agent': this.userAgent,
            ...auth,
            ...headers,
            ...(body ? { 'content-length': body.length } : {}),
          },
        },
        (res) => {
          clearTimeout(timer);
          resolve(res);
        },
      );
      const timer = setTimeout(() => req.destroy(new RequestTimeout(`no response within ${timeoutMs} ms`)), timeoutMs);
      req.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(e instanceof RequestTimeout ? e : new TransportError(e.message, e.code, req.reusedSocket));
      });
      req.end(body);
    });
  }

  private readBody(res: IncomingMessage, deadlineMs: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => res.destroy(new RequestTimeout(`response body not complete within ${deadlineMs} ms`)), deadlineMs);
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve(Buffer.concat(chunks));
      });
      res.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(e instanceof RequestTimeout ? e : new TransportError(e.message, e.code, false));
      });
      res.on('aborted', () => reject(new TransportError('response aborted', 'ECONNRESET', false)));
    });
  }

  private backoff(attempt: number): number {
    const exp = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** attempt);
    return exp / 2 + (Math.random() * exp) / 2;
  }

  /** One request with retries; returns any HTTP status (errors are the caller's to judge). */
  private async call(method: string, path: string, body?: Buffer, headers: OutgoingHttpHeaders = {}): Promise<RawResponse> {
    const idempotent = IDEMPOTENT.has(method);
    let refreshedAuth = false;
    for (let attempt = 0; ; attempt++) {
      const last = attempt + 1 >= this.retry.attempts;
      let res: RawResponse;
      try {
        const head = await this.open(method, path, body, headers, this.timeoutMs);
        res = { status: head.statusCode ?? 0, headers: head.headers, body: await this.readBody(head, this.timeoutMs) };
      } catch (e) {
        if (e instanceof TransportError) {
          const retryable = NOT_SENT.has(e.code ?? '') || (DROPPED.has(e.code ?? '') && (idempotent || e.reusedSocket));
          if (retryable && !last) {
            await sleep(e.reusedSocket && attempt === 0 ? 0 : this.backoff(attempt));
            continue;
          }
          throw new ApiError(
            failureStatus(503, 'ServiceUnavailable', `unable to connect to the server at ${this.server}: ${e.message}`, {
              causes: [{ reason: 'ConnectionError', message: e.code ?? e.message }],
            }),
            method,
          );
        }
        if (e instanceof RequestTimeout) {
          if (idempotent && !last) {
            await sleep(this.backoff(attempt));
            continue;
          }
          throw new ApiError(failureStatus(504, 'Timeout', `${method} ${this.server}${path}: ${e.message}`), method);
        }
        throw e;
      }
      if (res.status === 401 && !refreshedAuth && this.credentials.refreshable) {
        refreshedAuth = true;
        this.credentials.invalidate();
        attempt--;
        continue;
      }
      const throttled = res.status === 429;
      const serverError = res.status >= 500 && res.status !== 501 && idempotent;
      if ((throttled || serverError) && !last) {
        const after = parseRetryAfter(res.headers['retry-after']);
        await sleep(after !== undefined ? Math.min(after, 60_000) : this.backoff(attempt));
        continue;
      }
      return res;
    }
  }

  /** A request whose JSON answer is returned, or an ApiError thrown. */
  private async json<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const res = await this.call(method, path, payload, payload ? { 'content-type': contentType } : {});
    if (res.status >= 400) throw new ApiError(statusFromResponse(res.status, res.body), method);
    return parseBody<T>(res, method, path);
  }

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
    let payload: Buffer | undefined;
    const h: OutgoingHttpHeaders = { ...headers };
    if (Buffer.isBuffer(body)) payload = body;
    else if (typeof body === 'string') payload = Buffer.from(body);
    else if (body !== undefined) {
      payload = Buffer.from(JSON.stringify(body));
      h['content-type'] ??= 'application/json';
    }
    const res = await this.call(method.toUpperCase(), path, payload, h);
    const text = res.body.toString('utf8');
    const type = String(res.headers['content-type'] ?? '');
    if (type.includes('json')) {
      try {
        return { status: res.status, body: JSON.parse(text) };
      } catch {
        // Fall through: hand back the text as it came.
      }
    }
    return { status: res.status, body: text };
  }

  // ---- discovery ----

  private fetchGroupVersion(apiVersion: string): Promise<Map<string, ResourceInfo> | undefined> {
    const { group, version } = splitApiVersion(apiVersion);
    const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
    return (async () => {
      const res = await this.call('GET', path);
      if (res.status === 404) return undefined;
      if (res.status >= 400) throw new ApiError(statusFromResponse(res.status, res.body), 'GET');
      const list = parseBody<{ resources?: { name: string; kind: string; namespaced: boolean; verbs?: string[] }[] }>(res, 'GET', path);
      const byName = new Map<string, ResourceInfo>();
      const kinds = new Map<string, ResourceInfo>();
      for (const r of list.resources ?? []) {
        if (r.name.includes('/')) continue;
        const info: ResourceInfo = { group, version, kind: r.kind, resource: r.name, namespaced: r.namespaced, verbs: r.verbs ?? [], subresources: [] };
        byName.set(r.name, info);
        if (!kinds.has(r.kind)) kinds.set(r.kind, info);
      }
      for (const r of list.resources ?? []) {
        const [parent, sub] = r.name.split('/', 2);
        if (sub) byName.get(parent)?.subresources.push(sub);
      }
      return kinds;
    })();
  }

  private groupVersion(apiVersion: string, fresh: boolean): { kinds: Promise<Map<string, ResourceInfo> | undefined> } {
    const cached = this.discovery.get(apiVersion);
    if (cached && !fresh) return cached;
    const entry = { kinds: this.fetchGroupVersion(apiVersion) };
    // A failed fetch is not cached, so the next call asks again.
    entry.kinds.catch(() => {
      if (this.discovery.get(apiVersion) === entry) this.discovery.delete(apiVersion);
    });
    this.discovery.set(apiVersion, entry);
    return entry;
  }

  async resourceFor(apiVersion: string, kind: string): Promise<ResourceInfo> {
    const first = this.groupVersion(apiVersion, false);
    let info = (await first.kinds)?.get(kind);
    if (!info) {
      // The kind may be new (a step may have just created its CRD): refresh once, unless
      // another caller refreshed it since we started.
      const current = this.discovery.get(apiVersion);
      const entry = current && current !== first ? current : this.groupVersion(apiVersion, true);
      info = (await entry.kinds)?.get(kind);
    }
    if (!info) {
      const { group } = splitApiVersion(apiVersion);
      throw new ApiError(failureStatus(404, 'NotFound', `no matches for kind "${kind}" in version "${apiVersion}"`, { group, kind }), 'GET');
    }
    return info;
  }

  invalidateDiscovery(): void {
    this.discovery.clear();
  }

  // ---- paths ----

  private basePath(info: ResourceInfo): string {
    return info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
  }

  private collectionPath(info: ResourceInfo, namespace: string | undefined): string {
    const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
    return `${this.basePath(info)}${ns}/${info.resource}`;
  }

  private itemPath(info: ResourceInfo, namespace: string | undefined, name: string, subresource?: string): string {
    const ns = info.namespaced ? namespace || this.namespace : undefined;
    return `${this.collectionPath(info, ns)}/${encodeURIComponent(name)}${subresource ? `/${subresource}` : ''}`;
  }

  private async locate(ref: ObjectRef, what: string): Promise<{ info: ResourceInfo; name: string }> {
    if (!ref.name) throw new Error(`${what} ${ref.kind}: the object has no name`);
    return { info: await this.resourceFor(ref.apiVersion, ref.kind), name: ref.name };
  }

  private writeQuery(opts: WriteOptions = {}): string {
    return query({ dryRun: opts.dryRun ? 'All' : undefined, fieldManager: opts.fieldManager });
  }

  // ---- objects ----

  async get<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    const { info, name } = await this.locate(ref, 'get');
    const path = this.itemPath(info, ref.namespace, name);
    const res = await this.call('GET', path);
    if (res.status === 404) return undefined;
    if (res.status >= 400) throw new ApiError(statusFromResponse(res.status, res.body), 'GET');
    return parseBody<T>(res, 'GET', path);
  }

  /**
   * Lists all matching objects, fetching pages of `limit` (default 500) and
   * following continue tokens. With an explicit `continue`, returns that one page.
   */
  async list<T extends KubeObject = KubeObject>(apiVersion: string, kind: string, opts: ListOptions = {}): Promise<KubeList<T>> {
    const info = await this.resourceFor(apiVersion, kind);
    const path = this.collectionPath(info, opts.namespace);
    const page = (cont: string | undefined, limit: number | undefined) =>
      this.json<KubeList<T>>(
        'GET',
        path +
          query({
            labelSelector: opts.labelSelector,
            fieldSelector: opts.fieldSelector,
            limit,
            continue: cont,
            resourceVersion: cont ? undefined : opts.resourceVersion,
          }),
      );
    if (opts.continue) return page(opts.continue, opts.limit);
    const first = await page(undefined, opts.limit ?? DEFAULT_PAGE_SIZE);
    const items = [...first.items];
    let cont = first.metadata?.continue;
    while (cont) {
      let next: KubeList<T>;
      try {
        next = await page(cont, opts.limit ?? DEFAULT_PAGE_SIZE);
      } catch (e) {
        // The continue token expired: take one consistent full list instead.
        if (e instanceof ApiError && e.code === 410) return page(undefined, undefined);
        throw e;
      }
      items.push(...next.items);
      cont = next.metadata?.continue;
    }
    return { ...first, metadata: { resourceVersion: first.metadata?.resourceVersion }, items };
  }

  async create<T extends KubeObject = KubeObject>(obj: T, opts?: WriteOptions): Promise<T> {
    const info = await this.resourceFor(obj.apiVersion, obj.kind);
    const ns = info.namespaced ? obj.metadata?.namespace || this.namespace : undefined;
    return this.json<T>('POST', this.collectionPath(info, ns) + this.writeQuery(opts), obj);
  }

  async update<T extends KubeObject = KubeObject>(obj: T, opts?: WriteOptions): Promise<T> {
    const { info, name } = await this.locate({ ...obj, ...obj.metadata }, 'update');
    return this.json<T>('PUT', this.itemPath(info, obj.metadata.namespace, name) + this.writeQuery(opts), obj);
  }

  async updateStatus<T extends KubeObject = KubeObject>(obj: T, opts?: WriteOptions): Promise<T> {
    const { info, name } = await this.locate({ ...obj, ...obj.metadata }, 'update status of');
    return this.json<T>('PUT', this.itemPath(info, obj.metadata.namespace, name, 'status') + this.writeQuery(opts), obj);
  }

  async patch<T extends KubeObject = KubeObject>(
    ref: ObjectRef,
    type: PatchType,
    patch: unknown,
    opts: WriteOptions & { subresource?: string } = {},
  ): Promise<T> {
    const { info, name } = await this.locate(ref, 'patch');
    const q = query({
      dryRun: opts.dryRun ? 'All' : undefined,
      // Server-side apply requires a field manager.
      fieldManager: opts.fieldManager ?? (type === 'apply' ? this.userAgent.split('/')[0] : undefined),
      force: type === 'apply' && opts.force !== undefined ? opts.force : undefined,
    });
    return this.json<T>('PATCH', this.itemPath(info, ref.namespace, name, opts.subresource) + q, patch, PATCH_CONTENT_TYPES[type]);
  }

  async delete(ref: ObjectRef, opts: DeleteOptions = {}): Promise<boolean> {
    const { info, name } = await this.locate(ref, 'delete');
    const body: Record<string, unknown> = { apiVersion: 'v1', kind: 'DeleteOptions' };
    if (opts.propagationPolicy) body.propagationPolicy = opts.propagationPolicy;
    if (opts.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = opts.gracePeriodSeconds;
    if (opts.preconditions) body.preconditions = opts.preconditions;
    const res = await this.call(
      'DELETE',
      this.itemPath(info, ref.namespace, name) + query({ dryRun: opts.dryRun ? 'All' : undefined }),
      Buffer.from(JSON.stringify(body)),
      { 'content-type': 'application/json' },
    );
    if (res.status === 404) return false;
    if (res.status >= 400) throw new ApiError(statusFromResponse(res.status, res.body), 'DELETE');
    return true;
  }

  // ---- watch ----

  async watch<T extends KubeObject = KubeObject>(
    apiVersion: string,
    kind: string,
    opts: WatchOptions,
    onEvent: (e: WatchEvent<T>) => void,
  ): Promise<WatchHandle> {
    const info = await this.resourceFor(apiVersion, kind);
    const path =
      this.collectionPath(info, opts.namespace) +
      query({
        watch: 'true',
        resourceVersion: opts.resourceVersion,
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
        allowWatchBookmarks: opts.allowWatchBookmarks ? 'true' : undefined,
        timeoutSeconds: opts.timeoutSeconds,
      });
    // Connecting is retried like any GET; the stream itself is not (the caller re-watches).
    let res: IncomingMessage | undefined;
    for (let attempt = 0; !res; attempt++) {
      const last = attempt + 1 >= this.retry.attempts;
      try {
        const head = await this.open('GET', path, undefined, {}, this.timeoutMs);
        const status = head.statusCode ?? 0;
        if (status === 200) {
          res = head;
          break;
        }
        const body = await this.readBody(head, this.timeoutMs);
        if ((status === 429 || (status >= 500 && status !== 501)) && !last) {
          const after = parseRetryAfter(head.headers['retry-after']);
          await sleep(after !== undefined ? Math.min(after, 60_000) : this.backoff(attempt));
          continue;
        }
        throw new ApiError(statusFromResponse(status, body), 'WATCH');
      } catch (e) {
        if ((e instanceof TransportError || e instanceof RequestTimeout) && !last) {
          await sleep(this.backoff(attempt));
          continue;
        }
        if (e instanceof TransportError || e instanceof RequestTimeout) {
          throw new ApiError(failureStatus(503, 'ServiceUnavailable', `unable to connect to the server at ${this.server}: ${e.message}`), 'WATCH');
        }
        throw e;
      }
    }
    const stream = res;
    let finished = false;
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(guard);
      this.openStreams.delete(stop);
      resolveDone();
    };
    const stop = () => {
      if (!finished) stream.destroy();
      finish();
    };
    this.openStreams.add(stop);
    // If the server does not end the stream after timeoutSeconds, end it here.
    const guard = opts.timeoutSeconds ? setTimeout(stop, opts.timeoutSeconds * 1000 + 10_000) : undefined;
    const splitter = new LineSplitter((line) => {
      if (finished) return;
      let event: WatchEvent<T>;
      try {
        event = JSON.parse(line) as WatchEvent<T>;
      } catch {
        const status = failureStatus(500, 'InternalError', `malformed watch event from the server: ${line.slice(0, 200)}`);
        onEvent({ type: 'ERROR', object: status as unknown as T });
        stop();
        return;
      }
      onEvent(event);
    });
    stream.on('data', (chunk: Buffer) => splitter.push(chunk));
    stream.on('end', () => {
      splitter.end();
      finish();
    });
    stream.on('error', finish);
    stream.on('close', finish);
    return { stop, done };
  }

  // ---- exec ----

  async exec(namespace: string, pod: string, container: string | undefined, command: string[]): Promise<ExecResult> {
    if (command.length === 0) throw new Error(`exec in pod ${namespace}/${pod}: no command given`);
    const path =
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/exec` +
      query({ command, container, stdout: 'true', stderr: 'true' });
    const auth = await this.authHeaders();
    const { key, headers } = upgradeHeaders(EXEC_PROTOCOLS);
    const mod = this.url.protocol === 'https:' ? https : http;
    // Upgraded sockets leave the pool, so a throwaway agent with the same TLS settings is used.
    const agent = this.url.protocol === 'https:' ? new https.Agent({ ...(this.agent as https.Agent).options, keepAlive: false }) : undefined;
    const req = mod.request({
      protocol: this.url.protocol,
      hostname: this.url.hostname.replace(/^\[|\]$/g, ''),
      port: this.url.port || undefined,
      method: 'GET',
      path: this.url.pathname.replace(/\/$/, '') + path,
      agent,
      headers: { 'user-agent': this.userAgent, ...auth, ...headers },
    });
    const timer = setTimeout(() => req.destroy(new RequestTimeout(`no upgrade within ${this.timeoutMs} ms`)), this.timeoutMs);
    let ws;
    try {
      ws = await completeUpgrade(req, key, EXEC_PROTOCOLS);
    } catch (e) {
      if (e instanceof UpgradeRefused) throw new ApiError(statusFromResponse(e.statusCode, e.body), 'EXEC');
      const msg = (e as Error).message;
      throw new ApiError(failureStatus(503, 'ServiceUnavailable', `unable to connect to the server at ${this.server}: ${msg}`), 'EXEC');
    } finally {
      clearTimeout(timer);
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const errorChannel: Buffer[] = [];
    ws.onMessage((data) => {
      if (data.length === 0) return;
      const body = data.subarray(1);
      if (data[0] === 1) out.push(body);
      else if (data[0] === 2) err.push(body);
      else if (data[0] === 3) errorChannel.push(body);
    });
    await ws.closed;
    ws.destroy();
    agent?.destroy();
    const result: ExecResult = { stdout: Buffer.concat(out), stderr: Buffer.concat(err), exitCode: 0 };
    const errorText = Buffer.concat(errorChannel).toString('utf8').trim();
    if (!errorText) return result;
    if (ws.protocol === 'channel.k8s.io' || ws.protocol === '') {
      // The oldest protocol reports failure as text only.
      const m = /exit code:?\s*(\d+)\s*$/.exec(errorText);
      return { ...result, exitCode: m ? Number(m[1]) : 1 };
    }
    let status: Status;
    try {
      status = JSON.parse(errorText) as Status;
    } catch {
      throw new ApiError(failureStatus(500, 'InternalError', `exec in pod ${namespace}/${pod}: ${errorText}`), 'EXEC');
    }
    if (status.status === 'Success') return result;
    if (status.reason === 'NonZeroExitCode') {
      const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
      const code = Number(cause?.message);
      return { ...result, exitCode: Number.isInteger(code) ? code : 1 };
    }
    throw new ApiError({ ...failureStatus(500, 'InternalError', ''), ...status, code: status.code || 500 }, 'EXEC');
  }
}
