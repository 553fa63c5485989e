/**
 * The replication manager of kube-controller-manager for core/v1 ReplicationControllers: keeps
 * spec.replicas pods of the template and reports replicas and observedGeneration. It runs with
 * every local control plane, like the real controller manager (pods it creates stay Pending
 * unless simulated workloads schedule and run them).
 */
import type { KubeObject } from '../../../k8s/object.js';
import { sameObject } from '../../apiserver/json.js';
import type { ApiCore } from '../../apiserver/core.js';
import type { StoreEvent } from '../../storage/store.js';
import { isPodActive, isPodReady, keyOf, omitEmpty, ownerKeys, podFromTemplate, Sim, type Controller } from './sim.js';

type Any = Record<string, any>;

export const CONTROLLER_MANAGER = 'kube-controller-manager';

export class ReplicationManager implements Controller {
  readonly name = 'replication';
  readonly watches = ['/replicationcontrollers', '/pods'];
  private readonly rcs;
  private readonly pods;

  constructor(private readonly sim: Sim) {
    this.rcs = sim.type('', 'v1', 'replicationcontrollers');
    this.pods = sim.type('', 'v1', 'pods');
  }

  initialKeys(): string[] {
    return this.sim.list(this.rcs).map(keyOf);
  }

  keysFor(e: StoreEvent): string[] {
    return e.resource === '/pods' ? ownerKeys(e, 'ReplicationController') : [keyOf(e.object)];
  }

  sync(key: string): void {
    const rc = this.sim.get(this.rcs, key);
    // A deleting controller is left alone: its generation moves on, observedGeneration does not.
    if (!rc || rc.metadata.deletionTimestamp) return;
    const spec = rc.spec as Any;
    const want: number = spec.replicas ?? 1;
    const pods = this.sim.owned(this.pods, rc).filter(isPodActive);
    for (let i = pods.length; i < want; i++) {
      const pod = this.sim.create(this.pods, rc.metadata.namespace, podFromTemplate(spec.template, rc));
      this.sim.event(rc, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, 'replication-controller');
    }
    // Pods not yet scheduled or not ready go first, then the newest.
    const rank = (p: KubeObject) => ((p.spec as Any).nodeName ? 0 : 2) + (isPodReady(p) ? 0 : 1);
    const victims = [...pods]
      .sort((a, b) => rank(b) - rank(a) || String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)))
      .slice(0, Math.max(0, pods.length - want));
    for (const p of victims) {
      this.sim.remove(this.pods, p);
      this.sim.event(rc, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`, 'replication-controller');
    }
    const current = this.sim.owned(this.pods, rc).filter(isPodActive);
    const ready = current.filter(isPodReady).length;
    const old = (rc.status ?? {}) as Any;
    // status.replicas is always written (no omitempty); conditions are the controller's to keep.
    const status = omitEmpty(
      {
        replicas: current.length,
        fullyLabeledReplicas: current.length,
        readyReplicas: ready,
        availableReplicas: ready,
        observedGeneration: rc.metadata.generation,
        conditions: old.conditions,
      },
      ['replicas'],
    );
    if (sameObject(status, old)) return;
    this.sim.core.mutate(
      this.rcs,
      rc.metadata.namespace,
      rc.metadata.name!,
      (cur) => ({ ...cur, status }),
      { fieldManager: CONTROLLER_MANAGER },
      'status',
      'update',
    );
  }
}

/** Starts the replication manager on its own work queue; returns the stop function. */
export function startReplicationManager(core: ApiCore, log?: (line: string) => void): () => void {
  const sim = new Sim(core, { log });
  sim.add(new ReplicationManager(sim));
  sim.start();
  return () => sim.stop();
}
