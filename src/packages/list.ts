/** `package list parameters|tasks|plans`: KUDO's columns and trees. */
import type { Task } from '../api/types.js';
import type { Package } from './model.js';
import { toOperatorVersionParameter } from './params.js';
import { table, tree, type TreeNode } from './table.js';

const COLUMN_WIDTH = 35;
const byName = <T extends { name?: string }>(a: T, b: T): number => ((a.name ?? '') < (b.name ?? '') ? -1 : (a.name ?? '') > (b.name ?? '') ? 1 : 0);

export interface ListParametersOptions {
  /** Only the names. */
  names?: boolean;
  /** Only required parameters without a default. */
  required?: boolean;
  /** Add a Descriptions column. */
  descriptions?: boolean;
}

/** The parameters table, sorted by name. Throws when more than one mode flag is set. */
export function listParameters(pkg: Package, opts: ListParametersOptions = {}): string {
  if ([opts.names, opts.required, opts.descriptions].filter(Boolean).length > 1)
    throw new Error("only one of the flags 'required', 'names', 'descriptions' can be set");
  const params = pkg.params.parameters.map(toOperatorVersionParameter).sort(byName);
  if (opts.names) return table([['Name'], ...params.map((p) => [p.name ?? ''])]);
  if (opts.required) {
    const req = params.filter((p) => p.required && (p.default === undefined || p.default === null));
    return req.length ? table([['Name'], ...req.map((p) => [p.name ?? ''])]) : 'no required parameters without default values found\n';
  }
  const header = ['Name', 'Default', 'Required', 'Immutable', ...(opts.descriptions ? ['Descriptions'] : [])];
  const rows = params.map((p) => [
    p.name ?? '',
    p.default ?? '',
    String(!!p.required),
    String(!!p.immutable),
    ...(opts.descriptions ? [p.description ?? ''] : []),
  ]);
  return table([header, ...rows], COLUMN_WIDTH);
}

function taskResources(t: Task): string[] {
  if (t.kind === 'Pipe') return t.spec?.pod ? [t.spec.pod] : [];
  if (t.kind === 'KudoOperator') return t.spec?.parameterFile ? [t.spec.parameterFile] : [];
  return t.spec?.resources ?? [];
}

/** The tasks table in definition order. */
export function listTasks(pkg: Package): string {
  const tasks = pkg.operator.tasks ?? [];
  if (!tasks.length) return 'no tasks  found\n';
  return table([['Name', 'Kind', 'Resources'], ...tasks.map((t) => [t.name ?? '', t.kind ?? '', `[${taskResources(t).join(' ')}]`])]);
}

const KIND_TAGS: Record<string, string> = { Apply: 'apply', Delete: 'delete', Toggle: 'toggle', Pipe: 'pipe', Dummy: 'dummy', KudoOperator: 'kudooperator' };

/** The plans tree, plans sorted by name; with tasks, each task shows its kind and resources. */
export function listPlans(pkg: Package, withTasks = false): string {
  const plans = pkg.operator.plans ?? {};
  const names = Object.keys(plans).sort();
  if (!names.length) return 'no plans found\n';
  const tasks = new Map((pkg.operator.tasks ?? []).map((t) => [t.name, t]));
  const taskNode = (name: string): TreeNode => {
    if (!withTasks) return { text: name };
    const t = tasks.get(name);
    return { text: `[${KIND_TAGS[t?.kind ?? ''] ?? 'unknown'}]  ${name}`, children: (t ? taskResources(t) : []).map((r) => ({ text: r })) };
  };
  const root: TreeNode = {
    text: 'plans',
    children: names.map((n) => ({
      text: `${n} (${plans[n].strategy ?? ''})`,
      children: (plans[n].phases ?? []).map((ph) => ({
        text: `[phase]  ${ph.name ?? ''} (${ph.strategy ?? ''})`,
        children: (ph.steps ?? []).map((st) => ({ text: `[step]  ${st.name ?? ''}`, children: (st.tasks ?? []).map(taskNode) })),
      })),
    })),
  };
  return tree(root) + '\n';
}
