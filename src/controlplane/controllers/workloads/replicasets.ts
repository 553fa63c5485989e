/**
 * The ReplicaSet and Deployment controllers: Deployments own one ReplicaSet per pod template
 * (named with its pod-template-hash), roll out by scaling the new one up and the old ones down,
 * and report replicas, conditions and revisions as kube-controller-manager does.
 */
import type { KubeObject } from '../../../k8s/object.js';
import type { StoreEvent } from '../../storage/store.js';
import {
  CONTROLLER_MANAGER,
  condition,
  intOrPercent,
  keyOf,
  omitEmpty,
  ownerKeys,
  ownerRefTo,
  replicaStatus,
  setCondition,
  templateHash,
  type Condition,
  type Controller,
  type Sim,
} from './sim.js';

type Any = Record<string, any>;

export class ReplicaSetController implements Controller {
  readonly name = 'replicaset';
  readonly watches = ['apps/replicasets', '/pods'];
  private readonly rs;
  private readonly pods;

  constructor(private readonly sim: Sim) {
    this.rs = sim.type('apps', 'v1', 'replicasets');
    this.pods = sim.type('', 'v1', 'pods');
  }

  initialKeys(): string[] {
    return this.sim.list(this.rs).map(keyOf);
  }

  keysFor(e: StoreEvent): string[] {
    return e.resource === '/pods' ? ownerKeys(e, 'ReplicaSet') : [keyOf(e.object)];
  }

  sync(key: string): void {
    const rs = this.sim.get(this.rs, key);
    if (!rs || rs.metadata.deletionTimestamp) return;
    const spec = rs.spec as Any;
    const { active, refused } = this.sim.scalePods(this.pods, rs, spec.template, spec.replicas ?? 1, 'replicaset-controller');
    this.sim.setStatus(this.rs, rs, replicaStatus(active, rs, refused), CONTROLLER_MANAGER);
  }
}

export const REVISION = 'deployment.kubernetes.io/revision';

export class DeploymentController implements Controller {
  readonly name = 'deployment';
  readonly watches = ['apps/deployments', 'apps/replicasets'];
  private readonly deadlines = new Set<string>();
  private readonly deployments;
  private readonly rs;

  constructor(private readonly sim: Sim) {
    this.deployments = sim.type('apps', 'v1', 'deployments');
    this.rs = sim.type('apps', 'v1', 'replicasets');
  }

  initialKeys(): string[] {
    return this.sim.list(this.deployments).map(keyOf);
  }

  keysFor(e: StoreEvent): string[] {
    return e.resource === 'apps/replicasets' ? ownerKeys(e, 'Deployment') : [keyOf(e.object)];
  }

  sync(key: string): void {
    let d = this.sim.get(this.deployments, key);
    if (!d || d.metadata.deletionTimestamp) return;
    const spec = d.spec as Any;
    const desired: number = spec.replicas ?? 1;
    const hash = templateHash(spec.template);
    const owned = this.sim.owned(this.rs, d);
    let newRs = owned.find((r) => r.metadata.labels?.['pod-template-hash'] === hash);
    const old = owned.filter((r) => r !== newRs);
    const maxRevision = Math.max(0, ...owned.map((r) => Number(r.metadata.annotations?.[REVISION] ?? 0)));
    const surge = spec.strategy?.type === 'Recreate' ? 0 : intOrPercent(spec.strategy?.rollingUpdate?.maxSurge ?? '25%', desired, true);
    const maxUnavailable = spec.strategy?.type === 'Recreate' ? desired : intOrPercent(spec.strategy?.rollingUpdate?.maxUnavailable ?? '25%', desired, false);
    // The ReplicaSet of the current template carries the highest revision (a rollback renumbers it).
    const revision = String(newRs && Number(newRs.metadata.annotations?.[REVISION] ?? 0) === maxRevision ? maxRevision : maxRevision + 1);
    let progressing: Condition | undefined;

    if (spec.paused) {
      // A paused Deployment is left as it is.
    } else if (!newRs) {
      const recreateWaiting = spec.strategy?.type === 'Recreate' && old.some((r) => ((r.status as Any)?.replicas ?? 0) > 0 || (r.spec as Any).replicas > 0);
      if (recreateWaiting) {
        for (const r of old) this.scale(d, r, 0);
      } else {
        const template = structuredClone(spec.template ?? {});
        template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), 'pod-template-hash': hash } };
        newRs = this.sim.create(this.rs, d.metadata.namespace, {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          metadata: {
            name: `${d.metadata.name}-${hash}`,
            namespace: d.metadata.namespace,
            labels: { ...(spec.template?.metadata?.labels ?? {}), 'pod-template-hash': hash },
            annotations: {
              'deployment.kubernetes.io/desired-replicas': String(desired),
              'deployment.kubernetes.io/max-replicas': String(desired + surge),
              [REVISION]: revision,
            },
            ownerReferences: [ownerRefTo(d)],
          },
          spec: {
            replicas: 0,
            minReadySeconds: spec.minReadySeconds,
            selector: { ...spec.selector, matchLabels: { ...(spec.selector?.matchLabels ?? {}), 'pod-template-hash': hash } },
            template,
          },
        });
        progressing = { type: 'Progressing', status: 'True', reason: 'NewReplicaSetCreated', message: `Created new replica set "${newRs.metadata.name}"` };
        this.scale(d, newRs, old.length ? Math.min(desired, Math.max(0, desired + surge - total(old))) : desired);
      }
    } else {
      // Rolling update, simplified: the new ReplicaSet goes to full size; old ones go to zero once it is available.
      const newAvailable = ((newRs.status as Any)?.availableReplicas ?? 0) as number;
      const oldTotal = total(old);
      const target =
        spec.strategy?.type === 'Recreate'
          ? oldTotal > 0
            ? 0
            : desired
          : Math.min(desired, Math.max(desired + surge - oldTotal, (newRs.spec as Any).replicas));
      if (spec.strategy?.type === 'Recreate') for (const r of old) this.scale(d, r, 0);
      this.scale(d, newRs, Math.max(target, Math.min(desired, (newRs.spec as Any).replicas)));
      if (spec.strategy?.type !== 'Recreate') {
        let allowedDown = Math.max(0, newAvailable + oldAvailable(old) - (desired - maxUnavailable));
        for (const r of old) {
          const cur = (r.spec as Any).replicas ?? 0;
          if (cur === 0) continue;
          const down = newAvailable >= desired ? cur : Math.min(cur, allowedDown);
          if (down > 0) {
            this.scale(d, r, cur - down);
            allowedDown -= down;
          }
        }
      }
      if (
        newRs.metadata.annotations?.[REVISION] !== revision ||
        newRs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'] !== String(desired)
      ) {
        newRs = this.sim.change(this.rs, newRs, (cur) => {
          cur.metadata.annotations = {
            ...cur.metadata.annotations,
            [REVISION]: revision,
            'deployment.kubernetes.io/desired-replicas': String(desired),
            'deployment.kubernetes.io/max-replicas': String(desired + surge),
          };
        });
      }
    }
    if (d.metadata.annotations?.[REVISION] !== revision && newRs) {
      // Written through /status as the controller does, so the generation does not move.
      d = this.sim.core.mutate(
        this.deployments,
        d.metadata.namespace,
        d.metadata.name!,
        (cur) => ({ ...cur, metadata: { ...cur.metadata, annotations: { ...cur.metadata.annotations, [REVISION]: revision } } }),
        {},
        'status',
        'update',
      );
    }
    this.updateStatus(d, newRs, progressing, desired, maxUnavailable);
  }

  private scale(d: KubeObject, rs: KubeObject, replicas: number): void {
    const cur = ((rs.spec as Any).replicas ?? 0) as number;
    if (cur === replicas) return;
    this.sim.change(this.rs, rs, (o) => {
      o.spec.replicas = replicas;
      o.metadata.annotations = { ...o.metadata.annotations, 'deployment.kubernetes.io/desired-replicas': String((d.spec as Any).replicas ?? 1) };
    });
    const verb = replicas > cur ? 'up' : 'down';
    this.sim.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${verb} replica set ${rs.metadata.name} from ${cur} to ${replicas}`, 'deployment-controller');
  }

  private updateStatus(d: KubeObject, newRs: KubeObject | undefined, progressing: Condition | undefined, desired: number, maxUnavailable: number): void {
    const all = this.sim.owned(this.rs, d);
    const st = (r: KubeObject, f: string) => ((r.status as Any)?.[f] ?? 0) as number;
    const replicas = all.reduce((n, r) => n + st(r, 'replicas'), 0);
    const ready = all.reduce((n, r) => n + st(r, 'readyReplicas'), 0);
    const available = all.reduce((n, r) => n + st(r, 'availableReplicas'), 0);
    const fresh = newRs ? all.find((r) => r.metadata.uid === newRs.metadata.uid) : undefined;
    const updated = fresh ? st(fresh, 'replicas') : 0;
    const specTotal = all.reduce((n, r) => n + ((r.spec as Any).replicas ?? 0), 0);
    const oldStatus = (d.status ?? {}) as Any;
    let conditions: Condition[] = oldStatus.conditions ?? [];
    conditions = setCondition(
      conditions,
      available >= desired - maxUnavailable
        ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
        : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
      { updateTime: true },
    );
    const complete = fresh && updated === desired && replicas === desired && available === desired && st(fresh, 'availableReplicas') === desired;
    const name = fresh?.metadata.name ?? newRs?.metadata.name;
    const spec = d.spec as Any;
    const prev = condition(d, 'Progressing');
    if (spec.paused) {
      conditions = setCondition(
        conditions,
        { type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' },
        { updateTime: true },
      );
    } else if (complete) {
      conditions = setCondition(
        conditions,
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${name}" has successfully progressed.` },
        { updateTime: true },
      );
    } else if (progressing) {
      conditions = setCondition(conditions, progressing, { updateTime: true });
    } else if (name && prev?.reason !== 'ProgressDeadlineExceeded') {
      const since = prev?.lastUpdateTime ? Date.parse(prev.lastUpdateTime) : Date.now();
      const deadline = (spec.progressDeadlineSeconds ?? 600) * 1000;
      if (prev && prev.reason !== 'NewReplicaSetAvailable' && Date.now() - since > deadline)
        conditions = setCondition(
          conditions,
          { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${name}" has timed out progressing.` },
          { updateTime: true },
        );
      else if (!prev || prev.reason === 'NewReplicaSetAvailable' || prev.message !== `ReplicaSet "${name}" is progressing.`) {
        conditions = setCondition(
          conditions,
          { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${name}" is progressing.` },
          { updateTime: true },
        );
      }
      // Look again when the deadline passes (one timer per Deployment at a time).
      const key = keyOf(d);
      if (!this.deadlines.has(key)) {
        this.deadlines.add(key);
        this.sim.after(deadline + 10, () => {
          this.deadlines.delete(key);
          this.sim.enqueue(this, key);
        });
      }
    }
    // Keep the order the controller uses: Available first, then Progressing.
    conditions.sort((a, b) => (a.type === 'Available' ? -1 : b.type === 'Available' ? 1 : 0));
    const status = omitEmpty(
      {
        observedGeneration: d.metadata.generation,
        replicas,
        updatedReplicas: updated,
        readyReplicas: ready,
        availableReplicas: available,
        unavailableReplicas: Math.max(0, Math.max(desired, specTotal) - available),
        conditions,
        collisionCount: oldStatus.collisionCount,
      },
      [],
    );
    this.sim.setStatus(this.deployments, d, status);
  }
}

function total(rss: KubeObject[]): number {
  return rss.reduce((n, r) => n + ((r.spec as Any).replicas ?? 0), 0);
}

function oldAvailable(rss: KubeObject[]): number {
  return rss.reduce((n, r) => n + ((r.status as Any)?.availableReplicas ?? 0), 0);
}
