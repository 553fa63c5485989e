/**
 * `package new` and `package add ...`: building and editing operator.yaml and
 * params.yaml. Files are rewritten the way KUDO writes them (keys sorted, go-yaml
 * layout), so comments in edited files are not kept, as with KUDO.
 */
import type { Maintainer, Plan, Task } from '../api/types.js';
import { KUDO_API_VERSION } from '../api/labels.js';
import { marshalYaml } from './goyaml.js';
import type { OperatorFile, PackageParameter, ParamsFile } from './model.js';
import type { RawValue } from './yaml.js';

/** The KUDO release whose package format and behaviour this implementation follows. */
export const KUDO_COMPAT_VERSION = '0.19.0';

type Json = Parameters<typeof marshalYaml>[0];

/** Drops undefined fields so they are not written. */
function clean<T>(v: T): Json {
  return JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? Number(x) : x))) as Json;
}

export function operatorYaml(op: OperatorFile): string {
  return marshalYaml(clean(op));
}

export function paramsYaml(params: ParamsFile | { apiVersion?: string; parameters: Partial<PackageParameter>[] }): string {
  return marshalYaml(clean(params));
}

/** KUDO's `package new` defaults. */
export function newOperator(name: string, opts: { kudoVersion?: string } = {}): { operator: OperatorFile; params: ParamsFile } {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name))
    throw new Error(`invalid operator name "${name}": use lower case letters, digits and '-', starting and ending with a letter or digit`);
  const operator: OperatorFile = {
    apiVersion: KUDO_API_VERSION,
    name,
    appVersion: '0.1.0',
    operatorVersion: '0.1.0',
    kudoVersion: opts.kudoVersion ?? KUDO_COMPAT_VERSION,
    kubernetesVersion: '0.16.0',
    maintainers: [{ name: 'My Name', email: 'MyEmail@invalid' }],
    tasks: [{ name: 'deploy', kind: 'Apply', spec: {} }],
    plans: { deploy: { strategy: 'serial', phases: [{ name: 'deploy', strategy: 'serial', steps: [{ name: 'deploy', tasks: ['deploy'] }] }] } },
  };
  return { operator, params: { apiVersion: KUDO_API_VERSION, parameters: [] } };
}

export function addMaintainer(op: OperatorFile, m: Maintainer): OperatorFile {
  if (!m.name) throw new Error('maintainer name can not be empty');
  return { ...op, maintainers: [...(op.maintainers ?? []), { name: m.name, ...(m.email ? { email: m.email } : {}) }] };
}

export interface NewParameter {
  name: string;
  displayName?: string;
  description?: string;
  default?: RawValue;
  required?: boolean;
  trigger?: string;
  type?: string;
  immutable?: boolean;
  enum?: string[];
  group?: string;
  hint?: string;
  advanced?: boolean;
}

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const VALUE_TYPES = ['string', 'integer', 'number', 'boolean', 'array', 'map'];

/** Appends a parameter; only the fields given are written. */
export function addParameter(params: ParamsFile, p: NewParameter, plans: readonly string[] = []): ParamsFile {
  if (!PARAM_NAME.test(p.name)) throw new Error(`invalid parameter name "${p.name}": use letters, digits and '_' (templates read it as .Params.${p.name})`);
  if (params.parameters.some((x) => x.name?.toLowerCase() === p.name.toLowerCase())) throw new Error(`parameter "${p.name}" already exists`);
  if (p.type && !VALUE_TYPES.includes(p.type)) throw new Error(`invalid parameter type "${p.type}": must be one of ${VALUE_TYPES.join(', ')}`);
  if (p.trigger && plans.length && !plans.includes(p.trigger)) throw new Error(`trigger plan "${p.trigger}" is not defined (plans: ${plans.join(', ')})`);
  const entry = Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined && v !== '')) as unknown as PackageParameter;
  return { ...params, parameters: [...params.parameters, entry] };
}

const TASK_KINDS_ADDABLE = ['Apply', 'Delete', 'Toggle', 'Pipe', 'Dummy', 'KudoOperator'];

/** Appends a task; returns the new file and the template files the task references that do not exist yet. */
export function addTask(op: OperatorFile, task: Task, existingTemplates: readonly string[]): { operator: OperatorFile; missingTemplates: string[] } {
  if (!task.name) throw new Error('task name can not be empty');
  if (!TASK_KINDS_ADDABLE.includes(task.kind ?? '')) throw new Error(`unknown task kind ${task.kind ?? ''}: must be one of ${TASK_KINDS_ADDABLE.join(', ')}`);
  if ((op.tasks ?? []).some((t) => t.name === task.name)) throw new Error(`task "${task.name}" already exists`);
  const spec = task.spec ?? {};
  const refs = [...(spec.resources ?? []), ...(spec.pod ? [spec.pod] : []), ...(spec.parameterFile ? [spec.parameterFile] : [])];
  for (const r of refs)
    if (r.startsWith('/') || r.split('/').includes('..') || !r.endsWith('.yaml'))
      throw new Error(`invalid template name "${r}": a .yaml path below templates/`);
  return { operator: { ...op, tasks: [...(op.tasks ?? []), task] }, missingTemplates: [...new Set(refs)].filter((r) => !existingTemplates.includes(r)) };
}

/** Adds a plan; every task it names must exist. */
export function addPlan(op: OperatorFile, name: string, plan: Plan): OperatorFile {
  if (!name) throw new Error('plan name can not be empty');
  if (Object.hasOwn(op.plans ?? {}, name)) throw new Error(`plan "${name}" already exists`);
  const tasks = new Set((op.tasks ?? []).map((t) => t.name));
  for (const ph of plan.phases ?? [])
    for (const st of ph.steps ?? []) for (const t of st.tasks ?? []) if (!tasks.has(t)) throw new Error(`task "${t}" used in plan "${name}" is not defined`);
  return { ...op, plans: { ...(op.plans ?? {}), [name]: plan } };
}
