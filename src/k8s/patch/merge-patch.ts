/**
 * RFC 7386 JSON merge patch (`application/merge-patch+json`): apply, two-way diff, and the
 * three-way patch kubectl's client-side apply sends for custom resources.
 */
import { PatchError, deepClone, deepEqual, goJsonType, isObject, type Json, type JsonObject } from './errors.js';

/** Removes null members of objects (recursively, also inside arrays' objects): they mean "absent". */
function pruneNulls(v: Json): Json {
  if (Array.isArray(v)) return v.map((x) => (x === null ? x : pruneNulls(x)));
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = pruneNulls(x);
  return out;
}

function mergeInto(target: JsonObject, patch: JsonObject): JsonObject {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete target[k];
    else if (isObject(v) && isObject(target[k])) target[k] = mergeInto(target[k] as JsonObject, v);
    else target[k] = pruneNulls(deepClone(v));
  }
  return target;
}

/** Applies a merge patch to a copy of `doc`. */
export function applyMergePatch<T>(doc: T, patch: unknown): T {
  if (!isObject(patch)) {
    if (patch === null) return null as T;
    throw new PatchError(`json: cannot unmarshal ${goJsonType(patch)} into Go value of type map[string]interface {}`, 400);
  }
  const base = isObject(doc) ? (deepClone(doc) as JsonObject) : {};
  return mergeInto(base, patch) as T;
}

/** The merge patch that turns `original` into `modified` (null for removed keys, whole arrays). */
export function createMergePatch(original: unknown, modified: unknown): JsonObject {
  if (!isObject(original) || !isObject(modified)) {
    throw new PatchError('Invalid JSON Document', 400);
  }
  return diffObjects(original, modified);
}

function diffObjects(original: JsonObject, modified: JsonObject): JsonObject {
  const patch: JsonObject = {};
  for (const [k, v] of Object.entries(modified)) {
    if (!Object.hasOwn(original, k)) {
      patch[k] = deepClone(v);
      continue;
    }
    const o = original[k];
    if (isObject(o) && isObject(v)) {
      const sub = diffObjects(o, v);
      if (Object.keys(sub).length > 0) patch[k] = sub;
    } else if (!deepEqual(o, v)) {
      patch[k] = deepClone(v);
    }
  }
  for (const k of Object.keys(original)) if (!Object.hasOwn(modified, k)) patch[k] = null;
  return patch;
}

/**
 * Keeps only deletions (`keepNull`) or only additions/changes of a merge patch. An explicitly
 * set empty object is a value, not an empty patch.
 */
function filterNulls(patch: JsonObject, keepNull: boolean): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      if (keepNull) out[k] = null;
    } else if (isObject(v)) {
      if (Object.keys(v).length === 0) {
        if (!keepNull) out[k] = v;
        continue;
      }
      const sub = filterNulls(v, keepNull);
      if (Object.keys(sub).length > 0) out[k] = sub;
    } else if (!keepNull) {
      out[k] = v;
    }
  }
  return out;
}

/**
 * kubectl apply for custom resources: additions and changes from current → modified, deletions
 * of fields that were in the last-applied `original` but are gone from `modified`.
 * Returns `{}` when there is nothing to do.
 */
export function createThreeWayMergePatch(original: unknown, modified: unknown, current: unknown): JsonObject {
  const orig = original === undefined || original === null ? {} : original;
  const cur = current === undefined || current === null ? {} : current;
  const mod = modified === undefined || modified === null ? {} : modified;
  const addAndChange = filterNulls(createMergePatch(cur, mod), false);
  const deletions = filterNulls(createMergePatch(orig, mod), true);
  return mergeKeepingNulls(deletions, addAndChange);
}

/** Like applying a merge patch, but onto a patch: later values win, nulls survive. */
function mergeKeepingNulls(target: JsonObject, patch: JsonObject): JsonObject {
  for (const [k, v] of Object.entries(patch)) {
    if (isObject(v) && isObject(target[k])) mergeKeepingNulls(target[k] as JsonObject, v);
    else target[k] = v;
  }
  return target;
}
