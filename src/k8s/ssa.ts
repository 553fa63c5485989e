/**
 * Server-side apply and managed-fields bookkeeping (the structured-merge-diff rules
 * kube-apiserver applies), for the common cases: apply, re-apply, removing fields one stops
 * applying, shared ownership, conflicts and `force`, Update operations taking ownership, and
 * kubectl's move from client-side to server-side apply. Pure: the caller passes the time.
 */
import { FieldSet, formatPath, sortedJson } from './fieldpath.js';
import type { KubeObject } from './object.js';
import { isScalarType, messageSchema, schemaFor, type FieldInfo, type MessageSchema } from './schema/index.js';
import { deepClone, deepEqual, isObject, type Json, type JsonObject } from './patch/errors.js';

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

/** List semantics for custom resources, from the CRD schema's x-kubernetes-list-type / -list-map-keys / -map-type. */
export interface ListTypeInfo {
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
  /** For objects: `atomic` makes the whole object one field. */
  mapType?: 'atomic' | 'granular';
  /** A Go value struct (always serialised): it is never a field of its own (no "." entry). */
  valueStruct?: boolean;
}

export interface ApplyOptions {
  manager: string;
  force?: boolean;
  gvk: { apiVersion: string; kind: string };
  /** Schema facts of custom resources by field path (JSON names, list items not counted); built-ins use the Go field table. */
  listTypes?: (path: readonly string[]) => ListTypeInfo | undefined;
  /** RFC 3339 time for the entries this call writes (omitted when not given: this module reads no clock). */
  time?: string;
  /** `status` when writing the status subresource. */
  subresource?: string;
  /** The kind has a status subresource: writes to the main resource own nothing under `status`. */
  statusSubresource?: boolean;
}

export class ConflictError extends Error {
  override name = 'ConflictError';
  constructor(
    message: string,
    /** Kubernetes Status causes: `{reason: 'FieldManagerConflict', message, field}`. */
    readonly causes: { reason: 'FieldManagerConflict'; message: string; field: string }[],
  ) {
    super(message);
  }
}

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

// ---- schema cursor ----

interface ListInfo {
  type: 'atomic' | 'set' | 'map';
  keys: string[];
  /** Values used for missing key fields (container/service ports default their protocol to TCP). */
  defaults: Record<string, Json>;
}

/** A position in the type: built-in struct or map, custom-resource path, or an atomic value. */
type Node =
  { kind: 'struct'; message: MessageSchema } | { kind: 'map'; value: Node } | { kind: 'custom'; path: string[]; atomic: boolean } | { kind: 'atomic' };

interface Child {
  node: Node;
  list: ListInfo;
  /** Go always serialises this field (value struct or no omitempty): present even in an empty object. */
  implicit: boolean;
  /** A declared struct field (not a map entry). */
  declared: boolean;
}

/**
 * Structs the Kubernetes schema marks `+structType=atomic`, and embedded objects
 * (RawExtension) whose content has no schema: both are owned as one leaf.
 */
const ATOMIC_STRUCTS = new Set([
  'meta.v1.LabelSelector',
  'core.v1.ObjectReference',
  'core.v1.LocalObjectReference',
  'core.v1.TypedLocalObjectReference',
  'runtime.RawExtension',
  'runtime.Unknown',
]);
/** Lists keyed by more than their patch merge key (`+listMapKey`), with key defaults. */
const MULTI_KEY_LISTS: Record<string, ListInfo> = {
  'core.v1.Container.ports': { type: 'map', keys: ['containerPort', 'protocol'], defaults: { protocol: 'TCP' } },
  'core.v1.EphemeralContainer.ports': { type: 'map', keys: ['containerPort', 'protocol'], defaults: { protocol: 'TCP' } },
  'core.v1.ServiceSpec.ports': { type: 'map', keys: ['port', 'protocol'], defaults: { protocol: 'TCP' } },
};
const ATOMIC_LIST: ListInfo = { type: 'atomic', keys: [], defaults: {} };
const OBJECT_META = messageSchema('meta.v1.ObjectMeta')!;

function nodeForType(field: FieldInfo): Node {
  if (isScalarType(field.type)) return { kind: 'atomic' };
  if (ATOMIC_STRUCTS.has(field.type)) return { kind: 'atomic' };
  const message = field.message;
  return message ? { kind: 'struct', message } : { kind: 'atomic' };
}

/** Children of built-in structs never change: computed once per (message, field). */
const structChildren = new WeakMap<MessageSchema, Map<string, Child>>();

function childOf(node: Node, key: string, opts: Pick<ApplyOptions, 'listTypes'>): Child {
  if (node.kind === 'struct') {
    let children = structChildren.get(node.message);
    if (!children) structChildren.set(node.message, (children = new Map()));
    let child = children.get(key);
    if (!child) children.set(key, (child = computeChild(node, key, opts)));
    return child;
  }
  return computeChild(node, key, opts);
}

function computeChild(node: Node, key: string, opts: Pick<ApplyOptions, 'listTypes'>): Child {
  switch (node.kind) {
    case 'atomic':
      return { node, list: ATOMIC_LIST, implicit: false, declared: true };
    case 'map':
      return { node: node.value, list: ATOMIC_LIST, implicit: false, declared: false };
    case 'custom': {
      // Every object's metadata is a typed ObjectMeta, custom resources' included.
      if (node.path.length === 0 && key === 'metadata')
        return { node: { kind: 'struct', message: OBJECT_META }, list: ATOMIC_LIST, implicit: true, declared: true };
      const path = [...node.path, key];
      const info = opts.listTypes?.(path);
      const list: ListInfo =
        info?.listType === 'map'
          ? { type: 'map', keys: info.listMapKeys ?? [], defaults: {} }
          : info?.listType === 'set'
            ? { type: 'set', keys: [], defaults: {} }
            : ATOMIC_LIST;
      return { node: { kind: 'custom', path, atomic: info?.mapType === 'atomic' }, list, implicit: info?.valueStruct === true, declared: true };
    }
    case 'struct': {
      const field = node.message.fields.get(key);
      if (!field) return { node: { kind: 'custom', path: [], atomic: false }, list: ATOMIC_LIST, implicit: false, declared: false };
      const implicit = (field.goKind === 'value' && !isScalarType(field.type)) || !field.omitempty;
      if (field.goKind === 'map') return { node: { kind: 'map', value: nodeForType(field) }, list: ATOMIC_LIST, implicit, declared: true };
      if (field.goKind === 'slice' && field.type !== 'bytes') {
        let list = ATOMIC_LIST;
        const multi = MULTI_KEY_LISTS[`${node.message.name}.${key}`];
        if (multi) list = multi;
        else if (field.patchStrategies.includes('merge')) {
          list = field.mergeKey ? { type: 'map', keys: [field.mergeKey], defaults: {} } : { type: 'set', keys: [], defaults: {} };
        }
        return { node: nodeForType(field), list, implicit, declared: true };
      }
      return { node: nodeForType(field), list: ATOMIC_LIST, implicit, declared: true };
    }
  }
}

function rootNode(gvk: { apiVersion: string; kind: string }): Node {
  const message = schemaFor(gvk.apiVersion, gvk.kind);
  return message ? { kind: 'struct', message } : { kind: 'custom', path: [], atomic: false };
}

function isAtomicObject(node: Node): boolean {
  return node.kind === 'atomic' || (node.kind === 'custom' && node.atomic);
}

// ---- path elements of list items ----

/** Path elements of list items, cached per list schema (items are compared many times per request). */
const elementCache = new WeakMap<ListInfo, WeakMap<object, string>>();

function itemElement(item: Json, list: ListInfo): string | undefined {
  if (list.type === 'set') return `v:${sortedJson(item)}`;
  if (list.type !== 'map' || !isObject(item)) return undefined;
  let cache = elementCache.get(list);
  if (!cache) elementCache.set(list, (cache = new WeakMap()));
  let pe = cache.get(item);
  if (pe === undefined) cache.set(item, (pe = mapItemElement(item, list)));
  return pe;
}

function mapItemElement(item: JsonObject, list: ListInfo): string {
  const key: JsonObject = {};
  for (const k of list.keys) {
    const v = Object.hasOwn(item, k) ? item[k] : list.defaults[k];
    if (v !== undefined) key[k] = v;
  }
  return `k:${sortedJson(key)}`;
}

// ---- field sets from values ----

/** A position in the field set being built; set nodes are created only when something is marked. */
interface At {
  parent: At | undefined;
  pe: string;
  set: FieldSet | undefined;
}

const rootAt = (set: FieldSet): At => ({ parent: undefined, pe: '', set });
const down = (at: At, pe: string): At => ({ parent: at, pe, set: undefined });

function setAt(at: At): FieldSet {
  if (!at.set) at.set = setAt(at.parent!).child(at.pe);
  return at.set;
}

function mark(at: At): void {
  setAt(at).member = true;
}

/** Items of a list by their path element. */
function indexItems(list: Json[] | undefined, info: ListInfo): Map<string, Json> | undefined {
  if (!list) return undefined;
  const out = new Map<string, Json>();
  for (const item of list) {
    const pe = itemElement(item, info);
    if (pe !== undefined && !out.has(pe)) out.set(pe, item);
  }
  return out;
}

/** The fields an applied configuration sets (what an Apply manager owns). */
function toFieldSet(value: Json, node: Node, list: ListInfo, at: At, opts: Pick<ApplyOptions, 'listTypes'>): void {
  if (Array.isArray(value)) {
    if (list.type === 'atomic') {
      mark(at);
      return;
    }
    for (const item of value) {
      const pe = itemElement(item, list);
      if (!pe) continue;
      const itemAt = down(at, pe);
      if (list.type === 'map' && isObject(item)) toFieldSet(item, node, ATOMIC_LIST, itemAt, opts);
      mark(itemAt);
    }
    return;
  }
  if (!isObject(value) || isAtomicObject(node) || Object.keys(value).length === 0) {
    mark(at);
    return;
  }
  for (const k of Object.keys(value)) {
    const v = value[k];
    const child = childOf(node, k, opts);
    const childAt = down(at, `f:${k}`);
    toFieldSet(v, child.node, child.list, childAt, opts);
    if (!child.declared || v === null) mark(childAt);
  }
}

/** Fields added or changed from `old` to `updated` (what an Update manager comes to own). */
function changedFields(
  old: Json | undefined,
  updated: Json | undefined,
  node: Node,
  list: ListInfo,
  at: At,
  presentBefore: boolean,
  opts: Pick<ApplyOptions, 'listTypes'>,
): void {
  if (updated === undefined) return;
  if (Array.isArray(updated) && list.type !== 'atomic' && updated.length > 0) {
    const oldItems = indexItems(Array.isArray(old) ? old : undefined, list);
    if (!oldItems && !presentBefore && at.parent) mark(at);
    for (const item of updated) {
      const pe = itemElement(item, list);
      if (!pe) continue;
      const before = oldItems?.get(pe);
      const itemAt = down(at, pe);
      if (before === undefined) mark(itemAt);
      if (list.type === 'map') changedFields(before, item, node, ATOMIC_LIST, itemAt, before !== undefined, opts);
    }
    return;
  }
  if (isObject(updated) && !isAtomicObject(node) && Object.keys(updated).length > 0) {
    const oldObj = isObject(old) ? old : undefined;
    if (!oldObj && !presentBefore && at.parent) mark(at);
    for (const k of Object.keys(updated)) {
      const v = updated[k];
      const before = oldObj?.[k];
      if (before !== undefined && before === v) continue; // shared, unchanged subtree
      const child = childOf(node, k, opts);
      const implicit = (oldObj !== undefined || presentBefore) && child.implicit;
      changedFields(before, v, child.node, child.list, down(at, `f:${k}`), before !== undefined || implicit, opts);
    }
    return;
  }
  if (!deepEqual(old, updated)) mark(at);
}

/** Fields present in `old` and gone from `updated`. */
function removedFields(old: Json | undefined, updated: Json | undefined, node: Node, list: ListInfo, at: At, opts: Pick<ApplyOptions, 'listTypes'>): void {
  if (old === undefined || old === updated) return;
  if (updated === undefined) {
    mark(at);
    toFieldSet(old, node, list, at, opts);
    return;
  }
  if (Array.isArray(old) && Array.isArray(updated) && list.type !== 'atomic') {
    const after = indexItems(updated, list)!;
    for (const item of old) {
      const pe = itemElement(item, list);
      if (!pe) continue;
      if (list.type === 'map') removedFields(item, after.get(pe), node, ATOMIC_LIST, down(at, pe), opts);
      else if (!after.has(pe)) mark(down(at, pe));
    }
    return;
  }
  if (isObject(old) && isObject(updated) && !isAtomicObject(node)) {
    for (const k of Object.keys(old)) {
      const child = childOf(node, k, opts);
      removedFields(old[k], updated[k], child.node, child.list, down(at, `f:${k}`), opts);
    }
  }
}

// ---- merging and removing ----

/** Merges the applied configuration into the live object (applied values win). */
function merge(live: Json | undefined, applied: Json, node: Node, list: ListInfo, opts: Pick<ApplyOptions, 'listTypes'>): Json {
  if (Array.isArray(applied) && Array.isArray(live) && list.type !== 'atomic') return mergeLists(live, applied, node, list, opts);
  if (isObject(applied) && isObject(live) && !isAtomicObject(node)) {
    const out: JsonObject = { ...live };
    for (const [k, v] of Object.entries(applied)) {
      const child = childOf(node, k, opts);
      if (v === null) delete out[k];
      else out[k] = merge(live[k], v, child.node, child.list, opts);
    }
    return out;
  }
  return deepClone(applied);
}

/** structured-merge-diff's list order: applied items in their order, live-only items kept where they were. */
function mergeLists(live: Json[], applied: Json[], node: Node, list: ListInfo, opts: Pick<ApplyOptions, 'listTypes'>): Json[] {
  const key = (x: Json): string => itemElement(x, list) ?? sortedJson(x);
  const liveKeys = live.map(key);
  const appliedKeys = applied.map(key);
  const appliedSet = new Set(appliedKeys);
  const liveByKey = new Map(live.map((x, i) => [liveKeys[i], x]));
  const shared = appliedKeys.filter((k) => liveByKey.has(k));
  let nextShared = shared.shift();
  const out: Json[] = [];
  const mergeItem = (k: string, a: Json): Json => (list.type === 'map' ? merge(liveByKey.get(k), a, node, ATOMIC_LIST, opts) : a);
  let l = 0;
  let r = 0;
  while (l < live.length || r < applied.length) {
    if (l < live.length && r < applied.length) {
      if (liveKeys[l] === appliedKeys[r]) {
        out.push(mergeItem(appliedKeys[r], applied[r]));
        l++;
        r++;
        nextShared = shared.shift();
        continue;
      }
      if (appliedSet.has(liveKeys[l]) && nextShared !== undefined && nextShared !== liveKeys[l]) {
        l++;
        continue;
      }
    }
    if (l < live.length && !appliedSet.has(liveKeys[l])) {
      out.push(live[l]);
      l++;
      continue;
    }
    if (r < applied.length) {
      out.push(mergeItem(appliedKeys[r], applied[r]));
      if (nextShared === appliedKeys[r]) nextShared = shared.shift();
      r++;
    } else {
      l++;
    }
  }
  return out;
}

/** Removes the given fields from `value`; containers left empty by a removal disappear as well. */
function removeFields(value: Json, node: Node, list: ListInfo, toRemove: FieldSet, opts: Pick<ApplyOptions, 'listTypes'>, owned?: FieldSet): Json | undefined {
  if (Array.isArray(value) && list.type !== 'atomic') {
    const out: Json[] = [];
    let removedAny = false;
    for (const item of value) {
      const pe = itemElement(item, list);
      const sub = pe ? toRemove.children.get(pe) : undefined;
      if (!sub) {
        out.push(item);
        continue;
      }
      const ownedSub = pe ? owned?.children.get(pe) : undefined;
      if (sub.member) {
        // A removed item keeps the parts another manager still owns (SMD adds owned items back).
        const keptPart = ownedSub && list.type === 'map' ? retainOwned(item, node, ATOMIC_LIST, ownedSub, opts) : undefined;
        if (keptPart === undefined) removedAny = true;
        else out.push(keptPart);
        continue;
      }
      const kept = list.type === 'map' ? removeFields(item, node, ATOMIC_LIST, sub, opts, ownedSub) : item;
      if (kept === undefined) removedAny = true;
      else out.push(kept);
    }
    return removedAny && out.length === 0 ? undefined : out;
  }
  if (isObject(value) && !isAtomicObject(node)) {
    const out: JsonObject = {};
    let removedAny = false;
    for (const [k, v] of Object.entries(value)) {
      const sub = toRemove.children.get(`f:${k}`);
      if (!sub) {
        out[k] = v;
        continue;
      }
      const child = childOf(node, k, opts);
      const ownedSub = owned?.children.get(`f:${k}`);
      const kept = sub.member
        ? ownedSub && ownedSub.children.size > 0
          ? retainOwned(v, child.node, child.list, ownedSub, opts)
          : undefined
        : removeFields(v, child.node, child.list, sub, opts, ownedSub);
      if (kept === undefined) removedAny = true;
      else out[k] = kept;
    }
    return removedAny && Object.keys(out).length === 0 ? undefined : out;
  }
  return value;
}

/** The parts of a value that the `owned` set covers (undefined when none). */
function retainOwned(value: Json, node: Node, list: ListInfo, owned: FieldSet, opts: Pick<ApplyOptions, 'listTypes'>): Json | undefined {
  if (owned.member) return value;
  if (Array.isArray(value) && list.type !== 'atomic') {
    const out: Json[] = [];
    for (const item of value) {
      const pe = itemElement(item, list);
      const sub = pe ? owned.children.get(pe) : undefined;
      if (!sub) continue;
      const kept = list.type === 'map' ? retainOwned(item, node, ATOMIC_LIST, sub, opts) : item;
      if (kept !== undefined) out.push(kept);
    }
    return out.length ? out : undefined;
  }
  if (isObject(value) && !isAtomicObject(node)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      const sub = owned.children.get(`f:${k}`);
      if (!sub) continue;
      const child = childOf(node, k, opts);
      const kept = retainOwned(v, child.node, child.list, sub, opts);
      if (kept !== undefined) out[k] = kept;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return undefined;
}

// ---- managers ----

/**
 * Fields nobody owns through managedFields: identity, bookkeeping (the field manager's strip
 * set; deletionTimestamp is not in it), and status written elsewhere.
 */
function stripUnowned(obj: JsonObject, opts: Pick<ApplyOptions, 'subresource' | 'statusSubresource'>): JsonObject {
  // CertificateSigningRequests' /approval writes status (its conditions) too.
  if (opts.subresource === 'status' || opts.subresource === 'approval') return obj.status !== undefined ? { status: obj.status } : {};
  const out: JsonObject = {};
  for (const k of Object.keys(obj)) {
    if (k === 'apiVersion' || k === 'kind' || (k === 'status' && opts.statusSubresource)) continue;
    if (k === 'metadata' && isObject(obj.metadata)) {
      const meta: JsonObject = {};
      for (const m of Object.keys(obj.metadata)) if (!UNOWNED_METADATA.has(m)) meta[m] = obj.metadata[m];
      if (Object.keys(meta).length > 0) out.metadata = meta;
      continue;
    }
    out[k] = obj[k];
  }
  return out;
}

const UNOWNED_METADATA = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'selfLink', 'managedFields']);

interface Manager {
  entry: ManagedFieldsEntry;
  set: FieldSet;
}

function identity(e: Pick<ManagedFieldsEntry, 'manager' | 'operation' | 'subresource'>): string {
  return `${e.manager}\u0000${e.operation}\u0000${e.subresource ?? ''}`;
}

function readManagers(obj: KubeObject | undefined): Manager[] {
  const entries = (obj?.metadata?.managedFields ?? []) as ManagedFieldsEntry[];
  return entries
    .filter((e) => isObject(e as unknown as Json) && typeof e.manager === 'string')
    .map((e) => ({ entry: { ...e }, set: FieldSet.fromFieldsV1(e.fieldsV1) }));
}

/** Sorted as kube-apiserver writes them: Apply before Update, then by time, manager, apiVersion, subresource. */
function writeManagers(managers: Manager[]): ManagedFieldsEntry[] {
  // The root is never a field of its own: a manager with nothing below it owns nothing.
  const live = managers.filter((m) => [...m.set.children.values()].some((c) => !c.isEmpty()));
  live.sort((a, b) => {
    const p = a.entry;
    const q = b.entry;
    if (p.operation !== q.operation) return p.operation < q.operation ? -1 : 1;
    const pt = p.time ? Date.parse(p.time) / 1000 : 0;
    const qt = q.time ? Date.parse(q.time) / 1000 : 0;
    if (Math.floor(pt) !== Math.floor(qt)) return pt - qt;
    for (const k of ['manager', 'apiVersion', 'subresource'] as const) {
      const x = p[k] ?? '';
      const y = q[k] ?? '';
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  });
  return live.map((m) => {
    // Key order as kube-apiserver writes an entry.
    const e: Partial<ManagedFieldsEntry> = { manager: m.entry.manager, operation: m.entry.operation, apiVersion: m.entry.apiVersion };
    if (m.entry.time !== undefined) e.time = m.entry.time;
    e.fieldsType = 'FieldsV1';
    e.fieldsV1 = m.set.toFieldsV1();
    if (m.entry.subresource) e.subresource = m.entry.subresource;
    return e as ManagedFieldsEntry;
  });
}

function conflictMessage(conflicts: { manager: Manager; paths: string[][] }[]): ConflictError {
  const who = (m: Manager): string => (m.entry.operation === 'Update' ? `"${m.entry.manager}" using ${m.entry.apiVersion}` : `"${m.entry.manager}"`);
  const total = conflicts.reduce((n, c) => n + c.paths.length, 0);
  let message: string;
  if (total === 1) {
    message = `Apply failed with 1 conflict: conflict with ${who(conflicts[0].manager)}: ${formatPath(conflicts[0].paths[0])}`;
  } else {
    const parts = conflicts.map((c) => `conflicts with ${who(c.manager)}:\n${c.paths.map((p) => `- ${formatPath(p)}`).join('\n')}`);
    message = `Apply failed with ${total} conflicts: ${parts.join('\n')}`;
  }
  const causes = conflicts.flatMap((c) =>
    c.paths.map((p) => ({ reason: 'FieldManagerConflict' as const, message: `conflict with ${who(c.manager)}`, field: formatPath(p) })),
  );
  return new ConflictError(message, causes);
}

/**
 * Server-side apply of `applied` (the request body) by `opts.manager` onto `live` (undefined
 * when creating). Returns the merged object (with its managedFields) or throws ConflictError.
 */
export function serverSideApply(
  live: KubeObject | undefined,
  applied: KubeObject,
  opts: ApplyOptions,
): { object: KubeObject; managedFields: ManagedFieldsEntry[] } {
  const node = rootNode(opts.gvk);
  const liveJson = (live ? deepClone(live) : {}) as unknown as JsonObject;
  const appliedJson = deepClone(applied) as unknown as JsonObject;
  if (isObject(appliedJson.metadata)) delete appliedJson.metadata.managedFields;

  const managers = readManagers(live);
  const me = { manager: opts.manager, operation: 'Apply' as const, subresource: opts.subresource };
  const mine = managers.find((m) => identity(m.entry) === identity(me));
  const lastSet = mine?.set ?? new FieldSet();
  const newSet = new FieldSet();
  toFieldSet(stripUnowned(appliedJson, opts), node, ATOMIC_LIST, rootAt(newSet), opts);

  let merged = merge(liveJson, appliedJson, node, ATOMIC_LIST, opts) as JsonObject;
  // Fields this manager applied before and dropped now go away unless someone else still owns them.
  let othersSet = new FieldSet();
  for (const m of managers) if (m !== mine) othersSet = othersSet.union(m.set);
  const toRemove = lastSet.difference(newSet).difference(othersSet);
  if (!toRemove.isEmpty()) merged = (removeFields(merged, node, ATOMIC_LIST, toRemove, opts, othersSet.union(newSet)) ?? {}) as JsonObject;

  const changed = new FieldSet();
  changedFields(stripUnowned(liveJson, opts), stripUnowned(merged, opts), node, ATOMIC_LIST, rootAt(changed), live !== undefined, opts);
  const conflicts: { manager: Manager; paths: string[][] }[] = [];
  for (const m of managers) {
    if (m === mine) continue;
    const paths = m.set.intersection(changed).paths();
    if (paths.length > 0) conflicts.push({ manager: m, paths });
  }
  let force = opts.force === true;
  if (conflicts.length > 0 && !force && opts.manager === 'kubectl') force = lastAppliedCovers(live, conflicts, node, opts);
  if (conflicts.length > 0 && !force) {
    conflicts.sort((a, b) => compareManagers(a.manager, b.manager));
    throw conflictMessage(conflicts);
  }
  const removed = new FieldSet();
  removedFields(stripUnowned(liveJson, opts), stripUnowned(merged, opts), node, ATOMIC_LIST, rootAt(removed), opts);
  for (const m of managers) {
    if (m === mine) continue;
    if (force) m.set = m.set.difference(changed);
    m.set = m.set.difference(removed);
  }
  const entry: ManagedFieldsEntry = { manager: opts.manager, operation: 'Apply', apiVersion: opts.gvk.apiVersion, fieldsType: 'FieldsV1', fieldsV1: {} };
  // kube-apiserver stamps the time only when the apply changed the object.
  const objectChanged = live === undefined || !deepEqual(withoutManagedFields(liveJson), withoutManagedFields(merged));
  const time = objectChanged ? (opts.time ?? mine?.entry.time) : (mine?.entry.time ?? opts.time);
  if (time !== undefined) entry.time = time;
  if (opts.subresource) entry.subresource = opts.subresource;
  const next = managers.filter((m) => m !== mine);
  next.push({ entry, set: newSet });

  if (opts.manager === 'kubectl') syncLastApplied(merged, appliedJson);
  const managedFields = writeManagers(next);
  const object = merged as unknown as KubeObject;
  object.metadata = { ...(object.metadata ?? {}), managedFields };
  return { object, managedFields };
}

function withoutManagedFields(obj: JsonObject): JsonObject {
  if (!isObject(obj.metadata)) return obj;
  const metadata = { ...obj.metadata };
  delete metadata.managedFields;
  return { ...obj, metadata };
}

function compareManagers(a: Manager, b: Manager): number {
  const x = JSON.stringify([a.entry.manager, a.entry.operation, a.entry.apiVersion]);
  const y = JSON.stringify([b.entry.manager, b.entry.operation, b.entry.apiVersion]);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * kubectl moving from client-side to server-side apply: conflicts on fields that the
 * last-applied annotation lists are the user's own, so they are taken over.
 */
function lastAppliedCovers(live: KubeObject | undefined, conflicts: { paths: string[][] }[], node: Node, opts: ApplyOptions): boolean {
  const text = live?.metadata?.annotations?.[LAST_APPLIED_ANNOTATION];
  if (typeof text !== 'string') return false;
  let lastApplied: unknown;
  try {
    lastApplied = JSON.parse(text);
  } catch {
    return false;
  }
  if (!isObject(lastApplied)) return false;
  const allowed = new FieldSet();
  toFieldSet(stripUnowned(lastApplied, opts), node, ATOMIC_LIST, rootAt(allowed), opts);
  return conflicts.every((c) => c.paths.every((p) => allowed.has(p)));
}

/** kube-apiserver keeps the client-side apply annotation in step when kubectl applies server-side. */
function syncLastApplied(merged: JsonObject, applied: JsonObject): void {
  const meta = merged.metadata;
  if (!isObject(meta) || !isObject(meta.annotations) || typeof meta.annotations[LAST_APPLIED_ANNOTATION] !== 'string') return;
  const config = deepClone(applied);
  if (isObject(config.metadata) && isObject(config.metadata.annotations)) {
    delete config.metadata.annotations[LAST_APPLIED_ANNOTATION];
    if (Object.keys(config.metadata.annotations).length === 0) delete config.metadata.annotations;
  }
  // As kubectl writes it, with a final line break.
  meta.annotations[LAST_APPLIED_ANNOTATION] = sortedJson(config) + '\n';
}

export interface UpdateOptions {
  gvk?: { apiVersion: string; kind: string };
  listTypes?: (path: readonly string[]) => ListTypeInfo | undefined;
  time?: string;
  subresource?: string;
  statusSubresource?: boolean;
}

/**
 * managedFields after an ordinary write (create, update, patch) by `manager`: the manager comes
 * to own what it added or changed, taking it from others; removed fields leave every manager.
 * managedFields sent by the client replace the stored ones when they differ (as on a real server).
 */
export function updateManagedFields(
  old: KubeObject | undefined,
  updated: KubeObject,
  manager: string,
  operation: 'Update' | 'Apply' = 'Update',
  opts: UpdateOptions = {},
): ManagedFieldsEntry[] {
  const gvk = opts.gvk ?? { apiVersion: updated.apiVersion, kind: updated.kind };
  const node = rootNode(gvk);
  const sent = updated.metadata?.managedFields;
  const stored = old?.metadata?.managedFields;
  let managers = readManagers(old);
  if (Array.isArray(sent) && !deepEqual(sent, stored ?? [])) {
    if (sent.length === 0) return [];
    managers = readManagers(updated);
  }
  const before = stripUnowned((old ?? {}) as unknown as JsonObject, opts);
  const after = stripUnowned(updated as unknown as JsonObject, opts);
  const changed = new FieldSet();
  changedFields(before, after, node, ATOMIC_LIST, rootAt(changed), true, opts);
  const removed = new FieldSet();
  // metadata with only unowned fields left is still there: what went is inside it, not it.
  const remaining = isObject(updated.metadata) && !after.metadata ? { ...after, metadata: {} } : after;
  removedFields(before, remaining, node, ATOMIC_LIST, rootAt(removed), opts);
  const me = { manager, operation, subresource: opts.subresource };
  let mine = managers.find((m) => identity(m.entry) === identity(me));
  for (const m of managers) {
    if (m !== mine) m.set = m.set.difference(changed);
    m.set = m.set.difference(removed);
  }
  if (!changed.isEmpty()) {
    if (!mine) {
      mine = { entry: { manager, operation, apiVersion: gvk.apiVersion, fieldsType: 'FieldsV1', fieldsV1: {} }, set: new FieldSet() };
      if (opts.subresource) mine.entry.subresource = opts.subresource;
      managers.push(mine);
    }
    mine.set = mine.set.union(changed);
    mine.entry.apiVersion = gvk.apiVersion;
    if (opts.time !== undefined) mine.entry.time = opts.time;
  }
  return writeManagers(managers);
}

/** The fields a managedFields entry lists, as readable paths (`.spec.replicas`). */
export function managedPaths(entry: Pick<ManagedFieldsEntry, 'fieldsV1'>): string[] {
  return FieldSet.fromFieldsV1(entry.fieldsV1)
    .paths()
    .filter((p) => p.length > 0)
    .map(formatPath);
}
