/**
 * Finding test cases (immediate sub-directories of each test dir) and loading their
 * steps from `NN-name.yaml`, `NN-assert*.yaml`, `NN-errors*.yaml` files and `NN-name/` dirs,
 * with KUTTL v0.8.1's file-name rules.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { KubeObject } from '../k8s/object.js';
import { decodeTestAssert, decodeTestStep } from './kuttl-objects.js';
import { HarnessError, type SourcedObject, type Step, type TestCase } from './types.js';
import { harnessKind, readYamlFile } from './yaml-files.js';

/** An entry of a test-case dir belongs to a step iff it matches this; group 1 is the index. */
const STEP_ENTRY = /^(\d+)-([^.]+)(\.yaml)?$/;
/** The role of a file: the first name component after the optional index. */
const FILE_ROLE = /^(?:\d+-)?([^-.]+)(-[^.]+)?(?:\.yaml)?$/;

export type FileRole = 'assert' | 'errors' | 'apply';

/** The step index of a test-case dir entry, or undefined when it is not a step entry. */
export function stepIndexOf(entry: string): number | undefined {
  const m = STEP_ENTRY.exec(entry);
  return m ? Number.parseInt(m[1], 10) : undefined;
}

/** Role and name part of a step file name, or undefined when the name is not a step file name. */
export function classifyStepFile(fileName: string): { role: FileRole; name: string } | undefined {
  const m = FILE_ROLE.exec(fileName);
  if (!m) return undefined;
  const first = m[1].toLowerCase();
  return { role: first === 'assert' ? 'assert' : first === 'errors' ? 'errors' : 'apply', name: m[1] };
}

/** Shell-style glob (`*`, `?`, `[...]`) matched against a whole file name. */
export function globMatches(pattern: string, name: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${pattern
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`).test(name);
}

export interface DiscoveryOptions {
  ignoreFiles: string[];
  log: (msg: string) => void;
  /** Environment used to expand `$VAR` in TestStep apply/assert/error paths. */
  env: Record<string, string | undefined>;
}

const isDir = (p: string): boolean => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (e) {
    throw new HarnessError(`cannot read directory ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Every immediate sub-directory of each test dir is a test case, sorted by name per dir. */
export function discoverTestCases(testDirs: string[], cwd: string, opts: DiscoveryOptions): TestCase[] {
  const cases: TestCase[] = [];
  for (const testDir of testDirs) {
    if (/^https?:\/\//.test(testDir))
      throw new HarnessError(`test dir ${testDir}: downloading test dirs from URLs is not supported; download and unpack it first`);
    const abs = resolve(cwd, testDir);
    if (!isDir(abs)) throw new HarnessError(`test dir ${testDir} does not exist or is not a directory`);
    for (const entry of listDir(abs)) {
      const dir = join(abs, entry);
      if (!isDir(dir)) continue;
      cases.push({ name: entry, dir, testDir, steps: loadSteps(dir, opts) });
    }
  }
  return cases;
}

/** Loads the steps of one test-case dir, sorted by index. */
export function loadSteps(caseDir: string, opts: DiscoveryOptions): Step[] {
  const byIndex = new Map<number, string[]>();
  for (const entry of listDir(caseDir)) {
    const index = stepIndexOf(entry);
    const path = join(caseDir, entry);
    if (index === undefined) {
      if (!isDir(path) && !opts.ignoreFiles.some((g) => globMatches(g, entry))) opts.log(`ignoring ${path}: not a step file (NN-name.yaml)`);
      continue;
    }
    const files = byIndex.get(index) ?? [];
    if (isDir(path)) {
      for (const inner of listDir(path)) {
        const innerPath = join(path, inner);
        if (isDir(innerPath) || opts.ignoreFiles.some((g) => globMatches(g, inner))) continue;
        if (!classifyStepFile(inner)) {
          opts.log(`ignoring ${innerPath}: not a step file name`);
          continue;
        }
        files.push(innerPath);
      }
    } else {
      files.push(path);
    }
    byIndex.set(index, files);
  }
  return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([index, files]) => loadStep(caseDir, index, files, opts));
}

function loadStep(caseDir: string, index: number, files: string[], opts: DiscoveryOptions): Step {
  const step: Step = { index, name: '', files, apply: [], asserts: [], errors: [] };
  let fileName = '';
  for (const file of files) {
    const base = file.slice(file.lastIndexOf('/') + 1);
    const cls = classifyStepFile(base);
    // Entries like "00-a" without an extension are still step files (KUTTL's rule); treat as apply.
    const role: FileRole = cls?.role ?? 'apply';
    const objects = loadObjects(file, opts);
    if (role === 'assert') {
      for (const o of objects) {
        const kind = harnessKind(o.object);
        if (kind === 'TestAssert') step.assertSpec = decodeTestAssert(o.object, file);
        else if (kind) throw new HarnessError(`${file}: ${kind} does not belong in an assert file`);
        else step.asserts.push(o);
      }
    } else if (role === 'errors') {
      for (const o of objects) {
        if (harnessKind(o.object)) throw new HarnessError(`${file}: ${o.object.kind} does not belong in an errors file`);
        step.errors.push(o);
      }
    } else {
      if (!fileName && cls) fileName = cls.name;
      for (const o of objects) {
        const kind = harnessKind(o.object);
        if (kind === 'TestStep') {
          if (step.spec) throw new HarnessError(`${file}: more than 1 TestStep not allowed in step ${index}`);
          step.spec = decodeTestStep(o.object, file);
        } else if (kind === 'TestAssert') {
          throw new HarnessError(`${file}: TestAssert belongs in an assert file (NN-assert.yaml)`);
        } else if (kind) {
          throw new HarnessError(`${file}: ${kind} does not belong in a step file`);
        } else step.apply.push(o);
      }
    }
  }
  step.name = step.spec?.name ?? fileName;
  if (step.spec) {
    for (const p of step.spec.apply) step.apply.push(...loadExtra(caseDir, p, opts));
    for (const p of step.spec.assert) step.asserts.push(...loadExtra(caseDir, p, opts));
    for (const p of step.spec.error) step.errors.push(...loadExtra(caseDir, p, opts));
  }
  return step;
}

function loadObjects(file: string, opts: DiscoveryOptions): SourcedObject[] {
  const { documents, skipped } = readYamlFile(file);
  if (skipped > 0) opts.log(`${file}: skipped ${skipped} document(s) without a kind`);
  return documents.map((d) => ({ object: d.object as KubeObject, file: `${file}:${d.line}` }));
}

/** Expands `$VAR` and `${VAR}` like Go's os.Expand: unknown variables become empty. */
export function expandEnv(text: string, env: Record<string, string | undefined>): string {
  return text.replace(/\$(?:\{([^}]*)\}|([A-Za-z0-9_]+)|(\$)|([*#$@!?\-0-9]))/g, (_m, braced, plain, dollar, special) => {
    if (dollar) return '$';
    const name = braced ?? plain ?? special;
    return env[name] ?? '';
  });
}

/** A TestStep apply/assert/error path: a file, or a dir meaning its *.yaml files. */
function loadExtra(caseDir: string, path: string, opts: DiscoveryOptions): SourcedObject[] {
  const expanded = expandEnv(path, opts.env);
  if (/^https?:\/\//.test(expanded)) throw new HarnessError(`${caseDir}: TestStep path ${path}: URLs are not supported`);
  const abs = resolve(caseDir, expanded);
  if (isDir(abs)) {
    return listDir(abs)
      .filter((f) => f.endsWith('.yaml') && !isDir(join(abs, f)))
      .flatMap((f) => loadObjects(join(abs, f), opts));
  }
  return loadObjects(abs, opts);
}
