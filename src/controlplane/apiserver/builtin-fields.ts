/**
 * Unknown fields in built-in kinds: the API server decodes bodies into Go types, so fields the
 * types lack are dropped (and reported under fieldValidation=Strict/Warn). The Go field table
 * in src/k8s/schema says which fields exist.
 */
import { messageSchema, schemaFor, type MessageSchema } from '../../k8s/schema/index.js';

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
