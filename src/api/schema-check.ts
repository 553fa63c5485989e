/** Checks a value against a structural CRD schema (types, nullable, enum, required, pattern, lengths). */
import type { JSONSchemaProps } from './crds.js';

/** Returns every violation as `path: message`; empty when the value is accepted. */
export function checkSchema(value: unknown, schema: JSONSchemaProps, path = ''): string[] {
  const at = path || '<root>';
  if (value === null) return schema.nullable || schema['x-kubernetes-preserve-unknown-fields'] ? [] : [`${at}: must not be null`];
  if (value === undefined) return [];
  const errors: string[] = [];
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') return [`${at}: must be a string`];
      if (schema.enum && !schema.enum.includes(value)) errors.push(`${at}: must be one of ${schema.enum.join(', ')}`);
      if (schema.maxLength !== undefined && value.length > schema.maxLength) errors.push(`${at}: longer than ${schema.maxLength}`);
      if (schema.minLength !== undefined && value.length < schema.minLength) errors.push(`${at}: shorter than ${schema.minLength}`);
      if (schema.pattern && !new RegExp(schema.pattern).test(value)) errors.push(`${at}: does not match ${schema.pattern}`);
      if (schema.format === 'date-time' && Number.isNaN(Date.parse(value))) errors.push(`${at}: not a date-time`);
      return errors;
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${at}: must be a boolean`];
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return [`${at}: must be an integer`];
      return schema.minimum !== undefined && value < schema.minimum ? [`${at}: below ${schema.minimum}`] : [];
    case 'number':
      return typeof value === 'number' ? [] : [`${at}: must be a number`];
    case 'array':
      if (!Array.isArray(value)) return [`${at}: must be an array`];
      return value.flatMap((v, i) => (schema.items ? checkSchema(v, schema.items, `${path}[${i}]`) : []));
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return [`${at}: must be an object`];
      const obj = value as Record<string, unknown>;
      for (const r of schema.required ?? []) if (!(r in obj)) errors.push(`${path ? path + '.' : ''}${r}: required`);
      for (const [k, v] of Object.entries(obj)) {
        const sub = schema.properties?.[k] ?? schema.additionalProperties;
        if (sub) errors.push(...checkSchema(v, sub, path ? `${path}.${k}` : k));
        // Unknown fields are pruned by the API server, not rejected.
      }
      return errors;
    }
  }
  return errors;
}
