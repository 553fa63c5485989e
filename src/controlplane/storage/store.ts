/**
 * Generic object storage of the local control plane: every object of every resource type,
 * one global resourceVersion counter, a bounded history of change events and watchers.
 * All operations are synchronous, so a read-check-write sequence in one tick is atomic.
 * Objects handed out are the stored ones, deeply frozen: they never change once stored, so
 * their serialised JSON can be cached (see apiserver/encoding.ts).
 */
import type { KubeObject } from '../../k8s/object.js';
import type { DurableLog } from './wal.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: EventType;
  /** "group/resource", e.g. "apps/deployments" or "/pods". */
  resource: string;
  object: KubeObject;
  /** The state before a MODIFIED or DELETED change. */
  old?: KubeObject;
  rv: number;
}

export type Listener = (event: StoreEvent) => void;

export class TooOldError extends Error {
  constructor(
    readonly requested: number,
    readonly oldest: number,
  ) {
    super(`too old resource version: ${requested} (${oldest})`);
  }
}

/** A read at a revision that compaction (or the bounded history) no longer reaches. */
export class CompactedError extends Error {
  constructor(
    readonly requested: number,
    readonly oldest: number,
  ) {
    super(`required revision ${requested} has been compacted (oldest ${oldest})`);
  }
}

/** A read at a revision the store has not reached yet. */
export class FutureRevisionError extends Error {
  constructor(readonly requested: number) {
    super('etcdserver: mvcc: required revision is a future revision');
  }
}

export function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

interface Bucket {
  objects: Map<string, KubeObject>;
  sortedKeys?: string[];
}

export interface StoreOptions {
  /** How many change events are kept for watches that resume from an older resourceVersion. */
  historySize?: number;
  /**
   * Reads at old revisions (exact lists, continue tokens) work until compaction, which runs like
   * kube-apiserver's etcd compactor: every interval it compacts to the revision seen one interval
   * earlier (default 5 minutes).
   */
  compactionIntervalMs?: number;
  /** Clock in milliseconds, for tests. */
  now?: () => number;
  log?: DurableLog;
}

export class Store {
  private rv = 0;
  private readonly buckets = new Map<string, Bucket>();
  private readonly history: StoreEvent[] = [];
  private historyStart = 0;
  private readonly historySize: number;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly allListeners = new Set<Listener>();
  private readonly log?: DurableLog;
  private readonly compactionIntervalMs: number;
  private readonly now: () => number;
  /** Revisions below this one are compacted: lists cannot read at them any more. */
  private compactedBelow = 0;
  private compactionMark: { time: number; rv: number };

  constructor(opts: StoreOptions = {}) {
    this.historySize = opts.historySize ?? 20000;
    this.compactionIntervalMs = opts.compactionIntervalMs ?? 5 * 60_000;
    this.now = opts.now ?? Date.now;
    this.log = opts.log;
    if (this.log) {
      const restored = this.log.restore();
      this.rv = restored.rv;
      for (const r of restored.objects)
        this.bucket(r.resource).objects.set(objectKey(r.object.metadata.namespace, r.object.metadata.name!), deepFreeze(r.object));
    }
    this.compactionMark = { time: this.now(), rv: this.rv };
  }

  get resourceVersion(): number {
    return this.rv;
  }

  /** The oldest resourceVersion a watch can resume from. */
  get oldestWatchable(): number {
    return this.history.length > this.historyStart ? this.history[this.historyStart].rv - 1 : this.rv;
  }

  /** The oldest resourceVersion a list can read at (older ones are compacted or out of the history). */
  get oldestReadable(): number {
    this.compactOnSchedule();
    return Math.max(this.compactedBelow, this.oldestWatchable);
  }

  private compactOnSchedule(): void {
    const now = this.now();
    if (now - this.compactionMark.time < this.compactionIntervalMs) return;
    this.compactedBelow = Math.max(this.compactedBelow, this.compactionMark.rv);
    this.compactionMark = { time: now, rv: this.rv };
  }

  private bucket(resource: string): Bucket {
    let b = this.buckets.get(resource);
    if (!b) this.buckets.set(resource, (b = { objects: new Map() }));
    return b;
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.buckets.get(resource)?.objects.get(objectKey(namespace, name));
  }

  /** Objects in key order (namespace, then name), optionally of one namespace, starting after `after`. */
  list(resource: string, namespace?: string, after?: string): KubeObject[] {
    const out: KubeObject[] = [];
    this.scan(resource, namespace, after, (o) => {
      out.push(o);
      return true;
    });
    return out;
  }

  /** Visits objects in key order without copying the index; `visit` returns false to stop. */
  scan(resource: string, namespace: string | undefined, after: string | undefined, visit: (o: KubeObject) => boolean): void {
    const b = this.buckets.get(resource);
    if (!b) return;
    b.sortedKeys ??= [...b.objects.keys()].sort();
    const keys = b.sortedKeys;
    const prefix = namespace !== undefined ? `${namespace}/` : '';
    const from = after !== undefined && after >= prefix ? after : undefined;
    let i = lowerBound(keys, from ?? prefix);
    if (from !== undefined && keys[i] === from) i++;
    for (; i < keys.length && keys[i].startsWith(prefix); i++) if (!visit(b.objects.get(keys[i])!)) return;
  }

  /**
   * Like scan, over the objects as they were at resourceVersion `rv`: the retained change events
   * after `rv` are undone on top of the current state. Throws CompactedError when the history no
   * longer reaches back that far and FutureRevisionError past the current resourceVersion.
   */
  scanAt(resource: string, namespace: string | undefined, after: string | undefined, rv: number, visit: (o: KubeObject) => boolean): void {
    if (rv > this.rv) throw new FutureRevisionError(rv);
    if (rv === this.rv) return this.scan(resource, namespace, after, visit);
    const oldest = this.oldestReadable;
    if (rv < oldest) throw new CompactedError(rv, oldest);
    // Walking back from the newest event, the last state written per key is the one at `rv`.
    const then = new Map<string, KubeObject | null>();
    for (let i = this.history.length - 1; i >= this.historyStart && this.history[i].rv > rv; i--) {
      const e = this.history[i];
      if (e.resource !== resource) continue;
      then.set(objectKey(e.object.metadata.namespace, e.object.metadata.name!), e.type === 'ADDED' ? null : e.old!);
    }
    // Nothing of this resource changed since: the current index serves the read.
    if (then.size === 0) return this.scan(resource, namespace, after, visit);
    const current = this.buckets.get(resource)?.objects ?? new Map<string, KubeObject>();
    const keys = [...new Set([...current.keys(), ...then.keys()])].sort();
    const prefix = namespace !== undefined ? `${namespace}/` : '';
    for (const key of keys) {
      if (!key.startsWith(prefix) || (after !== undefined && key <= after)) continue;
      const o = then.has(key) ? then.get(key) : current.get(key);
      if (o && !visit(o)) return;
    }
  }

  count(resource: string): number {
    return this.buckets.get(resource)?.objects.size ?? 0;
  }

  /** How many objects (optionally of one namespace) come after key `after`, found without visiting them. */
  countAfter(resource: string, namespace: string | undefined, after: string): number {
    const b = this.buckets.get(resource);
    if (!b) return 0;
    b.sortedKeys ??= [...b.objects.keys()].sort();
    const keys = b.sortedKeys;
    let from = lowerBound(keys, after);
    if (keys[from] === after) from++;
    // Keys are "namespace/name" and namespaces have no "/": one namespace's keys end before "namespace0".
    const end = namespace !== undefined ? lowerBound(keys, `${namespace}0`) : keys.length;
    return Math.max(0, end - from);
  }

  resources(): string[] {
    return [...this.buckets.keys()];
  }

  /** Stores a new or changed object, stamping the next resourceVersion; returns the stored object. */
  put(resource: string, object: KubeObject): KubeObject {
    const b = this.bucket(resource);
    const key = objectKey(object.metadata.namespace, object.metadata.name!);
    const old = b.objects.get(key);
    const existed = old !== undefined;
    this.compactOnSchedule();
    const rv = this.rv + 1;
    const stored = deepFreeze({ ...object, metadata: { ...object.metadata, resourceVersion: String(rv) } });
    this.log?.append(rv, resource, key, stored, existed ? 0 : 1);
    this.rv = rv;
    if (!existed) b.sortedKeys = undefined;
    b.objects.set(key, stored);
    this.emit({ type: existed ? 'MODIFIED' : 'ADDED', resource, object: stored, old, rv });
    return stored;
  }

  /** Removes an object; the DELETED event carries its last state with a new resourceVersion. */
  remove(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const b = this.buckets.get(resource);
    const key = objectKey(namespace, name);
    const old = b?.objects.get(key);
    if (!b || !old) return undefined;
    this.compactOnSchedule();
    const rv = this.rv + 1;
    this.log?.append(rv, resource, key, null, -1);
    this.rv = rv;
    b.objects.delete(key);
    b.sortedKeys = undefined;
    const last = deepFreeze({ ...old, metadata: { ...old.metadata, resourceVersion: String(rv) } });
    this.emit({ type: 'DELETED', resource, object: last, old, rv });
    return last;
  }

  /**
   * Calls `listener` for every change of `resource` (or of all resources when undefined) after
   * resourceVersion `fromRv`, replaying retained history first. Throws TooOldError when the
   * history no longer reaches back that far. Returns the function that stops the watch.
   */
  watch(resource: string | undefined, fromRv: number, listener: Listener): () => void {
    if (fromRv < this.oldestWatchable) throw new TooOldError(fromRv, this.oldestWatchable + 1);
    for (let i = this.historyStart; i < this.history.length; i++) {
      const e = this.history[i];
      if (e.rv > fromRv && (resource === undefined || e.resource === resource)) listener(e);
    }
    const set = resource === undefined ? this.allListeners : (this.listeners.get(resource) ?? new Set<Listener>());
    if (resource !== undefined) this.listeners.set(resource, set);
    set.add(listener);
    return () => set.delete(listener);
  }

  private compactLog(): void {
    const log = this.log;
    if (!log?.wantsCompaction) return;
    const all = function* (buckets: Map<string, Bucket>) {
      for (const [resource, b] of buckets) for (const object of b.objects.values()) yield { resource, object };
    };
    log.rewrite(this.rv, all(this.buckets));
  }

  private emit(event: StoreEvent): void {
    this.compactLog();
    this.history.push(event);
    if (this.history.length - this.historyStart > this.historySize) {
      this.historyStart++;
      // Compact the array now and then instead of shifting on every event.
      if (this.historyStart > this.historySize) {
        this.history.splice(0, this.historyStart);
        this.historyStart = 0;
      }
    }
    for (const l of this.listeners.get(event.resource) ?? []) l(event);
    for (const l of this.allListeners) l(event);
  }

  close(): void {
    this.log?.close();
  }
}

/** Freezes a JSON value and everything in it; parts already frozen (shared with an earlier version) are skipped. */
export function deepFreeze<T>(v: T): T {
  if (v === null || typeof v !== 'object' || Object.isFrozen(v)) return v;
  Object.freeze(v);
  if (Array.isArray(v)) for (const x of v) deepFreeze(x);
  else for (const k in v) deepFreeze((v as Record<string, unknown>)[k]);
  return v;
}

function lowerBound(keys: string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
