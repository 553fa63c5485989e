/**
 * The manager's least-privilege RBAC, for `kubectl kudo init` to install (instead of
 * KUDO's cluster-admin binding):
 *
 * - `kudo-manager` is an aggregated ClusterRole: it holds whatever the ClusterRoles
 *   labelled `kudo.dev/aggregate-to-manager: "true"` grant. Operators that manage
 *   more kinds ship such a ClusterRole (or an admin adds one).
 * - `kudo-manager-base` (aggregated into it) grants what the manager needs for itself
 *   (KUDO's types, Events, the leader Lease, discovery of CRDs, pods/exec for Pipe
 *   tasks) and full control of the kinds operator packages commonly create.
 * - A ClusterRoleBinding gives `kudo-manager` to the manager's ServiceAccount.
 *
 * Note that RBAC prevents escalation: to create Roles/ClusterRoles granting a right,
 * the manager must hold that right itself, so packages creating RBAC need the matching
 * rights aggregated in.
 */
import type { KubeObject } from '../k8s/object.js';

export const AGGREGATE_LABEL = 'kudo.dev/aggregate-to-manager';
export const MANAGER_CLUSTER_ROLE = 'kudo-manager';
export const MANAGER_BASE_CLUSTER_ROLE = 'kudo-manager-base';
export const MANAGER_CLUSTER_ROLE_BINDING = 'kudo-manager-rolebinding';

const ALL = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
const READ = ['get', 'list', 'watch'];

interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** What the manager itself needs, whatever the packages do. */
export const MANAGER_OWN_RULES: PolicyRule[] = [
  { apiGroups: ['kudo.dev'], resources: ['operators', 'operatorversions', 'instances'], verbs: ALL },
  { apiGroups: ['kudo.dev'], resources: ['instances/status'], verbs: ['get', 'update', 'patch'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch', 'update'] },
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch', 'update'] },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
  { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ALL },
  { apiGroups: [''], resources: ['namespaces'], verbs: READ },
  { apiGroups: [''], resources: ['pods/exec'], verbs: ['create', 'get'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
];

/** The kinds operator packages commonly render (full control, as Apply/Delete/Toggle/Pipe need). */
export const COMMON_KIND_RULES: PolicyRule[] = [
  { apiGroups: [''], resources: ['configmaps', 'secrets', 'services', 'serviceaccounts', 'pods', 'persistentvolumeclaims', 'endpoints'], verbs: ALL },
  { apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'], verbs: ALL },
  { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: ALL },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ALL },
  { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'networkpolicies'], verbs: ALL },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: ALL },
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: ALL },
];

/** The RBAC objects for a manager running as `serviceAccount` in `namespace`. */
export function managerRbac(namespace: string, serviceAccount = 'kudo-manager'): KubeObject[] {
  const labels = { app: 'kudo-manager' };
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: MANAGER_CLUSTER_ROLE, labels },
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [AGGREGATE_LABEL]: 'true' } }] },
      rules: [],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: MANAGER_BASE_CLUSTER_ROLE, labels: { ...labels, [AGGREGATE_LABEL]: 'true' } },
      rules: [...MANAGER_OWN_RULES, ...COMMON_KIND_RULES],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: MANAGER_CLUSTER_ROLE_BINDING, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: MANAGER_CLUSTER_ROLE },
      subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace }],
    },
  ];
}
