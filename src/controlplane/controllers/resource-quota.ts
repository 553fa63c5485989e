/**
 * ResourceQuota: the controller that keeps each quota's `status.hard` and `status.used`
 * current, and the admission check that refuses creates a quota does not allow (kube-apiserver's
 * ResourceQuota plugin: "must specify ..." and "exceeded quota: ...").
 */
import type { KubeObject } from '../../k8s/object.js';
import { addQuantities, compareQuantities, formatQuantity, parseQuantity, type Quantity } from '../../k8s/quantity.js';
import type { ApiCore } from '../apiserver/core.js';
import { ApiError, forbidden } from '../apiserver/errors.js';
import { storageKey, type ResourceType } from '../apiserver/registry.js';
import type { Admission, AdmissionAttributes } from '../apiserver/server.js';
import type { StoreEvent } from '../storage/store.js';

type Any = Record<string, any>;
type Usage = Map<string, Quantity>;

/** Quota names that count objects of a core resource without the `count/` prefix. */
const LEGACY_COUNTS: Record<string, string> = {
  pods: 'pods',
  services: 'services',
  configmaps: 'configmaps',
  secrets: 'secrets',
  persistentvolumeclaims: 'persistentvolumeclaims',
  replicationcontrollers: 'replicationcontrollers',
  resourcequotas: 'resourcequotas',
};

/** The compute resources a pod must declare per container when a quota limits them. */
const POD_CONSTRAINED = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);
const BARE_REQUESTS = new Set(['cpu', 'memory', 'ephemeral-storage']);

const ONE = parseQuantity(1);
const ZERO = parseQuantity(0);

function add(u: Usage, name: string, q: Quantity): void {
  u.set(name, addQuantities(u.get(name) ?? ZERO, q));
}

function quantity(v: unknown): Quantity | undefined {
  try {
    return typeof v === 'string' || typeof v === 'number' ? parseQuantity(v) : undefined;
  } catch {
    return undefined;
  }
}

/** A container's compute names (`cpu` and `requests.cpu` for a CPU request, `limits.cpu` for a limit) and amounts. */
function containerUsage(c: Any): Usage {
  const u: Usage = new Map();
  for (const [k, v] of Object.entries((c.resources?.requests as Any | undefined) ?? {})) {
    const q = quantity(v);
    if (!q) continue;
    add(u, `requests.${k}`, q);
    if (BARE_REQUESTS.has(k)) add(u, k, q);
  }
  for (const [k, v] of Object.entries((c.resources?.limits as Any | undefined) ?? {})) {
    const q = quantity(v);
    if (q) add(u, `limits.${k}`, q);
  }
  return u;
}

/** A pod's compute usage: the sum over its containers, at least the largest init container. */
function podComputeUsage(pod: KubeObject): Usage {
  const spec = (pod.spec as Any | undefined) ?? {};
  const sum: Usage = new Map();
  for (const c of (spec.containers as Any[] | undefined) ?? []) for (const [k, q] of containerUsage(c)) add(sum, k, q);
  for (const c of (spec.initContainers as Any[] | undefined) ?? [])
    for (const [k, q] of containerUsage(c)) if (compareQuantities(q, sum.get(k) ?? ZERO) > 0) sum.set(k, q);
  return sum;
}

function isTerminalPod(pod: KubeObject): boolean {
  const phase = (pod.status as Any | undefined)?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

function isBestEffort(pod: KubeObject): boolean {
  return [...podComputeUsage(pod).keys()].every((k) => !/^(requests|limits)\.(cpu|memory)$/.test(k));
}

/** Whether a quota's scopes select this pod (quotas with scopes track pods only). */
function scopesMatch(quota: KubeObject, t: ResourceType, obj: KubeObject): boolean {
  const scopes = ((quota.spec as Any | undefined)?.scopes as string[] | undefined) ?? [];
  if (!scopes.length) return true;
  if (storageKey(t) !== '/pods') return false;
  const terminating = (obj.spec as Any | undefined)?.activeDeadlineSeconds !== undefined;
  return scopes.every((s) => {
    if (s === 'Terminating') return terminating;
    if (s === 'NotTerminating') return !terminating;
    if (s === 'BestEffort') return isBestEffort(obj);
    if (s === 'NotBestEffort') return !isBestEffort(obj);
    return true;
  });
}

/** What one object counts against a quota, by quota resource name. */
export function objectUsage(t: ResourceType, obj: KubeObject): Usage {
  const u: Usage = new Map();
  const key = storageKey(t);
  if (key === '/pods' && isTerminalPod(obj)) return u;
  u.set(t.group ? `count/${t.resource}.${t.group}` : `count/${t.resource}`, ONE);
  if (!t.group && LEGACY_COUNTS[t.resource]) u.set(LEGACY_COUNTS[t.resource], ONE);
  const spec = (obj.spec as Any | undefined) ?? {};
  if (key === '/pods') for (const [k, q] of podComputeUsage(obj)) u.set(k, q);
  if (key === '/services') {
    const ports = ((spec.ports as unknown[] | undefined) ?? []).length;
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') u.set('services.nodeports', parseQuantity(ports));
    if (spec.type === 'LoadBalancer') u.set('services.loadbalancers', ONE);
  }
  if (key === '/persistentvolumeclaims') {
    const storage = quantity(spec.resources?.requests?.storage);
    if (storage) u.set('requests.storage', storage);
  }
  return u;
}

const prettyPrint = (u: Usage) =>
  [...u.keys()]
    .sort()
    .map((k) => `${k}=${formatQuantity(u.get(k)!)}`)
    .join(',');

const hardOf = (quota: KubeObject) => ((quota.spec as Any | undefined)?.hard as Record<string, string> | undefined) ?? {};

export class ResourceQuotaController {
  private stopWatch?: () => void;
  private readonly pending = new Set<string>();
  private stopped = false;

  constructor(private readonly core: ApiCore) {}

  private get quotaType(): ResourceType {
    return this.core.registry.lookup('', 'v1', 'resourcequotas')!;
  }

  quotas(namespace: string | undefined): KubeObject[] {
    return namespace ? this.core.store.list('/resourcequotas', namespace) : [];
  }

  start(): void {
    for (const q of this.core.store.list('/resourcequotas')) this.schedule(q.metadata.namespace!);
    this.stopWatch = this.core.store.watch(undefined, this.core.store.resourceVersion, (e) => this.onEvent(e));
  }

  stop(): void {
    this.stopped = true;
    this.stopWatch?.();
  }

  private onEvent(e: StoreEvent): void {
    const ns = e.object.metadata.namespace;
    if (!ns) return;
    // A status write that changed nothing but status does not need another pass.
    if (e.resource === '/resourcequotas' && e.type === 'MODIFIED' && JSON.stringify(e.old?.spec) === JSON.stringify(e.object.spec)) return;
    if (e.resource === '/resourcequotas' || this.quotas(ns).length) this.schedule(ns);
  }

  private schedule(namespace: string): void {
    if (this.pending.has(namespace)) return;
    this.pending.add(namespace);
    setImmediate(() => {
      this.pending.delete(namespace);
      if (!this.stopped) this.sync(namespace);
    });
  }

  /** Current usage in a namespace of the names a quota limits. */
  usage(namespace: string, quota: KubeObject): Usage {
    const names = Object.keys(hardOf(quota));
    const used: Usage = new Map(names.map((n) => [n, ZERO]));
    for (const t of this.core.registry.all()) {
      if (!t.namespaced || !t.verbs.includes('list')) continue;
      for (const obj of this.core.store.list(storageKey(t), namespace)) {
        if (!scopesMatch(quota, t, obj)) continue;
        for (const [k, q] of objectUsage(t, obj)) if (used.has(k)) add(used, k, q);
      }
    }
    return used;
  }

  sync(namespace: string): void {
    for (const quota of this.quotas(namespace)) {
      const hard = hardOf(quota);
      const used = this.usage(namespace, quota);
      const status = { hard: { ...hard }, used: Object.fromEntries([...used].map(([k, q]) => [k, formatQuantity(q)])) };
      if (JSON.stringify(quota.status ?? {}) === JSON.stringify(status)) continue;
      try {
        this.core.mutate(
          this.quotaType,
          namespace,
          quota.metadata.name!,
          (cur) => ({ ...cur, status }),
          { fieldManager: 'kube-controller-manager' },
          'status',
          'update',
        );
      } catch (e) {
        if (!(e instanceof ApiError)) throw e; // deleted or changed meanwhile: the next event syncs again
      }
    }
  }

  /** The admission check for a create: throws Forbidden when a quota in the namespace refuses it. */
  admit(t: ResourceType, namespace: string | undefined, obj: KubeObject): void {
    const quotas = this.quotas(namespace);
    if (!quotas.length) return;
    const requested = objectUsage(t, obj);
    const name = obj.metadata.name ?? '';
    const refuse = (why: string) => {
      const resource = t.group ? `${t.resource}.${t.group}` : t.resource;
      return forbidden(`${resource}${name ? ` "${name}"` : ''} is forbidden: ${why}`, { name, group: t.group || undefined, kind: t.resource });
    };
    for (const quota of quotas) {
      if (!scopesMatch(quota, t, obj)) continue;
      const hard = hardOf(quota);
      if (storageKey(t) === '/pods') {
        const required = Object.keys(hard).filter((k) => POD_CONSTRAINED.has(k));
        const spec = (obj.spec as Any | undefined) ?? {};
        const missing = new Set<string>();
        for (const c of [...((spec.initContainers as Any[] | undefined) ?? []), ...((spec.containers as Any[] | undefined) ?? [])]) {
          const has = containerUsage(c);
          for (const r of required) if (!has.has(r)) missing.add(r);
        }
        if (missing.size) throw refuse(`failed quota: ${quota.metadata.name}: must specify ${[...missing].sort().join(',')}`);
      }
      const used = this.usage(namespace!, quota);
      const exceeded: string[] = [];
      for (const [k, q] of requested) {
        if (hard[k] === undefined) continue;
        if (compareQuantities(addQuantities(used.get(k) ?? ZERO, q), parseQuantity(hard[k])) > 0) exceeded.push(k);
      }
      if (exceeded.length) {
        const pick = (u: Usage) => new Map(exceeded.map((k) => [k, u.get(k) ?? ZERO]));
        const limited = new Map(exceeded.map((k) => [k, parseQuantity(hard[k])]));
        throw refuse(
          `exceeded quota: ${quota.metadata.name}, requested: ${prettyPrint(pick(requested))}, used: ${prettyPrint(pick(used))}, limited: ${prettyPrint(limited)}`,
        );
      }
    }
  }
}

/** Wraps the admission chain so that creates also pass the quota check (the last validating plugin). */
export function withQuotaAdmission(quota: ResourceQuotaController, inner: Admission): Admission {
  const quotaApplies = (a: Pick<AdmissionAttributes, 'operation' | 'namespace' | 'subresource'>) =>
    a.operation === 'CREATE' && !a.subresource && quota.quotas(a.namespace).length > 0;
  return {
    applies: (a) => quotaApplies(a) || inner.applies?.(a) !== false,
    async review(a) {
      const reviewed = await inner.review(a);
      if (quotaApplies(a) && (reviewed ?? a.object)) quota.admit(a.type, a.namespace, (reviewed ?? a.object)!);
      return reviewed;
    },
  };
}
