/**
 * Following a plan until it ends: on a terminal the status tree is redrawn in place;
 * otherwise each change of a plan, phase or step status is printed as one line. A plan
 * ending in FATAL_ERROR fails the command with the failing step's message.
 */
import type { Instance, OperatorVersion, PlanStatus } from '../api/types.js';
import type { Cluster } from '../cluster/cluster.js';
import { lastExecutedPlan } from '../engine/status.js';
import type { CliContext } from './context.js';
import { UserError } from './errors.js';
import { colorStyle, planStatusTree } from './format.js';
import { getInstance, getOperatorVersion } from './kudo.js';

export interface WaitOptions {
  namespace: string;
  name: string;
  timeoutMs: number;
  /** Plan run uids that existed before the change: only a new run counts. */
  previousUids?: ReadonlySet<string>;
  pollMs?: number;
}

/** Uids of every plan run recorded in the instance status. */
export const planUids = (instance: Instance | undefined): Set<string> =>
  new Set(Object.values(instance?.status?.planStatus ?? {}).flatMap((p) => (p.uid ? [p.uid] : [])));

/** The failing step's (else phase's, else plan's) message of a plan. */
export function failureMessage(plan: PlanStatus): string {
  for (const phase of plan.phases ?? [])
    for (const step of phase.steps ?? []) if (step.status === 'FATAL_ERROR' && step.message) return `step ${phase.name}.${step.name}: ${step.message}`;
  for (const phase of plan.phases ?? []) if (phase.status === 'FATAL_ERROR' && phase.message) return `phase ${phase.name}: ${phase.message}`;
  return plan.message || 'no message recorded';
}

function changeLines(prev: Map<string, string>, plan: PlanStatus): string[] {
  const lines: string[] = [];
  const note = (key: string, label: string, status: string | undefined, message: string | undefined) => {
    const value = `${status ?? ''}${message ? ` (${message})` : ''}`;
    if (prev.get(key) === value) return;
    prev.set(key, value);
    lines.push(`${label} ${value}`);
  };
  note(`${plan.name}`, `plan ${plan.name}:`, plan.status, plan.message);
  for (const phase of plan.phases ?? []) {
    note(`${plan.name}/${phase.name}`, `plan ${plan.name}, phase ${phase.name}:`, phase.status, phase.message);
    for (const step of phase.steps ?? [])
      note(`${plan.name}/${phase.name}/${step.name}`, `plan ${plan.name}, phase ${phase.name}, step ${step.name}:`, step.status, step.message);
  }
  return lines;
}

/** Waits for the (new) last plan of the instance to end; returns the final instance. */
export async function followPlan(ctx: CliContext, cluster: Cluster, opts: WaitOptions): Promise<Instance> {
  const started = Date.now();
  const live = ctx.interactive;
  const seen = new Map<string, string>();
  let drawnLines = 0;
  let ov: OperatorVersion | undefined;
  for (;;) {
    const instance = await getInstance(cluster, opts.namespace, opts.name);
    if (!instance) throw new UserError(`instance ${opts.namespace}/${opts.name} was deleted while waiting for its plan`);
    const last = lastExecutedPlan(instance.status);
    const isNew = last ? !(last.uid && opts.previousUids?.has(last.uid)) : false;
    if (last && isNew) {
      if (live) {
        if (ov?.metadata.name !== instance.spec?.operatorVersion?.name)
          ov = await getOperatorVersion(cluster, opts.namespace, instance.spec?.operatorVersion?.name ?? '');
        if (ov) {
          const elapsed = `elapsed time ${((Date.now() - started) / 1000).toFixed(0)}s\n`;
          const text = (planStatusTree(instance, ov, opts.namespace, ctx.color ? colorStyle : undefined) ?? '') + elapsed;
          // Move up over the previous drawing and clear to the end of the screen.
          ctx.out((drawnLines ? `\x1b[${drawnLines}A\x1b[J` : '') + text);
          drawnLines = text.split('\n').length - 1;
        }
      } else for (const line of changeLines(seen, last)) ctx.out(line + '\n');
      if (last.status === 'COMPLETE') return instance;
      if (last.status === 'FATAL_ERROR') throw new UserError(`plan ${last.name} of instance ${opts.namespace}/${opts.name} failed: ${failureMessage(last)}`);
    }
    if (Date.now() - started > opts.timeoutMs) {
      ctx.out(`timeout waiting for instance ${opts.namespace}/${opts.name}\n`);
      throw new UserError(
        `failed to wait on instance ${opts.namespace}/${opts.name}: timed out waiting for the condition (see "kubectl kudo plan status --instance ${opts.name} -n ${opts.namespace}")`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
  }
}
