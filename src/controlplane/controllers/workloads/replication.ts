/**
 * The replication manager of kube-controller-manager for core/v1 ReplicationControllers: keeps
 * spec.replicas pods of the template and reports replicas and observedGeneration. It runs with
 * every local control plane (see index.ts).
 */
import { sameObject } from '../../apiserver/json.js';
import type { StoreEvent } from '../../storage/store.js';
import { CONTROLLER_MANAGER, keyOf, ownerKeys, replicaStatus, Sim, type Controller } from './sim.js';

type Any = Record<string, any>;

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
    const { active, refused } = this.sim.scalePods(this.pods, rc, spec.template, spec.replicas ?? 1, 'replication-controller');
    const old = (rc.status ?? {}) as Any;
    const status = replicaStatus(active, rc, refused);
    if (sameObject(status, old)) return;
    this.sim.setStatus(this.rcs, rc, status, CONTROLLER_MANAGER);
  }
}
