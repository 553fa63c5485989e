/**
 * The `package` command group as plain functions: `runPackageCommand(['verify', 'path'])`.
 * The CLI mounts these under `kubectl kudo package ...`.
 */
import { bool, parseArgs, str, strs, UsageError, type FlagSpec } from './args.js';
import { createCommand } from './create.js';
import { listCommand } from './list.js';
import { renderCommand } from './render.js';
import { fail, ok, type CommandResult } from './result.js';
import { addCommand, newCommand, type Prompter } from './scaffold.js';
import { verifyCommand } from './verify.js';

export { addCommand, createCommand, listCommand, newCommand, renderCommand, verifyCommand };
export type { CommandResult, Prompter };

export const PACKAGE_USAGE = `Usage: kubectl kudo package <command>

Commands:
  verify <path> [-o yaml|json] [--param-checks display,hint,desc,type,hasgroup,groups,all]
                                                   check a package with KUDO's verifiers
  create <dir> [-d/--destination dir] [-w/--overwrite]
                                                   verify and write <name>-<app>_<version>.tgz
  list parameters|tasks|plans [pkg] [--names] [--required] [-d/--descriptions] [-t/--with-tasks]
  new <name> [-i/--interactive] [-w/--overwrite]   scaffold ./operator/
  add maintainer <name> <email> | parameter | task | plan [-i] [flags]
                                                   edit the package in the current folder
  render <pkg> [--plan deploy] [-p k=v ...] [-P file ...] [--instance name] [--namespace ns] [--output-dir dir]
                                                   print the objects each task of a plan applies or deletes
`;

const FLAGS: Record<string, FlagSpec[]> = {
  verify: [
    { name: 'output', short: 'o', type: 'string' },
    { name: 'param-checks', type: 'strings' },
  ],
  create: [
    { name: 'destination', short: 'd', type: 'string' },
    { name: 'overwrite', short: 'w', type: 'bool' },
  ],
  list: [
    { name: 'names', type: 'bool' },
    { name: 'required', short: 'r', type: 'bool' },
    { name: 'descriptions', short: 'd', type: 'bool' },
    { name: 'with-tasks', short: 't', type: 'bool' },
  ],
  new: [
    { name: 'interactive', short: 'i', type: 'bool' },
    { name: 'overwrite', short: 'w', type: 'bool' },
  ],
  add: [
    { name: 'interactive', short: 'i', type: 'bool' },
    ...[
      'name',
      'display-name',
      'description',
      'default',
      'trigger',
      'type',
      'group',
      'hint',
      'kind',
      'parameter',
      'pod',
      'pipe-file',
      'pipe-kind',
      'pipe-key',
      'package',
      'operator-version',
      'parameter-file',
      'strategy',
      'phase',
      'phase-strategy',
      'step',
    ].map((name) => ({ name, type: 'string' as const })),
    ...['required', 'immutable', 'advanced', 'done'].map((name) => ({ name, type: 'bool' as const })),
    ...['enum', 'resource', 'task'].map((name) => ({ name, type: 'strings' as const })),
  ],
  render: [
    { name: 'plan', type: 'string' },
    { name: 'parameter', short: 'p', type: 'strings' },
    { name: 'parameter-file', short: 'P', type: 'strings' },
    { name: 'instance', type: 'string' },
    { name: 'namespace', short: 'n', type: 'string' },
    { name: 'output-dir', type: 'string' },
  ],
};

/** Runs `package <sub> ...`. User mistakes come back as an `Error: ...` line and a non-zero code, never a stack trace. */
export async function runPackageCommand(argv: readonly string[], prompter?: Prompter): Promise<CommandResult> {
  const [sub, ...rest] = argv;
  if (!sub || sub === 'help' || sub === '--help' || sub === '-h') return ok(PACKAGE_USAGE);
  const specs = FLAGS[sub];
  if (!specs) return fail(`unknown package command "${sub}"\n${PACKAGE_USAGE}`);
  try {
    const a = parseArgs(rest, specs);
    const [first, second] = a.positional;
    switch (sub) {
      case 'verify':
        return verifyCommand(first, { output: str(a, 'output'), paramChecks: strs(a, 'param-checks').flatMap((c) => c.split(',').filter(Boolean)) });
      case 'create':
        return createCommand(first, { destination: str(a, 'destination'), overwrite: bool(a, 'overwrite') });
      case 'list':
        return listCommand(first, second, {
          names: bool(a, 'names'),
          required: bool(a, 'required'),
          descriptions: bool(a, 'descriptions'),
          withTasks: bool(a, 'with-tasks'),
        });
      case 'new':
        return await newCommand(first, { interactive: bool(a, 'interactive'), overwrite: bool(a, 'overwrite') }, prompter);
      case 'add':
        return await addCommand(first, a.positional.slice(1), { interactive: bool(a, 'interactive'), flags: a.flags }, prompter);
      case 'render':
        return renderCommand(first, {
          plan: str(a, 'plan'),
          parameters: strs(a, 'parameter'),
          parameterFiles: strs(a, 'parameter-file'),
          instance: str(a, 'instance'),
          namespace: str(a, 'namespace'),
          outputDir: str(a, 'output-dir'),
        });
    }
    return fail(`unknown package command "${sub}"`);
  } catch (e) {
    if (e instanceof UsageError) return fail(`${e.message}\n${PACKAGE_USAGE}`);
    if (e instanceof Error) return fail(e.message);
    throw e;
  }
}
