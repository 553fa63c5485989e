/**
 * Plugs the built-in defaulting and validation tables into the registry's per-kind hooks
 * (after whatever hooks the API server core registered), plus the few defaults that are not a
 * table lookup: Job selectors and pod labels built from the Job's uid. Admission plugins'
 * fields and generated ones go to the `admit` hook, which runs after the field manager.
 */
import { randomUUID } from 'node:crypto';
import type { KubeObject } from '../../k8s/object.js';
import type { Registry, ResourceType } from '../apiserver/registry.js';
import { ADMISSION_DEFAULTS, applyDefaults, DEFAULTS } from './builtin-defaults.js';
import { validateBuiltin, VALIDATIONS } from './builtin-validation.js';

type Any = Record<string, any>;

/** Fields the create strategy generates (not defaults: the field manager does not record them), by "group/Kind". */
const GENERATED: Record<string, (obj: KubeObject) => void> = {
  'batch/Job': jobSelector,
};

/** Batch's generateSelector: the Job's pods carry its uid and name, and the selector picks them. */
export function jobSelector(job: KubeObject): void {
  const spec = job.spec as Any | undefined;
  if (!spec) return;
  if (spec.manualSelector !== true) {
    const uid = (job.metadata.uid ??= randomUUID());
    const name = job.metadata.name ?? '';
    spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
    if (spec.template && typeof spec.template === 'object') {
      spec.template.metadata ??= {};
      spec.template.metadata.labels = {
        ...(spec.template.metadata.labels ?? {}),
        'batch.kubernetes.io/controller-uid': uid,
        'batch.kubernetes.io/job-name': name,
        'controller-uid': uid,
        'job-name': name,
      };
    }
  }
  // SetDefaults_Job, which also runs when the stored Job is read back: a Job without labels takes its pod template's.
  const templateLabels = spec.template?.metadata?.labels as Record<string, string> | undefined;
  if (templateLabels && Object.keys(templateLabels).length && !Object.keys(job.metadata.labels ?? {}).length) job.metadata.labels = { ...templateLabels };
}

export function kindKey(t: { group: string; kind: string }): string {
  return `${t.group}/${t.kind}`;
}

/** Installs the tables on every registered built-in type they name. Idempotent per type. */
export function installBuiltinPolicies(registry: Registry): void {
  for (const t of registry.all()) installOn(t);
}

const installed = new WeakSet<ResourceType>();

function installOn(t: ResourceType): void {
  if (t.custom || installed.has(t)) return;
  installed.add(t);
  // Types of different registries can share one hooks object; wrap a copy so each control
  // plane in a process gets the tables once.
  t.hooks = { ...t.hooks };
  const key = kindKey(t);
  const rules = DEFAULTS[key];
  if (rules) {
    const before = t.hooks.defaults;
    t.hooks.defaults = (obj, ctx) => {
      // Jobs have no default restartPolicy (validation requires one); keep a missing one missing.
      const template = key === 'batch/Job' ? ((obj.spec as Any | undefined)?.template?.spec as Any | undefined) : undefined;
      const unsetRestart = template !== undefined && template.restartPolicy === undefined;
      before?.(obj, ctx);
      if (unsetRestart) delete template.restartPolicy;
      applyDefaults(obj, rules);
    };
  }
  const admitted = ADMISSION_DEFAULTS[key];
  const generated = GENERATED[key];
  if (admitted || generated) {
    const before = t.hooks.admit;
    t.hooks.admit = (obj, ctx) => {
      before?.(obj, ctx);
      // The plugins fill these on create only (an update that drops a finalizer keeps it dropped).
      if (admitted && ctx.operation === 'create') applyDefaults(obj, admitted);
      generated?.(obj);
    };
  }
  if (VALIDATIONS[key]) {
    const before = t.hooks.validate;
    t.hooks.validate = (obj, old, ctx) => [...(before?.(obj, old, ctx) ?? []), ...validateBuiltin(key, obj, old)];
  }
  installed.add(t);
}
