/**
 * Parameters: from params.yaml to the OperatorVersion form (every value a string),
 * typed validation of values with KUDO's messages, `-p`/`-P` parsing, and the
 * `.Params` map templates see.
 */
import type { Parameter } from '../api/types.js';
import { goQuote, sprintS, sprintV } from './gofmt.js';
import { marshalYaml } from './goyaml.js';
import type { PackageParameter } from './model.js';
import { PackageError, parseYaml, type RawValue } from './yaml.js';

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/** A YAML value as Go's JSON decoder would hold it: every number a float64. */
export function toJson(v: RawValue): Json {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(toJson);
  if (v !== null && typeof v === 'object') {
    const out: { [k: string]: Json } = {};
    for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: toJson(x), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

const isStructured = (type: string | undefined): boolean => type === 'array' || type === 'map';

/**
 * KUDO's YAMLValue: YAML text for array/map types (a missing default becomes "null\n",
 * so it counts as having a default), Go's %v otherwise, where a missing default stays absent.
 */
export function wrapParamValue(value: RawValue | undefined, type: string | undefined): string | undefined {
  if (isStructured(type)) return marshalYaml(toJson(value ?? null));
  if (value === null || value === undefined) return undefined;
  return sprintV(toJson(value));
}

/** Converts a params.yaml parameter to the OperatorVersion form (`type` becomes `value-type`; group, hint and advanced are dropped). */
export function toOperatorVersionParameter(p: PackageParameter): Parameter {
  const out: Parameter = {};
  if (p.displayName) out.displayName = p.displayName;
  out.name = p.name ?? '';
  if (p.description) out.description = p.description;
  out.required = p.required;
  const def = wrapParamValue(p.default, p.type);
  if (def !== undefined) out.default = def;
  if (p.trigger) out.trigger = p.trigger;
  if (p.type) out['value-type'] = p.type;
  out.immutable = p.immutable;
  if (p.enum) out.enum = p.enum.map((e) => wrapParamValue(e, p.type) ?? '');
  return out;
}

// ---------------------------------------------------------------------------
// Go's strconv parsers, for their acceptance rules and error texts

const syntaxError = (fn: string, s: string): string => `strconv.${fn}: parsing ${goQuote(s)}: invalid syntax`;
const rangeError = (fn: string, s: string): string => `strconv.${fn}: parsing ${goQuote(s)}: value out of range`;

/** strconv.ParseInt(s, 10, 64): undefined when valid, else Go's error text. */
export function parseIntError(s: string): string | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return syntaxError('ParseInt', s);
  const n = BigInt(s);
  if (n > 9223372036854775807n || n < -9223372036854775808n) return rangeError('ParseInt', s);
  return undefined;
}

/** strconv.ParseFloat(s, 64). */
export function parseFloatError(s: string): string | undefined {
  const t = s.replace(/^[+-]/, '');
  if (/^(inf|infinity|nan)$/i.test(t)) return undefined;
  const dec = /^([0-9](_?[0-9])*)?(\.([0-9](_?[0-9])*)?)?([eE][+-]?[0-9]+)?$/.test(t) && /[0-9]/.test(t.split(/[eE]/)[0]) && !t.includes('_');
  const hex = /^0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+$/.test(t);
  if (!dec && !hex) return syntaxError('ParseFloat', s);
  if (dec && !Number.isFinite(Number(t))) return rangeError('ParseFloat', s);
  return undefined;
}

const GO_BOOLS = new Map([
  ...['1', 't', 'T', 'TRUE', 'true', 'True'].map((s) => [s, true] as const),
  ...['0', 'f', 'F', 'FALSE', 'false', 'False'].map((s) => [s, false] as const),
]);
/** strconv.ParseBool: the boolean, or undefined when it does not parse. */
export function parseGoBool(s: string): boolean | undefined {
  return GO_BOOLS.get(s);
}

/** Parses YAML text the way sigs.k8s.io/yaml does for array/map values; undefined when malformed. */
export function parseYamlValue(text: string): Json | undefined {
  try {
    return toJson(parseYaml(text, 'value').value);
  } catch {
    return undefined;
  }
}

/**
 * KUDO's ValidateParameterValueForType, for a value that is either a string (an instance
 * value or an OV default) or a raw YAML value (a default read from params.yaml by verify).
 * Returns the error text, or undefined.
 */
export function typeError(type: string | undefined, value: RawValue): string | undefined {
  // Only an explicit type is checked: untyped parameters take any YAML default.
  switch (type ?? '') {
    case 'string':
      return typeof value === 'string' ? undefined : `type is "string" but format is invalid: ${sprintS(toJson(value))}`;
    case 'integer':
      if (typeof value === 'string') {
        const err = parseIntError(value);
        return err && `type is "integer" but format of ${goQuote(value)} is invalid: ${err}`;
      }
      return `type is "integer" but format of ${sprintS(toJson(value))} is invalid`;
    case 'number':
      if (typeof value === 'number' || typeof value === 'bigint') return undefined;
      if (typeof value === 'string') {
        const err = parseFloatError(value);
        return err && `type is "number" but format of ${goQuote(value)} is invalid: ${err}`;
      }
      return `type is "number" but format of ${sprintS(toJson(value))} is invalid`;
    case 'boolean':
      if (typeof value === 'boolean') return undefined;
      if (typeof value === 'string')
        return parseGoBool(value) === undefined
          ? `type is "boolean" but format of ${goQuote(value)} is invalid: ${syntaxError('ParseBool', value)}`
          : undefined;
      return `type is "boolean" but format of ${sprintS(toJson(value))} is invalid`;
    case 'array':
      if (Array.isArray(value)) return undefined;
      if (typeof value === 'string') {
        const parsed = parseYamlValue(value);
        return parsed === undefined || (parsed !== null && !Array.isArray(parsed)) ? `type is "array", but format of ${value} is invalid` : undefined;
      }
      return `type is "array" but value ${sprintS(toJson(value))} is not an array`;
    case 'map':
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) return undefined;
      if (typeof value === 'string') {
        const parsed = parseYamlValue(value);
        return parsed === undefined || (parsed !== null && (typeof parsed !== 'object' || Array.isArray(parsed)))
          ? `type is "map", but format of ${value} is invalid`
          : undefined;
      }
      return `type is "map" but value ${sprintS(toJson(value))} is not a map`;
    default:
      return undefined;
  }
}

/** KUDO's enum check: values are compared as Go values, so only strings can match. */
export function enumError(allowed: readonly RawValue[], value: RawValue): string | undefined {
  if (allowed.some((a) => a === value)) return undefined;
  const v = typeof value === 'string' ? goQuote(value) : `%!q(${sprintV(toJson(value))})`;
  return `value is ${v}, but only allowed values are [${allowed.map((a) => sprintV(toJson(a))).join(' ')}]`;
}

/** KUDO's Parameter.ValidateValue for an instance value (OV parameter form). */
export function validateParameterValue(p: Parameter, value: string): string | undefined {
  if (p.required && (p.default === undefined || p.default === null) && value === '')
    return `parameter ${goQuote(p.name ?? '')} is required but has no value set`;
  if (value === '') return undefined;
  const err = typeError(p['value-type'], value) ?? (p.enum ? enumError(p.enum, value) : undefined);
  return err && `parameter ${goQuote(p.name ?? '')} has an invalid value ${goQuote(value)}: ${err}`;
}

/** Validates every OV parameter against instance values (the admission check on create); returns all messages. */
export function validateInstanceParameters(params: readonly Parameter[], values: Readonly<Record<string, string>>): string[] {
  const errors: string[] = [];
  for (const p of params) {
    const err = validateParameterValue(p, Object.hasOwn(values, p.name ?? '') ? values[p.name ?? ''] : '');
    if (err) errors.push(err);
  }
  return errors;
}

/** Names of parameters the instance does not declare, sorted (KUDO rejects these on update only). */
export function unknownParameters(params: readonly Parameter[], values: Readonly<Record<string, string>>): string[] {
  const known = new Set(params.map((p) => p.name));
  return Object.keys(values)
    .filter((k) => !known.has(k))
    .sort();
}

/** `missing required parameters during installation: a,b`, or undefined (the CLI's client-side check). */
export function missingRequiredParameters(params: readonly Parameter[], values: Readonly<Record<string, string>>): string | undefined {
  const missing = params
    .filter((p) => p.required && (p.default === undefined || p.default === null) && !Object.hasOwn(values, p.name ?? ''))
    .map((p) => p.name);
  return missing.length ? `missing required parameters during installation: ${missing.join(',')}` : undefined;
}

// ---------------------------------------------------------------------------
// -p / -P

/** Parses `-P` file contents: a YAML map; maps and lists become YAML text, scalars %v; null is rejected. */
export function parseParameterFile(text: string, file: string): { values: Record<string, string>; errors: string[] } {
  const doc = parseYaml(text, file);
  const values: Record<string, string> = {};
  const errors: string[] = [];
  if (doc.value === null) return { values, errors };
  if (typeof doc.value !== 'object' || Array.isArray(doc.value))
    throw new PackageError('parameter file must be a YAML map of parameter names to values', file, doc.lineOf([]));
  for (const [k, v] of Object.entries(doc.value)) {
    if (v === null) errors.push(`${k} has a null value (https://yaml.org/spec/1.2/spec.html#id2803362) which is currently not supported`);
    else values[k] = typeof v === 'object' ? marshalYaml(toJson(v)) : sprintV(toJson(v));
  }
  return { values, errors };
}

/** Parses `-p name=value` arguments (split on the first `=`). */
export function parseParameterArgs(args: readonly string[]): { values: Record<string, string>; errors: string[] } {
  const values: Record<string, string> = {};
  const errors: string[] = [];
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq < 0) errors.push(`parameter not set: ${a}`);
    else if (eq === 0) errors.push(`parameter name can not be empty: ${a}`);
    else if (eq === a.length - 1) errors.push(`parameter value can not be empty: ${a}`);
    else values[a.slice(0, eq)] = a.slice(eq + 1);
  }
  return { values, errors };
}

/** Merges -P files then -p pairs (-p wins); throws with KUDO's `could not parse parameters: ...`. */
export function mergeParameters(files: readonly { name: string; text: string }[], pairs: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {};
  const errors: string[] = [];
  for (const f of files) {
    const r = parseParameterFile(f.text, f.name);
    Object.assign(values, r.values);
    errors.push(...r.errors);
  }
  const p = parseParameterArgs(pairs);
  Object.assign(values, p.values);
  errors.push(...p.errors);
  if (errors.length) throw new PackageError(`could not parse parameters: ${errors.join(', ')}`);
  return values;
}

// ---------------------------------------------------------------------------
// The `.Params` map templates see

export type ParamValue = string | Json;

/**
 * KUDO's ParamsMap: for each OV parameter, the instance value if the key is present
 * (even empty), else the default, else "". array and map values are YAML-decoded;
 * every other type stays a string. Throws for an array/map value that does not decode.
 */
export function templateParams(params: readonly Parameter[], values: Readonly<Record<string, string>>): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const p of params) {
    const name = p.name ?? '';
    const raw = Object.hasOwn(values, name) ? values[name] : (p.default ?? '');
    let value: ParamValue = raw;
    if (isStructured(p['value-type'])) {
      const parsed = parseYamlValue(raw);
      const ok =
        parsed === null || (p['value-type'] === 'array' ? Array.isArray(parsed) : parsed !== undefined && typeof parsed === 'object' && !Array.isArray(parsed));
      if (!ok) throw new PackageError(`parameter ${goQuote(name)}: value ${goQuote(raw)} is not a valid ${p['value-type']}`);
      value = parsed as Json;
    }
    Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}
