/**
 * Resource quantities (`500m`, `1Gi`, `1e3`) parsed and serialised as apimachinery's
 * resource.Quantity does: exact fixed-point values (BigInt), rounded up to nano units,
 * and the canonical form that keeps the suffix family (decimal, binary, exponent) it was written in.
 */

export class QuantityError extends Error {
  override name = 'QuantityError';
}

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** value = mantissa × 10^exponent. */
export interface Quantity {
  mantissa: bigint;
  exponent: number;
  format: QuantityFormat;
  /** The input text, kept when Go would keep it (already canonical enough: `1E3`, `+5`, `010`). */
  original?: string;
}

export const QUANTITY_REGEX = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
const FORMAT_WRONG = `quantities must match the regular expression '${QUANTITY_REGEX}'`;
const SUFFIX_WRONG = "unable to parse quantity's suffix";

const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const MAX_INT64 = (1n << 63n) - 1n;
const SUFFIX_CHARS = 'eEinumkKMGTP';

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** Splits a quantity into sign, integer digits, fraction digits and suffix, as Go's scanner does. */
function scan(str: string): { negative: boolean; num: string; denom: string; suffix: string } {
  let pos = 0;
  let negative = false;
  if (str[0] === '-' || str[0] === '+') {
    negative = str[0] === '-';
    pos++;
  }
  while (str[pos] === '0') pos++;
  if (pos >= str.length) return { negative, num: '0', denom: '', suffix: '' };
  const numStart = pos;
  while (isDigit(str[pos])) pos++;
  const num = str.slice(numStart, pos) || '0';
  let denom = '';
  if (str[pos] === '.') {
    const start = ++pos;
    while (isDigit(str[pos])) pos++;
    denom = str.slice(start, pos);
  }
  const suffixStart = pos;
  while (pos < str.length && SUFFIX_CHARS.includes(str[pos])) pos++;
  if (str[pos] === '-' || str[pos] === '+') pos++;
  while (isDigit(str[pos])) pos++;
  if (pos < str.length) throw new QuantityError(FORMAT_WRONG);
  return { negative, num, denom, suffix: str.slice(suffixStart) };
}

function interpretSuffix(suffix: string): { base: 10 | 2; exponent: number; format: QuantityFormat } {
  if (suffix in DECIMAL_SUFFIXES) return { base: 10, exponent: DECIMAL_SUFFIXES[suffix], format: 'DecimalSI' };
  if (suffix in BINARY_SUFFIXES) return { base: 2, exponent: BINARY_SUFFIXES[suffix], format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?\d+$/.test(suffix.slice(1))) {
    const exponent = Number(suffix.slice(1));
    if (Number.isSafeInteger(exponent) && Math.abs(exponent) < 2 ** 31) return { base: 10, exponent, format: 'DecimalExponent' };
  }
  throw new QuantityError(SUFFIX_WRONG);
}

/** Parses a quantity string (or a JSON number, which Kubernetes also accepts). */
export function parseQuantity(input: string | number): Quantity {
  const str = typeof input === 'number' ? numberToString(input) : input;
  if (str === '') throw new QuantityError(FORMAT_WRONG);
  if (str === '0') return { mantissa: 0n, exponent: 0, format: 'DecimalSI', original: '0' };
  const { negative, num, denom, suffix } = scan(str);
  const { base, exponent, format: parsedFormat } = interpretSuffix(suffix);
  let format = parsedFormat;
  let mantissa = BigInt(num + denom);
  let exp = -denom.length;
  if (base === 10) exp += exponent;
  else mantissa <<= BigInt(exponent);
  if (keepsOriginal(num, denom, base, exponent, mantissa)) {
    return { mantissa: negative ? -mantissa : mantissa, exponent: exp, format, original: str };
  }
  // Round the magnitude up to whole nano units: asking for a little gets something.
  if (exp < -9 && mantissa !== 0n) {
    const divisor = 10n ** BigInt(-9 - exp);
    mantissa = (mantissa + divisor - 1n) / divisor;
    exp = -9;
  }
  if (format === 'BinarySI') {
    if (compareParts(mantissa, exp, MAX_INT64, 0) > 0) [mantissa, exp] = [MAX_INT64, 0];
    if (mantissa !== 0n && compareParts(mantissa, exp, 1n, 0) < 0) format = 'DecimalSI';
  }
  return { mantissa: negative ? -mantissa : mantissa, exponent: exp, format };
}

/**
 * Go's int64 fast path remembers the input string when it is already in canonical shape;
 * that string is then what the server stores (`1E3` stays `1E3`, `+5` stays `+5`).
 */
function keepsOriginal(num: string, denom: string, base: number, exponent: number, value: bigint): boolean {
  const digits = num + denom;
  if (base === 10) {
    const scale = exponent - denom.length;
    if (18 - digits.length < 0 || scale < -9 || value > MAX_INT64) return false;
    return scale % 3 === 0 && !digits.endsWith('000') && digits[0] !== '0';
  }
  if (denom.length > 0 || 15 - num.length - Math.trunc((exponent * 3) / 10) - 1 < 0 || value > MAX_INT64) return false;
  return (BigInt(digits) & 7n) !== 0n;
}

/** JSON numbers: Go reads them through the same string parser; JS prints 1e21 as "1e+21". */
function numberToString(n: number): string {
  if (!Number.isFinite(n)) throw new QuantityError(FORMAT_WRONG);
  return String(n).replace('e+', 'e');
}

function compareParts(a: bigint, ae: number, b: bigint, be: number): number {
  const e = Math.min(ae, be);
  const x = a * 10n ** BigInt(ae - e);
  const y = b * 10n ** BigInt(be - e);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Serialises in Kubernetes' canonical form (`300m`, `1`, `512Mi`, `1e3`). */
export function formatQuantity(q: Quantity): string {
  if (q.original !== undefined) return q.original;
  if (q.mantissa === 0n) return '0';
  let format = q.format;
  if (format === 'BinarySI') {
    const integral = q.exponent >= 0 || q.mantissa % 10n ** BigInt(-q.exponent) === 0n;
    const small = compareParts(abs(q.mantissa), q.exponent, 1024n, 0) < 0;
    if (small || !integral) format = 'DecimalSI';
  }
  if (format === 'BinarySI') {
    let value = q.exponent >= 0 ? q.mantissa * 10n ** BigInt(q.exponent) : q.mantissa / 10n ** BigInt(-q.exponent);
    let power = 0;
    while (value % 1024n === 0n && power < 60) {
      value /= 1024n;
      power += 10;
    }
    const suffix = Object.keys(BINARY_SUFFIXES).find((s) => BINARY_SUFFIXES[s] === power) ?? '';
    return `${value}${suffix}`;
  }
  // Largest exponent that is a multiple of 3 and keeps the mantissa whole.
  let mantissa = q.mantissa;
  let exponent = q.exponent;
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent++;
  }
  while (((exponent % 3) + 3) % 3 !== 0) {
    mantissa *= 10n;
    exponent--;
  }
  if (format === 'DecimalExponent') return exponent === 0 ? `${mantissa}` : `${mantissa}e${exponent}`;
  // Go emits no suffix past E (10^18); kept for identical output.
  const suffix = Object.keys(DECIMAL_SUFFIXES).find((s) => DECIMAL_SUFFIXES[s] === exponent) ?? '';
  return `${mantissa}${suffix}`;
}

/**
 * Rounds the magnitude up to 10^exponent units, as Quantity.RoundUp does; the API server's
 * defaulting rounds every core/v1 ResourceList value (requests, limits, hard, ...) up to milli units.
 */
export function roundUpQuantity(q: Quantity, exponent: number): Quantity {
  if (q.exponent >= exponent) return q;
  const divisor = 10n ** BigInt(exponent - q.exponent);
  const magnitude = (abs(q.mantissa) + divisor - 1n) / divisor;
  return { mantissa: q.mantissa < 0n ? -magnitude : magnitude, exponent, format: q.format };
}

function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}

/** Parses and re-serialises: what the API server stores for a quantity field. */
export function canonicalizeQuantity(input: string | number): string {
  return formatQuantity(parseQuantity(input));
}

/** -1, 0 or 1 as a < b, a = b, a > b (values compared exactly). */
export function compareQuantities(a: Quantity | string, b: Quantity | string): -1 | 0 | 1 {
  const x = typeof a === 'string' ? parseQuantity(a) : a;
  const y = typeof b === 'string' ? parseQuantity(b) : b;
  return compareParts(x.mantissa, x.exponent, y.mantissa, y.exponent) as -1 | 0 | 1;
}

/** Approximate numeric value (for display and simulations, never for storage). */
export function quantityToNumber(q: Quantity | string): number {
  const x = typeof q === 'string' ? parseQuantity(q) : q;
  return Number(x.mantissa) * 10 ** x.exponent;
}

/** Sum keeping the first operand's format, as Quantity.Add does. */
export function addQuantities(a: Quantity, b: Quantity): Quantity {
  const e = Math.min(a.exponent, b.exponent);
  const mantissa = a.mantissa * 10n ** BigInt(a.exponent - e) + b.mantissa * 10n ** BigInt(b.exponent - e);
  return { mantissa, exponent: e, format: a.mantissa === 0n && a.format === 'DecimalSI' ? b.format : a.format };
}
