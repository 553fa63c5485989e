/**
 * Unknown fields in built-in kinds: the API server decodes bodies into Go types, so fields the
 * types lack are dropped (and reported under fieldValidation=Strict/Warn). The Go field table
 * in src/k8s/schema says which fields exist.
 */
import { messageSchema, schemaFor, type FieldInfo, type MessageSchema } from '../../k8s/schema/index.js';

/** Messages whose JSON is free-form (embedded objects, field sets). */
const OPAQUE = new Set(['runtime.RawExtension', 'runtime.Unknown', 'meta.v1.FieldsV1']);

/**
 * What decoding into the kind's Go types does to a body: fields the types lack are dropped
 * (their paths are returned, `spec.bogus`), and nulls follow encoding/json: a null struct or
 * scalar field leaves the zero value (the field goes), while a null inside a map or list
 * becomes the element's zero value (`data: {a: null}` is `a: ""`).
 */
export function goDecode(obj: Record<string, unknown>, apiVersion: string, kind: string): string[] {
  const root = schemaFor(apiVersion, kind);
  if (!root) return [];
  const unknown: string[] = [];
  walk(obj, root, '', unknown, true);
  return unknown;
}

/** The JSON of a Go element type's zero value. */
function zeroOf(field: FieldInfo): unknown {
  if (field.message && !OPAQUE.has(field.type)) return {};
  if (field.type === 'bytes' || field.type === 'string') return '';
  if (field.type === 'resource.Quantity') return '0';
  if (field.type === 'intstr.IntOrString') return 0;
  return ZERO_SCALARS[field.type] ?? null;
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
    const v = o[key];
    if (v === null && field.goKind === 'value') {
      delete o[key];
      continue;
    }
    if (field.goKind === 'slice' && Array.isArray(v) && field.type !== 'bytes') for (let i = 0; i < v.length; i++) if (v[i] === null) v[i] = zeroOf(field);
    if (field.goKind === 'map' && v && typeof v === 'object')
      for (const k in v as object) if ((v as Record<string, unknown>)[k] === null) (v as Record<string, unknown>)[k] = zeroOf(field);
    if (OPAQUE.has(field.type)) continue;
    const child = field.message ?? messageSchema(field.type);
    if (!child) continue;
    if (field.goKind === 'slice' && Array.isArray(v)) for (let i = 0; i < v.length; i++) walk(v[i], child, `${p}[${i}]`, unknown);
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
    if (field.goKind === 'slice' && Array.isArray(v)) for (const x of v) shape(x, child);
    else if (field.goKind === 'map' && v && typeof v === 'object') for (const x of Object.values(v)) shape(x, child);
    else shape(v, child);
  }
}

/**
 * The first value Go's JSON decoder would refuse in a built-in object (a number where a string
 * belongs, a list where a map belongs, bad base64, a malformed quantity), worded as the decoder
 * words it; undefined when the object decodes.
 */
export function decodeError(obj: Record<string, unknown>, apiVersion: string, kind: string): string | undefined {
  const root = schemaFor(apiVersion, kind);
  return root ? checkMessage(obj, root, '', true) : undefined;
}

const QUANTITY = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

/** Go's name of a field's type: `string`, `[]v1.Container`, `map[string]string`. */
function goTypeName(field: FieldInfo, element = false): string {
  const base = field.type.includes('.') ? field.type.split('.').slice(-2).join('.') : field.type === 'bytes' ? '[]uint8' : field.type;
  if (element) return base;
  if (field.goKind === 'slice') return `[]${base}`;
  if (field.goKind === 'map') return `map[string]${base}`;
  return base;
}

function checkMessage(value: unknown, msg: MessageSchema, path: string, root = false): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const o = value as Record<string, unknown>;
  // Plain loops and no closures: every built-in write passes through here.
  for (const key in o) {
    if (root && (key === 'apiVersion' || key === 'kind')) continue;
    const v = o[key];
    const field = msg.fields.get(key);
    if (!field || OPAQUE.has(field.type) || v === null || v === undefined) continue;
    const p = path ? `${path}.${key}` : key;
    if (field.goKind === 'slice' && field.type !== 'bytes') {
      if (!Array.isArray(v)) return refusal(v, goTypeName(field), msg, p);
      for (const x of v) {
        const e = checkValue(x, field, p, msg);
        if (e) return e;
      }
    } else if (field.goKind === 'map') {
      if (typeof v !== 'object' || Array.isArray(v)) return refusal(v, goTypeName(field), msg, p);
      const m = v as Record<string, unknown>;
      for (const k in m) {
        const e = checkValue(m[k], field, p, msg);
        if (e) return e;
      }
    } else {
      const e = checkValue(v, field, p, msg);
      if (e) return e;
    }
  }
  return undefined;
}

/** Go's decoder error for a value of the wrong JSON type in field `path` of struct `msg`. */
function refusal(got: unknown, type: string, msg: MessageSchema, path: string): string {
  return `json: cannot unmarshal ${jsonType(got)} into Go struct field ${msg.name.split('.').pop()}.${path} of type ${type}`;
}

/** `owner` and `path` name the struct field the value sits in (for the decoder's wording). */
function checkValue(v: unknown, field: FieldInfo, path: string, owner: MessageSchema): string | undefined {
  if (v === null || v === undefined) return undefined;
  const type = field.type;
  switch (type) {
    case 'string':
      return typeof v === 'string' ? undefined : refusal(v, goTypeName(field, true), owner, path);
    case 'bool':
      return typeof v === 'boolean' ? undefined : refusal(v, goTypeName(field, true), owner, path);
    case 'int32':
    case 'int64':
      return typeof v === 'number' && Number.isInteger(v) ? undefined : refusal(v, goTypeName(field, true), owner, path);
    case 'bytes':
      if (typeof v !== 'string') return refusal(v, '[]uint8', owner, path);
      return BASE64.test(v) && v.length % 4 === 0 ? undefined : `illegal base64 data at input byte ${firstBadBase64(v)}`;
    case 'resource.Quantity':
      if (typeof v === 'number') return undefined;
      if (typeof v !== 'string' || !QUANTITY.test(v.trim())) return `quantities must match the regular expression '${QUANTITY.source}'`;
      return undefined;
    case 'intstr.IntOrString':
      return typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v)) ? undefined : refusal(v, 'intstr.IntOrString', owner, path);
  }
  if (OPAQUE.has(type) || !field.message) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) return refusal(v, goTypeName(field, true), owner, path);
  return checkMessage(v, field.message, path);
}

/** Where Go's base64 decoder stops: the first character outside the alphabet, or the end. */
function firstBadBase64(s: string): number {
  const i = [...s].findIndex((c) => !/[A-Za-z0-9+/=]/.test(c));
  return i >= 0 ? i : s.length - (s.length % 4);
}
