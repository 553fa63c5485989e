/**
 * The key order of the real API server's JSON: Go's encoder writes struct fields in their
 * declaration order (`kind`, `apiVersion`, then the type's fields) and map keys sorted.
 * Built-in objects are stored in this order so that every answer (and `kubectl get --raw`)
 * reads like a real server's.
 */
import type { KubeObject } from '../../k8s/object.js';
import { schemaFor, type FieldInfo, type MessageSchema } from '../../k8s/schema/index.js';

/** Fields whose JSON is kept as written (embedded raw objects, field sets). */
const RAW = new Set(['runtime.RawExtension', 'runtime.Unknown', 'meta.v1.FieldsV1']);

type Json = unknown;
type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);
const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A built-in object in Go's field order; unknown kinds are returned unchanged. */
export function goOrdered(obj: KubeObject): KubeObject {
  const root = schemaFor(obj.apiVersion, obj.kind);
  if (!root) return obj;
  const { kind, apiVersion, ...rest } = obj as JsonObject;
  return { kind, apiVersion, ...orderMessage(rest, root) } as KubeObject;
}

function orderMessage(o: JsonObject, msg: MessageSchema): JsonObject {
  const out: JsonObject = {};
  for (const [name, field] of msg.fields) if (Object.hasOwn(o, name)) out[name] = orderField(o[name], field);
  // Anything the type does not know stays, after the known fields.
  for (const k of Object.keys(o)) if (!Object.hasOwn(out, k)) out[k] = o[k];
  return out;
}

// Plain loops and no closures: every built-in write passes through here.
function orderField(v: Json, field: FieldInfo): Json {
  if (RAW.has(field.type)) return v;
  const child = field.message;
  if (field.goKind === 'slice') {
    if (!Array.isArray(v) || !child) return v;
    const out = new Array<Json>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = orderElement(v[i], child);
    return out;
  }
  if (field.goKind === 'map') {
    if (!isObject(v)) return v;
    const out: JsonObject = {};
    for (const k of Object.keys(v).sort(byKey)) out[k] = orderElement(v[k], child);
    return out;
  }
  return orderElement(v, child);
}

function orderElement(x: Json, child: MessageSchema | undefined): Json {
  return child && isObject(x) ? orderMessage(x, child) : x;
}
