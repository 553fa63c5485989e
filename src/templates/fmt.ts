/**
 * Go's fmt package (Sprint, Sprintln, Sprintf) and strconv's float and quote
 * formatting, for the value kinds templates see (values.ts).
 *
 * Output must match Go byte for byte: templates print numbers through these
 * rules, and `printf` with a wrong verb does not fail but prints `%!d(...)`.
 */
import { GoFunc, GoInt, GoStruct, GoTime, goTypeName, isGoMap, mapElemType, sliceElemType, type GoMap, type GoValue } from './values.js';
import { goTimeGoString, goTimeString } from './sprig/gotime.js';

// ---------------------------------------------------------------------------
// strconv: floats

/** A decimal number 0.d1d2d3... × 10^dp (Go's decimalSlice); digits has no trailing zeros. */
interface Decimal {
  digits: string;
  dp: number;
}

const floatView = new DataView(new ArrayBuffer(8));

/** The IEEE 754 fields of a finite double: |f| = mant × 2^exp exactly. */
function floatBits(f: number): { mant: bigint; exp: number } {
  floatView.setFloat64(0, f);
  const hi = floatView.getUint32(0);
  const lo = floatView.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (biased === 0) {
    exp = -1074; // subnormal
  } else {
    mant |= 1n << 52n;
    exp = biased - 1075;
  }
  return { mant, exp };
}

function trimZeros(d: Decimal): Decimal {
  let end = d.digits.length;
  while (end > 0 && d.digits.charCodeAt(end - 1) === 48) end--;
  const digits = d.digits.slice(0, end);
  return { digits, dp: digits === '' ? 0 : d.dp };
}

/** The exact decimal expansion of a finite |f| (at most ~770 digits). */
function exactDecimal(f: number): Decimal {
  if (f === 0) return { digits: '', dp: 0 };
  const { mant, exp } = floatBits(Math.abs(f));
  if (exp >= 0) {
    const s = (mant << BigInt(exp)).toString();
    return trimZeros({ digits: s, dp: s.length });
  }
  // mant / 2^k = mant × 5^k / 10^k
  const k = -exp;
  const s = (mant * 5n ** BigInt(k)).toString();
  return trimZeros({ digits: s, dp: s.length - k });
}

/** The shortest decimal that reads back as |f| (JS and Go both pick the closest such digits). */
function shortestDecimal(f: number): Decimal {
  if (f === 0) return { digits: '', dp: 0 };
  const s = Math.abs(f).toExponential();
  const e = s.indexOf('e');
  const digits = s[0] + (e > 1 ? s.slice(2, e) : '');
  return trimZeros({ digits, dp: Number(s.slice(e + 1)) + 1 });
}

/** Rounds to nd digits, half to even on the exact value (Go's decimal.Round). */
function roundDecimal(d: Decimal, nd: number): Decimal {
  if (nd < 0 || nd >= d.digits.length) return d;
  const c = d.digits.charCodeAt(nd);
  let up: boolean;
  if (c === 53 && nd + 1 === d.digits.length) {
    up = nd > 0 && (d.digits.charCodeAt(nd - 1) - 48) % 2 === 1;
  } else {
    up = c >= 53;
  }
  if (!up) return trimZeros({ digits: d.digits.slice(0, nd), dp: d.dp });
  for (let i = nd - 1; i >= 0; i--) {
    const ch = d.digits.charCodeAt(i);
    if (ch < 57) return { digits: d.digits.slice(0, i) + String.fromCharCode(ch + 1), dp: d.dp };
  }
  return { digits: '1', dp: d.dp + 1 }; // all nines
}

function fmtE(neg: boolean, d: Decimal, prec: number, letter: string): string {
  let s = neg ? '-' : '';
  s += d.digits.length ? d.digits[0] : '0';
  if (prec > 0) {
    s += '.';
    const frac = d.digits.slice(1, prec + 1);
    s += frac + '0'.repeat(prec - frac.length);
  }
  let exp = d.digits.length === 0 ? 0 : d.dp - 1;
  s += letter;
  if (exp < 0) {
    s += '-';
    exp = -exp;
  } else {
    s += '+';
  }
  return s + (exp < 10 ? '0' + exp : String(exp));
}

function fmtF(neg: boolean, d: Decimal, prec: number): string {
  let s = neg ? '-' : '';
  if (d.dp > 0) {
    const intDigits = d.digits.slice(0, d.dp);
    s += intDigits + '0'.repeat(d.dp - intDigits.length);
  } else {
    s += '0';
  }
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) {
      const j = d.dp + i - 1;
      s += j >= 0 && j < d.digits.length ? d.digits[j] : '0';
    }
  }
  return s;
}

/** strconv.FormatFloat's 'b' form: mantissa "p" binary exponent. */
function fmtB(f: number): string {
  const { mant, exp } = floatBits(Math.abs(f));
  const neg = f < 0 || Object.is(f, -0);
  return (neg ? '-' : '') + mant.toString() + 'p' + (exp >= 0 ? '+' : '') + exp;
}

/** strconv.FormatFloat's 'x' form: hexadecimal mantissa and binary exponent. */
function fmtX(f: number, prec: number, upper: boolean): string {
  const neg = f < 0 || Object.is(f, -0);
  let { mant, exp } = floatBits(Math.abs(f));
  exp += 52;
  if (mant === 0n) exp = 0;
  // Put the leading 1 at bit 60.
  mant <<= 8n;
  const bit60 = 1n << 60n;
  while (mant !== 0n && (mant & bit60) === 0n) {
    mant <<= 1n;
    exp--;
  }
  if (prec >= 0 && prec < 15) {
    const shift = BigInt(prec * 4);
    const extra = (mant << shift) & (bit60 - 1n);
    mant >>= 60n - shift;
    if ((extra | (mant & 1n)) > 1n << 59n) mant++;
    mant <<= 60n - shift;
    if ((mant & (1n << 61n)) !== 0n) {
      mant >>= 1n;
      exp++;
    }
  }
  const hex = upper ? '0123456789ABCDEF' : '0123456789abcdef';
  let s = (neg ? '-' : '') + '0' + (upper ? 'X' : 'x') + ((mant >> 60n) & 1n).toString();
  mant = (mant << 4n) & ((1n << 64n) - 1n);
  const nextDigit = (): string => {
    const digit = hex[Number((mant >> 60n) & 15n)];
    mant = (mant << 4n) & ((1n << 64n) - 1n);
    return digit;
  };
  if (prec < 0 && mant !== 0n) {
    s += '.';
    while (mant !== 0n) s += nextDigit();
  } else if (prec > 0) {
    s += '.';
    for (let i = 0; i < prec; i++) s += nextDigit();
  }
  s += upper ? 'P' : 'p';
  s += exp < 0 ? '-' : '+';
  const e = String(Math.abs(exp));
  return s + (e.length < 2 ? '0' + e : e);
}

export type FloatFormat = 'e' | 'E' | 'f' | 'g' | 'G' | 'b' | 'x' | 'X';

/**
 * strconv.FormatFloat(f, fmt, prec, 64). prec -1 means the shortest digits
 * that read back as f; `formatFloat(f, 'g', -1)` is how `%v` prints a float64.
 */
export function formatFloat(f: number, fmt: FloatFormat, prec: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  // Fast path for %v: in this range Go's shortest %g is the plain decimal JS prints too.
  if (fmt === 'g' && prec < 0) {
    const abs = Math.abs(f);
    if (abs >= 1e-4 && abs < 1e6) return String(f);
  }
  if (fmt === 'b') return fmtB(f);
  if (fmt === 'x' || fmt === 'X') return fmtX(f, prec, fmt === 'X');
  const neg = f < 0 || Object.is(f, -0);
  const shortest = prec < 0;
  let d: Decimal;
  if (shortest) {
    d = shortestDecimal(f);
    if (fmt === 'e' || fmt === 'E') prec = Math.max(d.digits.length - 1, 0);
    else if (fmt === 'f') prec = Math.max(d.digits.length - d.dp, 0);
    else prec = d.digits.length;
  } else {
    d = exactDecimal(f);
    if (fmt === 'e' || fmt === 'E') d = roundDecimal(d, prec + 1);
    else if (fmt === 'f') d = roundDecimal(d, d.dp + prec);
    else {
      if (prec === 0) prec = 1;
      d = roundDecimal(d, prec);
    }
  }
  if (fmt === 'e' || fmt === 'E') return fmtE(neg, d, prec, fmt);
  if (fmt === 'f') return fmtF(neg, d, prec);
  // %g: exponent form when the exponent is < -4 or >= the precision (6 for shortest).
  let eprec = prec;
  const nd = d.digits.length;
  if (eprec > nd && nd >= d.dp) eprec = nd;
  if (shortest) eprec = 6;
  const exp = d.dp - 1;
  if (exp < -4 || exp >= eprec) {
    if (prec > nd) prec = nd;
    return fmtE(neg, d, prec - 1, fmt === 'g' ? 'e' : 'E');
  }
  if (prec > d.dp) prec = nd;
  return fmtF(neg, d, Math.max(prec - d.dp, 0));
}

// ---------------------------------------------------------------------------
// strconv: quoting

const printableRe = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** unicode.IsPrint / strconv.IsPrint. */
export function isPrint(r: number): boolean {
  if (r < 0x7f) return r >= 0x20;
  if (r >= 0xd800 && r <= 0xdfff) return false;
  return printableRe.test(String.fromCodePoint(r));
}

function hexPad(n: number, width: number): string {
  const s = n.toString(16);
  return s.length >= width ? s : '0'.repeat(width - s.length) + s;
}

function escapeRune(r: number, quote: number, asciiOnly: boolean): string {
  if (r === quote || r === 92) return '\\' + String.fromCharCode(r);
  if (asciiOnly ? r < 0x80 && isPrint(r) : isPrint(r)) return String.fromCodePoint(r);
  switch (r) {
    case 7:
      return '\\a';
    case 8:
      return '\\b';
    case 12:
      return '\\f';
    case 10:
      return '\\n';
    case 13:
      return '\\r';
    case 9:
      return '\\t';
    case 11:
      return '\\v';
  }
  if (r < 0x20 || r === 0x7f) return '\\x' + hexPad(r, 2);
  if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) r = 0xfffd;
  if (r < 0x10000) return '\\u' + hexPad(r, 4);
  return '\\U' + hexPad(r, 8);
}

/** strconv.Quote (asciiOnly: strconv.QuoteToASCII). */
export function quoteString(s: string, asciiOnly = false): string {
  let out = '"';
  for (const ch of s) out += escapeRune(ch.codePointAt(0)!, 34, asciiOnly);
  return out + '"';
}

/** strconv.QuoteRune (asciiOnly: strconv.QuoteRuneToASCII). Invalid runes become U+FFFD. */
export function quoteRune(r: number, asciiOnly = false): string {
  if (r < 0 || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) r = 0xfffd;
  return "'" + escapeRune(r, 39, asciiOnly) + "'";
}

/** strconv.CanBackquote. */
export function canBackquote(s: string): boolean {
  for (const ch of s) {
    const r = ch.codePointAt(0)!;
    if (r === 0xfeff) return false;
    if (r >= 0xd800 && r <= 0xdfff) return false;
    if ((r < 0x20 && r !== 9) || r === 0x60 || r === 0x7f) return false;
  }
  return true;
}

/** Number of runes (code points) in s. */
export function runeCount(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** Compares strings as Go does (by UTF-8 bytes, i.e. by code point). */
export function compareGoStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // Surrogates (astral code points) sort after every BMP character in UTF-8.
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys) return xs ? 1 : -1;
      return x < y ? -1 : 1;
    }
  }
  return a.length - b.length;
}

/** The keys of a Go map in fmt's (and text/template's) order. */
export function sortedKeys(m: GoMap): string[] {
  return Object.keys(m).sort(compareGoStrings);
}

// ---------------------------------------------------------------------------
// fmt

const utf8 = new TextEncoder();
const lowerDigits = '0123456789abcdefx';
const upperDigits = '0123456789ABCDEFX';
const MAX_WIDTH = 1e6; // Go's tooLarge bound for widths and precisions

/** Fake but stable addresses for %p of maps, slices and functions (Go prints real pointers). */
const addresses = new WeakMap<object, bigint>();
let nextAddress = 0xc000010000n;
function addressOf(o: object): bigint {
  let a = addresses.get(o);
  if (a === undefined) {
    a = nextAddress;
    nextAddress += 0x30n;
    addresses.set(o, a);
  }
  return a;
}

function isUnsigned(v: GoInt): boolean {
  return v.kind[0] === 'u';
}

/** One fmt "pp" state: the output so far and the flags of the verb being printed. */
class Printer {
  out = '';
  plus = false;
  minus = false;
  sharp = false;
  space = false;
  zero = false;
  plusV = false;
  sharpV = false;
  wid = 0;
  widPresent = false;
  prec = 0;
  precPresent = false;

  clearFlags(): void {
    this.plus = this.minus = this.sharp = this.space = this.zero = false;
    this.plusV = this.sharpV = false;
    this.wid = this.prec = 0;
    this.widPresent = this.precPresent = false;
  }

  writePadding(n: number): void {
    if (n > 0) this.out += (this.zero ? '0' : ' ').repeat(n);
  }

  /** Writes s padded to the width (counting runes). */
  pad(s: string): void {
    if (!this.widPresent || this.wid === 0) {
      this.out += s;
      return;
    }
    const width = this.wid - runeCount(s);
    if (!this.minus) {
      this.writePadding(width);
      this.out += s;
    } else {
      this.out += s;
      if (width > 0) this.out += ' '.repeat(width);
    }
  }

  truncate(s: string): string {
    if (this.precPresent) {
      let n = this.prec;
      let i = 0;
      for (const ch of s) {
        if (--n < 0) return s.slice(0, i);
        i += ch.length;
      }
    }
    return s;
  }

  fmtS(s: string): void {
    this.pad(this.truncate(s));
  }

  fmtQ(s: string): void {
    s = this.truncate(s);
    if (this.sharp && canBackquote(s)) this.pad('`' + s + '`');
    else this.pad(quoteString(s, this.plus));
  }

  /** %x / %X of a string: hex of its UTF-8 bytes. */
  fmtSx(s: string, digits: string): void {
    let bytes = utf8.encode(s);
    if (this.precPresent && this.prec < bytes.length) bytes = bytes.subarray(0, this.prec);
    const length = bytes.length;
    let width = 2 * length;
    if (width > 0) {
      if (this.space) {
        if (this.sharp) width *= 2;
        width += length - 1;
      } else if (this.sharp) {
        width += 2;
      }
    } else {
      if (this.widPresent) this.writePadding(this.wid);
      return;
    }
    if (this.widPresent && this.wid > width && !this.minus) this.writePadding(this.wid - width);
    let buf = this.sharp ? '0' + digits[16] : '';
    for (let i = 0; i < length; i++) {
      if (this.space && i > 0) {
        buf += ' ';
        if (this.sharp) buf += '0' + digits[16];
      }
      buf += digits[bytes[i] >> 4] + digits[bytes[i] & 15];
    }
    this.out += buf;
    if (this.widPresent && this.wid > width && this.minus) this.writePadding(this.wid - width);
  }

  /** fmt's integer formatter; u is the magnitude as an unsigned 64-bit value. */
  fmtInteger(value: bigint, base: number, signed: boolean, verb: string, digits: string): void {
    const negative = signed && value < 0n;
    let u = negative ? -value : value;
    let prec = 0;
    if (this.precPresent) {
      prec = this.prec;
      if (prec === 0 && u === 0n) {
        const oldZero = this.zero;
        this.zero = false;
        this.writePadding(this.wid);
        this.zero = oldZero;
        return;
      }
    } else if (this.zero && this.widPresent) {
      prec = this.wid;
      if (negative || this.plus || this.space) prec--; // room for the sign
    }
    let s = '';
    const b = BigInt(base);
    if (u === 0n) s = '0';
    while (u > 0n) {
      s = digits[Number(u % b)] + s;
      u /= b;
    }
    if (prec > s.length) s = '0'.repeat(prec - s.length) + s;
    if (this.sharp) {
      if (base === 2) s = '0b' + s;
      else if (base === 8 && s[0] !== '0') s = '0' + s;
      else if (base === 16) s = '0' + digits[16] + s;
    }
    if (verb === 'O') s = '0o' + s;
    if (negative) s = '-' + s;
    else if (this.plus) s = '+' + s;
    else if (this.space) s = ' ' + s;
    const oldZero = this.zero;
    this.zero = false;
    this.pad(s);
    this.zero = oldZero;
  }

  fmt0x64(v: bigint, leading0x: boolean): void {
    const sharp = this.sharp;
    this.sharp = leading0x;
    this.fmtInteger(v, 16, false, 'v', lowerDigits);
    this.sharp = sharp;
  }

  fmtC(c: bigint): void {
    let r = c > 0x10ffffn ? 0xfffd : Number(c);
    if (r >= 0xd800 && r <= 0xdfff) r = 0xfffd;
    this.pad(String.fromCodePoint(r));
  }

  fmtUnicode(u: bigint): void {
    let prec = 4;
    if (this.precPresent && this.prec > 4) prec = this.prec;
    let s = u.toString(16).toUpperCase();
    if (s.length < prec) s = '0'.repeat(prec - s.length) + s;
    s = 'U+' + s;
    if (this.sharp && u <= 0x10ffffn && isPrint(Number(u))) s += " '" + String.fromCodePoint(Number(u)) + "'";
    const oldZero = this.zero;
    this.zero = false;
    this.pad(s);
    this.zero = oldZero;
  }

  fmtFloat(v: number, verb: string, prec: number): void {
    if (this.precPresent) prec = this.prec;
    let num = formatFloat(v, verb as FloatFormat, prec);
    if (num[0] !== '-' && num[0] !== '+') num = '+' + num;
    if (this.space && num[0] === '+' && !this.plus) num = ' ' + num.slice(1);
    if (num[1] === 'I' || num[1] === 'N') {
      const oldZero = this.zero;
      this.zero = false;
      if (num[1] === 'N' && !this.space && !this.plus) num = num.slice(1);
      this.pad(num);
      this.zero = oldZero;
      return;
    }
    if (this.sharp && verb !== 'b') {
      // %#g etc.: keep the decimal point and trailing zeros.
      let digits = 0;
      if (verb === 'v' || verb === 'g' || verb === 'G' || verb === 'x') digits = prec === -1 ? 6 : prec;
      let tail = '';
      let hasPoint = false;
      let sawNonzero = false;
      for (let i = 1; i < num.length; i++) {
        const c = num[i];
        if (c === '.') {
          hasPoint = true;
        } else if (c === 'p' || c === 'P' || ((c === 'e' || c === 'E') && verb !== 'x' && verb !== 'X')) {
          tail = num.slice(i);
          num = num.slice(0, i);
          break;
        } else {
          if (c !== '0') sawNonzero = true;
          if (sawNonzero) digits--;
        }
      }
      if (!hasPoint) {
        if (num.length === 2 && num[1] === '0') digits--;
        num += '.';
      }
      if (digits > 0) num += '0'.repeat(digits);
      num += tail;
    }
    if (this.plus || num[0] !== '+') {
      if (this.zero && this.widPresent && this.wid > num.length) {
        this.out += num[0];
        this.writePadding(this.wid - num.length);
        this.out += num.slice(1);
        return;
      }
      this.pad(num);
      return;
    }
    this.pad(num.slice(1));
  }

  // --- by Go type

  printBool(v: boolean, verb: string, arg: GoValue): void {
    if (verb === 't' || verb === 'v') this.pad(v ? 'true' : 'false');
    else this.badVerb(verb, arg);
  }

  printInt(v: GoInt, verb: string): void {
    const signed = !isUnsigned(v);
    const u64 = BigInt.asUintN(64, v.value);
    switch (verb) {
      case 'v':
        if (this.sharpV && !signed) this.fmt0x64(v.value, true);
        else this.fmtInteger(v.value, 10, signed, verb, lowerDigits);
        return;
      case 'd':
        return this.fmtInteger(v.value, 10, signed, verb, lowerDigits);
      case 'b':
        return this.fmtInteger(v.value, 2, signed, verb, lowerDigits);
      case 'o':
      case 'O':
        return this.fmtInteger(v.value, 8, signed, verb, lowerDigits);
      case 'x':
        return this.fmtInteger(v.value, 16, signed, verb, lowerDigits);
      case 'X':
        return this.fmtInteger(v.value, 16, signed, verb, upperDigits);
      case 'c':
        return this.fmtC(u64);
      case 'q':
        return this.pad(quoteRune(u64 > 0x10ffffn ? 0xfffd : Number(u64), this.plus));
      case 'U':
        return this.fmtUnicode(u64);
      default:
        this.badVerb(verb, v);
    }
  }

  printFloat(v: number, verb: string): void {
    switch (verb) {
      case 'v':
        return this.fmtFloat(v, 'g', -1);
      case 'b':
      case 'g':
      case 'G':
      case 'x':
      case 'X':
        return this.fmtFloat(v, verb, -1);
      case 'f':
      case 'e':
      case 'E':
        return this.fmtFloat(v, verb, 6);
      case 'F':
        return this.fmtFloat(v, 'f', 6);
      default:
        this.badVerb(verb, v);
    }
  }

  printString(v: string, verb: string): void {
    switch (verb) {
      case 'v':
        if (this.sharpV) this.fmtQ(v);
        else this.fmtS(v);
        return;
      case 's':
        return this.fmtS(v);
      case 'x':
        return this.fmtSx(v, lowerDigits);
      case 'X':
        return this.fmtSx(v, upperDigits);
      case 'q':
        return this.fmtQ(v);
      default:
        this.badVerb(verb, v);
    }
  }

  /** %p and %v of reference kinds (maps, slices, funcs) print an address. */
  fmtPointer(v: object, verb: string, typeName: string): void {
    const u = addressOf(v);
    switch (verb) {
      case 'v':
        if (this.sharpV) this.out += '(' + typeName + ')(0x' + u.toString(16) + ')';
        else this.fmt0x64(u, !this.sharp);
        return;
      case 'p':
        return this.fmt0x64(u, !this.sharp);
      case 'b':
      case 'o':
      case 'd':
      case 'x':
      case 'X':
        return this.fmtInteger(u, verb === 'b' ? 2 : verb === 'o' ? 8 : verb === 'd' ? 10 : 16, false, verb, verb === 'X' ? upperDigits : lowerDigits);
      default:
        this.badVerb(verb, v as GoValue);
    }
  }

  /** complex128: both parts with the float verb, the imaginary part always signed. */
  printComplex(c: { re: number; im: number }, verb: string, arg: GoValue): void {
    if (!'vbgGxXfFeE'.includes(verb)) return this.badVerb(verb, arg);
    const oldPlus = this.plus;
    this.out += '(';
    this.printFloat(c.re, verb);
    this.plus = true;
    this.printFloat(c.im, verb);
    this.out += 'i)';
    this.plus = oldPlus;
  }

  /** A value with a String method (time.Time, semver): Go formats the string for %v %s %q %x %X. */
  printStringer(s: string, verb: string, arg: GoValue): void {
    switch (verb) {
      case 'v':
      case 's':
      case 'x':
      case 'X':
      case 'q':
        return this.printString(s, verb);
      default:
        this.badVerb(verb, arg);
    }
  }

  badVerb(verb: string, arg: GoValue): void {
    this.out += '%!' + verb + '(';
    if (arg === null || arg === undefined) {
      this.out += '<nil>';
    } else {
      this.out += goTypeName(arg) + '=';
      this.printArg(arg, 'v', 0);
    }
    this.out += ')';
  }

  /** printArg (depth 0) and printValue (depth > 0) of Go's fmt. */
  printArg(arg: GoValue, verb: string, depth: number): void {
    if (arg === null || arg === undefined) {
      if (depth > 0) this.out += this.sharpV ? 'interface {}(nil)' : '<nil>';
      else if (verb === 'T' || verb === 'v') this.pad('<nil>');
      else this.badVerb(verb, arg);
      return;
    }
    if (depth === 0) {
      if (verb === 'T') return this.fmtS(goTypeName(arg));
      if (verb === 'p') {
        if (typeof arg === 'object' && (Array.isArray(arg) || isGoMap(arg) || arg instanceof GoFunc)) return this.fmtPointer(arg, 'p', goTypeName(arg));
        return this.badVerb(verb, arg);
      }
    }
    switch (typeof arg) {
      case 'string':
        return this.printString(arg, verb);
      case 'number':
        return this.printFloat(arg, verb);
      case 'boolean':
        return this.printBool(arg, verb, arg);
    }
    if (arg instanceof GoInt) return this.printInt(arg, verb);
    if (arg instanceof GoTime) {
      if (this.sharpV) return this.pad(goTimeGoString(arg));
      return this.printStringer(goTimeString(arg), verb, arg);
    }
    if (arg instanceof GoStruct) {
      if (arg.goType === 'complex128') return this.printComplex(arg as unknown as { re: number; im: number }, verb, arg);
      // time.Month and time.Weekday are ints with a String method.
      if ((arg.goType === 'time.Month' || arg.goType === 'time.Weekday') && !'vsxXq'.includes(verb))
        return this.printInt(new GoInt(BigInt((arg as unknown as { n: number }).n), 'int'), verb);
      return this.printStringer(arg.formatV(), verb, arg);
    }
    if (arg instanceof GoFunc) return this.fmtPointer(arg, verb, 'func');
    if (Array.isArray(arg)) {
      if (this.sharpV) {
        this.out += '[]' + sliceElemType(arg) + '{';
        for (let i = 0; i < arg.length; i++) {
          if (i > 0) this.out += ', ';
          this.printArg(arg[i], verb, depth + 1);
        }
        this.out += '}';
      } else {
        this.out += '[';
        for (let i = 0; i < arg.length; i++) {
          if (i > 0) this.out += ' ';
          this.printArg(arg[i], verb, depth + 1);
        }
        this.out += ']';
      }
      return;
    }
    const m = arg as GoMap;
    this.out += this.sharpV ? 'map[string]' + mapElemType(m) + '{' : 'map[';
    const keys = sortedKeys(m);
    for (let i = 0; i < keys.length; i++) {
      if (i > 0) this.out += this.sharpV ? ', ' : ' ';
      this.printArg(keys[i], verb, depth + 1);
      this.out += ':';
      this.printArg(m[keys[i]], verb, depth + 1);
    }
    this.out += this.sharpV ? '}' : ']';
  }

  /** Go's doPrintf. */
  doPrintf(format: string, a: GoValue[]): void {
    const end = format.length;
    let argNum = 0;
    let afterIndex = false;
    let reordered = false;
    let goodArgNum = true;

    // Go's argNumber: an explicit "[n]" argument index.
    const argNumber = (i: number): { argNum: number; i: number; found: boolean } => {
      if (i >= end || format[i] !== '[') return { argNum, i, found: false };
      reordered = true;
      const parsed = parseArgNumber(format, i);
      if (parsed.ok && parsed.index >= 0 && parsed.index < a.length) return { argNum: parsed.index, i: i + parsed.wid, found: true };
      goodArgNum = false;
      return { argNum, i: i + parsed.wid, found: parsed.ok };
    };

    for (let i = 0; i < end;) {
      goodArgNum = true;
      const lasti = i;
      while (i < end && format[i] !== '%') i++;
      if (i > lasti) this.out += format.slice(lasti, i);
      if (i >= end) break;
      i++; // skip %
      this.clearFlags();
      flags: for (; i < end; i++) {
        switch (format[i]) {
          case '#':
            this.sharp = true;
            break;
          case '0':
            this.zero = !this.minus; // only pad with zeros on the left
            break;
          case '+':
            this.plus = true;
            break;
          case '-':
            this.minus = true;
            this.zero = false;
            break;
          case ' ':
            this.space = true;
            break;
          default:
            break flags;
        }
      }
      let r = argNumber(i);
      argNum = r.argNum;
      i = r.i;
      afterIndex = r.found;

      // width
      if (i < end && format[i] === '*') {
        i++;
        const w = intFromArg(a, argNum);
        this.wid = w.num;
        this.widPresent = w.isInt;
        argNum = w.newArgNum;
        if (!this.widPresent) this.out += '%!(BADWIDTH)';
        if (this.wid < 0) {
          this.wid = -this.wid;
          this.minus = true;
          this.zero = false;
        }
        afterIndex = false;
      } else {
        const n = parseNum(format, i, end);
        this.wid = n.num;
        this.widPresent = n.isNum;
        i = n.newi;
        if (afterIndex && this.widPresent) goodArgNum = false; // "%[3]2d"
      }

      // precision
      if (i + 1 < end && format[i] === '.') {
        i++;
        if (afterIndex) goodArgNum = false; // "%[3].2d"
        r = argNumber(i);
        argNum = r.argNum;
        i = r.i;
        afterIndex = r.found;
        if (i < end && format[i] === '*') {
          i++;
          const p = intFromArg(a, argNum);
          this.prec = p.num;
          this.precPresent = p.isInt;
          argNum = p.newArgNum;
          if (this.prec < 0) {
            this.prec = 0;
            this.precPresent = false;
          }
          if (!this.precPresent) this.out += '%!(BADPREC)';
          afterIndex = false;
        } else {
          const n = parseNum(format, i, end);
          this.prec = n.num;
          this.precPresent = n.isNum;
          i = n.newi;
          if (!this.precPresent) {
            this.prec = 0;
            this.precPresent = true;
          }
        }
      }

      if (!afterIndex) {
        r = argNumber(i);
        argNum = r.argNum;
        i = r.i;
        afterIndex = r.found;
      }

      if (i >= end) {
        this.out += '%!(NOVERB)';
        break;
      }
      const verb = String.fromCodePoint(format.codePointAt(i)!);
      i += verb.length;

      if (verb === '%') {
        this.out += '%'; // absorbs no operand, ignores width and precision
      } else if (!goodArgNum) {
        this.out += '%!' + verb + '(BADINDEX)';
      } else if (argNum >= a.length) {
        this.out += '%!' + verb + '(MISSING)';
      } else {
        if (verb === 'v') {
          this.sharpV = this.sharp;
          this.sharp = false;
          this.plusV = this.plus;
          this.plus = false;
        }
        this.printArg(a[argNum], verb, 0);
        argNum++;
      }
    }

    if (!reordered && argNum < a.length) {
      this.clearFlags();
      this.out += '%!(EXTRA ';
      for (let k = argNum; k < a.length; k++) {
        if (k > argNum) this.out += ', ';
        const arg = a[k];
        if (arg === null || arg === undefined) {
          this.out += '<nil>';
        } else {
          this.out += goTypeName(arg) + '=';
          this.printArg(arg, 'v', 0);
        }
      }
      this.out += ')';
    }
  }
}

function tooLarge(x: number): boolean {
  return x > MAX_WIDTH || x < -MAX_WIDTH;
}

function parseNum(s: string, start: number, end: number): { num: number; isNum: boolean; newi: number } {
  if (start >= end) return { num: 0, isNum: false, newi: end };
  let num = 0;
  let isNum = false;
  let newi = start;
  for (; newi < end && s.charCodeAt(newi) >= 48 && s.charCodeAt(newi) <= 57; newi++) {
    if (tooLarge(num)) return { num: 0, isNum: false, newi: end };
    num = num * 10 + (s.charCodeAt(newi) - 48);
    isNum = true;
  }
  return { num, isNum, newi };
}

/** Parses "[n]" at format[i]; index is zero-based, wid the characters consumed. */
function parseArgNumber(format: string, i: number): { index: number; wid: number; ok: boolean } {
  if (format.length - i < 3) return { index: 0, wid: 1, ok: false };
  for (let j = i + 1; j < format.length; j++) {
    if (format[j] === ']') {
      const n = parseNum(format, i + 1, j);
      if (!n.isNum || n.newi !== j) return { index: 0, wid: j - i + 1, ok: false };
      return { index: n.num - 1, wid: j - i + 1, ok: true };
    }
  }
  return { index: 0, wid: 1, ok: false };
}

/** A `*` width or precision: must be an integer argument. */
function intFromArg(a: GoValue[], argNum: number): { num: number; isInt: boolean; newArgNum: number } {
  if (argNum >= a.length) return { num: 0, isInt: false, newArgNum: argNum };
  const v = a[argNum];
  let num = 0;
  let isInt = false;
  if (v instanceof GoInt && v.value >= -(2n ** 63n) && v.value < 2n ** 63n) {
    num = Number(v.value);
    isInt = true;
  }
  if (tooLarge(num)) {
    num = 0;
    isInt = false;
  }
  return { num, isInt, newArgNum: argNum + 1 };
}

// ---------------------------------------------------------------------------
// public API

/** fmt.Sprint: spaces between operands when neither side is a string. */
export function sprint(args: GoValue[]): string {
  if (args.length === 1) return formatValue(args[0]);
  const p = new Printer();
  let prevString = false;
  for (let i = 0; i < args.length; i++) {
    const isString = typeof args[i] === 'string';
    if (i > 0 && !isString && !prevString) p.out += ' ';
    p.printArg(args[i], 'v', 0);
    prevString = isString;
  }
  return p.out;
}

/** fmt.Sprintln: operands always separated by spaces, then a newline. */
export function sprintln(args: GoValue[]): string {
  const p = new Printer();
  for (let i = 0; i < args.length; i++) {
    if (i > 0) p.out += ' ';
    p.printArg(args[i], 'v', 0);
  }
  return p.out + '\n';
}

/** fmt.Sprintf. */
export function sprintf(format: string, args: GoValue[]): string {
  const p = new Printer();
  p.doPrintf(format, args);
  return p.out;
}

/** fmt.Sprint of one value (`%v`); nil prints `<nil>`. */
export function formatValue(v: GoValue): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return formatFloat(v, 'g', -1);
    case 'boolean':
      return v ? 'true' : 'false';
  }
  if (v instanceof GoInt) return v.value.toString();
  const p = new Printer();
  p.printArg(v, 'v', 0);
  return p.out;
}
