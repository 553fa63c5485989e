/** `package new <name>` and `package add maintainer|parameter|task|plan`, by flags or interactive prompts. */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Plan, Task, TaskSpec } from '../../api/types.js';
import { OPERATOR_FILE, PARAMS_FILE, parseOperatorFile, parseParamsFile, TEMPLATES_DIR } from '../model.js';
import { addMaintainer, addParameter, addPlan, addTask, newOperator, operatorYaml, paramsYaml, type NewParameter } from '../scaffold.js';
import { fail, ok, type CommandResult } from './result.js';

/** Asks the user; the CLI supplies one reading the terminal, tests supply scripted answers. */
export interface Prompter {
  ask(question: string, defaultValue?: string): Promise<string>;
}

async function askRequired(p: Prompter, question: string, defaultValue?: string): Promise<string> {
  for (let i = 0; i < 3; i++) {
    const a = (await p.ask(question, defaultValue)).trim();
    if (a) return a;
  }
  throw new Error(`${question}: a value is required`);
}
const askList = async (p: Prompter, q: string, d?: string): Promise<string[]> =>
  (await p.ask(q, d))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

// ---------------------------------------------------------------------------
// new

export interface NewOptions {
  overwrite?: boolean;
  interactive?: boolean;
  kudoVersion?: string;
  /** Working directory (default: process.cwd()). */
  cwd?: string;
}

export async function newCommand(name: string | undefined, opts: NewOptions = {}, prompter?: Prompter): Promise<CommandResult> {
  const cwd = opts.cwd ?? process.cwd();
  if (existsSync(join(cwd, OPERATOR_FILE))) return fail('operator.yaml exists in the current directory.  creating an operator in an operator is not supported');
  const folder = join(cwd, 'operator');
  if (existsSync(folder) && !opts.overwrite) return fail(`folder "operator" already exists`);
  let opName = name;
  if (opts.interactive) {
    if (!prompter) return fail('interactive mode needs a terminal');
    opName = await askRequired(prompter, 'Operator name', name);
  }
  if (!opName) return fail('expecting exactly one argument - name of the operator');
  const { operator, params } = newOperator(opName, { kudoVersion: opts.kudoVersion });
  if (opts.interactive && prompter) {
    operator.operatorVersion = await askRequired(prompter, 'Operator Version', operator.operatorVersion);
    operator.appVersion = (await prompter.ask('Application Version', operator.appVersion)).trim() || undefined;
    operator.kudoVersion = await askRequired(prompter, 'Required KUDO Version', operator.kudoVersion);
    operator.kubernetesVersion = await askRequired(prompter, 'Required Kubernetes Version', operator.kubernetesVersion);
    const url = (await prompter.ask('Project URL', '')).trim();
    if (url) operator.url = url;
  }
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, OPERATOR_FILE), operatorYaml(operator));
  writeFileSync(join(folder, PARAMS_FILE), paramsYaml(params));
  return ok(`operator ${opName} created in ${folder}\n`);
}

// ---------------------------------------------------------------------------
// add

/** The operator folder: the cwd if it holds operator.yaml, else the single `*\/operator.yaml` below it. */
export function findOperatorFolder(cwd: string): string {
  if (existsSync(join(cwd, OPERATOR_FILE))) return cwd;
  const found = readdirSync(cwd, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(cwd, d.name, OPERATOR_FILE)))
    .map((d) => join(cwd, d.name));
  if (found.length === 0) throw new Error('no operator folder discovered');
  if (found.length > 1) throw new Error('multiple operator folders discovered');
  return found[0];
}

function readOperator(folder: string) {
  return parseOperatorFile(readFileSync(join(folder, OPERATOR_FILE), 'utf8'), join(folder, OPERATOR_FILE));
}

function existingTemplates(folder: string): string[] {
  const root = join(folder, TEMPLATES_DIR);
  const out: string[] = [];
  const walk = (rel: string): void => {
    if (!existsSync(join(root, rel))) return;
    for (const d of readdirSync(join(root, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk('');
  return out;
}

export interface AddOptions {
  interactive?: boolean;
  cwd?: string;
  /** Flag values by name (strings, repeatable lists, booleans). */
  flags?: Record<string, string | boolean | string[]>;
}

const flag = (o: AddOptions, n: string): string | undefined => (typeof o.flags?.[n] === 'string' ? (o.flags[n] as string) : undefined);
const flagList = (o: AddOptions, n: string): string[] => (Array.isArray(o.flags?.[n]) ? (o.flags[n] as string[]) : []);
const flagBool = (o: AddOptions, n: string): boolean | undefined => (typeof o.flags?.[n] === 'boolean' ? (o.flags[n] as boolean) : undefined);

export async function addCommand(what: string | undefined, args: string[], opts: AddOptions = {}, prompter?: Prompter): Promise<CommandResult> {
  const folder = findOperatorFolder(opts.cwd ?? process.cwd());
  const interactive = opts.interactive && prompter;
  switch (what) {
    case 'maintainer': {
      let [name, email] = args;
      if (args.length !== 2) {
        if (!interactive) return fail('add maintainer needs a name and an email (or -i to be asked)');
        name = await askRequired(prompter, 'Maintainer name');
        email = await askRequired(prompter, 'Maintainer email');
      }
      const op = addMaintainer(readOperator(folder), { name, email });
      writeFileSync(join(folder, OPERATOR_FILE), operatorYaml(op));
      return ok(`maintainer ${name} added\n`);
    }
    case 'parameter': {
      const op = readOperator(folder);
      const paramsPath = join(folder, PARAMS_FILE);
      const params = parseParamsFile(readFileSync(paramsPath, 'utf8'), paramsPath);
      let p: NewParameter;
      if (interactive) {
        p = { name: await askRequired(prompter, 'Parameter Name') };
        p.displayName = (await prompter.ask('Display Name', '')).trim() || undefined;
        const def = (await prompter.ask('Default Value', '')).trim();
        if (def) p.default = def;
        p.description = (await prompter.ask('Description', '')).trim() || undefined;
        const req = (await prompter.ask('Required (true/false)', 'true')).trim();
        if (req === 'false') p.required = false;
        p.trigger = (await prompter.ask('Trigger Plan', '')).trim() || undefined;
      } else {
        const name = flag(opts, 'name') ?? args[0];
        if (!name) return fail('add parameter needs --name (or -i to be asked)');
        p = {
          name,
          displayName: flag(opts, 'display-name'),
          description: flag(opts, 'description'),
          default: flag(opts, 'default'),
          required: flagBool(opts, 'required'),
          trigger: flag(opts, 'trigger'),
          type: flag(opts, 'type'),
          immutable: flagBool(opts, 'immutable'),
          enum: flagList(opts, 'enum').length ? flagList(opts, 'enum') : undefined,
          group: flag(opts, 'group'),
          hint: flag(opts, 'hint'),
          advanced: flagBool(opts, 'advanced'),
        };
      }
      writeFileSync(paramsPath, paramsYaml(addParameter(params, p, Object.keys(op.plans ?? {}))));
      return ok(`parameter ${p.name} added\n`);
    }
    case 'task': {
      const op = readOperator(folder);
      let task: Task;
      if (interactive) {
        const name = await askRequired(prompter, 'Task Name');
        const kind = await askRequired(prompter, 'Task Kind (Apply, Delete, Toggle, Pipe, Dummy)', 'Apply');
        const spec: TaskSpec = {};
        if (kind === 'Apply' || kind === 'Delete' || kind === 'Toggle') spec.resources = await askList(prompter, 'Task Resources (comma separated)');
        if (kind === 'Toggle') spec.parameter = await askRequired(prompter, 'Toggle Parameter');
        if (kind === 'Pipe') {
          spec.pod = await askRequired(prompter, 'Pipe Pod File');
          spec.pipe = [
            {
              file: await askRequired(prompter, 'Pipe File'),
              kind: await askRequired(prompter, 'Pipe Kind (Secret or ConfigMap)', 'ConfigMap'),
              key: await askRequired(prompter, 'Pipe Key'),
            },
          ];
        }
        task = { name, kind, spec };
      } else {
        const name = flag(opts, 'name') ?? args[0];
        if (!name) return fail('add task needs --name and --kind (or -i to be asked)');
        const kind = flag(opts, 'kind') ?? 'Apply';
        const spec: TaskSpec = {};
        if (flagList(opts, 'resource').length) spec.resources = flagList(opts, 'resource');
        if (flag(opts, 'parameter')) spec.parameter = flag(opts, 'parameter');
        if (flag(opts, 'pod')) spec.pod = flag(opts, 'pod');
        if (flag(opts, 'pipe-file'))
          spec.pipe = [{ file: flag(opts, 'pipe-file'), kind: flag(opts, 'pipe-kind') ?? 'ConfigMap', key: flag(opts, 'pipe-key') ?? '' }];
        if (flag(opts, 'package')) spec.package = flag(opts, 'package');
        if (flag(opts, 'operator-version')) spec.operatorVersion = flag(opts, 'operator-version');
        if (flag(opts, 'parameter-file')) spec.parameterFile = flag(opts, 'parameter-file');
        if (kind === 'Dummy' && flagBool(opts, 'done')) spec.done = true;
        task = { name, kind, spec };
      }
      const { operator, missingTemplates } = addTask(op, task, existingTemplates(folder));
      for (const t of missingTemplates) {
        const file = join(folder, TEMPLATES_DIR, ...t.split('/'));
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, '');
      }
      writeFileSync(join(folder, OPERATOR_FILE), operatorYaml(operator));
      return ok(`task ${task.name} added${missingTemplates.length ? `; created ${missingTemplates.map((t) => `templates/${t}`).join(', ')}` : ''}\n`);
    }
    case 'plan': {
      const op = readOperator(folder);
      let name: string;
      let plan: Plan;
      if (interactive) {
        name = await askRequired(prompter, 'Plan Name', Object.hasOwn(op.plans ?? {}, 'deploy') ? undefined : 'deploy');
        const strategy = await askRequired(prompter, 'Plan strategy for phase (serial or parallel)', 'serial');
        const phase = await askRequired(prompter, 'Phase Name', name);
        const phaseStrategy = await askRequired(prompter, 'Phase strategy for steps (serial or parallel)', 'serial');
        const step = await askRequired(prompter, 'Step Name', phase);
        const tasks = await askList(prompter, 'Tasks (comma separated)', (op.tasks ?? [])[0]?.name);
        plan = { strategy, phases: [{ name: phase, strategy: phaseStrategy, steps: [{ name: step, tasks }] }] };
      } else {
        name = flag(opts, 'name') ?? args[0] ?? '';
        if (!name) return fail('add plan needs --name, --phase, --step and --task (or -i to be asked)');
        const phase = flag(opts, 'phase') ?? name;
        const tasks = flagList(opts, 'task');
        if (!tasks.length) return fail('add plan needs at least one --task');
        plan = {
          strategy: flag(opts, 'strategy') ?? 'serial',
          phases: [{ name: phase, strategy: flag(opts, 'phase-strategy') ?? 'serial', steps: [{ name: flag(opts, 'step') ?? phase, tasks }] }],
        };
      }
      for (const s of [plan.strategy, ...(plan.phases ?? []).map((p) => p.strategy)])
        if (s !== 'serial' && s !== 'parallel') return fail(`invalid strategy "${s}": must be serial or parallel`);
      writeFileSync(join(folder, OPERATOR_FILE), operatorYaml(addPlan(op, name, plan)));
      return ok(`plan ${name} added\n`);
    }
    default:
      return fail(`expecting one of "maintainer", "parameter", "task" or "plan"${what ? ` and not "${what}"` : ''}`);
  }
}
