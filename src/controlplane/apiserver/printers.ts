/**
 * Server-side printer columns (the `Table` cells `kubectl get` shows) of the built-in kinds
 * that have more than a Name and an Age, as Kubernetes 1.33's API server prints them.
 */
import type { KubeObject } from '../../k8s/object.js';
import { formatLabelSelector, labelSelectorFromSpec, SelectorError, type LabelSelectorSpec } from '../../k8s/selectors.js';
import type { TableColumn } from './registry.js';
import { ageColumn, humanDuration, nameColumn, readPath } from './table.js';

const col = (name: string, cell: (o: KubeObject) => unknown, type = 'string', priority = 0, description = ''): TableColumn => ({
  name,
  type,
  priority,
  description,
  cell,
});
const wide = (name: string, cell: (o: KubeObject) => unknown, type = 'string') => col(name, cell, type, 1);
const get = (o: unknown, path: string) => readPath(o, path);
const count = (o: unknown, path: string) => ((get(o, path) as unknown[] | undefined) ?? []).length;
const createdAt = col('Created At', (o) => o.metadata.creationTimestamp, 'date');

/** labels.FormatLabels: sorted `k=v` pairs, `<none>` when empty. */
export function formatLabels(m: unknown): string {
  const entries = Object.entries((m as Record<string, string> | null | undefined) ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(',') : '<none>';
}

/** metav1.FormatLabelSelector: the selector's string form, `<none>` for an empty or missing one. */
export function formatSelector(spec: unknown): string {
  if (spec === undefined || spec === null) return '<none>';
  try {
    return formatLabelSelector(labelSelectorFromSpec(spec as LabelSelectorSpec)) || '<none>';
  } catch (e) {
    if (e instanceof SelectorError) return '<error>';
    throw e;
  }
}

function sinceOrNone(t: unknown): string {
  return typeof t === 'string' && t ? humanDuration(Date.now() - Date.parse(t)) : '<none>';
}

/** Containers, Images (and Selector) columns of a pod template at `templatePath`. */
function templateColumns(templatePath: string, selectorPath?: string, selectorIsMap = false): TableColumn[] {
  const containers = (o: KubeObject) => (get(o, `${templatePath}.spec.containers`) as { name: string; image?: string }[] | undefined) ?? [];
  const out = [
    wide('Containers', (o) =>
      containers(o)
        .map((c) => c.name)
        .join(','),
    ),
    wide('Images', (o) =>
      containers(o)
        .map((c) => c.image ?? '')
        .join(','),
    ),
  ];
  if (selectorPath) out.push(wide('Selector', (o) => (selectorIsMap ? formatLabels(get(o, selectorPath)) : formatSelector(get(o, selectorPath)))));
  return out;
}

export const replicaSetWideColumns = templateColumns('.spec.template', '.spec.selector');
export const jobWideColumns = templateColumns('.spec.template', '.spec.selector');
export const statefulSetWideColumns = templateColumns('.spec.template');

function endpointsCell(o: KubeObject): string {
  const shown: string[] = [];
  let total = 0;
  for (const ss of (o.subsets as { addresses?: { ip: string }[]; ports?: { port: number }[] }[] | undefined) ?? []) {
    const ports = ss.ports?.length ? ss.ports.map((p) => `:${p.port}`) : [''];
    for (const port of ports)
      for (const a of ss.addresses ?? []) {
        if (shown.length < 3) shown.push(`${a.ip}${port}`);
        total++;
      }
  }
  if (!shown.length) return '<none>';
  return total > 3 ? `${shown.join(',')} + ${total - 3} more...` : shown.join(',');
}

/** The first three items, then ` + N more...`; `<unset>` for none (an EndpointSlice's Ports and Endpoints cells). */
function firstThree(items: string[]): string {
  if (!items.length) return '<unset>';
  return items.length > 3 ? `${items.slice(0, 3).join(',')} + ${items.length - 3} more...` : items.join(',');
}

/** A port's number, else its name, else `*` (all ports). */
const endpointSlicePorts = (o: KubeObject) =>
  firstThree(((o.ports as { port?: number; name?: string }[] | null | undefined) ?? []).map((p) => (p.port !== undefined ? String(p.port) : (p.name ?? '*'))));

const endpointSliceAddresses = (o: KubeObject) =>
  firstThree(((o.endpoints as { addresses?: string[] }[] | null | undefined) ?? []).flatMap((e) => e.addresses ?? []));

const ACCESS_MODES: [string, string][] = [
  ['ReadWriteOnce', 'RWO'],
  ['ReadOnlyMany', 'ROX'],
  ['ReadWriteMany', 'RWX'],
  ['ReadWriteOncePod', 'RWOP'],
];

function accessModes(modes: unknown): string {
  const list = (modes as string[] | undefined) ?? [];
  return ACCESS_MODES.filter(([m]) => list.includes(m))
    .map(([, short]) => short)
    .join(',');
}

/** A ResourceQuota's `name: used/hard` pairs, sorted, `limits.*` in the Limit column and the rest in Request. */
function quotaCell(o: KubeObject, limits: boolean): string {
  const hard = (get(o, '.spec.hard') as Record<string, string> | undefined) ?? {};
  const statusHard = (get(o, '.status.hard') as Record<string, string> | undefined) ?? {};
  const used = (get(o, '.status.used') as Record<string, string> | undefined) ?? {};
  return Object.keys(hard)
    .sort()
    .filter((r) => r.startsWith('limits.') === limits)
    .map((r) => `${r}: ${used[r] ?? '0'}/${statusHard[r] ?? '0'}`)
    .join(', ');
}

function controllerOf(o: KubeObject): string {
  const ref = (o.metadata.ownerReferences ?? []).find((r) => r.controller);
  if (!ref) return '<none>';
  const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
  return `${(group ? `${ref.kind}.${group}` : ref.kind).toLowerCase()}/${ref.name}`;
}

function subjects(o: KubeObject, kind: string): string {
  return ((o.subjects as { kind: string; name: string; namespace?: string }[] | undefined) ?? [])
    .filter((s) => s.kind === kind)
    .map((s) => (kind === 'ServiceAccount' ? `${s.namespace ?? ''}/${s.name}` : s.name))
    .join(', ');
}

const bindingColumns = [
  col('Role', (o) => `${get(o, '.roleRef.kind')}/${get(o, '.roleRef.name')}`),
  ageColumn,
  wide('Users', (o) => subjects(o, 'User')),
  wide('Groups', (o) => subjects(o, 'Group')),
  wide('ServiceAccounts', (o) => subjects(o, 'ServiceAccount')),
];

function ingressHosts(o: KubeObject): string {
  const rules = (get(o, '.spec.rules') as { host?: string }[] | undefined) ?? [];
  const hosts = rules.map((r) => r.host).filter((h): h is string => !!h);
  if (!hosts.length) return '*';
  return rules.length > 4 ? `${hosts.slice(0, 4).join(',')} + ${rules.length - 4} more...` : hosts.slice(0, 4).join(',');
}

function loadBalancerAddresses(o: KubeObject): string {
  const ingress = (get(o, '.status.loadBalancer.ingress') as { ip?: string; hostname?: string }[] | undefined) ?? [];
  return ingress
    .map((i) => i.ip || i.hostname)
    .filter(Boolean)
    .join(',');
}

/** A Service's External-IP cell: its external name, external IPs, or load balancer addresses. */
export function serviceExternalIp(o: KubeObject): string {
  const externalIps = (get(o, '.spec.externalIPs') as string[] | undefined) ?? [];
  switch (get(o, '.spec.type') ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return externalIps.length ? externalIps.join(',') : '<none>';
    case 'LoadBalancer': {
      let lb = loadBalancerAddresses(o);
      // The narrow view cuts long address lists.
      if (lb.length > 16) lb = `${lb.slice(0, 13)}...`;
      const all = [...(lb ? lb.split(',') : []), ...externalIps];
      return all.length ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return String(get(o, '.spec.externalName') ?? '');
    default:
      return '<unknown>';
  }
}

function hpaTargets(o: KubeObject): string {
  // autoscaling/v1 keeps the CPU target at spec level; v2 lists metrics.
  const v1Target = get(o, '.spec.targetCPUUtilizationPercentage');
  if (typeof v1Target === 'number') {
    const current = get(o, '.status.currentCPUUtilizationPercentage');
    return `${typeof current === 'number' ? `${current}%` : '<unknown>'}/${v1Target}%`;
  }
  const metrics = (get(o, '.spec.metrics') as Record<string, any>[] | undefined) ?? [];
  if (!metrics.length) return '<none>';
  const shown = metrics.slice(0, 1).map((m) => {
    const target = m.resource?.target ?? m.containerResource?.target ?? m.pods?.target ?? m.object?.target ?? m.external?.target ?? {};
    if (target.averageUtilization !== undefined) return `<unknown>/${target.averageUtilization}%`;
    return `<unknown>/${target.averageValue ?? target.value ?? '<auto>'}`;
  });
  return metrics.length > 1 ? `${shown.join(', ')} + ${metrics.length - 1} more...` : shown.join(', ');
}

function eventSource(o: KubeObject): string {
  const component = (get(o, '.source.component') as string | undefined) || (get(o, '.reportingComponent') as string | undefined) || '';
  const host = (get(o, '.source.host') as string | undefined) || (get(o, '.reportingInstance') as string | undefined) || '';
  return host ? `${component}, ${host}` : component;
}

const since = (t: unknown) => (typeof t === 'string' && t ? humanDuration(Date.now() - Date.parse(t)) : '<unknown>');

/** When the event was first seen: firstTimestamp, else (events.k8s.io writers) eventTime. */
function eventFirstSeen(o: KubeObject): string {
  return get(o, '.firstTimestamp') ? since(get(o, '.firstTimestamp')) : since(get(o, '.eventTime'));
}

/** When it was last seen: the series' last observation, else lastTimestamp, else when first seen. */
function eventLastSeen(o: KubeObject): string {
  if (get(o, '.series')) return since(get(o, '.series.lastObservedTime'));
  return get(o, '.lastTimestamp') ? since(get(o, '.lastTimestamp')) : eventFirstSeen(o);
}

/** `kind/name` of the involved object, or the kind alone when it has no name. */
function eventObject(o: KubeObject): string {
  const kind = String(get(o, '.involvedObject.kind') ?? '').toLowerCase();
  const name = get(o, '.involvedObject.name');
  return name ? `${kind}/${name}` : kind;
}

/** The core Event columns; the name comes last and only in the wide view. */
export const eventColumns: TableColumn[] = [
  col('Last Seen', eventLastSeen),
  col('Type', (o) => o.type),
  col('Reason', (o) => o.reason),
  col('Object', eventObject),
  wide('Subobject', (o) => get(o, '.involvedObject.fieldPath') ?? ''),
  wide('Source', eventSource),
  col('Message', (o) => (o.message as string | undefined)?.trim() ?? ''),
  wide('First Seen', eventFirstSeen),
  // A number; singleton events (the new API sets no count) count as 1.
  wide('Count', (o) => (get(o, '.series') ? (get(o, '.series.count') ?? 0) : (o.count as number | undefined) || 1)),
  { name: 'Name', type: 'string', format: 'name', priority: 1, description: '', cell: (o) => o.metadata.name },
];

/** The annotations (GA and beta) that make a StorageClass the cluster's default. */
function isDefaultClass(o: KubeObject): boolean {
  const a = o.metadata.annotations ?? {};
  return a['storageclass.kubernetes.io/is-default-class'] === 'true' || a['storageclass.beta.kubernetes.io/is-default-class'] === 'true';
}

const bool = (v: unknown, dflt: boolean) => (typeof v === 'boolean' ? v : dflt);

function nodeStatus(o: KubeObject): string {
  const ready = ((get(o, '.status.conditions') as { type: string; status: string }[] | undefined) ?? []).find((c) => c.type === 'Ready');
  const status = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (get(o, '.spec.unschedulable') === true) status.push('SchedulingDisabled');
  return status.join(',');
}

/** Roles from `node-role.kubernetes.io/ROLE` labels and the older `kubernetes.io/role` label. */
function nodeRoles(o: KubeObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(o.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) roles.add(k.slice('node-role.kubernetes.io/'.length));
    else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return roles.size ? [...roles].sort().join(',') : '<none>';
}

function nodeAddress(o: KubeObject, type: string): string {
  const found = ((get(o, '.status.addresses') as { type: string; address: string }[] | undefined) ?? []).find((a) => a.type === type);
  return found?.address ?? '<none>';
}

const orUnknown = (v: unknown) => (typeof v === 'string' && v ? v : '<unknown>');

/** Columns by `group/resource` (core resources have an empty group). */
export const PRINTER_COLUMNS: Record<string, TableColumn[]> = {
  '/nodes': [
    col('Status', nodeStatus),
    col('Roles', nodeRoles),
    ageColumn,
    col('Version', (o) => get(o, '.status.nodeInfo.kubeletVersion') ?? ''),
    wide('Internal-IP', (o) => nodeAddress(o, 'InternalIP')),
    wide('External-IP', (o) => nodeAddress(o, 'ExternalIP')),
    wide('OS-Image', (o) => orUnknown(get(o, '.status.nodeInfo.osImage'))),
    wide('Kernel-Version', (o) => orUnknown(get(o, '.status.nodeInfo.kernelVersion'))),
    wide('Container-Runtime', (o) => orUnknown(get(o, '.status.nodeInfo.containerRuntimeVersion'))),
  ],
  '/endpoints': [col('Endpoints', endpointsCell), ageColumn],
  // The descriptions are discovery.v1.EndpointSlice's field docs (scripts/gen-column-docs.ts could generate them).
  'discovery.k8s.io/endpointslices': [
    col('AddressType', (o) => o.addressType ?? ''),
    col('Ports', endpointSlicePorts),
    col('Endpoints', endpointSliceAddresses),
    ageColumn,
  ],
  '/limitranges': [createdAt],
  '/persistentvolumes': [
    col('Capacity', (o) => get(o, '.spec.capacity.storage') ?? ''),
    col('Access Modes', (o) => accessModes(get(o, '.spec.accessModes'))),
    col('Reclaim Policy', (o) => get(o, '.spec.persistentVolumeReclaimPolicy') ?? ''),
    col('Status', (o) => get(o, '.status.phase') ?? ''),
    col('Claim', (o) => (get(o, '.spec.claimRef') ? `${get(o, '.spec.claimRef.namespace') ?? ''}/${get(o, '.spec.claimRef.name') ?? ''}` : '')),
    col('StorageClass', (o) => o.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? get(o, '.spec.storageClassName') ?? ''),
    col('VolumeAttributesClass', (o) => get(o, '.spec.volumeAttributesClassName') ?? '<unset>'),
    col('Reason', (o) => get(o, '.status.reason') ?? ''),
    ageColumn,
    wide('VolumeMode', (o) => get(o, '.spec.volumeMode') ?? '<unset>'),
  ],
  '/podtemplates': [
    col('Containers', (o) => ((get(o, '.template.spec.containers') as { name: string }[] | undefined) ?? []).map((c) => c.name).join(',')),
    col('Images', (o) => ((get(o, '.template.spec.containers') as { image?: string }[] | undefined) ?? []).map((c) => c.image ?? '').join(',')),
    col('Pod Labels', (o) => formatLabels(get(o, '.template.metadata.labels'))),
  ],
  '/replicationcontrollers': [
    col('Desired', (o) => get(o, '.spec.replicas') ?? 0, 'integer'),
    col('Current', (o) => get(o, '.status.replicas') ?? 0, 'integer'),
    col('Ready', (o) => get(o, '.status.readyReplicas') ?? 0, 'integer'),
    ageColumn,
    ...templateColumns('.spec.template', '.spec.selector', true),
  ],
  '/resourcequotas': [ageColumn, col('Request', (o) => quotaCell(o, false)), col('Limit', (o) => quotaCell(o, true))],
  'apps/controllerrevisions': [col('Controller', controllerOf), col('Revision', (o) => o.revision ?? 0), ageColumn],
  'apps/daemonsets': [
    col('Desired', (o) => get(o, '.status.desiredNumberScheduled') ?? 0, 'integer'),
    col('Current', (o) => get(o, '.status.currentNumberScheduled') ?? 0, 'integer'),
    col('Ready', (o) => get(o, '.status.numberReady') ?? 0, 'integer'),
    col('Up-to-date', (o) => get(o, '.status.updatedNumberScheduled') ?? 0, 'integer'),
    col('Available', (o) => get(o, '.status.numberAvailable') ?? 0, 'integer'),
    col('Node Selector', (o) => formatLabels(get(o, '.spec.template.spec.nodeSelector'))),
    ageColumn,
    ...templateColumns('.spec.template', '.spec.selector'),
  ],
  'batch/cronjobs': [
    col('Schedule', (o) => get(o, '.spec.schedule') ?? ''),
    col('Timezone', (o) => get(o, '.spec.timeZone') ?? '<none>'),
    col('Suspend', (o) => bool(get(o, '.spec.suspend'), false), 'boolean'),
    col('Active', (o) => count(o, '.status.active'), 'integer'),
    col('Last Schedule', (o) => sinceOrNone(get(o, '.status.lastScheduleTime'))),
    ageColumn,
    ...templateColumns('.spec.jobTemplate.spec.template', '.spec.jobTemplate.spec.selector'),
  ],
  'rbac.authorization.k8s.io/roles': [createdAt],
  'rbac.authorization.k8s.io/clusterroles': [createdAt],
  'rbac.authorization.k8s.io/rolebindings': bindingColumns,
  'rbac.authorization.k8s.io/clusterrolebindings': bindingColumns,
  'coordination.k8s.io/leases': [col('Holder', (o) => get(o, '.spec.holderIdentity') ?? ''), ageColumn],
  'scheduling.k8s.io/priorityclasses': [
    col('Value', (o) => o.value ?? 0, 'integer'),
    col('Global-Default', (o) => bool(o.globalDefault, false), 'boolean'),
    ageColumn,
  ],
  'admissionregistration.k8s.io/mutatingwebhookconfigurations': [col('Webhooks', (o) => count(o, '.webhooks'), 'integer'), ageColumn],
  'admissionregistration.k8s.io/validatingwebhookconfigurations': [col('Webhooks', (o) => count(o, '.webhooks'), 'integer'), ageColumn],
  'admissionregistration.k8s.io/validatingadmissionpolicies': [
    col('Validations', (o) => count(o, '.spec.validations'), 'integer'),
    col('ParamKind', (o) => (get(o, '.spec.paramKind') ? `${get(o, '.spec.paramKind.apiVersion') ?? ''}/${get(o, '.spec.paramKind.kind') ?? ''}` : '<unset>')),
    ageColumn,
  ],
  'admissionregistration.k8s.io/validatingadmissionpolicybindings': [
    col('PolicyName', (o) => get(o, '.spec.policyName') ?? ''),
    col('ParamRef', (o) => (get(o, '.spec.paramRef') ? (get(o, '.spec.paramRef.name') ?? '*') : '<unset>')),
    ageColumn,
  ],
  'networking.k8s.io/ingressclasses': [
    col('Controller', (o) => get(o, '.spec.controller') ?? ''),
    col('Parameters', (o) => {
      const p = get(o, '.spec.parameters') as { kind: string; apiGroup?: string; name: string } | undefined;
      return p ? `${p.kind}${p.apiGroup ? `.${p.apiGroup}` : ''}/${p.name}` : '<none>';
    }),
    ageColumn,
  ],
  'networking.k8s.io/ingresses': [
    col('Class', (o) => get(o, '.spec.ingressClassName') ?? '<none>'),
    col('Hosts', ingressHosts),
    col('Address', loadBalancerAddresses),
    col('Ports', (o) => (count(o, '.spec.tls') ? '80, 443' : '80')),
    ageColumn,
  ],
  'networking.k8s.io/networkpolicies': [col('Pod-Selector', (o) => formatSelector(get(o, '.spec.podSelector'))), ageColumn],
  'node.k8s.io/runtimeclasses': [col('Handler', (o) => o.handler ?? ''), ageColumn],
  'storage.k8s.io/storageclasses': [
    nameColumn((o) => (isDefaultClass(o) ? `${o.metadata.name} (default)` : o.metadata.name!)),
    col('Provisioner', (o) => o.provisioner ?? ''),
    col('ReclaimPolicy', (o) => o.reclaimPolicy ?? 'Delete'),
    col('VolumeBindingMode', (o) => o.volumeBindingMode ?? 'Immediate'),
    col('AllowVolumeExpansion', (o) => bool(o.allowVolumeExpansion, false)),
    ageColumn,
  ],
  'storage.k8s.io/csidrivers': [
    col('AttachRequired', (o) => bool(get(o, '.spec.attachRequired'), true), 'boolean'),
    col('PodInfoOnMount', (o) => bool(get(o, '.spec.podInfoOnMount'), false), 'boolean'),
    col('StorageCapacity', (o) => bool(get(o, '.spec.storageCapacity'), false), 'boolean'),
    col('TokenRequests', (o) => ((get(o, '.spec.tokenRequests') as { audience: string }[] | undefined) ?? []).map((t) => t.audience).join(',') || '<unset>'),
    col('RequiresRepublish', (o) => bool(get(o, '.spec.requiresRepublish'), false), 'boolean'),
    col('Modes', (o) => ((get(o, '.spec.volumeLifecycleModes') as string[] | undefined) ?? []).join(',') || '<none>'),
    ageColumn,
  ],
  'storage.k8s.io/csinodes': [col('Drivers', (o) => count(o, '.spec.drivers'), 'integer'), ageColumn],
  'storage.k8s.io/volumeattachments': [
    { ...col('Attacher', (o) => get(o, '.spec.attacher') ?? ''), format: 'name' },
    col('PV', (o) => get(o, '.spec.source.persistentVolumeName') ?? ''),
    col('Node', (o) => get(o, '.spec.nodeName') ?? ''),
    col('Attached', (o) => bool(get(o, '.status.attached'), false), 'boolean'),
    ageColumn,
  ],
  'autoscaling/horizontalpodautoscalers': [
    col('Reference', (o) => `${get(o, '.spec.scaleTargetRef.kind') ?? ''}/${get(o, '.spec.scaleTargetRef.name') ?? ''}`),
    col('Targets', hpaTargets),
    col('MinPods', (o) => String(get(o, '.spec.minReplicas') ?? '<unset>')),
    col('MaxPods', (o) => String(get(o, '.spec.maxReplicas') ?? 0)),
    col('Replicas', (o) => String(get(o, '.status.currentReplicas') ?? 0)),
    ageColumn,
  ],
  'policy/poddisruptionbudgets': [
    col('Min Available', (o) => String(get(o, '.spec.minAvailable') ?? 'N/A')),
    col('Max Unavailable', (o) => String(get(o, '.spec.maxUnavailable') ?? 'N/A')),
    col('Allowed Disruptions', (o) => get(o, '.status.disruptionsAllowed') ?? 0, 'integer'),
    ageColumn,
  ],
};

/** The printer columns of a built-in resource, if it has its own. */
export function printerColumns(group: string, resource: string): TableColumn[] | undefined {
  return PRINTER_COLUMNS[`${group}/${resource}`];
}
