/**
 * Built-in validation of the kinds operators use, with the API server's messages for the
 * common mistakes: tables of field checks per kind (applied to every pod template a kind
 * carries) and of fields that may not change on update.
 */
import type { KubeObject } from '../../k8s/object.js';
import { formatQuantity, parseQuantity, type Quantity } from '../../k8s/quantity.js';
import { isDns1123Label } from '../../k8s/validation.js';
import { sameObject } from '../apiserver/core.js';
import { fieldForbidden, fieldInvalid, fieldNotSupported, fieldRequired, type Cause } from '../apiserver/errors.js';
import { validateEndpointSlice } from './endpointslice-validation.js';

type Any = Record<string, any>;
type Check = (obj: Any, old: Any | undefined) => Cause[];

// ---- Go-style value formatting used in "Invalid value" messages ----

/** `map[string]string{"a":"b"}` as Go's %#v prints a label map. */
export function goStringMap(m: Record<string, string> | undefined): string {
  if (!m) return 'map[string]string(nil)';
  return `map[string]string{${Object.keys(m)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(m[k])}`)
    .join(', ')}}`;
}

function goSelector(s: Any | undefined): string {
  if (!s) return '(*v1.LabelSelector)(nil)';
  const exprs = s.matchExpressions?.length ? `[]v1.LabelSelectorRequirement{...}` : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${goStringMap(s.matchLabels)}, MatchExpressions:${exprs}}`;
}

const raw = (field: string, shown: string, detail: string): Cause => ({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${shown}: ${detail}` });
const same = (a: unknown, b: unknown) => sameObject(a ?? null, b ?? null);
const get = (o: Any | undefined, path: string): any => path.split('.').reduce<any>((v, k) => (v && typeof v === 'object' ? v[k] : undefined), o);

// ---- pod specs ----

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];

function portRange(field: string, v: unknown): Cause[] {
  if (v === undefined) return [];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535) return [fieldInvalid(field, v, 'must be between 1 and 65535, inclusive')];
  return [];
}

function containerList(list: Any[] | undefined, path: string, volumes: Set<string>, names: Set<string>, requireImage: boolean): Cause[] {
  const out: Cause[] = [];
  (list ?? []).forEach((c, i) => {
    const p = `${path}[${i}]`;
    if (!c.name) out.push(fieldRequired(`${p}.name`, ''));
    else {
      for (const msg of isDns1123Label(String(c.name)).slice(0, 1)) out.push(fieldInvalid(`${p}.name`, c.name, msg));
      if (names.has(c.name)) out.push({ reason: 'FieldValueDuplicate', field: `${p}.name`, message: `Duplicate value: ${JSON.stringify(c.name)}` });
      names.add(c.name);
    }
    if (requireImage && !c.image) out.push(fieldRequired(`${p}.image`, ''));
    if (c.imagePullPolicy !== undefined && !PULL_POLICIES.includes(c.imagePullPolicy))
      out.push(fieldNotSupported(`${p}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES));
    (c.ports ?? []).forEach((port: Any, j: number) => {
      const pp = `${p}.ports[${j}]`;
      if (port.containerPort === undefined) out.push(fieldRequired(`${pp}.containerPort`, ''));
      else out.push(...portRange(`${pp}.containerPort`, port.containerPort));
      if (port.protocol !== undefined && !PROTOCOLS.includes(port.protocol)) out.push(fieldNotSupported(`${pp}.protocol`, port.protocol, PROTOCOLS));
    });
    (c.volumeMounts ?? []).forEach((m: Any, j: number) => {
      const mp = `${p}.volumeMounts[${j}]`;
      if (!m.name) out.push(fieldRequired(`${mp}.name`, ''));
      else if (!volumes.has(m.name)) out.push({ reason: 'FieldValueNotFound', field: `${mp}.name`, message: `Not found: ${JSON.stringify(m.name)}` });
      if (!m.mountPath) out.push(fieldRequired(`${mp}.mountPath`, ''));
    });
    (c.env ?? []).forEach((e: Any, j: number) => {
      if (!e.name) out.push(fieldRequired(`${p}.env[${j}].name`, ''));
    });
  });
  return out;
}

/** PodSpec validation at `path`; `extraVolumes` are names a StatefulSet's claim templates provide. */
export function validatePodSpec(spec: Any | undefined, path: string, opts: { extraVolumes?: string[] } = {}): Cause[] {
  if (!spec || typeof spec !== 'object') return [fieldRequired(path, '')];
  const out: Cause[] = [];
  const volumes = new Set<string>(opts.extraVolumes ?? []);
  (spec.volumes ?? []).forEach((v: Any, i: number) => {
    if (!v.name) out.push(fieldRequired(`${path}.volumes[${i}].name`, ''));
    else if (volumes.has(v.name) && !(opts.extraVolumes ?? []).includes(v.name))
      out.push({ reason: 'FieldValueDuplicate', field: `${path}.volumes[${i}].name`, message: `Duplicate value: ${JSON.stringify(v.name)}` });
    if (v.name) volumes.add(v.name);
  });
  if (!Array.isArray(spec.containers) || spec.containers.length === 0) out.push(fieldRequired(`${path}.containers`, ''));
  const names = new Set<string>();
  out.push(...containerList(spec.initContainers, `${path}.initContainers`, volumes, names, true));
  out.push(...containerList(spec.containers, `${path}.containers`, volumes, names, true));
  // An absent restartPolicy is defaulted to Always before validation.
  if (spec.restartPolicy !== undefined && !RESTART_POLICIES.includes(spec.restartPolicy))
    out.push(fieldNotSupported(`${path}.restartPolicy`, spec.restartPolicy, RESTART_POLICIES));
  if (spec.dnsPolicy !== undefined && !DNS_POLICIES.includes(spec.dnsPolicy)) out.push(fieldNotSupported(`${path}.dnsPolicy`, spec.dnsPolicy, DNS_POLICIES));
  // A negative terminationGracePeriodSeconds is accepted (and treated as 1), not rejected.
  return out;
}

// ---- workloads ----

/** A pod template of a ReplicaSet, Deployment, DaemonSet, StatefulSet or ReplicationController: pods that always restart. */
function validateTemplateSpec(spec: Any | undefined, extraVolumes: string[] = []): Cause[] {
  const out = validatePodSpec(spec, 'spec.template.spec', { extraVolumes });
  const policy = spec?.restartPolicy ?? 'Always';
  if (spec && policy !== 'Always') out.push(fieldNotSupported('spec.template.spec.restartPolicy', policy, ['Always']));
  return out;
}

/** A Job's pods: Always (the default) is "required" to be another value, as current Kubernetes words it. */
function jobRestartPolicy(spec: Any | undefined): Cause[] {
  const field = 'spec.template.spec.restartPolicy';
  const policy = spec?.template?.spec?.restartPolicy ?? 'Always';
  if (policy === 'Always') return [fieldRequired(field, 'valid values: "OnFailure", "Never"')];
  if (policy !== 'OnFailure' && policy !== 'Never') return [fieldNotSupported(field, policy, ['OnFailure', 'Never'])];
  if (spec?.podFailurePolicy && policy !== 'Never') return [fieldInvalid(field, policy, 'only "Never" is supported when podFailurePolicy is specified')];
  return [];
}

function nonNegative(field: string, v: unknown): Cause[] {
  return typeof v === 'number' && v < 0 ? [fieldInvalid(field, v, 'must be greater than or equal to 0')] : [];
}

function selectorMatchesTemplate(obj: Any, required = true): Cause[] {
  const sel = obj.spec?.selector;
  const labels = obj.spec?.template?.metadata?.labels as Record<string, string> | undefined;
  // A missing selector selects nothing, so the template's labels do not match it either.
  if (!sel)
    return required
      ? [fieldRequired('spec.selector', ''), raw('spec.template.metadata.labels', goStringMap(labels), '`selector` does not match template `labels`')]
      : [];
  const out: Cause[] = [];
  const ok =
    Object.entries((sel.matchLabels ?? {}) as Record<string, string>).every(([k, v]) => labels?.[k] === v) &&
    ((sel.matchExpressions ?? []) as Any[]).every((e) => {
      const has = labels && e.key in labels;
      if (e.operator === 'In') return has && (e.values ?? []).includes(labels![e.key]);
      if (e.operator === 'NotIn') return !has || !(e.values ?? []).includes(labels![e.key]);
      if (e.operator === 'Exists') return has;
      if (e.operator === 'DoesNotExist') return !has;
      return true;
    });
  if (!ok) out.push(raw('spec.template.metadata.labels', goStringMap(labels), '`selector` does not match template `labels`'));
  return out;
}

const immutableSelector: Check = (obj, old) =>
  old && !same(obj.spec?.selector, old.spec?.selector) ? [raw('spec.selector', goSelector(obj.spec?.selector), 'field is immutable')] : [];

const STATEFULSET_MUTABLE = [
  'replicas',
  'ordinals',
  'template',
  'updateStrategy',
  'revisionHistoryLimit',
  'persistentVolumeClaimRetentionPolicy',
  'minReadySeconds',
];

/** The checks of each kind, by "group/Kind". */
export const VALIDATIONS: Record<string, Check[]> = {
  '/Pod': [
    (o) => validatePodSpec(o.spec, 'spec'),
    (o, old) => {
      if (!old) return [];
      // Pod specs are immutable but for images, activeDeadlineSeconds, tolerations additions and the binding of nodeName.
      const strip = (spec: Any | undefined, other: Any | undefined) => {
        const s = structuredClone(spec ?? {});
        for (const k of ['containers', 'initContainers']) s[k] = (s[k] ?? []).map((c: Any) => ({ ...c, image: undefined }));
        delete s.activeDeadlineSeconds;
        delete s.tolerations;
        if (!other?.nodeName) delete s.nodeName;
        delete s.terminationGracePeriodSeconds;
        return s;
      };
      if (same(strip(o.spec, old.spec), strip(old.spec, old.spec))) return [];
      return [
        fieldForbidden(
          'spec',
          'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
        ),
      ];
    },
  ],
  '/PodTemplate': [(o) => validatePodSpec(o.template?.spec, 'template.spec')],
  '/ReplicationController': [(o) => nonNegative('spec.replicas', o.spec?.replicas), (o) => validateTemplateSpec(o.spec?.template?.spec)],
  'apps/Deployment': [
    (o) => nonNegative('spec.replicas', o.spec?.replicas),
    (o) => selectorMatchesTemplate(o),
    immutableSelector,
    (o) => {
      const s = o.spec?.strategy;
      if (!s) return [];
      if (s.type !== undefined && !['Recreate', 'RollingUpdate'].includes(s.type))
        return [fieldNotSupported('spec.strategy.type', s.type, ['Recreate', 'RollingUpdate'])];
      if (s.type === 'Recreate' && s.rollingUpdate)
        return [fieldForbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'")];
      return [];
    },
    (o) => validateTemplateSpec(o.spec?.template?.spec),
  ],
  'apps/ReplicaSet': [
    (o) => nonNegative('spec.replicas', o.spec?.replicas),
    (o) => selectorMatchesTemplate(o),
    immutableSelector,
    (o) => validateTemplateSpec(o.spec?.template?.spec),
  ],
  'apps/DaemonSet': [(o) => selectorMatchesTemplate(o), immutableSelector, (o) => validateTemplateSpec(o.spec?.template?.spec)],
  'apps/StatefulSet': [
    (o) => nonNegative('spec.replicas', o.spec?.replicas),
    (o) => selectorMatchesTemplate(o),
    (o) => {
      const p = o.spec?.podManagementPolicy;
      return p !== undefined && !['OrderedReady', 'Parallel'].includes(p)
        ? [fieldNotSupported('spec.podManagementPolicy', p, ['OrderedReady', 'Parallel'])]
        : [];
    },
    (o) => validateTemplateSpec(o.spec?.template?.spec, ((o.spec?.volumeClaimTemplates ?? []) as Any[]).map((c) => c.metadata?.name).filter(Boolean)),
    (o, old) => {
      if (!old) return [];
      const strip = (spec: Any | undefined) => Object.fromEntries(Object.entries(spec ?? {}).filter(([k]) => !STATEFULSET_MUTABLE.includes(k)));
      if (same(strip(o.spec), strip(old.spec))) return [];
      const quoted = STATEFULSET_MUTABLE.map((f) => `'${f}'`);
      return [
        fieldForbidden(
          'spec',
          `updates to statefulset spec for fields other than ${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]} are forbidden`,
        ),
      ];
    },
  ],
  'batch/Job': [
    (o) => nonNegative('spec.parallelism', o.spec?.parallelism),
    (o) => nonNegative('spec.completions', o.spec?.completions),
    (o) => nonNegative('spec.backoffLimit', o.spec?.backoffLimit),
    (o) =>
      o.spec?.activeDeadlineSeconds !== undefined && o.spec.activeDeadlineSeconds <= 0
        ? [fieldInvalid('spec.activeDeadlineSeconds', o.spec.activeDeadlineSeconds, 'must be greater than 0')]
        : [],
    (o) => {
      const m = o.spec?.completionMode;
      return m !== undefined && !['NonIndexed', 'Indexed'].includes(m) ? [fieldNotSupported('spec.completionMode', m, ['NonIndexed', 'Indexed'])] : [];
    },
    (o) => selectorMatchesTemplate(o, false),
    (o) => [...validatePodSpec(o.spec?.template?.spec, 'spec.template.spec'), ...jobRestartPolicy(o.spec)],
    immutableSelector,
    (o, old) =>
      old && !same(o.spec?.template, old.spec?.template) && !old.spec?.suspend ? [raw('spec.template', 'core.PodTemplateSpec{...}', 'field is immutable')] : [],
    (o, old) =>
      old && o.spec?.completionMode !== 'Indexed' && !same(o.spec?.completions, old.spec?.completions)
        ? [fieldInvalid('spec.completions', o.spec?.completions, 'field is immutable')]
        : [],
    (o, old) =>
      old && !same(o.spec?.completionMode, old.spec?.completionMode) ? [fieldInvalid('spec.completionMode', o.spec?.completionMode, 'field is immutable')] : [],
  ],
  '/Service': [
    (o) => {
      const spec = o.spec ?? {};
      const out: Cause[] = [];
      const types = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
      if (spec.type !== undefined && !types.includes(spec.type)) out.push(fieldNotSupported('spec.type', spec.type, types));
      if (spec.type === 'ExternalName') {
        if (!spec.externalName) out.push(fieldRequired('spec.externalName', ''));
        return out;
      }
      const ports = (spec.ports ?? []) as Any[];
      if (!ports.length && spec.clusterIP !== 'None') out.push(fieldRequired('spec.ports', ''));
      const names = new Set<string>();
      ports.forEach((p, i) => {
        const f = `spec.ports[${i}]`;
        if (ports.length > 1 && !p.name) out.push(fieldRequired(`${f}.name`, ''));
        if (p.name) {
          if (names.has(p.name)) out.push({ reason: 'FieldValueDuplicate', field: `${f}.name`, message: `Duplicate value: ${JSON.stringify(p.name)}` });
          names.add(p.name);
        }
        // Kubernetes' order: name, port, protocol, targetPort.
        out.push(...portRange(`${f}.port`, p.port ?? 0));
        if (p.protocol !== undefined && !PROTOCOLS.includes(p.protocol)) out.push(fieldNotSupported(`${f}.protocol`, p.protocol, PROTOCOLS));
        if (typeof p.targetPort === 'number') out.push(...portRange(`${f}.targetPort`, p.targetPort));
      });
      if (spec.sessionAffinity !== undefined && !['ClientIP', 'None'].includes(spec.sessionAffinity))
        out.push(fieldNotSupported('spec.sessionAffinity', spec.sessionAffinity, ['ClientIP', 'None']));
      return out;
    },
    (o, old) => {
      if (!old || old.spec?.type === 'ExternalName' || o.spec?.type === 'ExternalName') return [];
      const before = old.spec?.clusterIP ?? old.spec?.clusterIPs?.[0];
      const changed = [o.spec?.clusterIP, o.spec?.clusterIPs?.[0]].find((ip) => ip !== undefined && ip !== before);
      if (!before || changed === undefined) return [];
      return [raw('spec.clusterIPs[0]', `[]string{${JSON.stringify(changed)}}`, 'may not change once set')];
    },
  ],
  '/ConfigMap': [(o) => [...dataKeys(o.data, 'data'), ...dataKeys(o.binaryData, 'binaryData')], immutableData],
  // A subset with several ports tells them apart by name.
  '/Endpoints': [
    (o) =>
      ((o.subsets as { ports?: { name?: string }[] }[] | undefined) ?? []).flatMap((ss, i) =>
        (ss.ports ?? []).length > 1 ? (ss.ports ?? []).flatMap((port, j) => (port.name ? [] : [fieldRequired(`subsets[${i}].ports[${j}].name`, '')])) : [],
      ),
  ],
  'discovery.k8s.io/EndpointSlice': [validateEndpointSlice],
  '/Secret': [
    (o) => [...dataKeys(o.data, 'data'), ...dataKeys(o.stringData, 'stringData')],
    immutableData,
    (o, old) => (old && old.type !== undefined && o.type !== old.type ? [fieldInvalid('type', o.type, 'field is immutable')] : []),
    (o) => {
      const required: Record<string, string[]> = {
        'kubernetes.io/tls': ['tls.crt', 'tls.key'],
        'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
        'kubernetes.io/basic-auth': [],
      };
      return (required[o.type] ?? []).filter((k) => o.data?.[k] === undefined && o.stringData?.[k] === undefined).map((k) => fieldRequired(`data[${k}]`, ''));
    },
  ],
  '/PersistentVolumeClaim': [
    (o, old) => {
      if (old) return [];
      const out: Cause[] = [];
      if (!(o.spec?.accessModes ?? []).length) out.push(fieldRequired('spec.accessModes', 'at least 1 access mode is required'));
      if (!o.spec?.dataSource && !o.spec?.dataSourceRef && get(o, 'spec.resources.requests.storage') === undefined)
        out.push(fieldRequired('spec.resources[storage]', ''));
      return out;
    },
    (o, old) => {
      if (!old) return [];
      const strip = (s: Any | undefined) => ({
        ...(s ?? {}),
        resources: { ...(s?.resources ?? {}), requests: undefined },
        volumeName: undefined,
        volumeAttributesClassName: undefined,
      });
      const bindingVolume = !old.spec?.volumeName;
      if (same(strip(o.spec), strip(old.spec)) && (bindingVolume || o.spec?.volumeName === old.spec?.volumeName)) return [];
      return [fieldForbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims')];
    },
  ],
  '/ResourceQuota': [(o) => quotaSpec(o.spec)],
  'admissionregistration.k8s.io/MutatingWebhookConfiguration': [(o) => webhookChecks(o)],
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration': [(o) => webhookChecks(o)],
};

// ---- resource quotas ----

/** A parsed quantity as Go's %#v prints resource.Quantity (validation passes the struct itself). */
function goQuantity(q: Quantity): string {
  const amount = `resource.int64Amount{value:${q.mantissa}, scale:${q.exponent}}`;
  return `resource.Quantity{i:${amount}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:${JSON.stringify(formatQuantity(q))}, Format:${JSON.stringify(q.format)}}`;
}

const POD_COUNT = ['pods'];
const POD_COMPUTE = ['cpu', 'memory', 'limits.cpu', 'limits.memory', 'requests.cpu', 'requests.memory'];
const INTEGER_QUOTA = [
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'services.nodeports',
  'services.loadbalancers',
];
const STANDARD_QUOTA = new Set([
  ...POD_COMPUTE,
  ...INTEGER_QUOTA,
  'ephemeral-storage',
  'requests.storage',
  'requests.ephemeral-storage',
  'limits.ephemeral-storage',
]);
const QUOTA_SCOPES = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity'];

const isStandardQuotaName = (name: string) => STANDARD_QUOTA.has(name) || /^requests\.hugepages-/.test(name);

/** Which quota resources a scope may limit: pod scopes only limit pods and their compute. */
function scopeFitsResource(scope: string, resource: string): boolean {
  if (scope === 'BestEffort') return POD_COUNT.includes(resource);
  if (QUOTA_SCOPES.includes(scope)) return POD_COUNT.includes(resource) || POD_COMPUTE.includes(resource);
  return true;
}

/** ResourceQuota spec: hard amounts are non-negative (whole for counts); scopes fit the resources they limit. */
function quotaSpec(spec: Any | undefined): Cause[] {
  const out: Cause[] = [];
  const hard: Record<string, unknown> = spec?.hard ?? {};
  for (const [name, value] of Object.entries(hard)) {
    let q: Quantity;
    try {
      q = parseQuantity(value as string);
    } catch {
      continue; // the decoder already refused malformed quantities
    }
    const field = `spec.hard[${name}]`;
    const whole = q.exponent >= 0 || q.mantissa % 10n ** BigInt(-q.exponent) === 0n;
    if (q.mantissa < 0n) out.push(raw(field, JSON.stringify(formatQuantity(q)), 'must be greater than or equal to 0'));
    else if ((INTEGER_QUOTA.includes(name) || name.startsWith('count/')) && !whole) out.push(raw(field, goQuantity(q), 'must be an integer'));
  }
  const scopes: string[] = spec?.scopes ?? [];
  if (!scopes.length) return out;
  const shown = `[]core.ResourceQuotaScope{${scopes.map((x) => JSON.stringify(x)).join(', ')}}`;
  const names = Object.keys(hard).sort();
  for (const scope of scopes) {
    if (!QUOTA_SCOPES.includes(scope)) out.push(raw('spec.scopes', shown, 'unsupported scope'));
    for (const name of names)
      if (isStandardQuotaName(name) && !scopeFitsResource(scope, name)) out.push(raw('spec.scopes', shown, 'unsupported scope applied to resource'));
  }
  for (const pair of [
    ['BestEffort', 'NotBestEffort'],
    ['Terminating', 'NotTerminating'],
  ])
    if (pair.every((x) => scopes.includes(x))) out.push(raw('spec.scopes', shown, 'conflicting scopes'));
  return out;
}

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

function dataKeys(data: Any | undefined, field: string): Cause[] {
  const out: Cause[] = [];
  for (const k of Object.keys(data ?? {})) {
    if (!CONFIG_KEY.test(k) || k.length > 253)
      out.push(
        fieldInvalid(
          `${field}[${k}]`,
          k,
          "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
        ),
      );
  }
  return out;
}

function immutableData(o: Any, old: Any | undefined): Cause[] {
  if (!old?.immutable) return [];
  const out: Cause[] = [];
  if (!same(o.data, old.data)) out.push(fieldForbidden('data', 'field is immutable when `immutable` is set'));
  if (o.binaryData !== undefined || old.binaryData !== undefined)
    if (!same(o.binaryData, old.binaryData)) out.push(fieldForbidden('binaryData', 'field is immutable when `immutable` is set'));
  if (o.immutable !== true) out.push(fieldForbidden('immutable', 'field is immutable when `immutable` is set'));
  return out;
}

function webhookChecks(o: Any): Cause[] {
  const out: Cause[] = [];
  const seen = new Set<string>();
  ((o.webhooks ?? []) as Any[]).forEach((w, i) => {
    const f = `webhooks[${i}]`;
    if (!w.name) out.push(fieldRequired(`${f}.name`, ''));
    else {
      if (String(w.name).split('.').length < 3)
        out.push(fieldInvalid(`${f}.name`, w.name, 'should be a domain with at least three segments separated by dots'));
      if (seen.has(w.name)) out.push({ reason: 'FieldValueDuplicate', field: `${f}.name`, message: `Duplicate value: ${JSON.stringify(w.name)}` });
      seen.add(w.name);
    }
    // Checked in the API server's order: rules, policies, side effects, timeout, client config, review versions.
    ((w.rules ?? []) as Any[]).forEach((r, j) => {
      const ops = ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE'];
      (r.operations ?? []).forEach((op: unknown, k: number) => {
        if (!ops.includes(op as string)) out.push(fieldNotSupported(`${f}.rules[${j}].operations[${k}]`, op, ops));
      });
      if (!(r.resources ?? []).length) out.push(fieldRequired(`${f}.rules[${j}].resources`, ''));
      if (r.scope !== undefined && !['*', 'Cluster', 'Namespaced'].includes(r.scope))
        out.push(fieldNotSupported(`${f}.rules[${j}].scope`, r.scope, ['*', 'Cluster', 'Namespaced']));
    });
    if (w.failurePolicy !== undefined && !['Fail', 'Ignore'].includes(w.failurePolicy))
      out.push(fieldNotSupported(`${f}.failurePolicy`, w.failurePolicy, ['Fail', 'Ignore']));
    if (w.matchPolicy !== undefined && !['Equivalent', 'Exact'].includes(w.matchPolicy))
      out.push(fieldNotSupported(`${f}.matchPolicy`, w.matchPolicy, ['Equivalent', 'Exact']));
    if (!w.sideEffects) out.push(fieldRequired(`${f}.sideEffects`, 'must specify one of None, NoneOnDryRun'));
    else if (!['None', 'NoneOnDryRun'].includes(w.sideEffects)) out.push(fieldNotSupported(`${f}.sideEffects`, w.sideEffects, ['None', 'NoneOnDryRun']));
    if (w.timeoutSeconds !== undefined && (w.timeoutSeconds < 1 || w.timeoutSeconds > 30))
      out.push(fieldInvalid(`${f}.timeoutSeconds`, w.timeoutSeconds, 'the timeout value must be between 1 and 30 seconds'));
    const cc = w.clientConfig ?? {};
    if (!!cc.url === !!cc.service) out.push(fieldRequired(`${f}.clientConfig`, 'exactly one of url or service is required'));
    if (cc.url) {
      let url: URL | undefined;
      try {
        url = new URL(cc.url);
      } catch {
        out.push(fieldInvalid(`${f}.clientConfig.url`, cc.url, 'host must be specified'));
      }
      if (url && url.protocol !== 'https:')
        out.push(
          fieldInvalid(`${f}.clientConfig.url`, url.protocol.replace(/:$/, ''), "'https' is the only allowed URL scheme; desired format: https://host[/path]"),
        );
      if (url && url.search) out.push(fieldInvalid(`${f}.clientConfig.url`, url.search.slice(1), 'query parameters are not permitted in the URL'));
    }
    const versions = (w.admissionReviewVersions ?? []) as unknown[];
    if (!versions.length) out.push(fieldRequired(`${f}.admissionReviewVersions`, 'must specify one of v1, v1beta1'));
    else if (!versions.some((v) => v === 'v1' || v === 'v1beta1'))
      out.push({
        reason: 'FieldValueInvalid',
        field: `${f}.admissionReviewVersions`,
        message: `Invalid value: []string{${versions.map((v) => JSON.stringify(v)).join(', ')}}: must include at least one of v1, v1beta1`,
      });
  });
  return out;
}

export function validateBuiltin(key: string, obj: KubeObject, old: KubeObject | undefined): Cause[] {
  return (VALIDATIONS[key] ?? []).flatMap((check) => check(obj as Any, old as Any | undefined));
}
