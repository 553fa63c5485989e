/**
 * The shared machinery of the simulated workload controllers: a work queue fed by the store's
 * event stream (like the informers of kube-controller-manager), typed access to the built-in
 * resources, timers that are cleared on stop, and an event recorder.
 */
import { randomBytes } from 'node:crypto';
import type { KubeObject, OwnerReference } from '../../../k8s/object.js';
import { nowTimestamp, type ApiCore } from '../../apiserver/core.js';
import { ApiError } from '../../apiserver/errors.js';
import type { ResourceType } from '../../apiserver/registry.js';
import type { StoreEvent } from '../../storage/store.js';

export interface SimOptions {
  /** Delay of one simulated step (pod scheduled, containers started, PVC bound ...), in ms. Default 50. */
  stepMs?: number;
  /** Images matching this cannot be pulled (ErrImagePull, then ImagePullBackOff). */
  imagePullFailure?: RegExp;
  /** Names of the simulated nodes (default ["local-node"]). */
  nodes?: string[];
  log?: (line: string) => void;
  /**
   * The synchronous admission checks a controller's creates pass through (ResourceQuota):
   * throws the API server's error when the object is refused.
   */
  admit?: (t: ResourceType, namespace: string | undefined, obj: KubeObject) => void;
}

export const DEFAULT_IMAGE_PULL_FAILURE = /nonexistent|invalid|does-?not-?exist|no-such-image/i;

/** One controller: which stored resources wake it, which keys a change maps to, and its sync. */
export interface Controller {
  name: string;
  /** Storage keys ("apps/deployments", "/pods") whose changes are passed to keysFor. */
  watches: string[];
  keysFor(e: StoreEvent): string[];
  /** Brings the object with this key ("namespace/name") towards its desired state. */
  sync(key: string): void;
  /** Keys to sync at start (existing objects). */
  initialKeys?(): string[];
}

type Any = Record<string, any>;

export { CONTROLLER_MANAGER } from '../field-manager.js';

export class Sim {
  readonly stepMs: number;
  readonly imagePullFailure: RegExp;
  readonly nodes: string[];
  private readonly controllers: Controller[] = [];
  private readonly queue = new Map<Controller, Set<string>>();
  private drainScheduled = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopWatch?: () => void;
  private stopped = false;
  /** Event aggregation: same object, reason and message → one Event with a count. */
  private readonly recorded = new Map<string, string>();

  constructor(
    readonly core: ApiCore,
    readonly opts: SimOptions = {},
  ) {
    this.stepMs = opts.stepMs ?? 50;
    this.imagePullFailure = opts.imagePullFailure ?? DEFAULT_IMAGE_PULL_FAILURE;
    this.nodes = opts.nodes?.length ? opts.nodes : ['local-node'];
  }

  type(group: string, version: string, resource: string): ResourceType {
    const t = this.core.registry.lookup(group, version, resource);
    if (!t) throw new Error(`simulated workloads: resource ${group}/${version}/${resource} is not registered`);
    return t;
  }

  add(c: Controller): void {
    this.controllers.push(c);
  }

  start(): void {
    this.stopWatch = this.core.store.watch(undefined, this.core.store.resourceVersion, (e) => this.onEvent(e));
    for (const c of this.controllers) for (const k of c.initialKeys?.() ?? []) this.enqueue(c, k);
  }

  stop(): void {
    this.stopped = true;
    this.stopWatch?.();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private onEvent(e: StoreEvent): void {
    for (const c of this.controllers) if (c.watches.includes(e.resource)) for (const k of c.keysFor(e)) this.enqueue(c, k);
  }

  /** Queues a sync now (deduplicated) or after `delayMs`. */
  enqueue(c: Controller, key: string, delayMs = 0): void {
    if (this.stopped) return;
    if (delayMs > 0) {
      this.after(delayMs, () => this.enqueue(c, key));
      return;
    }
    let keys = this.queue.get(c);
    if (!keys) this.queue.set(c, (keys = new Set()));
    keys.add(key);
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => this.drain());
  }

  /** Runs `f` after `ms` unless the simulation stopped. */
  after(ms: number, f: () => void): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) f();
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  private drain(): void {
    this.drainScheduled = false;
    if (this.stopped) return;
    const work = [...this.queue.entries()];
    this.queue.clear();
    for (const [c, keys] of work) {
      for (const key of keys) {
        try {
          c.sync(key);
        } catch (e) {
          // Conflicts and races with other writers: try again shortly, as a controller would.
          if (e instanceof ApiError) {
            if (e.code === 409) this.enqueue(c, key, 20);
            else if (e.code !== 404) {
              // A rejected write is a bug or a user object the controller cannot handle: say so, retry slowly.
              this.opts.log?.(`simulated ${c.name} controller: ${key}: ${e.message}`);
              this.enqueue(c, key, 1000);
            }
          } else {
            this.opts.log?.(`simulated ${c.name} controller: ${(e as Error).stack ?? String(e)}`);
          }
        }
      }
    }
  }

  // ---- object helpers ----

  get(t: ResourceType, key: string): KubeObject | undefined {
    const [ns, name] = splitKey(key);
    return this.core.tryGet(t, ns || undefined, name);
  }

  list(t: ResourceType, namespace?: string): KubeObject[] {
    return this.core.store.list(`${t.group}/${t.resource}`, namespace).map((o) => this.core.present(t, o));
  }

  /** Objects whose controller owner reference points at `owner`. */
  owned(t: ResourceType, owner: KubeObject): KubeObject[] {
    return this.list(t, owner.metadata.namespace).filter((o) => controllerRef(o)?.uid === owner.metadata.uid);
  }

  create(t: ResourceType, namespace: string | undefined, obj: KubeObject): KubeObject {
    this.opts.admit?.(t, namespace, obj);
    return this.core.create(t, namespace, obj);
  }

  /** Writes `status` through the status subresource; unchanged status writes nothing. */
  setStatus(t: ResourceType, obj: KubeObject, status: Any, fieldManager?: string): KubeObject {
    return this.core.mutate(t, obj.metadata.namespace, obj.metadata.name!, (cur) => ({ ...cur, status }), { fieldManager }, 'status', 'update');
  }

  /**
   * Creates or deletes pods of `owner`'s template until `want` are active, as the ReplicaSet and
   * replication controllers do (unscheduled, then unready, then newest pods go first). Returns
   * the active pods after, and why a create was refused (a quota, say), if one was.
   */
  scalePods(pods: ResourceType, owner: KubeObject, template: Any, want: number, component: string): { active: KubeObject[]; refused?: string } {
    const active = this.owned(pods, owner).filter(isPodActive);
    let refused: string | undefined;
    for (let i = active.length; i < want && !refused; i++) {
      try {
        const pod = this.create(pods, owner.metadata.namespace, podFromTemplate(template, owner));
        this.event(owner, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, component);
      } catch (e) {
        if (!(e instanceof ApiError) || e.code === 409) throw e;
        refused = e.message;
        this.event(owner, 'Warning', 'FailedCreate', `Error creating: ${refused}`, component);
      }
    }
    const rank = (p: KubeObject) => ((p.spec as Any).nodeName ? 0 : 2) + (isPodReady(p) ? 0 : 1);
    const victims = [...active]
      .sort((a, b) => rank(b) - rank(a) || String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)))
      .slice(0, Math.max(0, active.length - want));
    for (const p of victims) {
      this.remove(pods, p);
      this.event(owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`, component);
    }
    return { active: this.owned(pods, owner).filter(isPodActive), refused };
  }

  /** Changes the main resource (spec or metadata) with `change` applied to a copy of the current object. */
  change(t: ResourceType, obj: KubeObject, change: (cur: Any) => void): KubeObject {
    return this.core.mutate(
      t,
      obj.metadata.namespace,
      obj.metadata.name!,
      (cur) => {
        change(cur);
        return cur;
      },
      {},
      '',
      'update',
    );
  }

  remove(t: ResourceType, obj: KubeObject): void {
    try {
      this.core.delete(t, obj.metadata.namespace, obj.metadata.name!, { propagationPolicy: 'Background' });
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
    }
  }

  /**
   * Records a core/v1 Event about `obj` as the controllers do (repeats raise `count`).
   * `source` is the reporting component, e.g. "deployment-controller" or "kubelet".
   */
  event(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, source: string, fieldPath?: string): void {
    const t = this.type('', 'v1', 'events');
    const namespace = obj.metadata.namespace ?? 'default';
    const involved: Any = {
      kind: obj.kind,
      namespace: obj.metadata.namespace,
      name: obj.metadata.name,
      uid: obj.metadata.uid,
      apiVersion: obj.apiVersion,
      resourceVersion: obj.metadata.resourceVersion,
    };
    if (fieldPath) involved.fieldPath = fieldPath;
    if (!involved.namespace) delete involved.namespace;
    const now = nowTimestamp();
    const dedupe = `${namespace}|${obj.metadata.uid}|${fieldPath ?? ''}|${type}|${reason}|${message}`;
    const existing = this.recorded.get(dedupe);
    try {
      if (existing && this.core.tryGet(t, namespace, existing)) {
        this.core.mutate(t, namespace, existing, (cur) => ({ ...cur, count: ((cur.count as number) ?? 1) + 1, lastTimestamp: now }), {}, '', 'update');
        return;
      }
      const name = `${obj.metadata.name}.${randomBytes(8).toString('hex')}`;
      const host = source === 'kubelet' ? { host: this.nodes[0] } : {};
      this.core.create(t, namespace, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: involved,
        reason,
        message,
        source: { component: source, ...host },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        type,
        eventTime: null,
        reportingComponent: source,
        reportingInstance: source === 'kubelet' ? this.nodes[0] : '',
      });
      this.recorded.set(dedupe, name);
      // Aggregation only needs recent events; forget the oldest beyond a bound.
      if (this.recorded.size > 10_000) this.recorded.delete(this.recorded.keys().next().value!);
    } catch (e) {
      // An event that cannot be written (namespace terminating) is dropped, as the recorder does.
      if (!(e instanceof ApiError)) throw e;
    }
  }
}

export function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}

export function keyOf(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

export function controllerRef(o: KubeObject): OwnerReference | undefined {
  return o.metadata.ownerReferences?.find((r) => r.controller);
}

/** The owner reference a controller puts on what it creates. */
export function ownerRefTo(owner: KubeObject): OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

/** Keys of the controlling owners of kind `kind` for a dependent's event (old and new state). */
export function ownerKeys(e: StoreEvent, kind: string): string[] {
  const keys = new Set<string>();
  for (const o of [e.object, e.old]) {
    const ref = o && controllerRef(o);
    if (ref && ref.kind === kind) keys.add(`${o.metadata.namespace ?? ''}/${ref.name}`);
  }
  return [...keys];
}

/** FNV-1a 32-bit, the hash family the controllers use for pod-template-hash and revisions. */
export function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** apimachinery's SafeEncodeString alphabet (no vowels, no look-alike digits). */
const SAFE = 'bcdfghjklmnpqrstvwxz2456789';
export function safeEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE[s.charCodeAt(i) % SAFE.length];
  return out;
}

/** A stable hash of a pod template, as pod-template-hash / controller-revision-hash values look. */
export function templateHash(template: unknown, collisionCount = 0): string {
  return safeEncode(String(fnv32a(canonical(template) + (collisionCount ? `#${collisionCount}` : ''))));
}

export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastUpdateTime?: string;
  lastProbeTime?: string | null;
}

/**
 * Sets a condition in a list, keeping lastTransitionTime unless the status changes (and
 * lastUpdateTime unless something changes), as the controllers' condition helpers do.
 */
export function setCondition(list: Condition[] | undefined, next: Condition, opts: { updateTime?: boolean; probeTime?: boolean } = {}): Condition[] {
  const out = [...(list ?? [])];
  const i = out.findIndex((c) => c.type === next.type);
  const old = i >= 0 ? out[i] : undefined;
  const now = nowTimestamp();
  const same = old && old.status === next.status && old.reason === next.reason && old.message === next.message;
  if (same) return out;
  const c: Condition = { type: next.type, status: next.status };
  if (opts.probeTime) c.lastProbeTime = now;
  if (opts.updateTime) c.lastUpdateTime = now;
  c.lastTransitionTime = old && old.status === next.status ? old.lastTransitionTime : now;
  if (next.reason) c.reason = next.reason;
  if (next.message) c.message = next.message;
  if (i >= 0) out[i] = c;
  else out.push(c);
  return out;
}

export function condition(o: KubeObject, type: string): Condition | undefined {
  return ((o.status as Any | undefined)?.conditions as Condition[] | undefined)?.find((c) => c.type === type);
}

/** Pod helpers shared by the controllers. */
export function podPhase(p: KubeObject): string {
  return ((p.status as Any | undefined)?.phase as string | undefined) ?? 'Pending';
}

export function isPodReady(p: KubeObject): boolean {
  return condition(p, 'Ready')?.status === 'True' && !p.metadata.deletionTimestamp;
}

export function isPodActive(p: KubeObject): boolean {
  const phase = podPhase(p);
  return phase !== 'Succeeded' && phase !== 'Failed' && !p.metadata.deletionTimestamp;
}

/** A pod from a template: labels, annotations, owner and spec copied as the controllers do. */
export function podFromTemplate(
  template: Any,
  owner: KubeObject,
  extra: { name?: string; generateName?: string; labels?: Record<string, string>; annotations?: Record<string, string> } = {},
): KubeObject {
  const meta = (template.metadata ?? {}) as Any;
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...(extra.name ? { name: extra.name } : { generateName: extra.generateName ?? `${owner.metadata.name}-` }),
      namespace: owner.metadata.namespace,
      labels: { ...(meta.labels ?? {}), ...(extra.labels ?? {}) },
      ownerReferences: [ownerRefTo(owner)],
    },
    spec: structuredClone(template.spec ?? {}),
  };
  const annotations = { ...(meta.annotations ?? {}), ...(extra.annotations ?? {}) };
  if (Object.keys(annotations).length) pod.metadata.annotations = annotations;
  if (meta.finalizers) pod.metadata.finalizers = [...meta.finalizers];
  return pod;
}

/** Resolves an int-or-percent (maxSurge, maxUnavailable) against a total. */
export function intOrPercent(v: unknown, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.endsWith('%')) {
    const x = (Number(v.slice(0, -1)) * total) / 100;
    return roundUp ? Math.ceil(x) : Math.floor(x);
  }
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return 0;
}

export function labelsMatch(selector: Any | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries((selector.matchLabels ?? {}) as Record<string, string>)) if (l[k] !== v) return false;
  for (const r of (selector.matchExpressions ?? []) as { key: string; operator: string; values?: string[] }[]) {
    const has = r.key in l;
    if (r.operator === 'In' && !(has && (r.values ?? []).includes(l[r.key]))) return false;
    if (r.operator === 'NotIn' && has && (r.values ?? []).includes(l[r.key])) return false;
    if (r.operator === 'Exists' && !has) return false;
    if (r.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** Drops zero and empty values from a status, as Go's omitempty does. */
/**
 * The status a ReplicaSet or ReplicationController reports for its active pods (replicas is
 * always written), with a ReplicaFailure condition while pod creates are refused.
 */
export function replicaStatus(current: KubeObject[], owner: KubeObject, refused: string | undefined): Any {
  const ready = current.filter(isPodReady).length;
  const old = (owner.status ?? {}) as Any;
  let conditions = ((old.conditions ?? []) as Condition[]).filter((c) => c.type !== 'ReplicaFailure');
  if (refused) {
    const was = condition(owner, 'ReplicaFailure');
    conditions = [
      ...conditions,
      { type: 'ReplicaFailure', status: 'True', lastTransitionTime: was?.lastTransitionTime ?? nowTimestamp(), reason: 'FailedCreate', message: refused },
    ];
  }
  return omitEmpty(
    {
      replicas: current.length,
      fullyLabeledReplicas: current.length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: owner.metadata.generation,
      conditions,
    },
    ['replicas'],
  );
}

export function omitEmpty(status: Any, keep: string[] = []): Any {
  const out: Any = {};
  for (const [k, v] of Object.entries(status)) {
    if (v === undefined || v === null) continue;
    if (!keep.includes(k) && (v === 0 || v === '' || (Array.isArray(v) && v.length === 0))) continue;
    out[k] = v;
  }
  return out;
}
