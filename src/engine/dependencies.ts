/**
 * Dependencies between operators (KudoOperator tasks, KEP-29): before a top-level
 * instance runs a plan, every operator it depends on, directly or through its
 * dependencies, must be installed (Operator and OperatorVersion in the namespace),
 * and the graph must have no cycle. Pure: lookups come from the caller.
 */
import { operatorVersionName, type OperatorVersion } from '../api/types.js';

export interface DependencyLookup {
  operatorVersion(name: string): OperatorVersion | undefined;
  operatorExists(name: string): boolean;
}

/** The fully qualified name KUDO prints for a package in dependency errors. */
const fqn = (ov: OperatorVersion): string => ov.metadata.name ?? '';

/** Checks the dependency graph below `root`; the error message, or undefined when it is sound. */
export function checkDependencies(root: OperatorVersion, lookup: DependencyLookup): string | undefined {
  const path: string[] = [];
  const done = new Set<string>();
  const visit = (ov: OperatorVersion): string | undefined => {
    const name = fqn(ov);
    path.push(name);
    for (const task of ov.spec?.tasks ?? []) {
      if (task.kind !== 'KudoOperator') continue;
      const spec = task.spec ?? {};
      const pkg = spec.package ?? '';
      const childName = operatorVersionName(pkg, spec.appVersion, spec.operatorVersion ?? '');
      if (path.includes(childName)) return `cyclic package dependency found when adding package ${name} -> ${childName}`;
      const child = lookup.operatorVersion(childName);
      const resolveError = `failed to resolve package Operator: "${pkg}", OperatorVersion: "${spec.operatorVersion || 'any'}", AppVersion "${spec.appVersion || 'any'}", dependency of package ${name}`;
      if (!child) return `${resolveError}: operatorversion ${childName} not found`;
      if (!lookup.operatorExists(child.spec?.operator?.name || pkg)) return `${resolveError}: operator ${child.spec?.operator?.name || pkg} not found`;
      if (done.has(childName)) continue;
      const err = visit(child);
      if (err) return err;
    }
    path.pop();
    done.add(name);
    return undefined;
  };
  return visit(root);
}
