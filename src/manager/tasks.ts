/**
 * The task executors: each task of a step is rendered with the shared render code
 * (src/packages/render.ts, the same path as offline `package render`), then applied,
 * deleted, piped or installed as a child operator through the Cluster, and judged
 * healthy by src/engine/health.ts. Failures become TaskErrors with KUDO's split:
 * whatever cannot succeed on retry is fatal, the rest transient.
 */
import { readTar } from '../packages/io/tar.js';
import { pipeArtifactObject, renderTask, TaskRenderError, type RenderContext, type TaskResult } from '../packages/render.js';
import type { Scope } from '../packages/kinds.js';
import type { Instance, OperatorVersion, Task } from '../api/types.js';
import { ApiError, isNotFound, type Cluster, type ObjectRef } from '../cluster/cluster.js';
import { applyObject, ApplyError } from '../cluster/apply.js';
import type { KubeObject } from '../k8s/object.js';
import { fatalError, TaskError, transientError } from '../engine/errors.js';
import { objectHealth } from '../engine/health.js';
import type { TaskContext } from '../engine/instance.js';
import type { RunTask, TaskLocation } from '../engine/workflow.js';
import { AGGREGATE_LABEL, MANAGER_CLUSTER_ROLE } from './rbac.js';

/** Largest file a Pipe task copies out of its pod (KUDO's limit). */
export const PIPE_FILE_LIMIT = 1024 * 1024;

/** Scopes of kinds as discovery reports them, cached; a miss asks the cluster (which refreshes its discovery once). */
export class ScopeCache {
  private readonly known = new Map<string, Scope>();
  constructor(private readonly cluster: Cluster) {}

  peek(apiVersion: string, kind: string): Scope | undefined {
    return this.known.get(`${apiVersion}/${kind}`);
  }

  /** Resolves a kind; undefined when the cluster does not serve it. Other failures throw (transient). */
  async resolve(apiVersion: string, kind: string): Promise<Scope | undefined> {
    const key = `${apiVersion}/${kind}`;
    const hit = this.known.get(key);
    if (hit) return hit;
    try {
      const info = await this.cluster.resourceFor(apiVersion, kind);
      const scope: Scope = info.namespaced ? 'Namespaced' : 'Cluster';
      this.known.set(key, scope);
      return scope;
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return undefined;
      throw e;
    }
  }

  forget(): void {
    this.known.clear();
  }
}

export interface TaskEnvironment {
  cluster: Cluster;
  scopes: ScopeCache;
  /**
   * The watch cache's copy of an object KUDO applied (heritage=kudo), to save a GET:
   * null when the cache knows it is absent, undefined when the kind is not cached.
   */
  cached?(ref: ObjectRef): KubeObject | null | undefined;
  /** Read objects from the API server even when cached (a step has waited long: do not trust a lagging cache). */
  freshReads?: boolean;
  /** Records a cluster-scoped object the instance is about to create, so uninstall can remove it. */
  recordClusterObject(instance: Instance, ref: ObjectRef): Promise<void>;
  fieldManager: string;
}

const describe = (o: { kind: string; metadata: { namespace?: string; name?: string } }): string =>
  `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name ?? ''}`;
const refOf = (o: KubeObject): ObjectRef => ({ apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name });

/** The Event reason KUDO uses for a render-time failure, from its message. */
function renderReason(message: string): string {
  if (message.startsWith('task validation error') || message.startsWith('unknown task kind')) return 'TaskBuildError';
  if (message.startsWith('failed to determine if object')) return 'TaskEnhancementError';
  if (/^(no value for parameter|value of parameter|could not parse value of parameter)/.test(message)) return 'ToggleTaskError';
  if (message.startsWith('failed to unmarshal pipe pod')) return 'ResourceUnmarshalError';
  if (message.startsWith('pipe ')) return 'ResourceValidationError';
  return 'TaskRenderingError';
}

/** API errors that retrying the same request cannot fix: the object itself is wrong. */
function isPermanent(e: unknown): boolean {
  return e instanceof ApiError && (e.code === 400 || e.code === 422 || e.code === 415);
}

/**
 * An authorisation denial (`... is forbidden: User "x" cannot get resource ...`). Other 403s
 * (an exceeded quota, a terminating namespace, a webhook's veto) keep their usual handling.
 */
const isRbacDenial = (e: unknown): e is ApiError => e instanceof ApiError && e.code === 403 && / is forbidden: User ".*" cannot /.test(e.message);

/**
 * How to grant the manager a permission it lacks: RBAC denials do not heal by retrying,
 * so the plan fails and says what to add; `kudo.dev/retry-plan` re-runs it afterwards.
 */
export const FORBIDDEN_HINT =
  `The KUDO manager lacks this permission: grant it with a ClusterRole labelled ${AGGREGATE_LABEL}: "true" ` +
  `(aggregated into the ${MANAGER_CLUSTER_ROLE} ClusterRole), then retry the plan.`;

function apiFailure(action: string, obj: KubeObject, e: unknown): TaskError {
  if (e instanceof TaskError) return e;
  const cause = e instanceof ApplyError ? e.cause : e;
  if (isRbacDenial(cause)) return fatalError('TaskExecutionError', `failed to ${action} ${describe(obj)}: ${cause.message}. ${FORBIDDEN_HINT}`);
  if (e instanceof ApplyError) return e.fatal ? fatalError('TaskExecutionError', e.message) : transientError(e.message);
  const message = `failed to ${action} ${describe(obj)}: ${e instanceof Error ? e.message : String(e)}`;
  return isPermanent(e) ? fatalError('TaskExecutionError', message) : transientError(message);
}

interface RenderInput {
  instance: Instance;
  ov: OperatorVersion;
  ctx: TaskContext;
  where: TaskLocation;
}

function renderContext(
  env: TaskEnvironment,
  input: RenderInput,
  misses: { scopes: Set<string>; lookups: Map<string, ObjectRef> },
  fetched: Map<string, KubeObject | undefined>,
): RenderContext {
  const { instance, ov, ctx, where } = input;
  return {
    instance: { name: instance.metadata.name ?? '', namespace: instance.metadata.namespace ?? '', uid: instance.metadata.uid ?? '' },
    operatorName: ov.spec?.operator?.name || instance.metadata.labels?.['kudo.dev/operator'] || '',
    operatorVersion: ov.spec ?? {},
    planName: ctx.planName,
    phaseName: where.phase,
    stepName: where.step,
    planUid: ctx.planUid,
    parameters: instance.spec?.parameters ?? {},
    pipes: ctx.pipes,
    scope: (apiVersion, kind) => {
      const s = env.scopes.peek(apiVersion, kind);
      if (!s) misses.scopes.add(`${apiVersion}\n${kind}`);
      return s;
    },
    lookup: (apiVersion, kind, namespace, name) => {
      const key = `${apiVersion}/${kind}/${namespace}/${name}`;
      if (fetched.has(key)) return fetched.get(key);
      const ref = { apiVersion, kind, namespace, name };
      // Dependencies are often user objects, which the cache (KUDO's objects only) lacks: a miss is asked for.
      const cached = env.cached?.(ref);
      if (cached) return lastApplied(cached);
      misses.lookups.set(key, ref);
      return undefined;
    },
  };
}

/** A dependency as last applied by KUDO (its annotation), else the live object. */
function lastApplied(obj: KubeObject): KubeObject {
  const text = obj.metadata.annotations?.['kudo.dev/last-applied-configuration'];
  if (!text) return obj;
  try {
    return JSON.parse(text) as KubeObject;
  } catch {
    return obj;
  }
}

/**
 * Rendered tasks by everything their output depends on, so a step that waits for
 * health is not parsed and decoded again on every pass. Renders that looked up
 * objects in the cluster (dependency hashes) are not kept: those objects may change.
 */
const renderCache = new Map<string, TaskResult>();
const RENDER_CACHE_SIZE = 4096;

function renderKey(task: Task, input: RenderInput): string | undefined {
  const { instance, ov, ctx, where } = input;
  if (!instance.metadata.uid || !ov.metadata.uid || !ov.metadata.resourceVersion) return undefined;
  return JSON.stringify([
    instance.metadata.uid,
    instance.metadata.name,
    ov.metadata.uid,
    ov.metadata.resourceVersion,
    ctx.planUid,
    where,
    task.name,
    instance.spec?.parameters ?? {},
    ctx.pipes,
  ]);
}

/**
 * Renders a task. The render callbacks are synchronous, so kinds and dependencies
 * the caches do not know yet are collected, fetched, and the task rendered again.
 */
async function render(env: TaskEnvironment, task: Task, input: RenderInput): Promise<{ result: TaskResult; ctx: RenderContext }> {
  const key = renderKey(task, input);
  const hit = key === undefined ? undefined : renderCache.get(key);
  if (hit) return { result: structuredClone(hit), ctx: renderContext(env, input, { scopes: new Set(), lookups: new Map() }, new Map()) };
  const fetched = new Map<string, KubeObject | undefined>();
  let lookedUp = false;
  const unknownKinds = new Set<string>();
  for (let round = 0; ; round++) {
    const misses = { scopes: new Set<string>(), lookups: new Map<string, ObjectRef>() };
    const ctx = renderContext(env, input, misses, fetched);
    const lookup = ctx.lookup!;
    ctx.lookup = (...args) => {
      lookedUp = true;
      return lookup(...args);
    };
    // Kinds known to be unknown stay unknown for this render. A kind not resolved yet is
    // recorded as a miss and taken as namespaced for this pass only, so that one pass finds
    // every missing kind of the task (a pass with misses is never the result).
    const scope = ctx.scope;
    const isUnknown = (apiVersion: string, kind: string) => unknownKinds.has(`${apiVersion}\n${kind}`);
    const known = (apiVersion: string, kind: string) => (isUnknown(apiVersion, kind) ? undefined : scope(apiVersion, kind));
    ctx.scope = (apiVersion, kind) => (isUnknown(apiVersion, kind) ? undefined : (scope(apiVersion, kind) ?? 'Namespaced'));
    let result: TaskResult | undefined;
    let failure: TaskRenderError | undefined;
    try {
      result = renderTask(task, ctx);
    } catch (e) {
      if (!(e instanceof TaskRenderError)) throw e;
      failure = e;
    }
    for (const k of unknownKinds) misses.scopes.delete(k);
    if ((misses.scopes.size === 0 && misses.lookups.size === 0) || round >= 3) {
      if (failure) throw fatalError(renderReason(failure.message), failure.message);
      if (misses.scopes.size > 0) throw transientError(`discovery failed: still resolving ${[...misses.scopes].map((k) => k.replace('\n', '/')).join(', ')}`);
      ctx.scope = known;
      if (key !== undefined && !lookedUp) {
        if (renderCache.size >= RENDER_CACHE_SIZE) renderCache.delete(renderCache.keys().next().value!);
        renderCache.set(key, structuredClone(result!));
      }
      return { result: result!, ctx };
    }
    try {
      for (const key of misses.scopes) {
        const [apiVersion, kind] = key.split('\n');
        if ((await env.scopes.resolve(apiVersion, kind)) === undefined) unknownKinds.add(key);
      }
      for (const [key, ref] of misses.lookups) {
        const live = await env.cluster.get(ref).catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
        fetched.set(key, live ? lastApplied(live) : undefined);
      }
    } catch (e) {
      throw transientError(`discovery failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

async function applyAll(env: TaskEnvironment, instance: Instance, objects: KubeObject[]): Promise<boolean> {
  let healthy = true;
  for (const obj of objects) {
    if (env.scopes.peek(obj.apiVersion, obj.kind) === 'Cluster') await env.recordClusterObject(instance, refOf(obj));
    let live: KubeObject;
    try {
      const cachedLive = env.freshReads ? undefined : env.cached?.({ ...refOf(obj), namespace: obj.metadata.namespace });
      live = (await applyObject(env.cluster, obj, { fieldManager: env.fieldManager, cachedLive })).object;
    } catch (e) {
      throw apiFailure('apply', obj, e);
    }
    // A new CRD changes what discovery knows.
    if (obj.kind === 'CustomResourceDefinition') {
      env.cluster.invalidateDiscovery();
      env.scopes.forget();
    }
    const health = objectHealth({ ...live, apiVersion: live.apiVersion ?? obj.apiVersion, kind: live.kind ?? obj.kind });
    if (health.failed) throw fatalError('FailedTerminalStateError', health.message ?? `${describe(obj)} failed`);
    if (!health.healthy) healthy = false;
  }
  return healthy;
}

async function deleteAll(env: TaskEnvironment, objects: KubeObject[]): Promise<boolean> {
  let gone = true;
  for (const obj of objects) {
    const ref = refOf(obj);
    if (env.scopes.peek(obj.apiVersion, obj.kind) === 'Cluster') delete ref.namespace;
    try {
      const live = await env.cluster.get(ref);
      if (!live) continue;
      gone = false;
      if (!live.metadata.deletionTimestamp) await env.cluster.delete(ref, { propagationPolicy: 'Foreground' });
    } catch (e) {
      if (isNotFound(e)) continue;
      throw apiFailure('delete', obj, e);
    }
  }
  return gone;
}

async function runPipe(env: TaskEnvironment, instance: Instance, result: Extract<TaskResult, { action: 'pipe' }>, ctx: RenderContext): Promise<boolean> {
  const pod = result.pod;
  const namespace = pod.metadata.namespace ?? instance.metadata.namespace ?? '';
  if (!(await applyAll(env, instance, [pod]))) return false;
  // The artifacts are enhanced synchronously: their kinds' scopes must be known first.
  for (const kind of new Set(result.artifacts.map((a) => a.kind))) await env.scopes.resolve('v1', kind);
  const artifacts: KubeObject[] = [];
  for (const artifact of result.artifacts) {
    const file = artifact.file ?? artifact.envFile ?? '';
    const exec = async (command: string[]) => {
      let r;
      try {
        r = await env.cluster.exec(namespace, pod.metadata.name ?? '', 'waiter', command);
      } catch (e) {
        throw fatalError('PipeTaskError', `failed to run "${command.join(' ')}" in pipe pod ${namespace}/${pod.metadata.name}: ${(e as Error).message}`);
      }
      if (r.exitCode !== 0)
        throw fatalError(
          'PipeTaskError',
          `"${command.join(' ')}" failed in pipe pod ${namespace}/${pod.metadata.name} (exit code ${r.exitCode}): ${r.stderr.toString().trim()}`,
        );
      return r.stdout;
    };
    const size = Number((await exec(['stat', '-c', '%s', file])).toString().trim());
    if (!Number.isFinite(size)) throw fatalError('PipeTaskError', `could not read the size of ${file} in pipe pod ${pod.metadata.name}`);
    if (size > PIPE_FILE_LIMIT) throw fatalError('PipeTaskError', `pipe file ${file} is ${size} bytes, more than the limit of ${PIPE_FILE_LIMIT} bytes`);
    const tar = await exec(['tar', 'cf', '-', file]);
    let content: Uint8Array;
    try {
      const entries = readTar(tar, file);
      const wanted = file.replace(/^\/+/, '');
      const entry = entries.find((e) => e.path === wanted) ?? entries[0];
      if (!entry) throw new Error('the archive is empty');
      content = entry.data;
    } catch (e) {
      throw fatalError('PipeTaskError', `could not read ${file} from pipe pod ${pod.metadata.name}: ${(e as Error).message}`);
    }
    try {
      artifacts.push(pipeArtifactObject(artifact, content, ctx));
    } catch (e) {
      throw fatalError('PipeTaskError', `pipe file ${file}: ${(e as Error).message}`);
    }
  }
  await applyAll(env, instance, artifacts);
  try {
    await env.cluster.delete(refOf(pod), { propagationPolicy: 'Background' });
  } catch (e) {
    if (!isNotFound(e)) throw apiFailure('delete', pod, e);
  }
  return true;
}

async function runChildInstance(env: TaskEnvironment, child: KubeObject): Promise<boolean> {
  let live: KubeObject | undefined;
  try {
    const existing = await env.cluster.get(refOf(child));
    live = existing
      ? await env.cluster.patch(refOf(child), 'merge', { spec: child.spec }, { fieldManager: env.fieldManager })
      : await env.cluster.create(child, { fieldManager: env.fieldManager });
  } catch (e) {
    // The webhook refusing the child (a bad parameter, a missing version) will not change by retrying.
    if (e instanceof ApiError && (e.code === 403 || isPermanent(e)))
      throw fatalError('TaskExecutionError', `failed to install child instance ${describe(child)}: ${e.message}`);
    throw apiFailure('install', child, e);
  }
  const health = objectHealth({ ...live!, apiVersion: child.apiVersion, kind: child.kind });
  if (health.failed) throw fatalError('FailedTerminalStateError', health.message ?? `child instance ${describe(child)} failed`);
  return health.healthy;
}

/** The task port for one reconcile of one instance. */
export function taskRunner(env: TaskEnvironment, instance: Instance, ov: OperatorVersion, ctx: TaskContext): RunTask {
  return async (task, where) => {
    if (task.kind === 'Dummy') {
      const spec = task.spec ?? {};
      if (spec.wantErr) throw spec.fatal ? fatalError('DummyTaskError', 'dummy error') : transientError('dummy error');
      return spec.done ?? false;
    }
    const { result, ctx: renderCtx } = await render(env, task, { instance, ov, ctx, where });
    switch (result.action) {
      case 'apply':
        return applyAll(env, instance, result.objects);
      case 'delete':
        return deleteAll(env, result.objects);
      case 'pipe':
        return runPipe(env, instance, result, renderCtx);
      case 'instance':
        return runChildInstance(env, result.objects[0]);
      case 'none':
        return true;
    }
  };
}
