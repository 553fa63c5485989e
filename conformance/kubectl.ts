/**
 * `npm run conformance -- kubectl <script> [--kubectl <binary>] [--http] [--real [ASSETS]] [--verbose]`
 *
 * Starts a fresh local control plane (or, with --real, a real Kubernetes control plane from
 * ASSETS, default $KUBEBUILDER_ASSETS, $KUDO_REAL_K8S_DIR or ~/.cache/real-k8s-fixed), runs a script of kubectl commands against it with a
 * fresh HOME and KUBECACHEDIR, and checks each command's result. Script format
 * (see conformance/kubectl/basic.txt):
 *
 *   # comment
 *   @file deploy.yaml        a file written into the work directory, up to the line "@end"
 *   ...
 *   @end
 *   $ kubectl get ns         a command (bash), run in the work directory
 *   exit 1                   expected exit code (default 0)
 *   contains text            output (stdout + stderr) contains the text
 *   lacks text               output does not contain the text
 *   matches regex            output matches the regular expression (multiline)
 *   equals text              trimmed stdout equals the text
 *   json .a.b[0] = value     stdout parsed as JSON has value (JSON literal or bare string) at the path
 *   timeout 60               seconds before the command is killed (default 30)
 *   @simulate-workloads      (anywhere) start the control plane with simulated workloads
 *
 * Two step annotations (after the "$ command", like expectations) say how a step fares on a real
 * control plane (--real), whose Kubernetes version and setup differ from what the local one
 * emulates. The local lane ignores them: every step is checked there as written.
 *   real-differs 1.21: why  the behaviour checked came in Kubernetes 1.21. On a real server
 *                            older than that the step still runs; if it fails, it is reported
 *                            as an expected difference (neither passed nor failed); if it
 *                            passes, --verbose says so. On a server at 1.21 or later the
 *                            annotation does not apply and the step counts as any other.
 *   needs-kubelet: why      the step needs a node (a kubelet running pods, and what follows
 *                            from it: ready replicas, endpoints, logs, exec, bound volumes).
 *                            The real lane runs no kubelet, so there the step is skipped.
 * On the real lane the line before the summary counts the expected differences and skips.
 *
 * Besides the kubectl under test, the script's PATH has two helpers for comparing what
 * different kubectl versions store:
 *   kubectl-json             kubectl 1.31 (the last one that sends JSON bodies), when a
 *                            kubectl.1.31 is installed beside the kubectl under test
 *   same-object K/A K/B [-n NS] [--ignore PATH]
 *                            reads both objects and prints their differences, server-set fields
 *                            aside; exits 1 if they differ (conformance/kubectl/same-object.ts)
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startControlPlane } from '../src/controlplane/index.js';
import { startReal } from './differential/lib/servers.js';
import { realK8sAssetsDir } from '../src/harness/real-assets.js';

const USAGE = 'usage: npm run conformance -- kubectl <script> [--kubectl <binary>] [--http] [--real [ASSETS]] [--verbose]';

export interface Expectation {
  kind: 'exit' | 'contains' | 'lacks' | 'matches' | 'equals' | 'json' | 'timeout';
  arg: string;
}

/** How a step fares on a real control plane; see the header. */
export type RealLaneNote = { kind: 'real-differs'; version: string; reason: string } | { kind: 'needs-kubelet'; reason: string };

export interface Step {
  line: number;
  command: string;
  expect: Expectation[];
  real?: RealLaneNote;
}

export interface Script {
  files: Map<string, string>;
  steps: Step[];
  simulateWorkloads: boolean;
}

export class ScriptError extends Error {}

export function parseScript(text: string, source: string): Script {
  const files = new Map<string, string>();
  const steps: Step[] = [];
  let simulateWorkloads = false;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    if (line === '@simulate-workloads') {
      simulateWorkloads = true;
      continue;
    }
    if (line.startsWith('@file ')) {
      const name = line.slice(6).trim();
      const body: string[] = [];
      const start = i + 1;
      while (++i < lines.length && lines[i].trim() !== '@end') body.push(lines[i]);
      if (i >= lines.length) throw new ScriptError(`${source}:${start}: @file ${name} has no @end`);
      files.set(name, body.join('\n') + '\n');
      continue;
    }
    if (line.startsWith('$ ')) {
      steps.push({ line: i + 1, command: line.slice(2), expect: [] });
      continue;
    }
    const note = /^(real-differs|needs-kubelet)\b(.*)$/.exec(line);
    if (note) {
      const where = `${source}:${i + 1}`;
      if (!steps.length) throw new ScriptError(`${where}: "${note[1]}" before any "$ command"`);
      const step = steps[steps.length - 1];
      if (step.real) throw new ScriptError(`${where}: the step already has a "${step.real.kind}" annotation`);
      step.real = parseRealLaneNote(note[1], note[2], where);
      continue;
    }
    const m = /^(exit|contains|lacks|matches|equals|json|timeout)(?:\s+(.*))?$/.exec(line);
    if (!m) throw new ScriptError(`${source}:${i + 1}: cannot understand "${line}" (expected "$ command", an expectation or @file)`);
    if (!steps.length) throw new ScriptError(`${source}:${i + 1}: expectation "${m[1]}" before any "$ command"`);
    const arg = m[2] ?? '';
    if (m[1] === 'matches') {
      try {
        new RegExp(arg, 'm');
      } catch (e) {
        throw new ScriptError(`${source}:${i + 1}: bad regular expression: ${(e as Error).message}`);
      }
    }
    if ((m[1] === 'exit' || m[1] === 'timeout') && !/^\d+$/.test(arg)) throw new ScriptError(`${source}:${i + 1}: "${m[1]}" needs a number`);
    if (m[1] === 'json' && !/^\S+\s+=\s+/.test(arg)) throw new ScriptError(`${source}:${i + 1}: "json" needs "PATH = VALUE"`);
    steps[steps.length - 1].expect.push({ kind: m[1] as Expectation['kind'], arg });
  }
  return { files, steps, simulateWorkloads };
}

function parseRealLaneNote(kind: string, rest: string, where: string): RealLaneNote {
  if (kind === 'needs-kubelet') {
    const m = /^(?::\s*(.*))?$/.exec(rest.trim());
    if (!m) throw new ScriptError(`${where}: expected "needs-kubelet" or "needs-kubelet: reason"`);
    return { kind, reason: m[1] ?? '' };
  }
  const m = /^(\d+\.\d+):\s*(\S.*)$/.exec(rest.trim());
  if (!m) throw new ScriptError(`${where}: expected "real-differs VERSION: reason" (e.g. "real-differs 1.21: namespaces get a name label")`);
  return { kind: 'real-differs', version: m[1], reason: m[2] };
}

/** Whether version a ("major.minor") comes before version b. */
function versionBefore(a: string, b: string): boolean {
  const [am, an] = a.split('.').map(Number);
  const [bm, bn] = b.split('.').map(Number);
  return am < bm || (am === bm && an < bn);
}

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

function run(command: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<RunResult> {
  return new Promise((done) => {
    const child = spawn('bash', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code: code ?? 137, stdout, stderr, timedOut });
    });
  });
}

function readJsonPath(value: unknown, path: string): unknown {
  let cur = value;
  for (const part of path.replace(/^\./, '').match(/[^.[\]]+|\[\d+\]/g) ?? []) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = part.startsWith('[') ? (cur as unknown[])[Number(part.slice(1, -1))] : (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Checks one step's result; returns the failed expectations as text. */
export function check(step: Step, r: RunResult): string[] {
  const out = r.stdout + r.stderr;
  const problems: string[] = [];
  const wantExit = Number(step.expect.find((e) => e.kind === 'exit')?.arg ?? 0);
  if (r.timedOut) problems.push('timed out');
  else if (r.code !== wantExit) problems.push(`exit code ${r.code}, want ${wantExit}`);
  for (const e of step.expect) {
    switch (e.kind) {
      case 'contains':
        if (!out.includes(e.arg)) problems.push(`output lacks ${JSON.stringify(e.arg)}`);
        break;
      case 'lacks':
        if (out.includes(e.arg)) problems.push(`output contains ${JSON.stringify(e.arg)}`);
        break;
      case 'matches':
        if (!new RegExp(e.arg, 'm').test(out)) problems.push(`output does not match /${e.arg}/`);
        break;
      case 'equals':
        if (r.stdout.trim() !== e.arg) problems.push(`stdout is ${JSON.stringify(r.stdout.trim())}, want ${JSON.stringify(e.arg)}`);
        break;
      case 'json': {
        const [, path, valueText] = /^(\S+)\s+=\s+(.*)$/.exec(e.arg)!;
        let want: unknown;
        try {
          want = JSON.parse(valueText);
        } catch {
          want = valueText;
        }
        let doc: unknown;
        try {
          doc = JSON.parse(r.stdout);
        } catch {
          problems.push('stdout is not JSON');
          break;
        }
        const got = readJsonPath(doc, path);
        if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`${path} is ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
        break;
      }
    }
  }
  return problems;
}

/** The JSON-sending reference kubectl: kubectl.1.31 beside the kubectl under test (following symlinks). */
function referenceKubectl(kubectl: string | undefined): string | undefined {
  const underTest = kubectl ? resolve(kubectl) : spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim();
  if (!underTest || !existsSync(underTest)) return undefined;
  const candidate = join(dirname(realpathSync(underTest)), 'kubectl.1.31');
  return existsSync(candidate) ? candidate : undefined;
}

/** Puts kubectl-json and same-object (see the header) into the script's bin folder. */
function installHelpers(bin: string, kubectl: string | undefined): void {
  const reference = referenceKubectl(kubectl);
  if (reference) symlinkSync(reference, join(bin, 'kubectl-json'));
  else console.log('note: no kubectl.1.31 beside the kubectl under test; kubectl-json is unavailable');
  // same-object is TypeScript run by this same node, with tsx resolved from the repository.
  const helper = join(dirname(fileURLToPath(import.meta.url)), 'kubectl', 'same-object.ts');
  const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
  const tsx = import.meta.resolve('tsx');
  writeFileSync(join(bin, 'same-object'), `#!/bin/sh\nexec ${quote(process.execPath)} --import ${quote(tsx)} ${quote(helper)} "$@"\n`, { mode: 0o755 });
}

/** The real server's "major.minor" from /version, asked with the kubectl under test. */
async function realServerVersion(work: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const r = await run('kubectl get --raw /version', work, env, 30_000);
  try {
    const v = JSON.parse(r.stdout) as { major?: string; minor?: string };
    // Some providers report the minor as e.g. "20+".
    const minor = /^\d+/.exec(v.minor ?? '')?.[0];
    return v.major && minor ? `${v.major}.${minor}` : undefined;
  } catch {
    return undefined;
  }
}

export async function main(args: string[]): Promise<number> {
  let scriptPath: string | undefined;
  let kubectl: string | undefined;
  let http = false;
  let verbose = false;
  let real: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--kubectl') kubectl = args[++i];
    else if (args[i] === '--real') real = args[i + 1] && !args[i + 1].startsWith('-') && !args[i + 1].endsWith('.txt') ? args[++i] : realK8sAssetsDir().dir;
    else if (args[i] === '--http') http = true;
    else if (args[i] === '--verbose' || args[i] === '-v') verbose = true;
    else if (!args[i].startsWith('-') && !scriptPath) scriptPath = args[i];
    else {
      console.error(`unknown argument: ${args[i]}\n${USAGE}`);
      return 2;
    }
  }
  if (!scriptPath) {
    console.error(USAGE);
    return 2;
  }
  let script: Script;
  try {
    script = parseScript(readFileSync(scriptPath, 'utf8'), scriptPath);
  } catch (e) {
    console.error(e instanceof ScriptError ? e.message : `cannot read ${scriptPath}: ${(e as Error).message}`);
    return 2;
  }
  const work = mkdtempSync(join(tmpdir(), 'kudo-kubectl-'));
  const home = join(work, 'home');
  const bin = join(work, 'bin');
  mkdirSync(home);
  mkdirSync(bin);
  for (const [name, body] of script.files) writeFileSync(join(work, name), body);
  if (kubectl) symlinkSync(resolve(kubectl), join(bin, 'kubectl'));
  installHelpers(bin, kubectl);
  const kubeconfigPath = join(work, 'kubeconfig');
  if (real && !existsSync(join(real, 'kube-apiserver'))) {
    console.log(`skipped: no real Kubernetes binaries in ${real}`);
    console.log('0 passed, 0 failed');
    rmSync(work, { recursive: true, force: true });
    return 0;
  }
  if (real && script.simulateWorkloads) console.log('note: the real control plane has no kubelet; pods stay Pending (the script asks for simulated workloads)');
  let cp: { stop(): Promise<void> };
  try {
    if (real) {
      const server = await startReal(real);
      writeFileSync(kubeconfigPath, server.kubeconfig('admin'), { mode: 0o600 });
      cp = server;
    } else cp = await startControlPlane({ insecureHttp: http, kubeconfigPath, simulateWorkloads: script.simulateWorkloads });
  } catch (e) {
    console.error(`cannot start the ${real ? 'real' : 'local'} control plane: ${(e as Error).message}`);
    rmSync(work, { recursive: true, force: true });
    return 1;
  }
  const env = { ...process.env, HOME: home, KUBECONFIG: kubeconfigPath, KUBECACHEDIR: join(work, 'cache'), PATH: `${bin}:${process.env.PATH}`, WORK: work };
  let passed = 0;
  let failed = 0;
  let differed = 0;
  let skipped = 0;
  const showOutput = (r: RunResult) => {
    for (const l of (r.stdout + r.stderr).trim().split('\n').slice(0, 8)) console.log(`     | ${l}`);
  };
  try {
    const serverVersion = real ? await realServerVersion(work, env) : undefined;
    if (real) console.log(`real control plane: Kubernetes ${serverVersion ?? 'of unknown version (every real-differs annotation applies)'}`);
    for (const step of script.steps) {
      const where = `${scriptPath}:${step.line}: ${step.command}`;
      const note = real ? step.real : undefined;
      if (note?.kind === 'needs-kubelet') {
        skipped++;
        if (verbose) console.log(`skip ${where}\n     needs a kubelet${note.reason ? `: ${note.reason}` : ''}`);
        continue;
      }
      // A difference is expected only from a server older than the version that brought the behaviour.
      const mayDiffer = note?.kind === 'real-differs' && (!serverVersion || versionBefore(serverVersion, note.version)) ? note : undefined;
      const timeout = Number(step.expect.find((e) => e.kind === 'timeout')?.arg ?? 30) * 1000;
      const r = await run(step.command, work, env, timeout);
      const problems = check(step, r);
      if (problems.length === 0) {
        passed++;
        if (verbose) console.log(`ok   ${where}${mayDiffer ? `\n     passes although annotated "real-differs ${mayDiffer.version}"` : ''}`);
      } else if (mayDiffer) {
        differed++;
        console.log(`DIFF ${where}\n     expected: Kubernetes ${mayDiffer.version} changed this (${mayDiffer.reason})`);
        if (verbose) {
          for (const p of problems) console.log(`     ${p}`);
          showOutput(r);
        }
      } else {
        failed++;
        console.log(`FAIL ${where}`);
        for (const p of problems) console.log(`     ${p}`);
        showOutput(r);
      }
    }
  } finally {
    await cp.stop();
    rmSync(work, { recursive: true, force: true });
  }
  if (real) console.log(`${differed} expected differences (real-differs), ${skipped} skipped (needs-kubelet)`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}
