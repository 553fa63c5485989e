/**
 * The few Go formatting rules package conversion needs: `%v` of JSON-decoded
 * values (numbers are float64) and strconv.FormatFloat(x, 'g', -1, 32|64).
 * Go's fmt itself lives in the template engine; this adds the 32-bit float case.
 */
import { formatFloat, formatValue, quoteString } from '../templates/fmt.js';
import type { GoValue } from '../templates/values.js';

/** strconv.FormatFloat(x, 'g', -1, bits): the shortest digits that read back to the same float. */
export function formatFloatG(x: number, bits: 32 | 64 = 64): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const value = bits === 32 ? Math.fround(x) : x;
  // Shortest decimal digits that round-trip at the given precision.
  let digits = '';
  let exp = 0;
  for (let p = 1; p <= 17; p++) {
    const s = Math.abs(value).toExponential(p - 1);
    const back = Number(s);
    if ((bits === 32 ? Math.fround(back) : back) === Math.abs(value)) {
      const [mant, e] = s.split('e');
      digits = mant.replace('.', '');
      exp = Number(e);
      break;
    }
  }
  digits = digits.replace(/0+$/, '') || '0';
  const sign = value < 0 ? '-' : '';
  // Go's %g with the shortest precision switches to exponent form when exp < -4 or exp >= 6.
  const dp = exp + 1;
  if (exp < -4 || exp >= 6) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const es = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : `${Math.abs(exp)}`;
    return `${sign}${mant}e${exp < 0 ? '-' : '+'}${es}`;
  }
  if (dp <= 0) return `${sign}0.${'0'.repeat(-dp)}${digits}`;
  if (dp >= digits.length) return `${sign}${digits}${'0'.repeat(dp - digits.length)}`;
  return `${sign}${digits.slice(0, dp)}.${digits.slice(dp)}`;
}

/** Go's fmt `%v` of a value decoded from JSON (bool, float64, string, []interface{}, map[string]interface{}, nil). */
export function sprintV(v: unknown): string {
  if (typeof v === 'bigint') return formatFloat(Number(v), 'g', -1);
  return formatValue(v === undefined ? null : (v as GoValue));
}

/** Go's strconv.Quote (what `%q` prints for a string). */
export const goQuote = (s: string): string => quoteString(s);

/** Go's `%s` of a non-string value: `%!s(float64=3)` and friends. */
export function sprintS(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return `%!s(float64=${sprintV(v)})`;
  if (typeof v === 'boolean') return `%!s(bool=${v})`;
  if (v === null || v === undefined) return '%!s(<nil>)';
  return sprintV(v);
}
