/**
 * Runs a loaded suite against a cluster: CRDs, manifests, suite commands, then the test
 * cases (in parallel up to `parallel`), each in its own namespace with its steps in order.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isNotFound, type Cluster, type ObjectRef } from '../cluster/cluster.js';
import type { KubeObject } from '../k8s/object.js';
import { checkAssert, checkErrors, createOrUpdate, deleteReferences, resourceId, withNamespace, type CheckFailure } from './cluster-ops.js';
import { runCommand, runCommands, startBackground, type BackgroundProcess, type CommandContext } from './commands.js';
import type { CaseResult, StepResult, SuiteResult } from './results.js';
import { HarnessError, stepLabel, type Command, type Step, type TestCase, type TestCollector, type TestSuite } from './types.js';
import { readYamlFile } from './yaml-files.js';

export interface RunContext {
  suite: TestSuite;
  cluster: Cluster;
  /** Where relative suite paths resolve and suite commands run. */
  cwd: string;
  /** Environment for every command: the caller's plus KUBECONFIG and PATH already set. */
  env: Record<string, string | undefined>;
  /** Writes one line of progress output. */
  out: (line: string) => void;
  /** For tests: the namespace name generator. */
  namespaceName?: () => string;
  /** Poll interval bounds of the assert loop, in ms. */
  pollMinMs?: number;
  pollMaxMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)}s`;

const CRD_APIS = ['apiextensions.k8s.io/v1', 'apiextensions.k8s.io/v1beta1'];

/** Files of a manifest dir, recursively: .yaml, .yml and .json. */
function manifestFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch (e) {
    throw new HarnessError(`cannot read directory ${dir}: ${(e as NodeJS.ErrnoException).code ?? errorText(e)}`);
  }
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) files.push(...manifestFiles(path));
    else if (/\.(ya?ml|json)$/.test(entry)) files.push(path);
  }
  return files;
}

/** Installs the CRDs of `crdDir` and waits (up to `waitSeconds`) until each served version is discoverable. */
export async function installCrds(ctx: RunContext, crdDir: string, waitSeconds: number): Promise<void> {
  const dir = resolve(ctx.cwd, crdDir);
  const crds: KubeObject[] = [];
  for (const file of manifestFiles(dir)) {
    for (const doc of readYamlFile(file).documents) {
      if (doc.object.kind === 'CustomResourceDefinition' && CRD_APIS.includes(doc.object.apiVersion)) crds.push(doc.object);
      else ctx.out(`crdDir: skipping ${doc.object.kind} ${doc.object.metadata.name ?? ''} in ${file}: not a CustomResourceDefinition`);
    }
  }
  const deadline = Date.now() + waitSeconds * 1000;
  for (const crd of crds) {
    await createOrUpdate(ctx.cluster, crd, deadline);
    ctx.out(`installed CRD ${crd.metadata.name}`);
  }
  for (const crd of crds) {
    const spec = (crd.spec ?? {}) as { group?: string; names?: { kind?: string }; versions?: { name: string; served?: boolean }[]; version?: string };
    const versions = spec.versions?.filter((v) => v.served !== false).map((v) => v.name) ?? (spec.version ? [spec.version] : []);
    for (const version of versions) {
      for (;;) {
        try {
          await ctx.cluster.resourceFor(`${spec.group}/${version}`, spec.names?.kind ?? '');
          break;
        } catch (e) {
          ctx.cluster.invalidateDiscovery();
          if (Date.now() >= deadline)
            throw new HarnessError(`CRD ${crd.metadata.name} is not served as ${spec.group}/${version} after ${waitSeconds}s: ${errorText(e)}`);
          await sleep(100);
        }
      }
    }
  }
}

/** Applies every object of the manifest dirs; namespaced objects without a namespace go to `default`. */
export async function applyManifests(ctx: RunContext, dirs: string[]): Promise<void> {
  const deadline = Date.now() + ctx.suite.timeout * 1000;
  for (const d of dirs) {
    for (const file of manifestFiles(resolve(ctx.cwd, d))) {
      for (const doc of readYamlFile(file).documents) {
        const obj = await withNamespace(ctx.cluster, doc.object, 'default');
        const action = await createOrUpdate(ctx.cluster, obj, deadline);
        ctx.out(`manifest ${resourceId(obj)} ${action}`);
      }
    }
  }
}

const ADJECTIVES = [
  'able',
  'brave',
  'calm',
  'eager',
  'fair',
  'fond',
  'glad',
  'keen',
  'kind',
  'lucky',
  'merry',
  'neat',
  'proud',
  'quick',
  'sharp',
  'smart',
  'sunny',
  'swift',
  'tidy',
  'warm',
  'wise',
  'witty',
  'bold',
  'cool',
];
const ANIMALS = [
  'ant',
  'bat',
  'bee',
  'cat',
  'cod',
  'cow',
  'crab',
  'deer',
  'dog',
  'duck',
  'eel',
  'elk',
  'fox',
  'frog',
  'gnu',
  'goat',
  'hare',
  'hen',
  'ibis',
  'jay',
  'koi',
  'lark',
  'lion',
  'lynx',
  'mole',
  'moth',
  'newt',
  'owl',
  'ox',
  'pig',
  'pug',
  'ram',
  'seal',
  'swan',
  'toad',
  'wolf',
  'yak',
];

/** `kuttl-test-<adjective>-<animal>` as KUTTL v0.8.1 names test namespaces, unique within this process. */
const usedNames = new Set<string>();
export function generateNamespaceName(random: () => number = Math.random): string {
  for (;;) {
    const pick = (words: string[]) => words[Math.floor(random() * words.length)];
    let name = `kuttl-test-${pick(ADJECTIVES)}-${pick(ANIMALS)}`;
    if (usedNames.has(name)) name += `-${Math.floor(random() * 10000)}`;
    if (!usedNames.has(name)) {
      usedNames.add(name);
      return name;
    }
  }
}

/** Runs the suite's commands once: foreground ones to completion, background ones kept running. */
export async function runSuiteCommands(ctx: RunContext, commands: Command[]): Promise<BackgroundProcess[]> {
  const background: BackgroundProcess[] = [];
  const cmdCtx: CommandContext = {
    cwd: ctx.cwd,
    env: { ...ctx.env, NAMESPACE: 'default' },
    namespace: 'default',
    defaultTimeout: ctx.suite.timeout,
    log: (l) => ctx.out(`    suite | ${l}`),
  };
  try {
    for (const cmd of commands) {
      ctx.out(`running suite command: ${cmd.command ?? cmd.script}${cmd.background ? ' (background)' : ''}`);
      if (cmd.background) {
        const bg = await startBackground(cmd, cmdCtx);
        void bg.exited.then((code) => {
          if (!bg.stopping) ctx.out(`background command "${bg.description}" exited with code ${code}`);
        });
        background.push(bg);
        continue;
      }
      const outcome = await runCommand(cmd, cmdCtx);
      if (!outcome.ok) throw new HarnessError(outcome.error ?? 'suite command failed');
    }
  } catch (e) {
    await Promise.all(background.map((b) => b.stop()));
    throw e;
  }
  return background;
}

/** Runs up to `limit` tasks at once, keeping the order of results. */
export async function inParallel<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** Runs one test case: namespace, steps in order (stopping at the first failure), cleanup. */
export async function runTestCase(ctx: RunContext, tc: TestCase): Promise<CaseResult> {
  const started = Date.now();
  const fixedNamespace = ctx.suite.namespace;
  const namespace = fixedNamespace ?? (ctx.namespaceName ?? generateNamespaceName)();
  const result: CaseResult = { name: tc.name, testDir: tc.testDir, namespace, startedAt: new Date(started), durationMs: 0, steps: [], assertions: 0 };
  const log = (l: string) => ctx.out(`    ${tc.name}: ${l}`);
  ctx.out(`=== RUN   ${tc.name} (namespace ${namespace})`);
  const applied: ObjectRef[] = [];
  let createdNamespace = false;
  try {
    if (!fixedNamespace) {
      await ctx.cluster.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
      createdNamespace = true;
    }
  } catch (e) {
    result.failure = { step: 'setup', errors: [`creating namespace ${namespace}: ${errorText(e)}`] };
  }
  for (const step of result.failure ? [] : tc.steps) {
    const stepResult = await runStep(ctx, tc, step, namespace, applied, log);
    result.steps.push(stepResult);
    result.assertions += step.asserts.length + step.errors.length;
    if (stepResult.errors.length > 0) {
      result.failure = { step: stepResult.label, errors: stepResult.errors };
      break;
    }
  }
  if (!ctx.suite.skipDelete) {
    // As KUTTL v0.8.1: every applied object, newest first, then the namespace (not awaited).
    for (const ref of applied.reverse()) {
      try {
        await ctx.cluster.delete(ref);
      } catch (e) {
        if (!isNotFound(e)) log(`cleanup: deleting ${resourceId({ kind: ref.kind, metadata: ref })}: ${errorText(e)}`);
      }
    }
    if (createdNamespace) {
      await ctx.cluster
        .delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace })
        .catch((e) => log(`cleanup: deleting namespace ${namespace}: ${errorText(e)}`));
    }
  }
  result.durationMs = Date.now() - started;
  if (result.failure) {
    for (const err of result.failure.errors) for (const line of err.split('\n')) ctx.out(`    ${tc.name}: ${line}`);
    ctx.out(`--- FAIL: ${tc.name} (${seconds(result.durationMs)}): failed in step ${result.failure.step}`);
  } else {
    ctx.out(`--- PASS: ${tc.name} (${seconds(result.durationMs)})`);
  }
  return result;
}

function formatFailures(failures: CheckFailure[]): string[] {
  return failures.map((f) => (f.diff ? `${f.message}\n${f.diff.trimEnd()}` : f.message));
}

/** One step: delete, commands, apply, then poll asserts and errors until they hold or time runs out. */
export async function runStep(
  ctx: RunContext,
  tc: TestCase,
  step: Step,
  namespace: string,
  applied: ObjectRef[],
  log: (l: string) => void,
): Promise<StepResult> {
  const label = stepLabel(step);
  const started = Date.now();
  const timeoutSeconds = step.assertSpec?.timeout ?? ctx.suite.timeout;
  const done = (errors: string[]): StepResult => {
    log(`step ${label} ${errors.length ? 'failed' : 'passed'} (${seconds(Date.now() - started)})`);
    return { label, durationMs: Date.now() - started, errors };
  };
  log(`step ${label} starting`);
  const cmdCtx: CommandContext = {
    cwd: tc.dir,
    env: { ...ctx.env, NAMESPACE: namespace },
    namespace,
    defaultTimeout: ctx.suite.timeout,
    log: (l) => ctx.out(`    ${tc.name} | ${l}`),
  };
  const spec = step.spec;
  if (spec?.delete.length) {
    try {
      await deleteReferences(ctx.cluster, spec.delete, namespace, Date.now() + timeoutSeconds * 1000);
    } catch (e) {
      return done([`deleting: ${errorText(e)}`]);
    }
  }
  if (spec?.commands.length) {
    const cmds = spec.commands.map((c) => ({ ...c, background: false }));
    const errors = await runCommands(cmds, cmdCtx, (c) => log(`running command: ${c.command ?? c.script}`));
    if (errors.length) return done(errors);
  }
  const applyErrors: string[] = [];
  const applyDeadline = Date.now() + ctx.suite.timeout * 1000;
  for (const source of step.apply) {
    try {
      const obj = await withNamespace(ctx.cluster, source.object, namespace);
      const action = await createOrUpdate(ctx.cluster, obj, applyDeadline);
      applied.push({ apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name });
      log(`${resourceId(obj)} ${action}`);
    } catch (e) {
      applyErrors.push(`applying ${resourceId(source.object)} from ${source.file}: ${errorText(e)}`);
    }
  }
  if (applyErrors.length) return done(applyErrors);

  const assertCommands = step.assertSpec?.commands ?? [];
  if (step.asserts.length === 0 && step.errors.length === 0 && assertCommands.length === 0) return done([]);
  const deadline = Date.now() + timeoutSeconds * 1000;
  let interval = ctx.pollMinMs ?? 100;
  for (;;) {
    const failures = await checkOnce(ctx, step, namespace, cmdCtx, deadline);
    if (failures.length === 0) return done([]);
    if (Date.now() >= deadline) {
      await runCollectors(step.assertSpec?.collectors ?? [], cmdCtx, log);
      return done([`step ${label} did not reach the expected state within ${timeoutSeconds}s:`, ...formatFailures(failures)]);
    }
    // One last check right at the deadline, as the state may arrive late.
    await sleep(Math.min(interval, Math.max(0, deadline - Date.now())));
    interval = Math.min(interval * 2, ctx.pollMaxMs ?? 500);
  }
}

async function checkOnce(ctx: RunContext, step: Step, namespace: string, cmdCtx: CommandContext, deadline: number): Promise<CheckFailure[]> {
  const failures: CheckFailure[] = [];
  const [asserts, errors] = await Promise.all([
    Promise.all(step.asserts.map((a) => checkAssert(ctx.cluster, a, namespace))),
    Promise.all(step.errors.map((e) => checkErrors(ctx.cluster, e, namespace))),
  ]);
  failures.push(...asserts.flat(), ...errors.flat());
  for (const cmd of step.assertSpec?.commands ?? []) {
    const remaining = Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
    const outcome = await runCommand({ ...cmd, background: false, timeout: cmd.timeout && cmd.timeout > 0 ? cmd.timeout : remaining }, cmdCtx);
    if (!outcome.ok) failures.push({ message: `assert ${outcome.error}` });
  }
  return failures;
}

/** KUTTL's collectors, run once when a step fails: pod logs, events, or a command. */
export function collectorCommand(c: TestCollector): Command {
  const type = c.type ?? (c.command ? 'command' : 'pod');
  const ns = c.namespace ?? '$NAMESPACE';
  if (type === 'command') return { command: c.command ?? '', ignoreFailure: true };
  if (type === 'events') return { command: `kubectl get events ${c.pod ?? ''} -n ${ns}`, ignoreFailure: true };
  const target = c.selector ? `-l ${c.selector}` : (c.pod ?? '');
  const container = c.container ? `-c ${c.container}` : '--all-containers';
  const tail = c.tail ?? (c.selector ? 10 : -1);
  return { command: `kubectl logs --prefix ${target} -n ${ns} ${container} --tail=${tail}`, ignoreFailure: true };
}

async function runCollectors(collectors: TestCollector[], cmdCtx: CommandContext, log: (l: string) => void): Promise<void> {
  for (const c of collectors) {
    const cmd = collectorCommand(c);
    log(`collecting: ${cmd.command}`);
    const outcome = await runCommand(cmd, cmdCtx);
    if (!outcome.ok) log(`collector: ${outcome.error}`);
  }
}

export interface SuiteRunOptions {
  /** Test cases already discovered (and filtered). */
  cases: TestCase[];
  name: string;
}

/** Setup (CRDs, manifests, suite commands), every test case, and teardown of background commands. */
export async function runLoadedSuite(ctx: RunContext, opts: SuiteRunOptions): Promise<SuiteResult> {
  const started = Date.now();
  const result: SuiteResult = { name: opts.name, startedAt: new Date(started), durationMs: 0, cases: [] };
  let background: BackgroundProcess[] = [];
  try {
    if (ctx.suite.crdDir) await installCrds(ctx, ctx.suite.crdDir, Math.max(10, ctx.suite.timeout));
    if (ctx.suite.manifestDirs.length) await applyManifests(ctx, ctx.suite.manifestDirs);
    background = await runSuiteCommands(ctx, ctx.suite.commands);
  } catch (e) {
    result.setupFailure = errorText(e);
    ctx.out(`setup failed: ${result.setupFailure}`);
  }
  try {
    if (!result.setupFailure) result.cases = await inParallel(opts.cases, ctx.suite.parallel, (tc) => runTestCase(ctx, tc));
  } finally {
    for (const bg of background) ctx.out(`stopping background command "${bg.description}"`);
    await Promise.all(background.map((b) => b.stop()));
  }
  result.durationMs = Date.now() - started;
  return result;
}
