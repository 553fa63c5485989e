/** `-p name=value` and `-P file` as KUDO reads them (-p wins over -P). */
import { readFileSync } from 'node:fs';
import { mergeParameters } from '../packages/params.js';
import type { ParsedCommand } from './args.js';
import type { CliContext } from './context.js';
import { UserError } from './errors.js';

export function parameterValues(ctx: CliContext, cmd: ParsedCommand): Record<string, string> {
  const files = (cmd.flags['parameter-file'] as string[]).map((name) => {
    try {
      return { name, text: readFileSync(ctx.path(name), 'utf8') };
    } catch (e) {
      throw new UserError(`could not parse parameters: cannot read parameter file ${name}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  });
  return mergeParameters(files, cmd.flags.parameter as string[]);
}
