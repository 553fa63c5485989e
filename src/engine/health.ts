/**
 * Health of an applied object as KUDO judges it (pkg/kubernetes/status/health.go),
 * with one addition: a kind KUDO does not know is judged by its status conditions
 * (`Ready`, `Available`) and `observedGeneration` when it has them, instead of being
 * healthy the moment it exists. Objects without any status stay healthy (ConfigMaps,
 * Secrets, RBAC ...).
 */
import type { KubeObject } from '../k8s/object.js';
import { splitApiVersion } from '../k8s/object.js';

export interface Health {
  healthy: boolean;
  /** Why it is not healthy (yet). */
  message?: string;
  /** Set when the object failed for good (a failed Job, a child instance that failed): the task is fatal. */
  failed?: boolean;
}

type Json = Record<string, any>;

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

const conditions = (obj: KubeObject): Condition[] => {
  const c = (obj.status as Json | undefined)?.conditions;
  return Array.isArray(c) ? c : [];
};
const condition = (obj: KubeObject, type: string): Condition | undefined => conditions(obj).find((c) => c.type === type);
const num = (v: unknown, dflt = 0): number => (typeof v === 'number' ? v : dflt);
const ok: Health = { healthy: true };
const waiting = (message: string): Health => ({ healthy: false, message });

/** The same rollout checks as kubectl's DeploymentStatusViewer. */
function deploymentHealth(obj: KubeObject): Health {
  const spec = (obj.spec ?? {}) as Json;
  const status = (obj.status ?? {}) as Json;
  const name = obj.metadata.name ?? '';
  const generation = num(obj.metadata.generation);
  const pending = (what: string) => waiting(`deployment "${name}" is not healthy: Waiting for deployment "${name}" rollout to finish: ${what}`);
  if (generation > num(status.observedGeneration)) return waiting(`deployment "${name}" is not healthy: Waiting for deployment spec update to be observed...`);
  const progressing = condition(obj, 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded')
    return waiting(`deployment "${name}" is not healthy: deployment "${name}" exceeded its progress deadline`);
  const replicas = num(spec.replicas, 1);
  const updated = num(status.updatedReplicas);
  if (updated < replicas) return pending(`${updated} out of ${replicas} new replicas have been updated...`);
  if (num(status.replicas) > updated) return pending(`${num(status.replicas) - updated} old replicas are pending termination...`);
  if (num(status.availableReplicas) < updated) return pending(`${num(status.availableReplicas)} of ${updated} updated replicas are available...`);
  return ok;
}

/** The same rollout checks as kubectl's StatefulSetStatusViewer. */
function statefulSetHealth(obj: KubeObject): Health {
  const spec = (obj.spec ?? {}) as Json;
  const status = (obj.status ?? {}) as Json;
  const name = obj.metadata.name ?? '';
  const prefix = `statefulset "${name}" is not healthy: `;
  if (spec.updateStrategy?.type && spec.updateStrategy.type !== 'RollingUpdate') return ok;
  if (num(status.observedGeneration) === 0 || num(obj.metadata.generation) > num(status.observedGeneration))
    return waiting(prefix + 'Waiting for statefulset spec update to be observed...');
  const replicas = num(spec.replicas, 1);
  if (num(status.readyReplicas) < replicas) return waiting(prefix + `Waiting for ${replicas - num(status.readyReplicas)} pods to be ready...`);
  const partition = spec.updateStrategy?.rollingUpdate?.partition;
  if (typeof partition === 'number' && partition > 0) {
    if (num(status.updatedReplicas) < replicas - partition)
      return waiting(
        prefix + `Waiting for partitioned roll out to finish: ${num(status.updatedReplicas)} out of ${replicas - partition} new pods have been updated...`,
      );
    return ok;
  }
  if (status.updateRevision !== status.currentRevision)
    return waiting(
      prefix + `waiting for statefulset rolling update to complete ${num(status.updatedReplicas)} pods at revision ${String(status.updateRevision)}...`,
    );
  return ok;
}

function jobHealth(obj: KubeObject): Health {
  const name = obj.metadata.name ?? '';
  const failed = condition(obj, 'Failed');
  if (failed?.status === 'True')
    return { healthy: false, failed: true, message: `job "${name}" has failed: ${failed.reason ?? ''}${failed.message ? `: ${failed.message}` : ''}` };
  const completions = num((obj.spec as Json | undefined)?.completions, 1);
  if (num((obj.status as Json | undefined)?.succeeded) >= completions) return ok;
  return waiting(`job "${name}" still running or failed`);
}

function podHealth(obj: KubeObject): Health {
  const status = (obj.status ?? {}) as Json;
  if (status.phase === 'Running' && condition(obj, 'Ready')?.status === 'True') return ok;
  return waiting(`pod "${obj.metadata.name ?? ''}" is not running yet: ${String(status.phase ?? 'Pending')}`);
}

function serviceHealth(obj: KubeObject): Health {
  const spec = (obj.spec ?? {}) as Json;
  const name = obj.metadata.name ?? '';
  if (spec.type === 'ExternalName') return ok;
  if (!spec.clusterIP) return waiting(`service "${name}" does not have cluster ip yet`);
  if (spec.type === 'LoadBalancer') {
    const ingress = (obj.status as Json | undefined)?.loadBalancer?.ingress;
    if (!(Array.isArray(spec.externalIPs) && spec.externalIPs.length) && !(Array.isArray(ingress) && ingress.length))
      return waiting(`service "${name}" does not have load balancer ingress IP address yet`);
  }
  return ok;
}

function instanceHealth(obj: KubeObject): Health {
  const spec = (obj.spec ?? {}) as Json;
  const name = `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
  const active = spec.planExecution?.planName;
  if (active) {
    const state = (obj.status as Json | undefined)?.planStatus?.[active]?.status ?? 'PENDING';
    return waiting(`instance ${name} active plan is in state ${String(state)}`);
  }
  // KUDO counted a child whose plan ended in FATAL_ERROR as healthy; here it fails the parent.
  const plans = Object.values(((obj.status as Json | undefined)?.planStatus ?? {}) as Record<string, Json>);
  const failed = plans
    .filter((p) => p.status === 'FATAL_ERROR')
    .sort((a, b) => String(b.lastUpdatedTimestamp ?? '').localeCompare(String(a.lastUpdatedTimestamp ?? '')))[0];
  const newest = plans
    .filter((p) => p.status && p.status !== 'NEVER_RUN')
    .sort((a, b) => String(b.lastUpdatedTimestamp ?? '').localeCompare(String(a.lastUpdatedTimestamp ?? '')))[0];
  if (failed && newest === failed)
    return { healthy: false, failed: true, message: `instance ${name} plan ${String(failed.name)} failed: ${String(failed.message ?? 'FATAL_ERROR')}` };
  if (!newest) return waiting(`instance ${name} has not run a plan yet`);
  return ok;
}

/** Kinds without a rule of their own: status conditions and observedGeneration, when present. */
function genericHealth(obj: KubeObject): Health {
  const status = obj.status as Json | undefined;
  if (!status || typeof status !== 'object') return ok;
  const what = `${obj.kind.toLowerCase()} "${obj.metadata.name ?? ''}"`;
  if (typeof status.observedGeneration === 'number' && num(obj.metadata.generation) > status.observedGeneration)
    return waiting(`${what} is not healthy: waiting for generation ${num(obj.metadata.generation)} to be observed`);
  for (const type of ['Ready', 'Available']) {
    const c = condition(obj, type);
    if (!c) continue;
    if (c.status === 'True') return ok;
    return waiting(
      `${what} is not healthy: condition ${type} is ${c.status ?? 'Unknown'}${c.reason ? ` (${c.reason}${c.message ? `: ${c.message}` : ''})` : ''}`,
    );
  }
  return ok;
}

export function objectHealth(obj: KubeObject): Health {
  const { group } = splitApiVersion(obj.apiVersion);
  const workloads = group === 'apps' || group === 'extensions';
  switch (obj.kind) {
    case 'CustomResourceDefinition':
      if (group !== 'apiextensions.k8s.io') break;
      return condition(obj, 'Established')?.status === 'True' ? ok : waiting(`crd ${obj.metadata.name ?? ''} is not established yet`);
    case 'Deployment':
      if (workloads) return deploymentHealth(obj);
      break;
    case 'StatefulSet':
      if (workloads) return statefulSetHealth(obj);
      break;
    case 'DaemonSet':
    case 'ReplicaSet':
      // KUDO counts these healthy once they exist.
      if (workloads) return ok;
      break;
    case 'Job':
      if (group === 'batch') return jobHealth(obj);
      break;
    case 'Instance':
      if (group === 'kudo.dev') return instanceHealth(obj);
      break;
    case 'Pod':
      if (group === '') return podHealth(obj);
      break;
    case 'Namespace':
      if (group === '') return (obj.status as Json | undefined)?.phase === 'Active' ? ok : waiting(`namespace ${obj.metadata.name ?? ''} is not active`);
      break;
    case 'Service':
      if (group === '') return serviceHealth(obj);
      break;
    case 'PersistentVolumeClaim':
      if (group === '')
        return (obj.status as Json | undefined)?.phase === 'Bound' ? ok : waiting(`persistentvolumeclaim "${obj.metadata.name ?? ''}" is not bound yet`);
      break;
    case 'ConfigMap':
    case 'Secret':
      if (group === '') return ok;
      break;
  }
  return genericHealth(obj);
}
