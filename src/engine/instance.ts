/**
 * One reconcile of an Instance, as KUDO's instance controller does it, minus the I/O:
 * schedule `cleanup` on deletion, start a plan run per planExecution uid, check
 * dependencies, run the plan through the task port, mirror the plan status into
 * `spec.planExecution.status`, set the Ready condition, release the finalizer, and
 * say which Events to emit. The caller writes the returned status (status subresource)
 * and, when `specChanged`, the returned object (through the admission webhook).
 *
 * Abort and retry on purpose (beyond KUDO, whose users had to edit status by hand):
 * the annotations `kudo.dev/abort-plan` and `kudo.dev/retry-plan`, see PLAN_CONTROL.
 */
import {
  CLEANUP_PLAN,
  DEPLOY_PLAN,
  UPDATE_PLAN,
  UPGRADE_PLAN,
  isChildInstance,
  type Instance,
  type InstanceStatus,
  type OperatorVersion,
  type PlanStatus,
} from '../api/types.js';
import { INSTANCE_CLEANUP_FINALIZER } from '../api/labels.js';
import { validateParameterValue } from '../packages/params.js';
import { planPipes, TaskRenderError } from '../packages/render.js';
import { sameJson, type KubeObject } from '../k8s/object.js';
import { planInFatalError, planInProgress, readinessOfObjects, resourcesReady, setReadyCondition } from './readiness.js';
import { abortPlanRun, ensurePlanStatusInitialized, resumePlanRun, setStatus, startPlanRun } from './status.js';
import { executePlan, type EngineEvent, type RunTask } from './workflow.js';

/**
 * Annotations a client sets on an Instance to steer a plan:
 * - `kudo.dev/abort-plan: <plan>` ends the named running plan in FATAL_ERROR ("aborted on request"),
 *   so the instance is idle and accepts updates again (KUDO's plans stuck in ERROR blocked it forever).
 *   Aborting `cleanup` (running, or failed while the instance is being deleted) gives up on it and
 *   lets the deletion finish.
 * - `kudo.dev/retry-plan: <plan>` re-runs the named plan after it ended in FATAL_ERROR (or was aborted),
 *   keeping the steps that had completed and restarting the others.
 * The manager removes the annotation once it has acted on it (or found nothing to do).
 */
export const PLAN_CONTROL = { abort: 'kudo.dev/abort-plan', retry: 'kudo.dev/retry-plan' } as const;

export const ABORT_MESSAGE = 'plan aborted on request (kudo.dev/abort-plan)';

export interface TaskContext {
  planName: string;
  planUid: string;
  pipes: Record<string, string>;
}

export interface ReconcileInput {
  instance: Instance;
  ov: OperatorVersion;
  now: string;
  newUid(): string;
  /** Runs one task of the active plan. */
  runTask(ctx: TaskContext): RunTask;
  /** Dependency problems of a top-level instance (checked before a plan runs), or undefined. */
  dependencyError?(): string | undefined;
  /** The instance's workloads for the idle readiness recompute. */
  listWorkloads(): Promise<KubeObject[]>;
}

export interface ReconcileOutput {
  /** The instance with the new spec/metadata (to Update when specChanged) and the new status. */
  instance: Instance;
  specChanged: boolean;
  statusChanged: boolean;
  events: EngineEvent[];
  /** What to do next: nothing (idle/terminal), wait (not done), or retry (transient error). */
  next: 'idle' | 'wait' | 'retry';
}

const READINESS_PLANS = new Set([DEPLOY_PLAN, UPDATE_PLAN, UPGRADE_PLAN]);
const isTerminal = (s: string | undefined): boolean => s === 'COMPLETE' || s === 'FATAL_ERROR';

/** The plan scheduled for execution, if any (a terminal planExecution waits for the webhook to clear it). */
export function scheduledPlan(instance: Instance): string | undefined {
  const exec = instance.spec?.planExecution;
  return exec?.planName && !isTerminal(exec.status) ? exec.planName : undefined;
}

function removeAnnotation(instance: Instance, key: string): void {
  const annotations = { ...(instance.metadata.annotations ?? {}) };
  delete annotations[key];
  instance.metadata.annotations = annotations;
}

function dropCleanupFinalizer(instance: Instance): void {
  instance.metadata.finalizers = (instance.metadata.finalizers ?? []).filter((f) => f !== INSTANCE_CLEANUP_FINALIZER);
}

/** Release the cleanup finalizer once cleanup completed, or right away when there is no cleanup to run. */
function releaseFinalizer(instance: Instance, ov: OperatorVersion): void {
  if (!instance.metadata.deletionTimestamp) return;
  const finalizers = instance.metadata.finalizers ?? [];
  if (!finalizers.includes(INSTANCE_CLEANUP_FINALIZER)) return;
  const hasCleanup = Object.hasOwn(ov.spec?.plans ?? {}, CLEANUP_PLAN);
  if (!hasCleanup || instance.status?.planStatus?.[CLEANUP_PLAN]?.status === 'COMPLETE')
    instance.metadata.finalizers = finalizers.filter((f) => f !== INSTANCE_CLEANUP_FINALIZER);
}

/** Checks made before a plan runs; a fatal message and Event reason, or undefined. */
function preparationError(instance: Instance, ov: OperatorVersion, planName: string): { message: string; reason: string } | { pipes: Record<string, string> } {
  const plan = ov.spec?.plans?.[planName];
  if (!plan) return { message: `could not find required plan: '${planName}'`, reason: 'InvalidPlan' };
  const values = instance.spec?.parameters ?? {};
  for (const p of ov.spec?.parameters ?? []) {
    const err = validateParameterValue(p, Object.hasOwn(values, p.name ?? '') ? values[p.name ?? ''] : '');
    if (err) return { message: `invalid parameters: ${err}`, reason: 'InvalidParams' };
  }
  try {
    return { pipes: planPipes(instance.metadata.name ?? '', planName, plan, ov.spec?.tasks ?? []) };
  } catch (e) {
    if (e instanceof TaskRenderError) return { message: e.message, reason: 'InvalidPlan' };
    throw e;
  }
}

export async function reconcileInstance(input: ReconcileInput): Promise<ReconcileOutput> {
  const { ov, now } = input;
  const instance = structuredClone(input.instance);
  const originalSpec = structuredClone([input.instance.spec ?? {}, input.instance.metadata.finalizers ?? [], input.instance.metadata.annotations ?? {}]);
  const originalStatus = structuredClone(input.instance.status ?? {});
  const status: InstanceStatus = (instance.status ??= {});
  const events: EngineEvent[] = [];
  const name = `${instance.metadata.namespace ?? ''}/${instance.metadata.name ?? ''}`;
  const done = (next: ReconcileOutput['next']): ReconcileOutput => {
    releaseFinalizer(instance, ov);
    return {
      instance,
      specChanged: !sameJson([instance.spec ?? {}, instance.metadata.finalizers ?? [], instance.metadata.annotations ?? {}], originalSpec),
      statusChanged: !sameJson(instance.status ?? {}, originalStatus),
      events,
      next,
    };
  };
  instance.spec ??= {};

  // Deletion: cleanup overrides whatever was scheduled, once.
  if (instance.metadata.deletionTimestamp && Object.hasOwn(ov.spec?.plans ?? {}, CLEANUP_PLAN)) {
    const cleanup = status.planStatus?.[CLEANUP_PLAN];
    if ((!cleanup || cleanup.status === 'NEVER_RUN') && instance.spec.planExecution?.planName !== CLEANUP_PLAN) {
      instance.spec.planExecution = { planName: CLEANUP_PLAN, uid: input.newUid(), status: 'NEVER_RUN' };
    }
  }

  const annotations = instance.metadata.annotations ?? {};
  const planName = scheduledPlan(instance);

  // Abort on request: the running plan ends in FATAL_ERROR; the webhook then clears planExecution.
  const abort = annotations[PLAN_CONTROL.abort];
  if (abort !== undefined) {
    removeAnnotation(instance, PLAN_CONTROL.abort);
    const plan = planName && status.planStatus?.[planName];
    if (plan && planName === abort) {
      abortPlanRun(plan, ABORT_MESSAGE, now);
      instance.spec.planExecution = { ...instance.spec.planExecution, status: 'FATAL_ERROR' };
      events.push({ type: 'Warning', reason: 'PlanAborted', message: `Execution of plan ${planName} was aborted on request` });
      if (READINESS_PLANS.has(planName)) setReadyCondition(status, planInFatalError(planName), now);
      // Aborting cleanup gives up on it: the instance is released instead of staying stuck in deletion.
      if (planName === CLEANUP_PLAN) dropCleanupFinalizer(instance);
      return done('idle');
    }
    if (abort === CLEANUP_PLAN && instance.metadata.deletionTimestamp && status.planStatus?.[CLEANUP_PLAN]?.status === 'FATAL_ERROR') {
      dropCleanupFinalizer(instance);
      return done('idle');
    }
  }

  // Retry on request: schedule the failed plan again (the webhook gives it a new uid; see below).
  const retry = annotations[PLAN_CONTROL.retry];
  if (retry !== undefined && !planName) {
    const plan = status.planStatus?.[retry];
    if (plan?.status === 'FATAL_ERROR' && Object.hasOwn(ov.spec?.plans ?? {}, retry) && !instance.metadata.deletionTimestamp) {
      instance.spec.planExecution = { planName: retry, uid: input.newUid() };
      return done('wait');
    }
    removeAnnotation(instance, PLAN_CONTROL.retry);
  }

  // A plan whose terminal status was lost (the manager stopped after the webhook had cleared
  // planExecution but before the status was written) is run once more to find its result.
  const orphan = planName
    ? undefined
    : Object.values(status.planStatus ?? {}).find((p) => p.status === 'PENDING' || p.status === 'IN_PROGRESS' || p.status === 'ERROR');
  if (!planName && !orphan) {
    const ready = readinessOfObjects(await input.listWorkloads());
    const lastFatal = Object.values(status.planStatus ?? {}).some(
      (p) => READINESS_PLANS.has(p.name ?? '') && p.status === 'FATAL_ERROR' && isNewest(p, status),
    );
    if (!lastFatal) setReadyCondition(status, ready, now);
    return done('idle');
  }
  const recovering = !planName;
  const active = planName ?? orphan!.name ?? '';

  if (!recovering && READINESS_PLANS.has(active)) setReadyCondition(status, planInProgress(active), now);
  ensurePlanStatusInitialized(status, ov.spec ?? {});
  const uid = recovering ? (orphan!.uid ?? '') : (instance.spec.planExecution!.uid ?? '');
  let plan: PlanStatus = status.planStatus![active] ?? { name: active, status: 'NEVER_RUN' };
  if (plan.uid !== uid) {
    if (retry === active) {
      resumePlanRun(plan, uid, now);
      removeAnnotation(instance, PLAN_CONTROL.retry);
    } else startPlanRun(plan, uid, now);
    events.push({ type: 'Normal', reason: 'PlanStarted', message: `Execution of plan ${active} started` });
  }

  const finish = (result: PlanStatus, transient = false): ReconcileOutput => {
    if (recovering && !isTerminal(result.status)) {
      // It had ended before; what it waits for now is a new situation, for a new run to handle.
      result = structuredClone(result);
      setStatus(
        result,
        'FATAL_ERROR',
        `${name} plan ${active} was interrupted and could not be completed again; retry it with the annotation ${PLAN_CONTROL.retry}`,
      );
      result.lastUpdatedTimestamp = now;
    }
    status.planStatus![active] = result;
    if (!isTerminal(result.status)) return done(transient ? 'retry' : 'wait');
    // Only a terminal status is mirrored (the webhook then clears planExecution): intermediate
    // mirrors cost an Instance update through the webhook each, and nothing reads them.
    if (!recovering) instance.spec!.planExecution = { ...instance.spec!.planExecution, status: result.status };
    events.push({ type: 'Normal', reason: 'PlanFinished', message: `Execution of plan ${active} finished with status ${result.status}` });
    if (READINESS_PLANS.has(active)) setReadyCondition(status, result.status === 'COMPLETE' ? resourcesReady() : planInFatalError(active), now);
    return done('idle');
  };
  const failPlan = (message: string, reason: string): ReconcileOutput => {
    plan = structuredClone(plan);
    setStatus(plan, 'FATAL_ERROR', message);
    plan.lastUpdatedTimestamp = now;
    events.push({ type: 'Warning', reason, message });
    return finish(plan);
  };
  if (isTerminal(plan.status)) return finish(plan);
  if (recovering && !ov.spec?.plans?.[active]) return failPlan(`${name} fatal error: could not find required plan: '${active}'`, 'InvalidPlan');

  if (!isChildInstance(instance) && input.dependencyError) {
    const err = input.dependencyError();
    if (err) return failPlan(`${name} fatal error: ${err}`, 'CircularDependency');
  }
  const prepared = preparationError(instance, ov, active);
  if ('message' in prepared) return failPlan(`${name} fatal error: ${prepared.message}`, prepared.reason);

  const result = await executePlan({
    instance: { namespace: instance.metadata.namespace ?? '', name: instance.metadata.name ?? '' },
    planName: active,
    plan: ov.spec!.plans![active],
    status: plan,
    tasks: ov.spec?.tasks ?? [],
    runTask: input.runTask({ planName: active, planUid: uid, pipes: prepared.pipes }),
    now,
  });
  if (result.fatal) events.push(result.fatal);
  events.push(...result.transient);
  return finish(result.status, result.transient.length > 0);
}

function isNewest(p: PlanStatus, status: InstanceStatus): boolean {
  return Object.values(status.planStatus ?? {}).every(
    (o) => o === p || !o.lastUpdatedTimestamp || (o.lastUpdatedTimestamp ?? '') <= (p.lastUpdatedTimestamp ?? ''),
  );
}
