/**
 * The functions every Go template has (text/template's builtins): and, or,
 * not, len, index, slice, print, printf, println, html, js, urlquery, call,
 * eq, ne, lt, le, gt, ge. They work on raw values, the way Go's builtins take
 * reflect.Value arguments: `undefined` is Go's invalid (zero) Value, `null` a
 * nil interface.
 */
import { GoComplex } from './complex.js';
import { compareGoStrings, formatValue, sprint, sprintf, sprintln } from './fmt.js';
import {
  FuncError,
  GoFunc,
  GoInt,
  GoStruct,
  GoTime,
  goTypeName,
  mapElemType,
  setSliceType,
  sliceElemType,
  type FuncDef,
  type FuncMap,
  type GoMap,
  type GoValue,
  type IntKind,
  type ParamType,
} from './values.js';

/** Parameter type of builtins that see raw values (Go's reflect.Value parameters). */
export const RAW: ParamType = 'reflect.Value';

/** A plain map value (JSON object or map built by a function). */
export function isMap(v: GoValue): v is GoMap {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Go's truth: false, 0, "", nil and empty collections are false. */
export function truth(v: GoValue): boolean {
  switch (typeof v) {
    case 'string':
      return v.length > 0;
    case 'boolean':
      return v;
    case 'number':
      return v !== 0;
    case 'undefined':
      return false;
  }
  if (v === null) return false;
  if (v instanceof GoInt) return v.value !== 0n;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof GoComplex) return v.re !== 0 || v.im !== 0;
  if (v instanceof GoTime || v instanceof GoStruct || v instanceof GoFunc) return true;
  for (const _ in v) return true;
  return false;
}

/** Go's zero value of a type named as ParamType/elem type strings. */
export function zeroValue(type: string): GoValue {
  switch (type) {
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'float64':
    case 'float32':
      return 0;
    case 'int':
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
    case 'uint':
    case 'uint8':
    case 'uint16':
    case 'uint32':
    case 'uint64':
    case 'uintptr':
      return new GoInt(0n, type as IntKind);
  }
  return null;
}

// ---------------------------------------------------------------------------
// UTF-8 helpers (Go strings are bytes)

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

function byteLength(s: string): number {
  return isAscii(s) ? s.length : encoder.encode(s).length;
}

// ---------------------------------------------------------------------------
// len, index, slice

function length(item: GoValue): GoInt {
  if (item === undefined) throw new FuncError('reflect: call of reflect.Value.Type on zero Value');
  if (item === null) throw new FuncError('len of nil pointer');
  if (typeof item === 'string') return new GoInt(BigInt(byteLength(item)), 'int');
  if (Array.isArray(item)) return new GoInt(BigInt(item.length), 'int');
  if (isMap(item)) return new GoInt(BigInt(Object.keys(item).length), 'int');
  throw new FuncError(`len of type ${goTypeName(item)}`);
}

function indexArg(index: GoValue, cap: number): number {
  if (index instanceof GoInt) {
    const x = index.value;
    if (x < 0n || x > BigInt(cap)) throw new FuncError(`index out of range: ${x}`);
    return Number(x);
  }
  if (index === undefined || index === null) throw new FuncError('cannot index slice/array with nil');
  throw new FuncError(`cannot index slice/array with type ${goTypeName(index)}`);
}

function mapKey(index: GoValue): string {
  if (typeof index === 'string') return index;
  if (index === undefined || index === null) throw new FuncError('value is nil; should be of type string');
  throw new FuncError(`value has type ${goTypeName(index)}; should be string`);
}

function index(item: GoValue, ...indexes: GoValue[]): GoValue {
  if (item === undefined || item === null) throw new FuncError('index of untyped nil');
  for (const ix of indexes) {
    if (item === null || item === undefined) throw new FuncError('index of nil pointer');
    if (typeof item === 'string') {
      const bytes = encoder.encode(item);
      const x = indexArg(ix, bytes.length);
      if (x === bytes.length) throw new FuncError('reflect: string index out of range');
      item = new GoInt(BigInt(bytes[x]), 'uint8');
    } else if (Array.isArray(item)) {
      const x = indexArg(ix, item.length);
      if (x === item.length) throw new FuncError('reflect: slice index out of range');
      item = item[x];
    } else if (isMap(item)) {
      const key = mapKey(ix);
      item = Object.hasOwn(item, key) ? item[key] : zeroValue(mapElemType(item));
    } else throw new FuncError(`can't index item of type ${goTypeName(item)}`);
  }
  return item;
}

function slice(item: GoValue, ...indexes: GoValue[]): GoValue {
  if (item === undefined || item === null) throw new FuncError('slice of untyped nil');
  if (indexes.length > 3) throw new FuncError(`too many slice indexes: ${indexes.length}`);
  let len: number;
  let bytes: Uint8Array | null = null;
  if (typeof item === 'string') {
    if (indexes.length === 3) throw new FuncError('cannot 3-index slice a string');
    bytes = encoder.encode(item);
    len = bytes.length;
  } else if (Array.isArray(item)) len = item.length;
  else throw new FuncError(`can't slice item of type ${goTypeName(item)}`);
  const idx = [0, len, len];
  indexes.forEach((ix, i) => (idx[i] = indexArg(ix, len)));
  if (idx[0] > idx[1]) throw new FuncError(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (indexes.length === 3 && idx[1] > idx[2]) throw new FuncError(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  if (bytes) return decoder.decode(bytes.subarray(idx[0], idx[1]));
  const arr = item as GoValue[];
  const out = arr.slice(idx[0], idx[1]);
  const elem = sliceElemType(arr);
  return elem === 'interface {}' ? out : setSliceType(out, elem);
}

// ---------------------------------------------------------------------------
// Comparison

const enum Kind {
  Invalid,
  Bool,
  Complex,
  Int,
  Uint,
  Float,
  String,
}

function basicKind(v: GoValue): Kind {
  switch (typeof v) {
    case 'string':
      return Kind.String;
    case 'number':
      return Kind.Float;
    case 'boolean':
      return Kind.Bool;
  }
  if (v instanceof GoInt) return v.kind[0] === 'u' ? Kind.Uint : Kind.Int;
  if (v instanceof GoComplex) return Kind.Complex;
  return Kind.Invalid;
}

const errBadComparisonType = 'invalid type for comparison';
const errBadComparison = 'incompatible types for comparison';
const errNoComparison = 'missing argument for comparison';

/** A nil interface counts as Go's zero reflect.Value once indirected. */
const isZero = (v: GoValue): boolean => v === undefined || v === null;

function comparable(v: GoValue): boolean {
  return !(Array.isArray(v) || isMap(v) || v instanceof GoFunc);
}

function sameStruct(a: GoValue, b: GoValue): boolean {
  if (a === b) return true;
  if (a instanceof GoTime && b instanceof GoTime) return a.ms === b.ms && a.nanos === b.nanos && a.zone === b.zone;
  if (a instanceof GoStruct && b instanceof GoStruct) return a.goType === b.goType && a.formatV() === b.formatV();
  return false;
}

function eq(arg1: GoValue, ...rest: GoValue[]): boolean {
  if (rest.length === 0) throw new FuncError(errNoComparison);
  const k1 = basicKind(arg1);
  for (const arg of rest) {
    const k2 = basicKind(arg);
    let t = false;
    if (k1 !== k2) {
      if (k1 === Kind.Int && k2 === Kind.Uint) t = (arg1 as GoInt).value === (arg as GoInt).value;
      else if (k1 === Kind.Uint && k2 === Kind.Int) t = (arg1 as GoInt).value === (arg as GoInt).value;
      else if (!isZero(arg1) && !isZero(arg)) throw new FuncError(errBadComparison);
    } else {
      switch (k1) {
        case Kind.Bool:
        case Kind.Float:
        case Kind.String:
          t = arg1 === arg;
          break;
        case Kind.Int:
        case Kind.Uint:
          t = (arg1 as GoInt).value === (arg as GoInt).value;
          break;
        case Kind.Complex:
          t = (arg1 as GoComplex).re === (arg as GoComplex).re && (arg1 as GoComplex).im === (arg as GoComplex).im;
          break;
        default:
          if (isZero(arg) || isZero(arg1)) t = isZero(arg) && isZero(arg1);
          else if (goTypeName(arg1) !== goTypeName(arg)) {
            throw new FuncError(`non-comparable types ${sprintf('%s', [arg1])}: ${goTypeName(arg1)}, ${goTypeName(arg)}: ${sprintf('%v', [arg])}`);
          } else {
            if (!comparable(arg)) throw new FuncError(`non-comparable type ${sprintf('%s', [arg])}: ${goTypeName(arg)}`);
            t = comparable(arg1) && sameStruct(arg1, arg);
          }
      }
    }
    if (t) return true;
  }
  return false;
}

function lt(arg1: GoValue, arg2: GoValue): boolean {
  const k1 = basicKind(arg1);
  if (k1 === Kind.Invalid) throw new FuncError(errBadComparisonType);
  const k2 = basicKind(arg2);
  if (k2 === Kind.Invalid) throw new FuncError(errBadComparisonType);
  if (k1 !== k2) {
    if ((k1 === Kind.Int && k2 === Kind.Uint) || (k1 === Kind.Uint && k2 === Kind.Int)) return (arg1 as GoInt).value < (arg2 as GoInt).value;
    throw new FuncError(errBadComparison);
  }
  switch (k1) {
    case Kind.Bool:
    case Kind.Complex:
      throw new FuncError(errBadComparisonType);
    case Kind.Float:
      return (arg1 as number) < (arg2 as number);
    case Kind.String:
      return compareGoStrings(arg1 as string, arg2 as string) < 0;
    default:
      return (arg1 as GoInt).value < (arg2 as GoInt).value;
  }
}

const le = (a: GoValue, b: GoValue): boolean => lt(a, b) || eq(a, b);

// ---------------------------------------------------------------------------
// Escapers

/** Go's evalArgs: one string as is, otherwise fmt.Sprint with nil printed as `<no value>`. */
function evalArgs(args: GoValue[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args.map((a) => (a === null || a === undefined ? '<no value>' : a)));
}

export function htmlEscape(s: string): string {
  if (!/['"&<>\0]/.test(s)) return s;
  return s.replace(/['"&<>\0]/g, (c) => {
    switch (c) {
      case '"':
        return '&#34;';
      case "'":
        return '&#39;';
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      default:
        return '\uFFFD';
    }
  });
}

const jsPrintable = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

export function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) {
      switch (ch) {
        case '\\':
          out += '\\\\';
          continue;
        case "'":
          out += "\\'";
          continue;
        case '"':
          out += '\\"';
          continue;
        case '<':
          out += '\\u003C';
          continue;
        case '>':
          out += '\\u003E';
          continue;
        case '&':
          out += '\\u0026';
          continue;
        case '=':
          out += '\\u003D';
          continue;
      }
      out += c < 0x20 ? '\\u00' + c.toString(16).toUpperCase().padStart(2, '0') : ch;
    } else out += jsPrintable.test(ch) ? ch : '\\u' + c.toString(16).toUpperCase().padStart(4, '0');
  }
  return out;
}

export function urlQueryEscape(s: string): string {
  let out = '';
  for (const b of encoder.encode(s)) {
    if ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x2d || b === 0x5f || b === 0x2e || b === 0x7e)
      out += String.fromCharCode(b);
    else if (b === 0x20) out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

// ---------------------------------------------------------------------------
// call

const canBeNilType = (t: string): boolean =>
  t === 'interface {}' || t === 'any' || t.startsWith('[]') || t.startsWith('map[') || t.startsWith('*') || t.startsWith('func');

/** Go's prepareArg for `call`: values must already have the parameter's type. */
function prepareArg(v: GoValue, type: string): GoValue {
  if (v === undefined || v === null) {
    if (!canBeNilType(type)) throw new FuncError(`value is nil; should be of type ${type}`);
    return null;
  }
  if (type === 'interface {}' || type === 'any' || goTypeName(v) === type) return v;
  throw new FuncError(`value has type ${goTypeName(v)}; should be ${type}`);
}

function call(fn: GoValue, ...args: GoValue[]): GoValue {
  if (fn === undefined || fn === null) throw new FuncError('call of nil');
  if (!(fn instanceof GoFunc)) throw new FuncError(`non-function of type ${goTypeName(fn)}`);
  const def = fn.def;
  const fixed = def.params.length;
  if (def.variadic !== undefined ? args.length < fixed : args.length !== fixed) {
    throw new FuncError(`wrong number of args: got ${args.length} want ${def.variadic !== undefined ? 'at least ' : ''}${fixed}`);
  }
  const argv = args.map((a, i) => {
    try {
      return prepareArg(a, i < fixed ? def.params[i] : def.variadic!);
    } catch (e) {
      throw new FuncError(`arg ${i}: ${(e as Error).message}`);
    }
  });
  return def.fn(...argv);
}

// ---------------------------------------------------------------------------

/** Names of builtins whose arguments the executor evaluates lazily (short-circuit). */
export const SHORT_CIRCUIT = new Set(['and', 'or']);

const shortCircuitOnly = (): GoValue => {
  throw new FuncError('and/or are evaluated by the executor');
};

export const builtins: FuncMap = {
  and: { params: [RAW], variadic: RAW, fn: shortCircuitOnly },
  or: { params: [RAW], variadic: RAW, fn: shortCircuitOnly },
  not: { params: [RAW], fn: (a) => !truth(a) },
  len: { params: [RAW], fn: length },
  index: { params: [RAW], variadic: RAW, fn: index },
  slice: { params: [RAW], variadic: RAW, fn: slice },
  print: { params: [], variadic: 'interface {}', fn: (...a) => sprint(a) },
  printf: { params: ['string'], variadic: 'interface {}', fn: (f, ...a) => sprintf(f as string, a) },
  println: { params: [], variadic: 'interface {}', fn: (...a) => sprintln(a) },
  html: { params: [], variadic: 'interface {}', fn: (...a) => htmlEscape(evalArgs(a)) },
  js: { params: [], variadic: 'interface {}', fn: (...a) => jsEscape(evalArgs(a)) },
  urlquery: { params: [], variadic: 'interface {}', fn: (...a) => urlQueryEscape(evalArgs(a)) },
  call: { params: [RAW], variadic: RAW, fn: call },
  eq: { params: [RAW], variadic: RAW, fn: eq },
  ne: { params: [RAW, RAW], fn: (a, b) => !eq(a, b) },
  lt: { params: [RAW, RAW], fn: lt },
  le: { params: [RAW, RAW], fn: le },
  gt: { params: [RAW, RAW], fn: (a, b) => !le(a, b) },
  ge: { params: [RAW, RAW], fn: (a, b) => !lt(a, b) },
};

/** The builtin definitions, to tell them apart from user functions of the same name. */
export const builtinDefs: ReadonlySet<FuncDef> = new Set(Object.values(builtins));

export { formatValue };
