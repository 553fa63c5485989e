/**
 * `plan abort` and `plan retry` (beyond KUDO): they set the annotations the manager acts on
 * (PLAN_CONTROL in src/engine/instance.ts) and wait for it to take them.
 */
import type { Instance } from '../../api/types.js';
import type { Cluster } from '../../cluster/cluster.js';
import { PLAN_CONTROL } from '../../engine/instance.js';
import { lastExecutedPlan } from '../../engine/status.js';
import type { ParsedCommand } from '../args.js';
import type { CliContext } from '../context.js';
import { UsageError, UserError } from '../errors.js';
import { getInstance, ref, requireInstance } from '../kudo.js';
import { followPlan, planUids } from '../progress.js';

const instanceFlag = (cmd: ParsedCommand): string => {
  const name = cmd.flags.instance as string | undefined;
  if (!name) throw new UsageError('please choose the instance with --instance=<instanceName>');
  return name;
};

/** Sets a plan-control annotation and waits a little for the manager to take it (it removes the annotation). */
async function requestControl(ctx: CliContext, cluster: Cluster, ns: string, name: string, key: string, plan: string): Promise<Instance | undefined> {
  await cluster.patch(ref('Instance', ns, name), 'merge', { metadata: { annotations: { [key]: plan } } });
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const now = await getInstance(cluster, ns, name);
    if (!now?.metadata.annotations?.[key]) return now;
    await new Promise((r) => setTimeout(r, 250));
  }
  return undefined;
}

export async function abortCommand(ctx: CliContext, cmd: ParsedCommand): Promise<number> {
  const name = instanceFlag(cmd);
  const cluster = await ctx.cluster();
  const ns = await ctx.namespace();
  const instance = await requireInstance(cluster, ns, name);
  const running = instance.spec?.planExecution?.planName;
  const plan = (cmd.flags.name as string | undefined) || running;
  if (!plan || plan !== running)
    throw new UserError(
      plan ? `plan ${plan} is not running for instance ${ns}/${name}; nothing to abort` : `no plan is running for instance ${ns}/${name}; nothing to abort`,
    );
  const after = await requestControl(ctx, cluster, ns, name, PLAN_CONTROL.abort, plan);
  if (!after) throw new UserError(`abort of plan ${plan} requested, but the KUDO manager has not acted on it within 15s; is the manager running?`);
  ctx.out(`Aborted ${plan} plan for ${ns}/${name} instance; it can be retried with "kubectl kudo plan retry --instance ${name}"\n`);
  return 0;
}

export async function retryCommand(ctx: CliContext, cmd: ParsedCommand): Promise<number> {
  const name = instanceFlag(cmd);
  const cluster = await ctx.cluster();
  const ns = await ctx.namespace();
  const instance = await requireInstance(cluster, ns, name);
  const plan = (cmd.flags.name as string | undefined) || lastExecutedPlan(instance.status)?.name;
  const status = plan ? instance.status?.planStatus?.[plan]?.status : undefined;
  if (!plan || status !== 'FATAL_ERROR')
    throw new UserError(
      `plan ${plan ?? '(none)'} of instance ${ns}/${name} has not failed (it is ${status ?? 'not run'}); only a plan in FATAL_ERROR can be retried`,
    );
  if (instance.spec?.planExecution?.planName)
    throw new UserError(`plan ${instance.spec.planExecution.planName} is running for instance ${ns}/${name}; wait for it or abort it first`);
  const before = planUids(instance);
  const after = await requestControl(ctx, cluster, ns, name, PLAN_CONTROL.retry, plan);
  if (!after) throw new UserError(`retry of plan ${plan} requested, but the KUDO manager has not acted on it within 15s; is the manager running?`);
  ctx.out(`Retrying ${plan} plan for ${ns}/${name} instance\n`);
  if (cmd.flags.wait) await followPlan(ctx, cluster, { namespace: ns, name, timeoutMs: (cmd.flags['wait-time'] as number) * 1000, previousUids: before });
  return 0;
}
