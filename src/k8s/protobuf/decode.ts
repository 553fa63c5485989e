/**
 * Decodes Kubernetes protobuf request bodies (`Content-Type: application/vnd.kubernetes.protobuf`)
 * into the JSON object Go's encoding/json gives the same Go struct, i.e. what kubectl ≤ 1.31
 * sends as JSON for the same command. Pure: no I/O.
 *
 * Body layout: the 4 bytes `k8s\0`, then a runtime.Unknown {typeMeta{apiVersion, kind}, raw,
 * contentEncoding, contentType} whose `raw` is the typed message of that kind.
 */
import { QuantityError, canonicalizeQuantity } from '../quantity.js';
import { type FieldDef, type MessageDef, messageDef, rootMessageFor } from './descriptor.js';
import { formatGoDuration, formatRfc3339 } from './go-values.js';
import { ProtobufError, WIRE_BYTES, WIRE_FIXED32, WIRE_FIXED64, WIRE_VARINT, WireReader } from './wire.js';

export { ProtobufError } from './wire.js';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';
export const PROTOBUF_MAGIC = Uint8Array.of(0x6b, 0x38, 0x73, 0x00); // "k8s\0"

const UNKNOWN = 'runtime.Unknown';
const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** True when protobuf bodies of this apiVersion/kind can be decoded (built-in kinds, not custom resources). */
export function isProtobufKind(apiVersion: string, kind: string): boolean {
  return rootMessageFor(apiVersion, kind) !== undefined;
}

export interface ProtobufEnvelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
}

/** Checks the prefix and reads the runtime.Unknown envelope, without decoding the object itself. */
export function readProtobufEnvelope(body: Uint8Array): ProtobufEnvelope {
  if (body.length < 4 || PROTOBUF_MAGIC.some((b, i) => body[i] !== b)) {
    throw new ProtobufError('body does not start with the Kubernetes protobuf prefix "k8s\\x00"');
  }
  const values = readFields(messageDef(UNKNOWN), new WireReader(body.subarray(4), 'envelope'));
  const typeMeta = readFields(messageDef('runtime.TypeMeta'), new WireReader(concatBytes(values.get(1)), 'envelope.typeMeta'));
  const apiVersion = lastValue(typeMeta.get(1)) as string | undefined;
  const kind = lastValue(typeMeta.get(2)) as string | undefined;
  const contentEncoding = lastValue(values.get(3)) as string | undefined;
  const contentType = lastValue(values.get(4)) as string | undefined;
  if (!kind) throw new ProtobufError('envelope.typeMeta: kind is missing');
  if (!apiVersion) throw new ProtobufError('envelope.typeMeta: apiVersion is missing');
  if (contentEncoding) throw new ProtobufError(`envelope: contentEncoding "${contentEncoding}" is not supported`);
  if (contentType && contentType !== PROTOBUF_CONTENT_TYPE) throw new ProtobufError(`envelope: contentType "${contentType}" is not ${PROTOBUF_CONTENT_TYPE}`);
  // Go would decode a missing raw as an empty object; a body without it is cut short or garbage.
  if (!values.has(2)) throw new ProtobufError('envelope: the raw object is missing (truncated body?)');
  return { apiVersion, kind, raw: concatBytes(values.get(2)) };
}

/**
 * Decodes a protobuf body into its JSON object (`kind` and `apiVersion` first).
 * Throws ProtobufError: reason `Malformed` for bad bytes, `UnknownKind` for a kind without schema.
 */
export function decodeProtobufObject(body: Uint8Array): Record<string, unknown> {
  const { apiVersion, kind, raw } = readProtobufEnvelope(body);
  const def = rootMessageFor(apiVersion, kind);
  if (!def) throw new ProtobufError(`no protobuf schema for kind "${kind}" of apiVersion "${apiVersion}"`, 'UnknownKind');
  const object = decodeMessage(def, raw, '') as Record<string, unknown>;
  return { kind, apiVersion, ...object };
}

/** The wire values of each field of one message: scalars converted, messages and map entries as bytes. */
type FieldValues = Map<number, unknown[]>;

function readFields(def: MessageDef, r: WireReader): FieldValues {
  const values: FieldValues = new Map();
  while (!r.done) {
    const tag = r.uint();
    const number = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (number === 0) r.fail('field number 0 is not valid');
    const field = def.byNumber.get(number);
    if (!field) {
      // Go skips fields it does not know (a newer client may send them).
      r.skip(wireType, number);
      continue;
    }
    let list = values.get(number);
    if (!list) values.set(number, (list = []));
    if (field.message || field.cardinality === 'map' || field.type === 'bytes' || field.type === 'string') {
      if (wireType !== WIRE_BYTES) r.fail(`field ${field.jsonName} has wire type ${wireType}, expected ${WIRE_BYTES}`);
      list.push(field.type === 'string' && field.cardinality !== 'map' ? r.string(`field ${field.jsonName}`) : r.bytes());
    } else if (wireType === WIRE_BYTES && field.cardinality === 'repeated') {
      // A packed list of numbers.
      const packed = new WireReader(r.bytes(), `${r.path}.${field.jsonName}`);
      while (!packed.done) list.push(readNumber(packed, field, scalarWireType(field.type)));
    } else {
      list.push(readNumber(r, field, wireType));
    }
  }
  return values;
}

function scalarWireType(type: string): number {
  if (type === 'double' || type === 'fixed64') return WIRE_FIXED64;
  if (type === 'float' || type === 'fixed32') return WIRE_FIXED32;
  return WIRE_VARINT;
}

function readNumber(r: WireReader, field: FieldDef, wireType: number): number | bigint | boolean {
  const expected = scalarWireType(field.type);
  if (wireType !== expected) r.fail(`field ${field.jsonName} has wire type ${wireType}, expected ${expected}`);
  switch (field.type) {
    case 'double':
      return r.fixed(8).getFloat64(0, true);
    case 'float':
      return r.fixed(4).getFloat32(0, true);
    case 'fixed64':
      return toNumber(r.fixed(8).getBigUint64(0, true));
    case 'fixed32':
      return r.fixed(4).getUint32(0, true);
  }
  const v = r.varint();
  switch (field.type) {
    case 'bool':
      return v !== 0;
    case 'int32':
      return typeof v === 'number' && v <= 0x7fffffff ? v : Number(BigInt.asIntN(32, BigInt(v)));
    case 'uint32':
      return Number(BigInt.asUintN(32, BigInt(v)));
    case 'int64':
      return typeof v === 'number' ? v : toNumber(BigInt.asIntN(64, v));
    case 'uint64':
      return v;
    case 'sint32':
    case 'sint64': {
      const big = BigInt(v);
      return toNumber((big >> 1n) ^ -(big & 1n));
    }
    default:
      r.fail(`field ${field.jsonName} has unsupported type ${field.type}`);
  }
}

/** Keeps exact values as bigint only when a number would lose digits (JSON.parse would too). */
function toNumber(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function lastValue(list: unknown[] | undefined): unknown {
  return list?.[list.length - 1];
}

/** A non-repeated message field sent more than once merges, which for protobuf is concatenation. */
function concatBytes(list: unknown[] | undefined): Uint8Array {
  if (!list || list.length === 0) return new Uint8Array(0);
  if (list.length === 1) return list[0] as Uint8Array;
  const parts = list as Uint8Array[];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function childPath(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

/** Decodes one message into its JSON value (an object, or the special JSON form of its Go type). */
function decodeMessage(def: MessageDef, bytes: Uint8Array, path: string): unknown {
  const values = readFields(def, new WireReader(bytes, path));
  if (def.special) return specialValue(def, values, bytes.length === 0, path);
  const out: Record<string, unknown> = {};
  for (const field of def.fields) {
    const list = values.get(field.number);
    if (field.inline) {
      Object.assign(out, decodeMessage(field.message!, concatBytes(list), path));
      continue;
    }
    // Paths are only needed where nested decoding can fail.
    const here = field.message || field.cardinality === 'map' ? childPath(path, field.jsonName) : path;
    const value = fieldValue(field, list, here);
    if (value !== OMIT) out[field.jsonName] = toJsonNumber(value);
  }
  return out;
}

const OMIT = Symbol('omit');

function toJsonNumber(value: unknown): unknown {
  return typeof value === 'bigint' ? Number(value) : value;
}

/** The JSON value of one field by Go's rules, or OMIT when encoding/json leaves it out. */
function fieldValue(field: FieldDef, list: unknown[] | undefined, path: string): unknown {
  const present = list !== undefined && list.length > 0;
  switch (field.cardinality) {
    case 'repeated': {
      // A nil Go slice is `null`; protobuf cannot tell nil from empty.
      if (!present) return field.omitEmpty ? OMIT : null;
      return list.map((item, i) => elementValue(field, item, `${path}[${i}]`));
    }
    case 'map': {
      if (!present) return field.omitEmpty ? OMIT : null;
      const out: Record<string, unknown> = {};
      for (const entry of list as Uint8Array[]) {
        const [key, value] = decodeMapEntry(field, entry, path);
        out[key] = value;
      }
      return out;
    }
    case 'pointer':
      // A nil pointer was not written; a set pointer keeps even a zero value (`replicas: 0`).
      if (!present) return field.omitEmpty ? OMIT : null;
      return field.message ? decodeMessage(field.message, concatBytes(list), path) : scalarJson(field, lastValue(list));
    case 'value': {
      if (field.message) {
        const value = decodeMessage(field.message, concatBytes(list), path);
        // Go's omitempty never drops a struct; a named slice (`list`) is dropped when empty.
        if (field.omitEmpty && field.message.special === 'list' && value === null) return OMIT;
        return value;
      }
      if (field.type === 'bytes') {
        if (!present) return field.omitEmpty ? OMIT : null;
        const bytes = lastValue(list) as Uint8Array;
        return field.omitEmpty && bytes.length === 0 ? OMIT : base64(bytes);
      }
      const value = present ? lastValue(list) : zeroOf(field.type);
      if (field.omitEmpty && (value === '' || value === 0 || value === 0n || value === false)) return OMIT;
      return scalarJson(field, value);
    }
  }
}

function zeroOf(type: string): unknown {
  if (type === 'string') return '';
  if (type === 'bool') return false;
  return 0;
}

function scalarJson(field: FieldDef, value: unknown): unknown {
  if (field.type === 'bytes') return base64(value as Uint8Array);
  return value;
}

function elementValue(field: FieldDef, item: unknown, path: string): unknown {
  if (field.message) return decodeMessage(field.message, item as Uint8Array, path);
  return toJsonNumber(scalarJson(field, item));
}

function decodeMapEntry(field: FieldDef, entry: Uint8Array, path: string): [string, unknown] {
  const r = new WireReader(entry, path);
  let key = '';
  let value: unknown;
  while (!r.done) {
    const tag = r.uint();
    const number = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (number === 1) {
      if (wireType !== WIRE_BYTES) r.fail(`map key has wire type ${wireType}, expected ${WIRE_BYTES}`);
      key = r.string('map key');
    } else if (number === 2) {
      if (field.message || field.type === 'string' || field.type === 'bytes') {
        if (wireType !== WIRE_BYTES) r.fail(`map value has wire type ${wireType}, expected ${WIRE_BYTES}`);
        value = field.type === 'string' ? r.string('map value') : r.bytes();
      } else {
        value = readNumber(r, field, wireType);
      }
    } else {
      r.skip(wireType, number);
    }
  }
  const here = `${path}[${JSON.stringify(key)}]`;
  if (field.message) return [key, decodeMessage(field.message, (value as Uint8Array | undefined) ?? new Uint8Array(0), here)];
  if (value === undefined) return [key, field.type === 'bytes' ? '' : zeroOf(field.type)];
  return [key, toJsonNumber(scalarJson(field, value))];
}

/** Go types with their own JSON marshalling: times, durations, quantities, int-or-string, raw JSON, named slices. */
function specialValue(def: MessageDef, values: FieldValues, empty: boolean, path: string): unknown {
  const first = (n: number) => lastValue(values.get(n));
  switch (def.special) {
    case 'time': {
      // A metav1.Time with nothing on the wire is Go's zero time, which marshals as null.
      if (empty) return null;
      return timeString(Number(first(1) ?? 0), undefined, path);
    }
    case 'microtime': {
      if (empty) return null;
      const nanos = Number(first(2) ?? 0);
      if (nanos < 0 || nanos > 999_999_999) throw new ProtobufError(`${path}: nanos ${nanos} out of range`);
      return timeString(Number(first(1) ?? 0), Math.floor(nanos / 1000), path);
    }
    case 'duration':
      return formatGoDuration((first(1) as number | bigint | undefined) ?? 0);
    case 'quantity': {
      const text = first(1) as string | undefined;
      if (text === undefined) return '0';
      // Go parses the string on decode and writes the canonical form to JSON.
      try {
        return canonicalizeQuantity(text);
      } catch (err) {
        if (err instanceof QuantityError) throw new ProtobufError(`${path}: "${text}" is not a valid quantity: ${err.message}`);
        throw err;
      }
    }
    case 'intorstring': {
      const type = Number(first(1) ?? 0);
      if (type === 0) return Number(first(2) ?? 0);
      if (type === 1) return (first(3) as string | undefined) ?? '';
      throw new ProtobufError(`${path}: int-or-string has unknown type ${type}`);
    }
    case 'rawextension':
    case 'fieldsv1': {
      const raw = first(1) as Uint8Array | undefined;
      return raw === undefined || raw.length === 0 ? null : embeddedJson(raw, path);
    }
    case 'list': {
      const items = values.get(def.fields[0].number);
      return items && items.length > 0 ? items.map((item) => toJsonNumber(scalarJson(def.fields[0], item))) : null;
    }
    default:
      throw new ProtobufError(`${path}: unsupported special type ${def.special}`);
  }
}

function timeString(seconds: number, micros: number | undefined, path: string): string {
  const text = formatRfc3339(seconds, micros);
  if (text === undefined) throw new ProtobufError(`${path}: time ${seconds}s is outside the years 0-9999`);
  return text;
}

const MAX_EMBEDDING_DEPTH = 16;
let embeddingDepth = 0;

/** RawExtension/FieldsV1 hold JSON text, or a nested protobuf object. */
function embeddedJson(raw: Uint8Array, path: string): unknown {
  if (raw.length >= 4 && PROTOBUF_MAGIC.every((b, i) => raw[i] === b)) {
    // Objects nested in objects are legitimate a few levels deep; thousands would exhaust the stack.
    if (embeddingDepth >= MAX_EMBEDDING_DEPTH) throw new ProtobufError(`${path}: embedded objects nested more than ${MAX_EMBEDDING_DEPTH} deep`);
    embeddingDepth++;
    try {
      return decodeProtobufObject(raw);
    } catch (err) {
      if (err instanceof ProtobufError) throw new ProtobufError(`${path}: embedded object: ${err.message}`, err.reason);
      throw err;
    } finally {
      embeddingDepth--;
    }
  }
  try {
    return JSON.parse(textDecoder.decode(raw));
  } catch {
    throw new ProtobufError(`${path}: embedded raw object is neither JSON nor Kubernetes protobuf`);
  }
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');
}
