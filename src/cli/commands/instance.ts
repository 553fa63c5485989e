/** `update` and `uninstall` of an instance. */
import type { ParsedCommand } from '../args.js';
import type { CliContext } from '../context.js';
import { UsageError, UserError } from '../errors.js';
import { getInstance, ref, requireInstance } from '../kudo.js';
import { parameterValues } from '../params.js';
import { followPlan, planUids } from '../progress.js';

export async function updateCommand(ctx: CliContext, cmd: ParsedCommand): Promise<number> {
  if (cmd.positional.length) throw new UsageError('expecting no arguments provided for update. Only named flags are accepted');
  const name = cmd.flags.instance as string | undefined;
  if (!name) throw new UsageError('--instance flag has to be provided to indicate which instance you want to update');
  const params = parameterValues(ctx, cmd);
  if (!Object.keys(params).length) throw new UsageError('need to specify at least one parameter to override via -p otherwise there is nothing to update');
  const cluster = await ctx.cluster();
  const ns = await ctx.namespace();
  const instance = await requireInstance(cluster, ns, name);
  const before = planUids(instance);
  await cluster.patch(ref('Instance', ns, name), 'merge', { spec: { operatorVersion: {}, parameters: params, planExecution: {} } });
  ctx.out(`Instance ${name} was updated.\n`);
  if (cmd.flags.wait) {
    await followPlan(ctx, cluster, { namespace: ns, name, timeoutMs: (cmd.flags['wait-time'] as number) * 1000, previousUids: before });
    ctx.out(`instance ${ns}/${name} ready\n`);
  }
  return 0;
}

export async function uninstallCommand(ctx: CliContext, cmd: ParsedCommand): Promise<number> {
  if (cmd.positional.length) throw new UsageError('uninstall takes no arguments; name the instance with --instance');
  const name = cmd.flags.instance as string | undefined;
  if (!name) throw new UsageError('please use --instance and specify instance name. It cannot be empty');
  const cluster = await ctx.cluster();
  const ns = await ctx.namespace();
  const gone = !(await cluster.delete(ref('Instance', ns, name), { propagationPolicy: 'Background' }));
  if (gone) throw new UserError(`instance ${name} in namespace ${ns} does not exist in the cluster; see "kubectl kudo get instances -n ${ns}"`);
  ctx.out(`instance.kudo.dev/v1beta1/${name} deleted\n`);
  if (cmd.flags.wait) {
    const deadline = Date.now() + (cmd.flags['wait-time'] as number) * 1000;
    while (await getInstance(cluster, ns, name)) {
      if (Date.now() > deadline)
        throw new UserError(
          `instance ${ns}/${name} is still being deleted after ${cmd.flags['wait-time']}s (its cleanup plan may be stuck; see "kubectl kudo plan status --instance ${name}")`,
        );
      await new Promise((r) => setTimeout(r, 500));
    }
    ctx.out(`instance ${ns}/${name} removed\n`);
  }
  return 0;
}
