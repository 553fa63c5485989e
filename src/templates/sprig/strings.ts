/** Sprig v2.22 string functions (strings.go and the goutils/xstrings helpers it calls). */
import { randomInt } from 'node:crypto';
import { quoteString } from '../fmt.js';
import { FuncError, GoInt, setMapType, setSliceType, sliceElemType, type FuncDef, type FuncMap, type GoMap, type GoValue, type ParamType } from '../values.js';
import {
  byteLength,
  byteSlice,
  fromUtf8,
  goToLower,
  goToUpper,
  isDigit,
  isLetter,
  isLower,
  isNumber,
  isPunct,
  isSpace,
  isTitle,
  isUpper,
  mapRunes,
  sliceBoundsError,
  strval,
  toLowerRune,
  toTitleRune,
  toUpperRune,
  trimCutset,
  trimSpace,
  utf8Bytes,
} from './conv.js';
import { compareGoStrings } from '../fmt.js';

/** Builds a FuncDef; `variadic` is the type of a `...T` tail. */
export function def(params: ParamType[], fn: (...args: any[]) => GoValue, variadic?: ParamType): FuncDef {
  return variadic === undefined ? { params, fn } : { params, variadic, fn };
}

/** Go's `int` argument as a JS number (template ints stay far below 2^53 in practice). */
export const num = (v: GoValue): number => Number((v as GoInt).value);

/** Largest count accepted by functions that build strings or lists from a count (a guard against hostile templates). */
export const MAX_GENERATED = 10_000_000;

function repeat(s: string, count: number): string {
  if (count < 0) throw new FuncError('strings: negative Repeat count');
  if (s.length * count > MAX_GENERATED * 10) throw new FuncError(`strings: Repeat output too large (${count} × ${s.length} characters)`);
  return s.repeat(count);
}

// --- goutils

function abbreviateFull(str: string, offset: number, maxWidth: number): string {
  if (str === '') return '';
  if (maxWidth < 4) return '';
  const len = byteLength(str);
  if (len <= maxWidth) return str;
  if (offset > len) offset = len;
  if (len - offset < maxWidth - 3) offset = len - (maxWidth - 3);
  if (offset <= 4) return byteSlice(str, 0, maxWidth - 3) + '...';
  if (maxWidth < 7) return '';
  if (offset + maxWidth - 3 < len) return '...' + abbreviateFull(byteSlice(str, offset), 0, maxWidth - 3);
  return '...' + byteSlice(str, len - (maxWidth - 3));
}

/** goutils.Initials: the first byte of each space-separated word (byte-wise, as goutils does). */
function initials(s: string): string {
  if (s === '') return s;
  let out = '';
  let lastWasGap = true;
  for (const b of utf8Bytes(s)) {
    if (isSpace(b)) lastWasGap = true;
    else if (lastWasGap) {
      out += String.fromCharCode(b);
      lastWasGap = false;
    }
  }
  return out;
}

/** goutils.DeleteWhiteSpace (byte-wise: non-ASCII text is re-encoded byte by byte when spaces are removed). */
function deleteWhiteSpace(s: string): string {
  if (s === '') return s;
  const bytes = utf8Bytes(s);
  let out = '';
  let count = 0;
  for (const b of bytes) {
    if (!isSpace(b)) {
      out += String.fromCharCode(b);
      count++;
    }
  }
  return count === bytes.length ? s : out;
}

/** goutils.SwapCase. */
function swapCase(s: string): string {
  return mapRunes(s, (r) => (isUpper(r) || isTitle(r) ? toLowerRune(r) : isLower(r) ? toUpperRune(r) : r));
}

/** goutils.Uncapitalize: lower-cases the first rune of each space-separated word. */
function uncapitalize(s: string): string {
  let next = true;
  return mapRunes(s, (r) => {
    if (isSpace(r)) {
      next = true;
      return r;
    }
    if (next) {
      next = false;
      return toLowerRune(r);
    }
    return r;
  });
}

/** goutils.WrapCustom on UTF-8 bytes. */
function wrapCustom(str: string, wrapLength: number, newLine: string, wrapLongWords: boolean): string {
  if (str === '') return '';
  if (newLine === '') newLine = '\n';
  if (wrapLength < 1) wrapLength = 1;
  const b = utf8Bytes(str);
  const nl = utf8Bytes(newLine);
  const len = b.length;
  const out: number[] = [];
  const write = (from: number, to: number): void => {
    for (let i = from; i < to; i++) out.push(b[i]);
  };
  const writeNl = (): void => {
    for (const x of nl) out.push(x);
  };
  let offset = 0;
  while (len - offset > wrapLength) {
    if (b[offset] === 32) {
      offset++;
      continue;
    }
    const end = wrapLength + offset + 1;
    let space = b.subarray(offset, end).lastIndexOf(32) + offset;
    if (space >= offset) {
      write(offset, space);
      writeNl();
      offset = space + 1;
    } else if (wrapLongWords) {
      write(offset, offset + wrapLength);
      writeNl();
      offset += wrapLength;
    } else {
      const e = wrapLength + offset;
      const idx = b.subarray(e).indexOf(32);
      if (idx === -1) {
        write(offset, len);
        offset = len;
      } else {
        space = idx + e;
        write(offset, space);
        writeNl();
        offset = space + 1;
      }
    }
  }
  write(offset, len);
  return fromUtf8(Uint8Array.from(out));
}

// --- strings.Title

function isSeparator(r: number): boolean {
  if (r <= 0x7f) {
    if ((r >= 48 && r <= 57) || (r >= 97 && r <= 122) || (r >= 65 && r <= 90) || r === 95) return false;
    return true;
  }
  if (isLetter(r) || isDigit(r)) return false;
  return isSpace(r);
}

function title(s: string): string {
  let prev = 32;
  return mapRunes(s, (r) => {
    const out = isSeparator(prev) ? toTitleRune(r) : r;
    prev = r;
    return out;
  });
}

// --- xstrings v1.3

const isConnector = (r: number): boolean => r === 45 || r === 95 || isSpace(r);

function toCamelCase(str: string): string {
  const runes = [...str].map((c) => c.codePointAt(0)!);
  if (runes.length === 0) return '';
  let out = '';
  let i = 0;
  let r0 = 0;
  // Leading connectors are kept.
  for (; i < runes.length; i++) {
    r0 = runes[i];
    if (!isConnector(r0)) {
      r0 = toUpperRune(r0);
      i++;
      break;
    }
    out += String.fromCodePoint(r0);
  }
  if (i >= runes.length) {
    if (!isConnector(r0)) out += String.fromCodePoint(r0);
    return out;
  }
  for (; i < runes.length; i++) {
    const r1 = r0;
    r0 = runes[i];
    if (isConnector(r0) && isConnector(r1)) {
      out += String.fromCodePoint(r1);
      continue;
    }
    if (isConnector(r1)) {
      r0 = toUpperRune(r0);
    } else {
      r0 = toLowerRune(r0);
      out += String.fromCodePoint(r1);
    }
  }
  return out + String.fromCodePoint(r0);
}

type WordType = 'invalid' | 'number' | 'upper' | 'alphabet' | 'connector' | 'punct' | 'other';

/** xstrings' nextWord: splits off the next run of one character class. */
function nextWord(runes: number[], start: number): { wt: WordType; end: number } {
  if (start >= runes.length) return { wt: 'invalid', end: start };
  let i = start;
  const r = runes[i++];
  const run = (pred: (x: number) => boolean): void => {
    while (i < runes.length && pred(runes[i])) i++;
  };
  if (isConnector(r)) {
    run(isConnector);
    return { wt: 'connector', end: i };
  }
  if (isPunct(r)) {
    run(isPunct);
    return { wt: 'punct', end: i };
  }
  if (isUpper(r)) {
    if (i < runes.length) {
      if (isUpper(runes[i])) {
        run(isUpper);
        // "HTTPStatus" splits into "HTTP" and "Status".
        if (i < runes.length && isLetter(runes[i])) i--;
      } else if (isLetter(runes[i])) {
        run((x) => isLetter(x) && !isUpper(x));
      }
    }
    return { wt: 'upper', end: i };
  }
  if (isLetter(r)) {
    run((x) => isLetter(x) && !isUpper(x));
    return { wt: 'alphabet', end: i };
  }
  if (isNumber(r)) {
    run(isNumber);
    return { wt: 'number', end: i };
  }
  run((x) => !(isConnector(x) || isLetter(x) || isNumber(x) || isPunct(x)));
  return { wt: 'other', end: i };
}

/** xstrings' camelCaseToLowerCase (snakecase, kebabcase). */
function camelCaseToLowerCase(str: string, connector: string): string {
  const runes = [...str].map((c) => c.codePointAt(0)!);
  if (runes.length === 0) return '';
  let out = '';
  const toLower = (wt: WordType, from: number, to: number): void => {
    for (let k = from; k < to; k++) {
      const r = runes[k];
      if (wt !== 'upper' && wt !== 'connector') out += String.fromCodePoint(r);
      else if (isConnector(r)) out += connector;
      else out += String.fromCodePoint(isUpper(r) ? toLowerRune(r) : r);
    }
  };
  // The current word is runes[st.start, st.end) of type st.wt.
  const first = nextWord(runes, 0);
  const st: { wt: WordType; start: number; end: number } = { wt: first.wt, start: 0, end: first.end };
  const cur = (): WordType => st.wt; // re-read after advance() (defeats narrowing)
  const advance = (): void => {
    const n = nextWord(runes, st.end);
    st.wt = n.wt;
    st.start = st.end;
    st.end = n.end;
  };
  while (st.end < runes.length) {
    if (st.wt !== 'connector') toLower(st.wt, st.start, st.end);
    const prev = st.wt;
    const lastStart = st.start;
    const lastEnd = st.end;
    advance();
    switch (prev) {
      case 'number':
        while (st.wt === 'alphabet' || st.wt === 'number') {
          toLower(st.wt, st.start, st.end);
          advance();
        }
        if (st.wt !== 'invalid' && st.wt !== 'punct' && st.wt !== 'connector') out += connector;
        break;
      case 'connector':
        toLower(prev, lastStart, lastEnd);
        break;
      case 'punct':
        break;
      default: {
        if (st.wt !== 'number') {
          if (st.wt !== 'connector' && st.wt !== 'punct') out += connector;
          break;
        }
        if (st.end >= runes.length) break;
        const numStart = st.start;
        const numEnd = st.end;
        advance();
        if (cur() !== 'alphabet') {
          toLower('number', numStart, numEnd);
          if (cur() !== 'connector' && cur() !== 'punct') out += connector;
          break;
        }
        out += connector;
        toLower('number', numStart, numEnd);
        while (cur() === 'alphabet' || cur() === 'number') {
          toLower(st.wt, st.start, st.end);
          advance();
        }
        if (cur() !== 'invalid' && cur() !== 'connector' && cur() !== 'punct') out += connector;
      }
    }
  }
  toLower(st.wt, st.start, st.end);
  return out;
}

// --- random strings (goutils.CryptoRandom*)

function randomFrom(count: number, alphabet: string): string {
  if (count <= 0) return '';
  if (count > MAX_GENERATED) throw new FuncError(`random string length ${count} is too large`);
  let out = '';
  for (let i = 0; i < count; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
let ASCII = '';
for (let c = 32; c <= 126; c++) ASCII += String.fromCharCode(c);

function shuffle(s: string): string {
  const runes = [...s];
  for (let i = runes.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [runes[i], runes[j]] = [runes[j], runes[i]];
  }
  return runes.join('');
}

// --- splitting and joining

/** strings.SplitN semantics (n < 0: all). */
export function goSplit(s: string, sep: string, n = -1): string[] {
  if (n === 0) return [];
  if (sep === '') {
    const runes = [...s];
    if (n < 0 || n >= runes.length) return runes;
    return [...runes.slice(0, n - 1), runes.slice(n - 1).join('')];
  }
  const parts = s.split(sep);
  if (n < 0 || parts.length <= n) return parts;
  return [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}

function partsMap(parts: string[]): GoMap {
  const res: GoMap = {};
  parts.forEach((p, i) => (res['_' + i] = p));
  return setMapType(res, 'string');
}

/** Sprig's strslice: []string as-is, other lists formatted with %v (nils dropped), scalars wrapped. */
export function strslice(v: GoValue): string[] {
  if (Array.isArray(v)) {
    if (sliceElemType(v) === 'string') return v as string[];
    const out: string[] = [];
    for (const x of v) if (x !== null && x !== undefined) out.push(strval(x));
    return setSliceType(out, 'string');
  }
  if (v === null || v === undefined) return setSliceType([], 'string');
  return setSliceType([strval(v)], 'string');
}

function sortAlpha(list: GoValue): GoValue {
  if (Array.isArray(list)) {
    const a = strslice(list);
    a.sort(compareGoStrings); // sorts a []string argument in place, as Go does
    return a;
  }
  return setSliceType([strval(list)], 'string');
}

/** strings.Replace(s, old, new, -1). */
function replaceAll(s: string, old: string, repl: string): string {
  if (old === '') {
    const runes = [...s];
    return repl + runes.map((r) => r + repl).join('');
  }
  return s.split(old).join(repl);
}

function substr(start: number, end: number, s: string): string {
  const len = byteLength(s);
  if (start < 0) {
    if (end > len || end < 0) throw sliceBoundsError(undefined, end, len);
    return byteSlice(s, 0, end);
  }
  if (end < 0 || end > len) {
    if (start > len) throw sliceBoundsError(start, undefined, len);
    return byteSlice(s, start);
  }
  if (start > end) throw sliceBoundsError(start, end, len);
  return byteSlice(s, start, end);
}

function trunc(c: number, s: string): string {
  const len = byteLength(s);
  if (len <= c) return s;
  if (c < 0) throw sliceBoundsError(undefined, c, len);
  return byteSlice(s, 0, c);
}

function indent(spaces: number, v: string): string {
  const pad = repeat(' ', spaces);
  return pad + v.split('\n').join('\n' + pad);
}

export const stringFuncs: FuncMap = {
  hello: def([], () => 'Hello!'),
  abbrev: def(['int', 'string'], (w: GoInt, s: string) => (num(w) < 4 ? s : abbreviateFull(s, 0, num(w)))),
  abbrevboth: def(['int', 'int', 'string'], (l: GoInt, r: GoInt, s: string) => {
    const left = num(l);
    const right = num(r);
    if (right < 4 || (left > 0 && right < 7)) return s;
    return abbreviateFull(s, left, right);
  }),
  trunc: def(['int', 'string'], (c: GoInt, s: string) => trunc(num(c), s)),
  trim: def(['string'], (s: string) => trimSpace(s)),
  upper: def(['string'], (s: string) => goToUpper(s)),
  lower: def(['string'], (s: string) => goToLower(s)),
  title: def(['string'], (s: string) => title(s)),
  untitle: def(['string'], (s: string) => uncapitalize(s)),
  substr: def(['int', 'int', 'string'], (a: GoInt, b: GoInt, s: string) => substr(num(a), num(b), s)),
  repeat: def(['int', 'string'], (c: GoInt, s: string) => repeat(s, num(c))),
  trimall: def(['string', 'string'], (a: string, b: string) => trimCutset(b, a)),
  trimAll: def(['string', 'string'], (a: string, b: string) => trimCutset(b, a)),
  trimSuffix: def(['string', 'string'], (a: string, b: string) => (a !== '' && b.endsWith(a) ? b.slice(0, b.length - a.length) : b)),
  trimPrefix: def(['string', 'string'], (a: string, b: string) => (a !== '' && b.startsWith(a) ? b.slice(a.length) : b)),
  nospace: def(['string'], (s: string) => deleteWhiteSpace(s)),
  initials: def(['string'], (s: string) => initials(s)),
  randAlphaNum: def(['int'], (c: GoInt) => randomFrom(num(c), LETTERS + DIGITS)),
  randAlpha: def(['int'], (c: GoInt) => randomFrom(num(c), LETTERS)),
  randAscii: def(['int'], (c: GoInt) => randomFrom(num(c), ASCII)),
  randNumeric: def(['int'], (c: GoInt) => randomFrom(num(c), DIGITS)),
  swapcase: def(['string'], (s: string) => swapCase(s)),
  shuffle: def(['string'], (s: string) => shuffle(s)),
  snakecase: def(['string'], (s: string) => camelCaseToLowerCase(s, '_')),
  camelcase: def(['string'], (s: string) => toCamelCase(s)),
  kebabcase: def(['string'], (s: string) => camelCaseToLowerCase(s, '-')),
  wrap: def(['int', 'string'], (l: GoInt, s: string) => wrapCustom(s, num(l), '', false)),
  wrapWith: def(['int', 'string', 'string'], (l: GoInt, sep: string, s: string) => wrapCustom(s, num(l), sep, true)),
  contains: def(['string', 'string'], (sub: string, s: string) => s.includes(sub)),
  hasPrefix: def(['string', 'string'], (pre: string, s: string) => s.startsWith(pre)),
  hasSuffix: def(['string', 'string'], (suf: string, s: string) => s.endsWith(suf)),
  quote: def(
    [],
    (...xs: GoValue[]) =>
      xs
        .filter((x) => x !== null && x !== undefined)
        .map((x) => quoteString(strval(x)))
        .join(' '),
    'interface {}',
  ),
  squote: def(
    [],
    (...xs: GoValue[]) =>
      xs
        .filter((x) => x !== null && x !== undefined)
        .map((x) => "'" + strval(x) + "'")
        .join(' '),
    'interface {}',
  ),
  cat: def(
    [],
    (...xs: GoValue[]) =>
      xs
        .filter((x) => x !== null && x !== undefined)
        .map(strval)
        .join(' '),
    'interface {}',
  ),
  indent: def(['int', 'string'], (n: GoInt, s: string) => indent(num(n), s)),
  nindent: def(['int', 'string'], (n: GoInt, s: string) => '\n' + indent(num(n), s)),
  replace: def(['string', 'string', 'string'], (o: string, n: string, s: string) => replaceAll(s, o, n)),
  plural: def(['string', 'string', 'int'], (one: string, many: string, c: GoInt) => (c.value === 1n ? one : many)),
  toString: def(['interface {}'], (v: GoValue) => strval(v)),
  split: def(['string', 'string'], (sep: string, s: string) => partsMap(goSplit(s, sep))),
  splitList: def(['string', 'string'], (sep: string, s: string) => setSliceType(goSplit(s, sep), 'string')),
  splitn: def(['string', 'int', 'string'], (sep: string, n: GoInt, s: string) => partsMap(goSplit(s, sep, num(n)))),
  toStrings: def(['interface {}'], (v: GoValue) => strslice(v)),
  join: def(['string', 'interface {}'], (sep: string, v: GoValue) => strslice(v).join(sep)),
  sortAlpha: def(['interface {}'], (v: GoValue) => sortAlpha(v)),
};
