/**
 * Structural-schema handling of custom resources (apiextensions' rules): defaults, pruning of
 * unknown fields, and validation of types, enums, bounds and required fields.
 */
import { goValue, type Cause } from './errors.js';

export type Schema = {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  [key: string]: unknown;
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Fills `default`s of absent fields, depth first, as the API server does on write and read. */
export function applyDefaults(value: unknown, schema: Schema | undefined): void {
  if (!schema) return;
  if (isObject(value)) {
    for (const [k, s] of Object.entries(schema.properties ?? {})) {
      if (value[k] === undefined && s.default !== undefined) value[k] = structuredClone(s.default);
      applyDefaults(value[k], s);
    }
    if (isObject(schema.additionalProperties)) for (const v of Object.values(value)) applyDefaults(v, schema.additionalProperties);
  } else if (Array.isArray(value) && schema.items) {
    for (const v of value) applyDefaults(v, schema.items);
  }
}

/** Removes fields the schema does not know; returns their paths (for strict validation and warnings). */
export function prune(value: unknown, schema: Schema | undefined, path: string, root = false): string[] {
  const unknown: string[] = [];
  if (!schema) return unknown;
  if (isObject(value)) {
    const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
    const embedded = schema['x-kubernetes-embedded-resource'] === true || root;
    for (const k of Object.keys(value)) {
      if (embedded && (k === 'apiVersion' || k === 'kind' || k === 'metadata')) continue;
      const child = schema.properties?.[k] ?? (isObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
      const p = path ? `${path}.${k}` : k;
      if (child) unknown.push(...prune(value[k], child, p));
      else if (!preserve && schema.additionalProperties !== true) {
        delete value[k];
        unknown.push(p);
      }
    }
  } else if (Array.isArray(value) && schema.items) {
    value.forEach((v, i) => unknown.push(...prune(v, schema.items, `${path}[${i}]`)));
  }
  return unknown;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** Validates `value` against `schema`; `path` is the field path of value (e.g. "spec"). */
export function validate(value: unknown, schema: Schema | undefined, path: string, causes: Cause[]): void {
  if (!schema) return;
  if (value === null) {
    if (!schema.nullable && schema.type && !schema['x-kubernetes-preserve-unknown-fields'])
      causes.push({ reason: 'FieldValueTypeInvalid', field: path, message: `Invalid value: "null": ${path} in body must be of type ${schema.type}: "null"` });
    return;
  }
  const actual = typeOf(value);
  if (schema['x-kubernetes-int-or-string']) {
    if (actual !== 'integer' && actual !== 'string')
      causes.push({
        reason: 'FieldValueTypeInvalid',
        field: path,
        message: `Invalid value: ${goValue(value)}: ${path} in body must be of type integer,string: "${actual}"`,
      });
    return;
  }
  const want = schema.type;
  if (want && !(want === actual || (want === 'number' && actual === 'integer'))) {
    causes.push({ reason: 'FieldValueTypeInvalid', field: path, message: `Invalid value: "${actual}": ${path} in body must be of type ${want}: "${actual}"` });
    return;
  }
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value)))
    causes.push({
      reason: 'FieldValueNotSupported',
      field: path,
      message: `Unsupported value: ${goValue(value)}: supported values: ${schema.enum.map(goValue).join(', ')}`,
    });
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && (schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum))
      causes.push({
        reason: 'FieldValueInvalid',
        field: path,
        message: `Invalid value: ${value}: ${path} in body should be greater than ${schema.exclusiveMinimum ? '' : 'or equal to '}${schema.minimum}`,
      });
    if (schema.maximum !== undefined && (schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum))
      causes.push({
        reason: 'FieldValueInvalid',
        field: path,
        message: `Invalid value: ${value}: ${path} in body should be less than ${schema.exclusiveMaximum ? '' : 'or equal to '}${schema.maximum}`,
      });
  }
  if (typeof value === 'string') {
    if (schema.maxLength !== undefined && value.length > schema.maxLength)
      causes.push({ reason: 'FieldValueTooLong', field: path, message: `Too long: may not be more than ${schema.maxLength} bytes` });
    if (schema.minLength !== undefined && value.length < schema.minLength)
      causes.push({
        reason: 'FieldValueInvalid',
        field: path,
        message: `Invalid value: ${goValue(value)}: ${path} in body should be at least ${schema.minLength} chars long`,
      });
    if (schema.pattern !== undefined) {
      let re: RegExp | undefined;
      try {
        re = new RegExp(schema.pattern, 'u');
      } catch {
        re = undefined;
      }
      if (re && !re.test(value))
        causes.push({
          reason: 'FieldValueInvalid',
          field: path,
          message: `Invalid value: ${goValue(value)}: ${path} in body should match '${schema.pattern}'`,
        });
    }
  }
  if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems)
      causes.push({ reason: 'FieldValueTooMany', field: path, message: `Too many: ${value.length}: must have at most ${schema.maxItems} items` });
    if (schema.minItems !== undefined && value.length < schema.minItems)
      causes.push({
        reason: 'FieldValueInvalid',
        field: path,
        message: `Invalid value: ${value.length}: ${path} in body should have at least ${schema.minItems} items`,
      });
    value.forEach((v, i) => validate(v, schema.items, `${path}[${i}]`, causes));
  }
  if (isObject(value)) {
    for (const r of schema.required ?? [])
      if (value[r] === undefined) causes.push({ reason: 'FieldValueRequired', field: path ? `${path}.${r}` : r, message: 'Required value' });
    for (const [k, v] of Object.entries(value)) {
      if (!path && (k === 'metadata' || k === 'apiVersion' || k === 'kind')) continue;
      const child = schema.properties?.[k] ?? (isObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
      validate(v, child, path ? `${path}.${k}` : k, causes);
    }
  }
}

// ---- scale subresource checks ----

/** Go's %v of a decoded JSON value (maps with sorted keys, strings unquoted). */
function goPrint(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goPrint).join(' ')}]`;
  if (isObject(v))
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${goPrint(v[k])}`)
      .join(' ')}]`;
  if (typeof v === 'number' && !Number.isInteger(v) && v !== 0 && Math.abs(v) < 1e-4)
    // %v switches to an exponent below 1e-4, with at least two exponent digits.
    return v.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  return String(v);
}

/** Go's %T of a decoded JSON value, as apimachinery's unstructured decoder types it. */
function goType(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return '[]interface {}';
  if (isObject(v)) return 'map[string]interface {}';
  if (typeof v === 'number') return Number.isSafeInteger(v) ? 'int64' : 'float64';
  return typeof v;
}

/**
 * unstructured.NestedInt64 / NestedString at a `.a.b` path: the value (0 or "" when absent or
 * wrong) and the accessor error text when a step or the value has the wrong type.
 */
function nested(obj: unknown, path: string, want: 'int64' | 'string'): { value: number | string; error?: string } {
  const fields = path.replace(/^\./, '').split('.');
  const zero = want === 'int64' ? 0 : '';
  let v: unknown = obj;
  for (let i = 0; i < fields.length; i++) {
    if (v === null || v === undefined) return { value: zero };
    if (!isObject(v))
      return {
        value: zero,
        error: `.${fields.slice(0, i + 1).join('.')} accessor error: ${goPrint(v)} is of the type ${goType(v)}, expected map[string]interface{}`,
      };
    if (!(fields[i] in v)) return { value: zero };
    v = v[fields[i]];
  }
  if (goType(v) !== want) return { value: zero, error: `.${fields.join('.')} accessor error: ${goPrint(v)} is of the type ${goType(v)}, expected ${want}` };
  return { value: v as number | string };
}

function replicasCauses(obj: unknown, path: string): Cause[] {
  const { value, error } = nested(obj, path, 'int64');
  const invalidAt = (detail: string): Cause => ({ reason: 'FieldValueInvalid', field: path, message: `Invalid value: ${value}: ${detail}` });
  if (error) return [invalidAt(error)];
  if ((value as number) < 0) return [invalidAt('should be a non-negative integer')];
  if ((value as number) > 2147483647) return [invalidAt('should be less than or equal to 2147483647')];
  return [];
}

/**
 * The checks a CRD's scale subresource adds to every write of its custom resources, after the
 * schema's: spec replicas (not on writes through /status), status replicas and the label selector.
 * Paths are reported as the CRD spells them (".spec.replicas").
 */
export function validateScale(
  obj: unknown,
  scale: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string } | undefined,
  statusOnly: boolean,
): Cause[] {
  if (!scale) return [];
  const causes: Cause[] = [];
  if (!statusOnly) causes.push(...replicasCauses(obj, scale.specReplicasPath));
  causes.push(...replicasCauses(obj, scale.statusReplicasPath));
  if (scale.labelSelectorPath) {
    const { value, error } = nested(obj, scale.labelSelectorPath, 'string');
    if (error) causes.push({ reason: 'FieldValueInvalid', field: scale.labelSelectorPath, message: `Invalid value: ${JSON.stringify(value)}: ${error}` });
  }
  return causes;
}
