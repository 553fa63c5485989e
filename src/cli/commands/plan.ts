/** `plan status|history|trigger|abort|retry`. */
import { randomUUID } from 'node:crypto';
import type { ParsedCommand } from '../args.js';
import type { CliContext } from '../context.js';
import { UsageError, UserError } from '../errors.js';
import { colorStyle, formatObjects, planHistoryTree, planStatusTree } from '../format.js';
import { ref, requireInstance, requireOperatorVersion } from '../kudo.js';
import { followPlan, planUids } from '../progress.js';

const instanceFlag = (cmd: ParsedCommand, message = 'please choose the instance with --instance=<instanceName>'): string => {
  const name = cmd.flags.instance as string | undefined;
  if (!name) throw new UsageError(message);
  return name;
};

export async function statusCommand(ctx: CliContext, cmd: ParsedCommand): Promise<number> {
  const name = instanceFlag(cmd);
  const format = cmd.flags.output as string | undefined;
  if (format && format !== 'yaml' && format !== 'json') throw new UsageError(`invalid output format "${format}": use yaml or json`);
  const cluster = await ctx.cluster();
  const ns = await ctx.namespace();
  const instance = await requireInstance(cluster, ns, name);
  if (format) {
    ctx.out(await formatObjects([instance.status ?? {}], format, true));
    return 0;
  }
  if (cmd.flags.wait) {
    const final = await followPlan(ctx, cluster, { namespace: ns, name, timeoutMs: 24 * 3600_000 });
    if (!ctx.interactive) ctx.out(planStatusTree(final, await requireOperatorVersion(cluster, final), ns) ?? '');
    return 0;
  }
  const ov = await requireOperatorVersion(cluster, instance);
  const text = planStatusTree(instance, ov, ns, ctx.color ? colorStyle : undefined);
  ctx.out(text ?? `No plan ever run for instance - nothing to show for instance ${name}\n`);
  return 0;
}

export async function historyCommand(ctx: CliContext, cmd: ParsedCommand): Promise<number> {
  const name = instanceFlag(cmd, "please choose the instance with '--instance=<instanceName>'");
  const cluster = await ctx.cluster();
  const instance = await requireInstance(cluster, await ctx.namespace(), name);
  ctx.out(planHistoryTree(instance));
  return 0;
}

export async function triggerCommand(ctx: CliContext, cmd: ParsedCommand): Promise<number> {
  const plan = cmd.flags.name as string | undefined;
  if (!plan) throw new UsageError("please choose the plan name with '--name=<planName>'");
  const name = instanceFlag(cmd, "please choose the instance with '--instance=<instanceName>'");
  const cluster = await ctx.cluster();
  const ns = await ctx.namespace();
  const instance = await requireInstance(cluster, ns, name);
  const ov = await requireOperatorVersion(cluster, instance);
  if (!Object.hasOwn(ov.spec?.plans ?? {}, plan))
    throw new UserError(
      `plan ${plan} does not exist in operator version ${ov.metadata.name}; it has: ${Object.keys(ov.spec?.plans ?? {})
        .sort()
        .join(', ')}`,
    );
  const before = planUids(instance);
  await cluster.patch(ref('Instance', ns, name), 'merge', { spec: { planExecution: { planName: plan, uid: randomUUID() } } });
  ctx.out(`Triggered ${plan} plan for ${ns}/${name} instance\n`);
  if (cmd.flags.wait) await followPlan(ctx, cluster, { namespace: ns, name, timeoutMs: (cmd.flags['wait-time'] as number) * 1000, previousUids: before });
  return 0;
}
