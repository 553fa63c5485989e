/**
 * Apply as KUDO does it, plus the delete-and-wait and wait-for helpers the
 * manager and the test harness share.
 *
 * Apply: create when absent (storing `kudo.dev/last-applied-configuration`),
 * else a three-way patch between the last-applied configuration, the new
 * object and the live one: strategic merge patch for built-in kinds, JSON
 * merge patch for custom resources, CRDs and KUDO's own types. Conflicts are
 * retried against a fresh read.
 */
import type { KubeObject } from '../k8s/object.js';
import { splitApiVersion } from '../k8s/object.js';
import type { Cluster, ObjectRef, WatchHandle } from './cluster.js';
import { isAlreadyExists, isConflict } from './cluster.js';

/** Same key as src/api's; repeated here because the cluster layer does not depend on src/api. */
export const LAST_APPLIED_ANNOTATION = 'kudo.dev/last-applied-configuration';

/** Groups whose kinds are patched with JSON merge patch although they are built in (as KUDO does). */
const MERGE_PATCH_GROUPS = new Set(['apiextensions.k8s.io', 'kudo.dev']);

/** A failed apply; `fatal` means retrying the same apply cannot succeed. */
export class ApplyError extends Error {
  constructor(
    message: string,
    readonly fatal: boolean,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

type Json = Record<string, unknown>;

/** The three-way patch functions (src/k8s/patch); injectable for tests. */
export interface Patchers {
  strategic(original: Json, modified: Json, current: Json, gvk: { apiVersion: string; kind: string }): Json;
  merge(original: Json, modified: Json, current: Json): Json;
  /** Whether a kind has a built-in schema (strategic merge patch applies). */
  isBuiltIn(apiVersion: string, kind: string): boolean;
}

let defaultPatchers: Promise<Patchers> | undefined;

/** Loaded on first use so that importing the cluster layer stays cheap for the CLI. */
function loadPatchers(): Promise<Patchers> {
  defaultPatchers ??= (async () => {
    const [strategic, merge, schema] = await Promise.all([
      import('../k8s/patch/strategic.js'),
      import('../k8s/patch/merge-patch.js'),
      import('../k8s/schema/index.js'),
    ]);
    return {
      strategic: (o, m, c, gvk) => strategic.createThreeWayStrategicPatch(o, m, c, gvk) as Json,
      merge: (o, m, c) => merge.createThreeWayMergePatch(o, m, c) as Json,
      isBuiltIn: (apiVersion, kind) => schema.schemaFor(apiVersion, kind) !== undefined,
    };
  })();
  return defaultPatchers;
}

export interface ApplyOptions {
  fieldManager?: string;
  dryRun?: boolean;
  /** Attempts after a conflict (default 5). */
  conflictRetries?: number;
  patchers?: Patchers;
  /**
   * The live object as a watch cache holds it (null: known to be absent), used instead of a
   * GET on the first attempt; a stale copy costs one retry (AlreadyExists or Conflict).
   */
  cachedLive?: KubeObject | null;
}

export interface ApplyResult<T extends KubeObject> {
  object: T;
  action: 'created' | 'patched' | 'unchanged';
}

const refOf = (o: KubeObject): ObjectRef => ({ apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name });
const describe = (o: KubeObject): string => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

/** `obj` with the last-applied annotation set to its own serialisation (without that annotation). */
export function withLastApplied<T extends KubeObject>(obj: T): T {
  const copy = structuredClone(obj);
  const annotations = { ...(copy.metadata.annotations ?? {}) };
  delete annotations[LAST_APPLIED_ANNOTATION];
  if (Object.keys(annotations).length) copy.metadata.annotations = annotations;
  else delete copy.metadata.annotations;
  const serialised = JSON.stringify(copy);
  copy.metadata.annotations = { ...annotations, [LAST_APPLIED_ANNOTATION]: serialised };
  return copy;
}

/** Creates or three-way patches one object; returns what the server answered. */
export async function applyObject<T extends KubeObject>(cluster: Cluster, desired: T, opts: ApplyOptions = {}): Promise<ApplyResult<T>> {
  if (!desired.metadata?.name) throw new ApplyError(`cannot apply a ${desired.kind} without metadata.name`, true);
  let info;
  try {
    info = await cluster.resourceFor(desired.apiVersion, desired.kind);
  } catch (e) {
    throw new ApplyError(`cannot apply ${describe(desired)}: ${(e as Error).message}`, false, e);
  }
  const obj = structuredClone(desired);
  if (!info.namespaced) delete obj.metadata.namespace;
  const modified = withLastApplied(obj);
  const ref = refOf(modified);
  const write = { fieldManager: opts.fieldManager, dryRun: opts.dryRun };
  const retries = opts.conflictRetries ?? 5;

  for (let attempt = 0; ; attempt++) {
    const live = attempt === 0 && opts.cachedLive !== undefined ? ((opts.cachedLive ?? undefined) as T | undefined) : await cluster.get<T>(ref);
    if (!live) {
      try {
        return { object: await cluster.create(modified, write), action: 'created' };
      } catch (e) {
        // Someone created it meanwhile: patch it on the next round.
        if (isAlreadyExists(e) && attempt < retries) continue;
        throw e;
      }
    }
    const originalText = live.metadata.annotations?.[LAST_APPLIED_ANNOTATION];
    if (originalText === undefined) {
      throw new ApplyError(`failed to patch ${describe(modified)}: LastAppliedConfigAnnotation is not set`, true);
    }
    let original: Json;
    try {
      original = JSON.parse(originalText) as Json;
    } catch {
      throw new ApplyError(`failed to patch ${describe(modified)}: annotation ${LAST_APPLIED_ANNOTATION} is not valid JSON`, true);
    }
    const patchers = opts.patchers ?? (await loadPatchers());
    const { group } = splitApiVersion(modified.apiVersion);
    const strategic = !MERGE_PATCH_GROUPS.has(group) && patchers.isBuiltIn(modified.apiVersion, modified.kind);
    let patch: Json;
    try {
      patch = strategic
        ? patchers.strategic(original, modified as Json, live as Json, { apiVersion: modified.apiVersion, kind: modified.kind })
        : patchers.merge(original, modified as Json, live as Json);
    } catch (e) {
      throw new ApplyError(`failed to patch ${describe(modified)}: ${(e as Error).message}`, true, e);
    }
    if (Object.keys(patch).length === 0) return { object: live, action: 'unchanged' };
    try {
      const object = await cluster.patch<T>(ref, strategic ? 'strategic' : 'merge', patch, write);
      return { object, action: 'patched' };
    } catch (e) {
      if (isConflict(e) && attempt < retries) continue;
      throw e;
    }
  }
}

/**
 * Waits until `predicate` holds for the object (undefined once it is gone),
 * using list + watch on its name; returns the object it held for.
 * Throws after `timeoutMs` naming the object.
 */
export async function waitFor<T extends KubeObject>(
  cluster: Cluster,
  ref: ObjectRef,
  predicate: (obj: T | undefined) => boolean,
  timeoutMs: number,
): Promise<T | undefined> {
  if (!ref.name) throw new Error(`waitFor ${ref.kind}: no name given`);
  const info = await cluster.resourceFor(ref.apiVersion, ref.kind);
  const namespace = info.namespaced ? ref.namespace || cluster.namespace : undefined;
  const where = `${ref.kind} ${namespace ? `${namespace}/` : ''}${ref.name}`;
  const deadline = Date.now() + timeoutMs;
  const fieldSelector = `metadata.name=${ref.name}`;
  let handle: WatchHandle | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<T | undefined>((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        fn();
      };
      timer = setTimeout(() => settle(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${where}`))), timeoutMs);
      const check = (obj: T | undefined): boolean => {
        try {
          if (!predicate(obj)) return false;
        } catch (e) {
          settle(() => reject(e));
          return true;
        }
        settle(() => resolve(obj));
        return true;
      };
      // One list, then watch from its resourceVersion; a stream that ends is re-opened from a fresh list.
      const round = async (): Promise<void> => {
        while (!settled) {
          const list = await cluster.list<T>(ref.apiVersion, ref.kind, { namespace, fieldSelector });
          const current = list.items[0] ? ({ ...list.items[0], apiVersion: ref.apiVersion, kind: ref.kind } as T) : undefined;
          if (check(current)) return;
          const remaining = Math.ceil((deadline - Date.now()) / 1000);
          if (remaining <= 0) return;
          let gone = false;
          handle = await cluster.watch<T>(
            ref.apiVersion,
            ref.kind,
            { namespace, fieldSelector, resourceVersion: list.metadata.resourceVersion, allowWatchBookmarks: true, timeoutSeconds: remaining },
            (e) => {
              if (settled || gone) return;
              if (e.type === 'ERROR') {
                gone = true;
                handle?.stop();
              } else if (e.type === 'DELETED') {
                if (check(undefined)) handle?.stop();
              } else if (e.type !== 'BOOKMARK') {
                if (check(e.object)) handle?.stop();
              }
            },
          );
          if (settled) handle.stop();
          await handle.done;
        }
      };
      round().catch((e) => settle(() => reject(e)));
    });
  } finally {
    clearTimeout(timer);
    handle?.stop();
  }
}

/**
 * Deletes an object (foreground propagation by default, as KUDO's Delete task)
 * and waits until it is gone; an object recreated under the same name (a new
 * uid) counts as gone.
 */
export async function deleteAndWait(
  cluster: Cluster,
  ref: ObjectRef,
  propagation: 'Foreground' | 'Background' | 'Orphan' = 'Foreground',
  timeoutMs = 60_000,
): Promise<void> {
  const live = await cluster.get(ref);
  if (!live) return;
  const uid = live.metadata.uid;
  try {
    // The uid precondition keeps a same-named successor from being deleted by mistake.
    if (!(await cluster.delete(ref, { propagationPolicy: propagation, preconditions: uid ? { uid } : undefined }))) return;
  } catch (e) {
    if (isConflict(e)) return;
    throw e;
  }
  await waitFor(cluster, ref, (obj) => !obj || obj.metadata.uid !== uid, timeoutMs);
}
