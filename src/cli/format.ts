/** The text layouts of the cluster commands (plan status/history trees, get trees, -o yaml|json), as KUDO prints them. */
import type { Instance, OperatorVersion, PlanStatus } from '../api/types.js';
import { tree, table, type TreeNode } from '../packages/table.js';
import { lastExecutedPlan } from '../engine/status.js';

export { table, tree };

/** Go's "2006-01-02 15:04:05" of an RFC 3339 time, in UTC. */
export function goDateTime(ts: string | null | undefined, sep = ' '): string {
  const d = ts ? new Date(ts) : undefined;
  if (!d || Number.isNaN(d.getTime())) return '';
  return d.toISOString().slice(0, 19).replace('T', sep);
}

const msg = (m: string | undefined): string => (m ? ` (${m})` : '');

export interface StatusStyle {
  /** Wraps a status word, e.g. in colour. */
  status(s: string): string;
}
const plain: StatusStyle = { status: (s) => s };

/** `plan status`: every plan of the OV (sorted by name); the last executed one with its live status. */
export function planStatusTree(instance: Instance, ov: OperatorVersion, namespace: string, style: StatusStyle = plain): string | undefined {
  const last = lastExecutedPlan(instance.status);
  if (!last) return undefined;
  const plans = ov.spec?.plans ?? {};
  const name = instance.metadata.name ?? '';
  const root: TreeNode = {
    text: `${name} (Operator-Version: "${instance.spec?.operatorVersion?.name ?? ''}" Active-Plan: "${last.name ?? ''}")`,
    children: [],
  };
  for (const planName of Object.keys(plans).sort()) {
    const plan = plans[planName];
    if (planName === last.name) {
      const when = goDateTime(last.lastUpdatedTimestamp);
      const node: TreeNode = {
        text: `Plan ${planName} (${plan.strategy ?? ''} strategy) [${style.status(last.status ?? '')}]${msg(last.message)}${when ? `, last updated ${when}` : ''}`,
        children: [],
      };
      for (const phase of last.phases ?? []) {
        const strategy = plan.phases?.find((p) => p.name === phase.name)?.strategy ?? '';
        node.children!.push({
          text: `Phase ${phase.name ?? ''} (${strategy} strategy) [${style.status(phase.status ?? '')}]${msg(phase.message)}`,
          children: (phase.steps ?? []).map((s) => ({ text: `Step ${s.name ?? ''} [${style.status(s.status ?? '')}]${msg(s.message)}` })),
        });
      }
      root.children!.push(node);
    } else {
      root.children!.push({
        text: `Plan ${planName} (${plan.strategy ?? ''} strategy) [NOT ACTIVE]`,
        children: (plan.phases ?? []).map((ph) => ({
          text: `Phase ${ph.name ?? ''} (${ph.strategy ?? ''} strategy) [NOT ACTIVE]`,
          children: (ph.steps ?? []).map((s) => ({ text: `Step ${s.name ?? ''} [NOT ACTIVE]` })),
        })),
      });
    }
  }
  return `Plan(s) for "${name}" in namespace "${namespace}":\n${tree({ text: '.', children: [root] })}\n`;
}

/** `plan history`: each plan with its last finished run, running state, or never run. */
export function planHistoryTree(instance: Instance): string {
  const plans = Object.values(instance.status?.planStatus ?? {}).sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''));
  const line = (p: PlanStatus): string => {
    const s = p.status ?? '';
    if (!s || s === 'NEVER_RUN') return `${p.name} (never run)`;
    if (s === 'PENDING' || s === 'IN_PROGRESS' || s === 'ERROR') return `${p.name} (is running)`;
    const when = goDateTime(p.lastUpdatedTimestamp, 'T');
    return when ? `${p.name} (last finished run at ${when} (${s}))` : `${p.name} (${s})`;
  };
  return tree({ text: '.', children: plans.map((p) => ({ text: line(p) })) }) + '\n';
}

/** `get <kind>` trees. */
export function listTree(title: string, names: readonly string[]): string {
  return `${title}\n${tree({ text: '.', children: names.map((text) => ({ text })) })}\n`;
}

export function allTree(namespace: string, operators: string[], ovs: OperatorVersion[], instances: Instance[]): string {
  const children = operators.map((op) => ({
    text: op,
    children: ovs
      .filter((ov) => ov.spec?.operator?.name === op)
      .map((ov) => ({
        text: ov.metadata.name ?? '',
        children: instances.filter((i) => i.spec?.operatorVersion?.name === ov.metadata.name).map((i) => ({ text: i.metadata.name ?? '' })),
      })),
  }));
  return `List of current installed operators including versions and instances in namespace "${namespace}":\n${tree({ text: '.', children })}\n`;
}

/** -o yaml: `---` before each document and `...` at the end; -o json: one document or an array. */
export async function formatObjects(objects: readonly unknown[], format: string, single = false): Promise<string> {
  if (format === 'json') return JSON.stringify(single ? objects[0] : objects, null, 2) + '\n';
  const { stringify } = await import('yaml');
  const docs = objects.map((o) => `---\n${stringify(o, { sortMapEntries: true, indentSeq: false, lineWidth: 0 })}`);
  return docs.join('') + '\n...\n';
}

/** A status word in colour for terminals. */
export const colorStyle: StatusStyle = {
  status(s) {
    const code = s === 'COMPLETE' ? 32 : s === 'FATAL_ERROR' || s === 'ERROR' ? 31 : s === 'IN_PROGRESS' || s === 'PENDING' ? 33 : 0;
    return code ? `\x1b[${code}m${s}\x1b[0m` : s;
  },
};
