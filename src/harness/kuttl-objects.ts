/** Decoding TestSuite, TestStep, TestAssert and their parts from parsed YAML. */
import type { KubeObject } from '../k8s/object.js';
import { FieldReader } from './yaml-files.js';
import { HarnessError, type Command, type ObjectReference, type TestAssertSpec, type TestCollector, type TestStepSpec, type TestSuite } from './types.js';

const SUITE_FIELDS = [
  'apiVersion',
  'kind',
  'metadata',
  'crdDir',
  'manifestDirs',
  'testDirs',
  'startControlPlane',
  'controlPlaneArgs',
  'attachControlPlaneOutput',
  'startKIND',
  'kindConfig',
  'kindContext',
  'kindNodeCache',
  'kindContainers',
  'skipDelete',
  'skipClusterDelete',
  'timeout',
  'parallel',
  'artifactsDir',
  'commands',
  'reportFormat',
  'reportName',
  'reportGranularity',
  'namespace',
  'suppress',
  'ignoreFiles',
] as const;

export const DEFAULT_TIMEOUT = 30;
export const DEFAULT_PARALLEL = 8;

/** A suite with every default filled in (used when no config file is given). */
export function defaultSuite(): TestSuite {
  return {
    manifestDirs: [],
    testDirs: [],
    startControlPlane: false,
    controlPlaneArgs: [],
    attachControlPlaneOutput: false,
    startKIND: false,
    kindContainers: [],
    skipDelete: false,
    skipClusterDelete: false,
    timeout: DEFAULT_TIMEOUT,
    parallel: DEFAULT_PARALLEL,
    commands: [],
    suppress: [],
    ignoreFiles: ['README*'],
  };
}

export function decodeTestSuite(obj: KubeObject, where: string, warn: (msg: string) => void): TestSuite {
  const r = new FieldReader(obj as Record<string, unknown>, where);
  for (const f of r.unknownFields(SUITE_FIELDS)) warn(`${where}: unknown TestSuite field ${f} ignored`);
  const suite = defaultSuite();
  suite.name = r.object('metadata')?.string('name');
  suite.crdDir = r.string('crdDir');
  suite.manifestDirs = r.strings('manifestDirs');
  suite.testDirs = r.strings('testDirs');
  suite.startControlPlane = r.bool('startControlPlane') ?? false;
  suite.controlPlaneArgs = r.strings('controlPlaneArgs');
  suite.attachControlPlaneOutput = r.bool('attachControlPlaneOutput') ?? false;
  suite.startKIND = r.bool('startKIND') ?? false;
  suite.kindConfig = r.string('kindConfig');
  suite.kindContext = r.string('kindContext');
  suite.kindNodeCache = r.bool('kindNodeCache');
  suite.kindContainers = r.strings('kindContainers');
  suite.skipDelete = r.bool('skipDelete') ?? false;
  suite.skipClusterDelete = r.bool('skipClusterDelete') ?? false;
  const timeout = r.int('timeout');
  if (timeout !== undefined && timeout !== 0) suite.timeout = timeout;
  const parallel = r.int('parallel');
  if (parallel !== undefined && parallel !== 0) suite.parallel = parallel;
  if (suite.parallel < 0) throw new HarnessError(`${where}: field parallel must not be negative`);
  suite.artifactsDir = r.string('artifactsDir');
  suite.commands = r.objects('commands').map((c) => decodeCommand(c));
  const format = r.string('reportFormat');
  if (format) suite.reportFormat = parseReportFormat(format, `${where}: field reportFormat`);
  suite.reportName = r.string('reportName');
  const granularity = r.string('reportGranularity');
  if (granularity && granularity !== 'test') {
    warn(`${where}: reportGranularity ${granularity} is not supported; reports have one entry per test (as KUTTL v0.8.1)`);
  }
  suite.namespace = r.string('namespace');
  suite.suppress = r.strings('suppress');
  if (r.has('ignoreFiles')) suite.ignoreFiles = r.strings('ignoreFiles');
  return suite;
}

export function parseReportFormat(value: string, what: string): 'json' | 'xml' {
  const v = value.toLowerCase();
  if (v !== 'json' && v !== 'xml') throw new HarnessError(`${what} must be json or xml, found "${value}"`);
  return v;
}

export function decodeCommand(r: FieldReader): Command {
  const cmd: Command = {
    command: r.string('command'),
    script: r.string('script'),
    namespaced: r.bool('namespaced'),
    ignoreFailure: r.bool('ignoreFailure'),
    background: r.bool('background'),
    timeout: r.int('timeout'),
    skipLogOutput: r.bool('skipLogOutput'),
  };
  const where = `${r.location}: command ${JSON.stringify(cmd.command ?? cmd.script ?? '')}`;
  if (cmd.command !== undefined && cmd.script !== undefined) throw new HarnessError(`${where}: set either command or script, not both`);
  if (!cmd.command && !cmd.script) throw new HarnessError(`${r.location}: a command needs a command or a script`);
  if (cmd.script !== undefined && cmd.namespaced) throw new HarnessError(`${where}: namespaced cannot be combined with script (use $NAMESPACE in the script)`);
  return cmd;
}

function decodeObjectReference(r: FieldReader): ObjectReference {
  const apiVersion = r.string('apiVersion');
  const kind = r.string('kind');
  if (!apiVersion || !kind) throw new HarnessError(`${r.location}: every delete reference needs apiVersion and kind`);
  return { apiVersion, kind, name: r.string('name') || undefined, namespace: r.string('namespace') || undefined, labels: r.stringMap('labels') };
}

export function decodeTestStep(obj: KubeObject, where: string): TestStepSpec {
  const r = new FieldReader(obj as Record<string, unknown>, where);
  const commands = r.objects('commands').map((c) => decodeCommand(c));
  for (const field of ['kubeconfig', 'kubeconfigLoading', 'context']) {
    if (r.has(field))
      throw new HarnessError(
        `${where}: TestStep field ${field} (per-step clusters, KUTTL v0.10+) is not supported; run such steps against the suite's cluster`,
      );
  }
  return {
    name: r.object('metadata')?.string('name') || undefined,
    apply: r.strings('apply'),
    assert: r.strings('assert'),
    error: r.strings('error'),
    delete: r.objects('delete').map(decodeObjectReference),
    commands,
    unitTest: r.bool('unitTest'),
  };
}

export function decodeTestAssert(obj: KubeObject, where: string): TestAssertSpec {
  const r = new FieldReader(obj as Record<string, unknown>, where);
  const timeout = r.int('timeout');
  return {
    timeout: timeout === 0 ? undefined : timeout,
    collectors: r.objects('collectors').map((c): TestCollector => {
      const type = c.string('type');
      if (type !== undefined && type !== 'pod' && type !== 'command' && type !== 'events') {
        throw new HarnessError(`${c.location}: collector type must be pod, command or events, found "${type}"`);
      }
      return {
        type,
        pod: c.string('pod'),
        namespace: c.string('namespace'),
        container: c.string('container'),
        selector: c.string('selector'),
        tail: c.int('tail'),
        command: c.string('command'),
      };
    }),
    commands: r.objects('commands').map((c) => decodeCommand(c)),
  };
}
