/**
 * KUTTL's assertion matching on JSON values (pure): maps match as subsets, lists match
 * in length and order with each element a subset, scalars must be equal and of the same type.
 */

export interface SubsetMismatch {
  /** Path to the mismatch, e.g. ".spec.replicas" or ".spec.containers[0].image". */
  path: string;
  message: string;
}

type JsonKind = 'null' | 'string' | 'number' | 'boolean' | 'list' | 'map';

function kindOf(v: unknown): JsonKind {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'list';
  const t = typeof v;
  if (t === 'string' || t === 'number' || t === 'boolean') return t;
  return 'map';
}

/** Go's type names, as KUTTL prints them in a type mismatch. */
const GO_TYPE: Record<JsonKind, string> = {
  null: '<nil>',
  string: 'string',
  number: 'float64',
  boolean: 'bool',
  list: '[]interface {}',
  map: 'map[string]interface {}',
};

const show = (v: unknown): string => (v === null || v === undefined ? '<nil>' : typeof v === 'string' ? v : JSON.stringify(v));

/** Returns undefined when `expected` is a subset of `actual`, else the first mismatch. */
export function subsetMismatch(expected: unknown, actual: unknown, path = ''): SubsetMismatch | undefined {
  const ek = kindOf(expected);
  const ak = kindOf(actual);
  if (ek !== ak) return { path, message: `type mismatch: ${GO_TYPE[ek]} != ${GO_TYPE[ak]}` };
  if (ek === 'list') {
    const e = expected as unknown[];
    const a = actual as unknown[];
    if (e.length !== a.length) return { path, message: `slice length mismatch: ${e.length} != ${a.length}` };
    for (let i = 0; i < e.length; i++) {
      const m = subsetMismatch(e[i], a[i], `${path}[${i}]`);
      if (m) return m;
    }
    return undefined;
  }
  if (ek === 'map') {
    const a = actual as Record<string, unknown>;
    for (const [key, value] of Object.entries(expected as Record<string, unknown>)) {
      if (!Object.hasOwn(a, key)) return { path: `${path}.${key}`, message: 'key is missing from map' };
      const m = subsetMismatch(value, a[key], `${path}.${key}`);
      if (m) return m;
    }
    return undefined;
  }
  if (expected !== actual) return { path, message: `value mismatch, expected: ${show(expected)} != actual: ${show(actual)}` };
  return undefined;
}

export const isSubset = (expected: unknown, actual: unknown): boolean => subsetMismatch(expected, actual) === undefined;

export function formatMismatch(m: SubsetMismatch): string {
  return m.path ? `${m.path}: ${m.message}` : m.message;
}

/**
 * The part of `actual` that has the shape of `expected`: map keys not in `expected` are
 * dropped, lists keep every element (each pruned by the element at the same position).
 * Makes the expected-versus-actual diff show only what the assertion looks at.
 */
export function pruneToShape(expected: unknown, actual: unknown): unknown {
  const ek = kindOf(expected);
  if (ek !== kindOf(actual)) return actual;
  if (ek === 'map') {
    const a = actual as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(expected as Record<string, unknown>)) {
      if (Object.hasOwn(a, key)) out[key] = pruneToShape(value, a[key]);
    }
    return out;
  }
  if (ek === 'list') {
    const e = expected as unknown[];
    return (actual as unknown[]).map((item, i) => (i < e.length ? pruneToShape(e[i], item) : item));
  }
  return actual;
}
