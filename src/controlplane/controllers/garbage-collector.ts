/**
 * The garbage collector: deletes dependents whose owners are gone (background propagation),
 * completes foreground deletion (owner waits for its dependents) and orphaning (owner
 * references removed before the owner goes). Runs in-process on the store's event stream.
 */
import type { KubeObject, OwnerReference } from '../../k8s/object.js';
import type { ApiCore } from '../apiserver/core.js';
import { ApiError } from '../apiserver/errors.js';
import type { ResourceType } from '../apiserver/registry.js';
import type { StoreEvent } from '../storage/store.js';
import { CONTROLLER_MANAGER } from './field-manager.js';

/** The garbage collector's writes are kube-controller-manager's in managedFields (removed fields leave every owner). */
const GC_WRITE = { fieldManager: CONTROLLER_MANAGER };

interface Ref {
  resource: string;
  namespace?: string;
  name: string;
}

export class GarbageCollector {
  /** owner uid → dependents. */
  private readonly dependents = new Map<string, Map<string, Ref>>();
  /** uid → where the object lives. */
  private readonly byUid = new Map<string, Ref>();
  private readonly pending = new Set<string>();
  private scheduled = false;
  private stopWatch?: () => void;
  private stopped = false;

  constructor(private readonly core: ApiCore) {}

  start(): void {
    for (const resource of this.core.store.resources()) for (const o of this.core.store.list(resource)) this.index(resource, o, undefined);
    this.stopWatch = this.core.store.watch(undefined, this.core.store.resourceVersion, (e) => this.onEvent(e));
    // Dependents whose owners vanished while the server was down.
    for (const [uid] of this.dependents) if (!this.byUid.has(uid)) this.schedule(uid);
  }

  stop(): void {
    this.stopped = true;
    this.stopWatch?.();
  }

  private onEvent(e: StoreEvent): void {
    const uid = e.object.metadata.uid!;
    if (e.type === 'DELETED') {
      this.byUid.delete(uid);
      this.unindexRefs(e.object);
      if (this.dependents.has(uid)) this.schedule(uid);
      // An owner in foreground deletion may have been waiting for this dependent.
      for (const ref of e.object.metadata.ownerReferences ?? []) if (this.isForegroundDeleting(ref.uid)) this.schedule(ref.uid);
      return;
    }
    this.index(e.resource, e.object, e.old);
    const f = e.object.metadata.finalizers ?? [];
    if (e.object.metadata.deletionTimestamp && (f.includes('foregroundDeletion') || f.includes('orphan'))) this.schedule(uid);
    // A dependent created for an owner that does not exist is collected too.
    for (const ref of e.object.metadata.ownerReferences ?? []) if (!this.byUid.has(ref.uid)) this.schedule(ref.uid);
    // A foreground owner waits for this dependent; re-check it when the dependent changes.
    for (const ref of e.object.metadata.ownerReferences ?? []) if (this.isForegroundDeleting(ref.uid)) this.schedule(ref.uid);
  }

  private index(resource: string, o: KubeObject, old: KubeObject | undefined): void {
    const ref: Ref = { resource, namespace: o.metadata.namespace, name: o.metadata.name! };
    this.byUid.set(o.metadata.uid!, ref);
    if (old) this.unindexRefs(old);
    for (const owner of o.metadata.ownerReferences ?? []) {
      let deps = this.dependents.get(owner.uid);
      if (!deps) this.dependents.set(owner.uid, (deps = new Map()));
      deps.set(o.metadata.uid!, ref);
    }
  }

  private unindexRefs(o: KubeObject): void {
    for (const owner of o.metadata.ownerReferences ?? []) {
      const deps = this.dependents.get(owner.uid);
      deps?.delete(o.metadata.uid!);
      if (deps && deps.size === 0) this.dependents.delete(owner.uid);
    }
  }

  private isForegroundDeleting(uid: string): boolean {
    const o = this.lookup(this.byUid.get(uid));
    return !!o?.metadata.deletionTimestamp && !!o.metadata.finalizers?.includes('foregroundDeletion');
  }

  private schedule(ownerUid: string): void {
    this.pending.add(ownerUid);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.stopped) return;
      const uids = [...this.pending];
      this.pending.clear();
      for (const uid of uids) this.process(uid);
    });
  }

  private lookup(ref: Ref | undefined): KubeObject | undefined {
    return ref && this.core.store.get(ref.resource, ref.namespace, ref.name);
  }

  private typeOf(resource: string): ResourceType | undefined {
    const [group, plural] = resource.split('/');
    return this.core.registry.all().find((t) => t.group === group && t.resource === plural);
  }

  private process(ownerUid: string): void {
    const ownerRef = this.byUid.get(ownerUid);
    const owner = this.lookup(ownerRef);
    const deps = [...(this.dependents.get(ownerUid)?.values() ?? [])];
    if (!owner) {
      // Background: collect dependents that have no other live owner.
      for (const d of deps) {
        const dep = this.lookup(d);
        if (!dep || dep.metadata.deletionTimestamp) continue;
        const alive = (dep.metadata.ownerReferences ?? []).some((r: OwnerReference) => r.uid !== ownerUid && this.byUid.has(r.uid));
        if (alive) this.removeOwnerRef(d, ownerUid);
        else this.deleteQuietly(d, 'Background');
      }
      return;
    }
    const finalizers = owner.metadata.finalizers ?? [];
    if (!owner.metadata.deletionTimestamp) return;
    if (finalizers.includes('orphan')) {
      for (const d of deps) this.removeOwnerRef(d, ownerUid);
      this.removeFinalizer(ownerRef!, 'orphan');
      return;
    }
    if (finalizers.includes('foregroundDeletion')) {
      for (const d of deps) if (this.lookup(d) && !this.lookup(d)!.metadata.deletionTimestamp) this.deleteQuietly(d, 'Foreground');
      const blocking = deps.filter((d) => (this.lookup(d)?.metadata.ownerReferences ?? []).some((r) => r.uid === ownerUid && r.blockOwnerDeletion));
      if (blocking.length === 0) this.removeFinalizer(ownerRef!, 'foregroundDeletion');
    }
  }

  private deleteQuietly(ref: Ref, policy: 'Background' | 'Foreground'): void {
    const t = this.typeOf(ref.resource);
    if (!t) return;
    try {
      this.core.delete(t, ref.namespace, ref.name, { propagationPolicy: policy });
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
    }
  }

  private removeOwnerRef(ref: Ref, ownerUid: string): void {
    const t = this.typeOf(ref.resource);
    if (!t) return;
    try {
      this.core.mutate(
        t,
        ref.namespace,
        ref.name,
        (cur) => {
          const refs = (cur.metadata.ownerReferences ?? []).filter((r) => r.uid !== ownerUid);
          if (refs.length) cur.metadata.ownerReferences = refs;
          else delete cur.metadata.ownerReferences;
          return cur;
        },
        GC_WRITE,
      );
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
    }
  }

  private removeFinalizer(ref: Ref, finalizer: string): void {
    const t = this.typeOf(ref.resource);
    if (!t) return;
    try {
      this.core.mutate(
        t,
        ref.namespace,
        ref.name,
        (cur) => {
          cur.metadata.finalizers = (cur.metadata.finalizers ?? []).filter((f) => f !== finalizer);
          return cur;
        },
        GC_WRITE,
      );
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
    }
  }
}
