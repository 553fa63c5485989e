/**
 * The namespace controller: gives new namespaces their `default` ServiceAccount and
 * `kube-root-ca.crt` ConfigMap, and empties terminating namespaces before letting them go.
 */
import type { KubeObject } from '../../k8s/object.js';
import type { ApiCore } from '../apiserver/core.js';
import { ApiError } from '../apiserver/errors.js';
import type { StoreEvent } from '../storage/store.js';
import { CONTROLLER_MANAGER } from './field-manager.js';

/** These objects are written by kube-controller-manager on a real cluster (their managedFields say so). */
const MANAGER = { fieldManager: CONTROLLER_MANAGER };

export class NamespaceController {
  private stopWatch?: () => void;
  private readonly terminating = new Set<string>();
  private scheduled = false;
  private stopped = false;

  constructor(
    private readonly core: ApiCore,
    private readonly caPem: string,
  ) {}

  start(): void {
    for (const ns of this.core.store.list('/namespaces')) this.observe(ns, true);
    this.stopWatch = this.core.store.watch(undefined, this.core.store.resourceVersion, (e) => this.onEvent(e));
  }

  stop(): void {
    this.stopped = true;
    this.stopWatch?.();
  }

  private onEvent(e: StoreEvent): void {
    if (e.resource === '/namespaces') {
      if (e.type !== 'DELETED') this.observe(e.object, e.type === 'ADDED');
      return;
    }
    const ns = e.object.metadata.namespace;
    if (e.type === 'DELETED' && ns && this.terminating.has(ns)) this.schedule();
  }

  private observe(ns: KubeObject, added: boolean): void {
    const name = ns.metadata.name!;
    if (ns.metadata.deletionTimestamp) {
      this.terminating.add(name);
      this.schedule();
    } else if (added) {
      setImmediate(() => this.populate(name));
    }
  }

  private populate(namespace: string): void {
    if (this.stopped) return; // scheduled before stop(): the store may already be closed
    const sa = this.core.registry.lookup('', 'v1', 'serviceaccounts')!;
    const cm = this.core.registry.lookup('', 'v1', 'configmaps')!;
    const quietly = (f: () => void) => {
      try {
        f();
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
      }
    };
    if (!this.core.tryGet(sa, namespace, 'default'))
      quietly(() => this.core.create(sa, namespace, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } }, MANAGER));
    if (this.caPem && !this.core.tryGet(cm, namespace, 'kube-root-ca.crt'))
      quietly(() =>
        this.core.create(
          cm,
          namespace,
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: {
              name: 'kube-root-ca.crt',
              annotations: {
                'kubernetes.io/description':
                  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.',
              },
            },
            data: { 'ca.crt': this.caPem },
          },
          MANAGER,
        ),
      );
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.stopped) return;
      for (const ns of [...this.terminating]) this.finish(ns);
    });
  }

  /** Deletes what is left in a terminating namespace; when it is empty, finalizes it. */
  private finish(namespace: string): void {
    const nsType = this.core.registry.lookup('', 'v1', 'namespaces')!;
    const ns = this.core.tryGet(nsType, undefined, namespace);
    if (!ns || !ns.metadata.deletionTimestamp) {
      this.terminating.delete(namespace);
      return;
    }
    let remaining = 0;
    const seen = new Set<string>();
    for (const t of this.core.registry.all()) {
      if (!t.namespaced || seen.has(`${t.group}/${t.resource}`)) continue;
      seen.add(`${t.group}/${t.resource}`);
      for (const o of this.core.store.list(`${t.group}/${t.resource}`, namespace)) {
        remaining++;
        if (o.metadata.deletionTimestamp) continue;
        try {
          this.core.delete(t, namespace, o.metadata.name!, { propagationPolicy: 'Background' });
        } catch (e) {
          if (!(e instanceof ApiError)) throw e;
        }
      }
    }
    const left = [...seen].reduce((n, r) => n + this.core.store.list(r, namespace).length, 0);
    if (left > 0) {
      // Objects held by finalizers: look again when something is deleted, or soon.
      if (remaining > 0) setTimeout(() => this.schedule(), 500).unref();
      return;
    }
    this.terminating.delete(namespace);
    this.core.mutate(nsType, undefined, namespace, (cur) => ({ ...cur, spec: { ...(cur.spec as object), finalizers: [] } }), {}, 'finalize', 'update');
  }
}
