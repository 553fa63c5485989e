/**
 * Generates src/controlplane/apiserver/column-descriptions.ts, the `description` of every
 * built-in kind's Table columns, from the field comments in ../shared/reference/k8s-proto:
 *
 *   npx node --import tsx scripts/gen-column-docs.ts [reference-dir]
 *
 * Kubernetes' server-side printers describe a column with a fixed sentence or with a field's API
 * documentation (`SomeType{}.SwaggerDoc()["field"]`): the Go doc comment of the field, which
 * go-to-protobuf also copies into the .proto files. SwaggerDoc drops what follows `---`, the `+`
 * generator tags and `TODO` lines, joins wrapped lines with a space, keeps blank lines as
 * paragraph breaks and starts indented lines on a line of their own.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { parseProto, protoFiles } from './lib/k8s-proto.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const refDir = process.argv[2] ?? join(root, '..', 'shared', 'reference', 'k8s-proto');
const outFile = join(root, 'src', 'controlplane', 'apiserver', 'column-descriptions.ts');

/** A field's documentation: `package.Message.field`, the package as in the proto (`core.v1`, `meta.v1`). */
interface FieldDoc {
  doc: string;
}
const doc = (ref: string): FieldDoc => ({ doc: ref });

const CONTAINERS = 'Names of each container in the template.';
const IMAGES = 'Images referenced by each container in the template.';
const CREATED = doc('meta.v1.ObjectMeta.creationTimestamp');
/** The columns of kinds without a printer of their own (the API server's default table). */
const DEFAULT_TABLE = { 'Created At': CREATED };

/**
 * Docs of deprecated beta types that some printers read, which the GA-only reference lacks and
 * whose text differs from the GA type's (k8s.io/api at 1.33; unchanged since 1.20).
 */
const BETA = {
  daemonSetReady: 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.',
  daemonSetSelector:
    'A label query over pods that are managed by the daemon set. Must match in order to be controlled. If empty, defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors',
  deploymentSelector: 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.',
  replicaSetSelector:
    'Selector is a label query over pods that should match the replica count. If the selector is empty, it is defaulted to the labels present on the pod template. Label keys and values that must match in order to be controlled by this replica set. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors',
  networkPolicyPodSelector:
    'Selects the pods to which this NetworkPolicy object applies.  The array of ingress rules is applied to any pods selected by this field. Multiple network policies can select the same set of pods.  In this case, the ingress rules for each are combined additively. This field is NOT optional and follows standard label selector semantics. An empty podSelector matches all pods in this namespace.',
  roleBindingRoleRef:
    'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.',
  clusterRoleBindingRoleRef:
    'RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.',
  hpaMetrics:
    'metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).  The desired replica count is calculated multiplying the ratio between the target value and the current value by the current number of pods.  Ergo, metrics used must decrease as the pod count is increased, and vice-versa.  See the individual metric source types for more information about how each type of metric must respond.',
};

/**
 * Column descriptions by `group/resource` and column name, as Kubernetes 1.33's printers
 * (pkg/printers/internalversion/printers.go) set them. Where the printer reads a deprecated beta
 * type (extensions/v1beta1, batch/v1beta1, apps/v1beta1, rbac/v1beta1, autoscaling/v2beta1) the
 * GA type stands in when its documentation is the same, else the text is in BETA.
 */
const SOURCES: Record<string, Record<string, string | FieldDoc>> = {
  '/configmaps': { Data: doc('core.v1.ConfigMap.data') },
  '/endpoints': { Endpoints: doc('core.v1.Endpoints.subsets') },
  '/events': {
    'Last Seen': doc('core.v1.Event.lastTimestamp'),
    Type: doc('core.v1.Event.type'),
    Reason: doc('core.v1.Event.reason'),
    Object: doc('core.v1.Event.involvedObject'),
    Subobject: doc('core.v1.ObjectReference.fieldPath'),
    Source: doc('core.v1.Event.source'),
    Message: doc('core.v1.Event.message'),
    'First Seen': doc('core.v1.Event.firstTimestamp'),
    Count: doc('core.v1.Event.count'),
    Name: doc('meta.v1.ObjectMeta.name'),
  },
  '/limitranges': DEFAULT_TABLE,
  '/namespaces': { Status: 'The status of the namespace' },
  '/nodes': {
    Status: 'The status of the node',
    Roles: 'The roles of the node',
    Version: doc('core.v1.NodeSystemInfo.kubeletVersion'),
    'Internal-IP': doc('core.v1.NodeStatus.addresses'),
    'External-IP': doc('core.v1.NodeStatus.addresses'),
    'OS-Image': doc('core.v1.NodeSystemInfo.osImage'),
    'Kernel-Version': doc('core.v1.NodeSystemInfo.kernelVersion'),
    'Container-Runtime': doc('core.v1.NodeSystemInfo.containerRuntimeVersion'),
  },
  '/persistentvolumeclaims': {
    Status: doc('core.v1.PersistentVolumeClaimStatus.phase'),
    Volume: doc('core.v1.PersistentVolumeClaimSpec.volumeName'),
    Capacity: doc('core.v1.PersistentVolumeClaimStatus.capacity'),
    'Access Modes': doc('core.v1.PersistentVolumeClaimStatus.accessModes'),
    StorageClass: 'StorageClass of the pvc',
    VolumeAttributesClass: 'VolumeAttributesClass of the pvc',
    VolumeMode: doc('core.v1.PersistentVolumeClaimSpec.volumeMode'),
  },
  '/persistentvolumes': {
    Capacity: doc('core.v1.PersistentVolumeSpec.capacity'),
    'Access Modes': doc('core.v1.PersistentVolumeSpec.accessModes'),
    'Reclaim Policy': doc('core.v1.PersistentVolumeSpec.persistentVolumeReclaimPolicy'),
    Status: doc('core.v1.PersistentVolumeStatus.phase'),
    Claim: doc('core.v1.PersistentVolumeSpec.claimRef'),
    StorageClass: 'StorageClass of the pv',
    VolumeAttributesClass: 'VolumeAttributesClass of the pv',
    Reason: doc('core.v1.PersistentVolumeStatus.reason'),
    VolumeMode: doc('core.v1.PersistentVolumeSpec.volumeMode'),
  },
  '/pods': {
    Ready: 'The aggregate readiness state of this pod for accepting traffic.',
    Status: 'The aggregate status of the containers in this pod.',
    Restarts: 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    IP: doc('core.v1.PodStatus.podIP'),
    Node: doc('core.v1.PodSpec.nodeName'),
    'Nominated Node': doc('core.v1.PodStatus.nominatedNodeName'),
    'Readiness Gates': doc('core.v1.PodSpec.readinessGates'),
  },
  '/podtemplates': { Containers: CONTAINERS, Images: IMAGES, 'Pod Labels': 'The labels for the pod template.' },
  '/replicationcontrollers': {
    Desired: doc('core.v1.ReplicationControllerSpec.replicas'),
    Current: doc('core.v1.ReplicationControllerStatus.replicas'),
    Ready: doc('core.v1.ReplicationControllerStatus.readyReplicas'),
    Containers: CONTAINERS,
    Images: IMAGES,
    Selector: doc('core.v1.ReplicationControllerSpec.selector'),
  },
  '/resourcequotas': {
    Request: 'Request represents a minimum amount of cpu/memory that a container may consume.',
    Limit: 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.',
  },
  '/secrets': { Type: doc('core.v1.Secret.type'), Data: doc('core.v1.Secret.data') },
  '/serviceaccounts': { Secrets: doc('core.v1.ServiceAccount.secrets') },
  '/services': {
    Type: doc('core.v1.ServiceSpec.type'),
    'Cluster-IP': doc('core.v1.ServiceSpec.clusterIP'),
    'External-IP': doc('core.v1.ServiceSpec.externalIPs'),
    'Port(s)': doc('core.v1.ServiceSpec.ports'),
    Selector: doc('core.v1.ServiceSpec.selector'),
  },
  'apps/controllerrevisions': { Controller: 'Controller of the object', Revision: doc('apps.v1.ControllerRevision.revision') },
  'apps/daemonsets': {
    Desired: doc('apps.v1.DaemonSetStatus.desiredNumberScheduled'),
    Current: doc('apps.v1.DaemonSetStatus.currentNumberScheduled'),
    Ready: BETA.daemonSetReady,
    'Up-to-date': doc('apps.v1.DaemonSetStatus.updatedNumberScheduled'),
    Available: doc('apps.v1.DaemonSetStatus.numberAvailable'),
    'Node Selector': doc('core.v1.PodSpec.nodeSelector'),
    Containers: CONTAINERS,
    Images: IMAGES,
    Selector: BETA.daemonSetSelector,
  },
  'apps/deployments': {
    Ready: 'Number of the pod with ready state',
    'Up-to-date': doc('apps.v1.DeploymentStatus.updatedReplicas'),
    Available: doc('apps.v1.DeploymentStatus.availableReplicas'),
    Containers: CONTAINERS,
    Images: IMAGES,
    Selector: BETA.deploymentSelector,
  },
  'apps/replicasets': {
    Desired: doc('apps.v1.ReplicaSetSpec.replicas'),
    Current: doc('apps.v1.ReplicaSetStatus.replicas'),
    Ready: doc('apps.v1.ReplicaSetStatus.readyReplicas'),
    Containers: CONTAINERS,
    Images: IMAGES,
    Selector: BETA.replicaSetSelector,
  },
  'apps/statefulsets': { Ready: 'Number of the pod with ready state', Containers: CONTAINERS, Images: IMAGES },
  'batch/cronjobs': {
    Schedule: doc('batch.v1.CronJobSpec.schedule'),
    Timezone: doc('batch.v1.CronJobSpec.timeZone'),
    Suspend: doc('batch.v1.CronJobSpec.suspend'),
    Active: doc('batch.v1.CronJobStatus.active'),
    'Last Schedule': doc('batch.v1.CronJobStatus.lastScheduleTime'),
    Containers: CONTAINERS,
    Images: IMAGES,
    Selector: doc('batch.v1.JobSpec.selector'),
  },
  'batch/jobs': {
    Status: 'Status of the job.',
    Completions: doc('batch.v1.JobStatus.succeeded'),
    Duration: 'Time required to complete the job.',
    Containers: CONTAINERS,
    Images: IMAGES,
    Selector: doc('batch.v1.JobSpec.selector'),
  },
  'policy/poddisruptionbudgets': {
    'Min Available': 'The minimum number of pods that must be available.',
    'Max Unavailable': 'The maximum number of pods that may be unavailable.',
    'Allowed Disruptions': 'Calculated number of pods that may be disrupted at this time.',
  },
  'rbac.authorization.k8s.io/roles': DEFAULT_TABLE,
  'rbac.authorization.k8s.io/clusterroles': DEFAULT_TABLE,
  'rbac.authorization.k8s.io/rolebindings': {
    Role: BETA.roleBindingRoleRef,
    Users: 'Users in the roleBinding',
    Groups: 'Groups in the roleBinding',
    ServiceAccounts: 'ServiceAccounts in the roleBinding',
  },
  'rbac.authorization.k8s.io/clusterrolebindings': {
    Role: BETA.clusterRoleBindingRoleRef,
    Users: 'Users in the clusterRoleBinding',
    Groups: 'Groups in the clusterRoleBinding',
    ServiceAccounts: 'ServiceAccounts in the clusterRoleBinding',
  },
  'coordination.k8s.io/leases': { Holder: doc('coordination.v1.LeaseSpec.holderIdentity') },
  // The printer asks ObjectMeta for a `handler` field it does not have: an empty description.
  'node.k8s.io/runtimeclasses': { Handler: '' },
  'scheduling.k8s.io/priorityclasses': {
    Value: doc('scheduling.v1.PriorityClass.value'),
    'Global-Default': doc('scheduling.v1.PriorityClass.globalDefault'),
  },
  'admissionregistration.k8s.io/mutatingwebhookconfigurations': { Webhooks: 'Webhooks indicates the number of webhooks registered in this configuration' },
  'admissionregistration.k8s.io/validatingwebhookconfigurations': { Webhooks: 'Webhooks indicates the number of webhooks registered in this configuration' },
  'admissionregistration.k8s.io/validatingadmissionpolicies': {
    Validations: 'Validations indicates the number of validation rules defined in this configuration',
    ParamKind: 'ParamKind specifies the kind of resources used to parameterize this policy',
  },
  'admissionregistration.k8s.io/validatingadmissionpolicybindings': {
    PolicyName: 'PolicyName indicates the policy definition which the policy binding binded to',
    ParamRef: 'ParamRef indicates the param resource which sets the configration param',
  },
  'apiextensions.k8s.io/customresourcedefinitions': DEFAULT_TABLE,
  'networking.k8s.io/ingressclasses': {
    Controller: 'Controller that is responsible for handling this class',
    Parameters: 'A reference to a resource with additional parameters',
  },
  'networking.k8s.io/ingresses': {
    Class: 'The name of the IngressClass resource that should be used for additional configuration',
    Hosts: 'Hosts that incoming requests are matched against before the ingress rule',
    Address: 'Address is a list containing ingress points for the load-balancer',
    Ports: 'Ports of TLS configurations that open',
  },
  'networking.k8s.io/networkpolicies': { 'Pod-Selector': BETA.networkPolicyPodSelector },
  'storage.k8s.io/csidrivers': {
    AttachRequired: doc('storage.v1.CSIDriverSpec.attachRequired'),
    PodInfoOnMount: doc('storage.v1.CSIDriverSpec.podInfoOnMount'),
    StorageCapacity: doc('storage.v1.CSIDriverSpec.storageCapacity'),
    TokenRequests: doc('storage.v1.CSIDriverSpec.tokenRequests'),
    RequiresRepublish: doc('storage.v1.CSIDriverSpec.requiresRepublish'),
    Modes: doc('storage.v1.CSIDriverSpec.volumeLifecycleModes'),
  },
  'discovery.k8s.io/endpointslices': {
    AddressType: doc('discovery.v1.EndpointSlice.addressType'),
    Ports: doc('discovery.v1.EndpointSlice.ports'),
    Endpoints: doc('discovery.v1.EndpointSlice.endpoints'),
  },
  'storage.k8s.io/csinodes': { Drivers: 'Drivers indicates the number of CSI drivers registered on the node' },
  'storage.k8s.io/storageclasses': {
    Provisioner: doc('storage.v1.StorageClass.provisioner'),
    ReclaimPolicy: doc('storage.v1.StorageClass.reclaimPolicy'),
    VolumeBindingMode: doc('storage.v1.StorageClass.volumeBindingMode'),
    AllowVolumeExpansion: doc('storage.v1.StorageClass.allowVolumeExpansion'),
  },
  'storage.k8s.io/volumeattachments': {
    Attacher: doc('storage.v1.VolumeAttachmentSpec.attacher'),
    PV: doc('storage.v1.VolumeAttachmentSource.persistentVolumeName'),
    Node: doc('storage.v1.VolumeAttachmentSpec.nodeName'),
    Attached: doc('storage.v1.VolumeAttachmentStatus.attached'),
  },
  'autoscaling/horizontalpodautoscalers': {
    Reference: doc('autoscaling.v2.HorizontalPodAutoscalerSpec.scaleTargetRef'),
    Targets: BETA.hpaMetrics,
    MinPods: doc('autoscaling.v2.HorizontalPodAutoscalerSpec.minReplicas'),
    MaxPods: doc('autoscaling.v2.HorizontalPodAutoscalerSpec.maxReplicas'),
    Replicas: doc('autoscaling.v2.HorizontalPodAutoscalerStatus.currentReplicas'),
  },
};

/** Go's SwaggerDoc text of a doc comment (k8s.io/apimachinery's fmtRawDoc). */
export function swaggerDoc(comment: string): string {
  let out = '';
  for (const raw of comment.split('---')[0].split('\n')) {
    const line = raw.replace(/ +$/, '');
    const leading = line.replace(/^ +/, '');
    if (line === '') out = `${out.slice(0, -1)}\n\n`;
    else if (leading.startsWith('TODO') || leading.startsWith('+')) continue;
    else if (line.startsWith(' ') || line.startsWith('\t')) out = `${out.slice(0, -1)}\n${line}\n`;
    else out += `${line} `;
  }
  // Go's comment text ends with a newline, which trims the last separator.
  return `${out.slice(0, -1)}\n\n`.replace(/\n+$/, '').replace(/\\"/g, '"');
}

async function main(): Promise<void> {
  const docs = new Map<string, string>();
  for (const file of protoFiles(refDir))
    for (const msg of parseProto(readFileSync(file, 'utf8'), file)) {
      const pkg = msg.pkg.replace(/^k8s\.io\.(api|apimachinery\.pkg\.apis)\./, '');
      for (const f of msg.fields) docs.set(`${pkg}.${msg.name}.${f.name}`, swaggerDoc(f.comment));
    }
  const out: Record<string, Record<string, string>> = {};
  for (const [kind, columns] of Object.entries(SOURCES)) {
    out[kind] = {};
    for (const [column, source] of Object.entries(columns)) {
      if (typeof source === 'string') out[kind][column] = source;
      else {
        const text = docs.get(source.doc);
        if (text === undefined) throw new Error(`${kind} column ${column}: no field ${source.doc} in ${refDir}`);
        out[kind][column] = text;
      }
    }
  }
  const body = [
    '// Generated by scripts/gen-column-docs.ts from ../shared/reference/k8s-proto: do not edit.',
    '/** The `description` of built-in Table columns, by `group/resource` and column name. */',
    `export const COLUMN_DESCRIPTIONS: Record<string, Record<string, string>> = ${JSON.stringify(out, null, 2)};`,
    '',
  ].join('\n');
  // Written as the repository's formatter would, so that regenerating changes nothing else.
  writeFileSync(outFile, await format(body, { ...(await resolveConfig(outFile)), filepath: outFile }));
  console.log(`${outFile}: ${Object.values(out).reduce((n, c) => n + Object.keys(c).length, 0)} columns of ${Object.keys(out).length} kinds`);
}

await main();
