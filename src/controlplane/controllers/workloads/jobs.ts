/**
 * The Job controller: runs pods until `completions` succeeded (at most `parallelism` at a
 * time), fails the Job with BackoffLimitExceeded or DeadlineExceeded as batch/v1 does, and
 * reports status and conditions (SuccessCriteriaMet/Complete, FailureTarget/Failed) and events.
 * Also the TTL-after-finished controller for finished Jobs.
 */
import type { KubeObject } from '../../../k8s/object.js';
import { nowTimestamp } from '../../apiserver/core.js';
import type { StoreEvent } from '../../storage/store.js';
import {
  condition,
  isPodActive,
  isPodReady,
  keyOf,
  ownerKeys,
  podFromTemplate,
  podPhase,
  setCondition,
  type Condition,
  type Controller,
  type Sim,
} from './sim.js';

type Any = Record<string, any>;

export class JobController implements Controller {
  readonly name = 'job';
  readonly watches = ['batch/jobs', '/pods'];
  private readonly jobs;
  private readonly pods;

  constructor(private readonly sim: Sim) {
    this.jobs = sim.type('batch', 'v1', 'jobs');
    this.pods = sim.type('', 'v1', 'pods');
  }

  initialKeys(): string[] {
    return this.sim.list(this.jobs).map(keyOf);
  }

  keysFor(e: StoreEvent): string[] {
    return e.resource === '/pods' ? ownerKeys(e, 'Job') : [keyOf(e.object)];
  }

  sync(key: string): void {
    const job = this.sim.get(this.jobs, key);
    if (!job || job.metadata.deletionTimestamp) return;
    const spec = job.spec as Any;
    const status = structuredClone((job.status ?? {}) as Any);
    const finished = isFinished(job);
    if (finished) return this.ttl(job, key);
    const pods = this.sim.owned(this.pods, job);
    const active = pods.filter(isPodActive);
    const succeededPods = pods.filter((p) => podPhase(p) === 'Succeeded');
    const failedPods = pods.filter((p) => podPhase(p) === 'Failed');
    const restarts = spec.template?.spec?.restartPolicy === 'OnFailure' ? active.reduce((n, p) => n + restartsOf(p), 0) : 0;
    const completions: number | undefined = spec.completions ?? undefined;
    const indexed = spec.completionMode === 'Indexed';
    const succeeded = indexed ? new Set(succeededPods.map(indexOf)).size : succeededPods.length;
    const failed = failedPods.length;
    const now = Date.now();
    status.startTime ??= nowTimestamp();
    let conditions: Condition[] = status.conditions ?? [];

    if (spec.suspend) {
      for (const p of active) this.sim.remove(this.pods, p);
      if (condition(job, 'Suspended')?.status !== 'True') this.sim.event(job, 'Normal', 'Suspended', 'Job suspended', 'job-controller');
      conditions = setCondition(conditions, { type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended' }, { probeTime: true });
      delete status.startTime;
      return this.write(job, { ...status, active: 0, ready: 0, conditions });
    }
    if (condition(job, 'Suspended')?.status === 'True') {
      conditions = setCondition(conditions, { type: 'Suspended', status: 'False', reason: 'JobResumed', message: 'Job resumed' }, { probeTime: true });
      this.sim.event(job, 'Normal', 'Resumed', 'Job resumed', 'job-controller');
    }

    const deadline = spec.activeDeadlineSeconds as number | undefined;
    const elapsed = now - Date.parse(status.startTime);
    let failure: { reason: string; message: string } | undefined;
    if (failed + restarts > (spec.backoffLimit ?? 6)) failure = { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    else if (deadline !== undefined && elapsed >= deadline * 1000)
      failure = { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
    const complete = completions !== undefined ? succeeded >= completions : succeeded > 0 && active.length === 0;

    if (failure) {
      for (const p of active) this.sim.remove(this.pods, p);
      conditions = setCondition(conditions, { type: 'FailureTarget', status: 'True', ...failure }, { probeTime: true });
      conditions = setCondition(conditions, { type: 'Failed', status: 'True', ...failure }, { probeTime: true });
      this.sim.event(job, 'Warning', failure.reason, failure.message, 'job-controller');
      return this.write(job, {
        ...status,
        active: 0,
        ready: 0,
        succeeded,
        failed: failed + (failure.reason === 'DeadlineExceeded' ? active.length : 0),
        conditions,
      });
    }
    if (complete) {
      for (const p of active) this.sim.remove(this.pods, p);
      conditions = setCondition(
        conditions,
        { type: 'SuccessCriteriaMet', status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' },
        { probeTime: true },
      );
      conditions = setCondition(
        conditions,
        { type: 'Complete', status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' },
        { probeTime: true },
      );
      this.sim.event(job, 'Normal', 'Completed', 'Job completed', 'job-controller');
      this.write(job, { ...status, active: 0, ready: 0, succeeded, failed, completionTime: nowTimestamp(), conditions });
      return this.ttl(job, key);
    }

    // Start pods up to parallelism, never more than the completions still needed.
    const parallelism: number = spec.parallelism ?? 1;
    const remaining = completions !== undefined ? completions - succeeded : succeeded > 0 ? 0 : parallelism;
    const want = Math.max(0, Math.min(parallelism, remaining));
    const usedIndexes = new Set([...active, ...succeededPods].map(indexOf));
    let running = active.length;
    for (let i = 0; running < want; i++) {
      if (indexed && usedIndexes.has(String(i))) continue;
      if (indexed && completions !== undefined && i >= completions) break;
      this.createPod(job, indexed ? i : undefined);
      running++;
    }
    if (deadline !== undefined) this.sim.enqueue(this, key, Math.max(1, deadline * 1000 - elapsed + 5));
    this.write(job, { ...status, active: running, ready: active.filter(isPodReady).length, succeeded, failed, conditions });
  }

  private createPod(job: KubeObject, index: number | undefined): void {
    const uid = job.metadata.uid!;
    const name = job.metadata.name!;
    const labels: Record<string, string> = {
      'batch.kubernetes.io/controller-uid': uid,
      'batch.kubernetes.io/job-name': name,
      'controller-uid': uid,
      'job-name': name,
    };
    const annotations: Record<string, string> = {};
    const template = structuredClone((job.spec as Any).template ?? {});
    if (index !== undefined) {
      labels['batch.kubernetes.io/job-completion-index'] = String(index);
      annotations['batch.kubernetes.io/job-completion-index'] = String(index);
      template.spec = {
        ...template.spec,
        hostname: `${name}-${index}`,
        containers: ((template.spec?.containers ?? []) as Any[]).map((c) => ({
          ...c,
          env: [...(c.env ?? []), { name: 'JOB_COMPLETION_INDEX', value: String(index) }],
        })),
      };
    }
    const pod = this.sim.create(
      this.pods,
      job.metadata.namespace,
      podFromTemplate(template, job, { generateName: index !== undefined ? `${name}-${index}-` : `${name}-`, labels, annotations }),
    );
    this.sim.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, 'job-controller');
  }

  private write(job: KubeObject, status: Any): void {
    const out: Any = {};
    for (const k of ['conditions', 'startTime', 'completionTime', 'active', 'succeeded', 'failed'])
      if (status[k] !== undefined && status[k] !== 0) out[k] = status[k];
    out.uncountedTerminatedPods = {};
    out.ready = status.ready ?? 0;
    if (status.terminating !== undefined) out.terminating = status.terminating;
    this.sim.setStatus(this.jobs, job, out);
  }

  /** ttlSecondsAfterFinished: the TTL controller deletes finished Jobs (and their pods, by GC). */
  private ttl(job: KubeObject, key: string): void {
    const ttl = (job.spec as Any).ttlSecondsAfterFinished as number | undefined;
    if (ttl === undefined) return;
    const current = this.sim.get(this.jobs, key);
    if (!current || !isFinished(current)) return;
    const conds = ((current.status as Any).conditions ?? []) as Condition[];
    const finishedAt = Date.parse(
      conds.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')?.lastTransitionTime ?? nowTimestamp(),
    );
    const left = finishedAt + ttl * 1000 - Date.now();
    if (left > 0) return this.sim.enqueue(this, key, left + 5);
    this.sim.remove(this.jobs, current);
  }
}

function isFinished(job: KubeObject): boolean {
  return condition(job, 'Complete')?.status === 'True' || condition(job, 'Failed')?.status === 'True';
}

function restartsOf(p: KubeObject): number {
  return (((p.status as Any)?.containerStatuses ?? []) as Any[]).reduce((n, c) => n + (c.restartCount ?? 0), 0);
}

function indexOf(p: KubeObject): string | undefined {
  return p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'];
}
