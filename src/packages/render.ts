/**
 * Rendering a task the way KUDO's engine does, as one pure function the manager
 * and `package render` share: template data, the "\n---" document split, decoding,
 * and what KUDO's enhancer adds (labels, annotations, namespace, owner reference,
 * dependencies hash). Inputs in, objects out: scope and cluster lookups come from
 * callbacks the caller supplies.
 */
import { createHash } from 'node:crypto';
import {
  DEPENDENCIES_HASH_ANNOTATION,
  HERITAGE_LABEL,
  HERITAGE_VALUE,
  INSTANCE_LABEL,
  KUDO_API_VERSION,
  OPERATOR_LABEL,
  OPERATOR_VERSION_ANNOTATION,
  PHASE_ANNOTATION,
  PIPE_POD_ANNOTATION,
  PLAN_ANNOTATION,
  PLAN_UID_ANNOTATION,
  SKIP_HASH_ANNOTATION,
  STEP_ANNOTATION,
} from '../api/labels.js';
import { operatorVersionName, type Instance, type OperatorVersionSpec, type Parameter, type Plan, type Task } from '../api/types.js';
import type { KubeObject, OwnerReference } from '../k8s/object.js';
import { splitApiVersion } from '../k8s/object.js';
import { renderTemplate, RenderError } from './engine.js';
import { marshalYaml } from './goyaml.js';
import type { Scope } from './kinds.js';
import { parseGoBool, parseParameterFile, templateParams, toJson } from './params.js';
import { PackageError, parseYaml } from './yaml.js';

/** A task failure; KUDO treats every render-time failure as fatal. */
export class TaskRenderError extends Error {
  readonly fatal = true;
}

export interface RenderInstance {
  name: string;
  namespace: string;
  uid: string;
}

export interface RenderContext {
  instance: RenderInstance;
  operatorName: string;
  /** The OperatorVersion spec: version, appVersion, templates, parameters, tasks, plans. */
  operatorVersion: OperatorVersionSpec;
  planName: string;
  phaseName: string;
  stepName: string;
  planUid: string;
  /** The instance's `spec.parameters`. */
  parameters: Readonly<Record<string, string>>;
  /** Pipe key -> artifact name for the active plan (see planPipes). */
  pipes: Readonly<Record<string, string>>;
  /** Scope of a kind, undefined when unknown (KUDO: discovery). */
  scope(apiVersion: string, kind: string): Scope | undefined;
  /** A dependency not rendered in the same task, as last applied (undefined when missing). Used for the dependencies hash. */
  lookup?(apiVersion: string, kind: string, namespace: string, name: string): KubeObject | undefined;
}

export interface PipeArtifact {
  key: string;
  kind: 'ConfigMap' | 'Secret';
  /** Name of the ConfigMap/Secret the manager creates from the file. */
  name: string;
  file?: string;
  envFile?: string;
}

export type TaskResult =
  | { action: 'apply' | 'delete'; objects: KubeObject[] }
  | { action: 'none' }
  | { action: 'pipe'; pod: KubeObject; artifacts: PipeArtifact[] }
  | { action: 'instance'; objects: KubeObject[] };

// ---------------------------------------------------------------------------
// Template data

/** The root object templates see (`.Name`, `.Params`, ...). */
export function templateData(ctx: RenderContext, withPlan = true): Record<string, unknown> {
  let params;
  try {
    params = templateParams(ctx.operatorVersion.parameters ?? [], ctx.parameters);
  } catch (e) {
    throw new TaskRenderError(e instanceof PackageError ? e.message : String(e));
  }
  const data: Record<string, unknown> = {
    OperatorName: ctx.operatorName,
    Name: ctx.instance.name,
    Namespace: ctx.instance.namespace,
    AppVersion: ctx.operatorVersion.appVersion ?? '',
    OperatorVersion: ctx.operatorVersion.version ?? '',
    Params: params,
  };
  if (withPlan) Object.assign(data, { PlanName: ctx.planName, PhaseName: ctx.phaseName, StepName: ctx.stepName, Pipes: { ...ctx.pipes } });
  return data;
}

function expand(name: string, ctx: RenderContext, data: Record<string, unknown>): string {
  const source = ctx.operatorVersion.templates?.[name];
  if (source === undefined) throw new TaskRenderError(`error expanding template ${name}: template not found`);
  try {
    return renderTemplate(name, source, data);
  } catch (e) {
    if (e instanceof RenderError) throw new TaskRenderError(`error expanding template ${name}: ${e.message}`);
    throw e;
  }
}

// ---------------------------------------------------------------------------
// Documents

/** KUDO's split: on the literal "\n---"; whitespace-only chunks are dropped. */
export function splitDocuments(text: string): string[] {
  return text.split('\n---').filter((c) => c.trim() !== '');
}

const preview = (chunk: string): string => (chunk.length > 200 ? chunk.slice(0, 200) + '...' : chunk);

/** Decodes rendered YAML into objects: empty documents are dropped; each needs apiVersion and kind. */
export function decodeObjects(text: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const chunk of splitDocuments(text)) {
    let value;
    try {
      value = toJson(parseYaml(chunk, 'rendered').value);
    } catch (e) {
      throw new Error(`decoding chunk ${JSON.stringify(preview(chunk))} failed: ${e instanceof PackageError ? e.detail : String(e)}`);
    }
    if (value === null) continue;
    if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`decoding chunk ${JSON.stringify(preview(chunk))} failed: expected a YAML map`);
    if (Object.keys(value).length === 0) continue;
    const obj = value as Record<string, unknown>;
    if (typeof obj.kind !== 'string' || obj.kind === '') throw new Error(`decoding chunk ${JSON.stringify(preview(chunk))} failed: Object 'Kind' is missing`);
    if (typeof obj.apiVersion !== 'string' || obj.apiVersion === '')
      throw new Error(`decoding chunk ${JSON.stringify(preview(chunk))} failed: Object 'apiVersion' is missing`);
    if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
    if (typeof obj.metadata !== 'object' || Array.isArray(obj.metadata))
      throw new Error(`decoding chunk ${JSON.stringify(preview(chunk))} failed: metadata must be a map`);
    out.push(obj as KubeObject);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Enhancement

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Kinds with pod templates, and where they are. */
function podTemplatePaths(obj: KubeObject): { templates: string[][]; claimTemplates: boolean } {
  const { group } = splitApiVersion(obj.apiVersion);
  const workloadGroup = group === 'apps' || group === 'extensions';
  switch (obj.kind) {
    case 'StatefulSet':
      return workloadGroup ? { templates: [['spec', 'template']], claimTemplates: true } : { templates: [], claimTemplates: false };
    case 'Deployment':
    case 'ReplicaSet':
    case 'DaemonSet':
      return { templates: workloadGroup ? [['spec', 'template']] : [], claimTemplates: false };
    case 'ReplicationController':
      return { templates: group === '' ? [['spec', 'template']] : [], claimTemplates: false };
    case 'Job':
      return { templates: group === 'batch' ? [['spec', 'template']] : [], claimTemplates: false };
    case 'CronJob':
      return { templates: group === 'batch' ? [['spec', 'jobTemplate', 'spec', 'template']] : [], claimTemplates: false };
  }
  return { templates: [], claimTemplates: false };
}

/** The map at path (created when absent); undefined when something on the way is not a map. */
function mapAt(root: Json, path: string[]): Json | undefined {
  let cur: Json = root;
  for (const key of path) {
    const next = cur[key];
    if (next === undefined || next === null) cur[key] = {};
    else if (!isMap(next)) return undefined;
    cur = cur[key] as Json;
  }
  return cur;
}

function addStrings(root: Json, path: string[], values: Record<string, string>): void {
  const target = mapAt(root, path);
  if (!target) return;
  for (const [k, v] of Object.entries(values)) target[k] = v;
}

/** Adds KUDO's labels, annotations, namespace and controller owner reference to one object (in place). */
export function enhanceObject(obj: KubeObject, ctx: RenderContext, owner: OwnerReference): void {
  const labels = { [HERITAGE_LABEL]: HERITAGE_VALUE, [OPERATOR_LABEL]: ctx.operatorName, [INSTANCE_LABEL]: ctx.instance.name };
  const root = obj as unknown as Json;
  addStrings(root, ['metadata', 'labels'], labels);
  addStrings(root, ['metadata', 'annotations'], {
    [PLAN_ANNOTATION]: ctx.planName,
    [PHASE_ANNOTATION]: ctx.phaseName,
    [STEP_ANNOTATION]: ctx.stepName,
    [PLAN_UID_ANNOTATION]: ctx.planUid,
  });
  const { templates, claimTemplates } = podTemplatePaths(obj);
  for (const path of templates) {
    addStrings(root, [...path, 'metadata', 'labels'], labels);
    addStrings(root, [...path, 'metadata', 'annotations'], { [OPERATOR_VERSION_ANNOTATION]: ctx.operatorVersion.version ?? '' });
  }
  if (claimTemplates) {
    const spec = root.spec;
    const claims = isMap(spec) ? spec.volumeClaimTemplates : undefined;
    if (Array.isArray(claims)) for (const c of claims) if (isMap(c)) addStrings(c, ['metadata', 'labels'], labels);
  }
  const scope = ctx.scope(obj.apiVersion, obj.kind);
  if (scope === undefined)
    throw new TaskRenderError(
      `failed to determine if object ${obj.apiVersion}/${obj.kind} ${obj.metadata.name ?? ''} is namespaced: no kind ${obj.kind} is registered for version ${obj.apiVersion}`,
    );
  if (scope === 'Namespaced') {
    obj.metadata.namespace = ctx.instance.namespace;
    const refs = (obj.metadata.ownerReferences ?? []).filter((r) => !r.controller);
    obj.metadata.ownerReferences = [...refs, owner];
  }
}

/** The owner reference to the Instance: a controller reference for rendered objects, a plain one for child instances. */
export function instanceOwnerReference(instance: RenderInstance, controller: boolean): OwnerReference {
  const ref: OwnerReference = { apiVersion: KUDO_API_VERSION, kind: 'Instance', name: instance.name, uid: instance.uid };
  return controller ? { ...ref, controller: true, blockOwnerDeletion: true } : ref;
}

// ---------------------------------------------------------------------------
// Dependencies hash (KEP-27)

const HASHED_KINDS: Record<string, string[]> = {
  StatefulSet: ['apps/v1'],
  Deployment: ['apps/v1'],
  DaemonSet: ['apps/v1'],
  ReplicaSet: ['apps/v1'],
  ReplicationController: ['v1'],
  Job: ['batch/v1'],
  CronJob: ['batch/v1beta1', 'batch/v1'],
};

interface Dependency {
  kind: 'ConfigMap' | 'Secret';
  namespace: string;
  name: string;
}

function podSpecDependencies(template: unknown, namespace: string): Dependency[] {
  const spec = isMap(template) && isMap(template.spec) ? template.spec : undefined;
  if (!spec) return [];
  const deps: Dependency[] = [];
  for (const s of Array.isArray(spec.imagePullSecrets) ? spec.imagePullSecrets : [])
    if (isMap(s)) deps.push({ kind: 'Secret', namespace, name: String(s.name ?? '') });
  for (const v of Array.isArray(spec.volumes) ? spec.volumes : []) {
    if (!isMap(v)) continue;
    if (isMap(v.configMap)) deps.push({ kind: 'ConfigMap', namespace, name: String(v.configMap.name ?? '') });
    if (isMap(v.secret)) deps.push({ kind: 'Secret', namespace, name: String(v.secret.secretName ?? '') });
  }
  return deps;
}

/**
 * The text KUDO hashes for a dependency. KUDO clears volatile metadata with the
 * unstructured setters (some remove a field, some leave an empty or zero value behind,
 * which changes the text) and then hands the *Unstructured to go-yaml v2, which writes
 * the struct's only field, so everything sits under an `object:` key.
 */
function hashedText(obj: KubeObject): string {
  const copy = structuredClone(obj) as unknown as Json;
  const meta = (isMap(copy.metadata) ? copy.metadata : {}) as Json;
  for (const f of ['namespace', 'resourceVersion', 'clusterName', 'continue', 'creationTimestamp', 'generateName', 'generation', 'selfLink', 'uid'])
    delete meta[f];
  Object.assign(meta, {
    ownerReferences: [],
    finalizers: [],
    managedFields: [],
    deletionGracePeriodSeconds: 0,
    remainingItemCount: 0,
    annotations: {},
  });
  copy.metadata = meta;
  copy.apiVersion = '';
  copy.kind = '';
  return marshalYaml({ object: copy } as never);
}

const ZERO_HASH = Buffer.alloc(16);

/** Sets `kudo.dev/dependencies-hash` on the pod templates of the workloads among a task's objects. */
export function addDependenciesHashes(objects: KubeObject[], ctx: RenderContext): void {
  const cache = new Map<string, Buffer>();
  const hashOf = (d: Dependency): Buffer => {
    const key = `${d.kind}/${d.namespace}/${d.name}`;
    const cached = cache.get(key);
    if (cached) return cached;
    const found =
      objects.find((o) => o.apiVersion === 'v1' && o.kind === d.kind && o.metadata.name === d.name && (o.metadata.namespace ?? '') === d.namespace) ??
      ctx.lookup?.('v1', d.kind, d.namespace, d.name);
    const hash =
      !found || Object.hasOwn(found.metadata.annotations ?? {}, SKIP_HASH_ANNOTATION) ? ZERO_HASH : createHash('md5').update(hashedText(found)).digest();
    cache.set(key, hash);
    return hash;
  };
  for (const obj of objects) {
    if (!HASHED_KINDS[obj.kind]?.includes(obj.apiVersion)) continue;
    const path = obj.kind === 'CronJob' ? ['spec', 'jobTemplate', 'spec', 'template'] : ['spec', 'template'];
    const template = path.reduce<unknown>((cur, k) => (isMap(cur) ? cur[k] : undefined), obj);
    const deps = podSpecDependencies(template, obj.metadata.namespace ?? '').sort((a, b) =>
      a.kind !== b.kind
        ? a.kind < b.kind
          ? -1
          : 1
        : a.namespace !== b.namespace
          ? a.namespace < b.namespace
            ? -1
            : 1
          : a.name < b.name
            ? -1
            : a.name > b.name
              ? 1
              : 0,
    );
    const total = createHash('md5');
    for (const d of deps) total.update(hashOf(d));
    addStrings(obj as unknown as Json, [...path, 'metadata', 'annotations'], { [DEPENDENCIES_HASH_ANNOTATION]: total.digest('hex') });
  }
}

// ---------------------------------------------------------------------------
// Pipes

/** KUDO's name sanitising for pipe pods and artifacts: each part lowercased and reduced to [a-z0-9]. */
function pipeName(parts: string[]): string {
  return parts.map((p) => p.toLowerCase().replace(/[^a-z0-9]/g, '')).join('.');
}

/** Pipe key -> artifact name for every Pipe task of a plan; duplicate keys are an error. */
export function planPipes(instanceName: string, planName: string, plan: Plan, tasks: readonly Task[]): Record<string, string> {
  const pipes: Record<string, string> = {};
  for (const phase of plan.phases ?? []) {
    for (const step of phase.steps ?? []) {
      for (const taskName of step.tasks ?? []) {
        const task = tasks.find((t) => t.name === taskName);
        if (task?.kind !== 'Pipe') continue;
        for (const p of task.spec?.pipe ?? []) {
          const key = p.key ?? '';
          if (Object.hasOwn(pipes, key)) throw new TaskRenderError(`duplicated pipe key ${key}`);
          pipes[key] = pipeName([instanceName, planName, phase.name ?? '', step.name ?? '', taskName, key]);
        }
      }
    }
  }
  return pipes;
}

// ---------------------------------------------------------------------------
// Task build checks (KUDO's task.Build)

const PIPE_KEY = /^[a-zA-Z0-9_-]+$/;

/** KUDO's task build errors ("task validation error: ..."), or undefined when the task is well formed. */
export function taskBuildError(task: Task): string | undefined {
  const spec = task.spec ?? {};
  const fail = (m: string): string => `task validation error: ${m}`;
  switch (task.kind) {
    case 'Apply':
    case 'Delete':
      return (spec.resources ?? []).length
        ? undefined
        : fail(`${task.kind.toLowerCase()} task '${task.name ?? ''}' has an empty resource list. if that's what you need, use a Dummy task instead`);
    case 'Toggle':
      if (!(spec.resources ?? []).length) return fail(`toggle task has an empty resource list. if that's what you need, use a Dummy task instead`);
      return spec.parameter ? undefined : fail('Missing parameter to evaluate the Toggle Task');
    case 'Dummy':
      return undefined;
    case 'Pipe': {
      const pipes = spec.pipe ?? [];
      if (!pipes.length) return fail('pipe task has an empty pipe files list');
      for (const p of pipes) {
        const desc = `{File:${p.file ?? ''} EnvFile:${p.envFile ?? ''} Kind:${p.kind ?? ''} Key:${p.key ?? ''}}`;
        if (!!p.file === !!p.envFile) return fail(`pipe file ${desc} must have either 'file' or 'envFile' field set but not both`);
        if (p.kind !== 'Secret' && p.kind !== 'ConfigMap') return fail(`invalid pipe kind (must be Secret or ConfigMap): ${desc}`);
        if (!PIPE_KEY.test(p.key ?? '')) return fail(`invalid pipe key (only letters, numbers and _ and - are allowed): ${desc}`);
      }
      return undefined;
    }
    case 'KudoOperator':
      if (!spec.package) return fail(`kudo operator task '${task.name ?? ''}' has an empty package name`);
      return spec.operatorVersion ? undefined : fail(`kudo operator task '${task.name ?? ''}' has an empty operatorVersion`);
    default:
      return `unknown task kind ${task.kind ?? ''}`;
  }
}

// ---------------------------------------------------------------------------
// Tasks

function renderResources(resources: readonly string[], ctx: RenderContext): KubeObject[] {
  const data = templateData(ctx);
  const objects: KubeObject[] = [];
  for (const r of resources) {
    const text = expand(r, ctx, data);
    try {
      objects.push(...decodeObjects(text));
    } catch (e) {
      throw new TaskRenderError(`parsing YAML from ${r}: ${(e as Error).message}`);
    }
  }
  return objects;
}

function enhanceAll(objects: KubeObject[], ctx: RenderContext): KubeObject[] {
  const owner = instanceOwnerReference(ctx.instance, true);
  for (const o of objects) enhanceObject(o, ctx, owner);
  addDependenciesHashes(objects, ctx);
  return objects;
}

function applyOrDelete(action: 'apply' | 'delete', resources: readonly string[], ctx: RenderContext): TaskResult {
  let objects = renderResources(resources, ctx);
  // Delete skips kinds the cluster does not know (e.g. a CR whose CRD is gone).
  if (action === 'delete') objects = objects.filter((o) => ctx.scope(o.apiVersion, o.kind) !== undefined);
  return { action, objects: enhanceAll(objects, ctx) };
}

function findParameter(ctx: RenderContext, name: string): Parameter | undefined {
  return (ctx.operatorVersion.parameters ?? []).find((p) => p.name === name);
}

/**
 * Renders one task of a step: the objects it would apply or delete, fully enhanced.
 * Throws TaskRenderError (always fatal, as in KUDO) for build, render, decode and enhancement errors.
 */
export function renderTask(task: Task, ctx: RenderContext): TaskResult {
  const buildError = taskBuildError(task);
  if (buildError) throw new TaskRenderError(buildError);
  const spec = task.spec ?? {};
  switch (task.kind) {
    case 'Apply':
      return applyOrDelete('apply', spec.resources ?? [], ctx);
    case 'Delete':
      return applyOrDelete('delete', spec.resources ?? [], ctx);
    case 'Toggle': {
      const name = spec.parameter ?? '';
      const param = findParameter(ctx, name);
      if (!param) throw new TaskRenderError(`no value for parameter ${name} found`);
      if (param['value-type'] === 'array' || param['value-type'] === 'map') throw new TaskRenderError(`value of parameter ${name} isn't a string`);
      const raw = Object.hasOwn(ctx.parameters, name) ? ctx.parameters[name] : (param.default ?? '');
      const on = parseGoBool(raw);
      if (on === undefined)
        throw new TaskRenderError(`could not parse value of parameter ${name}: strconv.ParseBool: parsing ${JSON.stringify(raw)}: invalid syntax`);
      return applyOrDelete(on ? 'apply' : 'delete', spec.resources ?? [], ctx);
    }
    case 'Dummy':
      return { action: 'none' };
    case 'Pipe':
      return renderPipe(task, ctx);
    case 'KudoOperator':
      return { action: 'instance', objects: [renderChildInstance(task, ctx)] };
  }
  throw new TaskRenderError(`unknown task kind ${task.kind ?? ''}`);
}

function renderPipe(task: Task, ctx: RenderContext): TaskResult {
  const spec = task.spec ?? {};
  const podTemplate = spec.pod ?? '';
  const text = expand(podTemplate, ctx, templateData(ctx));
  let pod: KubeObject;
  try {
    const value = toJson(parseYaml(text, podTemplate).value);
    if (!isMap(value)) throw new Error('expected a Pod manifest');
    pod = value as KubeObject;
  } catch (e) {
    throw new TaskRenderError(`failed to unmarshal pipe pod ${podTemplate}: ${e instanceof PackageError ? e.detail : (e as Error).message}`);
  }
  const validation = validatePipePod(pod, spec.pipe ?? []);
  if (validation) throw new TaskRenderError(validation);
  const podSpec = pod.spec as Json;
  const init = (podSpec.initContainers as Json[])[0];
  const volume = (podSpec.volumes as Json[]).find((v) => isMap(v.emptyDir))!;
  const mount = ((init.volumeMounts as Json[]) ?? []).find((m) => m.name === volume.name)!;
  const parts = [ctx.instance.name, ctx.planName, ctx.phaseName, ctx.stepName, task.name ?? ''];
  pod.apiVersion = 'v1';
  pod.kind = 'Pod';
  pod.metadata = { ...(isMap(pod.metadata) ? pod.metadata : {}), name: `${pipeName(parts)}.pipepod` };
  pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), [PIPE_POD_ANNOTATION]: 'true' };
  podSpec.restartPolicy = 'OnFailure';
  podSpec.containers = [
    { name: 'waiter', image: 'busybox', command: ['/bin/sh', '-c', 'sleep infinity'], volumeMounts: [{ name: volume.name, mountPath: mount.mountPath }] },
  ];
  enhanceAll([pod], ctx);
  const artifacts = (spec.pipe ?? []).map((p) => ({
    key: p.key ?? '',
    kind: p.kind as 'ConfigMap' | 'Secret',
    name: pipeName([...parts, p.key ?? '']),
    ...(p.file ? { file: p.file } : {}),
    ...(p.envFile ? { envFile: p.envFile } : {}),
  }));
  return { action: 'pipe', pod, artifacts };
}

/** KUDO's pipe pod checks; the error text or undefined. */
export function validatePipePod(pod: KubeObject, pipes: readonly { file?: string; envFile?: string }[]): string | undefined {
  const spec = isMap(pod.spec) ? pod.spec : {};
  if (Array.isArray(spec.containers) && spec.containers.length > 0)
    return 'pipe pod should not have containers. pipe artifacts are generated in the init container';
  const inits = Array.isArray(spec.initContainers) ? spec.initContainers : [];
  if (inits.length !== 1 || !isMap(inits[0])) return 'pipe pod should define one init container that generated artifacts defined';
  if (spec.restartPolicy !== undefined && spec.restartPolicy !== '' && spec.restartPolicy !== 'OnFailure') return 'pipe pod RestartPolicy should be OnFailure';
  const volumes = (Array.isArray(spec.volumes) ? spec.volumes : []).filter((v) => isMap(v) && isMap(v.emptyDir)) as Json[];
  if (volumes.length !== 1) return 'pipe pod should define one emptyDir shared volume where the artifacts are temporary stored';
  const mounts = (Array.isArray(inits[0].volumeMounts) ? inits[0].volumeMounts : []) as Json[];
  const mount = mounts.find((m) => isMap(m) && m.name === volumes[0].name);
  if (!mount) return `pipe pod should save generated artifacts in ${String(volumes[0].name)}`;
  const mountPath = String(mount.mountPath ?? '');
  for (const p of pipes) {
    const f = p.file || p.envFile || '';
    if (!f.startsWith(mountPath.endsWith('/') ? mountPath : mountPath + '/')) return `pipe file ${f} should be a child of ${mountPath} mount path`;
    const base = f.slice(f.lastIndexOf('/') + 1);
    if (!/[-._a-zA-Z0-9]+/.test(base)) return `pipe file name ${base} should only contain alphanumeric characters, '.', '_' and '-'`;
  }
  return undefined;
}

/** The artifact a Pipe task stores once the manager has read the file out of the pod. */
export function pipeArtifactObject(artifact: PipeArtifact, content: Uint8Array, ctx: RenderContext): KubeObject {
  const base = (artifact.file ?? '').slice((artifact.file ?? '').lastIndexOf('/') + 1);
  let obj: KubeObject;
  if (artifact.envFile) {
    const data = parseEnvFile(Buffer.from(content).toString('utf8'));
    obj = {
      apiVersion: 'v1',
      kind: artifact.kind,
      metadata: { name: artifact.name },
      ...(artifact.kind === 'Secret'
        ? { type: 'Opaque', data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) }
        : { data }),
    };
  } else if (artifact.kind === 'Secret') {
    obj = { apiVersion: 'v1', kind: 'Secret', metadata: { name: artifact.name }, type: 'Opaque', data: { [base]: Buffer.from(content).toString('base64') } };
  } else {
    obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: artifact.name }, binaryData: { [base]: Buffer.from(content).toString('base64') } };
  }
  enhanceAll([obj], ctx);
  return obj;
}

/** KEY=VAL lines as KUDO's env file reader accepts them. Throws with KUDO's messages. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  for (const raw of lines) {
    const line = raw.replace(/^\s+/, '').replace(/\r$/, '');
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) throw new Error(`"${line}" is not a valid env var definition (KEY=VAL)`);
    const key = line.slice(0, eq);
    if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(key))
      throw new Error(
        `"${key}" is not a valid key name: a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit`,
      );
    out[key] = line.slice(eq + 1);
  }
  return out;
}

function renderChildInstance(task: Task, ctx: RenderContext): KubeObject {
  const spec = task.spec ?? {};
  let parameters: Record<string, string> = {};
  if (spec.parameterFile) {
    const text = expand(spec.parameterFile, ctx, templateData(ctx, false));
    try {
      const parsed = parseParameterFile(text, spec.parameterFile);
      if (parsed.errors.length) throw new Error(parsed.errors.join(', '));
      parameters = parsed.values;
    } catch (e) {
      throw new TaskRenderError(`failed to parse parameter file ${spec.parameterFile}: ${(e as Error).message}`);
    }
  }
  const pkg = spec.package ?? '';
  const child: Instance = {
    apiVersion: KUDO_API_VERSION,
    kind: 'Instance',
    metadata: {
      name: spec.instanceName || `${ctx.instance.name}-${pkg}`,
      namespace: ctx.instance.namespace,
      labels: { [OPERATOR_LABEL]: pkg },
      ownerReferences: [instanceOwnerReference(ctx.instance, false)],
    },
    spec: { operatorVersion: { name: operatorVersionName(pkg, spec.appVersion, spec.operatorVersion ?? '') }, parameters },
  };
  return child;
}
