/**
 * KUDO's plan execution algorithm (workflow.Execute): walk the phases and steps of
 * the active plan, run every task of each running step, and fold the outcomes into
 * a new plan status. Tasks run through the `runTask` port the caller passes in, so
 * this file does no I/O.
 *
 * - A `serial` phase stops at its first unfinished step, a `serial` plan at its first
 *   unfinished phase. An empty or unknown strategy behaves as `parallel` (KUDO's
 *   "keep going"): later steps are tried in the same pass. Tasks always run in order.
 * - Every task of an unfinished step runs on every pass, finished ones too (they are
 *   idempotent applies).
 * - A transient error marks the step ERROR and the pass continues with the next task;
 *   a fatal one ends step, phase and plan in FATAL_ERROR at once.
 */
import type { Plan, PlanStatus, Task } from '../api/types.js';
import { fatalMessage, TaskError, transientMessage } from './errors.js';
import { setStatus } from './status.js';
import { sameJson } from '../k8s/object.js';

export interface TaskLocation {
  plan: string;
  phase: string;
  step: string;
  task: string;
}

export const describeLocation = (l: TaskLocation): string => `${l.plan}.${l.phase}.${l.step}.${l.task}`;

/** Runs one task; true when it is done, false when it must be tried again later. Throws TaskError. */
export type RunTask = (task: Task, where: TaskLocation) => Promise<boolean>;

export interface ExecuteInput {
  instance: { namespace: string; name: string };
  planName: string;
  plan: Plan;
  /** The plan's current status; not modified (a copy is returned). */
  status: PlanStatus;
  tasks: readonly Task[];
  runTask: RunTask;
  now: string;
}

export interface EngineEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface ExecuteResult {
  status: PlanStatus;
  /** The fatal failure that ended the plan, for the Warning event. */
  fatal?: EngineEvent;
  /** Transient failures of this pass (the steps are in ERROR). */
  transient: EngineEvent[];
}

const isDone = (s: string | undefined): boolean => s === 'COMPLETE';
const isTerminal = (s: string | undefined): boolean => s === 'COMPLETE' || s === 'FATAL_ERROR';

export async function executePlan(input: ExecuteInput): Promise<ExecuteResult> {
  const status = structuredClone(input.status);
  const transient: EngineEvent[] = [];
  if (isTerminal(status.status)) return { status, transient };
  const before = structuredClone(status);
  const fail = (message: string, reason: string): ExecuteResult => {
    setStatus(status, 'FATAL_ERROR', message);
    status.lastUpdatedTimestamp = input.now;
    return { status, transient, fatal: { type: 'Warning', reason, message } };
  };
  setStatus(status, 'IN_PROGRESS');
  let allPhasesDone = true;
  for (const phase of input.plan.phases ?? []) {
    const phaseStatus = status.phases?.find((p) => p.name === phase.name);
    if (!phaseStatus)
      return fail(
        `${input.instance.namespace}/${input.instance.name} fatal error: missing phase status ${input.planName}.${phase.name ?? ''}`,
        'MissingPhaseStatus',
      );
    if (isDone(phaseStatus.status)) continue;
    setStatus(phaseStatus, 'IN_PROGRESS');
    let allStepsDone = true;
    for (const step of phase.steps ?? []) {
      const stepStatus = phaseStatus.steps?.find((s) => s.name === step.name);
      if (!stepStatus)
        return fail(
          `${input.instance.namespace}/${input.instance.name} fatal error: missing step status ${input.planName}.${phase.name ?? ''}.${step.name ?? ''}`,
          'MissingStepStatus',
        );
      if (isDone(stepStatus.status)) continue;
      setStatus(stepStatus, 'IN_PROGRESS');
      let tasksLeft = 0;
      for (const taskName of step.tasks ?? []) {
        const where: TaskLocation = { plan: input.planName, phase: phase.name ?? '', step: step.name ?? '', task: taskName };
        const task = input.tasks.find((t) => t.name === taskName);
        if (!task) {
          const message = `${input.instance.namespace}/${input.instance.name} fatal error: missing task ${describeLocation(where)}`;
          setStatus(stepStatus, 'FATAL_ERROR', message);
          setStatus(phaseStatus, 'FATAL_ERROR');
          return fail(message, 'UnknownTaskName');
        }
        let done: boolean;
        try {
          done = await input.runTask(task, where);
        } catch (e) {
          const err = e instanceof TaskError ? e : new TaskError(e instanceof Error ? e.message : String(e), false);
          if (err.fatal) {
            const message = fatalMessage(input.instance, describeLocation(where), err.message);
            setStatus(stepStatus, 'FATAL_ERROR', message);
            setStatus(phaseStatus, 'FATAL_ERROR');
            return fail(message, err.reason);
          }
          const message = transientMessage(describeLocation(where), err.message);
          setStatus(stepStatus, 'ERROR', message);
          transient.push({ type: 'Warning', reason: err.reason, message });
          done = false;
        }
        if (!done) tasksLeft++;
      }
      if (tasksLeft === 0) setStatus(stepStatus, 'COMPLETE');
      else {
        allStepsDone = false;
        if (phase.strategy === 'serial') break;
      }
    }
    if (allStepsDone) setStatus(phaseStatus, 'COMPLETE');
    else {
      allPhasesDone = false;
      if (input.plan.strategy === 'serial') break;
    }
  }
  if (allPhasesDone) setStatus(status, 'COMPLETE');
  // Only a real change moves the timestamp, so an idle wait does not rewrite the status.
  if (!sameJson(status, before)) status.lastUpdatedTimestamp = input.now;
  return { status, transient };
}
