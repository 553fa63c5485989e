/** A package converted to the Operator, OperatorVersion and Instance objects KUDO creates from it. */
import { KUDO_API_VERSION, OPERATOR_LABEL } from '../api/labels.js';
import { defaultInstanceName, operatorVersionName, TASK_KINDS, type Instance, type Operator, type OperatorVersion, type Task } from '../api/types.js';
import type { Package } from './model.js';
import { toOperatorVersionParameter } from './params.js';
import { PackageError } from './yaml.js';

export interface PackageResources {
  operator: Operator;
  operatorVersion: OperatorVersion;
  instance: Instance;
}

/** The templates a task needs: resources, a Pipe pod, a KudoOperator parameter file. */
export function taskTemplates(task: Task): string[] {
  const spec = task.spec ?? {};
  switch (task.kind) {
    case 'Apply':
    case 'Delete':
    case 'Toggle':
      return spec.resources ?? [];
    case 'Pipe':
      return spec.pod ? [spec.pod] : [];
    case 'KudoOperator':
      return spec.parameterFile ? [spec.parameterFile] : [];
    default:
      return [];
  }
}

/** The checks KUDO runs while converting tasks; messages as KUDO words them. */
export function conversionErrors(pkg: Package): string[] {
  const errors: string[] = [];
  for (const task of pkg.operator.tasks ?? []) {
    const name = task.name ?? '';
    if (!(TASK_KINDS as readonly string[]).includes(task.kind ?? '')) {
      errors.push(`unknown task kind ${task.kind ?? ''}`);
      continue;
    }
    for (const r of taskTemplates(task)) if (!Object.hasOwn(pkg.templates, r)) errors.push(`task ${name} missing template: ${r}`);
    if (task.kind === 'Toggle' && !task.spec?.parameter) errors.push(`toggle task ${name} does not have parameter specified`);
    if (task.kind === 'Pipe' && !(task.spec?.pipe ?? []).length) errors.push(`task ${name} does not have pipe files specified`);
  }
  return errors;
}

/** Builds the three objects; throws PackageError (KUDO's conversion errors joined by newlines) when tasks are invalid. */
export function packageToResources(pkg: Package): PackageResources {
  const errors = conversionErrors(pkg);
  if (errors.length) throw new PackageError(errors.join('\n'));
  const op = pkg.operator;
  const name = op.name ?? '';
  const version = op.operatorVersion ?? '';
  const ovName = operatorVersionName(name, op.appVersion, version);
  const operator: Operator = {
    apiVersion: KUDO_API_VERSION,
    kind: 'Operator',
    metadata: { name },
    spec: {
      ...(op.description ? { description: op.description } : {}),
      ...(op.kudoVersion ? { kudoVersion: op.kudoVersion } : {}),
      ...(op.kubernetesVersion ? { kubernetesVersion: op.kubernetesVersion } : {}),
      ...(op.maintainers ? { maintainers: op.maintainers } : {}),
      ...(op.url ? { url: op.url } : {}),
      ...(op.namespaceManifest ? { namespaceManifest: op.namespaceManifest } : {}),
    },
    status: {},
  };
  const operatorVersion: OperatorVersion = {
    apiVersion: KUDO_API_VERSION,
    kind: 'OperatorVersion',
    metadata: { name: ovName },
    spec: {
      operator: { name, kind: 'Operator' },
      version,
      ...(op.appVersion ? { appVersion: op.appVersion } : {}),
      templates: { ...pkg.templates },
      tasks: structuredClone(op.tasks ?? []),
      parameters: pkg.params.parameters.map(toOperatorVersionParameter),
      plans: structuredClone(op.plans ?? {}),
    },
    status: {},
  };
  const instance: Instance = {
    apiVersion: KUDO_API_VERSION,
    kind: 'Instance',
    metadata: { name: defaultInstanceName(name), labels: { [OPERATOR_LABEL]: name } },
    spec: { operatorVersion: { name: ovName } },
    status: {},
  };
  return { operator, operatorVersion, instance };
}
