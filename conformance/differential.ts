/**
 * `npm run conformance -- differential <scenarios-dir-or-file>... [--assets DIR] [--kubectl BIN] [--verbose] [--dump]`
 *
 * Runs each scenario (conformance/differential/*.yaml, format in lib/scenario.ts) against a fresh
 * local control plane and a fresh real Kubernetes control plane (the binaries in --assets,
 * default $KUBEBUILDER_ASSETS, $KUDO_REAL_K8S_DIR or ~/.cache/real-k8s-fixed), normalises what legitimately differs
 * and prints every other difference in status, reason, message, object, watch events and
 * kubectl output. Differences a step declares with `expectDifference` are counted, not failed.
 * Ends with `N passed, N failed, N skipped` (steps).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { delimiter, join, relative, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { send, watch, type Answer, type Watch } from './differential/lib/client.js';
import { covers, diff, normalizeJson, normalizeText, type Difference } from './differential/lib/normalize.js';
import { parseScenario, ScenarioError, type Scenario, type Step } from './differential/lib/scenario.js';
import { startLocal, startReal, StartError, type Server } from './differential/lib/servers.js';
import { startWebhookServer, type WebhookServer } from './differential/lib/webhook.js';
import { realK8sAssetsDir } from '../src/harness/real-assets.js';

const USAGE = 'usage: npm run conformance -- differential <scenarios-dir-or-file>... [--assets DIR] [--kubectl BIN] [--verbose] [--dump]';
/** $KUBEBUILDER_ASSETS, $KUDO_REAL_K8S_DIR or ~/.cache/real-k8s-fixed (src/harness/real-assets.ts). */
export const DEFAULT_ASSETS = realK8sAssetsDir().dir;

/** One server's side of a scenario run: its server, webhook server, variables and work folder. */
interface Side {
  server: Server;
  webhook: WebhookServer;
  vars: Record<string, string>;
  work: string;
  env: NodeJS.ProcessEnv;
  watches: Map<string, Watch>;
  /** Names this side's server generated, hidden from every later answer. */
  generated: Set<string>;
}

export interface Totals {
  passed: number;
  failed: number;
  skipped: number;
  expected: Map<string, number>;
  requests: number;
  kubectl: number;
}

export async function main(args: string[]): Promise<number> {
  const paths: string[] = [];
  let assets = DEFAULT_ASSETS;
  let kubectl: string | undefined;
  let verbose = false;
  let dump = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--assets' || a === '--kubectl') {
      if (i + 1 >= args.length) {
        console.error(`${a} needs a value\n${USAGE}`);
        return 2;
      }
      if (a === '--assets') assets = args[++i];
      else kubectl = args[++i];
    } else if (a === '--verbose' || a === '-v') verbose = true;
    else if (a === '--dump') dump = true;
    else if (a.startsWith('-')) {
      console.error(`unknown flag ${a}\n${USAGE}`);
      return 2;
    } else paths.push(a);
  }
  if (!paths.length) {
    console.error(USAGE);
    return 2;
  }
  if (!existsSync(join(assets, 'kube-apiserver'))) {
    console.log(`skipped: no real Kubernetes binaries in ${assets} (build them with ../shared/tools/real-k8s/build.sh or pass --assets)`);
    console.log('0 passed, 0 failed');
    return 0;
  }
  let scenarios: Scenario[];
  try {
    scenarios = paths.flatMap(scenarioFiles).map((f) => parseScenario(readFileSync(f, 'utf8'), relative(process.cwd(), f)));
  } catch (e) {
    console.error(e instanceof ScenarioError ? e.message : `cannot read scenarios: ${(e as Error).message}`);
    return 2;
  }
  const totals: Totals = { passed: 0, failed: 0, skipped: 0, expected: new Map(), requests: 0, kubectl: 0 };
  for (const scenario of scenarios) {
    if (scenario.pending) {
      console.log(`PENDING ${scenario.file} (${scenario.steps.length} steps): ${scenario.pending}`);
      totals.skipped += scenario.steps.length;
      continue;
    }
    try {
      await runScenario(scenario, { assets, kubectl: kubectl ?? scenario.kubectl, verbose, dump }, totals);
    } catch (e) {
      if (!(e instanceof StartError)) throw e;
      console.log(`FAIL ${scenario.file}: ${e.message}`);
      totals.failed += scenario.steps.length;
    }
  }
  if (totals.expected.size) {
    console.log('expected differences (docs/differential.md):');
    for (const [reason, n] of [...totals.expected].sort()) console.log(`  ${n} x ${reason}`);
  }
  console.log(`${totals.requests} requests and ${totals.kubectl} kubectl commands in ${scenarios.length} scenarios`);
  console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
  return totals.failed === 0 ? 0 : 1;
}

function scenarioFiles(path: string): string[] {
  const st = statSync(path);
  if (st.isFile()) return [resolve(path)];
  return readdirSync(path, { withFileTypes: true })
    .filter((d) => d.name !== 'lib')
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((d) => (d.isDirectory() ? scenarioFiles(join(path, d.name)) : /\.ya?ml$/.test(d.name) ? [resolve(join(path, d.name))] : []));
}

/** The kubectl binary: a path, or a name looked up on PATH and in the Google Cloud SDK's folder. */
function findKubectl(name: string): string | undefined {
  if (name.includes('/')) return existsSync(name) ? resolve(name) : undefined;
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/lib/google-cloud-sdk/bin'];
  for (const d of dirs) if (d && existsSync(join(d, name))) return join(d, name);
  return undefined;
}

async function makeSide(server: Server, webhook: WebhookServer, scenario: Scenario, kubectl: string): Promise<Side> {
  const work = mkdtempSync(join(tmpdir(), `kudo-diff-${server.side}-`));
  for (const d of ['home', 'bin', 'cache']) mkdirSync(join(work, d));
  for (const [name, body] of Object.entries(scenario.files)) writeFileSync(join(work, name), body);
  symlinkSync(kubectl, join(work, 'bin', 'kubectl'));
  writeFileSync(join(work, 'kubeconfig'), server.kubeconfig('admin'), { mode: 0o600 });
  for (const user of Object.keys(server.users)) writeFileSync(join(work, `kubeconfig-${user}`), server.kubeconfig(user), { mode: 0o600 });
  const env: NodeJS.ProcessEnv = {
    PATH: `${join(work, 'bin')}${delimiter}${process.env.PATH ?? ''}`,
    HOME: join(work, 'home'),
    KUBECONFIG: join(work, 'kubeconfig'),
    KUBECACHEDIR: join(work, 'cache'),
    LANG: 'C.UTF-8',
    TZ: 'UTC',
  };
  return { server, webhook, vars: { webhookURL: webhook.url, webhookCA: webhook.caBundle }, work, env, watches: new Map(), generated: new Set() };
}

/**
 * Both servers have what their controllers put in the default namespace (the ServiceAccount pods need and its
 * token secret, the root CA ConfigMap) before a scenario starts, so no step races a controller's first sync.
 */
async function settle(side: Side): Promise<void> {
  const get = (path: string) =>
    send({ method: 'GET', url: `${side.server.url}${path}`, token: side.server.users.admin.token, headers: {} }).catch(() => undefined);
  const settled = async (): Promise<boolean> => {
    const account = await get('/api/v1/namespaces/default/serviceaccounts/default');
    if (account?.status !== 200) return false;
    if (side.server.side === 'real' && !(JSON.parse(account.text).secrets ?? []).length) return false;
    return (await get('/api/v1/namespaces/default/configmaps/kube-root-ca.crt'))?.status === 200;
  };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (await settled()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new StartError(`the ${side.server.side} control plane did not create the default ServiceAccount and kube-root-ca.crt within 60s`);
}

async function runScenario(scenario: Scenario, opts: { assets: string; kubectl?: string; verbose: boolean; dump: boolean }, totals: Totals): Promise<void> {
  const kubectlName = opts.kubectl ?? 'kubectl.1.31';
  const kubectl = findKubectl(kubectlName) ?? findKubectl('kubectl');
  if (!kubectl) throw new StartError(`no kubectl binary ${kubectlName} (nor kubectl) on PATH`);
  const started: { stop(): Promise<void> }[] = [];
  const sides: Side[] = [];
  try {
    const [local, real, hookA, hookB] = await Promise.allSettled([startLocal(), startReal(opts.assets), startWebhookServer(), startWebhookServer()]);
    for (const r of [local, real, hookA, hookB]) if (r.status === 'fulfilled') started.push(r.value);
    for (const r of [local, real, hookA, hookB])
      if (r.status === 'rejected') throw r.reason instanceof StartError ? r.reason : new StartError(String(r.reason));
    const value = <T>(r: PromiseSettledResult<T>) => (r as PromiseFulfilledResult<T>).value;
    sides.push(await makeSide(value(local), value(hookA), scenario, kubectl), await makeSide(value(real), value(hookB), scenario, kubectl));
    await Promise.all(sides.map(settle));
    console.log(`# ${scenario.file}: ${scenario.description}`);
    for (const step of scenario.steps) {
      if (step.kind === 'request') totals.requests++;
      if (step.kind === 'kubectl') totals.kubectl++;
      const [a, b] = await Promise.all(sides.map((s) => runStep(step, s)));
      report(scenario, step, a, b, totals, opts);
    }
  } finally {
    for (const side of sides) {
      for (const w of side.watches.values()) await w.stop();
      rmSync(side.work, { recursive: true, force: true });
    }
    await Promise.all(started.map((s) => s.stop()));
  }
}

function report(scenario: Scenario, step: Step, local: unknown, real: unknown, totals: Totals, opts: { verbose: boolean; dump: boolean }): void {
  const differences = diff(local, real);
  const unexplained: Difference[] = [];
  const used = new Set<string>();
  for (const d of differences) {
    const e = step.expect.find((x) => !x.paths || x.paths.some((p) => covers(p, d.path)));
    if (e) used.add(e.reason);
    else unexplained.push(d);
  }
  for (const reason of used) totals.expected.set(reason, (totals.expected.get(reason) ?? 0) + 1);
  const where = `${scenario.file} step ${step.index}: ${step.title}`;
  if (unexplained.length) {
    totals.failed++;
    console.log(`FAIL ${where}`);
    for (const d of unexplained.slice(0, 25)) console.log(`     ${d.path || '(result)'}: local ${show(d.local)} | real ${show(d.real)}`);
    if (unexplained.length > 25) console.log(`     ... and ${unexplained.length - 25} more differences`);
    if (opts.dump) console.log(`     local: ${JSON.stringify(local)}\n     real:  ${JSON.stringify(real)}`);
  } else {
    totals.passed++;
    if (opts.verbose) console.log(`ok   ${where}${used.size ? ` (expected: ${[...used].join('; ')})` : ''}`);
  }
  for (const e of step.expect) if (!used.has(e.reason) && opts.verbose) console.log(`note ${where}: expected difference did not occur: ${e.reason}`);
}

function show(v: unknown): string {
  if (v === undefined) return '(absent)';
  const s = JSON.stringify(v);
  return s.length > 400 ? `${s.slice(0, 400)}...` : s;
}

function substitute(text: string, side: Side, where: string): string {
  return text.replace(/\$\{(\w+)\}/g, (_, name: string) => {
    const v = side.vars[name];
    if (v === undefined) throw new ScenarioError(`${where}: \${${name}} is not set on the ${side.server.side} side (save it in an earlier step)`);
    return v;
  });
}

function readPath(value: unknown, path: string): unknown {
  let cur = value;
  for (const part of path.replace(/^\./, '').match(/[^.[\]]+|\[\d+\]/g) ?? []) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = part.startsWith('[') ? (cur as unknown[])[Number(part.slice(1, -1))] : (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function parsed(a: Answer): unknown {
  if (!/json/.test(a.contentType)) return undefined;
  try {
    return JSON.parse(a.text);
  } catch {
    return undefined;
  }
}

/** Runs one step on one side; returns its normalised result. */
async function runStep(step: Step, side: Side): Promise<unknown> {
  const where = `step ${step.index}`;
  const creds = side.server.users[step.as ?? 'admin'] ?? { token: `unknown-user-${step.as}` };
  const auth = { token: creds.token, cert: creds.certPem ? creds : undefined };
  switch (step.kind) {
    case 'sleep':
      await new Promise((r) => setTimeout(r, step.seconds * 1000));
      return null;
    case 'webhookCalls':
      return normalizeJson(side.webhook.take(), side.generated);
    case 'request': {
      const call = {
        method: step.method,
        url: side.server.url + substitute(step.path, side, where),
        ...auth,
        headers: Object.fromEntries(Object.entries(step.headers).map(([k, v]) => [k, substitute(v, side, where)])),
        body: typeof step.body === 'string' ? substitute(step.body, side, where) : step.body,
      };
      const deadline = Date.now() + step.timeout * 1000;
      let answer: Answer;
      while (true) {
        answer = await send(call).catch((e: Error) => ({ status: 0, contentType: '', warnings: [], text: `request failed: ${e.message}` }));
        if (!step.until || met(step.until, answer) || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      const body = parsed(answer);
      for (const [name, path] of Object.entries(step.save)) {
        const v = readPath(body, path);
        if (v !== undefined) side.vars[name] = typeof v === 'string' ? v : JSON.stringify(v);
      }
      return {
        status: answer.status,
        contentType: answer.contentType,
        ...(answer.warnings.length ? { warnings: answer.warnings.map((w) => normalizeText(w, side.generated)) } : {}),
        body: body === undefined ? normalizeText(answer.text, side.generated) : normalizeJson(body, side.generated),
      };
    }
    case 'kubectl': {
      const command = `kubectl ${substitute(step.args, side, where)}`;
      const deadline = Date.now() + step.timeout * 1000;
      let r: { exit: number; stdout: string; stderr: string };
      while (true) {
        r = await shell(command, side, step.stdin, step.timeout);
        const u = step.until;
        if (!u || ((u.exit === undefined || r.exit === u.exit) && (!u.contains || (r.stdout + r.stderr).includes(u.contains))) || Date.now() > deadline) break;
        await new Promise((res) => setTimeout(res, 500));
      }
      return { exit: r.exit, stdout: normalizeText(r.stdout, side.generated), stderr: normalizeText(r.stderr, side.generated) };
    }
    case 'watch': {
      const w = watch({ method: 'GET', url: side.server.url + substitute(step.path, side, where), ...auth, headers: {} });
      if (step.id) {
        side.watches.set(step.id, w);
        return null;
      }
      await new Promise((r) => setTimeout(r, step.seconds * 1000));
      return watchResult(await w.stop(), side.generated);
    }
    case 'collect': {
      const w = side.watches.get(step.id)!;
      side.watches.delete(step.id);
      await new Promise((r) => setTimeout(r, 300));
      return watchResult(await w.stop(), side.generated);
    }
  }
}

function watchResult(r: Awaited<ReturnType<Watch['stop']>>, generated: Set<string>): unknown {
  if (r.status !== 200) {
    let body: unknown;
    try {
      body = normalizeJson(JSON.parse(r.text), generated);
    } catch {
      body = normalizeText(r.text, generated);
    }
    return { status: r.status, body };
  }
  return { status: r.status, events: normalizeJson(r.events, generated) };
}

function met(u: NonNullable<Extract<Step, { kind: 'request' }>['until']>, a: Answer): boolean {
  if (u.status !== undefined && a.status !== u.status) return false;
  if (u.path !== undefined) {
    const v = readPath(parsed(a), u.path);
    if (u.absent) return v === undefined;
    if ('equals' in u) return JSON.stringify(v) === JSON.stringify(u.equals);
    return v !== undefined;
  }
  return true;
}

function shell(command: string, side: Side, stdin: string | undefined, timeoutSec: number): Promise<{ exit: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn('bash', ['-c', command], { cwd: side.work, env: side.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin ?? '');
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutSec * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ exit: code ?? 137, stdout, stderr });
    });
  });
}
