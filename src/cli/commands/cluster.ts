/**
 * `cluster start|stop|status`: the local control plane (src/controlplane/main.ts) in the
 * foreground, or detached in the background with its pid and log under $KUDO_HOME/cluster.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ParsedCommand } from '../args.js';
import type { CliContext } from '../context.js';
import { UserError } from '../errors.js';

const stateDir = (ctx: CliContext): string => join(ctx.settings.home, 'cluster');
const pidFile = (ctx: CliContext): string => join(stateDir(ctx), 'pid');

interface State {
  pid: number;
  kubeconfig: string;
  log: string;
}

function readState(ctx: CliContext): State | undefined {
  try {
    return JSON.parse(readFileSync(pidFile(ctx), 'utf8')) as State;
  } catch {
    return undefined;
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export async function startCommand(ctx: CliContext, cmd: ParsedCommand): Promise<number> {
  const detach = cmd.rest.includes('--detach') || cmd.rest.includes('-d');
  const args = cmd.rest.filter((a) => a !== '--detach' && a !== '-d');
  const { main, parseArgs } = await import('../../controlplane/main.js');
  if (ctx.io.cwd !== process.cwd()) process.chdir(ctx.io.cwd);
  if (!detach) return main(args);

  let opts;
  try {
    opts = parseArgs(args);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  const running = readState(ctx);
  if (running && alive(running.pid)) throw new UserError(`a local control plane already runs (pid ${running.pid}); stop it with "kubectl kudo cluster stop"`);
  const kubeconfig = opts.kubeconfigPath ?? (opts.dataDir ? join(opts.dataDir, 'kubeconfig') : join(ctx.io.env.HOME || homedir(), '.kube', 'kudo-local.yaml'));
  mkdirSync(stateDir(ctx), { recursive: true });
  const log = join(stateDir(ctx), 'control-plane.log');
  rmSync(kubeconfig, { force: true });
  const fd = openSync(log, 'w');
  const bin = join(ctx.io.env.KUDO_BIN_DIR ?? '', 'kubectl-kudo');
  const child = spawn(process.execPath, [bin, 'cluster', 'start', ...args, '--kubeconfig', kubeconfig], {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: ctx.io.env as NodeJS.ProcessEnv,
  });
  closeSync(fd);
  child.unref();
  writeFileSync(pidFile(ctx), JSON.stringify({ pid: child.pid ?? 0, kubeconfig, log } satisfies State));
  const deadline = Date.now() + 30_000;
  while (!existsSync(kubeconfig)) {
    if (!alive(child.pid!) || Date.now() > deadline) throw new UserError(`the local control plane did not start; see its log ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  ctx.out(
    `Local control plane started in the background (pid ${child.pid}).\nUse it with:\n  export KUBECONFIG=${kubeconfig}\nStop it with: kubectl kudo cluster stop\n`,
  );
  return 0;
}

export async function stopCommand(ctx: CliContext): Promise<number> {
  const state = readState(ctx);
  if (!state || !alive(state.pid)) {
    rmSync(pidFile(ctx), { force: true });
    throw new UserError('no detached local control plane is running (start one with "kubectl kudo cluster start --detach")');
  }
  process.kill(state.pid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (alive(state.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  rmSync(pidFile(ctx), { force: true });
  ctx.out(`Local control plane (pid ${state.pid}) stopped.\n`);
  return 0;
}

export async function statusCommand(ctx: CliContext): Promise<number> {
  const state = readState(ctx);
  if (!state || !alive(state.pid)) {
    ctx.out('No detached local control plane is running.\n');
    return 1;
  }
  ctx.out(`Local control plane running (pid ${state.pid})\nKubeconfig: ${state.kubeconfig}\nLog: ${state.log}\n`);
  return 0;
}
