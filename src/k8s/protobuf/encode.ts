/**
 * Encodes a Kubernetes JSON object as a protobuf body (`k8s\0` + runtime.Unknown), the way
 * Go's generated marshallers do: value fields always, pointers only when set. For protobuf
 * responses and tests; decodeProtobufObject(encodeProtobufObject(x)) gives x back for an x
 * in Go's JSON form. Pure: no I/O.
 */
import { type FieldDef, type MessageDef, rootMessageFor } from './descriptor.js';
import { PROTOBUF_MAGIC } from './decode.js';
import { parseGoDuration, parseRfc3339 } from './go-values.js';
import { ProtobufError, WireWriter, utf8Bytes } from './wire.js';

/** Encodes `obj` (with `apiVersion` and `kind`) as a Kubernetes protobuf body. */
export function encodeProtobufObject(obj: Record<string, unknown>): Uint8Array {
  const { apiVersion, kind } = obj;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') throw new ProtobufError('object has no apiVersion and kind');
  const def = rootMessageFor(apiVersion, kind);
  if (!def) throw new ProtobufError(`no protobuf schema for kind "${kind}" of apiVersion "${apiVersion}"`, 'UnknownKind');
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  const raw = encodeMessage(def, rest, '');

  const typeMeta = new WireWriter();
  typeMeta.string(1, apiVersion);
  typeMeta.string(2, kind);
  const out = new WireWriter();
  out.raw(PROTOBUF_MAGIC);
  out.bytes(1, typeMeta.finish());
  out.bytes(2, raw);
  out.string(3, '');
  out.string(4, '');
  return out.finish();
}

function childPath(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

function fail(path: string, what: string): never {
  throw new ProtobufError(`${path || 'object'}: ${what}`);
}

interface EncodePlan {
  /** Fields in field-number order, as Go writes them. */
  fields: FieldDef[];
  /** JSON names the message takes from an object, its embedded structs' names included. */
  names: Set<string>;
}

const plans = new Map<MessageDef, EncodePlan>();

function planFor(def: MessageDef): EncodePlan {
  let plan = plans.get(def);
  if (!plan) {
    const names = new Set<string>();
    for (const field of def.fields) {
      if (field.inline) for (const name of planFor(field.message!).names) names.add(name);
      else names.add(field.jsonName);
    }
    plan = { fields: [...def.fields].sort((a, b) => a.number - b.number), names };
    plans.set(def, plan);
  }
  return plan;
}

function encodeMessage(def: MessageDef, value: unknown, path: string): Uint8Array {
  if (def.special) return encodeSpecial(def, value, path);
  // JSON null (or an absent value field) is Go's zero struct.
  if (value === null || value === undefined) return new Uint8Array(0);
  if (typeof value !== 'object' || Array.isArray(value)) fail(path, 'expected an object');
  const obj = value as Record<string, unknown>;
  const plan = planFor(def);
  for (const key of Object.keys(obj)) if (!plan.names.has(key)) fail(childPath(path, key), `unknown field for ${def.id}`);
  const w = new WireWriter();
  for (const field of plan.fields) {
    if (field.inline) {
      // The embedded struct reads its own fields from the same object.
      const inner = planFor(field.message!).names;
      const picked = Object.fromEntries(Object.entries(obj).filter(([k]) => inner.has(k)));
      w.bytes(field.number, encodeMessage(field.message!, picked, path));
      continue;
    }
    encodeField(w, field, obj[field.jsonName], childPath(path, field.jsonName));
  }
  return w.finish();
}

function encodeField(w: WireWriter, field: FieldDef, value: unknown, path: string): void {
  switch (field.cardinality) {
    case 'repeated':
      if (value === undefined || value === null) return;
      if (!Array.isArray(value)) fail(path, 'expected a list');
      value.forEach((item, i) => encodeSingle(w, field, item, `${path}[${i}]`));
      return;
    case 'map':
      if (value === undefined || value === null) return;
      if (typeof value !== 'object' || Array.isArray(value)) fail(path, 'expected an object');
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        const entry = new WireWriter();
        entry.string(1, key);
        encodeSingle(entry, { ...field, number: 2 }, item, `${path}[${JSON.stringify(key)}]`);
        w.bytes(field.number, entry.finish());
      }
      return;
    case 'pointer':
      if (value === undefined || value === null) {
        // A set pointer to Go's zero time marshals as JSON null, so null is kept for times.
        if (value === null && (field.message?.special === 'time' || field.message?.special === 'microtime')) w.bytes(field.number, new Uint8Array(0));
        return;
      }
      encodeSingle(w, field, value, path);
      return;
    case 'value':
      // Go writes every value field, zero or not, except nil byte slices.
      if (field.message) encodeSingle(w, field, value ?? null, path);
      else if (field.type === 'bytes') {
        if (value !== undefined && value !== null) encodeSingle(w, field, value, path);
      } else encodeSingle(w, field, value ?? (field.type === 'string' ? '' : field.type === 'bool' ? false : 0), path);
  }
}

function encodeSingle(w: WireWriter, field: FieldDef, value: unknown, path: string): void {
  if (field.message) {
    w.bytes(field.number, encodeMessage(field.message, value, path));
    return;
  }
  switch (field.type) {
    case 'string':
      if (typeof value !== 'string') fail(path, 'expected a string');
      w.string(field.number, value);
      return;
    case 'bytes': {
      if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) fail(path, 'expected base64 text');
      w.bytes(field.number, new Uint8Array(Buffer.from(value, 'base64')));
      return;
    }
    case 'bool':
      if (typeof value !== 'boolean') fail(path, 'expected true or false');
      w.tag(field.number, 0);
      w.varint(value ? 1 : 0);
      return;
    case 'double':
    case 'float':
      if (typeof value !== 'number') fail(path, 'expected a number');
      w.fixed(field.number, field.type === 'double' ? 8 : 4, (v) => (field.type === 'double' ? v.setFloat64(0, value, true) : v.setFloat32(0, value, true)));
      return;
    default: {
      if (typeof value !== 'number' || !Number.isInteger(value)) fail(path, 'expected an integer');
      if (field.type === 'int32' && (value < -(2 ** 31) || value >= 2 ** 31)) fail(path, `${value} does not fit in int32`);
      w.tag(field.number, 0);
      w.varint(value);
    }
  }
}

function encodeSpecial(def: MessageDef, value: unknown, path: string): Uint8Array {
  const w = new WireWriter();
  switch (def.special) {
    case 'time':
    case 'microtime': {
      if (value === null) break;
      const t = typeof value === 'string' ? parseRfc3339(value) : undefined;
      if (!t) fail(path, 'expected an RFC 3339 time');
      w.tag(1, 0);
      w.varint(t.seconds);
      // metav1.Time keeps whole seconds; MicroTime keeps microseconds.
      w.tag(2, 0);
      w.varint(def.special === 'microtime' ? Math.floor(t.nanos / 1000) * 1000 : 0);
      break;
    }
    case 'duration': {
      const ns = typeof value === 'string' ? parseGoDuration(value) : undefined;
      if (ns === undefined) fail(path, 'expected a Go duration such as "1h30m"');
      w.tag(1, 0);
      w.varint(ns);
      break;
    }
    case 'quantity': {
      if (typeof value !== 'string' && typeof value !== 'number') fail(path, 'expected a quantity');
      w.string(1, String(value));
      break;
    }
    case 'intorstring':
      if (typeof value === 'number' && Number.isInteger(value)) {
        w.tag(1, 0);
        w.varint(0);
        w.tag(2, 0);
        w.varint(value);
      } else if (typeof value === 'string') {
        w.tag(1, 0);
        w.varint(1);
        w.string(3, value);
      } else fail(path, 'expected an integer or a string');
      break;
    case 'rawextension':
    case 'fieldsv1':
      if (value !== null && value !== undefined) w.bytes(1, utf8Bytes(JSON.stringify(value)));
      break;
    case 'list':
      if (value === null) break;
      if (!Array.isArray(value)) fail(path, 'expected a list');
      value.forEach((item, i) => encodeSingle(w, def.fields[0], item, `${path}[${i}]`));
      break;
    default:
      fail(path, `unsupported special type ${def.special}`);
  }
  return w.finish();
}
