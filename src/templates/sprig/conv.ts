/**
 * Go conversions and reflection helpers that Sprig v2.22 builds on:
 * strconv parsing, Sprig's toInt64/toFloat64/strval/empty, reflect kinds and
 * reflect.DeepEqual, and small unicode predicates with Go's definitions.
 */
import { formatValue } from '../fmt.js';
import { parseGoFloat } from '../strconv.js';
import { FuncError, GoFunc, GoInt, GoStruct, GoTime, goTypeName, isGoMap, mapElemType, sliceElemType, type GoMap, type GoValue } from '../values.js';

export const MAX_INT64 = 9223372036854775807n;
export const MIN_INT64 = -9223372036854775808n;

// ---------------------------------------------------------------------------
// strconv

/** strconv.ParseInt(s, base, 64); undefined on syntax or range error. */
export { parseGoFloat };

export function parseGoInt(s: string, base = 10): bigint | undefined {
  const m = /^([+-]?)([0-9a-zA-Z]+)$/.exec(s);
  if (!m) return undefined;
  const digits = m[2].toLowerCase();
  const allowed = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, base);
  let v = 0n;
  const b = BigInt(base);
  for (const c of digits) {
    const d = allowed.indexOf(c);
    if (d < 0) return undefined;
    v = v * b + BigInt(d);
  }
  if (m[1] === '-') v = -v;
  if (v > MAX_INT64 || v < MIN_INT64) return undefined;
  return v;
}

/** strconv.Atoi: like ParseInt but clamps on overflow (the value Go returns with its range error). */
export function atoi(s: string): bigint {
  if (!/^[+-]?[0-9]+$/.test(s)) return 0n;
  const v = BigInt(s);
  if (v > MAX_INT64) return MAX_INT64;
  if (v < MIN_INT64) return MIN_INT64;
  return v;
}

// ---------------------------------------------------------------------------
// Sprig's loose conversions (v2.22: strings in base 10 only)

/** Go's int64(float64) conversion; out-of-range values give MinInt64 as on amd64. */
export function floatToInt64(f: number): bigint {
  if (Number.isNaN(f) || f >= 9223372036854775808 || f < -9223372036854775808) return MIN_INT64;
  return BigInt(Math.trunc(f));
}

export function toInt64(v: GoValue): bigint {
  if (typeof v === 'string') return parseGoInt(v) ?? 0n;
  if (typeof v === 'number') return floatToInt64(v);
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (v instanceof GoInt) {
    if (v.kind === 'uint' || v.kind === 'uint64' || v.kind === 'uintptr') return v.value > MAX_INT64 ? MAX_INT64 : v.value;
    return v.value;
  }
  if (v instanceof GoStruct && (v as { goType: string }).goType === 'time.Month') return BigInt((v as unknown as { n: number }).n);
  return 0n;
}

export function toFloat64(v: GoValue): number {
  if (typeof v === 'string') return parseGoFloat(v) ?? 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof GoInt) return Number(v.value);
  return 0;
}

/** Sprig's strval: strings as-is, everything else as fmt's %v. */
export function strval(v: GoValue): string {
  return typeof v === 'string' ? v : formatValue(v);
}

/** Sprig's empty(): Go's zero values and empty collections. */
export function isEmpty(v: GoValue): boolean {
  if (v === null || v === undefined) return true;
  switch (typeof v) {
    case 'string':
      return v.length === 0;
    case 'boolean':
      return !v;
    case 'number':
      return v === 0;
  }
  if (v instanceof GoInt) return v.value === 0n;
  if (Array.isArray(v)) return v.length === 0;
  if (isGoMap(v)) {
    for (const _ in v) return false;
    return true;
  }
  const complex = v as unknown as { goType?: string; re?: number; im?: number };
  if (complex.goType === 'complex128') return complex.re === 0 && complex.im === 0;
  return false; // structs, pointers, funcs
}

// ---------------------------------------------------------------------------
// reflection

/** reflect.Kind's String() for a value. */
export function kindOf(v: GoValue): string {
  if (v === null || v === undefined) return 'invalid';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return 'float64';
  }
  if (v instanceof GoInt) return v.kind;
  if (v instanceof GoTime) return 'struct';
  if (v instanceof GoFunc) return 'func';
  if (v instanceof GoStruct) {
    const t = v.goType;
    if (t.startsWith('*')) return 'ptr';
    if (t === 'complex128') return 'complex128';
    if (t === 'time.Month' || t === 'time.Weekday') return 'int';
    return 'struct';
  }
  if (Array.isArray(v)) return 'slice';
  return 'map';
}

export { goTypeName as typeOf };

/** reflect.DeepEqual for template values. */
export function deepEqual(a: GoValue, b: GoValue): boolean {
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (a === null || b === null) return a === b;
  if (typeof a !== typeof b) return false;
  if (typeof a !== 'object') return a === b; // string, bool, float64 (NaN != NaN)
  if (a instanceof GoInt) return b instanceof GoInt && a.kind === b.kind && a.value === b.value;
  if (a instanceof GoTime) return b instanceof GoTime && a.ms === b.ms && a.nanos === b.nanos && a.zone === b.zone;
  if (a instanceof GoFunc) return false; // funcs are equal only when both nil
  if (a instanceof GoStruct) {
    if (!(b instanceof GoStruct) || a.goType !== b.goType) return false;
    const ka = a as unknown as Record<string, unknown>;
    const kb = b as unknown as Record<string, unknown>;
    return Object.keys(ka).every((k) => ka[k] === kb[k]);
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length || sliceElemType(a) !== sliceElemType(b)) return false;
    if (a === b) return true;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (!isGoMap(b) || Array.isArray(b) || !isGoMap(a)) return false;
  const ma = a as GoMap;
  const mb = b as GoMap;
  if (mapElemType(ma) !== mapElemType(mb)) return false;
  const keys = Object.keys(ma);
  if (keys.length !== Object.keys(mb).length) return false;
  for (const k of keys) {
    if (!Object.prototype.hasOwnProperty.call(mb, k) || !deepEqual(ma[k], mb[k])) return false;
  }
  return true;
}

/** The panic Go raises when reflection is used on a nil interface. */
export function nilDeref(): FuncError {
  return new FuncError('runtime error: invalid memory address or nil pointer dereference');
}

/** A slice value's elements for Sprig's reflect-based list functions, or undefined if not a slice. */
export function asList(v: GoValue): GoValue[] | undefined {
  return Array.isArray(v) ? v : undefined;
}

// ---------------------------------------------------------------------------
// unicode (Go's definitions)

const reUpper = /^\p{Lu}$/u;
const reLower = /^\p{Ll}$/u;
const reTitle = /^\p{Lt}$/u;
const reLetter = /^\p{L}$/u;
const reDigit = /^\p{Nd}$/u;
const reNumber = /^\p{N}$/u;
const rePunct = /^\p{P}$/u;
const reWhite = /^\p{White_Space}$/u;

const ch = (r: number): string => String.fromCodePoint(r);

export function isUpper(r: number): boolean {
  if (r < 0x80) return r >= 65 && r <= 90;
  return reUpper.test(ch(r));
}
export function isLower(r: number): boolean {
  if (r < 0x80) return r >= 97 && r <= 122;
  return reLower.test(ch(r));
}
export function isTitle(r: number): boolean {
  return r >= 0x80 && reTitle.test(ch(r));
}
export function isLetter(r: number): boolean {
  if (r < 0x80) return (r >= 65 && r <= 90) || (r >= 97 && r <= 122);
  return reLetter.test(ch(r));
}
export function isDigit(r: number): boolean {
  if (r < 0x80) return r >= 48 && r <= 57;
  return reDigit.test(ch(r));
}
export function isNumber(r: number): boolean {
  if (r < 0x80) return r >= 48 && r <= 57;
  return reNumber.test(ch(r));
}
export function isPunct(r: number): boolean {
  return rePunct.test(ch(r));
}
/** unicode.IsSpace. */
export function isSpace(r: number): boolean {
  if (r <= 0xff) return r === 32 || (r >= 9 && r <= 13) || r === 0x85 || r === 0xa0;
  return reWhite.test(ch(r));
}

/** The title case forms that differ from upper case (unicode.ToTitle). */
const TITLE: Record<number, number> = {
  0x1c4: 0x1c5,
  0x1c5: 0x1c5,
  0x1c6: 0x1c5,
  0x1c7: 0x1c8,
  0x1c8: 0x1c8,
  0x1c9: 0x1c8,
  0x1ca: 0x1cb,
  0x1cb: 0x1cb,
  0x1cc: 0x1cb,
  0x1f1: 0x1f2,
  0x1f2: 0x1f2,
  0x1f3: 0x1f2,
};

/** unicode.ToUpper: the simple (one rune) mapping. */
export function toUpperRune(r: number): number {
  if (r < 0x80) return r >= 97 && r <= 122 ? r - 32 : r;
  const u = ch(r).toUpperCase();
  const cp = u.codePointAt(0)!;
  return u.length === ch(cp).length ? cp : r;
}
/** unicode.ToLower: the simple (one rune) mapping. */
export function toLowerRune(r: number): number {
  if (r < 0x80) return r >= 65 && r <= 90 ? r + 32 : r;
  if (r === 0x130) return 0x69; // İ
  const l = ch(r).toLowerCase();
  const cp = l.codePointAt(0)!;
  return l.length === ch(cp).length ? cp : r;
}
export function toTitleRune(r: number): number {
  return TITLE[r] ?? toUpperRune(r);
}

/** strings.Map over runes. */
export function mapRunes(s: string, f: (r: number) => number): string {
  let out = '';
  for (const c of s) out += ch(f(c.codePointAt(0)!));
  return out;
}

export function goToUpper(s: string): string {
  return /^[\x00-\x7f]*$/.test(s) ? s.toUpperCase() : mapRunes(s, toUpperRune);
}
export function goToLower(s: string): string {
  return /^[\x00-\x7f]*$/.test(s) ? s.toLowerCase() : mapRunes(s, toLowerRune);
}

/** strings.TrimSpace (Go's white space, not JS's: U+FEFF is kept). */
export function trimSpace(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isSpace(s.codePointAt(start)!)) start++;
  while (end > start && isSpace(s.charCodeAt(end - 1))) end--;
  return s.slice(start, end);
}

/** strings.Trim(s, cutset). */
export function trimCutset(s: string, cutset: string): string {
  if (s === '' || cutset === '') return s;
  const set = new Set([...cutset]);
  const runes = [...s];
  let start = 0;
  let end = runes.length;
  while (start < end && set.has(runes[start])) start++;
  while (end > start && set.has(runes[end - 1])) end--;
  return runes.slice(start, end).join('');
}

// ---------------------------------------------------------------------------
// bytes: Go strings are byte sequences; a few Sprig functions index bytes

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function utf8Bytes(s: string): Uint8Array {
  return encoder.encode(s);
}
export function fromUtf8(b: Uint8Array): string {
  return decoder.decode(b);
}
export function byteLength(s: string): number {
  return /^[\x00-\x7f]*$/.test(s) ? s.length : encoder.encode(s).length;
}
/** s[start:end] on the UTF-8 bytes (a cut inside a character yields U+FFFD, as Go's bytes would be invalid). */
export function byteSlice(s: string, start: number, end?: number): string {
  if (/^[\x00-\x7f]*$/.test(s)) return s.slice(start, end);
  return fromUtf8(encoder.encode(s).subarray(start, end));
}

/** Go's runtime panic text for a bad slice expression. */
export function sliceBoundsError(lo: number | undefined, hi: number | undefined, len: number): FuncError {
  if (lo === undefined) return new FuncError(`runtime error: slice bounds out of range [:${hi}] with length ${len}`);
  if (hi === undefined) return new FuncError(`runtime error: slice bounds out of range [${lo}:${len}]`);
  if (hi > len) return new FuncError(`runtime error: slice bounds out of range [:${hi}] with capacity ${len}`);
  if (hi < 0) return new FuncError(`runtime error: slice bounds out of range [:${hi}]`);
  return new FuncError(`runtime error: slice bounds out of range [${lo}:${hi}]`);
}

export { goTypeName };
