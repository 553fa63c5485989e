/**
 * `same-object KIND/NAME1 KIND/NAME2 [-n NS] [--ignore PATH]...`
 *
 * A helper command for the kubectl conformance scripts (the runner puts it on the script's
 * PATH): reads both objects with `kubectl get -o json` and prints where they differ, leaving
 * aside the fields the server sets (uid, resourceVersion, timestamps, managedFields,
 * generation, status, allocated cluster IPs and node ports). The second object's name and uid
 * are read as the first's wherever they occur, so labels and selectors derived from the name
 * (app=NAME, run=NAME, controller-uid=UID) compare equal. Exits 0 when the objects are the same,
 * 1 when they differ, 2 on a usage or read error.
 *
 * The runner starts it with tsx from the repository while the script runs in a temporary folder.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const USAGE = 'usage: same-object KIND/NAME1 KIND/NAME2 [-n NAMESPACE] [--ignore PATH]...';

/** Paths the server fills in or allocates; `[]` stands for any list index. */
export const SERVER_SET_PATHS = [
  'metadata.uid',
  'metadata.resourceVersion',
  'metadata.creationTimestamp',
  'metadata.managedFields',
  'metadata.generation',
  'metadata.selfLink',
  'status',
  'spec.clusterIP',
  'spec.clusterIPs',
  'spec.ports[].nodePort',
  'spec.healthCheckNodePort',
];

export interface Difference {
  path: string;
  first: unknown;
  second: unknown;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Replaces every occurrence of each `from` text by its `to` text, in keys and string values. */
function substitute(value: Json, replacements: [string, string][]): Json {
  const inText = (text: string) => replacements.reduce((t, [from, to]) => (from ? t.split(from).join(to) : t), text);
  if (typeof value === 'string') return inText(value);
  if (Array.isArray(value)) return value.map((v) => substitute(v, replacements));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [inText(k), substitute(v, replacements)]));
  return value;
}

function field(obj: Json, path: string): string {
  const v = path.split('.').reduce<Json | undefined>((cur, key) => (cur && typeof cur === 'object' && !Array.isArray(cur) ? cur[key] : undefined), obj);
  return typeof v === 'string' ? v : '';
}

/**
 * Compares two objects read from the server. `ignore` lists dotted paths (`[]` for any index)
 * whose whole subtree is left aside; the second object's name and uid are first rewritten to
 * the first's.
 */
export function compareObjects(first: Json, second: Json, ignore: string[] = SERVER_SET_PATHS): Difference[] {
  // Longer texts first, so a name that contains the other name is replaced whole.
  const replacements = (
    [
      [field(second, 'metadata.name'), field(first, 'metadata.name')],
      [field(second, 'metadata.uid'), field(first, 'metadata.uid')],
    ] as [string, string][]
  ).sort((x, y) => y[0].length - x[0].length);
  const renamed = substitute(second, replacements);
  const skipped = new Set(ignore);
  const differences: Difference[] = [];
  const walk = (a: Json | undefined, b: Json | undefined, path: string, pattern: string) => {
    if (skipped.has(pattern)) return;
    const aIsObject = a !== null && typeof a === 'object';
    const bIsObject = b !== null && typeof b === 'object';
    if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
      a.forEach((item, i) => walk(item, b[i], `${path}[${i}]`, `${pattern}[]`));
      return;
    }
    if (aIsObject && bIsObject && !Array.isArray(a) && !Array.isArray(b)) {
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
      for (const key of keys) walk(a[key], b[key], path ? `${path}.${key}` : key, pattern ? `${pattern}.${key}` : key);
      return;
    }
    if (JSON.stringify(a) !== JSON.stringify(b)) differences.push({ path, first: a, second: b });
  };
  walk(first, renamed, '', '');
  return differences;
}

function show(value: unknown): string {
  return value === undefined ? '(absent)' : JSON.stringify(value);
}

function readObject(ref: string, namespace: string | undefined): Json {
  const args = ['get', ref, '-o', 'json', ...(namespace ? ['-n', namespace] : [])];
  const r = spawnSync('kubectl', args, { encoding: 'utf8' });
  if (r.error) throw new Error(`cannot run kubectl: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr.trim()}`);
  try {
    return JSON.parse(r.stdout) as Json;
  } catch {
    throw new Error(`kubectl ${args.join(' ')} did not print JSON`);
  }
}

export function main(args: string[]): number {
  const refs: string[] = [];
  const ignore = [...SERVER_SET_PATHS];
  let namespace: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if ((arg === '-n' || arg === '--namespace' || arg === '--ignore') && i + 1 >= args.length) {
      console.error(`${arg} needs a value\n${USAGE}`);
      return 2;
    }
    if (arg === '-n' || arg === '--namespace') namespace = args[++i];
    else if (arg === '--ignore') ignore.push(args[++i].replace(/^\./, ''));
    else if (!arg.startsWith('-') && arg.includes('/')) refs.push(arg);
    else {
      console.error(`unknown argument: ${arg}\n${USAGE}`);
      return 2;
    }
  }
  if (refs.length !== 2) {
    console.error(USAGE);
    return 2;
  }
  let first: Json;
  let second: Json;
  try {
    first = readObject(refs[0], namespace);
    second = readObject(refs[1], namespace);
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  const differences = compareObjects(first, second, ignore);
  if (differences.length === 0) {
    console.log(`${refs[0]} and ${refs[1]} are the same (server-set fields aside)`);
    return 0;
  }
  console.log(`${refs[0]} and ${refs[1]} differ:`);
  for (const d of differences) console.log(`  .${d.path}: ${show(d.first)} vs ${show(d.second)}`);
  return 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.slice(2));
