/**
 * RFC 6902 JSON patch (`application/json-patch+json`) with the behaviour of the library the
 * API server uses (evanphx/json-patch v4): `replace` of a missing object key adds it, negative
 * array indexes count from the end, a missing `value` is null. A patch that does not apply is
 * a 422 whose message is the API server's generic one; the library's text is kept in `detail`.
 */
import { PatchError, deepClone, deepEqual, goJsonType, isObject, type Json } from './errors.js';

export interface JsonPatchOperation {
  op: string;
  path?: string;
  from?: string;
  value?: unknown;
}

const REJECTED = 'the server rejected our request due to an error in our request';
/** kube-apiserver refuses longer patches with 413. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

class OpError extends Error {}

type Container = Json[] | { [key: string]: Json };

function decodeToken(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Walks to the parent of `path`; undefined when any step is missing (Go: "doc is missing path"). */
function findParent(doc: Container, path: string): { parent: Container; key: string } | undefined {
  const parts = path.split('/');
  if (parts.length < 2) return undefined;
  let current: Json = doc;
  for (const raw of parts.slice(1, -1)) {
    const next = getChild(current as Container, decodeToken(raw));
    if (next === undefined || next === null || typeof next !== 'object') return undefined;
    current = next;
  }
  return { parent: current as Container, key: decodeToken(parts[parts.length - 1]) };
}

function arrayIndex(key: string): number | undefined {
  return /^-?\d+$/.test(key) ? Number(key) : undefined;
}

function getChild(container: Container, key: string): Json | undefined {
  if (Array.isArray(container)) {
    const i = arrayIndex(key);
    if (i === undefined || i >= container.length || i < 0) return undefined;
    return container[i];
  }
  return Object.hasOwn(container, key) ? container[key] : undefined;
}

function getValue(parent: Container, key: string): Json | undefined {
  if (!Array.isArray(parent)) return Object.hasOwn(parent, key) ? parent[key] : undefined;
  const i = arrayIndex(key);
  if (i === undefined) throw new OpError(`strconv.Atoi: parsing ${JSON.stringify(key)}: invalid syntax`);
  if (i >= parent.length || i < 0) throw new OpError(`Unable to access invalid index: ${i}: invalid index referenced`);
  return parent[i];
}

function addValue(parent: Container, key: string, value: Json, path: string): void {
  if (!Array.isArray(parent)) {
    parent[key] = value;
    return;
  }
  if (key === '-') {
    parent.push(value);
    return;
  }
  let i = arrayIndex(key);
  if (i === undefined) throw new OpError(`error in add for path: '${path}': value was not a proper array index: '${key}'`);
  if (i > parent.length || i < -(parent.length + 1)) {
    throw new OpError(`error in add for path: '${path}': Unable to access invalid index: ${i}: invalid index referenced`);
  }
  if (i < 0) i += parent.length + 1;
  parent.splice(i, 0, value);
}

function removeValue(parent: Container, key: string, path: string): void {
  if (!Array.isArray(parent)) {
    if (!Object.hasOwn(parent, key)) throw new OpError(`error in remove for path: '${path}': Unable to remove nonexistent key: ${key}: missing value`);
    delete parent[key];
    return;
  }
  let i = arrayIndex(key);
  if (i === undefined) throw new OpError(`error in remove for path: '${path}': strconv.Atoi: parsing ${JSON.stringify(key)}: invalid syntax`);
  if (i >= parent.length || i < -parent.length) {
    throw new OpError(`error in remove for path: '${path}': Unable to access invalid index: ${i}: invalid index referenced`);
  }
  if (i < 0) i += parent.length;
  parent.splice(i, 1);
}

function stringField(op: Record<string, unknown>, name: 'path' | 'from', kind: string): string {
  const v = op[name];
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) throw new OpError(`${kind} operation failed to decode ${name}: missing value`);
  throw new OpError(`json: cannot unmarshal ${goJsonType(v)} into Go value of type string`);
}

function applyOne(doc: Container, op: Record<string, unknown>): void {
  const kind = typeof op.op === 'string' ? op.op : 'unknown';
  const value = (op.value === undefined ? null : deepClone(op.value)) as Json;
  switch (kind) {
    case 'add': {
      const path = stringField(op, 'path', kind);
      const found = findParent(doc, path);
      if (!found) throw new OpError(`add operation does not apply: doc is missing path: "${path}": missing value`);
      addValue(found.parent, found.key, value, path);
      return;
    }
    case 'remove': {
      const path = stringField(op, 'path', kind);
      const found = findParent(doc, path);
      if (!found) throw new OpError(`remove operation does not apply: doc is missing path: "${path}": missing value`);
      removeValue(found.parent, found.key, path);
      return;
    }
    case 'replace': {
      const path = stringField(op, 'path', kind);
      const found = findParent(doc, path);
      if (!found) throw new OpError(`replace operation does not apply: doc is missing path: ${path}: missing value`);
      if (Array.isArray(found.parent)) {
        getValue(found.parent, found.key);
        const i = Number(found.key);
        found.parent[i < 0 ? i + found.parent.length : i] = value;
      } else {
        found.parent[found.key] = value;
      }
      return;
    }
    case 'move':
    case 'copy': {
      const from = stringField(op, 'from', kind);
      const source = findParent(doc, from);
      if (!source) throw new OpError(`${kind} operation does not apply: doc is missing from path: ${from}: missing value`);
      const moved = getValue(source.parent, source.key);
      if (moved === undefined) throw new OpError(`${kind} operation does not apply: doc is missing from path: ${from}: missing value`);
      if (kind === 'move') removeValue(source.parent, source.key, from);
      const path = stringField(op, 'path', kind);
      const target = findParent(doc, path);
      if (!target) throw new OpError(`${kind} operation does not apply: doc is missing destination path: ${path}: missing value`);
      addValue(target.parent, target.key, kind === 'copy' ? deepClone(moved) : moved, path);
      return;
    }
    case 'test': {
      const path = stringField(op, 'path', kind);
      const found = findParent(doc, path);
      if (!found) throw new OpError(`test operation does not apply: is missing path: ${path}: missing value`);
      const actual = getValue(found.parent, found.key);
      const expected = op.value === undefined ? null : op.value;
      if (actual === undefined ? expected !== null : !deepEqual(actual, expected)) {
        throw new OpError(`testing value ${path} failed: test failed`);
      }
      return;
    }
    default:
      throw new OpError(`Unexpected kind: ${kind}`);
  }
}

/** Applies RFC 6902 operations to a copy of `doc` (the input is never modified). */
export function applyJsonPatch<T>(doc: T, ops: unknown): T {
  if (!Array.isArray(ops)) throw new PatchError(`json: cannot unmarshal ${goJsonType(ops)} into Go value of type jsonpatch.Patch`, 400);
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new PatchError(`The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${ops.length}`, 413, 'RequestEntityTooLarge');
  }
  for (const op of ops) {
    if (!isObject(op)) throw new PatchError(`json: cannot unmarshal ${goJsonType(op)} into Go value of type jsonpatch.Operation`, 400);
  }
  const result = deepClone(doc) as unknown as Container;
  try {
    for (const op of ops) applyOne(result, op as Record<string, unknown>);
  } catch (e) {
    if (e instanceof OpError) throw new PatchError(REJECTED, 422, 'Invalid', e.message);
    throw e;
  }
  return result as unknown as T;
}
