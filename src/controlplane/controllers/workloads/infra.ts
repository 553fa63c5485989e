/**
 * The cluster around the workloads: simulated Nodes (Ready), the PersistentVolume binder
 * (each pending claim gets a generated volume and is Bound) and the Endpoints controller
 * (Services list the IPs of their ready pods).
 */
import type { KubeObject } from '../../../k8s/object.js';
import { nowTimestamp } from '../../apiserver/core.js';
import type { StoreEvent } from '../../storage/store.js';
import { isPodActive, isPodReady, keyOf, labelsMatch, type Controller, type Sim } from './sim.js';

type Any = Record<string, any>;

export const KUBELET_VERSION = 'v1.33.1';

/** Creates the simulated nodes and keeps them Ready. */
export function ensureNodes(sim: Sim): void {
  const t = sim.type('', 'v1', 'nodes');
  sim.nodes.forEach((name, i) => {
    let node = sim.core.tryGet(t, undefined, name);
    if (!node) {
      node = sim.create(t, undefined, {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name,
          labels: {
            'beta.kubernetes.io/arch': 'amd64',
            'beta.kubernetes.io/os': 'linux',
            'kubernetes.io/arch': 'amd64',
            'kubernetes.io/hostname': name,
            'kubernetes.io/os': 'linux',
          },
          annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
        },
        spec: { podCIDR: `10.244.${i}.0/24`, podCIDRs: [`10.244.${i}.0/24`] },
      });
    }
    const now = nowTimestamp();
    const cond = (type: string, status: string, reason: string, message: string) => ({
      type,
      status,
      lastHeartbeatTime: now,
      lastTransitionTime: now,
      reason,
      message,
    });
    const capacity = { cpu: '8', 'ephemeral-storage': '102400Mi', 'hugepages-2Mi': '0', memory: '16Gi', pods: '110' };
    sim.setStatus(t, node, {
      capacity,
      allocatable: capacity,
      conditions: [
        cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
      ],
      addresses: [
        { type: 'InternalIP', address: `172.18.0.${i + 2}` },
        { type: 'Hostname', address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        architecture: 'amd64',
        bootID: '00000000-0000-0000-0000-00000000000' + i,
        containerRuntimeVersion: 'containerd://2.1.1',
        kernelVersion: '6.1.0',
        kubeProxyVersion: '',
        kubeletVersion: KUBELET_VERSION,
        machineID: 'kudo-local-' + name,
        operatingSystem: 'linux',
        osImage: 'KUDO local control plane (simulated)',
        systemUUID: '00000000-0000-0000-0000-00000000000' + i,
      },
    });
  });
}

/**
 * Binds every pending PersistentVolumeClaim to a generated PersistentVolume, and plays the
 * pvc-protection controller: a deleted claim keeps its `kubernetes.io/pvc-protection`
 * finalizer until no running pod uses it.
 */
export class VolumeBinder implements Controller {
  readonly name = 'persistentvolume-binder';
  readonly watches = ['/persistentvolumeclaims', '/pods'];
  private readonly pvcs;
  private readonly pvs;

  constructor(private readonly sim: Sim) {
    this.pvcs = sim.type('', 'v1', 'persistentvolumeclaims');
    this.pvs = sim.type('', 'v1', 'persistentvolumes');
  }

  initialKeys(): string[] {
    return this.sim.list(this.pvcs).map(keyOf);
  }

  keysFor(e: StoreEvent): string[] {
    if (e.resource === '/pods') {
      // A pod that goes away (or finishes) may release a claim waiting for deletion.
      if (e.type !== 'DELETED' && isPodActive(e.object)) return [];
      return claimsOf(e.object).map((c) => `${e.object.metadata.namespace}/${c}`);
    }
    if (e.type === 'DELETED') {
      this.release(e.object);
      return [];
    }
    // New claims bind after one step.
    if (e.type === 'ADDED') this.sim.enqueue(this, keyOf(e.object), this.sim.stepMs);
    return e.type === 'ADDED' ? [] : [keyOf(e.object)];
  }

  sync(key: string): void {
    const pvc = this.sim.get(this.pvcs, key);
    if (!pvc) return;
    if (pvc.metadata.deletionTimestamp) return this.unprotect(pvc);
    if ((pvc.status as Any)?.phase === 'Bound') return;
    const spec = pvc.spec as Any;
    const size = spec.resources?.requests?.storage ?? '1Gi';
    const accessModes = spec.accessModes ?? ['ReadWriteOnce'];
    let pvName: string = spec.volumeName;
    const existing = pvName ? this.sim.core.tryGet(this.pvs, undefined, pvName) : undefined;
    if (pvName && !existing) return;
    if (!existing) {
      pvName = `pvc-${pvc.metadata.uid}`;
      const pv = this.sim.create(this.pvs, undefined, {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: {
          name: pvName,
          annotations: { 'pv.kubernetes.io/provisioned-by': 'kudo.dev/simulated-local-path' },
          finalizers: ['kubernetes.io/pv-protection'],
        },
        spec: {
          accessModes,
          capacity: { storage: size },
          claimRef: {
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            name: pvc.metadata.name,
            namespace: pvc.metadata.namespace,
            resourceVersion: pvc.metadata.resourceVersion,
            uid: pvc.metadata.uid,
          },
          hostPath: { path: `/var/local-path-provisioner/${pvName}_${pvc.metadata.namespace}_${pvc.metadata.name}`, type: 'DirectoryOrCreate' },
          persistentVolumeReclaimPolicy: 'Delete',
          ...(spec.storageClassName ? { storageClassName: spec.storageClassName } : {}),
          volumeMode: spec.volumeMode ?? 'Filesystem',
        },
      });
      this.sim.setStatus(this.pvs, pv, { phase: 'Bound', lastPhaseTransitionTime: nowTimestamp() });
      this.sim.event(pvc, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pvName}`, 'persistentvolume-controller');
    } else {
      this.sim.change(
        this.pvs,
        existing,
        (cur) =>
          void (cur.spec.claimRef = {
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            name: pvc.metadata.name,
            namespace: pvc.metadata.namespace,
            uid: pvc.metadata.uid,
          }),
      );
      this.sim.setStatus(this.pvs, existing, { phase: 'Bound', lastPhaseTransitionTime: nowTimestamp() });
    }
    const bound = this.sim.change(this.pvcs, pvc, (cur) => {
      cur.spec.volumeName = pvName;
      cur.metadata.annotations = { ...cur.metadata.annotations, 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' };
    });
    const capacity = existing ? ((existing.spec as Any).capacity ?? { storage: size }) : { storage: size };
    this.sim.setStatus(this.pvcs, bound, { phase: 'Bound', accessModes, capacity });
  }

  private unprotect(pvc: KubeObject): void {
    if (!pvc.metadata.finalizers?.includes(PVC_PROTECTION)) return;
    const pods = this.sim.core.store.list('/pods', pvc.metadata.namespace);
    if (pods.some((p) => isPodActive(p) && claimsOf(p).includes(pvc.metadata.name!))) return;
    this.sim.change(this.pvcs, pvc, (cur) => void (cur.metadata.finalizers = (cur.metadata.finalizers ?? []).filter((f: string) => f !== PVC_PROTECTION)));
  }

  /** A deleted claim releases its volume; generated volumes (reclaim policy Delete) go away. */
  private release(pvc: KubeObject): void {
    const name = (pvc.spec as Any)?.volumeName as string | undefined;
    if (!name) return;
    this.sim.after(0, () => {
      const pv = this.sim.core.tryGet(this.pvs, undefined, name);
      if (!pv) return;
      if ((pv.spec as Any).persistentVolumeReclaimPolicy === 'Delete') {
        this.sim.change(
          this.pvs,
          pv,
          (cur) => void (cur.metadata.finalizers = (cur.metadata.finalizers ?? []).filter((f: string) => f !== 'kubernetes.io/pv-protection')),
        );
        this.sim.remove(this.pvs, pv);
      } else this.sim.setStatus(this.pvs, pv, { phase: 'Released', lastPhaseTransitionTime: nowTimestamp() });
    });
  }
}

const PVC_PROTECTION = 'kubernetes.io/pvc-protection';

function claimsOf(pod: KubeObject): string[] {
  return (((pod.spec as Any)?.volumes ?? []) as Any[]).map((v) => v.persistentVolumeClaim?.claimName as string | undefined).filter((c): c is string => !!c);
}

/** Keeps an Endpoints object per Service with a selector, listing its ready and not-ready pods. */
export class EndpointsController implements Controller {
  readonly name = 'endpoint';
  readonly watches = ['/services', '/pods'];
  private readonly services;
  private readonly endpoints;
  private readonly pods;

  constructor(private readonly sim: Sim) {
    this.services = sim.type('', 'v1', 'services');
    this.endpoints = sim.type('', 'v1', 'endpoints');
    this.pods = sim.type('', 'v1', 'pods');
  }

  initialKeys(): string[] {
    return this.sim.list(this.services).map(keyOf);
  }

  keysFor(e: StoreEvent): string[] {
    if (e.resource === '/services') {
      if (e.type === 'DELETED') {
        const ep = this.sim.get(this.endpoints, keyOf(e.object));
        if (ep && ep.metadata.labels?.['endpoints.kubernetes.io/managed-by'] === 'endpoint-controller')
          this.sim.after(0, () => this.sim.remove(this.endpoints, ep));
        return [];
      }
      return [keyOf(e.object)];
    }
    const ns = e.object.metadata.namespace;
    return this.sim
      .list(this.services, ns)
      .filter((s) => {
        const sel = (s.spec as Any)?.selector;
        return sel && [e.object, e.old].some((p) => p && labelsMatch({ matchLabels: sel }, p.metadata.labels));
      })
      .map(keyOf);
  }

  sync(key: string): void {
    const svc = this.sim.get(this.services, key);
    if (!svc || svc.metadata.deletionTimestamp) return;
    const spec = svc.spec as Any;
    if (!spec.selector || spec.type === 'ExternalName') return;
    const pods = this.sim
      .list(this.pods, svc.metadata.namespace)
      .filter((p) => labelsMatch({ matchLabels: spec.selector }, p.metadata.labels) && (p.status as Any)?.podIP && !p.metadata.deletionTimestamp);
    const address = (p: KubeObject) => ({
      ip: (p.status as Any).podIP,
      nodeName: (p.spec as Any).nodeName,
      targetRef: { kind: 'Pod', name: p.metadata.name, namespace: p.metadata.namespace, uid: p.metadata.uid },
    });
    const ready = pods.filter(isPodReady).map(address);
    const notReady = pods.filter((p) => !isPodReady(p) && ((p.status as Any).phase === 'Running' || (p.status as Any).phase === 'Pending')).map(address);
    const ports = ((spec.ports ?? []) as Any[]).map((p) => ({
      ...(p.name ? { name: p.name } : {}),
      port: resolvePort(p.targetPort ?? p.port, pods[0]),
      protocol: p.protocol ?? 'TCP',
    }));
    const subsets =
      ready.length || notReady.length
        ? [{ ...(ready.length ? { addresses: ready } : {}), ...(notReady.length ? { notReadyAddresses: notReady } : {}), ports }]
        : undefined;
    const existing = this.sim.get(this.endpoints, key);
    const labels = { ...(svc.metadata.labels ?? {}), 'endpoints.kubernetes.io/managed-by': 'endpoint-controller' };
    if (!existing) {
      this.sim.create(this.endpoints, svc.metadata.namespace, {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: {
          name: svc.metadata.name,
          namespace: svc.metadata.namespace,
          labels,
          annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': nowTimestamp() },
        },
        ...(subsets ? { subsets } : {}),
      });
      return;
    }
    if (JSON.stringify(existing.subsets ?? null) === JSON.stringify(subsets ?? null)) return;
    this.sim.change(this.endpoints, existing, (cur) => {
      if (subsets) cur.subsets = subsets;
      else delete cur.subsets;
      cur.metadata.labels = labels;
      cur.metadata.annotations = { ...cur.metadata.annotations, 'endpoints.kubernetes.io/last-change-trigger-time': nowTimestamp() };
    });
  }
}

/** A named targetPort resolves to the container port of that name. */
function resolvePort(target: unknown, pod: KubeObject | undefined): number {
  if (typeof target === 'number') return target;
  for (const c of ((pod?.spec as Any)?.containers ?? []) as Any[]) for (const p of (c.ports ?? []) as Any[]) if (p.name === target) return p.containerPort;
  return Number(target) || 0;
}
