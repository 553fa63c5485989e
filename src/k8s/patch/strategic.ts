/**
 * Strategic merge patch (`application/strategic-merge-patch+json`) for built-in kinds, with the
 * semantics of apimachinery's strategicpatch package: merge keys from the Go field table,
 * `$patch` (replace/delete/merge), `$retainKeys`, `$deleteFromPrimitiveList/<f>`,
 * `$setElementOrder/<f>`, and the element order rules of merged lists; plus the three-way patch
 * that kubectl's client-side apply computes.
 */
import { schemaFor, type FieldInfo, type MessageSchema } from '../schema/index.js';
import { PatchError, deepClone, deepEqual, isObject, type Json, type JsonObject } from './errors.js';

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_PRIMITIVE_PREFIX = '$deleteFromPrimitiveList';
const SET_ORDER_PREFIX = '$setElementOrder';

export interface GroupVersionKind {
  apiVersion: string;
  kind: string;
}

// ---- schema cursor ----

/** Where we are in the Go types: a struct, a map's values, or unknown (no tags: maps merge, lists replace). */
type Schema = { struct: MessageSchema } | { mapValue: FieldInfo } | undefined;

interface PatchMeta {
  schema: Schema;
  strategies: readonly string[];
  mergeKey: string;
}

const NO_META: PatchMeta = { schema: undefined, strategies: [], mergeKey: '' };

function childSchema(field: FieldInfo): Schema {
  if (field.goKind === 'map') return { mapValue: field };
  const message = field.message;
  return message ? { struct: message } : undefined;
}

function lookup(schema: Schema, key: string): PatchMeta {
  if (!schema) return NO_META;
  if ('mapValue' in schema) {
    const message = schema.mapValue.message;
    return { schema: message ? { struct: message } : undefined, strategies: [], mergeKey: '' };
  }
  const field = schema.struct.fields.get(key);
  if (!field) return NO_META;
  return { schema: childSchema(field), strategies: field.patchStrategies, mergeKey: field.mergeKey ?? '' };
}

/** The main strategy (merge/replace) of a field, and whether it also retains keys. */
function strategyOf(meta: PatchMeta): { strategy: string; retainKeys: boolean } {
  const retainKeys = meta.strategies.includes('retainKeys');
  const others = meta.strategies.filter((s) => s !== 'retainKeys');
  return { strategy: others[0] ?? '', retainKeys };
}

function rootSchema(gvk: GroupVersionKind | undefined): Schema {
  const message = gvk ? schemaFor(gvk.apiVersion, gvk.kind) : undefined;
  return message ? { struct: message } : undefined;
}

// ---- Go-compatible formatting for error messages ----

/** fmt's %v of a decoded JSON value: `map[image:x name:y]`, `[a b]`. */
function goValue(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (isObject(v)) {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${goValue(v[k])}`).join(' ')}]`;
  }
  return String(v);
}

function noMergeKey(m: unknown, key: string): PatchError {
  return new PatchError(`map: ${goValue(m)} does not contain declared merge key: ${key}`, 500, '');
}

// ---- list helpers ----

function keyOf(item: Json, mergeKey: string): Json | undefined {
  return mergeKey ? (isObject(item) ? item[mergeKey] : undefined) : item;
}

function indexIn(list: readonly Json[], item: Json, mergeKey: string): number {
  const k = keyOf(item, mergeKey);
  return list.findIndex((x) => deepEqual(keyOf(x, mergeKey), k));
}

function isDeleteDirective(item: Json): boolean {
  return isObject(item) && item[DIRECTIVE] === 'delete';
}

/** Sorts `items` stably by their position in `order` (items missing from `order` keep their place); `$patch: delete` items go last. */
function normalizeSliceOrder(items: Json[], order: readonly Json[], mergeKey: string, isMap: boolean): Json[] {
  let toSort = items;
  let toDelete: Json[] = [];
  if (isMap) {
    for (const list of [items, order]) {
      for (const item of list) if (!isObject(item) || !Object.hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
    }
    toSort = items.filter((x) => !isDeleteDirective(x));
    toDelete = items.filter(isDeleteDirective);
  }
  const positions = toSort.map((x) => indexIn(order, x, mergeKey));
  if (positions.every((p) => p >= 0)) {
    toSort = toSort
      .map((x, i) => ({ x, p: positions[i], i }))
      .sort((a, b) => a.p - b.p || a.i - b.i)
      .map((e) => e.x);
  }
  return [...toSort, ...toDelete];
}

/**
 * Interleaves server-only items into the (ordered) patch items: each server-only item goes before
 * the first remaining patch item that stood after it on the server.
 */
function mergeSortedSlice(left: Json[], right: Json[], serverOrder: readonly Json[], mergeKey: string): Json[] {
  const out: Json[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey);
      const ri = indexIn(serverOrder, right[j], mergeKey);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

function normalizeElementOrder(
  patchItems: Json[],
  serverOnly: Json[],
  patchOrder: readonly Json[],
  serverOrder: readonly Json[],
  mergeKey: string,
  isMap: boolean,
): Json[] {
  const sortedPatch = normalizeSliceOrder(patchItems, patchOrder, mergeKey, isMap);
  const sortedServer = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, isMap);
  return mergeSortedSlice(sortedServer, sortedPatch, serverOrder, mergeKey);
}

function partition(merged: Json[], by: readonly Json[], mergeKey: string): [Json[], Json[]] {
  const inPatch: Json[] = [];
  const serverOnly: Json[] = [];
  for (const item of merged) {
    if (mergeKey && !isObject(item)) throw noMergeKey(item, mergeKey);
    (indexIn(by, item, mergeKey) >= 0 ? inPatch : serverOnly).push(item);
  }
  return [inPatch, serverOnly];
}

function dedupe(list: Json[]): Json[] {
  const out: Json[] = [];
  for (const x of list) if (!out.some((y) => deepEqual(x, y))) out.push(x);
  return out;
}

/** Element kind of the lists' items: 'map', 'list', 'scalar', or undefined when all are empty. */
function elementKind(...lists: (readonly Json[] | undefined)[]): 'map' | 'scalar' | undefined {
  for (const list of lists) {
    for (const x of list ?? []) {
      if (Array.isArray(x)) throw new PatchError('lists of lists are not supported', 422, 'Invalid');
      return isObject(x) ? 'map' : 'scalar';
    }
  }
  return undefined;
}

// ---- applying a patch ----

interface MergeOptions {
  /** True when applying a patch to an object; false when merging two patches (three-way). */
  mergeParallelList: boolean;
  /** Drop nulls instead of keeping them (apply); keep them when merging patches. */
  ignoreUnmatchedNulls: boolean;
}

/** Removes null members recursively (inside maps and lists of maps). */
function discardNulls(v: Json): Json {
  if (Array.isArray(v)) return v.map((x) => (isObject(x) ? discardNulls(x) : x));
  if (!isObject(v)) return v;
  for (const k of Object.keys(v)) {
    if (v[k] === null) delete v[k];
    else discardNulls(v[k]);
  }
  return v;
}

function mergeMap(original: JsonObject | undefined, patch: JsonObject, schema: Schema, opts: MergeOptions): JsonObject {
  if (Object.hasOwn(patch, DIRECTIVE)) {
    const directive = patch[DIRECTIVE];
    if (directive === 'replace') {
      const replaced = { ...patch };
      delete replaced[DIRECTIVE];
      return replaced;
    }
    if (directive === 'delete') return {};
    throw new PatchError(`unknown patch type: ${goValue(directive)} in map: ${goValue(patch)}`, 500, '');
  }
  const target: JsonObject = original ?? {};
  patch = { ...patch };
  applyRetainKeys(target, patch, opts);
  mergeSetElementOrderLists(target, patch, schema, opts);

  const keys = Object.keys(patch);
  // Deletions from primitive lists run after additions so the outcome does not depend on key order.
  keys.sort((a, b) => Number(a.startsWith(DELETE_PRIMITIVE_PREFIX)) - Number(b.startsWith(DELETE_PRIMITIVE_PREFIX)));
  for (let key of keys) {
    const patchValue = patch[key];
    let isDeleteList = false;
    if (key.startsWith(DELETE_PRIMITIVE_PREFIX + '/')) {
      if (!opts.mergeParallelList) {
        target[key] = patchValue;
        continue;
      }
      isDeleteList = true;
      key = key.slice(DELETE_PRIMITIVE_PREFIX.length + 1);
    }
    if (patchValue === null) {
      delete target[key];
      if (opts.ignoreUnmatchedNulls) continue;
    }
    if (!Object.hasOwn(target, key)) {
      if (!isDeleteList) target[key] = opts.ignoreUnmatchedNulls ? discardNulls(patchValue) : patchValue;
      continue;
    }
    const current = target[key];
    const sameShape = (isObject(current) && isObject(patchValue)) || (Array.isArray(current) && Array.isArray(patchValue));
    if (!sameShape) {
      if (!isDeleteList) target[key] = opts.ignoreUnmatchedNulls ? discardNulls(patchValue) : patchValue;
      continue;
    }
    const meta = lookup(schema, key);
    const { strategy } = strategyOf(meta);
    if (isObject(patchValue)) {
      target[key] = strategy === 'replace' ? patchValue : mergeMap(current as JsonObject, patchValue, meta.schema, opts);
    } else {
      target[key] = mergeSliceHandler(current as Json[], patchValue as Json[], meta, strategy, isDeleteList, opts);
    }
  }
  return target;
}

function applyRetainKeys(original: JsonObject, patch: JsonObject, opts: MergeOptions): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS)) return;
  const retain = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!opts.mergeParallelList) {
    if (Object.hasOwn(original, RETAIN_KEYS)) {
      if (!deepEqual(original[RETAIN_KEYS], retain)) {
        throw new PatchError(
          `${goValue(original[RETAIN_KEYS])} and ${goValue(retain)} are not deep equal: this may happen when calculating the 3-way diff patch`,
          500,
          '',
        );
      }
    } else {
      original[RETAIN_KEYS] = retain;
    }
    return;
  }
  if (!Array.isArray(retain)) throw new PatchError('invalid patch format of retainKeys', 400);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_PRIMITIVE_PREFIX) || k.startsWith(SET_ORDER_PREFIX)) continue;
    if (!retain.includes(k)) throw new PatchError('invalid patch format of retainKeys', 400);
  }
  for (const k of Object.keys(original)) if (!retain.includes(k)) delete original[k];
}

/** Handles `$setElementOrder/<f>` together with the list `<f>` it orders (and removes both from the patch). */
function mergeSetElementOrderLists(original: JsonObject, patch: JsonObject, schema: Schema, opts: MergeOptions): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ORDER_PREFIX + '/')) continue;
    const order = patch[key];
    if (!opts.mergeParallelList) {
      if (Object.hasOwn(original, key)) {
        if (!deepEqual(original[key], order)) throw new PatchError('invalid patch format of setElementOrder list', 400);
      } else {
        original[key] = order;
      }
    }
    delete patch[key];
    if (!Array.isArray(order)) throw new PatchError(`expected []interface{}, but got ${typeof order}`, 500, '');
    const field = key.slice(SET_ORDER_PREFIX.length + 1);
    const originalList = original[field];
    const patchList = patch[field];
    const foundOriginal = Object.hasOwn(original, field) && originalList !== null;
    const foundPatch = Object.hasOwn(patch, field) && patchList !== null;
    if (foundOriginal && !Array.isArray(originalList)) throw new PatchError(`expected []interface{}, but got ${typeof originalList}`, 500, '');
    if (foundPatch && !Array.isArray(patchList)) throw new PatchError(`expected []interface{}, but got ${typeof patchList}`, 500, '');
    const meta = lookup(schema, field);
    const { strategy } = strategyOf(meta);
    validatePatchWithSetOrderList(foundPatch ? (patchList as Json[]) : [], order, meta.mergeKey);
    let merged: Json[];
    if (foundOriginal && !foundPatch) merged = originalList as Json[];
    else if (!foundOriginal && foundPatch) merged = removeDirectives(patchList as Json[]);
    else if (foundOriginal && foundPatch) merged = mergeSliceHandler(originalList as Json[], patchList as Json[], meta, strategy, false, opts);
    else continue;
    const [inOrder, serverOnly] = partition(merged, order, meta.mergeKey);
    const kind = elementKind(foundOriginal ? (originalList as Json[]) : [], foundPatch ? (patchList as Json[]) : []);
    original[field] = normalizeElementOrder(inOrder, serverOnly, order, foundOriginal ? (originalList as Json[]) : [], meta.mergeKey, kind === 'map');
    delete patch[field];
  }
}

function validatePatchWithSetOrderList(patchList: Json[], order: Json[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const nonDelete = mergeKey ? patchList.filter((x) => !isDeleteDirective(x)) : patchList;
  let p = 0;
  let s = 0;
  while (p < nonDelete.length && s < order.length) {
    if (isObject(nonDelete[p]) && Object.hasOwn(nonDelete[p] as JsonObject, DIRECTIVE)) {
      p++;
      continue;
    }
    if (deepEqual(keyOf(nonDelete[p], mergeKey), keyOf(order[s], mergeKey))) p++;
    s++;
  }
  if (p < nonDelete.length && s >= order.length) {
    throw new PatchError(`The order in patch list:\n${goValue(patchList)}\n doesn't match ${SET_ORDER_PREFIX} list:\n${goValue(order)}\n`, 500, '');
  }
}

/** Strips directive elements and keys from a list that is taken as-is. */
function removeDirectives(list: Json[]): Json[] {
  return list
    .filter((x) => !(isObject(x) && Object.hasOwn(x, DIRECTIVE)))
    .map((x) => {
      if (!isObject(x)) return x;
      const copy = { ...x };
      for (const k of Object.keys(copy)) if (k.startsWith('$')) delete copy[k];
      return copy;
    });
}

function mergeSliceHandler(original: Json[], patch: Json[], meta: PatchMeta, strategy: string, isDeleteList: boolean, opts: MergeOptions): Json[] {
  if (strategy !== 'merge') return patch;
  return mergeSlice(original, patch, meta, isDeleteList, opts);
}

function mergeSlice(original: Json[], patch: Json[], meta: PatchMeta, isDeleteList: boolean, opts: MergeOptions): Json[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = elementKind(original, patch);
  const mergeKey = meta.mergeKey;
  let merged: Json[];
  if (kind !== 'map') {
    if (opts.mergeParallelList && isDeleteList) return original.filter((x) => !patch.some((p) => deepEqual(p, x)));
    merged = dedupe([...original, ...patch]);
  } else {
    if (!mergeKey)
      throw new PatchError(`cannot merge lists without merge key for ${meta.schema && 'struct' in meta.schema ? meta.schema.struct.name : 'list'}`, 500, '');
    // From here on Go works with the list after `$patch` elements are applied and the patch without them.
    [original, patch] = mergeSpecialElements(original, patch, mergeKey);
    merged = [...original];
    for (const item of patch) {
      const obj = item as JsonObject;
      if (!Object.hasOwn(obj, mergeKey)) throw noMergeKey(obj, mergeKey);
      const at = merged.findIndex((x) => isObject(x) && deepEqual(x[mergeKey], obj[mergeKey]));
      if (at >= 0) merged[at] = mergeMap(merged[at] as JsonObject, obj, meta.schema, opts);
      else merged.push(obj);
    }
  }
  const [patchItems, serverOnly] = partition(merged, patch, mergeKey);
  return normalizeElementOrder(patchItems, serverOnly, patch, original, mergeKey, kind === 'map');
}

/** Applies `$patch` elements of a list of maps; returns the base list and the remaining patch items. */
function mergeSpecialElements(original: Json[], patch: Json[], mergeKey: string): [Json[], Json[]] {
  let base = [...original];
  const plain: Json[] = [];
  let replace = false;
  for (const item of patch) {
    if (!isObject(item)) throw noMergeKey(item, mergeKey);
    if (!Object.hasOwn(item, DIRECTIVE)) {
      plain.push(item);
      continue;
    }
    const directive = item[DIRECTIVE];
    if (directive === 'delete') {
      if (!Object.hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
      base = base.filter((x) => !(isObject(x) && deepEqual(x[mergeKey], item[mergeKey])));
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      throw new PatchError('merging lists cannot yet be specified in the patch', 500, '');
    } else {
      throw new PatchError(`unknown patch type: ${goValue(directive)} in map: ${goValue(item)}`, 500, '');
    }
  }
  return replace ? [plain, []] : [base, plain];
}

/**
 * Applies a strategic merge patch to a copy of `doc`, using the patch strategies of the built-in
 * kind `gvk` (kinds without Go types get plain rules: maps merge, lists are replaced).
 */
export function applyStrategicMergePatch<T>(doc: T, patch: unknown, gvk: GroupVersionKind | undefined): T {
  if (!isObject(patch)) {
    throw new PatchError(`json: cannot unmarshal ${Array.isArray(patch) ? 'array' : typeof patch} into Go value of type map[string]interface {}`, 400);
  }
  const original = isObject(doc) ? (deepClone(doc) as JsonObject) : {};
  const merged = mergeMap(original, deepClone(patch) as JsonObject, rootSchema(gvk), { mergeParallelList: true, ignoreUnmatchedNulls: true });
  return stripDirectives(merged) as T;
}

/**
 * Directives copied along with new values (`{"name": "q", "$patch": "delete"}` in a list that did not
 * exist) are unknown fields to the Go types, so kube-apiserver drops them when decoding; so do we.
 */
function stripDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObject(v)) return v;
  for (const k of Object.keys(v)) {
    if (k === DIRECTIVE || k === RETAIN_KEYS || k.startsWith(`${SET_ORDER_PREFIX}/`) || k.startsWith(`${DELETE_PRIMITIVE_PREFIX}/`)) delete v[k];
    else v[k] = stripDirectives(v[k]);
  }
  return v;
}

// ---- computing a patch ----

interface DiffOptions {
  ignoreDeletions: boolean;
  ignoreChangesAndAdditions: boolean;
  setElementOrder: boolean;
  buildRetainKeys: boolean;
}

function diffMaps(original: JsonObject, modified: JsonObject, schema: Schema, opts: DiffOptions): JsonObject {
  const patch: JsonObject = {};
  const retainKeys: string[] = [];
  for (const [key, modifiedValue] of Object.entries(modified)) {
    if (opts.buildRetainKeys && modifiedValue !== null) retainKeys.push(key);
    if (!Object.hasOwn(original, key)) {
      if (!opts.ignoreChangesAndAdditions) patch[key] = modifiedValue;
      continue;
    }
    const originalValue = original[key];
    if (key === DIRECTIVE) {
      if (!deepEqual(originalValue, modifiedValue)) patch[key] = modifiedValue;
      continue;
    }
    if (jsonType(originalValue) !== jsonType(modifiedValue)) {
      if (!opts.ignoreChangesAndAdditions) patch[key] = modifiedValue;
      continue;
    }
    if (isObject(originalValue)) handleMapDiff(key, originalValue, modifiedValue as JsonObject, patch, schema, opts);
    else if (Array.isArray(originalValue)) handleSliceDiff(key, originalValue, modifiedValue as Json[], patch, schema, opts);
    else if (!opts.ignoreChangesAndAdditions && !deepEqual(originalValue, modifiedValue)) patch[key] = modifiedValue;
  }
  if (!opts.ignoreDeletions) {
    for (const key of Object.keys(original)) if (!Object.hasOwn(modified, key)) patch[key] = null;
  }
  const originalHasExtra = Object.entries(original).some(([k, v]) => v !== null && !Object.hasOwn(modified, k));
  if (retainKeys.length > 0 && (Object.keys(patch).length > 0 || originalHasExtra)) patch[RETAIN_KEYS] = sortScalars(retainKeys);
  return patch;
}

function jsonType(v: Json): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** Go sorts scalars by their %v text. */
function sortScalars<T extends Json>(list: T[]): T[] {
  return [...list].sort((a, b) => compareStrings(goValue(a), goValue(b)));
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function handleMapDiff(key: string, original: JsonObject, modified: JsonObject, patch: JsonObject, schema: Schema, opts: DiffOptions): void {
  const meta = lookup(schema, key);
  const { strategy, retainKeys } = strategyOf(meta);
  if (strategy === 'replace') {
    if (!opts.ignoreChangesAndAdditions && !deepEqual(original, modified)) patch[key] = modified;
    return;
  }
  const sub = diffMaps(original, modified, meta.schema, { ...opts, buildRetainKeys: retainKeys });
  if (Object.keys(sub).length > 0) patch[key] = sub;
}

function handleSliceDiff(key: string, original: Json[], modified: Json[], patch: JsonObject, schema: Schema, opts: DiffOptions): void {
  const meta = lookup(schema, key);
  const { strategy, retainKeys } = strategyOf(meta);
  if (strategy !== 'merge') {
    if (!opts.ignoreChangesAndAdditions && !deepEqual(original, modified)) patch[key] = modified;
    return;
  }
  const { add, remove, order } = diffLists(original, modified, meta, { ...opts, buildRetainKeys: retainKeys });
  if (add.length > 0) patch[key] = add;
  if (remove.length > 0) patch[`${DELETE_PRIMITIVE_PREFIX}/${key}`] = remove;
  if (order.length > 0) patch[`${SET_ORDER_PREFIX}/${key}`] = order;
}

function diffLists(original: Json[], modified: Json[], meta: PatchMeta, opts: DiffOptions): { add: Json[]; remove: Json[]; order: Json[] } {
  const kind = elementKind(original, modified);
  if (kind === undefined) return { add: [], remove: [], order: [] };
  const mergeKey = meta.mergeKey;
  if (kind === 'map') {
    const { patch, deletions } = diffListsOfMaps(original, modified, meta, opts);
    const add = [...normalizeSliceOrder(patch, modified, mergeKey, true), ...deletions];
    const orderSame = original.length === modified.length && original.every((x, i) => deepEqual(keyOf(x, mergeKey), keyOf(modified[i], mergeKey)));
    let order: Json[] = [];
    if (opts.setElementOrder && ((!opts.ignoreChangesAndAdditions && (add.length > 0 || !orderSame)) || (!opts.ignoreDeletions && add.length > 0))) {
      order = modified.map((x) => ({ [mergeKey]: (x as JsonObject)[mergeKey] }));
    }
    return { add, remove: [], order };
  }
  const { add, remove } = diffListsOfScalars(original, modified, opts);
  const sortedAdd = normalizeSliceOrder(add, modified, '', false);
  let order: Json[] = [];
  if (opts.setElementOrder && ((!opts.ignoreDeletions && remove.length > 0) || (!opts.ignoreChangesAndAdditions && !deepEqual(original, modified)))) {
    order = modified;
  }
  return { add: sortedAdd, remove, order };
}

function diffListsOfScalars(original: Json[], modified: Json[], opts: DiffOptions): { add: Json[]; remove: Json[] } {
  const a = sortScalars(original);
  const b = sortScalars(modified);
  const add: Json[] = [];
  const remove: Json[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const as = i < a.length ? goValue(a[i]) : undefined;
    const bs = j < b.length ? goValue(b[j]) : undefined;
    if (as !== undefined && bs !== undefined && as === bs) {
      i++;
      j++;
    } else if (bs === undefined || (as !== undefined && as < bs)) {
      if (!opts.ignoreDeletions) remove.push(a[i]);
      i++;
    } else {
      if (!opts.ignoreChangesAndAdditions) add.push(b[j]);
      j++;
    }
  }
  return { add, remove: dedupe(remove) };
}

function diffListsOfMaps(original: Json[], modified: Json[], meta: PatchMeta, opts: DiffOptions): { patch: Json[]; deletions: Json[] } {
  const mergeKey = meta.mergeKey;
  const keyText = (x: Json): string => {
    if (!isObject(x) || !Object.hasOwn(x, mergeKey)) throw noMergeKey(x, mergeKey);
    return goValue(x[mergeKey]);
  };
  const sortByKey = (list: Json[]): Json[] => [...list].sort((x, y) => compareStrings(keyText(x), keyText(y)));
  const a = sortByKey(original);
  const b = sortByKey(modified);
  const patch: Json[] = [];
  const deletions: Json[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const ak = i < a.length ? keyText(a[i]) : undefined;
    const bk = j < b.length ? keyText(b[j]) : undefined;
    if (ak !== undefined && bk !== undefined && ak === bk) {
      const sub = diffMaps(a[i] as JsonObject, b[j] as JsonObject, meta.schema, opts);
      if (Object.keys(sub).length > 0) {
        sub[mergeKey] = (b[j] as JsonObject)[mergeKey];
        patch.push(sub);
      }
      i++;
      j++;
    } else if (ak === undefined || (bk !== undefined && ak > bk)) {
      if (!opts.ignoreChangesAndAdditions) patch.push(b[j]);
      j++;
    } else {
      if (!opts.ignoreDeletions) deletions.push({ [DIRECTIVE]: 'delete', [mergeKey]: (a[i] as JsonObject)[mergeKey] });
      i++;
    }
  }
  return { patch, deletions };
}

/** The two-way strategic patch from `original` to `modified` (what `kubectl edit` and `diff` compute). */
export function createTwoWayStrategicPatch(original: unknown, modified: unknown, gvk: GroupVersionKind | undefined): JsonObject {
  const o = (isObject(original) ? original : {}) as JsonObject;
  const m = (isObject(modified) ? modified : {}) as JsonObject;
  return diffMaps(o, m, rootSchema(gvk), { ignoreDeletions: false, ignoreChangesAndAdditions: false, setElementOrder: true, buildRetainKeys: false });
}

/**
 * kubectl's client-side apply patch: changes and additions from `current` (the live object) to
 * `modified` (the new manifest, including its new last-applied annotation), plus deletions of
 * what was in `original` (the previous last-applied configuration) and is gone from `modified`.
 * Returns `{}` when nothing changes ("unchanged").
 * Throws when the patch would change apiVersion, kind or metadata.name, as kubectl refuses that.
 */
export function createThreeWayStrategicPatch(original: unknown, modified: unknown, current: unknown, gvk: GroupVersionKind | undefined): JsonObject {
  const schema = rootSchema(gvk);
  const o = deepClone((isObject(original) ? original : {}) as JsonObject);
  const m = deepClone((isObject(modified) ? modified : {}) as JsonObject);
  const c = deepClone((isObject(current) ? current : {}) as JsonObject);
  const delta = diffMaps(c, m, schema, { ignoreDeletions: true, ignoreChangesAndAdditions: false, setElementOrder: true, buildRetainKeys: false });
  const deletions = diffMaps(o, m, schema, { ignoreDeletions: false, ignoreChangesAndAdditions: true, setElementOrder: true, buildRetainKeys: false });
  const patch = mergeMap(deletions, delta, schema, { mergeParallelList: false, ignoreUnmatchedNulls: false });
  for (const key of ['apiVersion', 'kind']) {
    if (Object.hasOwn(patch, key)) throw new PatchError(`precondition failed for: ${goValue(patch)}`, 400);
  }
  if (isObject(patch.metadata) && Object.hasOwn(patch.metadata, 'name')) throw new PatchError(`precondition failed for: ${goValue(patch)}`, 400);
  return patch;
}
