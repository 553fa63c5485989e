/** The kudo.dev/v1beta1 objects: Operator, OperatorVersion and Instance. Pure types. */
import type { KubeObject, ObjectMeta } from '../k8s/object.js';

export interface ObjectReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

export interface Maintainer {
  name?: string;
  email?: string;
}

// ---------------------------------------------------------------------------
// Operator

export interface OperatorSpec {
  description?: string;
  kudoVersion?: string;
  kubernetesVersion?: string;
  maintainers?: Maintainer[];
  url?: string;
  namespaceManifest?: string;
}

export interface Operator extends KubeObject {
  apiVersion: 'kudo.dev/v1beta1';
  kind: 'Operator';
  metadata: ObjectMeta;
  spec?: OperatorSpec;
  status?: Record<string, never>;
}

// ---------------------------------------------------------------------------
// OperatorVersion

export const TASK_KINDS = ['Apply', 'Delete', 'Dummy', 'Pipe', 'Toggle', 'KudoOperator'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

export interface PipeSpec {
  file?: string;
  envFile?: string;
  kind?: string;
  key?: string;
}

/** One flat struct with the spec fields of every task kind, as KUDO stores it. */
export interface TaskSpec {
  // Apply, Delete, Toggle
  resources?: string[] | null;
  // Dummy
  wantErr?: boolean;
  fatal?: boolean;
  done?: boolean;
  // Pipe
  pod?: string;
  pipe?: PipeSpec[] | null;
  // Toggle
  parameter?: string;
  // KudoOperator
  package?: string;
  instanceName?: string;
  appVersion?: string;
  operatorVersion?: string;
  parameterFile?: string;
}

export interface Task {
  name?: string;
  kind?: string;
  spec?: TaskSpec;
}

export type Ordering = 'serial' | 'parallel' | '';

export interface Step {
  name?: string;
  tasks?: string[];
}

export interface Phase {
  name?: string;
  strategy?: Ordering | string;
  steps?: Step[];
}

export interface Plan {
  strategy?: Ordering | string;
  phases?: Phase[] | null;
}

export const PARAMETER_TYPES = ['string', 'integer', 'number', 'boolean', 'array', 'map'] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];

/** A parameter as stored in an OperatorVersion (every value a string). */
export interface Parameter {
  displayName?: string;
  name?: string;
  description?: string;
  required?: boolean;
  default?: string | null;
  trigger?: string;
  'value-type'?: ParameterType | string;
  immutable?: boolean;
  enum?: string[] | null;
}

export interface OperatorVersionSpec {
  operator?: ObjectReference;
  version?: string;
  appVersion?: string;
  templates?: Record<string, string>;
  tasks?: Task[];
  parameters?: Parameter[];
  plans?: Record<string, Plan> | null;
  connectionString?: string;
  upgradableFrom?: ObjectReference[] | null;
}

export interface OperatorVersion extends KubeObject {
  apiVersion: 'kudo.dev/v1beta1';
  kind: 'OperatorVersion';
  metadata: ObjectMeta;
  spec?: OperatorVersionSpec;
  status?: Record<string, never>;
}

// ---------------------------------------------------------------------------
// Instance

export const EXECUTION_STATUSES = ['NEVER_RUN', 'PENDING', 'IN_PROGRESS', 'COMPLETE', 'ERROR', 'FATAL_ERROR'] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

export interface PlanExecution {
  planName?: string;
  uid?: string;
  status?: ExecutionStatus | string;
}

export interface InstanceSpec {
  operatorVersion?: ObjectReference;
  parameters?: Record<string, string>;
  planExecution?: PlanExecution;
}

export interface StepStatus {
  name?: string;
  status?: ExecutionStatus | string;
  message?: string;
}

export interface PhaseStatus {
  name?: string;
  status?: ExecutionStatus | string;
  message?: string;
  steps?: StepStatus[];
}

export interface PlanStatus {
  name?: string;
  status?: ExecutionStatus | string;
  message?: string;
  lastUpdatedTimestamp?: string | null;
  phases?: PhaseStatus[];
  uid?: string;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export interface InstanceStatus {
  planStatus?: Record<string, PlanStatus>;
  conditions?: Condition[];
}

export interface Instance extends KubeObject {
  apiVersion: 'kudo.dev/v1beta1';
  kind: 'Instance';
  metadata: ObjectMeta;
  spec?: InstanceSpec;
  status?: InstanceStatus;
}

/** Plan names with a meaning to KUDO. */
export const DEPLOY_PLAN = 'deploy';
export const UPDATE_PLAN = 'update';
export const UPGRADE_PLAN = 'upgrade';
export const CLEANUP_PLAN = 'cleanup';

/** Status helpers with KUDO's meanings. */
export const isTerminal = (s: string | undefined): boolean => s === 'COMPLETE' || s === 'FATAL_ERROR';
export const isFinished = (s: string | undefined): boolean => s === 'COMPLETE';
export const isRunning = (s: string | undefined): boolean => s === 'IN_PROGRESS' || s === 'PENDING' || s === 'ERROR';

/** `<operator>-<appVersion>-<operatorVersion>`, or `<operator>-<operatorVersion>` without an app version. */
export function operatorVersionName(operator: string, appVersion: string | undefined, version: string): string {
  return appVersion ? `${operator}-${appVersion}-${version}` : `${operator}-${version}`;
}

/** The default instance name KUDO gives a package's instance. */
export function defaultInstanceName(operator: string): string {
  return `${operator}-instance`;
}

/** True when an ownerReference of kind Instance exists (a dependency's child instance). */
export function isChildInstance(instance: Instance): boolean {
  return (instance.metadata.ownerReferences ?? []).some((r) => r.kind === 'Instance');
}
