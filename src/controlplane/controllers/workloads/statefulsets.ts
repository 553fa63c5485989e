/**
 * The StatefulSet and DaemonSet controllers. StatefulSets create `<name>-0..n-1` in order
 * (OrderedReady waits for each to be Running and Ready; Parallel does not), their PVCs from
 * volumeClaimTemplates, ControllerRevisions, and roll out template changes from the highest
 * ordinal down. DaemonSets run one pod on every simulated node.
 */
import type { KubeObject } from '../../../k8s/object.js';
import type { StoreEvent } from '../../storage/store.js';
import {
  condition,
  isPodActive,
  isPodReady,
  keyOf,
  omitEmpty,
  ownerKeys,
  ownerRefTo,
  podFromTemplate,
  templateHash,
  type Controller,
  type Sim,
} from './sim.js';

type Any = Record<string, any>;

/** Creates or finds the ControllerRevision `<owner>-<hash>` holding `template`; returns its hash and revision. */
function ensureRevision(sim: Sim, owner: KubeObject, template: Any): { name: string; hash: string } {
  const t = sim.type('apps', 'v1', 'controllerrevisions');
  const hash = templateHash(template);
  const name = `${owner.metadata.name}-${hash}`;
  const owned = sim.owned(t, owner);
  if (!owned.some((r) => r.metadata.name === name)) {
    const revision = Math.max(0, ...owned.map((r) => (r.revision as number) ?? 0)) + 1;
    sim.create(t, owner.metadata.namespace, {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name,
        namespace: owner.metadata.namespace,
        labels: { ...((owner.spec as Any).selector?.matchLabels ?? {}), 'controller.kubernetes.io/hash': hash },
        ownerReferences: [ownerRefTo(owner)],
      },
      data: { spec: { template: { ...template, $patch: 'replace' } } },
      revision,
    });
  }
  return { name, hash };
}

export class StatefulSetController implements Controller {
  readonly name = 'statefulset';
  readonly watches = ['apps/statefulsets', '/pods'];
  private readonly sts;
  private readonly pods;
  private readonly pvcs;

  constructor(private readonly sim: Sim) {
    this.sts = sim.type('apps', 'v1', 'statefulsets');
    this.pods = sim.type('', 'v1', 'pods');
    this.pvcs = sim.type('', 'v1', 'persistentvolumeclaims');
  }

  initialKeys(): string[] {
    return this.sim.list(this.sts).map(keyOf);
  }

  keysFor(e: StoreEvent): string[] {
    return e.resource === '/pods' ? ownerKeys(e, 'StatefulSet') : [keyOf(e.object)];
  }

  sync(key: string): void {
    const set = this.sim.get(this.sts, key);
    if (!set || set.metadata.deletionTimestamp) return;
    const spec = set.spec as Any;
    const name = set.metadata.name!;
    const replicas: number = spec.replicas ?? 1;
    const parallel = spec.podManagementPolicy === 'Parallel';
    const start: number = spec.ordinals?.start ?? 0;
    const update = ensureRevision(this.sim, set, spec.template ?? {});
    const oldStatus = (set.status ?? {}) as Any;
    const currentRevision: string = oldStatus.currentRevision ?? update.name;
    const pods = new Map<number, KubeObject>();
    for (const p of this.sim.owned(this.pods, set)) {
      const m = new RegExp(`^${escape(name)}-(\\d+)$`).exec(p.metadata.name!);
      if (m) pods.set(Number(m[1]), p);
    }
    const healthy = (p: KubeObject | undefined) => !!p && isPodReady(p) && (p.status as Any)?.phase === 'Running';
    let blocked = false;
    // Create missing pods in ordinal order; finished pods are replaced.
    for (let i = start; i < start + replicas && !blocked; i++) {
      const pod = pods.get(i);
      if (pod && !isPodActive(pod)) {
        if (!pod.metadata.deletionTimestamp) {
          this.sim.remove(this.pods, pod);
          this.sim.event(set, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${name} successful`, 'statefulset-controller');
        }
        pods.delete(i);
        blocked = !parallel;
        continue;
      }
      if (!pod) {
        const created = this.createPod(
          set,
          i,
          update,
          i < start + replicas - ((spec.updateStrategy?.rollingUpdate?.partition as number) ?? 0) ? update.name : currentRevision,
        );
        pods.set(i, created);
        if (!parallel) blocked = true;
        continue;
      }
      if (!parallel && !healthy(pod)) blocked = true;
    }
    // Scale down from the highest ordinal, one at a time unless Parallel.
    const extra = [...pods.keys()].filter((i) => i < start || i >= start + replicas).sort((a, b) => b - a);
    if (extra.length && (parallel || ![...pods.entries()].some(([i, p]) => i >= start && i < start + replicas && !healthy(p)))) {
      for (const i of parallel ? extra : extra.slice(0, 1)) {
        const p = pods.get(i)!;
        if (p.metadata.deletionTimestamp) continue;
        this.sim.remove(this.pods, p);
        pods.delete(i);
        this.sim.event(set, 'Normal', 'SuccessfulDelete', `delete Pod ${p.metadata.name} in StatefulSet ${name} successful`, 'statefulset-controller');
      }
    }
    // Rolling update: replace the highest-ordinal pod of an older revision once all are healthy.
    const partition: number = spec.updateStrategy?.type === 'OnDelete' ? Infinity : (spec.updateStrategy?.rollingUpdate?.partition ?? 0);
    const inRange = [...pods.entries()].filter(([i]) => i >= start && i < start + replicas);
    if (!blocked && inRange.length === replicas && inRange.every(([, p]) => healthy(p))) {
      const stale = inRange
        .filter(([i, p]) => i - start >= partition && p.metadata.labels?.['controller-revision-hash'] !== update.name)
        .sort((a, b) => b[0] - a[0]);
      if (stale.length) {
        const [, p] = stale[0];
        this.sim.remove(this.pods, p);
        pods.delete(stale[0][0]);
        this.sim.event(set, 'Normal', 'SuccessfulDelete', `delete Pod ${p.metadata.name} in StatefulSet ${name} successful`, 'statefulset-controller');
      }
    }
    const live = this.sim.owned(this.pods, set).filter((p) => !p.metadata.deletionTimestamp);
    const ready = live.filter(isPodReady).length;
    const updated = live.filter((p) => p.metadata.labels?.['controller-revision-hash'] === update.name).length;
    const current = live.filter((p) => p.metadata.labels?.['controller-revision-hash'] === currentRevision).length;
    const done = updated === replicas && ready === replicas && live.length === replicas;
    const status = omitEmpty(
      {
        observedGeneration: set.metadata.generation,
        replicas: live.length,
        readyReplicas: ready,
        currentReplicas: done ? updated : current,
        updatedReplicas: updated,
        currentRevision: done ? update.name : currentRevision,
        updateRevision: update.name,
        collisionCount: 0,
        availableReplicas: ready,
      },
      ['replicas', 'collisionCount', 'availableReplicas'],
    );
    this.sim.setStatus(this.sts, set, status);
  }

  private createPod(set: KubeObject, ordinal: number, update: { name: string }, revision: string): KubeObject {
    const spec = set.spec as Any;
    const name = `${set.metadata.name}-${ordinal}`;
    const ns = set.metadata.namespace;
    const template = structuredClone(spec.template ?? {});
    const volumes: Any[] = template.spec?.volumes ?? [];
    for (const claim of (spec.volumeClaimTemplates ?? []) as Any[]) {
      const claimName = `${claim.metadata?.name}-${name}`;
      if (!this.sim.core.tryGet(this.pvcs, ns, claimName)) {
        this.sim.create(this.pvcs, ns, {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: {
            name: claimName,
            namespace: ns,
            labels: { ...(claim.metadata?.labels ?? {}), ...(spec.selector?.matchLabels ?? {}) },
            ...(claim.metadata?.annotations ? { annotations: claim.metadata.annotations } : {}),
          },
          spec: structuredClone(claim.spec ?? {}),
        });
        this.sim.event(
          set,
          'Normal',
          'SuccessfulCreate',
          `create Claim ${claimName} Pod ${name} in StatefulSet ${set.metadata.name} success`,
          'statefulset-controller',
        );
      }
      const existing = volumes.findIndex((v) => v.name === claim.metadata?.name);
      const volume = { name: claim.metadata?.name, persistentVolumeClaim: { claimName } };
      if (existing >= 0) volumes[existing] = volume;
      else volumes.push(volume);
    }
    if (volumes.length) template.spec = { ...template.spec, volumes };
    template.spec = { ...template.spec, hostname: name, ...(spec.serviceName ? { subdomain: spec.serviceName } : {}) };
    const pod = podFromTemplate(template, set, {
      name,
      labels: {
        'controller-revision-hash': revision === update.name ? update.name : revision,
        'statefulset.kubernetes.io/pod-name': name,
        'apps.kubernetes.io/pod-index': String(ordinal),
      },
    });
    pod.metadata.generateName = `${set.metadata.name}-`;
    const created = this.sim.create(this.pods, ns, pod);
    this.sim.event(set, 'Normal', 'SuccessfulCreate', `create Pod ${name} in StatefulSet ${set.metadata.name} successful`, 'statefulset-controller');
    return created;
  }
}

export class DaemonSetController implements Controller {
  readonly name = 'daemonset';
  readonly watches = ['apps/daemonsets', '/pods', '/nodes'];
  private readonly ds;
  private readonly pods;
  private readonly nodes;

  constructor(private readonly sim: Sim) {
    this.ds = sim.type('apps', 'v1', 'daemonsets');
    this.pods = sim.type('', 'v1', 'pods');
    this.nodes = sim.type('', 'v1', 'nodes');
  }

  initialKeys(): string[] {
    return this.sim.list(this.ds).map(keyOf);
  }

  keysFor(e: StoreEvent): string[] {
    if (e.resource === '/nodes') return this.sim.list(this.ds).map(keyOf);
    return e.resource === '/pods' ? ownerKeys(e, 'DaemonSet') : [keyOf(e.object)];
  }

  sync(key: string): void {
    const ds = this.sim.get(this.ds, key);
    if (!ds || ds.metadata.deletionTimestamp) return;
    const spec = ds.spec as Any;
    const revision = ensureRevision(this.sim, ds, spec.template ?? {});
    const selector = (spec.template?.spec?.nodeSelector ?? {}) as Record<string, string>;
    const nodes = this.sim
      .list(this.nodes)
      .filter((n) => condition(n, 'Ready')?.status === 'True' && Object.entries(selector).every(([k, v]) => n.metadata.labels?.[k] === v))
      .map((n) => n.metadata.name!);
    const pods = this.sim.owned(this.pods, ds).filter((p) => !p.metadata.deletionTimestamp);
    for (const node of nodes) {
      const onNode = pods.filter((p) => podNode(p) === node);
      const stale = onNode.filter((p) => p.metadata.labels?.['controller-revision-hash'] !== revision.hash || !isPodActive(p));
      if (stale.length && spec.updateStrategy?.type !== 'OnDelete') {
        for (const p of stale) {
          this.sim.remove(this.pods, p);
          this.sim.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`, 'daemonset-controller');
        }
        continue;
      }
      if (onNode.length) continue;
      const template = structuredClone(spec.template ?? {});
      template.spec = {
        ...template.spec,
        affinity: {
          ...template.spec?.affinity,
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }],
            },
          },
        },
      };
      const pod = this.sim.create(
        this.pods,
        ds.metadata.namespace,
        podFromTemplate(template, ds, {
          labels: { 'controller-revision-hash': revision.hash, 'pod-template-generation': String(ds.metadata.generation ?? 1) },
        }),
      );
      this.sim.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, 'daemonset-controller');
    }
    for (const p of pods) {
      const node = podNode(p);
      if (node && !nodes.includes(node)) this.sim.remove(this.pods, p);
    }
    const live = this.sim.owned(this.pods, ds).filter((p) => !p.metadata.deletionTimestamp && isPodActive(p));
    const ready = live.filter(isPodReady).length;
    const status = omitEmpty(
      {
        currentNumberScheduled: live.length,
        desiredNumberScheduled: nodes.length,
        numberAvailable: ready,
        numberMisscheduled: 0,
        numberReady: ready,
        numberUnavailable: Math.max(0, nodes.length - ready),
        observedGeneration: ds.metadata.generation,
        updatedNumberScheduled: live.filter((p) => p.metadata.labels?.['controller-revision-hash'] === revision.hash).length,
      },
      ['currentNumberScheduled', 'desiredNumberScheduled', 'numberMisscheduled', 'numberReady'],
    );
    this.sim.setStatus(this.ds, ds, status);
  }
}

/** The node a daemon pod is bound or pinned to. */
function podNode(p: KubeObject): string | undefined {
  const spec = p.spec as Any;
  return spec.nodeName ?? spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields?.[0]?.values?.[0];
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
