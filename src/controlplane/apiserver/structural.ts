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
