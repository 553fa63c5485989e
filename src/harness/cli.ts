/**
 * `kubectl kudo test [dirs...] [flags]`: loads the suite, finds the tests, prepares the
 * cluster, runs everything, writes the report and prints a timed summary.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { discoverTestCases } from './discovery.js';
import { checkSupported, openEnvironment, type HarnessEnvironment } from './environment.js';
import { defaultSuite, parseReportFormat } from './kuttl-objects.js';
import { buildReport, reportToJson, reportToXml } from './report.js';
import { failedCount, passedCount, suiteFailed, type SuiteResult } from './results.js';
import { runLoadedSuite, type RunContext } from './runner.js';
import { findConfigFile, loadSuiteFile } from './suite-config.js';
import { HarnessError, type TestCase, type TestSuite } from './types.js';
import { withInterruptHandling } from './interrupt.js';

export interface TestCommandIO {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  cwd: string;
  env: Record<string, string | undefined>;
}

export interface TestArgs {
  dirs: string[];
  config?: string;
  test?: string;
  parallel?: number;
  timeout?: number;
  skipDelete?: boolean;
  skipClusterDelete?: boolean;
  report?: 'json' | 'xml';
  artifactsDir?: string;
  kubeconfig?: string;
  startControlPlane?: boolean;
  startKind?: boolean;
  crdDir?: string;
  manifestDirs: string[];
  namespace?: string;
  help?: boolean;
}

export const USAGE = `Usage: kubectl kudo test [test dirs...] [flags]

Runs KUTTL test suites (kuttl.dev/v1beta1 TestSuite, TestStep, TestAssert).

Flags:
      --config FILE            TestSuite config (default ./kudo-test.yaml, else ./kuttl-test.yaml)
      --test NAME              only run test cases whose name matches this regular expression
      --parallel N             test cases run at once (default 8)
      --timeout SECONDS        per-step timeout (default 30)
      --skip-delete            keep test namespaces and objects
      --skip-cluster-delete    keep the control plane (not possible with the in-process one)
      --report xml|json        write a report into the artifacts dir
      --artifacts-dir DIR      where reports go (default: the current directory)
      --kubeconfig FILE        cluster to test against (default: $KUBECONFIG or ~/.kube/config)
      --start-control-plane    start the local control plane for the run
      --crd-dir DIR            CRDs to install before the tests
      --manifest-dir DIR       manifests to apply before the tests (repeatable)
  -n, --namespace NAME         run every test in this existing namespace
      --start-kudo             accepted for compatibility; does nothing
  -h, --help                   this help
`;

const VALUE_FLAGS = new Set([
  '--config',
  '--test',
  '--parallel',
  '--timeout',
  '--report',
  '--artifacts-dir',
  '--kubeconfig',
  '--crd-dir',
  '--manifest-dir',
  '--namespace',
  '-n',
  '--kind-config',
  '--kind-context',
  '--control-plane-config',
]);
const BOOL_FLAGS = new Set(['--skip-delete', '--skip-cluster-delete', '--start-control-plane', '--start-kind', '--start-kudo', '--help', '-h']);

function parseInteger(flag: string, value: string, min: number): number {
  if (!/^-?\d+$/.test(value) || Number(value) < min) throw new HarnessError(`flag ${flag} needs an integer of at least ${min}, found "${value}"`);
  return Number(value);
}

function parseBool(flag: string, value: string | undefined): boolean {
  if (value === undefined || value === 'true') return true;
  if (value === 'false') return false;
  throw new HarnessError(`flag ${flag} takes true or false, found "${value}"`);
}

export function parseTestArgs(args: string[]): TestArgs {
  const out: TestArgs = { dirs: [], manifestDirs: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('-') || arg === '-') {
      out.dirs.push(arg);
      continue;
    }
    if (arg === '--') {
      out.dirs.push(...args.slice(i + 1));
      break;
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    let value = eq > 0 ? arg.slice(eq + 1) : undefined;
    if (VALUE_FLAGS.has(flag)) {
      if (value === undefined) {
        if (i + 1 >= args.length) throw new HarnessError(`flag ${flag} needs a value`);
        value = args[++i];
      }
    } else if (!BOOL_FLAGS.has(flag)) {
      throw new HarnessError(`unknown flag ${flag} for kubectl kudo test (see --help)`);
    }
    switch (flag) {
      case '--config':
        out.config = value;
        break;
      case '--test':
        out.test = value;
        break;
      case '--parallel':
        out.parallel = parseInteger(flag, value!, 1);
        break;
      case '--timeout':
        out.timeout = parseInteger(flag, value!, 1);
        break;
      case '--report':
        out.report = parseReportFormat(value!, 'flag --report');
        break;
      case '--artifacts-dir':
        out.artifactsDir = value;
        break;
      case '--kubeconfig':
        out.kubeconfig = value;
        break;
      case '--crd-dir':
        out.crdDir = value;
        break;
      case '--manifest-dir':
        out.manifestDirs.push(...value!.split(',').filter(Boolean));
        break;
      case '-n':
      case '--namespace':
        if (!value) throw new HarnessError(`flag ${flag} may not be empty`);
        out.namespace = value;
        break;
      case '--skip-delete':
        out.skipDelete = parseBool(flag, value);
        break;
      case '--skip-cluster-delete':
        out.skipClusterDelete = parseBool(flag, value);
        break;
      case '--start-control-plane':
        out.startControlPlane = parseBool(flag, value);
        break;
      case '--start-kind':
      case '--kind-config':
      case '--kind-context':
        out.startKind = true;
        break;
      case '--control-plane-config':
        throw new HarnessError('flag --control-plane-config is not supported; use controlPlaneArgs in the TestSuite');
      case '--help':
      case '-h':
        out.help = true;
        break;
      // --start-kudo: accepted, does nothing (as in KUDO).
    }
  }
  return out;
}

/** The suite after the config file and the explicitly given flags. */
export function resolveSuite(args: TestArgs, cwd: string, warn: (msg: string) => void): TestSuite {
  const configPath = findConfigFile(cwd, args.config);
  let suite: TestSuite;
  if (configPath) suite = loadSuiteFile(configPath, warn);
  else if (args.dirs.length > 0) suite = defaultSuite();
  else throw new HarnessError('kudo-test.yaml not found, provide either --config or arguments indicating the tests to load');
  if (args.dirs.length) suite.testDirs = args.dirs;
  if (args.crdDir) suite.crdDir = args.crdDir;
  if (args.manifestDirs.length) suite.manifestDirs = args.manifestDirs;
  if (args.parallel !== undefined) suite.parallel = args.parallel;
  if (args.timeout !== undefined) suite.timeout = args.timeout;
  if (args.skipDelete !== undefined) suite.skipDelete = args.skipDelete;
  if (args.skipClusterDelete !== undefined) suite.skipClusterDelete = args.skipClusterDelete;
  if (args.report) suite.reportFormat = args.report;
  if (args.artifactsDir) suite.artifactsDir = args.artifactsDir;
  if (args.startControlPlane !== undefined) suite.startControlPlane = args.startControlPlane;
  if (args.startKind) suite.startKIND = true;
  if (args.namespace) suite.namespace = args.namespace;
  if (suite.testDirs.length === 0) throw new HarnessError(`${configPath ?? 'the suite'}: no test dirs; set testDirs or pass test dirs as arguments`);
  if (suite.startControlPlane && suite.startKIND) throw new HarnessError('startControlPlane and startKIND cannot both be set');
  if (suite.startControlPlane && suite.skipClusterDelete) {
    throw new HarnessError('skipClusterDelete is not possible with startControlPlane: the control plane runs inside this process and ends with it');
  }
  return suite;
}

/** Only the cases whose name matches the `--test` regular expression (unanchored, as Go's -run). */
export function filterCases(cases: TestCase[], pattern: string | undefined): TestCase[] {
  if (!pattern) return cases;
  let re: RegExp;
  try {
    re = new RegExp(pattern);
  } catch (e) {
    throw new HarnessError(`flag --test: invalid regular expression "${pattern}": ${(e as Error).message}`);
  }
  const selected = cases.filter((c) => re.test(c.name));
  if (selected.length === 0) throw new HarnessError(`no test case matches --test ${pattern}; available: ${cases.map((c) => c.name).join(', ')}`);
  return selected;
}

/** Where our `kubectl-kudo` executable lives; put first on the PATH of every command. */
export function defaultKudoBinDir(env: Record<string, string | undefined>): string {
  return env.KUDO_BIN_DIR || resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin');
}

export function formatSummary(result: SuiteResult, selected = result.cases.length): string[] {
  const lines = [`=== SUMMARY (${(result.durationMs / 1000).toFixed(2)}s)`];
  if (result.setupFailure) lines.push(`setup failed: ${result.setupFailure}`, `${selected - result.cases.length} of ${selected} tests not run`);
  for (const c of [...result.cases].sort((a, b) => a.name.localeCompare(b.name))) {
    const time = `${(c.durationMs / 1000).toFixed(2)}s`;
    lines.push(c.failure ? `FAIL  ${c.name}  ${time}  (failed in step ${c.failure.step})` : `PASS  ${c.name}  ${time}`);
  }
  lines.push(`${result.cases.length} tests: ${passedCount(result)} passed, ${failedCount(result)} failed in ${(result.durationMs / 1000).toFixed(2)}s`);
  return lines;
}

export function writeReport(suite: TestSuite, result: SuiteResult, cwd: string): string | undefined {
  if (!suite.reportFormat) return undefined;
  const dir = resolve(cwd, suite.artifactsDir ?? '.');
  const file = join(dir, `${suite.reportName || 'kuttl-test'}.${suite.reportFormat}`);
  const report = buildReport(result);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, suite.reportFormat === 'xml' ? reportToXml(report) : reportToJson(report));
  } catch (e) {
    throw new HarnessError(`cannot write the report ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return file;
}

export interface TestRunOutcome {
  exitCode: number;
  /** Missing when the run stopped before any test (bad flags, config or test files). */
  result?: SuiteResult;
  /** Number of test cases selected to run. */
  selected: number;
}

/** The whole command; also used by the conformance runner, which needs the result. */
export async function runTests(args: string[], io: TestCommandIO): Promise<TestRunOutcome> {
  return withInterruptHandling(
    () => runTestsUninterrupted(args, io),
    (line) => io.stderr.write(line + '\n'),
  );
}

async function runTestsUninterrupted(args: string[], io: TestCommandIO): Promise<TestRunOutcome> {
  const out = (line: string) => io.stdout.write(line + '\n');
  const warn = (line: string) => io.stderr.write(line + '\n');
  let parsed: TestArgs;
  let suite: TestSuite;
  let cases: TestCase[];
  try {
    parsed = parseTestArgs(args);
    if (parsed.help) {
      io.stdout.write(USAGE);
      return { exitCode: 0, selected: 0 };
    }
    suite = resolveSuite(parsed, io.cwd, warn);
    checkSupported(suite);
    cases = filterCases(discoverTestCases(suite.testDirs, io.cwd, { ignoreFiles: suite.ignoreFiles, log: warn, env: io.env }), parsed.test);
  } catch (e) {
    if (!(e instanceof HarnessError)) throw e;
    warn(`Error: ${e.message}`);
    return { exitCode: 1, selected: 0 };
  }
  out(`kudo test: ${cases.length} test case(s) from ${suite.testDirs.join(', ')} (parallel ${suite.parallel}, timeout ${suite.timeout}s)`);

  const started = Date.now();
  let env: HarnessEnvironment | undefined;
  let result: SuiteResult;
  try {
    env = await openEnvironment(suite, { cwd: io.cwd, env: io.env, kubeconfig: parsed.kubeconfig, log: out });
    const kudoBin = defaultKudoBinDir(io.env);
    const ctx: RunContext = {
      suite,
      cluster: env.cluster,
      cwd: io.cwd,
      env: { ...io.env, KUBECONFIG: env.kubeconfigPath, PATH: [kudoBin, join(io.cwd, 'bin'), io.env.PATH ?? ''].join(':') },
      out,
    };
    result = await runLoadedSuite(ctx, { cases, name: suite.name ?? 'kudo-test' });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (!(e instanceof HarnessError)) warn(e instanceof Error && e.stack ? e.stack : message);
    result = { name: suite.name ?? 'kudo-test', startedAt: new Date(started), durationMs: Date.now() - started, cases: [], setupFailure: message };
  } finally {
    const stopping = Date.now();
    await env?.stop().catch((e) => warn(`stopping the cluster environment: ${(e as Error).message}`));
    if (env) out(`cluster environment stopped in ${((Date.now() - stopping) / 1000).toFixed(2)}s`);
  }
  result.durationMs = Date.now() - started;
  let exitCode = suiteFailed(result) ? 1 : 0;
  try {
    const file = writeReport(suite, result, io.cwd);
    if (file) out(`report written to ${file}`);
  } catch (e) {
    warn(`Error: ${(e as Error).message}`);
    exitCode = 1;
  }
  for (const line of formatSummary(result, cases.length)) out(line);
  return { exitCode, result, selected: cases.length };
}

export async function runTestCommand(args: string[], io: TestCommandIO): Promise<number> {
  return (await runTests(args, io)).exitCode;
}
