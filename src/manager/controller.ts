/**
 * The Instance controller: informers on Instances, OperatorVersions, Operators and
 * the workloads instances own feed a work queue of instance keys; a reconcile reads
 * the cached objects, runs src/engine/instance.ts with the task executors, writes the
 * status (status subresource) and then the spec (through the admission webhook), and
 * records Events. Everything needed to continue lives in the cluster, so a restarted
 * manager resumes any plan where it stood.
 */
import { randomUUID } from 'node:crypto';
import { INSTANCE_CLEANUP_FINALIZER, KUDO_API_VERSION } from '../api/labels.js';
import type { Instance, Operator, OperatorVersion } from '../api/types.js';
import { isConflict, isNotFound, type Cluster, type ObjectRef } from '../cluster/cluster.js';
import { Informer } from '../cluster/informer.js';
import { checkDependencies } from '../engine/dependencies.js';
import { reconcileInstance, scheduledPlan } from '../engine/instance.js';
import { READINESS_KINDS } from '../engine/readiness.js';
import type { EngineEvent } from '../engine/workflow.js';
import type { KubeObject } from '../k8s/object.js';
import type { Logger } from './log.js';
import type { ManagerMetrics } from './metrics.js';
import { WorkQueue } from './queue.js';
import { ScopeCache, taskRunner } from './tasks.js';

/** Finalizer and annotation with which the manager removes cluster-scoped objects on uninstall (KUDO leaked them). */
export const CLUSTER_OBJECTS_FINALIZER = 'kudo.dev/cluster-scoped-cleanup';
export const CLUSTER_OBJECTS_ANNOTATION = 'kudo.dev/cluster-scoped-objects';

const EVENT_SOURCE = 'instance-controller';

/** Kinds the manager caches (objects labelled heritage=kudo); changes of the `wakes` ones wake the instance owning them. */
const OWNED_KINDS = [
  { apiVersion: 'apps/v1', kind: 'Deployment', wakes: true },
  { apiVersion: 'apps/v1', kind: 'StatefulSet', wakes: true },
  { apiVersion: 'apps/v1', kind: 'DaemonSet', wakes: true },
  { apiVersion: 'apps/v1', kind: 'ReplicaSet', wakes: true },
  { apiVersion: 'batch/v1', kind: 'Job', wakes: true },
  { apiVersion: 'v1', kind: 'Pod', wakes: true },
  { apiVersion: 'v1', kind: 'Service', wakes: true },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim', wakes: true },
  // Cached only so that applying them needs no GET.
  { apiVersion: 'v1', kind: 'ConfigMap', wakes: false },
  { apiVersion: 'v1', kind: 'Secret', wakes: false },
];

export interface ControllerOptions {
  cluster: Cluster;
  log: Logger;
  metrics: ManagerMetrics;
  /** Only this namespace (default: all). */
  namespace?: string;
  workers?: number;
  fieldManager?: string;
  /** Longest pause between checks of a plan waiting for health (default 5 s). */
  maxWaitMs?: number;
  /** Backoff of transient errors (default 500 ms doubling up to 5 min). */
  backoff?: { baseMs: number; maxMs: number };
}

interface ClusterObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
}

const keyOf = (o: { metadata: { namespace?: string; name?: string } }): string => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

/** resourceVersions are opaque, but numeric ones order writes; newer wins. */
function newer(a: Instance | undefined, b: Instance | undefined): Instance | undefined {
  if (!a || !b) return a ?? b;
  const ra = a.metadata.resourceVersion ?? '';
  const rb = b.metadata.resourceVersion ?? '';
  if (/^\d+$/.test(ra) && /^\d+$/.test(rb)) return BigInt(ra) >= BigInt(rb) ? a : b;
  return a;
}

export function recordedClusterObjects(instance: Instance): ClusterObjectRef[] {
  const text = instance.metadata.annotations?.[CLUSTER_OBJECTS_ANNOTATION];
  if (!text) return [];
  try {
    const parsed = JSON.parse(text) as ClusterObjectRef[];
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}

export class InstanceController {
  readonly queue: WorkQueue;
  private readonly instances: Informer<Instance>;
  private readonly ovs: Informer<OperatorVersion>;
  private readonly operators: Informer<Operator>;
  private readonly owned: Informer[];
  private readonly scopes: ScopeCache;
  /** The latest copy of each instance this controller wrote (the cache may lag behind). */
  private readonly written = new Map<string, Instance>();
  private readonly waits = new Map<string, number>();
  private readonly planStarts = new Map<string, number>();
  private workers: Promise<void>[] = [];
  private stopped = false;

  constructor(private readonly opts: ControllerOptions) {
    const { cluster, namespace } = opts;
    this.queue = new WorkQueue(opts.backoff ?? { baseMs: 500, maxMs: 300_000 });
    this.scopes = new ScopeCache(cluster);
    const onError = (e: unknown) => opts.log.warn('watch failed', { error: e instanceof Error ? e.message : String(e) });
    this.instances = new Informer<Instance>(cluster, { apiVersion: KUDO_API_VERSION, kind: 'Instance', namespace, onError, resyncMs: 10 * 60_000 });
    this.ovs = new Informer<OperatorVersion>(cluster, { apiVersion: KUDO_API_VERSION, kind: 'OperatorVersion', namespace, onError });
    this.operators = new Informer<Operator>(cluster, { apiVersion: KUDO_API_VERSION, kind: 'Operator', namespace, onError });
    this.owned = OWNED_KINDS.map(({ apiVersion, kind }) => new Informer(cluster, { apiVersion, kind, namespace, labelSelector: 'heritage=kudo', onError }));

    this.instances.addHandlers({
      add: (i) => this.enqueueInstance(i),
      update: (_o, i) => this.enqueueInstance(i),
      delete: (i) => {
        this.written.delete(keyOf(i));
        this.enqueueParents(i);
      },
    });
    this.ovs.addHandlers({ add: (ov) => this.enqueueUsersOf(ov), update: (_o, ov) => this.enqueueUsersOf(ov) });
    for (const [i, inf] of this.owned.entries()) {
      if (!OWNED_KINDS[i].wakes) continue;
      inf.addHandlers({
        add: (o) => this.enqueueOwner(o),
        update: (_o, o) => this.enqueueOwner(o),
        // Pipe pods are deleted by the manager itself; their deletion wakes nobody (as in KUDO).
        delete: (o) => {
          if (o.kind === 'Pod' && o.metadata.annotations?.['kudo.dev/pipepod'] === 'true') return;
          this.enqueueOwner(o);
        },
      });
    }
  }

  private enqueueInstance(i: Instance): void {
    this.queue.add(keyOf(i));
    this.enqueueParents(i);
  }

  /** A child instance (KudoOperator) wakes its parent. */
  private enqueueParents(i: Instance): void {
    for (const ref of i.metadata.ownerReferences ?? []) if (ref.kind === 'Instance') this.queue.add(`${i.metadata.namespace ?? ''}/${ref.name}`);
  }

  private enqueueUsersOf(ov: OperatorVersion): void {
    for (const i of this.instances.list()) {
      const ref = i.spec?.operatorVersion;
      if (ref?.name === ov.metadata.name && (ref?.namespace || i.metadata.namespace) === ov.metadata.namespace) this.queue.add(keyOf(i));
    }
  }

  /** The instance that owns an object: its controller reference, else (pods of a Deployment) its kudo.dev/instance label. */
  private enqueueOwner(o: KubeObject): void {
    const owner = (o.metadata.ownerReferences ?? []).find((r) => r.controller && r.kind === 'Instance' && r.apiVersion.startsWith('kudo.dev/'));
    if (owner) return this.queue.add(`${o.metadata.namespace ?? ''}/${owner.name}`);
    // Objects owned indirectly only matter to the readiness of an idle instance; a running plan watches its own objects.
    const name = o.metadata.labels?.['kudo.dev/instance'];
    const inst = name ? this.instances.get(name, o.metadata.namespace) : undefined;
    if (inst && !scheduledPlan(inst)) this.queue.add(keyOf(inst));
  }

  async start(): Promise<void> {
    await Promise.all([this.instances.start(), this.ovs.start(), this.operators.start()]);
    // Owned kinds the cluster does not serve are skipped rather than failing the manager.
    await Promise.all(this.owned.map((inf) => inf.start().catch((e) => this.opts.log.warn('not watching a kind', { error: (e as Error).message }))));
    for (const i of this.instances.list()) this.queue.add(keyOf(i));
    const n = this.opts.workers ?? 4;
    this.workers = Array.from({ length: n }, () => this.work());
  }

  private stopping?: Promise<void>;

  /** Lets running reconciles finish, then stops watching. */
  stop(): Promise<void> {
    return (this.stopping ??= (async () => {
      this.stopped = true;
      this.queue.shutDown();
      await Promise.all(this.workers);
      await Promise.all([this.instances, this.ovs, this.operators, ...this.owned].map((i) => i.stop()));
    })());
  }

  get synced(): boolean {
    return this.instances.hasSynced && this.ovs.hasSynced;
  }

  private async work(): Promise<void> {
    while (!this.stopped) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.reconcile(key);
      } catch (e) {
        const delay = this.queue.addRateLimited(key);
        this.opts.metrics.reconciles.inc({ result: 'error' });
        this.opts.log.error('reconcile failed', { instance: key, error: e instanceof Error ? e.message : String(e), retryInMs: delay });
      } finally {
        this.queue.done(key);
      }
    }
  }

  private cached(ref: ObjectRef): KubeObject | null | undefined {
    const inf = this.owned.find((_, i) => OWNED_KINDS[i].apiVersion === ref.apiVersion && OWNED_KINDS[i].kind === ref.kind);
    if (!inf?.hasSynced) return undefined;
    const hit = inf.get(ref.name ?? '', ref.namespace);
    return hit ? { ...hit, apiVersion: ref.apiVersion, kind: ref.kind } : null;
  }

  private async event(instance: Instance, e: EngineEvent): Promise<void> {
    const now = new Date().toISOString();
    const ev = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${instance.metadata.name}.${Date.now().toString(16)}${randomUUID().slice(0, 8)}`, namespace: instance.metadata.namespace },
      involvedObject: {
        apiVersion: KUDO_API_VERSION,
        kind: 'Instance',
        name: instance.metadata.name,
        namespace: instance.metadata.namespace,
        uid: instance.metadata.uid,
        resourceVersion: instance.metadata.resourceVersion,
      },
      reason: e.reason,
      message: e.message,
      type: e.type,
      source: { component: EVENT_SOURCE },
      reportingComponent: EVENT_SOURCE,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    try {
      await this.opts.cluster.create(ev);
    } catch (err) {
      this.opts.log.warn('could not record event', { instance: keyOf(instance), reason: e.reason, error: (err as Error).message });
    }
  }

  private async listWorkloads(instance: Instance): Promise<KubeObject[]> {
    const out: KubeObject[] = [];
    for (const k of READINESS_KINDS) {
      const inf = this.owned.find((_, i) => OWNED_KINDS[i].kind === k.kind && OWNED_KINDS[i].apiVersion === k.apiVersion);
      for (const o of inf?.list() ?? []) {
        if (o.metadata.namespace === instance.metadata.namespace && o.metadata.labels?.['kudo.dev/instance'] === instance.metadata.name) out.push(o);
      }
    }
    return out;
  }

  /** Stores the cluster-scoped object on the instance before it is created, so uninstall finds it even after a crash. */
  private async recordClusterObject(key: string, ref: ObjectRef): Promise<void> {
    const current = newer(this.instances.get(key.slice(key.indexOf('/') + 1), key.slice(0, key.indexOf('/'))), this.written.get(key));
    if (!current) return;
    const list = recordedClusterObjects(current);
    if (list.some((r) => r.apiVersion === ref.apiVersion && r.kind === ref.kind && r.name === ref.name)) return;
    list.push({ apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name ?? '' });
    const finalizers = [...new Set([...(current.metadata.finalizers ?? []), CLUSTER_OBJECTS_FINALIZER])];
    const patched = await this.opts.cluster.patch<Instance>(
      { apiVersion: KUDO_API_VERSION, kind: 'Instance', namespace: current.metadata.namespace, name: current.metadata.name },
      'merge',
      { metadata: { resourceVersion: current.metadata.resourceVersion, finalizers, annotations: { [CLUSTER_OBJECTS_ANNOTATION]: JSON.stringify(list) } } },
    );
    this.written.set(key, { ...patched, apiVersion: KUDO_API_VERSION, kind: 'Instance' });
  }

  /** After uninstall's cleanup: deletes the recorded cluster-scoped objects, then lets the instance go. */
  private async removeClusterObjects(instance: Instance): Promise<Instance> {
    for (const ref of recordedClusterObjects(instance)) {
      const live = await this.opts.cluster.get({ ...ref }).catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
      // Only what this instance still owns by its labels; another instance may have taken it over.
      if (!live || live.metadata.labels?.['kudo.dev/instance'] !== instance.metadata.name) continue;
      await this.opts.cluster.delete({ ...ref }, { propagationPolicy: 'Background' });
      this.opts.log.info('removed cluster-scoped object', { instance: keyOf(instance), kind: ref.kind, name: ref.name });
    }
    const next = structuredClone(instance);
    next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f) => f !== CLUSTER_OBJECTS_FINALIZER);
    return this.opts.cluster.update(next);
  }

  /** Asks the API server, not the cache: releasing an instance on a stale cache would skip its cleanup. */
  private async operatorVersionIsGone(name: string, namespace: string): Promise<boolean> {
    const ref = { apiVersion: KUDO_API_VERSION, kind: 'OperatorVersion', name, namespace };
    return (await this.opts.cluster.get(ref)) === undefined;
  }

  /**
   * A deleted instance whose OperatorVersion is gone (a namespace being deleted removes both) has no
   * cleanup plan left to run. KUDO retried for ever, leaving the namespace Terminating; this lets it go.
   */
  private async releaseWithoutOperatorVersion(instance: Instance, ov: string): Promise<Instance> {
    await this.event(instance, {
      type: 'Warning',
      reason: 'CleanupSkipped',
      message: `OperatorVersion ${ov} no longer exists: the instance is released without running its cleanup plan`,
    });
    let next = instance;
    if ((instance.metadata.finalizers ?? []).includes(INSTANCE_CLEANUP_FINALIZER)) {
      next = structuredClone(instance);
      next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f) => f !== INSTANCE_CLEANUP_FINALIZER);
      next = await this.opts.cluster.update(next);
    }
    return (next.metadata.finalizers ?? []).includes(CLUSTER_OBJECTS_FINALIZER) ? this.removeClusterObjects(next) : next;
  }

  async reconcile(key: string): Promise<void> {
    const slash = key.indexOf('/');
    const [namespace, name] = [key.slice(0, slash), key.slice(slash + 1)];
    const cachedInstance = this.instances.get(name, namespace);
    if (!cachedInstance) {
      this.written.delete(key);
      this.queue.forget(key);
      return;
    }
    const started = performance.now();
    let instance = newer(cachedInstance, this.written.get(key))!;
    const log = this.opts.log.with({ instance: key });
    const ovRef = instance.spec?.operatorVersion;
    const ovNamespace = ovRef?.namespace || namespace;
    const ov = this.ovs.get(ovRef?.name ?? '', ovNamespace);
    if (!ov && instance.metadata.deletionTimestamp && (await this.operatorVersionIsGone(ovRef?.name ?? '', ovNamespace))) {
      this.written.set(key, await this.releaseWithoutOperatorVersion(instance, `${ovNamespace}/${ovRef?.name ?? ''}`));
      return;
    }
    if (!ov) {
      await this.event(instance, {
        type: 'Warning',
        reason: 'InvalidOperatorVersion',
        message: `operatorversions.kudo.dev "${ovRef?.name ?? ''}" not found in namespace ${ovNamespace}`,
      });
      this.opts.metrics.reconciles.inc({ result: 'error' });
      this.queue.addRateLimited(key);
      return;
    }

    const finalizers = instance.metadata.finalizers ?? [];
    if (instance.metadata.deletionTimestamp && finalizers.includes(CLUSTER_OBJECTS_FINALIZER) && !finalizers.includes(INSTANCE_CLEANUP_FINALIZER)) {
      this.written.set(key, await this.removeClusterObjects(instance));
      return;
    }

    const recorded: ObjectRef[] = [];
    const env = {
      cluster: this.opts.cluster,
      scopes: this.scopes,
      cached: (ref: ObjectRef) => this.cached(ref),
      recordClusterObject: async (_i: Instance, ref: ObjectRef) => {
        await this.recordClusterObject(key, ref);
        recorded.push(ref);
      },
      fieldManager: this.opts.fieldManager ?? 'kudo-manager',
      freshReads: (this.waits.get(key) ?? 0) >= 3,
    };
    const out = await reconcileInstance({
      instance,
      ov,
      now: new Date().toISOString(),
      newUid: randomUUID,
      runTask: (ctx) => taskRunner(env, instance, ov, ctx),
      dependencyError: () =>
        checkDependencies(ov, {
          operatorVersion: (n) => this.ovs.get(n, namespace),
          operatorExists: (n) => !!this.operators.get(n, namespace),
        }),
      listWorkloads: () => this.listWorkloads(instance),
    });
    if (recorded.length) {
      // Keep what recordClusterObject wrote meanwhile.
      const latest = this.written.get(key)!;
      out.instance.metadata.resourceVersion = latest.metadata.resourceVersion;
      out.instance.metadata.annotations = {
        ...(out.instance.metadata.annotations ?? {}),
        [CLUSTER_OBJECTS_ANNOTATION]: latest.metadata.annotations![CLUSTER_OBJECTS_ANNOTATION],
      };
      if (!(out.instance.metadata.finalizers ?? []).includes(CLUSTER_OBJECTS_FINALIZER))
        out.instance.metadata.finalizers = [...(out.instance.metadata.finalizers ?? []), CLUSTER_OBJECTS_FINALIZER];
      out.specChanged = true;
    }

    try {
      // Spec first, as KUDO: once a client sees a terminal plan status, planExecution is already
      // cleared and the instance accepts the next change. (A stop between the two writes is
      // recovered by running the plan once more, see reconcileInstance.)
      if (out.specChanged) {
        instance = await this.opts.cluster.update(out.instance);
        out.instance.metadata.resourceVersion = instance.metadata.resourceVersion;
      }
      // Releasing the last finalizer of a deleted instance removes it: no status to write.
      const released = !!out.instance.metadata.deletionTimestamp && !(out.instance.metadata.finalizers ?? []).length;
      if (out.statusChanged && !released) instance = await this.opts.cluster.updateStatus(out.instance);
      if ((out.statusChanged || out.specChanged) && !released) this.written.set(key, { ...instance, apiVersion: KUDO_API_VERSION, kind: 'Instance' });
    } catch (e) {
      if (isConflict(e) || isNotFound(e)) {
        // Someone changed the instance meanwhile: start over from the new version.
        this.written.delete(key);
        this.opts.metrics.reconciles.inc({ result: 'conflict' });
        this.queue.addAfter(key, 50);
        return;
      }
      throw e;
    }

    for (const e of out.events) {
      if (e.reason === 'PlanStarted') this.planStarts.set(key, Date.now());
      if (e.reason === 'PlanFinished') {
        const started = this.planStarts.get(key);
        const plan = /plan (\S+) finished with status (\S+)/.exec(e.message);
        if (started !== undefined && plan) this.opts.metrics.planDuration.observe((Date.now() - started) / 1000, { plan: plan[1], status: plan[2] });
        this.planStarts.delete(key);
      }
      log[e.type === 'Warning' ? 'warn' : 'info'](e.message, { reason: e.reason });
      await this.event(out.instance, e);
    }

    this.opts.metrics.reconciles.inc({ result: out.next });
    log.debug('reconciled', {
      next: out.next,
      plan: scheduledPlan(out.instance),
      statusWritten: out.statusChanged,
      specWritten: out.specChanged,
      ms: Math.round(performance.now() - started),
    });
    if (out.statusChanged) this.waits.delete(key);
    switch (out.next) {
      case 'idle':
        this.queue.forget(key);
        this.waits.delete(key);
        // A plan scheduled by the update we just made (e.g. retry) starts on the watch event.
        break;
      case 'retry':
        this.queue.addRateLimited(key);
        break;
      case 'wait': {
        this.queue.forget(key);
        const n = this.waits.get(key) ?? 0;
        this.waits.set(key, n + 1);
        this.queue.addAfter(key, Math.min(this.opts.maxWaitMs ?? 5000, 100 * 2 ** n));
        break;
      }
    }
    if (scheduledPlan(out.instance) === undefined && out.next === 'idle') this.planStarts.delete(key);
  }
}
