/**
 * Built-in defaulting, as the API server's SetDefaults_* functions and default admission plugins
 * fill fields of the kinds operators use. Driven by tables of `path → default`: a path is dotted,
 * `[]` walks every element of a list, and a default only fills a missing leaf whose parent
 * exists (defaulting never invents structures the user did not write, except where listed).
 */
import type { KubeObject } from '../../k8s/object.js';

type Any = Record<string, any>;
/** A constant, or a function of the parent object (undefined = leave unset). */
export type DefaultValue = unknown | ((parent: Any, root: Any) => unknown);
export type DefaultRule = [path: string, value: DefaultValue];

/** Always for `:latest` or untagged images, IfNotPresent otherwise (digests included). */
export function imagePullPolicyFor(image: unknown): string {
  if (typeof image !== 'string') return 'IfNotPresent';
  if (image.includes('@')) return 'IfNotPresent';
  const last = image.split('/').pop()!;
  const tag = last.includes(':') ? last.slice(last.indexOf(':') + 1) : '';
  return !tag || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

const PROBE = (p: string): DefaultRule[] => [
  [`${p}.timeoutSeconds`, 1],
  [`${p}.periodSeconds`, 10],
  [`${p}.successThreshold`, 1],
  [`${p}.failureThreshold`, 3],
  [`${p}.httpGet.scheme`, 'HTTP'],
  [`${p}.httpGet.path`, '/'],
];

function containerRules(c: string): DefaultRule[] {
  return [
    [`${c}.terminationMessagePath`, '/dev/termination-log'],
    [`${c}.terminationMessagePolicy`, 'File'],
    [`${c}.imagePullPolicy`, (parent: Any) => imagePullPolicyFor(parent.image)],
    [`${c}.resources`, {}],
    [`${c}.ports[].protocol`, 'TCP'],
    [`${c}.env[].valueFrom.fieldRef.apiVersion`, 'v1'],
    ...PROBE(`${c}.livenessProbe`),
    ...PROBE(`${c}.readinessProbe`),
    ...PROBE(`${c}.startupProbe`),
  ];
}

/** PodSpec defaults (pods and every pod template). */
export function podSpecRules(spec: string): DefaultRule[] {
  return [
    [`${spec}.restartPolicy`, 'Always'],
    [`${spec}.terminationGracePeriodSeconds`, 30],
    [`${spec}.dnsPolicy`, 'ClusterFirst'],
    [`${spec}.securityContext`, {}],
    [`${spec}.schedulerName`, 'default-scheduler'],
    // v1 conversion mirrors serviceAccountName into the deprecated serviceAccount.
    [`${spec}.serviceAccount`, (s: Any) => s.serviceAccountName],
    ...containerRules(`${spec}.containers[]`),
    ...containerRules(`${spec}.initContainers[]`),
    [`${spec}.volumes[].secret.defaultMode`, 420],
    [`${spec}.volumes[].configMap.defaultMode`, 420],
    [`${spec}.volumes[].downwardAPI.defaultMode`, 420],
    [`${spec}.volumes[].projected.defaultMode`, 420],
    [`${spec}.volumes[].hostPath.type`, ''],
  ];
}

function requestsFromLimits(resources: Any): unknown {
  const limits = resources.limits as Any | undefined;
  return limits && Object.keys(limits).length ? { ...limits } : undefined;
}

/** The tables, by "group/Kind". */
export const DEFAULTS: Record<string, DefaultRule[]> = {
  '/Pod': [
    ...podSpecRules('spec'),
    ['spec.enableServiceLinks', true],
    // SetDefaults_Pod (pods only, not templates): a container with limits but no requests requests its limits.
    ['spec.containers[].resources.requests', requestsFromLimits],
    ['spec.initContainers[].resources.requests', requestsFromLimits],
  ],
  '/PodTemplate': podSpecRules('template.spec'),
  '/ReplicationController': [
    ['spec.replicas', 1],
    // A controller without labels or selector takes its template's labels for both.
    ['spec.selector', (spec: Any) => (spec.template?.metadata?.labels ? { ...spec.template.metadata.labels } : undefined)],
    ['metadata.labels', (_meta: Any, root: Any) => (root.spec?.template?.metadata?.labels ? { ...root.spec.template.metadata.labels } : undefined)],
    ...podSpecRules('spec.template.spec'),
  ],
  'apps/Deployment': [
    ['spec.replicas', 1],
    ['spec.revisionHistoryLimit', 10],
    ['spec.progressDeadlineSeconds', 600],
    ['spec.strategy', {}],
    ['spec.strategy.type', 'RollingUpdate'],
    ['spec.strategy.rollingUpdate', (strategy: Any) => (strategy.type === 'RollingUpdate' ? {} : undefined)],
    ['spec.strategy.rollingUpdate.maxUnavailable', '25%'],
    ['spec.strategy.rollingUpdate.maxSurge', '25%'],
    ...podSpecRules('spec.template.spec'),
  ],
  'apps/ReplicaSet': [['spec.replicas', 1], ...podSpecRules('spec.template.spec')],
  'apps/StatefulSet': [
    ['spec.replicas', 1],
    ['spec.podManagementPolicy', 'OrderedReady'],
    ['spec.revisionHistoryLimit', 10],
    ['spec.updateStrategy', { type: 'RollingUpdate' }],
    ['spec.updateStrategy.rollingUpdate', (u: Any) => (u.type === 'RollingUpdate' ? { partition: 0 } : undefined)],
    ['spec.updateStrategy.rollingUpdate.partition', 0],
    ['spec.persistentVolumeClaimRetentionPolicy', { whenDeleted: 'Retain', whenScaled: 'Retain' }],
    ['spec.volumeClaimTemplates[].spec.volumeMode', 'Filesystem'],
    ['spec.volumeClaimTemplates[].status', { phase: 'Pending' }],
    ...podSpecRules('spec.template.spec'),
  ],
  'apps/DaemonSet': [
    ['spec.revisionHistoryLimit', 10],
    ['spec.updateStrategy', { type: 'RollingUpdate' }],
    ['spec.updateStrategy.rollingUpdate', (u: Any) => (u.type === 'RollingUpdate' ? {} : undefined)],
    ['spec.updateStrategy.rollingUpdate.maxUnavailable', 1],
    ['spec.updateStrategy.rollingUpdate.maxSurge', 0],
    ...podSpecRules('spec.template.spec'),
  ],
  'batch/Job': [
    ['spec.parallelism', 1],
    ['spec.completions', (spec: Any) => (spec.parallelism === undefined || spec.completionMode === 'Indexed' ? 1 : undefined)],
    ['spec.backoffLimit', (spec: Any) => (spec.backoffLimitPerIndex !== undefined ? 2147483647 : 6)],
    ['spec.completionMode', 'NonIndexed'],
    ['spec.suspend', false],
    ['spec.manualSelector', undefined],
    ['spec.podReplacementPolicy', (spec: Any) => (spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed')],
    // restartPolicy has no default for Jobs (validation requires OnFailure or Never).
    ...podSpecRules('spec.template.spec').filter(([p]) => !p.endsWith('.restartPolicy')),
  ],
  'batch/CronJob': [
    ['spec.concurrencyPolicy', 'Allow'],
    ['spec.suspend', false],
    ['spec.successfulJobsHistoryLimit', 3],
    ['spec.failedJobsHistoryLimit', 1],
    ...podSpecRules('spec.jobTemplate.spec.template.spec').filter(([p]) => !p.endsWith('.restartPolicy')),
  ],
  '/Service': [
    ['spec.type', 'ClusterIP'],
    ['spec.sessionAffinity', 'None'],
    ['spec.ports[].protocol', 'TCP'],
    ['spec.ports[].targetPort', (port: Any) => port.port],
    ['spec.internalTrafficPolicy', (spec: Any) => (spec.type === 'ExternalName' ? undefined : 'Cluster')],
    ['spec.externalTrafficPolicy', (spec: Any) => (spec.type === 'NodePort' || spec.type === 'LoadBalancer' ? 'Cluster' : undefined)],
    ['spec.allocateLoadBalancerNodePorts', (spec: Any) => (spec.type === 'LoadBalancer' ? true : undefined)],
    ['spec.sessionAffinityConfig', (spec: Any) => (spec.sessionAffinity === 'ClientIP' ? { clientIP: { timeoutSeconds: 10800 } } : undefined)],
  ],
  '/Secret': [['type', 'Opaque']],
  '/PersistentVolumeClaim': [
    ['spec.volumeMode', 'Filesystem'],
    ['status', {}],
    ['status.phase', 'Pending'],
  ],
  '/PersistentVolume': [
    ['spec.persistentVolumeReclaimPolicy', 'Retain'],
    ['spec.volumeMode', 'Filesystem'],
  ],
  '/Endpoints': [['subsets[].ports[].protocol', 'TCP']],
  'discovery.k8s.io/EndpointSlice': [
    ['ports[].name', ''],
    ['ports[].protocol', 'TCP'],
  ],
  '/LimitRange': [
    // Container limits: default falls back to max, defaultRequest to default.
    ['spec.limits[].default', (l: Any) => (l.type === 'Container' && l.max ? { ...l.max } : undefined)],
    ['spec.limits[].defaultRequest', (l: Any) => (l.type === 'Container' && l.default ? { ...l.default } : undefined)],
  ],
  'storage.k8s.io/StorageClass': [
    ['reclaimPolicy', 'Delete'],
    ['volumeBindingMode', 'Immediate'],
  ],
  'storage.k8s.io/CSIDriver': [
    ['spec.attachRequired', true],
    ['spec.podInfoOnMount', false],
    ['spec.storageCapacity', false],
    ['spec.fsGroupPolicy', 'ReadWriteOnceWithFSType'],
    ['spec.requiresRepublish', false],
    ['spec.volumeLifecycleModes', () => ['Persistent']],
    ['spec.seLinuxMount', false],
  ],
  '/Namespace': [],
  'policy/PodDisruptionBudget': [],
  'networking.k8s.io/Ingress': [['spec.rules[].http.paths[].pathType', undefined]],
  'networking.k8s.io/NetworkPolicy': [
    ['spec.policyTypes', (spec: Any) => (spec.egress ? ['Ingress', 'Egress'] : ['Ingress'])],
    ['spec.ingress[].ports[].protocol', 'TCP'],
    ['spec.egress[].ports[].protocol', 'TCP'],
  ],
  'rbac.authorization.k8s.io/RoleBinding': [['subjects[].apiGroup', (s: Any) => (s.kind === 'ServiceAccount' ? '' : 'rbac.authorization.k8s.io')]],
  'rbac.authorization.k8s.io/ClusterRoleBinding': [['subjects[].apiGroup', (s: Any) => (s.kind === 'ServiceAccount' ? '' : 'rbac.authorization.k8s.io')]],
  'admissionregistration.k8s.io/MutatingWebhookConfiguration': [...webhookRules(), ['webhooks[].reinvocationPolicy', 'Never']],
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration': webhookRules(),
};

/**
 * Fields the built-in mutating admission plugins fill, by "group/Kind". They run after the
 * field manager recorded the write, so the writer does not come to own them.
 */
export const ADMISSION_DEFAULTS: Record<string, DefaultRule[]> = {
  '/Pod': [
    // ServiceAccount, Priority and DefaultTolerationSeconds.
    ['spec.serviceAccountName', (spec: Any) => spec.serviceAccount ?? 'default'],
    ['spec.serviceAccount', (spec: Any) => spec.serviceAccountName],
    ['spec.priority', 0],
    ['spec.preemptionPolicy', 'PreemptLowerPriority'],
    [
      'spec.tolerations',
      () => [
        { effect: 'NoExecute', key: 'node.kubernetes.io/not-ready', operator: 'Exists', tolerationSeconds: 300 },
        { effect: 'NoExecute', key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 300 },
      ],
    ],
  ],
  // StorageObjectInUseProtection.
  '/PersistentVolumeClaim': [['metadata.finalizers', () => ['kubernetes.io/pvc-protection']]],
  '/PersistentVolume': [['metadata.finalizers', () => ['kubernetes.io/pv-protection']]],
};

function webhookRules(): DefaultRule[] {
  return [
    ['webhooks[].failurePolicy', 'Fail'],
    ['webhooks[].matchPolicy', 'Equivalent'],
    ['webhooks[].namespaceSelector', {}],
    ['webhooks[].objectSelector', {}],
    ['webhooks[].timeoutSeconds', 10],
    ['webhooks[].rules[].scope', '*'],
    ['webhooks[].clientConfig.service.port', 443],
  ];
}

/** Fills the defaults of one table into `obj` (in place). */
export function applyDefaults(obj: KubeObject, rules: DefaultRule[]): void {
  for (const [path, value] of rules) fill(obj as Any, obj as Any, path.split('.'), value);
}

function fill(root: Any, node: Any, parts: string[], value: DefaultValue): void {
  const [head, ...rest] = parts;
  if (head.endsWith('[]')) {
    const list = node[head.slice(0, -2)];
    if (Array.isArray(list)) for (const item of list) if (item && typeof item === 'object') fill(root, item, rest, value);
    return;
  }
  if (rest.length) {
    const child = node[head];
    if (child && typeof child === 'object' && !Array.isArray(child)) fill(root, child, rest, value);
    return;
  }
  if (node[head] !== undefined) return;
  const v = typeof value === 'function' ? (value as (p: Any, r: Any) => unknown)(node, root) : structuredClone(value);
  if (v !== undefined) node[head] = v;
}
