/**
 * The `Ready` condition on Instances (KUDO's KEP-34): Unknown while a
 * deploy/update/upgrade plan runs or after one failed, True once a plan completed
 * or the instance's workloads are healthy, False with the unhealthy objects' messages.
 */
import type { Condition, InstanceStatus } from '../api/types.js';
import type { KubeObject } from '../k8s/object.js';
import { objectHealth } from './health.js';

export const READY = 'Ready';

export type ReadyState = Pick<Condition, 'status' | 'reason' | 'message'>;

export const planInProgress = (plan: string): ReadyState => ({ status: 'Unknown', reason: 'PlanInProgress', message: `plan '${plan}' is in progress` });
export const planInFatalError = (plan: string): ReadyState => ({
  status: 'Unknown',
  reason: 'PlanInFatalError',
  message: `plan '${plan}' ended in FATAL_ERROR`,
});
export const resourcesReady = (): ReadyState => ({ status: 'True', reason: 'ResourcesReady', message: '' });

/** Kinds the idle recompute looks at (labelled with the instance and heritage=kudo). */
export const READINESS_KINDS = [
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'apps/v1', kind: 'StatefulSet' },
  { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
  { apiVersion: 'apps/v1', kind: 'DaemonSet' },
  { apiVersion: 'v1', kind: 'Pod' },
] as const;

/** Readiness from the instance's workloads when no plan runs. */
export function readinessOfObjects(objects: readonly KubeObject[]): ReadyState {
  const problems = objects
    .filter((o) => !o.metadata.deletionTimestamp)
    .map((o) => objectHealth(o))
    .filter((h) => !h.healthy)
    .map((h) => h.message ?? 'not ready');
  return problems.length ? { status: 'False', reason: 'ResourceNotReady', message: problems.join(', ') } : resourcesReady();
}

/** Sets the Ready condition; the transition time moves only when the status changes. Returns true when anything changed. */
export function setReadyCondition(status: InstanceStatus, state: ReadyState, now: string): boolean {
  const conditions = [...(status.conditions ?? [])];
  const i = conditions.findIndex((c) => c.type === READY);
  const old = i >= 0 ? conditions[i] : undefined;
  if (old && old.status === state.status && old.reason === state.reason && old.message === state.message) return false;
  const next: Condition = {
    type: READY,
    status: state.status,
    reason: state.reason,
    message: state.message,
    lastTransitionTime: old && old.status === state.status ? old.lastTransitionTime : now,
  };
  if (i >= 0) conditions[i] = next;
  else conditions.push(next);
  status.conditions = conditions;
  return true;
}
