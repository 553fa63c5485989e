/**
 * `kubectl kudo diff --instance X [-p k=v]... [package]` (beyond KUDO): renders the plan an
 * update (or, with a package, an upgrade) would trigger, with the shared render code, and
 * compares each object with the cluster's, without changing anything.
 */
import { randomUUID } from 'node:crypto';
import type { Instance, OperatorVersion } from '../../api/types.js';
import { LAST_APPLIED_CONFIG_ANNOTATION, PHASE_ANNOTATION, PLAN_ANNOTATION, PLAN_UID_ANNOTATION, STEP_ANNOTATION } from '../../api/labels.js';
import type { Cluster } from '../../cluster/cluster.js';
import { admitUpdate } from '../../engine/admission.js';
import type { KubeObject } from '../../k8s/object.js';
import { renderOperatorVersionPlan } from '../../packages/plan-render.js';
import { resolveDependencies, resolvePackage } from '../../repo/resolve.js';
import type { ParsedCommand } from '../args.js';
import type { CliContext } from '../context.js';
import { UsageError, UserError } from '../errors.js';
import { lineDiff } from '../diff-text.js';
import { requireInstance, requireOperatorVersion } from '../kudo.js';
import { parameterValues } from '../params.js';

/** Annotations that change on every plan run; comparing them would report every object as changed. */
const VOLATILE = new Set([PLAN_ANNOTATION, PHASE_ANNOTATION, STEP_ANNOTATION, PLAN_UID_ANNOTATION, LAST_APPLIED_CONFIG_ANNOTATION]);

function stripVolatile(obj: KubeObject): Record<string, unknown> {
  const copy = structuredClone(obj) as KubeObject & Record<string, unknown>;
  const meta = copy.metadata as Record<string, unknown>;
  for (const k of ['ownerReferences', 'uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields', 'finalizers']) delete meta[k];
  const annotations = Object.fromEntries(Object.entries(copy.metadata.annotations ?? {}).filter(([k]) => !VOLATILE.has(k)));
  if (Object.keys(annotations).length) copy.metadata.annotations = annotations;
  else delete copy.metadata.annotations;
  delete copy.status;
  return copy;
}

/** The part of `live` that `desired` speaks about (server defaults are not differences). */
export function projectOnto(desired: unknown, live: unknown): unknown {
  if (desired && live && typeof desired === 'object' && typeof live === 'object' && !Array.isArray(desired) && !Array.isArray(live)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(desired))
      if (Object.hasOwn(live, k)) out[k] = projectOnto((desired as Record<string, unknown>)[k], (live as Record<string, unknown>)[k]);
    return out;
  }
  if (Array.isArray(desired) && Array.isArray(live) && desired.length === live.length) return desired.map((d, i) => projectOnto(d, live[i]));
  return live;
}

const describe = (o: KubeObject): string => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

async function compare(cluster: Cluster, desired: KubeObject, deleting: boolean): Promise<string[]> {
  const live = await cluster.get({ apiVersion: desired.apiVersion, kind: desired.kind, namespace: desired.metadata.namespace, name: desired.metadata.name });
  if (deleting) return live ? [`- ${describe(desired)} (would be deleted)`] : [`= ${describe(desired)} (already absent)`];
  if (!live) return [`+ ${describe(desired)} (would be created)`];
  const { stringify } = await import('yaml');
  const want = stripVolatile(desired);
  const have = projectOnto(want, stripVolatile(live));
  const a = stringify(have, { sortMapEntries: true });
  const b = stringify(want, { sortMapEntries: true });
  if (a === b) return [`= ${describe(desired)} (unchanged)`];
  return [`~ ${describe(desired)} (would change)`, ...lineDiff(a.trimEnd(), b.trimEnd()).map((l) => `    ${l}`)];
}

export async function diffCommand(ctx: CliContext, cmd: ParsedCommand): Promise<number> {
  const name = cmd.flags.instance as string | undefined;
  if (!name) throw new UsageError('please use --instance and specify instance name. It cannot be empty');
  if (cmd.positional.length > 1) throw new UsageError('expecting at most one argument: the package to upgrade to');
  const params = parameterValues(ctx, cmd);
  const cluster = await ctx.cluster();
  const ns = await ctx.namespace();
  const instance = await requireInstance(cluster, ns, name);
  const oldOv = await requireOperatorVersion(cluster, instance);
  let newOv: OperatorVersion = oldOv;
  if (cmd.positional.length) {
    const opts = {
      cwd: ctx.io.cwd,
      home: ctx.settings.home,
      repo: cmd.flags.repo as string,
      appVersion: cmd.flags['app-version'] as string,
      operatorVersion: cmd.flags['operator-version'] as string,
    };
    const tree = await resolveDependencies(await resolvePackage(cmd.positional[0], opts), opts);
    newOv = { ...tree.root.resources.operatorVersion, metadata: { ...tree.root.resources.operatorVersion.metadata, namespace: ns } };
  }
  if (!cmd.positional.length && !Object.keys(params).length && !cmd.flags.plan)
    throw new UsageError('nothing to compare: give parameters (-p), a package to upgrade to, or --plan');

  const updated: Instance = structuredClone(instance);
  updated.spec = { ...updated.spec, operatorVersion: { name: newOv.metadata.name }, parameters: { ...instance.spec?.parameters, ...params } };
  let plan = cmd.flags.plan as string | undefined;
  if (!plan) {
    const verdict = admitUpdate(instance, updated, ns, newOv, oldOv, randomUUID);
    if (!verdict.allowed) throw new UserError(`the cluster would refuse this change: ${verdict.message}`);
    plan = verdict.instance?.spec?.planExecution?.planName;
    if (!plan) {
      ctx.out('No plan would run: nothing would change.\n');
      return 0;
    }
  }
  const values = (verdict: Instance) => verdict.spec?.parameters ?? {};
  for (const [k, v] of Object.entries(params)) {
    const before = instance.spec?.parameters?.[k];
    if (before !== v) ctx.out(`parameter ${k}: ${before === undefined ? '(default)' : JSON.stringify(before)} -> ${JSON.stringify(v)}\n`);
  }
  if (newOv !== oldOv) ctx.out(`operator version: ${oldOv.metadata.name} -> ${newOv.metadata.name}\n`);
  ctx.out(`plan ${plan} would run:\n`);
  const rendered = renderOperatorVersionPlan(newOv.spec?.operator?.name ?? '', newOv.spec ?? {}, {
    plan,
    instanceName: name,
    namespace: ns,
    parameters: values(updated),
  });
  let changes = 0;
  for (const t of rendered.tasks) {
    ctx.out(`${t.phase}/${t.step}/${t.task} [${t.kind}]\n`);
    const r = t.result;
    const lines: string[] = [];
    if (r.action === 'apply' || r.action === 'instance') for (const o of r.objects) lines.push(...(await compare(cluster, o, false)));
    else if (r.action === 'delete') for (const o of r.objects) lines.push(...(await compare(cluster, o, true)));
    else if (r.action === 'pipe') lines.push(`~ ${describe(r.pod)} (pipe pod would run)`);
    else lines.push('  (no objects)');
    changes += lines.filter((l) => /^[-+~]/.test(l)).length;
    for (const l of lines) ctx.out(`  ${l}\n`);
  }
  ctx.out(changes ? `${changes} object(s) would change.\n` : 'No object would change.\n');
  return 0;
}
