/**
 * Which plan runs, decided as KUDO's Instance admission webhook decides it
 * (pkg/webhook/instance_admission.go): `deploy` on create; on a parameter change the
 * parameters' trigger, else `update`, else `deploy`; on an OperatorVersion change
 * `upgrade`, else `update`, else `deploy`; manual triggers and re-triggers; the reset
 * of `spec.planExecution` once the controller reports a terminal status; and KUDO's
 * refusals with its messages. Pure: the OperatorVersions and a uid source come in,
 * a verdict and the mutated Instance go out.
 */
import {
  CLEANUP_PLAN,
  DEPLOY_PLAN,
  UPDATE_PLAN,
  UPGRADE_PLAN,
  type Instance,
  type ObjectReference,
  type OperatorVersion,
  type Parameter,
} from '../api/types.js';
import { INSTANCE_CLEANUP_FINALIZER } from '../api/labels.js';
import { sameJson } from '../k8s/object.js';
import { validateParameterValue } from '../packages/params.js';

export type Verdict =
  /** Allowed; `instance` is set when the object must be mutated (the webhook answers with a patch). */
  { allowed: true; instance?: Instance } | { allowed: false; message: string; code: number };

const deny = (message: string, code = 403): Verdict => ({ allowed: false, message, code });

const hasPlan = (ov: OperatorVersion, name: string): boolean => Object.hasOwn(ov.spec?.plans ?? {}, name);
const selectPlan = (ov: OperatorVersion, names: string[]): string | undefined => names.find((n) => hasPlan(ov, n));
const paramsOf = (ov: OperatorVersion): Parameter[] => ov.spec?.parameters ?? [];
const hasDefault = (p: Parameter): boolean => p.default !== undefined && p.default !== null;

/** KUDO validates every parameter of the OV and reports the first problem. */
function firstParameterError(ov: OperatorVersion, values: Readonly<Record<string, string>>): string | undefined {
  for (const p of paramsOf(ov)) {
    const err = validateParameterValue(p, Object.hasOwn(values, p.name ?? '') ? values[p.name ?? ''] : '');
    if (err) return err;
  }
  return undefined;
}

/** Go's %s of a corev1.ObjectReference, as KUDO's messages print it. */
export function formatObjectReference(r: ObjectReference | undefined): string {
  const f = r ?? {};
  return `{${[f.kind, f.namespace, f.name, f.uid, f.apiVersion, f.resourceVersion, f.fieldPath].map((x) => x ?? '').join(' ')}}`;
}

const sameReference = (a: ObjectReference | undefined, b: ObjectReference | undefined): boolean => sameJson(normalRef(a), normalRef(b));
const normalRef = (r: ObjectReference | undefined) => [
  r?.kind ?? '',
  r?.namespace ?? '',
  r?.name ?? '',
  r?.uid ?? '',
  r?.apiVersion ?? '',
  r?.resourceVersion ?? '',
  r?.fieldPath ?? '',
];

/** Admission of a new Instance. `ov` is its OperatorVersion (undefined when it does not exist). */
export function admitCreate(instance: Instance, namespace: string, ov: OperatorVersion | undefined, newUid: () => string): Verdict {
  const name = instance.metadata.name ?? instance.metadata.generateName ?? '';
  if (!ov) return deny(`operatorversions.kudo.dev "${instance.spec?.operatorVersion?.name ?? ''}" not found`, 500);
  const next = structuredClone(instance);
  next.metadata.namespace = namespace;
  if (hasPlan(ov, CLEANUP_PLAN) && !(next.metadata.finalizers ?? []).includes(INSTANCE_CLEANUP_FINALIZER))
    next.metadata.finalizers = [...(next.metadata.finalizers ?? []), INSTANCE_CLEANUP_FINALIZER];
  if (!hasPlan(ov, DEPLOY_PLAN)) return deny(`failed to create an Instance ${namespace}/${name}: couldn't find '${DEPLOY_PLAN}' plan in the operatorVersion`);
  next.spec = { ...(next.spec ?? {}) };
  next.spec.planExecution = { planName: DEPLOY_PLAN, uid: newUid() };
  const parameters = { ...(next.spec.parameters ?? {}) };
  for (const p of paramsOf(ov)) if (p.immutable && hasDefault(p) && !Object.hasOwn(parameters, p.name ?? '')) parameters[p.name ?? ''] = p.default!;
  if (Object.keys(parameters).length || next.spec.parameters) next.spec.parameters = parameters;
  const err = firstParameterError(ov, parameters);
  if (err) return deny(`failed to create an Instance ${namespace}/${name}: parameters are not valid: ${err}`);
  return { allowed: true, instance: next };
}

/** Keys whose value changed or that were added, and keys that were removed. */
function parameterDiff(oldValues: Record<string, string>, newValues: Record<string, string>): { changed: string[]; removed: string[] } {
  const changed = Object.keys(newValues)
    .filter((k) => !Object.hasOwn(oldValues, k) || oldValues[k] !== newValues[k])
    .sort();
  const removed = Object.keys(oldValues)
    .filter((k) => !Object.hasOwn(newValues, k))
    .sort();
  return { changed, removed };
}

/** The plan a parameter change triggers; undefined when no parameter changed. Throws with KUDO's messages. */
function triggeredByParameters(defs: Parameter[], ov: OperatorVersion): string | undefined {
  if (!defs.length) return undefined;
  const plans: string[] = [];
  for (const p of defs) {
    if (!p.trigger) continue;
    if (!hasPlan(ov, p.trigger)) throw new Error(`param ${p.name ?? ''} defined trigger plan ${p.trigger}, but plan not defined in operatorversion`);
    if (!plans.includes(p.trigger)) plans.push(p.trigger);
  }
  if (plans.length === 0) {
    const fallback = selectPlan(ov, [UPDATE_PLAN, DEPLOY_PLAN]);
    if (!fallback) throw new Error(`couldn't find any plans that would be triggered by the update`);
    return fallback;
  }
  if (plans.length === 1) return plans[0];
  throw new Error(`triggering multiple plans: [[${plans.join(' ')}]] at once is not allowed`);
}

/** KEP-30 checks of an upgrade; removes the values of parameters the new OV dropped. */
function validateUpgrade(values: Record<string, string>, newOv: OperatorVersion, oldOv: OperatorVersion): string | undefined {
  const oldParams = new Map(paramsOf(oldOv).map((p) => [p.name ?? '', p]));
  const newParams = new Map(paramsOf(newOv).map((p) => [p.name ?? '', p]));
  const ovName = newOv.metadata.name ?? '';
  for (const [name, p] of newParams) {
    const before = oldParams.get(name);
    if (before && !!before.immutable !== !!p.immutable && p.immutable && !Object.hasOwn(values, name))
      return `parameter '${name}' was changed to immutable in operator version ${ovName} but no value was provided`;
  }
  for (const name of oldParams.keys()) if (!newParams.has(name)) delete values[name];
  for (const [name, p] of newParams) {
    if (oldParams.has(name) || !p.immutable || Object.hasOwn(values, name)) continue;
    return hasDefault(p)
      ? `parameter '${name}' was added in operator version ${ovName}, but no value was provided (default would be ${p.default})`
      : `parameter '${name}' was added in operator version ${ovName}, but no value was provided`;
  }
  return undefined;
}

/**
 * Admission of an Instance update. `ov` is the OperatorVersion the new object refers to,
 * `oldOv` the one the old object referred to (the same one unless this is an upgrade).
 */
export function admitUpdate(
  oldInstance: Instance,
  newInstance: Instance,
  namespace: string,
  ov: OperatorVersion,
  oldOv: OperatorVersion,
  newUid: () => string,
): Verdict {
  // Metadata-only updates pass untouched.
  if (sameJson(oldInstance.spec ?? {}, newInstance.spec ?? {}) && sameJson(oldInstance.status ?? {}, newInstance.status ?? {})) return { allowed: true };
  const where = `${namespace}/${oldInstance.metadata.name ?? ''}`;
  const fail = (m: string) => deny(`failed to update Instance ${where}: ${m}`);
  const next = structuredClone(newInstance);
  next.spec = { ...(next.spec ?? {}) };
  const oldExec = oldInstance.spec?.planExecution ?? {};
  const newExec = next.spec.planExecution ?? {};
  const oldPlan = oldExec.planName ?? '';
  const newPlan = newExec.planName ?? '';
  const hadPlan = oldPlan !== '';
  const isUpgrade = !sameReference(oldInstance.spec?.operatorVersion, next.spec.operatorVersion);
  const isNovelPlan = !hadPlan && newPlan !== '';
  const isPlanOverride = hadPlan && newPlan !== '' && newPlan !== oldPlan;
  const isPlanRetriggered = hadPlan && newPlan === oldPlan && (newExec.uid ?? '') !== (oldExec.uid ?? '');
  const isPlanCancellation = hadPlan && newPlan === '';
  const isDeleting = !!next.metadata.deletionTimestamp;
  const isPlanTerminal = newExec.status === 'COMPLETE' || newExec.status === 'FATAL_ERROR';

  if (newPlan !== '' && !hasPlan(ov, newPlan)) return deny(`plan ${newPlan} does not exist`);

  const oldValues = oldInstance.spec?.parameters ?? {};
  const values = { ...(next.spec.parameters ?? {}) };
  const { changed, removed } = parameterDiff(oldValues, values);
  const defs = new Map(paramsOf(ov).map((p) => [p.name ?? '', p]));
  const missing = changed.find((k) => !defs.has(k));
  if (missing !== undefined) return fail(`failed to find parameter "${missing}" in the OperatorVersion`);
  // A value for a parameter the old OV did not have is not a change: an upgrade may
  // bring new parameters with their first values without that counting as an update.
  const oldNames = new Set(paramsOf(oldOv).map((p) => p.name ?? ''));
  const changedDefs = changed.filter((k) => oldNames.has(k)).map((k) => defs.get(k)!);
  const removedDefs = removed.filter((k) => defs.has(k)).map((k) => defs.get(k)!);

  if (!isUpgrade) {
    const immutable = changedDefs.find((p) => p.immutable);
    if (immutable) {
      const n = immutable.name ?? '';
      return deny(
        `failed to check immutable parameters for Instance ${where}: parameter '${n}' is immutable but was changed from '${oldValues[n] ?? ''}' to '${values[n] ?? ''}'`,
      );
    }
  } else {
    const err = validateUpgrade(values, ov, oldOv);
    if (err) return deny(`failed to check immutable parameters for Instance ${where}: ${err}`);
  }
  const paramError = firstParameterError(ov, values);
  if (paramError) return deny(`failed to validate parameters for Instance ${namespace}/${next.metadata.name ?? ''}: ${paramError}`);

  let triggered: string | undefined;
  try {
    triggered = triggeredByParameters([...changedDefs, ...removedDefs], ov);
  } catch (e) {
    return fail((e as Error).message);
  }
  const isParameterUpdate = triggered !== undefined;
  const ovRef = formatObjectReference(next.spec.operatorVersion);

  if (isDeleting) {
    if (oldPlan === CLEANUP_PLAN && newPlan !== oldPlan)
      return fail(`'${oldPlan}' plan can not be cancelled or overridden by another plan since the instance is being deleted`);
    if (isParameterUpdate || isUpgrade) return fail('parameter update and/or upgrade is not allowed when an instance is being deleted');
    if (newPlan !== '' && newPlan !== CLEANUP_PLAN) return fail(`only '${CLEANUP_PLAN}' plan can be scheduled when an instance is being deleted`);
    return { allowed: true };
  }

  if (hadPlan && isParameterUpdate && triggered !== oldPlan)
    return fail(`plan '${oldPlan}' is scheduled (or running) and an update would trigger a different plan '${triggered}'`);
  if (isUpgrade && hadPlan) return fail(`upgrade to new OperatorVersion ${ovRef} while a plan '${oldPlan}' is scheduled (or running) is not allowed`);
  if (isUpgrade && isNovelPlan) return fail(`upgrade to new OperatorVersion ${ovRef} and triggering new plan '${newPlan}' is not allowed`);
  if (isUpgrade && isParameterUpdate && triggered !== DEPLOY_PLAN)
    return fail(`upgrade to new OperatorVersion ${ovRef} together with a parameter update triggering '${triggered}' is not allowed`);
  if (isPlanOverride) return fail(`overriding currently scheduled (or running) plan '${oldPlan}' with '${newPlan}' is not supported`);
  if (isPlanCancellation) return fail(`cancelling currently scheduled (or running) plan '${oldPlan}' is not supported`);
  if (isParameterUpdate && isNovelPlan) return fail(`triggering one plan '${oldPlan}' directly and through parameter update '${newPlan}' is not allowed`);
  if (newPlan === CLEANUP_PLAN) return fail(`only the controller schedules the '${CLEANUP_PLAN}' plan when the instance is deleted`);

  let plan: string | undefined;
  if (isUpgrade) {
    plan = selectPlan(ov, [UPGRADE_PLAN, UPDATE_PLAN, DEPLOY_PLAN]);
    if (!plan) return fail(`couldn't find any suitable plan that would be triggered by an OperatorVersion upgrade`);
  } else if (isParameterUpdate) plan = triggered;
  else if (isNovelPlan) plan = newPlan;
  // A terminal status wins over a new uid for the same plan, as in KUDO's order of checks.
  else if (isPlanTerminal) plan = '';
  else if (isPlanRetriggered) plan = newPlan;
  else return { allowed: true };

  if (next.spec.parameters || Object.keys(values).length) next.spec.parameters = values;
  next.spec.planExecution = plan ? { planName: plan, uid: newUid(), status: 'NEVER_RUN' } : {};
  return { allowed: true, instance: next };
}
