/**
 * The built-in resource types a Kubernetes 1.33 server lists for the groups an operator uses,
 * with names, short names, categories, scope, verbs and subresources as its discovery shows
 * them, and the small strategies the API server itself applies (not the controllers').
 */
import { componentStatusColumns } from './componentstatus.js';
import { csrColumns, csrHooks } from './csr.js';
import type { KubeObject } from '../../k8s/object.js';
import { sameObject } from './json.js';
import { forbidden } from './errors.js';
import { ageColumn, readPath } from './table.js';
import { nowTimestamp } from './clock.js';
import { hpaConversion } from './conversion.js';
import { eventColumns, jobWideColumns, printerColumns, replicaSetWideColumns, serviceExternalIp, statefulSetWideColumns } from './printers.js';
import { Registry, STANDARD_VERBS, type ResourceHooks, type ResourceType, type ScaleSpec, type TableColumn } from './registry.js';

const SUB_VERBS = ['get', 'patch', 'update'];
const SCALE_KIND = { group: 'autoscaling', version: 'v1', kind: 'Scale' };
/**
 * Subresources whose body is a kind of another group, as discovery names them. kubectl drain
 * evicts pods only when pods/eviction is listed with policy's Eviction; otherwise it deletes them.
 */
const SUB_KINDS: Record<string, { group: string; version: string; kind: string }> = {
  eviction: { group: 'policy', version: 'v1', kind: 'Eviction' },
  token: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' },
};

interface Def {
  short?: string[];
  cat?: string[];
  cluster?: boolean;
  verbs?: string[];
  /** Subresource names; status and scale get the standard verbs. */
  sub?: string[];
  scale?: ScaleSpec;
  columns?: TableColumn[];
  hooks?: ResourceHooks;
  singular?: string;
}

function def(group: string, version: string, resource: string, kind: string, d: Def = {}): ResourceType {
  return {
    group,
    version,
    resource,
    kind,
    listKind: `${kind}List`,
    singular: d.singular ?? kind.toLowerCase(),
    shortNames: d.short ?? [],
    categories: d.cat ?? [],
    namespaced: !d.cluster,
    verbs: d.verbs ?? STANDARD_VERBS,
    subresources: (d.sub ?? []).map((name) =>
      name === 'scale'
        ? { name, kind: SCALE_KIND, verbs: SUB_VERBS }
        : name === 'status'
          ? { name, verbs: SUB_VERBS }
          : { name, ...(SUB_KINDS[name] ? { kind: SUB_KINDS[name] } : {}), verbs: subVerbs[name] ?? ['get'] },
    ),
    custom: false,
    scale:
      d.scale ??
      (d.sub?.includes('scale')
        ? { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' }
        : undefined),
    columns: d.columns ?? printerColumns(group, resource),
    hooks: d.hooks ?? {},
  };
}

const subVerbs: Record<string, string[]> = {
  attach: ['create', 'get'],
  binding: ['create'],
  ephemeralcontainers: SUB_VERBS,
  eviction: ['create'],
  exec: ['create', 'get'],
  log: ['get'],
  portforward: ['create', 'get'],
  proxy: ['create', 'delete', 'get', 'patch', 'update'],
  resize: SUB_VERBS,
  finalize: ['update'],
  token: ['create'],
  approval: SUB_VERBS,
};

const col = (name: string, cell: (o: KubeObject) => unknown, type = 'string', priority = 0): TableColumn => ({ name, type, priority, cell });
const num = (o: KubeObject, path: string) => (readPath(o, path) as number | undefined) ?? 0;
const all = ['all'];

function podReady(p: KubeObject): string {
  const statuses = (readPath(p, '.status.containerStatuses') as { ready?: boolean }[] | undefined) ?? [];
  const total = ((readPath(p, '.spec.containers') as unknown[] | undefined) ?? []).length;
  return `${statuses.filter((s) => s.ready).length}/${total}`;
}

function podRestarts(p: KubeObject): number {
  const statuses = (readPath(p, '.status.containerStatuses') as { restartCount?: number }[] | undefined) ?? [];
  return statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0);
}

function podStatus(p: KubeObject): string {
  if (p.metadata.deletionTimestamp) return 'Terminating';
  const statuses = (readPath(p, '.status.containerStatuses') as { state?: Record<string, { reason?: string }> }[] | undefined) ?? [];
  for (const s of statuses) {
    const waiting = s.state?.waiting?.reason;
    if (waiting) return waiting;
    const terminated = s.state?.terminated?.reason;
    if (terminated) return terminated;
  }
  return (readPath(p, '.status.reason') as string | undefined) ?? (readPath(p, '.status.phase') as string | undefined) ?? 'Pending';
}

function containerList(o: KubeObject, field: 'name' | 'image'): string {
  const cs = (readPath(o, '.spec.template.spec.containers') as Record<string, string>[] | undefined) ?? [];
  return cs.map((c) => c[field]).join(',');
}

function selectorString(o: KubeObject): string {
  const labels = readPath(o, '.spec.selector.matchLabels') as Record<string, string> | undefined;
  return labels
    ? Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')
    : '<none>';
}

function servicePorts(o: KubeObject): string {
  const ports = (readPath(o, '.spec.ports') as { port: number; protocol?: string; nodePort?: number }[] | undefined) ?? [];
  return ports.length ? ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',') : '<none>';
}

const countKeys = (v: unknown) => (v && typeof v === 'object' ? Object.keys(v).length : 0);

/** Only a few fields of the metadata-less kinds are selectable besides name and namespace. */
const podFields = (o: KubeObject) => ({
  'spec.nodeName': (readPath(o, '.spec.nodeName') as string) ?? '',
  'spec.restartPolicy': (readPath(o, '.spec.restartPolicy') as string) ?? '',
  'spec.schedulerName': (readPath(o, '.spec.schedulerName') as string) ?? '',
  'spec.serviceAccountName': (readPath(o, '.spec.serviceAccountName') as string) ?? '',
  'spec.hostNetwork': String(readPath(o, '.spec.hostNetwork') ?? false),
  'status.phase': (readPath(o, '.status.phase') as string) ?? '',
  'status.podIP': (readPath(o, '.status.podIP') as string) ?? '',
  'status.nominatedNodeName': (readPath(o, '.status.nominatedNodeName') as string) ?? '',
});

const eventFields = (o: KubeObject) => {
  const f: Record<string, string> = {};
  for (const k of ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'])
    f[`involvedObject.${k}`] = (readPath(o, `.involvedObject.${k}`) as string) ?? '';
  f.reason = (o.reason as string) ?? '';
  f.reportingComponent = (o.reportingComponent as string) ?? '';
  f.source = (readPath(o, '.source.component') as string) ?? '';
  f.type = (o.type as string) ?? '';
  return f;
};

/** What the service allocators need to know about the services already stored. */
export interface ServiceAllocations {
  clusterIpInUse(ip: string): boolean;
  nodePortInUse(port: number): boolean;
}

const NO_ALLOCATIONS: ServiceAllocations = { clusterIpInUse: () => false, nodePortInUse: () => false };

// Services get a free ClusterIP from 10.96.0.0/12 (10.96.0.1 is the kubernetes Service), as a
// default kube-apiserver allocates them; NodePorts come from 30000-32767.
function allocateClusterIp(allocations: ServiceAllocations): string {
  for (;;) {
    const n = 2 + Math.floor(Math.random() * ((1 << 20) - 3));
    const ip = `10.${96 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
    if (!allocations.clusterIpInUse(ip)) return ip;
  }
}

function allocateNodePort(allocations: ServiceAllocations, taken: Set<number>): number {
  for (;;) {
    const port = 30000 + Math.floor(Math.random() * 2768);
    if (!taken.has(port) && !allocations.nodePortInUse(port)) return port;
  }
}

const serviceHooks = (allocations: ServiceAllocations): ResourceHooks => ({
  prepareCreate(svc) {
    const spec = ((svc.spec as Record<string, unknown>) ??= {});
    spec.type ??= 'ClusterIP';
    if (spec.type !== 'ExternalName') {
      if (!spec.clusterIP) spec.clusterIP = allocateClusterIp(allocations);
      spec.clusterIPs ??= [spec.clusterIP];
      spec.ipFamilies ??= spec.clusterIP === 'None' ? ['IPv4'] : ['IPv4'];
      spec.ipFamilyPolicy ??= 'SingleStack';
      spec.internalTrafficPolicy ??= 'Cluster';
    }
    spec.sessionAffinity ??= 'None';
    for (const p of (spec.ports as Record<string, unknown>[] | undefined) ?? []) {
      p.protocol ??= 'TCP';
      p.targetPort ??= p.port;
      if ((spec.type === 'NodePort' || spec.type === 'LoadBalancer') && !p.nodePort)
        p.nodePort = allocateNodePort(allocations, new Set(((spec.ports as { nodePort?: number }[]) ?? []).map((x) => x.nodePort ?? 0)));
    }
    if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
    svc.status ??= { loadBalancer: {} };
  },
  prepareUpdate(svc, old) {
    const spec = ((svc.spec as Record<string, unknown>) ??= {});
    const oldSpec = (old.spec as Record<string, unknown>) ?? {};
    if (!spec.clusterIP && oldSpec.clusterIP) spec.clusterIP = oldSpec.clusterIP;
    if (!spec.clusterIPs && oldSpec.clusterIPs) spec.clusterIPs = oldSpec.clusterIPs;
    for (const p of (spec.ports as Record<string, unknown>[] | undefined) ?? []) {
      p.protocol ??= 'TCP';
      p.targetPort ??= p.port;
    }
  },
});

/**
 * EndpointSlices are stored as protobuf, so empty endpoint and port lists come back as null
 * (neither field is omitempty); the generation moves with anything but metadata, and labels.
 */
function endpointSliceNulls(o: KubeObject): void {
  for (const k of ['endpoints', 'ports']) if (o[k] === undefined || (Array.isArray(o[k]) && (o[k] as unknown[]).length === 0)) o[k] = null;
}

const endpointSliceHooks: ResourceHooks = {
  prepareCreate: endpointSliceNulls,
  prepareUpdate: endpointSliceNulls,
  bumpsGeneration: (o, old) =>
    !sameObject(o.addressType ?? null, old.addressType ?? null) ||
    !sameObject(o.endpoints ?? null, old.endpoints ?? null) ||
    !sameObject(o.ports ?? null, old.ports ?? null) ||
    !sameObject(o.metadata.labels ?? {}, old.metadata.labels ?? {}),
};

/** Secrets: `stringData` is write-only, merged into `data` as base64 (it wins over `data`). */
function defaultSecret(o: KubeObject): void {
  o.type ??= 'Opaque';
  const stringData = o.stringData as Record<string, unknown> | undefined;
  if (stringData && typeof stringData === 'object') {
    const data = ((o.data as Record<string, string> | undefined) ?? {}) as Record<string, string>;
    for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v)).toString('base64');
    o.data = data;
  }
  delete o.stringData;
}

const namespaceHooks: ResourceHooks = {
  // The name label and the phase are defaults (the field manager records them); the finalizer is not.
  defaults(ns) {
    ns.metadata.labels = { ...ns.metadata.labels, 'kubernetes.io/metadata.name': ns.metadata.name! };
    ns.status = { phase: 'Active', ...(ns.status as object) };
  },
  prepareCreate(ns) {
    ns.spec = { finalizers: ['kubernetes'] };
    ns.status = { phase: 'Active' };
  },
  prepareUpdate(ns, old) {
    ns.metadata.labels = { ...ns.metadata.labels, 'kubernetes.io/metadata.name': ns.metadata.name! };
    ns.spec = old.spec; // spec.finalizers only change through /finalize
  },
  fieldLabels: (o) => ({ 'status.phase': readPath(o, '.status.phase') as string }),
  beforeDelete(ns) {
    const name = ns.metadata.name!;
    if (['default', 'kube-system', 'kube-public'].includes(name))
      throw forbidden(`namespaces "${name}" is forbidden: this namespace may not be deleted`, { name, kind: 'namespaces' });
  },
};

const podHooks: ResourceHooks = {
  prepareCreate(pod) {
    pod.status = { phase: 'Pending', qosClass: qosClass(pod) };
  },
  fieldLabels: podFields,
};

function qosClass(pod: KubeObject): string {
  const containers = (readPath(pod, '.spec.containers') as { resources?: { requests?: object; limits?: object } }[] | undefined) ?? [];
  const any = containers.some((c) => countKeys(c.resources?.requests) || countKeys(c.resources?.limits));
  return any ? 'Burstable' : 'BestEffort';
}

function defaultPodTemplate(template: Record<string, any> | undefined): void {
  const spec = template?.spec as Record<string, any> | undefined;
  if (!spec) return;
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])] as Record<string, any>[]) {
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
    c.imagePullPolicy ??= typeof c.image === 'string' && (/:latest$/.test(c.image) || !/:[^/]+$/.test(c.image)) ? 'Always' : 'IfNotPresent';
    c.resources ??= {};
    for (const p of (c.ports ?? []) as Record<string, unknown>[]) p.protocol ??= 'TCP';
  }
}

const deploymentHooks: ResourceHooks = {
  defaults(d) {
    const spec = ((d.spec as Record<string, any>) ??= {});
    spec.replicas ??= 1;
    spec.revisionHistoryLimit ??= 10;
    spec.progressDeadlineSeconds ??= 600;
    spec.strategy ??= {};
    spec.strategy.type ??= 'RollingUpdate';
    if (spec.strategy.type === 'RollingUpdate') spec.strategy.rollingUpdate = { maxUnavailable: '25%', maxSurge: '25%', ...spec.strategy.rollingUpdate };
    defaultPodTemplate(spec.template);
  },
  // Annotations are copied to ReplicaSets, so they bump the generation too.
  bumpsGeneration: (d, old) => !sameObject(d.spec, old.spec) || !sameObject(d.metadata.annotations ?? {}, old.metadata.annotations ?? {}),
};

const workloadHooks = (extra?: (spec: Record<string, any>) => void, fieldLabels?: ResourceHooks['fieldLabels']): ResourceHooks => ({
  fieldLabels,
  defaults(o) {
    const spec = ((o.spec as Record<string, any>) ??= {});
    extra?.(spec);
    defaultPodTemplate(spec.template);
  },
});

/** The create strategy: a new volume is Pending since now (lastPhaseTransitionTime is GA in 1.31). */
const persistentVolumeHooks: ResourceHooks = {
  prepareCreate(o) {
    o.status = { phase: 'Pending', lastPhaseTransitionTime: nowTimestamp() };
  },
};

const deploymentColumns = [
  col('Ready', (o) => `${num(o, '.status.readyReplicas')}/${num(o, '.spec.replicas')}`),
  col('Up-to-date', (o) => num(o, '.status.updatedReplicas')),
  col('Available', (o) => num(o, '.status.availableReplicas')),
  ageColumn,
  col('Containers', (o) => containerList(o, 'name'), 'string', 1),
  col('Images', (o) => containerList(o, 'image'), 'string', 1),
  col('Selector', selectorString, 'string', 1),
];

export function registerBuiltins(reg: Registry, serviceAllocations?: ServiceAllocations): void {
  const core = (resource: string, kind: string, d?: Def) => reg.add(def('', 'v1', resource, kind, d));
  core('bindings', 'Binding', { verbs: ['create'] });
  core('componentstatuses', 'ComponentStatus', { short: ['cs'], cluster: true, verbs: ['get', 'list'], columns: componentStatusColumns });
  core('configmaps', 'ConfigMap', { short: ['cm'], columns: [col('Data', (o) => countKeys(o.data) + countKeys(o.binaryData)), ageColumn] });
  core('endpoints', 'Endpoints', { short: ['ep'], singular: 'endpoints' });
  core('events', 'Event', {
    short: ['ev'],
    hooks: { fieldLabels: eventFields },
    columns: eventColumns,
  });
  core('limitranges', 'LimitRange', { short: ['limits'] });
  core('namespaces', 'Namespace', {
    short: ['ns'],
    cluster: true,
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    sub: ['finalize', 'status'],
    hooks: namespaceHooks,
    columns: [col('Status', (o) => readPath(o, '.status.phase')), ageColumn],
  });
  core('nodes', 'Node', {
    short: ['no'],
    cluster: true,
    sub: ['proxy', 'status'],
  });
  core('persistentvolumeclaims', 'PersistentVolumeClaim', {
    short: ['pvc'],
    sub: ['status'],
    hooks: {
      prepareCreate(o) {
        o.status = { phase: 'Pending' };
        const spec = ((o.spec as Record<string, unknown>) ??= {});
        spec.volumeMode ??= 'Filesystem';
      },
    },
    columns: [
      col('Status', (o) => readPath(o, '.status.phase')),
      col('Volume', (o) => readPath(o, '.spec.volumeName') ?? ''),
      col('Capacity', (o) => readPath(o, '.status.capacity.storage') ?? ''),
      col('Access Modes', (o) => ((readPath(o, '.status.accessModes') as string[] | undefined) ?? []).map((m) => accessModeShort[m] ?? m).join(',')),
      col('StorageClass', (o) => readPath(o, '.spec.storageClassName') ?? '<unset>'),
      col('VolumeAttributesClass', (o) => readPath(o, '.spec.volumeAttributesClassName') ?? '<unset>'),
      ageColumn,
      col('VolumeMode', (o) => readPath(o, '.spec.volumeMode'), 'string', 1),
    ],
  });
  core('persistentvolumes', 'PersistentVolume', { short: ['pv'], cluster: true, sub: ['status'], hooks: persistentVolumeHooks });
  core('pods', 'Pod', {
    short: ['po'],
    cat: all,
    sub: ['attach', 'binding', 'ephemeralcontainers', 'eviction', 'exec', 'log', 'portforward', 'proxy', 'resize', 'status'],
    hooks: podHooks,
    columns: [
      col('Ready', podReady),
      col('Status', podStatus),
      col('Restarts', podRestarts, 'string'),
      ageColumn,
      col('IP', (o) => readPath(o, '.status.podIP') ?? '<none>', 'string', 1),
      col('Node', (o) => readPath(o, '.spec.nodeName') ?? '<none>', 'string', 1),
      col('Nominated Node', (o) => readPath(o, '.status.nominatedNodeName') ?? '<none>', 'string', 1),
      col('Readiness Gates', () => '<none>', 'string', 1),
    ],
  });
  core('podtemplates', 'PodTemplate');
  core('replicationcontrollers', 'ReplicationController', { short: ['rc'], cat: all, sub: ['scale', 'status'] });
  core('resourcequotas', 'ResourceQuota', { short: ['quota'], sub: ['status'] });
  core('secrets', 'Secret', {
    hooks: { defaults: defaultSecret, fieldLabels: (o) => ({ type: o.type as string }) },
    columns: [col('Type', (o) => o.type), col('Data', (o) => countKeys(o.data)), ageColumn],
  });
  core('serviceaccounts', 'ServiceAccount', {
    short: ['sa'],
    sub: ['token'],
    columns: [col('Secrets', (o) => ((o.secrets as unknown[]) ?? []).length), ageColumn],
  });
  core('services', 'Service', {
    short: ['svc'],
    cat: all,
    sub: ['proxy', 'status'],
    hooks: serviceHooks(serviceAllocations ?? NO_ALLOCATIONS),
    columns: [
      col('Type', (o) => readPath(o, '.spec.type')),
      col('Cluster-IP', (o) => readPath(o, '.spec.clusterIP') ?? '<none>'),
      col('External-IP', serviceExternalIp),
      col('Port(s)', servicePorts),
      ageColumn,
      col(
        'Selector',
        (o) => {
          const s = readPath(o, '.spec.selector') as Record<string, string> | undefined;
          return s
            ? Object.entries(s)
                .map(([k, v]) => `${k}=${v}`)
                .join(',')
            : '<none>';
        },
        'string',
        1,
      ),
    ],
  });

  const apps = (resource: string, kind: string, d?: Def) => reg.add(def('apps', 'v1', resource, kind, d));
  apps('controllerrevisions', 'ControllerRevision');
  apps('daemonsets', 'DaemonSet', { short: ['ds'], cat: all, sub: ['status'], hooks: workloadHooks() });
  apps('deployments', 'Deployment', { short: ['deploy'], cat: all, sub: ['scale', 'status'], hooks: deploymentHooks, columns: deploymentColumns });
  apps('replicasets', 'ReplicaSet', {
    short: ['rs'],
    cat: all,
    sub: ['scale', 'status'],
    hooks: workloadHooks((s) => void (s.replicas ??= 1)),
    columns: [
      col('Desired', (o) => num(o, '.spec.replicas'), 'integer'),
      col('Current', (o) => num(o, '.status.replicas'), 'integer'),
      col('Ready', (o) => num(o, '.status.readyReplicas'), 'integer'),
      ageColumn,
      ...replicaSetWideColumns,
    ],
  });
  apps('statefulsets', 'StatefulSet', {
    short: ['sts'],
    cat: all,
    sub: ['scale', 'status'],
    hooks: workloadHooks((s) => {
      s.replicas ??= 1;
      s.podManagementPolicy ??= 'OrderedReady';
      s.revisionHistoryLimit ??= 10;
      s.updateStrategy ??= { type: 'RollingUpdate', rollingUpdate: { partition: 0 } };
    }),
    columns: [col('Ready', (o) => `${num(o, '.status.readyReplicas')}/${num(o, '.spec.replicas')}`), ageColumn, ...statefulSetWideColumns],
  });

  const batch = (resource: string, kind: string, d?: Def) => reg.add(def('batch', 'v1', resource, kind, d));
  batch('cronjobs', 'CronJob', { short: ['cj'], cat: all, sub: ['status'] });
  batch('jobs', 'Job', {
    cat: all,
    sub: ['status'],
    hooks: workloadHooks(
      (s) => {
        s.backoffLimit ??= 6;
        s.completions ??= 1;
        s.parallelism ??= 1;
        s.completionMode ??= 'NonIndexed';
        s.suspend ??= false;
        s.podReplacementPolicy ??= 'TerminatingOrFailed';
      },
      (o) => ({ 'status.successful': String(readPath(o, '.status.succeeded') ?? 0) }),
    ),
    columns: [
      col('Status', jobStatus),
      col('Completions', (o) => `${num(o, '.status.succeeded')}/${readPath(o, '.spec.completions') ?? 1}`),
      col('Duration', (o) => {
        const start = readPath(o, '.status.startTime') as string | undefined;
        if (!start) return '';
        const end = (readPath(o, '.status.completionTime') as string | undefined) ?? new Date().toISOString();
        return humanDurationOf(Date.parse(end) - Date.parse(start));
      }),
      ageColumn,
      ...jobWideColumns,
    ],
  });

  reg.add(
    def('certificates.k8s.io', 'v1', 'certificatesigningrequests', 'CertificateSigningRequest', {
      short: ['csr'],
      cluster: true,
      sub: ['approval', 'status'],
      hooks: csrHooks(),
      columns: csrColumns,
    }),
  );
  reg.add(def('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget', { short: ['pdb'], sub: ['status'] }));
  // Rules are stored as protobuf: an empty list comes back as null.
  const emptyRulesAreNull = (o: KubeObject) => {
    if (Array.isArray(o.rules) && o.rules.length === 0) o.rules = null;
  };
  const ruleHooks = { prepareCreate: emptyRulesAreNull, prepareUpdate: emptyRulesAreNull };
  const rbac = (resource: string, kind: string, cluster = false) =>
    reg.add(def('rbac.authorization.k8s.io', 'v1', resource, kind, { cluster, ...(kind.endsWith('Role') ? { hooks: { ...ruleHooks } } : {}) }));
  rbac('clusterrolebindings', 'ClusterRoleBinding', true);
  rbac('clusterroles', 'ClusterRole', true);
  rbac('rolebindings', 'RoleBinding');
  rbac('roles', 'Role');
  reg.add(def('coordination.k8s.io', 'v1', 'leases', 'Lease'));
  reg.add(def('node.k8s.io', 'v1', 'runtimeclasses', 'RuntimeClass', { cluster: true }));
  reg.add(
    def('scheduling.k8s.io', 'v1', 'priorityclasses', 'PriorityClass', {
      short: ['pc'],
      cluster: true,
      hooks: {
        defaults: (o) => void (o.preemptionPolicy ??= 'PreemptLowerPriority'),
        // Its strategy sets generation 1 on create and never bumps it (value and preemptionPolicy are immutable).
        bumpsGeneration: () => false,
      },
    }),
  );
  const adm = (resource: string, kind: string, sub?: string[]) =>
    reg.add(def('admissionregistration.k8s.io', 'v1', resource, kind, { cluster: true, cat: ['api-extensions'], sub }));
  adm('mutatingwebhookconfigurations', 'MutatingWebhookConfiguration');
  adm('validatingadmissionpolicies', 'ValidatingAdmissionPolicy', ['status']);
  adm('validatingadmissionpolicybindings', 'ValidatingAdmissionPolicyBinding');
  adm('validatingwebhookconfigurations', 'ValidatingWebhookConfiguration');
  reg.add(
    def('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', {
      short: ['crd', 'crds'],
      cluster: true,
      cat: ['api-extensions'],
      sub: ['status'],
      columns: [col('Created At', (o) => o.metadata.creationTimestamp, 'date')],
    }),
  );
  reg.add(def('events.k8s.io', 'v1', 'events', 'Event', { short: ['ev'] }));
  const net = (resource: string, kind: string, d?: Def) => reg.add(def('networking.k8s.io', 'v1', resource, kind, d));
  net('ingressclasses', 'IngressClass', { cluster: true });
  net('ingresses', 'Ingress', { short: ['ing'], sub: ['status'] });
  net('networkpolicies', 'NetworkPolicy', { short: ['netpol'] });
  reg.add(def('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', { hooks: endpointSliceHooks }));
  const storage = (resource: string, kind: string, d?: Def) => reg.add(def('storage.k8s.io', 'v1', resource, kind, d));
  storage('csidrivers', 'CSIDriver', { cluster: true });
  storage('csinodes', 'CSINode', { cluster: true });
  storage('csistoragecapacities', 'CSIStorageCapacity');
  storage('storageclasses', 'StorageClass', { short: ['sc'], cluster: true });
  storage('volumeattachments', 'VolumeAttachment', { cluster: true, sub: ['status'] });
  for (const version of ['v2', 'v1'])
    reg.add({
      ...def('autoscaling', version, 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', { short: ['hpa'], cat: all, sub: ['status'] }),
      conversion: hpaConversion,
    });
  reg.add(def('authorization.k8s.io', 'v1', 'selfsubjectaccessreviews', 'SelfSubjectAccessReview', { cluster: true, verbs: ['create'] }));
  reg.add(def('authentication.k8s.io', 'v1', 'selfsubjectreviews', 'SelfSubjectReview', { cluster: true, verbs: ['create'] }));
}

/** Kinds whose strategy keeps metadata.generation. */
export const GENERATION_KINDS = new Set([
  'Pod',
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
  'ReplicationController',
  'PodDisruptionBudget',
  'PriorityClass',
  'HorizontalPodAutoscaler',
  'CustomResourceDefinition',
  'Ingress',
  'NetworkPolicy',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'EndpointSlice',
]);

/** Resources that a PUT may create (AllowCreateOnUpdate in their strategies). */
export const CREATE_ON_UPDATE = new Set([
  '/endpoints',
  '/limitranges',
  '/services',
  '/events',
  'events.k8s.io/events',
  'coordination.k8s.io/leases',
  '/nodes',
  'rbac.authorization.k8s.io/roles',
  'rbac.authorization.k8s.io/rolebindings',
  'rbac.authorization.k8s.io/clusterroles',
  'rbac.authorization.k8s.io/clusterrolebindings',
]);

const accessModeShort: Record<string, string> = { ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' };

function humanDurationOf(ms: number): string {
  return ageColumn.cell({ apiVersion: 'v1', kind: 'x', metadata: { creationTimestamp: new Date(Date.now() - ms).toISOString() } }) as string;
}

function jobStatus(o: KubeObject): string {
  const conds = (readPath(o, '.status.conditions') as { type: string; status: string }[] | undefined) ?? [];
  const has = (t: string) => conds.some((c) => c.type === t && c.status === 'True');
  if (has('Complete')) return 'Complete';
  if (has('Failed')) return 'Failed';
  if (has('Suspended')) return 'Suspended';
  return 'Running';
}
