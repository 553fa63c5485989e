/**
 * Quantity fields of built-in objects as kube-apiserver stores them: every Quantity-typed field
 * canonicalised, and the values of resource lists (`requests`, `limits`, `hard`, `capacity`, ...)
 * rounded up to milli units as core/v1 defaulting does.
 */
import { QuantityError, formatQuantity, parseQuantity, roundUpQuantity } from './quantity.js';
import { schemaFor, type MessageSchema } from './schema/index.js';
import { isObject, type Json, type JsonObject } from './patch/errors.js';

const QUANTITY = 'resource.Quantity';

/** An invalid quantity, with the JSON path of the field (`spec.containers[0].resources.limits.cpu`). */
export class QuantityFieldError extends QuantityError {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

/**
 * Returns a copy of `obj` with its quantities canonical; objects of kinds without Go types are
 * returned unchanged. Throws QuantityFieldError for a malformed quantity.
 */
export function canonicalizeQuantities<T>(obj: T, gvk: { apiVersion: string; kind: string }): T {
  const schema = schemaFor(gvk.apiVersion, gvk.kind);
  if (!schema || !isObject(obj)) return obj;
  return walkMessage(obj as JsonObject, schema, '') as T;
}

function convert(value: Json, path: string, resourceList: boolean): Json {
  if (typeof value !== 'string' && typeof value !== 'number') return value;
  try {
    const q = parseQuantity(value);
    return formatQuantity(resourceList ? roundUpQuantity(q, -3) : q);
  } catch (e) {
    if (e instanceof QuantityError) throw new QuantityFieldError(e.message, path);
    throw e;
  }
}

function walkMessage(obj: JsonObject, message: MessageSchema, path: string): JsonObject {
  let out: JsonObject | undefined;
  for (const [key, value] of Object.entries(obj)) {
    const field = message.fields.get(key);
    if (!field || value === null) continue;
    const childPath = path ? `${path}.${key}` : key;
    let next: Json = value;
    if (field.type === QUANTITY) {
      if (field.goKind === 'map' && isObject(value)) {
        next = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v, `${childPath}.${k}`, true)]));
      } else if (field.goKind !== 'map') {
        next = convert(value, childPath, false);
      }
    } else if (field.message) {
      const sub = field.message;
      if (field.goKind === 'slice' && Array.isArray(value))
        next = value.map((item, i) => (isObject(item) ? walkMessage(item, sub, `${childPath}[${i}]`) : item));
      else if (field.goKind === 'map' && isObject(value))
        next = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isObject(v) ? walkMessage(v, sub, `${childPath}.${k}`) : v]));
      else if (isObject(value)) next = walkMessage(value, sub, childPath);
    }
    if (next !== value) {
      out ??= { ...obj };
      out[key] = next;
    }
  }
  return out ?? obj;
}
