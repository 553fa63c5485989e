/**
 * Running KUTTL commands: `command` strings are env-expanded and split like a shell
 * (quotes, no globbing or pipes), `script`s run through `sh -c`. Timeouts kill the whole
 * process group; background commands keep running until `stop()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { expandEnv } from './discovery.js';
import { onInterrupt } from './interrupt.js';
import { HarnessError, type Command } from './types.js';

/** Splits a command line into words: whitespace separates, quotes group, backslash escapes. */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (c === '#' && !inWord) {
      // A comment runs to the end of the line.
      while (i < line.length && line[i] !== '\n') i++;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new HarnessError(`unterminated single quote in command: ${line}`);
      word += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      inWord = true;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\' && i + 1 < line.length && '"\\$`\n'.includes(line[i + 1])) i++;
        word += line[i++];
      }
      if (i >= line.length) throw new HarnessError(`unterminated double quote in command: ${line}`);
      i++;
    } else if (c === '\\') {
      if (i + 1 < line.length) word += line[i + 1];
      inWord = true;
      i += 2;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

export interface CommandContext {
  cwd: string;
  env: Record<string, string | undefined>;
  namespace: string;
  /** Seconds used when the command sets no timeout of its own; <= 0 means none. */
  defaultTimeout: number;
  /** Receives each output line of the command (unless skipLogOutput). */
  log: (line: string) => void;
}

export interface CommandOutcome {
  ok: boolean;
  /** Set when the command failed (and ignoreFailure did not excuse it). */
  error?: string;
  exitCode: number | null;
}

/** The argv (or `sh -c` script) a Command turns into. */
export function commandArgv(cmd: Command, env: Record<string, string | undefined>, namespace: string): string[] {
  if (cmd.script !== undefined) return ['sh', '-c', cmd.script];
  const argv = splitCommandLine(expandEnv(cmd.command ?? '', env));
  if (argv.length === 0) throw new HarnessError(`command "${cmd.command}" is empty`);
  if (cmd.namespaced && !argv.some((a) => a === '-n' || a === '--namespace' || a.startsWith('--namespace=') || /^-n./.test(a))) {
    argv.push('--namespace', namespace);
  }
  return argv;
}

const describe = (cmd: Command): string => cmd.command ?? cmd.script ?? '';

function effectiveTimeout(cmd: Command, fallback: number): number {
  const t = cmd.timeout ?? 0;
  if (t > 0) return t;
  if (t < 0) return 0;
  return fallback > 0 ? fallback : 0;
}

function startProcess(argv: string[], ctx: CommandContext, skipLog: boolean): ChildProcess {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.env)) if (v !== undefined) env[k] = v;
  const child = spawn(argv[0], argv.slice(1), { cwd: ctx.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      if (!skipLog) for (const l of lines) ctx.log(l);
    });
    stream?.on('end', () => {
      if (pending && !skipLog) ctx.log(pending);
      pending = '';
    });
  }
  return child;
}

/** Kills the process group of a child we started (SIGTERM, then SIGKILL after a grace period). */
export function killProcessGroup(child: ChildProcess, graceMs = 2000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  const pid = child.pid;
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-pid, s);
    } catch {
      // Already gone.
    }
  };
  return new Promise((resolve) => {
    const timer = setTimeout(() => signal('SIGKILL'), graceMs);
    child.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    signal('SIGTERM');
  });
}

/** Runs one foreground command to completion (or its timeout). */
export async function runCommand(cmd: Command, ctx: CommandContext): Promise<CommandOutcome> {
  let argv: string[];
  try {
    argv = commandArgv(cmd, ctx.env, ctx.namespace);
  } catch (e) {
    return { ok: false, error: (e as Error).message, exitCode: null };
  }
  const timeout = effectiveTimeout(cmd, ctx.defaultTimeout);
  const child = startProcess(argv, ctx, cmd.skipLogOutput ?? false);
  const unregister = onInterrupt(() => killProcessGroup(child, 500));
  let timedOut = false;
  const timer = timeout > 0 ? setTimeout(() => ((timedOut = true), void killProcessGroup(child)), timeout * 1000) : undefined;
  const result = await new Promise<{ code: number | null; spawnError?: Error }>((resolve) => {
    child.once('error', (err) => resolve({ code: null, spawnError: err }));
    child.once('close', (code) => resolve({ code }));
  });
  if (timer) clearTimeout(timer);
  unregister();
  if (result.spawnError) {
    const code = (result.spawnError as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? `${argv[0]}: executable not found in PATH` : result.spawnError.message;
    return { ok: false, error: `command "${describe(cmd)}" could not start: ${why}`, exitCode: null };
  }
  if (timedOut) return { ok: false, error: `command "${describe(cmd)}" exceeded ${timeout} sec timeout`, exitCode: result.code };
  if (result.code !== 0 && !cmd.ignoreFailure) {
    return { ok: false, error: `command "${describe(cmd)}" failed with exit code ${result.code ?? 'unknown (killed)'}`, exitCode: result.code };
  }
  return { ok: true, exitCode: result.code };
}

/** Runs commands in order, stopping at the first failure; returns the error messages. */
export async function runCommands(cmds: Command[], ctx: CommandContext, onStart?: (cmd: Command) => void): Promise<string[]> {
  for (const cmd of cmds) {
    onStart?.(cmd);
    const outcome = await runCommand(cmd, ctx);
    if (!outcome.ok) return [outcome.error ?? `command "${describe(cmd)}" failed`];
  }
  return [];
}

export interface BackgroundProcess {
  description: string;
  /** True once stop() was called, so an exit is expected. */
  stopping: boolean;
  stop(): Promise<void>;
  /** Settles with the exit code when the process ends by itself. */
  exited: Promise<number | null>;
}

/** Starts a suite `background: true` command; it runs until stopped at the end of the suite. */
export async function startBackground(cmd: Command, ctx: CommandContext): Promise<BackgroundProcess> {
  const argv = commandArgv(cmd, ctx.env, ctx.namespace);
  const child = startProcess(argv, ctx, cmd.skipLogOutput ?? false);
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', (err) => {
      const code = (err as NodeJS.ErrnoException).code;
      reject(
        new HarnessError(
          `background command "${describe(cmd)}" could not start: ${code === 'ENOENT' ? `${argv[0]}: executable not found in PATH` : err.message}`,
        ),
      );
    });
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const unregister = onInterrupt(() => killProcessGroup(child, 500));
  const bg: BackgroundProcess = {
    description: describe(cmd),
    stopping: false,
    stop: () => {
      bg.stopping = true;
      unregister();
      return killProcessGroup(child);
    },
    exited,
  };
  return bg;
}
