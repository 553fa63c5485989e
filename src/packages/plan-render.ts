/**
 * Offline rendering of a whole plan, step by step, with the same renderTask the
 * manager uses. What a cluster would tell the manager is stood in for here: kind
 * scopes come from the built-in table plus CRDs in the package's own templates, and
 * dependencies rendered by earlier steps count as already applied (a fresh install).
 */
import { createHash } from 'node:crypto';
import { defaultInstanceName, DEPLOY_PLAN, type OperatorVersionSpec } from '../api/types.js';
import type { KubeObject } from '../k8s/object.js';
import { splitApiVersion } from '../k8s/object.js';
import { packageToResources } from './convert.js';
import { renderTemplate } from './engine.js';
import { builtInScope, type Scope } from './kinds.js';
import type { Package } from './model.js';
import { validateInstanceParameters } from './params.js';
import { decodeObjects, planPipes, renderTask, templateData, TaskRenderError, type RenderContext, type TaskResult } from './render.js';
import { PackageError } from './yaml.js';

export interface PlanRenderOptions {
  plan?: string;
  instanceName?: string;
  namespace?: string;
  parameters?: Record<string, string>;
}

export interface RenderedTask {
  phase: string;
  step: string;
  task: string;
  kind: string;
  result: TaskResult;
}

export interface RenderedPlan {
  plan: string;
  instance: { name: string; namespace: string; uid: string };
  planUid: string;
  tasks: RenderedTask[];
}

/** A stable UUID-shaped id from text, for the instance and plan UIDs a cluster would assign. */
export function stableUid(text: string): string {
  const h = createHash('md5').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Scopes declared by CustomResourceDefinitions among objects. */
export function crdScopes(objects: readonly KubeObject[]): Map<string, Scope> {
  const scopes = new Map<string, Scope>();
  for (const o of objects) {
    if (o.kind !== 'CustomResourceDefinition' || splitApiVersion(o.apiVersion).group !== 'apiextensions.k8s.io') continue;
    const spec = o.spec as { group?: string; scope?: string; names?: { kind?: string } } | undefined;
    if (spec?.group && spec.names?.kind) scopes.set(`${spec.group}/${spec.names.kind}`, spec.scope === 'Cluster' ? 'Cluster' : 'Namespaced');
  }
  return scopes;
}

/** CRDs anywhere in the package's templates, rendered with the given data (templates that fail to render are skipped here). */
function packageCrdScopes(spec: OperatorVersionSpec, data: Record<string, unknown>): Map<string, Scope> {
  const objects: KubeObject[] = [];
  for (const [name, source] of Object.entries(spec.templates ?? {})) {
    if (!/CustomResourceDefinition/.test(source)) continue;
    try {
      objects.push(...decodeObjects(renderTemplate(name, source, data)));
    } catch {
      // A template that does not render is reported when its task runs.
    }
  }
  return crdScopes(objects);
}

/** Renders every task of a plan in order; throws PackageError or TaskRenderError (naming plan/phase/step/task) on failure. */
export function renderPlan(pkg: Package, opts: PlanRenderOptions = {}): RenderedPlan {
  return renderOperatorVersionPlan(pkg.operator.name ?? '', packageToResources(pkg).operatorVersion.spec!, opts);
}

/** The same for an OperatorVersion already in a cluster (used by `kubectl kudo diff`). */
export function renderOperatorVersionPlan(operatorName: string, spec: OperatorVersionSpec, opts: PlanRenderOptions = {}): RenderedPlan {
  const planName = opts.plan ?? DEPLOY_PLAN;
  const plan = spec.plans?.[planName];
  if (!plan)
    throw new PackageError(
      `plan "${planName}" is not defined in operator.yaml (plans: ${
        Object.keys(spec.plans ?? {})
          .sort()
          .join(', ') || 'none'
      })`,
    );
  const name = opts.instanceName ?? defaultInstanceName(operatorName);
  const namespace = opts.namespace ?? 'default';
  const parameters = opts.parameters ?? {};
  const errors = validateInstanceParameters(spec.parameters ?? [], parameters);
  if (errors.length) throw new PackageError(`parameters are not valid: ${errors.join(', ')}`);
  const instance = { name, namespace, uid: stableUid(`instance/${namespace}/${name}`) };
  const planUid = stableUid(`plan/${namespace}/${name}/${planName}`);
  const applied = new Map<string, KubeObject>();
  const keyOf = (apiVersion: string, kind: string, ns: string, n: string): string => `${splitApiVersion(apiVersion).group}/${kind}/${ns}/${n}`;
  const base = { instance, operatorName, operatorVersion: spec, planName, planUid, parameters, phaseName: '', stepName: '' };
  const pipes = planPipes(name, planName, plan, spec.tasks ?? []);
  let scopes: Map<string, Scope> | undefined;
  const out: RenderedTask[] = [];
  for (const phase of plan.phases ?? []) {
    for (const step of phase.steps ?? []) {
      const ctx: RenderContext = {
        ...base,
        phaseName: phase.name ?? '',
        stepName: step.name ?? '',
        pipes,
        scope: (apiVersion, kind) => {
          scopes ??= packageCrdScopes(spec, templateData(ctx));
          return builtInScope(apiVersion, kind) ?? scopes.get(`${splitApiVersion(apiVersion).group}/${kind}`);
        },
        lookup: (apiVersion, kind, ns, n) => applied.get(keyOf(apiVersion, kind, ns, n)),
      };
      for (const taskName of step.tasks ?? []) {
        const task = (spec.tasks ?? []).find((t) => t.name === taskName);
        const where = `${namespace}/${name} failed in ${planName}.${phase.name ?? ''}.${step.name ?? ''}.${taskName}`;
        if (!task) throw new TaskRenderError(`fatal error: ${where}: task "${taskName}" is not defined`);
        let result: TaskResult;
        try {
          result = renderTask(task, ctx);
        } catch (e) {
          if (e instanceof TaskRenderError) throw new TaskRenderError(`fatal error: ${where}: ${e.message}`);
          throw e;
        }
        const objects = result.action === 'pipe' ? [result.pod] : result.action === 'none' ? [] : result.objects;
        for (const o of objects) {
          const key = keyOf(o.apiVersion, o.kind, o.metadata.namespace ?? '', o.metadata.name ?? '');
          if (result.action === 'delete') applied.delete(key);
          else applied.set(key, o);
        }
        out.push({ phase: phase.name ?? '', step: step.name ?? '', task: taskName, kind: task.kind ?? '', result });
      }
    }
  }
  return { plan: planName, instance, planUid, tasks: out };
}
