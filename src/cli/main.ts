/**
 * `kubectl kudo`: parses the command line, runs the command, and turns every error a
 * user can cause into one `Error: ...` line and exit code 255 (as KUDO does). Stack
 * traces only with -v 5 or more.
 */
import { helpText, parseCommandLine, type ParsedCommand } from './args.js';
import { GLOBAL_FLAGS, ROOT, type CliCommand } from './commands.js';
import { CliContext, defaultHome, parseRequestTimeout, type CliIO } from './context.js';
import { ERROR_EXIT, UsageError, UserError } from './errors.js';

export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

export async function run(argv: string[], io: CliIO = processIO()): Promise<number> {
  let ctx: CliContext | undefined;
  let verbosity = 0;
  try {
    const cmd = parseCommandLine(argv, ROOT, GLOBAL_FLAGS);
    verbosity = (cmd.flags.v as number | undefined) ?? 0;
    const def = cmd.def as CliCommand;
    if (cmd.help || !def.load) {
      io.stdout.write(helpText(def, cmd.path, GLOBAL_FLAGS));
      return cmd.help || cmd.path.length === 0 ? 0 : ERROR_EXIT;
    }
    ctx = new CliContext(io, {
      home: (cmd.flags.home as string | undefined) || defaultHome(io.env),
      kubeconfig: cmd.flags.kubeconfig as string | undefined,
      context: cmd.flags.context as string | undefined,
      namespace: cmd.flags.namespace as string | undefined,
      requestTimeoutMs: parseRequestTimeout(cmd.flags['request-timeout'] as string),
      verbosity,
      validateInstall: cmd.flags['validate-install'] as boolean,
    });
    const handler = await def.load();
    return (await handler(ctx, cmd)) ?? 0;
  } catch (e) {
    io.stderr.write(`Error: ${await describeError(e)}\n`);
    if (e instanceof UsageError) io.stderr.write('See "kubectl kudo <command> --help" for usage.\n');
    if (verbosity >= 5 && e instanceof Error && e.stack) io.stderr.write(e.stack + '\n');
    return e instanceof UserError ? e.exitCode : ERROR_EXIT;
  } finally {
    await ctx?.close();
  }
}

/** One sentence saying what went wrong and, where we know, what to do about it. */
export async function describeError(e: unknown): Promise<string> {
  if (e instanceof UserError) return e.message;
  if (!(e instanceof Error)) return String(e);
  const { ApiError } = await import('../cluster/cluster.js');
  if (e instanceof ApiError) return describeApiError(e);
  // Package, kubeconfig and template errors carry their file and line already.
  return e.message;
}

function describeApiError(e: {
  code: number;
  reason?: string;
  message: string;
  status: { details?: { group?: string; kind?: string; causes?: { reason?: string }[] } };
}): string {
  const details = e.status.details;
  if (e.code === 503 && details?.causes?.some((c) => c.reason === 'ConnectionError'))
    return `${e.message}. Is the cluster running? Check --kubeconfig and --context (or start a local one with "kubectl kudo cluster start")`;
  if (e.code === 401) return `the cluster rejected the credentials (Unauthorized): they may have expired; refresh them or check --kubeconfig and --context`;
  if (e.message.includes('denied the request')) return e.message;
  if (e.code === 403) return `${e.message} (forbidden: your user lacks the permission; ask a cluster admin)`;
  if (e.code === 404 && details?.group === 'kudo.dev')
    return `KUDO is not installed in this cluster (no ${details.kind ?? 'kudo.dev'} API found); install it with "kubectl kudo init"`;
  return e.message;
}

export type { ParsedCommand };
