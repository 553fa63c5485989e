/**
 * Commands other layers implement, mounted under `kubectl kudo`: `package` (src/packages),
 * `test` (src/harness) and `manager` (src/manager). Their own parsers read their flags;
 * global flags given before the command word are handed on.
 */
import type { ParsedCommand } from '../args.js';
import type { CliContext } from '../context.js';

/** `--kubeconfig`/`--context` given before the command word, as arguments for the mounted command. */
function connectionArgs(ctx: CliContext): string[] {
  const out: string[] = [];
  if (ctx.settings.kubeconfig) out.push('--kubeconfig', ctx.path(ctx.settings.kubeconfig));
  if (ctx.settings.context) out.push('--context', ctx.settings.context);
  return out;
}

export async function packageCommand(ctx: CliContext, cmd: ParsedCommand): Promise<number> {
  const { runPackageCommand } = await import('../../packages/commands/index.js');
  const { terminalPrompter } = await import('../prompt.js');
  // The package commands resolve paths against the process's working directory.
  if (ctx.io.cwd !== process.cwd()) process.chdir(ctx.io.cwd);
  const result = await runPackageCommand(cmd.rest, terminalPrompter);
  ctx.out(result.stdout);
  ctx.err(result.stderr);
  return result.code;
}

export async function testCommand(ctx: CliContext, cmd: ParsedCommand): Promise<number> {
  const { runTestCommand } = await import('../../harness/cli.js');
  const args = cmd.rest.includes('--kubeconfig') ? cmd.rest : [...cmd.rest, ...connectionArgs(ctx).slice(0, 2)];
  return runTestCommand(args, { stdout: ctx.io.stdout, stderr: ctx.io.stderr, cwd: ctx.io.cwd, env: ctx.io.env });
}

export async function managerCommand(ctx: CliContext, cmd: ParsedCommand): Promise<number> {
  const { runManager } = await import('../../manager/cli.js');
  const given = new Set(cmd.rest.map((a) => a.split('=')[0]));
  const extra = connectionArgs(ctx).filter((a, i, all) => (a.startsWith('--') ? !given.has(a) : !given.has(all[i - 1])));
  return runManager([...extra, ...cmd.rest], { stdout: ctx.io.stdout, stderr: ctx.io.stderr, env: ctx.io.env, cwd: ctx.io.cwd });
}
