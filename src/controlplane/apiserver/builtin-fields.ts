/**
 * Unknown fields in built-in kinds: the API server decodes bodies into Go types, so fields the
 * types lack are dropped (and reported under fieldValidation=Strict/Warn). The Go field table
 * in src/k8s/schema says which fields exist.
 */
import { messageSchema, schemaFor, type FieldInfo, type MessageSchema } from '../../k8s/schema/index.js';

/** Messages whose JSON is free-form (embedded objects, field sets). */
const OPAQUE = new Set(['runtime.RawExtension', 'runtime.Unknown', 'meta.v1.FieldsV1']);

/** Removes fields the kind's Go type does not have; returns their paths (`spec.bogus`). */
export function pruneBuiltin(obj: Record<string, unknown>, apiVersion: string, kind: string): string[] {
  const root = schemaFor(apiVersion, kind);
  if (!root) return [];
  const unknown: string[] = [];
  walk(obj, root, '', unknown, true);
  return unknown;
}

function walk(value: unknown, msg: MessageSchema, path: string, unknown: string[], root = false): void {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return;
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (root && (key === 'apiVersion' || key === 'kind')) continue;
    const p = path ? `${path}.${key}` : key;
    const field = msg.fields.get(key);
    if (!field) {
      delete o[key];
      unknown.push(p);
      continue;
    }
    if (OPAQUE.has(field.type)) continue;
    const child = field.message ?? messageSchema(field.type);
    if (!child) continue;
    const v = o[key];
    if (field.goKind === 'slice' && Array.isArray(v)) v.forEach((x, i) => walk(x, child, `${p}[${i}]`, unknown));
    else if (field.goKind === 'map' && v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, child, `${p}.${k}`, unknown);
    else walk(v, child, p, unknown);
  }
}

/**
 * What a Go round trip does to a built-in object's JSON: `omitempty` lists, maps and zero
 * scalars disappear, and an embedded ObjectMeta (a pod template's `metadata`) always carries
 * `creationTimestamp: null`, because Go writes a zero metav1.Time as null.
 */
export function goShape(obj: Record<string, unknown>, apiVersion: string, kind: string): void {
  const root = schemaFor(apiVersion, kind);
  if (root) shape(obj, root, true);
}

const ZERO_TIMES = new Set(['meta.v1.Time', 'meta.v1.MicroTime']);
const ZERO_SCALARS: Record<string, unknown> = { string: '', bool: false, int32: 0, int64: 0, double: 0, float: 0 };

/** Whether Go leaves an `omitempty` field out: nil, empty lists and maps, zero scalars (never structs). */
function omitted(field: FieldInfo, v: unknown): boolean {
  if (!field.omitempty) return false;
  const plainScalar = !field.type.includes('.');
  if (v === null) return field.goKind !== 'value' || plainScalar;
  if (field.goKind === 'slice') return Array.isArray(v) && v.length === 0;
  if (field.goKind === 'map') return typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0;
  return field.goKind === 'value' && plainScalar && (v === '' || v === 0 || v === false);
}

function shape(value: unknown, msg: MessageSchema, root = false): void {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return;
  const o = value as Record<string, unknown>;
  for (const [key, field] of msg.fields) {
    if (!root && field.type === 'meta.v1.ObjectMeta' && field.goKind === 'value') {
      const meta = (o[key] && typeof o[key] === 'object' ? o[key] : (o[key] = {})) as Record<string, unknown>;
      if (!('creationTimestamp' in meta)) meta.creationTimestamp = null;
    }
    if (!(key in o) && field.goKind === 'value') {
      // Go writes every struct field that is not a pointer: nested structs (even empty),
      // zero times as null, and zero scalars unless omitempty.
      if (field.message && !OPAQUE.has(field.type)) o[key] = {};
      else if (ZERO_TIMES.has(field.type)) o[key] = null;
      else if (!field.omitempty && ZERO_SCALARS[field.type] !== undefined) o[key] = ZERO_SCALARS[field.type];
    }
    if (!(key in o)) continue;
    const v = o[key];
    if (omitted(field, v)) {
      delete o[key];
      continue;
    }
    if (OPAQUE.has(field.type)) continue;
    const child = field.message;
    if (!child) continue;
    if (field.goKind === 'slice' && Array.isArray(v)) v.forEach((x) => shape(x, child));
    else if (field.goKind === 'map' && v && typeof v === 'object') for (const x of Object.values(v)) shape(x, child);
    else shape(v, child);
  }
}
