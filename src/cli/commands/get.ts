/** `get instances|operators|operatorversions|all [-o yaml|json]`. */
import type { Instance, Operator, OperatorVersion } from '../../api/types.js';
import type { ParsedCommand } from '../args.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { allTree, formatObjects, listTree } from '../format.js';
import { listKudo } from '../kudo.js';

/** As kubectl prints objects: without the server's field-manager bookkeeping. */
const withoutManagedFields = <T extends { metadata: { managedFields?: unknown } }>(items: T[]): T[] =>
  items.map((i) => ({ ...i, metadata: { ...i.metadata, managedFields: undefined } }));

const KINDS = { instances: 'Instance', operators: 'Operator', operatorversions: 'OperatorVersion' } as const;

export async function getCommand(ctx: CliContext, cmd: ParsedCommand): Promise<number> {
  if (cmd.positional.length !== 1) throw new UsageError('expecting exactly one argument - "instances, operators, operatorversions or all"');
  const what = cmd.positional[0];
  if (what !== 'all' && !Object.hasOwn(KINDS, what)) throw new UsageError(`expecting one of "instances, operators, operatorversions or all" and not "${what}"`);
  const format = cmd.flags.output as string | undefined;
  if (format && format !== 'yaml' && format !== 'json') throw new UsageError(`invalid output format "${format}": use yaml or json`);
  const cluster = await ctx.cluster();
  const ns = await ctx.namespace();
  if (what === 'all') {
    const [operators, ovs, instances] = await Promise.all([
      listKudo<Operator>(cluster, 'Operator', ns),
      listKudo<OperatorVersion>(cluster, 'OperatorVersion', ns),
      listKudo<Instance>(cluster, 'Instance', ns),
    ]);
    if (format) ctx.out(await formatObjects(withoutManagedFields([...operators, ...ovs, ...instances]), format));
    else
      ctx.out(
        allTree(
          ns,
          operators.map((o) => o.metadata.name ?? ''),
          ovs,
          instances,
        ),
      );
    return 0;
  }
  const items = await listKudo(cluster, KINDS[what as keyof typeof KINDS], ns);
  if (format) ctx.out(await formatObjects(withoutManagedFields(items), format));
  else
    ctx.out(
      listTree(
        `List of current installed ${what} in namespace "${ns}":`,
        items.map((i) => i.metadata.name ?? ''),
      ),
    );
  return 0;
}
