/**
 * The EndpointSlice controller of kube-controller-manager: every Service with a selector (and
 * not of type ExternalName) gets discovery.k8s.io/v1 EndpointSlices listing its pods, at most
 * 100 endpoints per slice, one set of slices per address family and per set of resolved ports.
 * A Service without matching pods keeps one empty placeholder slice. The slices are owned by
 * the Service, so the garbage collector removes them with it.
 *
 * It wakes on every pod change, so it stays cheap: pod updates that change nothing a slice
 * shows are dropped before any Service is looked at, and its own writes do not wake it.
 */
import type { KubeObject } from '../../../k8s/object.js';
import { nowTimestamp } from '../../apiserver/core.js';
import type { StoreEvent } from '../../storage/store.js';
import { canonical, condition, keyOf, labelsMatch, ownerRefTo, type Controller, type Sim } from './sim.js';

type Any = Record<string, any>;

export const ENDPOINTSLICE_CONTROLLER = 'endpointslice-controller.k8s.io';
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
export const LABEL_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
const LABEL_HEADLESS = 'service.kubernetes.io/headless';
const RESERVED_LABELS = [LABEL_SERVICE_NAME, LABEL_MANAGED_BY, LABEL_HEADLESS];
export const TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';
export const MAX_ENDPOINTS_PER_SLICE = 100;

const SLICES = 'discovery.k8s.io/endpointslices';

interface EndpointPort {
  name: string;
  protocol: string;
  port: number;
  appProtocol?: string;
}

/** The slices one address type and one set of ports need. */
interface Group {
  addressType: string;
  ports: EndpointPort[];
  endpoints: Any[];
}

export class EndpointSliceController implements Controller {
  readonly name = 'endpointslice';
  readonly watches = ['/services', '/pods', SLICES];
  private readonly services;
  private readonly slices;
  /** True while this controller writes, so that its own slice events do not wake it again. */
  private writing = false;

  constructor(private readonly sim: Sim) {
    this.services = sim.type('', 'v1', 'services');
    this.slices = sim.type('discovery.k8s.io', 'v1', 'endpointslices');
  }

  initialKeys(): string[] {
    return this.sim.core.store.list('/services').map(keyOf);
  }

  keysFor(e: StoreEvent): string[] {
    if (e.resource === '/services') {
      // Deleted Services lose their slices through the garbage collector (owner references).
      if (e.type === 'DELETED') return [];
      if (e.type === 'MODIFIED' && e.old && !serviceChanged(e.old, e.object)) return [];
      return [keyOf(e.object)];
    }
    if (e.resource === SLICES) {
      if (this.writing) return [];
      // Someone else changed or deleted a slice of ours: put it back.
      const o = e.object;
      if (o.metadata.labels?.[LABEL_MANAGED_BY] !== ENDPOINTSLICE_CONTROLLER) return [];
      const service = o.metadata.labels?.[LABEL_SERVICE_NAME];
      return service ? [`${o.metadata.namespace}/${service}`] : [];
    }
    if (e.type === 'MODIFIED' && e.old && podShape(e.old) === podShape(e.object)) return [];
    const keys: string[] = [];
    for (const svc of this.sim.core.store.list('/services', e.object.metadata.namespace)) {
      const selector = selectorOf(svc);
      if (!selector) continue;
      if ([e.object, e.old].some((p) => p && labelsMatch({ matchLabels: selector }, p.metadata.labels))) keys.push(keyOf(svc));
    }
    return keys;
  }

  sync(key: string): void {
    const svc = this.sim.get(this.services, key);
    if (!svc || svc.metadata.deletionTimestamp) return;
    const namespace = svc.metadata.namespace!;
    const mine = this.sim
      .list(this.slices, namespace)
      .filter((s) => s.metadata.labels?.[LABEL_SERVICE_NAME] === svc.metadata.name && s.metadata.labels?.[LABEL_MANAGED_BY] === ENDPOINTSLICE_CONTROLLER)
      .sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
    const selector = selectorOf(svc);
    this.writing = true;
    try {
      // Without a selector the Service's endpoints are someone else's business.
      if (!selector || (svc.spec as Any)?.type === 'ExternalName') {
        for (const s of mine) this.sim.remove(this.slices, s);
        return;
      }
      const pods = this.sim.core.store.list('/pods', namespace).filter((p) => labelsMatch({ matchLabels: selector }, p.metadata.labels) && inEndpoints(p));
      this.reconcile(svc, desiredGroups(svc, pods), mine);
    } finally {
      this.writing = false;
    }
  }

  /**
   * Brings the existing slices to the desired groups with little churn: endpoints stay in the
   * slice they are in, new ones fill slices with room, then new slices; slices left over are
   * reused for new ones before any is deleted.
   */
  private reconcile(svc: KubeObject, groups: Group[], existing: KubeObject[]): void {
    const labels = sliceLabels(svc);
    const stale = existing.filter((s) => s.metadata.ownerReferences?.find((r) => r.controller)?.uid !== svc.metadata.uid);
    let spare = existing.filter((s) => !stale.includes(s));
    for (const s of stale) this.sim.remove(this.slices, s);
    const wanted: { slice?: KubeObject; addressType: string; ports: EndpointPort[]; endpoints: Any[] }[] = [];

    for (const g of groups) {
      const portsKey = canonical(g.ports);
      const byPod = new Map(g.endpoints.map((ep) => [ep.targetRef.uid as string, ep]));
      const inGroup = spare.filter((s) => s.addressType === g.addressType && canonical(s.ports ?? []) === portsKey);
      spare = spare.filter((s) => !inGroup.includes(s));
      const kept: { slice?: KubeObject; endpoints: Any[] }[] = [];
      for (const s of inGroup) {
        const endpoints: Any[] = [];
        for (const ep of (s.endpoints as Any[] | null) ?? []) {
          const next = byPod.get(ep.targetRef?.uid);
          if (next) {
            endpoints.push(next);
            byPod.delete(ep.targetRef.uid);
          }
        }
        if (endpoints.length) kept.push({ slice: s, endpoints });
        else spare.push(s);
      }
      const rest = [...byPod.values()];
      for (const k of kept) while (k.endpoints.length < MAX_ENDPOINTS_PER_SLICE && rest.length) k.endpoints.push(rest.shift()!);
      while (rest.length) kept.push({ endpoints: rest.splice(0, MAX_ENDPOINTS_PER_SLICE) });
      for (const k of kept) wanted.push({ ...k, addressType: g.addressType, ports: g.ports });
    }
    // No endpoints at all: one empty placeholder slice stands for the Service.
    if (!wanted.length) {
      const addressType = primaryAddressType(svc);
      const placeholder = spare.find(
        (s) => s.addressType === addressType && !(s.endpoints as unknown[] | null)?.length && !(s.ports as unknown[] | null)?.length,
      );
      wanted.push({ slice: placeholder, addressType, ports: [], endpoints: [] });
      if (placeholder) spare = spare.filter((s) => s !== placeholder);
    }
    for (const w of wanted) {
      // A slice of the same address type that is no longer needed takes the new endpoints.
      if (!w.slice) {
        const reuse = spare.find((s) => s.addressType === w.addressType);
        if (reuse) {
          w.slice = reuse;
          spare = spare.filter((s) => s !== reuse);
        }
      }
      this.write(svc, w.slice, labels, w.addressType, w.ports, w.endpoints);
    }
    for (const s of spare) this.sim.remove(this.slices, s);
  }

  private write(
    svc: KubeObject,
    slice: KubeObject | undefined,
    labels: Record<string, string>,
    addressType: string,
    ports: EndpointPort[],
    endpoints: Any[],
  ): void {
    const sorted = [...endpoints].sort((a, b) => (a.targetRef.name < b.targetRef.name ? -1 : a.targetRef.name > b.targetRef.name ? 1 : 0));
    const portList = ports.length ? ports : null;
    const endpointList = sorted.length ? sorted : null;
    if (!slice) {
      this.sim.create(this.slices, svc.metadata.namespace, {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          generateName: slicePrefix(svc.metadata.name!),
          namespace: svc.metadata.namespace,
          labels,
          annotations: { [TRIGGER_TIME]: nowTimestamp() },
          ownerReferences: [ownerRefTo(svc)],
        },
        addressType,
        endpoints: endpointList,
        ports: portList,
      });
      return;
    }
    const same =
      slice.addressType === addressType &&
      canonical(slice.endpoints ?? null) === canonical(endpointList) &&
      canonical(slice.ports ?? null) === canonical(portList) &&
      canonical(slice.metadata.labels ?? {}) === canonical(labels);
    if (same) return;
    this.sim.change(this.slices, slice, (cur) => {
      cur.metadata.labels = labels;
      cur.metadata.annotations = { ...cur.metadata.annotations, [TRIGGER_TIME]: nowTimestamp() };
      cur.endpoints = endpointList;
      cur.ports = portList;
    });
  }
}

/** The Service's selector, when it has a non-empty one. */
function selectorOf(svc: KubeObject): Record<string, string> | undefined {
  const selector = (svc.spec as Any)?.selector as Record<string, string> | undefined;
  return selector && Object.keys(selector).length ? selector : undefined;
}

/** What a Service contributes to its slices. */
function serviceChanged(old: KubeObject, cur: KubeObject): boolean {
  return canonical([old.spec, old.metadata.labels]) !== canonical([cur.spec, cur.metadata.labels]);
}

/** What a pod contributes to a slice: an update that changes none of it needs no sync. */
function podShape(p: KubeObject): string {
  const status = (p.status ?? {}) as Any;
  const spec = (p.spec ?? {}) as Any;
  return canonical([
    p.metadata.labels,
    status.podIP,
    status.podIPs,
    status.phase,
    !!p.metadata.deletionTimestamp,
    condition(p, 'Ready')?.status,
    spec.nodeName,
    spec.hostname,
    spec.subdomain,
  ]);
}

/** Pods with an IP that have not finished are endpoints; terminating ones too (marked terminating). */
function inEndpoints(p: KubeObject): boolean {
  const status = (p.status ?? {}) as Any;
  if (status.phase === 'Succeeded' || status.phase === 'Failed') return false;
  return !!status.podIP || !!status.podIPs?.length;
}

/** The slices' labels: the Service's own (reserved keys aside), then the controller's. */
export function sliceLabels(svc: KubeObject): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) if (!RESERVED_LABELS.includes(k)) labels[k] = v;
  if ((svc.spec as Any)?.clusterIP === 'None') labels[LABEL_HEADLESS] = '';
  labels[LABEL_SERVICE_NAME] = svc.metadata.name!;
  labels[LABEL_MANAGED_BY] = ENDPOINTSLICE_CONTROLLER;
  return labels;
}

/** `<service>-` as the generateName, unless that is too long to be a name prefix. */
function slicePrefix(service: string): string {
  return service.length + 1 > 253 - 5 ? service : `${service}-`;
}

/** The desired endpoints, grouped by address type and resolved ports (named ports may resolve differently per pod). */
export function desiredGroups(svc: KubeObject, pods: KubeObject[]): Group[] {
  const spec = (svc.spec ?? {}) as Any;
  const families: string[] = spec.ipFamilies?.length ? spec.ipFamilies : ['IPv4'];
  const groups = new Map<string, Group>();
  for (const addressType of families) {
    for (const pod of pods) {
      const addresses = podAddresses(pod, addressType);
      if (!addresses.length) continue;
      const ports = endpointPorts(spec, pod);
      const key = `${addressType}|${canonical(ports)}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { addressType, ports, endpoints: [] }));
      g.endpoints.push(podEndpoint(pod, svc, addresses));
    }
  }
  return [...groups.values()];
}

/** The address type of the Service's primary IP family (a placeholder slice has it). */
function primaryAddressType(svc: KubeObject): string {
  return ((svc.spec as Any)?.ipFamilies as string[] | undefined)?.[0] ?? 'IPv4';
}

function podAddresses(pod: KubeObject, addressType: string): string[] {
  const status = (pod.status ?? {}) as Any;
  const ips: string[] = status.podIPs?.length ? (status.podIPs as { ip: string }[]).map((x) => x.ip) : status.podIP ? [status.podIP] : [];
  return ips.filter((ip) => ip.includes(':') === (addressType === 'IPv6'));
}

function podEndpoint(pod: KubeObject, svc: KubeObject, addresses: string[]): Any {
  const spec = (pod.spec ?? {}) as Any;
  const serving = condition(pod, 'Ready')?.status === 'True';
  const terminating = !!pod.metadata.deletionTimestamp;
  // A terminating pod is never ready, unless the Service publishes not-ready addresses.
  const ready = (svc.spec as Any)?.publishNotReadyAddresses === true || (serving && !terminating);
  const ep: Any = { addresses: addresses.slice(0, 1), conditions: { ready, serving, terminating } };
  if (spec.hostname && spec.subdomain === svc.metadata.name) ep.hostname = spec.hostname;
  ep.targetRef = { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid };
  if (spec.nodeName) ep.nodeName = spec.nodeName;
  return ep;
}

/** The Service's ports as this pod serves them; a named target port the pod lacks leaves the port out. */
export function endpointPorts(spec: Any, pod: KubeObject): EndpointPort[] {
  const out: EndpointPort[] = [];
  for (const sp of (spec.ports ?? []) as Any[]) {
    const protocol = sp.protocol ?? 'TCP';
    const port = resolveTargetPort(sp.targetPort ?? sp.port, protocol, pod);
    if (port === undefined) continue;
    const ep: EndpointPort = { name: sp.name ?? '', protocol, port };
    if (sp.appProtocol !== undefined) ep.appProtocol = sp.appProtocol;
    out.push(ep);
  }
  return out;
}

function resolveTargetPort(target: unknown, protocol: string, pod: KubeObject): number | undefined {
  if (typeof target === 'number') return target;
  if (typeof target === 'string' && /^[0-9]+$/.test(target)) return Number(target);
  for (const c of ((pod.spec as Any)?.containers ?? []) as Any[])
    for (const p of (c.ports ?? []) as Any[]) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  return undefined;
}
