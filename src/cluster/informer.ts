/**
 * A list+watch informer: keeps a local cache of one kind (optionally one
 * namespace or selector) and calls handlers on add, update and delete.
 * Watches ask for bookmarks. A stream that ends is re-opened from the last
 * resourceVersion, as client-go does; a 410 Gone (stale resourceVersion) or
 * an error reported inside the stream triggers a relist that is diffed
 * against the cache. Failures back off exponentially. Resync replays every
 * cached object to `update` periodically.
 */
import type { KubeObject, Status } from '../k8s/object.js';
import { ApiError } from './cluster.js';
import type { Cluster, WatchEvent, WatchHandle } from './cluster.js';

export interface InformerHandlers<T extends KubeObject> {
  add?(obj: T): void;
  update?(oldObj: T, newObj: T): void;
  delete?(obj: T): void;
}

export interface InformerOptions {
  apiVersion: string;
  kind: string;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Replays every cached object to `update` this often; 0 (default) turns it off. */
  resyncMs?: number;
  /** Server-side watch timeout; each watch picks a random value in [t, 2t) as client-go does. Default 300. */
  watchTimeoutSeconds?: number;
  backoff?: { initialMs?: number; maxMs?: number };
  /** Told about every failed list or watch (the informer keeps going). */
  onError?: (e: unknown) => void;
}

export const objectKey = (o: { metadata: { namespace?: string; name?: string } }): string =>
  o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : (o.metadata.name ?? '');

/** How one watch ended: fine, too quickly, too old (relist), or with an in-stream error (relist after a pause). */
type WatchOutcome = 'healthy' | 'failed' | 'gone' | 'server-error';

/** Errors that retrying cannot fix, so `start()` reports them instead of waiting forever. */
const PERMANENT = new Set([401, 403, 404]);

export class Informer<T extends KubeObject = KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers: InformerHandlers<T>[] = [];
  private resourceVersion = '';
  private stopped = false;
  private synced = false;
  private currentWatch?: WatchHandle;
  private wake?: () => void;
  private resyncTimer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly cluster: Cluster,
    private readonly opts: InformerOptions,
  ) {}

  addHandlers(h: InformerHandlers<T>): void {
    this.handlers.push(h);
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  /** The resourceVersion the cache reflects. */
  get lastResourceVersion(): string {
    return this.resourceVersion;
  }

  get(name: string, namespace?: string): T | undefined {
    return this.cache.get(namespace ? `${namespace}/${name}` : name);
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  /** Starts the informer; resolves once the first list is in the cache. */
  start(): Promise<void> {
    if (this.running) throw new Error(`informer for ${this.opts.kind} already started`);
    return new Promise((resolve, reject) => {
      this.running = this.run(resolve, reject);
      if (this.opts.resyncMs) {
        this.resyncTimer = setInterval(() => this.resync(), this.opts.resyncMs);
        this.resyncTimer.unref();
      }
    });
  }

  /** Stops watching; resolves when the loop has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.resyncTimer);
    this.currentWatch?.stop();
    this.wake?.();
    await this.running;
  }

  private notify(fn: (h: InformerHandlers<T>) => void): void {
    for (const h of this.handlers) {
      try {
        fn(h);
      } catch (e) {
        this.opts.onError?.(e);
      }
    }
  }

  private resync(): void {
    for (const obj of this.cache.values()) this.notify((h) => h.update?.(obj, obj));
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  private backoffMs(failures: number): number {
    const initial = this.opts.backoff?.initialMs ?? 500;
    const max = this.opts.backoff?.maxMs ?? 30_000;
    const exp = Math.min(max, initial * 2 ** (failures - 1));
    return exp / 2 + (Math.random() * exp) / 2;
  }

  private async run(onSynced: () => void, onFirstListFailed: (e: unknown) => void): Promise<void> {
    let needList = true;
    let failures = 0;
    while (!this.stopped) {
      try {
        if (needList) {
          await this.relist();
          needList = false;
          if (!this.synced) {
            this.synced = true;
            onSynced();
          }
        }
        const outcome = await this.watchOnce();
        if (outcome === 'gone') {
          needList = true;
          failures = 0;
          continue;
        }
        // The server reported an error inside the stream: the cache may have missed events.
        if (outcome === 'server-error') needList = true;
        failures = outcome === 'healthy' ? 0 : failures + 1;
      } catch (e) {
        if (this.stopped) break;
        if (e instanceof ApiError && e.code === 410) {
          needList = true;
          continue;
        }
        this.opts.onError?.(e);
        if (!this.synced && e instanceof ApiError && PERMANENT.has(e.code)) {
          this.stopped = true;
          onFirstListFailed(e);
          break;
        }
        failures++;
      }
      if (failures > 0 && !this.stopped) await this.delay(this.backoffMs(failures));
    }
    clearInterval(this.resyncTimer);
  }

  /** Lists everything and turns the difference from the cache into events. */
  private async relist(): Promise<void> {
    const { apiVersion, kind, namespace, labelSelector, fieldSelector } = this.opts;
    const list = await this.cluster.list<T>(apiVersion, kind, { namespace, labelSelector, fieldSelector });
    const seen = new Set<string>();
    for (const item of list.items) {
      // Lists omit apiVersion/kind on their items; handlers get whole objects.
      const obj = { ...item, apiVersion: item.apiVersion ?? apiVersion, kind: item.kind ?? kind } as T;
      const key = objectKey(obj);
      seen.add(key);
      const old = this.cache.get(key);
      this.cache.set(key, obj);
      if (!old) this.notify((h) => h.add?.(obj));
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.notify((h) => h.update?.(old, obj));
    }
    for (const [key, old] of [...this.cache]) {
      if (seen.has(key)) continue;
      this.cache.delete(key);
      this.notify((h) => h.delete?.(old));
    }
    this.resourceVersion = list.metadata.resourceVersion ?? '';
  }

  /** One watch from the cached resourceVersion until it ends. */
  private async watchOnce(): Promise<WatchOutcome> {
    const { apiVersion, kind, namespace, labelSelector, fieldSelector } = this.opts;
    const base = this.opts.watchTimeoutSeconds ?? 300;
    const started = Date.now();
    let events = 0;
    let outcome: WatchOutcome | undefined;
    // `let`: a fake cluster may deliver events before watch() has returned the handle.
    let handle: WatchHandle | undefined = undefined;
    handle = await this.cluster.watch<T>(
      apiVersion,
      kind,
      {
        namespace,
        labelSelector,
        fieldSelector,
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: Math.floor(base + Math.random() * base),
      },
      (e: WatchEvent<T>) => {
        if (outcome) return;
        if (e.type === 'ERROR') {
          const status = e.object as unknown as Status;
          outcome = status.code === 410 ? 'gone' : 'server-error';
          if (outcome === 'server-error') this.opts.onError?.(new ApiError(status, 'WATCH'));
          handle?.stop();
          return;
        }
        events++;
        this.apply(e);
      },
    );
    this.currentWatch = handle;
    if (outcome || this.stopped) handle.stop();
    await handle.done;
    this.currentWatch = undefined;
    if (outcome) return outcome;
    // A stream that ends at once without events points at a problem: back off before the next.
    return events > 0 || Date.now() - started > 1000 ? 'healthy' : 'failed';
  }

  private apply(e: WatchEvent<T>): void {
    const rv = e.object?.metadata?.resourceVersion;
    if (e.type === 'BOOKMARK') {
      if (rv) this.resourceVersion = rv;
      return;
    }
    const obj = e.object;
    const key = objectKey(obj);
    const old = this.cache.get(key);
    if (e.type === 'DELETED') {
      this.cache.delete(key);
      this.notify((h) => h.delete?.(obj));
    } else {
      this.cache.set(key, obj);
      if (old) this.notify((h) => h.update?.(old, obj));
      else this.notify((h) => h.add?.(obj));
    }
    if (rv) this.resourceVersion = rv;
  }
}
