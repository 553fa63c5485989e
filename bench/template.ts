/**
 * `npm run bench -- template [--seconds N] [--operator NAME]`
 *
 * Renders every template of ../shared/testdata/operators/<op>/operator/templates
 * with the package's default parameters (the data KUDO's manager builds), and
 * prints parse and execute speed separately: microseconds per template and
 * templates per second.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { formatValue } from '../src/templates/fmt.js';
import { TemplateError, TemplateSet, fromJSON } from '../src/templates/index.js';
import { kudoFuncs } from '../src/templates/kudo-funcs.js';
import type { GoMap, GoValue } from '../src/templates/values.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const OPERATORS = resolve(root, '../shared/testdata/operators');

interface Template {
  operator: string;
  name: string;
  source: string;
  data: GoValue;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? listFiles(p) : [p];
  });
}

/** Go's %v of a YAML scalar default, as KUDO stores string parameters. */
function paramDefault(value: unknown, type: string | undefined): GoValue {
  if (type === 'array' || type === 'map') return fromJSON(value ?? (type === 'array' ? [] : {}));
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return formatValue(fromJSON(value));
  return formatValue(value as GoValue);
}

/** Lower-cases and drops everything but [a-z0-9], as KUDO does for pipe names. */
const pipePart = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** The data KUDO's manager hands a template of the deploy plan's first step that uses it. */
export function loadOperator(dir: string, operator: string): Template[] {
  const opYaml = parseYaml(readFileSync(join(dir, 'operator.yaml'), 'utf8'), { version: '1.1' }) ?? {};
  const paramsPath = join(dir, 'params.yaml');
  const paramsYaml = existsSync(paramsPath) ? (parseYaml(readFileSync(paramsPath, 'utf8'), { version: '1.1' }) ?? {}) : {};
  const params: GoMap = {};
  for (const p of paramsYaml.parameters ?? []) params[p.name] = paramDefault(p.default, p.type);

  const instance = `${operator}-instance`;
  const plan = opYaml.plans?.deploy ? 'deploy' : Object.keys(opYaml.plans ?? { deploy: 0 })[0];
  const phases: { name: string; steps?: { name: string; tasks?: string[] }[] }[] = opYaml.plans?.[plan]?.phases ?? [];
  const tasks: { name: string; kind: string; spec?: { pipe?: { key: string }[] } }[] = opYaml.tasks ?? [];
  const pipes: GoMap = {};
  for (const phase of phases)
    for (const step of phase.steps ?? [])
      for (const taskName of step.tasks ?? []) {
        const task = tasks.find((t) => t.name === taskName);
        for (const p of task?.kind === 'Pipe' ? (task.spec?.pipe ?? []) : [])
          pipes[p.key] = [instance, plan, phase.name, step.name, task!.name, p.key].map(pipePart).join('.');
      }
  const data: GoMap = {
    OperatorName: String(opYaml.name ?? operator),
    Name: instance,
    Namespace: 'default',
    AppVersion: String(opYaml.appVersion ?? ''),
    OperatorVersion: String(opYaml.operatorVersion ?? opYaml.version ?? ''),
    PlanName: plan,
    PhaseName: phases[0]?.name ?? '',
    StepName: phases[0]?.steps?.[0]?.name ?? '',
    Params: params,
    Pipes: pipes,
  };
  const tdir = join(dir, 'templates');
  if (!existsSync(tdir)) return [];
  return listFiles(tdir).map((file) => ({ operator, name: relative(tdir, file), source: readFileSync(file, 'utf8'), data }));
}

interface Measure {
  /** Wall-clock microseconds per item. */
  usPerItem: number;
  /** CPU microseconds per item (user + system), steadier than wall time on a busy machine. */
  cpuUsPerItem: number;
  count: number;
}

/** Runs `body` over all items repeatedly for about `seconds`. */
function measure<T>(items: T[], seconds: number, body: (item: T) => void): Measure {
  for (const item of items) body(item); // warm-up
  let count = 0;
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  let elapsed = 0n;
  while (elapsed < budget) {
    for (const item of items) body(item);
    count += items.length;
    elapsed = process.hrtime.bigint() - start;
  }
  const cpu = process.cpuUsage(cpu0);
  return { usPerItem: Number(elapsed) / 1000 / count, cpuUsPerItem: (cpu.user + cpu.system) / count, count };
}

export async function main(args: string[]): Promise<number> {
  let seconds = 2;
  let only = '';
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--seconds') seconds = Number(args[++i]);
    else if (args[i] === '--operator') only = args[++i] ?? '';
    else {
      console.error(`template bench: unknown argument ${args[i]}; usage: template [--seconds N] [--operator NAME]`);
      return 2;
    }
  }
  if (!(seconds > 0)) {
    console.error('template bench: --seconds needs a positive number');
    return 2;
  }
  if (!existsSync(OPERATORS)) {
    console.log(`template bench: skipped, operator corpus not found at ${OPERATORS}`);
    return 0;
  }
  const all: Template[] = [];
  for (const op of readdirSync(OPERATORS).sort()) {
    const dir = join(OPERATORS, op, 'operator');
    if ((only && op !== only) || !existsSync(dir)) continue;
    all.push(...loadOperator(dir, op));
  }

  // Keep the templates that render with default parameters (some need instance values).
  const ok: { t: Template; set: TemplateSet }[] = [];
  const failed: string[] = [];
  for (const t of all) {
    const set = new TemplateSet({ funcs: kudoFuncs, missingKey: 'error' });
    try {
      set.parse(t.name, t.source);
      set.execute(t.name, t.data);
      ok.push({ t, set });
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      failed.push(`${t.operator}/${t.name}: ${e.message}`);
    }
  }
  const bytes = ok.reduce((n, { t }) => n + t.source.length, 0);
  console.log(`templates: ${all.length} found, ${ok.length} render with default parameters (${(bytes / 1024).toFixed(1)} KiB of source)`);
  for (const f of failed) console.log(`  not rendered: ${f}`);
  if (ok.length === 0) return 0;

  const parse = measure(ok, seconds, ({ t }) => new TemplateSet({ funcs: kudoFuncs, missingKey: 'error' }).parse(t.name, t.source));
  const exec = measure(ok, seconds, ({ t, set }) => set.execute(t.name, t.data));
  const row = (label: string, r: Measure): string =>
    `${label.padEnd(8)} ${r.usPerItem.toFixed(2).padStart(9)} us/template (cpu ${r.cpuUsPerItem.toFixed(2).padStart(8)} us) ` +
    `${Math.round(1e6 / r.usPerItem)
      .toString()
      .padStart(8)} templates/s  (${r.count} runs)`;
  console.log(row('parse', parse));
  console.log(row('execute', exec));
  console.log(
    row('both', {
      usPerItem: parse.usPerItem + exec.usPerItem,
      cpuUsPerItem: parse.cpuUsPerItem + exec.cpuUsPerItem,
      count: Math.min(parse.count, exec.count),
    }),
  );
  return 0;
}
