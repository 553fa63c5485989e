/**
 * The plan/phase/step status model as KUDO keeps it in `Instance.status.planStatus`:
 * one entry per plan of the OperatorVersion, statuses NEVER_RUN → PENDING →
 * IN_PROGRESS → COMPLETE, with ERROR (transient) and FATAL_ERROR on the way.
 * Pure: timestamps are passed in.
 */
import type { InstanceStatus, OperatorVersionSpec, PhaseStatus, PlanStatus, StepStatus } from '../api/types.js';
import { sameJson } from '../k8s/object.js';

export type Status = 'NEVER_RUN' | 'PENDING' | 'IN_PROGRESS' | 'COMPLETE' | 'ERROR' | 'FATAL_ERROR';

/** Sets a status and message, leaving the message out when empty (as KUDO's omitempty does). */
export function setStatus(target: StepStatus | PhaseStatus | PlanStatus, status: Status, message = ''): void {
  target.status = status;
  if (message) target.message = message;
  else delete target.message;
}

/**
 * Adds a NEVER_RUN entry for every plan, phase and step of the OperatorVersion.
 * Existing entries keep their state; phase and step order is rebuilt from the OV.
 * Returns true when something changed.
 */
export function ensurePlanStatusInitialized(status: InstanceStatus, ov: OperatorVersionSpec): boolean {
  const before = structuredClone(status.planStatus ?? null);
  const plans = { ...(status.planStatus ?? {}) };
  for (const planName of Object.keys(ov.plans ?? {}).sort()) {
    const plan = ov.plans![planName];
    const existing = plans[planName];
    const phases: PhaseStatus[] = (plan.phases ?? []).map((phase) => {
      const oldPhase = existing?.phases?.find((p) => p.name === phase.name);
      const steps: StepStatus[] = (phase.steps ?? []).map((step) => {
        const oldStep = oldPhase?.steps?.find((s) => s.name === step.name);
        return oldStep ? { ...oldStep } : { name: step.name ?? '', status: 'NEVER_RUN' };
      });
      return oldPhase ? { ...oldPhase, steps } : { name: phase.name ?? '', status: 'NEVER_RUN', steps };
    });
    plans[planName] = existing ? { ...existing, phases } : { name: planName, status: 'NEVER_RUN', phases };
  }
  status.planStatus = plans;
  return !sameJson(plans, before);
}

/** Starts a new run of a plan: the new uid, and the plan with all its phases and steps PENDING. */
export function startPlanRun(plan: PlanStatus, uid: string, now: string): void {
  plan.uid = uid;
  setStatus(plan, 'PENDING');
  plan.lastUpdatedTimestamp = now;
  for (const phase of plan.phases ?? []) {
    setStatus(phase, 'PENDING');
    for (const step of phase.steps ?? []) setStatus(step, 'PENDING');
  }
}

/**
 * Resumes a failed run under a new uid (the retry this manager adds): finished steps
 * stay COMPLETE, everything else goes back to PENDING.
 */
export function resumePlanRun(plan: PlanStatus, uid: string, now: string): void {
  plan.uid = uid;
  setStatus(plan, 'PENDING');
  plan.lastUpdatedTimestamp = now;
  for (const phase of plan.phases ?? []) {
    if (phase.status !== 'COMPLETE') setStatus(phase, 'PENDING');
    for (const step of phase.steps ?? []) if (step.status !== 'COMPLETE') setStatus(step, 'PENDING');
  }
}

/**
 * Ends a run on request (the abort this manager adds): the plan and whatever had not
 * finished become FATAL_ERROR with the reason, so the instance is idle again.
 */
export function abortPlanRun(plan: PlanStatus, message: string, now: string): void {
  setStatus(plan, 'FATAL_ERROR', message);
  plan.lastUpdatedTimestamp = now;
  for (const phase of plan.phases ?? []) {
    if (phase.status === 'COMPLETE') continue;
    setStatus(phase, 'FATAL_ERROR');
    for (const step of phase.steps ?? []) if (step.status !== 'COMPLETE' && step.status !== 'NEVER_RUN') setStatus(step, 'FATAL_ERROR', message);
  }
}

/** KUDO's GetLastExecutedPlanStatus: a running plan, else the most recently updated one that ever ran. */
export function lastExecutedPlan(status: InstanceStatus | undefined): PlanStatus | undefined {
  const plans = Object.values(status?.planStatus ?? {});
  const running = plans.find((p) => p.status === 'PENDING' || p.status === 'IN_PROGRESS' || p.status === 'ERROR');
  if (running) return running;
  let last: PlanStatus | undefined;
  for (const p of plans) {
    if (!p.status || p.status === 'NEVER_RUN') continue;
    if (!last || (p.lastUpdatedTimestamp ?? '') > (last.lastUpdatedTimestamp ?? '')) last = p;
  }
  return last;
}
