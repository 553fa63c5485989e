/**
 * YAML as KUDO reads package files: go-yaml v2 scalars (YAML 1.1: yes/no/on/off
 * are booleans, 0x1F and 012 are integers, timestamps stay strings) decoded into
 * Go structs the way sigs.k8s.io/yaml does, where a number or boolean written
 * into a string field becomes its Go-formatted text.
 */
import { Alias, isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { blockScalarAtEnd } from '../k8s/yaml-decode.js';
import { formatFloatG } from './gofmt.js';

/** A user mistake in a package, with the file and (when known) the 1-based line. */
export class PackageError extends Error {
  constructor(
    readonly detail: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super(file ? `${file}${line ? `:${line}` : ''}: ${detail}` : detail);
  }
}

/** A diagnostic that does not stop loading. */
export interface Warning {
  file?: string;
  line?: number;
  message: string;
}
export const formatWarning = (w: Warning): string => (w.file ? `${w.file}${w.line ? `:${w.line}` : ''}: ${w.message}` : w.message);

/** YAML values as read: integers are bigint (Go int), other numbers are float64. */
export type RawValue = string | boolean | number | bigint | null | RawValue[] | { [key: string]: RawValue };

export interface YamlDoc {
  value: RawValue;
  /** Line of the node at a path (or of its nearest existing parent). */
  lineOf(path: readonly (string | number)[]): number | undefined;
}

const MAX_NODES = 250_000; // guards alias expansion ("billion laughs")

const schemaOptions = {
  version: '1.1' as const,
  intAsBigInt: true,
  // go-yaml v2 keeps timestamps and sexagesimal numbers as strings.
  customTags: (tags: unknown[]) =>
    tags.filter((t) => {
      const tag = t as { tag?: string; format?: string };
      return tag.tag !== 'tag:yaml.org,2002:timestamp' && tag.format !== 'TIME';
    }) as never,
};

/** Parses one YAML document. Throws PackageError naming the file and line. */
export function parseYaml(text: string, file: string): YamlDoc {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { ...schemaOptions, lineCounter, uniqueKeys: true });
  const err = doc.errors[0];
  if (err) {
    const line = err.linePos?.[0]?.line;
    throw new PackageError(`malformed YAML: ${err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`, file, line);
  }
  let count = 0;
  const convert = (node: unknown): RawValue => {
    if (++count > MAX_NODES) throw new PackageError('YAML document is too large (too many nodes or aliases)', file);
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return convert((node as Alias).resolve(doc as Document));
    if (isScalar(node)) return scalarValue(blockScalarAtEnd(node, text) ?? node.value);
    if (isMap(node)) {
      const out: { [key: string]: RawValue } = {};
      for (const pair of node.items) {
        const key = keyString(isScalar(pair.key) ? pair.key.value : isAlias(pair.key) ? convert(pair.key) : pair.key, file, lineOfNode(pair.key as Node));
        if (key === '<<') throw new PackageError('merge keys (<<) are not supported', file, lineOfNode(pair.key as Node));
        Object.defineProperty(out, key, { value: convert(pair.value), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    if (isSeq(node)) return node.items.map(convert);
    throw new PackageError('unsupported YAML node', file);
  };
  const lineOfNode = (node: Node | null | undefined): number | undefined => (node?.range ? lineCounter.linePos(node.range[0]).line : undefined);
  const value = convert(doc.contents);
  return {
    value,
    lineOf(path) {
      for (let n = path.length; n >= 0; n--) {
        const node = n === 0 ? doc.contents : (doc.getIn(path.slice(0, n), true) as Node | undefined);
        if (node && typeof node === 'object' && 'range' in node) return lineOfNode(node);
      }
      return undefined;
    },
  };
}

function scalarValue(v: unknown): RawValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'bigint') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  return String(v);
}

function keyString(k: unknown, file: string, line: number | undefined): string {
  if (typeof k === 'string') return k;
  if (k === null || k === undefined) return 'null';
  if (typeof k === 'boolean' || typeof k === 'bigint') return String(k);
  if (typeof k === 'number') return formatFloatG(k);
  throw new PackageError('mapping keys must be scalars', file, line);
}

// ---------------------------------------------------------------------------
// Decoding into typed structs

/** The expected shape of a field, mirroring the Go struct KUDO decodes into. */
export type Shape = 'string' | 'bool' | 'any' | { list: Shape } | { map: Shape } | { struct: Record<string, Shape> };

export interface DecodeContext {
  file: string;
  doc: YamlDoc;
  warnings: Warning[];
}

const describe = (v: RawValue): string =>
  v === null
    ? 'null'
    : Array.isArray(v)
      ? 'a list'
      : typeof v === 'object'
        ? 'a map'
        : typeof v === 'bigint' || typeof v === 'number'
          ? 'a number'
          : typeof v === 'boolean'
            ? 'a boolean'
            : 'a string';
const fieldName = (path: readonly (string | number)[]): string =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(document)';

/**
 * Converts a raw YAML value to the shape: scalars in string fields become Go-formatted
 * text (ints as decimal, floats with FormatFloat 'g' 32-bit, booleans as true/false),
 * null becomes absent, unknown keys are warnings, and wrong shapes are errors.
 */
export function decode(value: RawValue, shape: Shape, ctx: DecodeContext, path: (string | number)[] = []): unknown {
  if (value === null) return undefined;
  const fail = (expected: string): never => {
    throw new PackageError(`field ${fieldName(path)}: expected ${expected}, got ${describe(value)}`, ctx.file, ctx.doc.lineOf(path));
  };
  if (shape === 'any') return value;
  if (shape === 'string') {
    if (typeof value === 'string') return value;
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'number') return formatFloatG(value, 32);
    if (typeof value === 'boolean') return String(value);
    return fail('a string');
  }
  if (shape === 'bool') {
    if (typeof value === 'boolean') return value;
    return fail('a boolean');
  }
  if ('list' in shape) {
    if (!Array.isArray(value)) return fail('a list');
    return value.map((item, i) => decode(item, shape.list, ctx, [...path, i]) ?? zeroOf(shape.list));
  }
  if (typeof value !== 'object' || Array.isArray(value)) return fail('a map');
  const out: Record<string, unknown> = {};
  if ('map' in shape) {
    for (const [k, v] of Object.entries(value)) {
      const d = decode(v, shape.map, ctx, [...path, k]);
      Object.defineProperty(out, k, { value: d ?? zeroOf(shape.map), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  for (const [k, v] of Object.entries(value)) {
    const fieldShape = Object.hasOwn(shape.struct, k) ? shape.struct[k] : undefined;
    if (!fieldShape) {
      ctx.warnings.push({ file: ctx.file, line: ctx.doc.lineOf([...path, k]), message: `unknown field ${fieldName([...path, k])} is ignored` });
      continue;
    }
    const d = decode(v, fieldShape, ctx, [...path, k]);
    if (d !== undefined) out[k] = d;
  }
  return out;
}

/** Go's zero value for a null list or map element. */
function zeroOf(shape: Shape): unknown {
  if (shape === 'string') return '';
  if (shape === 'bool') return false;
  if (shape === 'any') return null;
  return 'list' in shape ? [] : {};
}
