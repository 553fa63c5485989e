/** Sprig v2.22 math and number conversion functions (numeric.go). */
import { formatValue } from '../fmt.js';
import { FuncError, GoInt, int, int64, setSliceType, type FuncMap, type GoValue } from '../values.js';
import { atoi, parseGoInt, toFloat64, toInt64 } from './conv.js';
import { def, MAX_GENERATED, num } from './strings.js';

const wrap64 = (v: bigint): GoInt => int64(BigInt.asIntN(64, v));

function divide(a: GoValue, b: GoValue, op: 'div' | 'mod'): GoInt {
  const x = toInt64(a);
  const y = toInt64(b);
  if (y === 0n) throw new FuncError('runtime error: integer divide by zero');
  // BigInt division truncates toward zero like Go; MinInt64 / -1 wraps.
  return wrap64(op === 'div' ? x / y : x % y);
}

/** math.Frexp for finite non-zero x: x = frac × 2^exp with 0.5 <= |frac| < 1. */
function frexp(x: number): [number, number] {
  let exp = 0;
  let f = Math.abs(x);
  while (f >= 1) {
    f /= 2;
    exp++;
  }
  while (f < 0.5) {
    f *= 2;
    exp--;
  }
  return [x < 0 ? -f : f, exp];
}

/** math.Ldexp. */
function ldexp(frac: number, exp: number): number {
  // Apply the exponent in steps so that intermediate powers of two stay finite.
  while (exp > 1000) {
    frac *= 2 ** 1000;
    exp -= 1000;
  }
  while (exp < -1000) {
    frac *= 2 ** -1000;
    exp += 1000;
  }
  return frac * 2 ** exp;
}

/** Go's math.Pow for an integral exponent (repeated squaring), so rounding matches Go's. */
export function goPowInt(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (y === 1) return x;
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  if (x === 0) return y < 0 ? (Object.is(x, -0) && Math.abs(y) % 2 === 1 ? -Infinity : Infinity) : Object.is(x, -0) && Math.abs(y) % 2 === 1 ? -0 : 0;
  if (!Number.isFinite(y) || !Number.isFinite(x) || !Number.isInteger(y) || Math.abs(y) >= 2 ** 63) return Math.pow(x, y);
  let a1 = 1;
  let ae = 0;
  let [x1, xe] = frexp(x);
  for (let i = BigInt(Math.abs(y)); i !== 0n; i >>= 1n) {
    if (xe < -(1 << 12) || 1 << 12 < xe) {
      ae += xe; // catastrophic overflow: let ldexp handle it
      break;
    }
    if ((i & 1n) === 1n) {
      a1 *= x1;
      ae += xe;
    }
    x1 *= x1;
    xe <<= 1;
    if (x1 < 0.5) {
      x1 += x1;
      xe--;
    }
  }
  if (y < 0) {
    a1 = 1 / a1;
    ae = -ae;
  }
  return ldexp(a1, ae);
}

function round(a: GoValue, places: GoInt, roundOn: number[]): number {
  const on = roundOn.length > 0 ? roundOn[0] : 0.5;
  const val = toFloat64(a);
  const pow = goPowInt(10, Number(places.value));
  const digit = pow * val;
  const frac = digit - Math.trunc(digit);
  const r = frac >= on ? Math.ceil(digit) : Math.floor(digit);
  return r / pow;
}

/** Sprig's untilStep: ints from start toward stop. */
export function untilStep(start: number, stop: number, step: number): GoValue[] {
  const v: GoValue[] = [];
  const ascending = stop >= start;
  if ((ascending && step <= 0) || (!ascending && step >= 0)) return setSliceType(v, 'int');
  const count = Math.ceil((stop - start) / step);
  if (count > MAX_GENERATED) throw new FuncError(`list of ${count} elements is more than the limit of ${MAX_GENERATED}`);
  for (let i = 0, x = start; i < count; i++, x += step) v.push(int(x));
  return setSliceType(v, 'int');
}

function toDecimal(v: GoValue): GoInt {
  return int64(parseGoInt(formatValue(v), 8) ?? 0n);
}

export const mathFuncs: FuncMap = {
  atoi: def(['string'], (s: string) => int(atoi(s))),
  int64: def(['interface {}'], (v: GoValue) => int64(toInt64(v))),
  int: def(['interface {}'], (v: GoValue) => int(toInt64(v))),
  float64: def(['interface {}'], (v: GoValue) => toFloat64(v)),
  toDecimal: def(['interface {}'], toDecimal),
  until: def(['int'], (c: GoInt) => untilStep(0, num(c), num(c) < 0 ? -1 : 1)),
  untilStep: def(['int', 'int', 'int'], (a: GoInt, b: GoInt, s: GoInt) => untilStep(num(a), num(b), num(s))),
  add1: def(['interface {}'], (v: GoValue) => wrap64(toInt64(v) + 1n)),
  add: def([], (...xs: GoValue[]) => wrap64(xs.reduce<bigint>((acc, x) => BigInt.asIntN(64, acc + toInt64(x)), 0n)), 'interface {}'),
  sub: def(['interface {}', 'interface {}'], (a: GoValue, b: GoValue) => wrap64(toInt64(a) - toInt64(b))),
  div: def(['interface {}', 'interface {}'], (a: GoValue, b: GoValue) => divide(a, b, 'div')),
  mod: def(['interface {}', 'interface {}'], (a: GoValue, b: GoValue) => divide(a, b, 'mod')),
  mul: def(
    ['interface {}'],
    (a: GoValue, ...xs: GoValue[]) => wrap64(xs.reduce<bigint>((acc, x) => BigInt.asIntN(64, acc * toInt64(x)), toInt64(a))),
    'interface {}',
  ),
  biggest: def(
    ['interface {}'],
    (a: GoValue, ...xs: GoValue[]) => int64(xs.reduce<bigint>((m, x) => (toInt64(x) > m ? toInt64(x) : m), toInt64(a))),
    'interface {}',
  ),
  max: def(
    ['interface {}'],
    (a: GoValue, ...xs: GoValue[]) => int64(xs.reduce<bigint>((m, x) => (toInt64(x) > m ? toInt64(x) : m), toInt64(a))),
    'interface {}',
  ),
  min: def(
    ['interface {}'],
    (a: GoValue, ...xs: GoValue[]) => int64(xs.reduce<bigint>((m, x) => (toInt64(x) < m ? toInt64(x) : m), toInt64(a))),
    'interface {}',
  ),
  ceil: def(['interface {}'], (v: GoValue) => Math.ceil(toFloat64(v))),
  floor: def(['interface {}'], (v: GoValue) => Math.floor(toFloat64(v))),
  round: def(['interface {}', 'int'], (a: GoValue, p: GoInt, ...r: number[]) => round(a, p, r), 'float64'),
};
