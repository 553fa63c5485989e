/**
 * An in-memory Cluster for unit tests of the layers above the transport
 * (informer, apply): a store with resourceVersions, watch streams fed from
 * it, and hooks to inject failures (410 on watch, errors, stream ends).
 */
import type { KubeList, KubeObject, Status } from '../../k8s/object.js';
import { ApiError } from '../cluster.js';
import type { Cluster, DeleteOptions, ExecResult, ListOptions, ObjectRef, PatchType, ResourceInfo, WatchEvent, WatchHandle, WatchOptions } from '../cluster.js';

const status = (code: number, reason: string, message: string): Status => ({
  apiVersion: 'v1',
  kind: 'Status',
  metadata: {},
  status: 'Failure',
  code,
  reason,
  message,
});

interface OpenWatch {
  opts: WatchOptions;
  onEvent: (e: WatchEvent) => void;
  end: () => void;
}

export class ScriptedCluster implements Cluster {
  readonly namespace = 'default';
  readonly calls: string[] = [];
  private rv = 100;
  readonly store = new Map<string, KubeObject>();
  readonly watches: OpenWatch[] = [];
  /** Return a value to make the next watch() call fail or end at once. */
  onWatch?: (opts: WatchOptions) => 'gone-http' | 'gone-event' | 'error' | 'error-event' | 'end' | undefined;
  /** Return an error to make a call fail. */
  failList?: () => Error | undefined;
  /** Runs before a patch and may throw (e.g. a conflict). */
  beforePatch?: () => void;
  patches: { type: PatchType; patch: unknown }[] = [];

  private key(ref: { namespace?: string; name?: string; kind: string }): string {
    return `${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
  }

  async resourceFor(apiVersion: string, kind: string): Promise<ResourceInfo> {
    const namespaced = kind !== 'Namespace' && kind !== 'ClusterRole';
    return {
      group: apiVersion.includes('/') ? apiVersion.split('/')[0] : '',
      version: apiVersion.split('/').pop()!,
      kind,
      resource: `${kind.toLowerCase()}s`,
      namespaced,
      verbs: [],
      subresources: [],
    };
  }
  invalidateDiscovery(): void {}

  private emit(type: WatchEvent['type'], obj: KubeObject): void {
    for (const w of this.watches) {
      if (w.opts.namespace && w.opts.namespace !== obj.metadata.namespace) continue;
      if (w.opts.fieldSelector && w.opts.fieldSelector !== `metadata.name=${obj.metadata.name}`) continue;
      w.onEvent({ type, object: structuredClone(obj) });
    }
  }

  /** Writes an object as if another client did (emits events). */
  put(obj: KubeObject): KubeObject {
    const k = this.key({ ...obj.metadata, kind: obj.kind });
    const existed = this.store.has(k);
    const stored = structuredClone(obj);
    stored.metadata.resourceVersion = String(++this.rv);
    stored.metadata.uid ??= this.store.get(k)?.metadata.uid ?? `uid-${this.rv}`;
    this.store.set(k, stored);
    this.emit(existed ? 'MODIFIED' : 'ADDED', stored);
    return structuredClone(stored);
  }

  remove(ref: ObjectRef): boolean {
    const k = this.key(ref);
    const obj = this.store.get(k);
    if (!obj) return false;
    this.store.delete(k);
    obj.metadata.resourceVersion = String(++this.rv);
    this.emit('DELETED', obj);
    return true;
  }

  /** Changes the store without telling watchers (what a client misses during a 410). */
  silently(fn: () => void): void {
    const saved = this.watches.splice(0);
    fn();
    this.watches.push(...saved);
  }

  endAllWatches(): void {
    for (const w of [...this.watches]) w.end();
  }

  async get<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    this.calls.push(`get ${ref.name}`);
    const o = this.store.get(this.key({ ...ref, namespace: ref.namespace ?? this.namespace }));
    return o ? (structuredClone(o) as T) : undefined;
  }

  async list<T extends KubeObject = KubeObject>(_apiVersion: string, kind: string, opts: ListOptions = {}): Promise<KubeList<T>> {
    this.calls.push(`list ${kind}`);
    const err = this.failList?.();
    if (err) throw err;
    const items = [...this.store.values()].filter(
      (o) =>
        o.kind === kind &&
        (!opts.namespace || o.metadata.namespace === opts.namespace) &&
        (!opts.fieldSelector || opts.fieldSelector === `metadata.name=${o.metadata.name}`),
    );
    return { apiVersion: 'v1', kind: `${kind}List`, metadata: { resourceVersion: String(this.rv) }, items: structuredClone(items) as T[] };
  }

  async create<T extends KubeObject = KubeObject>(obj: T): Promise<T> {
    this.calls.push(`create ${obj.metadata.name}`);
    const withNs = structuredClone(obj);
    withNs.metadata.namespace ??= this.namespace;
    if (this.store.has(this.key({ ...withNs.metadata, kind: obj.kind })))
      throw new ApiError(status(409, 'AlreadyExists', `${obj.metadata.name} already exists`));
    return this.put(withNs) as T;
  }

  async update<T extends KubeObject = KubeObject>(obj: T): Promise<T> {
    return this.put(obj) as T;
  }

  async updateStatus<T extends KubeObject = KubeObject>(obj: T): Promise<T> {
    return this.put(obj) as T;
  }

  async patch<T extends KubeObject = KubeObject>(ref: ObjectRef, type: PatchType, patch: unknown): Promise<T> {
    this.calls.push(`patch ${ref.name}`);
    this.beforePatch?.();
    this.patches.push({ type, patch });
    const live = this.store.get(this.key({ ...ref, namespace: ref.namespace ?? this.namespace }));
    if (!live) throw new ApiError(status(404, 'NotFound', `${ref.name} not found`));
    return this.put(mergePatch(live, patch) as KubeObject) as T;
  }

  async delete(ref: ObjectRef, _opts?: DeleteOptions): Promise<boolean> {
    this.calls.push(`delete ${ref.name}`);
    return this.remove({ ...ref, namespace: ref.namespace ?? this.namespace });
  }

  async watch<T extends KubeObject = KubeObject>(
    _apiVersion: string,
    _kind: string,
    opts: WatchOptions,
    onEvent: (e: WatchEvent<T>) => void,
  ): Promise<WatchHandle> {
    this.calls.push(`watch rv=${opts.resourceVersion ?? ''}${opts.allowWatchBookmarks ? ' bookmarks' : ''}`);
    const behaviour = this.onWatch?.(opts);
    if (behaviour === 'gone-http') throw new ApiError(status(410, 'Expired', 'too old resource version'));
    if (behaviour === 'error') throw new ApiError(status(500, 'InternalError', 'watch failed'));
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    const w: OpenWatch = {
      opts,
      onEvent: onEvent as (e: WatchEvent) => void,
      end: () => {
        const i = this.watches.indexOf(w);
        if (i >= 0) this.watches.splice(i, 1);
        resolveDone();
      },
    };
    this.watches.push(w);
    if (behaviour === 'gone-event') {
      setImmediate(() => w.onEvent({ type: 'ERROR', object: status(410, 'Expired', 'too old resource version') as unknown as KubeObject }));
    }
    if (behaviour === 'error-event') {
      setImmediate(() => w.onEvent({ type: 'ERROR', object: status(500, 'InternalError', 'etcd hiccup') as unknown as KubeObject }));
    }
    if (behaviour === 'end') setImmediate(w.end);
    return { stop: w.end, done };
  }

  async exec(): Promise<ExecResult> {
    throw new Error('exec is not scripted');
  }

  async request(): Promise<{ status: number; body: unknown }> {
    throw new Error('request is not scripted');
  }
}

/** RFC 7386 merge patch, enough for the scripted store. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return structuredClone(patch);
  const out: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}
