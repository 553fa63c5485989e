/**
 * The EndpointSlice mirroring controller of kube-controller-manager: Endpoints that someone
 * wrote for a Service without a selector are mirrored into EndpointSlices (one set per address
 * type and subset ports, at most 1000 endpoints per slice), so that EndpointSlice readers see
 * them too. The slices are owned by the Endpoints object and carry its labels and annotations.
 * Endpoints of Services with a selector belong to the Endpoints controller and are not mirrored,
 * nor are Endpoints labelled `endpointslice.kubernetes.io/skip-mirror: "true"` or leader
 * election locks.
 */
import type { KubeObject } from '../../../k8s/object.js';
import type { StoreEvent } from '../../storage/store.js';
import { LABEL_MANAGED_BY, LABEL_SERVICE_NAME } from './endpointslices.js';
import { canonical, keyOf, ownerRefTo, type Controller, type Sim } from './sim.js';

type Any = Record<string, any>;

export const MIRRORING_CONTROLLER = 'endpointslicemirroring-controller.k8s.io';
const SKIP_MIRROR = 'endpointslice.kubernetes.io/skip-mirror';
const LEADER = 'control-plane.alpha.kubernetes.io/leader';
/** Annotations of the Endpoints that are not copied to the slices. */
const NOT_COPIED = ['endpoints.kubernetes.io/last-change-trigger-time', 'kubectl.kubernetes.io/last-applied-configuration'];
export const MAX_MIRRORED_PER_SLICE = 1000;

const SLICES = 'discovery.k8s.io/endpointslices';

interface Wanted {
  addressType: string;
  ports: Any[];
  endpoints: Any[];
}

export class EndpointSliceMirroringController implements Controller {
  readonly name = 'endpointslicemirroring';
  readonly watches = ['/endpoints', '/services', SLICES];
  private readonly services;
  private readonly endpoints;
  private readonly slices;
  private writing = false;

  constructor(private readonly sim: Sim) {
    this.services = sim.type('', 'v1', 'services');
    this.endpoints = sim.type('', 'v1', 'endpoints');
    this.slices = sim.type('discovery.k8s.io', 'v1', 'endpointslices');
  }

  initialKeys(): string[] {
    return this.sim.core.store.list('/endpoints').map(keyOf);
  }

  keysFor(e: StoreEvent): string[] {
    if (e.resource === SLICES) {
      const o = e.object;
      if (this.writing || o.metadata.labels?.[LABEL_MANAGED_BY] !== MIRRORING_CONTROLLER) return [];
      const service = o.metadata.labels?.[LABEL_SERVICE_NAME];
      return service ? [`${o.metadata.namespace}/${service}`] : [];
    }
    // A Service's selector decides whether its Endpoints are mirrored.
    if (e.resource === '/services') return e.type === 'MODIFIED' && e.old && canonical(e.old.spec) === canonical(e.object.spec) ? [] : [keyOf(e.object)];
    // The Endpoints controller's writes for Services with a selector (most Endpoints writes) need no look.
    const svc = this.sim.core.store.get('/services', e.object.metadata.namespace, e.object.metadata.name!);
    return svc && hasSelector(svc) ? [] : [keyOf(e.object)];
  }

  sync(key: string): void {
    const [namespace, name] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
    const mine = this.sim
      .list(this.slices, namespace)
      .filter((s) => s.metadata.labels?.[LABEL_SERVICE_NAME] === name && s.metadata.labels?.[LABEL_MANAGED_BY] === MIRRORING_CONTROLLER)
      .sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
    const svc = this.sim.get(this.services, key);
    const ep = this.sim.get(this.endpoints, key);
    this.writing = true;
    try {
      // A deleted Service or Endpoints takes its slices along (garbage collection, owner references).
      if (!svc || (svc.spec as Any)?.type === 'ExternalName') return;
      const mirror = ep && !ep.metadata.deletionTimestamp && shouldMirror(ep) && !hasSelector(svc);
      if (!mirror) {
        for (const s of mine) this.sim.remove(this.slices, s);
        return;
      }
      this.reconcile(ep, mirroredSlices(ep), mine);
    } finally {
      this.writing = false;
    }
  }

  private reconcile(ep: KubeObject, wanted: Wanted[], existing: KubeObject[]): void {
    const labels = { ...(ep.metadata.labels ?? {}), [LABEL_SERVICE_NAME]: ep.metadata.name!, [LABEL_MANAGED_BY]: MIRRORING_CONTROLLER };
    const annotations = Object.fromEntries(Object.entries(ep.metadata.annotations ?? {}).filter(([k]) => !NOT_COPIED.includes(k)));
    let spare = existing.filter((s) => s.metadata.ownerReferences?.find((r) => r.controller)?.uid === ep.metadata.uid);
    for (const s of existing) if (!spare.includes(s)) this.sim.remove(this.slices, s);
    for (const w of wanted) {
      // Slices of the same address type and ports are reused first, then any of the address type.
      const match =
        spare.find((s) => s.addressType === w.addressType && canonical(s.ports ?? []) === canonical(w.ports)) ??
        spare.find((s) => s.addressType === w.addressType);
      spare = spare.filter((s) => s !== match);
      const ports = w.ports.length ? w.ports : null;
      if (!match) {
        this.sim.create(this.slices, ep.metadata.namespace, {
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: {
            generateName: `${ep.metadata.name}-`,
            namespace: ep.metadata.namespace,
            labels,
            ...(Object.keys(annotations).length ? { annotations } : {}),
            ownerReferences: [ownerRefTo(ep)],
          },
          addressType: w.addressType,
          endpoints: w.endpoints,
          ports,
        });
        continue;
      }
      const same =
        canonical(match.endpoints ?? null) === canonical(w.endpoints) &&
        canonical(match.ports ?? null) === canonical(ports) &&
        canonical(match.metadata.labels ?? {}) === canonical(labels) &&
        canonical(match.metadata.annotations ?? {}) === canonical(annotations);
      if (same) continue;
      this.sim.change(this.slices, match, (cur) => {
        cur.metadata.labels = labels;
        if (Object.keys(annotations).length) cur.metadata.annotations = annotations;
        else delete cur.metadata.annotations;
        cur.endpoints = w.endpoints;
        cur.ports = ports;
      });
    }
    for (const s of spare) this.sim.remove(this.slices, s);
  }
}

function shouldMirror(ep: KubeObject): boolean {
  return ep.metadata.labels?.[SKIP_MIRROR] !== 'true' && ep.metadata.annotations?.[LEADER] === undefined;
}

function hasSelector(svc: KubeObject): boolean {
  const selector = (svc.spec as Any)?.selector;
  return !!selector && Object.keys(selector).length > 0;
}

/** The slices an Endpoints object mirrors to: per subset and address type, ready then not-ready addresses. */
export function mirroredSlices(ep: KubeObject): Wanted[] {
  const groups = new Map<string, Wanted>();
  for (const subset of (ep.subsets ?? []) as Any[]) {
    const ports = ((subset.ports ?? []) as Any[]).map((p) => {
      const out: Any = { name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' };
      if (p.appProtocol !== undefined) out.appProtocol = p.appProtocol;
      return out;
    });
    const add = (address: Any, ready: boolean) => {
      const addressType = String(address.ip).includes(':') ? 'IPv6' : 'IPv4';
      const key = `${addressType}|${canonical(ports)}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { addressType, ports, endpoints: [] }));
      const endpoint: Any = { addresses: [address.ip], conditions: { ready } };
      if (address.hostname) endpoint.hostname = address.hostname;
      if (address.targetRef) endpoint.targetRef = address.targetRef;
      if (address.nodeName) endpoint.nodeName = address.nodeName;
      g.endpoints.push(endpoint);
    };
    for (const a of (subset.addresses ?? []) as Any[]) add(a, true);
    for (const a of (subset.notReadyAddresses ?? []) as Any[]) add(a, false);
  }
  const out: Wanted[] = [];
  for (const g of groups.values())
    for (let i = 0; i < g.endpoints.length; i += MAX_MIRRORED_PER_SLICE) out.push({ ...g, endpoints: g.endpoints.slice(i, i + MAX_MIRRORED_PER_SLICE) });
  return out;
}
