/**
 * KUDO's `toYaml`: gopkg.in/yaml.v2 v2.3.0 `Marshal`, reproduced: the same
 * key order, quoting decisions (what would read back as another type is
 * quoted), scalar styles, block/flow layout and indentation as libyaml's
 * emitter, and no line folding (v2.3.0 sets an unlimited width).
 */
import { formatFloat } from '../fmt.js';
import { GoFunc, GoInt, GoStruct, GoTime, type GoMap, type GoValue } from '../values.js';
import { isDigit, isLetter, parseGoFloat } from './conv.js';
import { formatTime, parseTime } from './gotime.js';

class YamlMarshalError extends Error {}

// ---------------------------------------------------------------------------
// resolve: would a plain scalar read back as something other than a string?

const RESOLVE_MAP = new Set([
  'y',
  'Y',
  'yes',
  'Yes',
  'YES',
  'true',
  'True',
  'TRUE',
  'on',
  'On',
  'ON',
  'n',
  'N',
  'no',
  'No',
  'NO',
  'false',
  'False',
  'FALSE',
  'off',
  'Off',
  'OFF',
  '',
  '~',
  'null',
  'Null',
  'NULL',
  '.nan',
  '.NaN',
  '.NAN',
  '.inf',
  '.Inf',
  '.INF',
  '+.inf',
  '+.Inf',
  '+.INF',
  '-.inf',
  '-.Inf',
  '-.INF',
  '<<',
]);
const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const TIMESTAMP_LAYOUTS = ['2006-1-2T15:4:5.999999999Z07:00', '2006-1-2t15:4:5.999999999Z07:00', '2006-1-2 15:4:5.999999999', '2006-1-2'];

/** strconv.ParseInt/ParseUint with base 0 (prefixes 0x, 0o, 0b, 0). */
function parseIntBase0(s: string, unsigned: boolean): boolean {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return false;
  if (unsigned && m[1] !== '') return false;
  const body = m[2];
  let v: bigint;
  if (/^0[oO]/.test(body)) v = BigInt('0o' + body.slice(2));
  else if (/^0[0-7]+$/.test(body)) v = BigInt('0o' + body.slice(1));
  else v = BigInt(body);
  if (m[1] === '-') v = -v;
  return unsigned ? v <= 18446744073709551615n : v >= -9223372036854775808n && v <= 9223372036854775807n;
}

function isTimestamp(s: string): boolean {
  if (!/^[0-9]{4}-/.test(s)) return false;
  for (const layout of TIMESTAMP_LAYOUTS) {
    try {
      parseTime(layout, s, 'UTC');
      return true;
    } catch {
      // try the next layout
    }
  }
  return false;
}

/** yaml.v2 resolve("", s) yields !!str, and s is not a base-60 float. */
export function plainIsString(s: string): boolean {
  const c = s[0];
  let hint = '';
  if (s === '') hint = 'N';
  else if (c === '+' || c === '-') hint = 'S';
  else if (c >= '0' && c <= '9') hint = 'D';
  else if ('yYnNtTfFoO~'.includes(c)) hint = 'M';
  else if (c === '.') hint = '.';
  if (hint !== '') {
    if (RESOLVE_MAP.has(s) && s !== '<<') return false;
    if (hint === '.' && parseGoFloat(s) !== undefined) return false;
    if (hint === 'D' || hint === 'S') {
      if (isTimestamp(s)) return false;
      const plain = s.replace(/_/g, '');
      if (parseIntBase0(plain, false) || parseIntBase0(plain, true)) return false;
      if (YAML_FLOAT.test(plain) && parseGoFloat(plain) !== undefined) return false;
      if (/^-?0b[01]+$/.test(plain)) return false;
    }
  }
  if ((c === '+' || c === '-' || (c >= '0' && c <= '9')) && s.includes(':') && BASE60_FLOAT.test(s)) return false;
  return true;
}

// ---------------------------------------------------------------------------
// scalar analysis (libyaml's yaml_emitter_analyze_scalar)

interface Analysis {
  multiline: boolean;
  flowPlainAllowed: boolean;
  blockPlainAllowed: boolean;
  singleQuotedAllowed: boolean;
  blockAllowed: boolean;
}

const isPrintable = (r: number): boolean =>
  r === 0x0a || (r >= 0x20 && r <= 0x7e) || (r >= 0xa0 && r <= 0xd7ff) || (r >= 0xe000 && r <= 0xfffd && r !== 0xfeff);
const isBreak = (r: number | undefined): boolean => r === 0x0a || r === 0x0d || r === 0x85 || r === 0x2028 || r === 0x2029;
const isBlank = (r: number | undefined): boolean => r === 0x20 || r === 0x09;

const codes = (chars: string): Set<number> => new Set([...chars].map((c) => c.charCodeAt(0)));
const FIRST_INDICATORS = codes('#,[]{}&*!|>\'"%@`');
const FLOW_INDICATORS = codes(',?[]{}');
const analysisCache = new Map<string, Analysis>();

function analyze(value: string): Analysis {
  let cached = analysisCache.get(value);
  if (!cached) {
    cached = analyzeScalar(value);
    if (analysisCache.size > 10000) analysisCache.clear();
    analysisCache.set(value, cached);
  }
  return cached;
}

function analyzeScalar(value: string): Analysis {
  if (value.length === 0) return { multiline: false, flowPlainAllowed: false, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: false };
  let blockIndicators = false;
  let flowIndicators = false;
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let precededByWhitespace = true;
  let previousSpace = false;
  let previousBreak = false;
  if (value.startsWith('---') || value.startsWith('...')) {
    blockIndicators = true;
    flowIndicators = true;
  }
  const n = value.length;
  for (let i = 0; i < n;) {
    const r = value.codePointAt(i)!;
    const w = r > 0xffff ? 2 : 1;
    const first = i === 0;
    const last = i + w >= n;
    const followedByWhitespace = last || isBlank(value.charCodeAt(i + w));
    if (first) {
      if (FIRST_INDICATORS.has(r)) {
        flowIndicators = true;
        blockIndicators = true;
      } else if (r === 0x3f || r === 0x3a) {
        flowIndicators = true;
        if (followedByWhitespace) blockIndicators = true;
      } else if (r === 0x2d && followedByWhitespace) {
        flowIndicators = true;
        blockIndicators = true;
      }
    } else if (FLOW_INDICATORS.has(r)) {
      flowIndicators = true;
    } else if (r === 0x3a) {
      flowIndicators = true;
      if (followedByWhitespace) blockIndicators = true;
    } else if (r === 0x23 && precededByWhitespace) {
      flowIndicators = true;
      blockIndicators = true;
    }
    if (!isPrintable(r)) special = true;
    if (r === 0x20) {
      if (first) leadingSpace = true;
      if (last) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(r)) {
      lineBreaks = true;
      if (first) leadingBreak = true;
      if (last) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlank(r) || isBreak(r);
    i += w;
  }
  const a: Analysis = { multiline: lineBreaks, flowPlainAllowed: true, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: true };
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) {
    a.flowPlainAllowed = false;
    a.blockPlainAllowed = false;
  }
  if (trailingSpace) a.blockAllowed = false;
  if (breakSpace) {
    a.flowPlainAllowed = false;
    a.blockPlainAllowed = false;
    a.singleQuotedAllowed = false;
  }
  if (spaceBreak || special) {
    a.flowPlainAllowed = false;
    a.blockPlainAllowed = false;
    a.singleQuotedAllowed = false;
    a.blockAllowed = false;
  }
  if (lineBreaks) {
    a.flowPlainAllowed = false;
    a.blockPlainAllowed = false;
  }
  if (flowIndicators) a.flowPlainAllowed = false;
  if (blockIndicators) a.blockPlainAllowed = false;
  return a;
}

// ---------------------------------------------------------------------------
// the emitter

type Style = 'plain' | 'single' | 'double' | 'literal';

interface Scalar {
  value: string;
  /** The style the encoder asks for. */
  style: Style;
}

const BEST_INDENT = 2;

class Emitter {
  out = '';
  column = 0;
  whitespace = true;
  indention = true;
  indent = -1;
  indents: number[] = [];
  flowLevel = 0;
  mappingContext = false;
  simpleKeyContext = false;

  put(s: string): void {
    this.out += s;
    this.column += s.length;
  }
  putBreak(): void {
    this.out += '\n';
    this.column = 0;
  }
  writeChar(cp: number): void {
    this.out += String.fromCodePoint(cp);
    this.column++;
  }

  increaseIndent(flow: boolean, indentless: boolean): void {
    this.indents.push(this.indent);
    if (this.indent < 0) this.indent = flow ? BEST_INDENT : 0;
    else if (!indentless) this.indent += BEST_INDENT;
  }
  popIndent(): void {
    this.indent = this.indents.pop()!;
  }

  writeIndent(): void {
    const indent = Math.max(this.indent, 0);
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.putBreak();
    while (this.column < indent) this.put(' ');
    this.whitespace = true;
    this.indention = true;
  }

  writeIndicator(indicator: string, needWhitespace: boolean, isWhitespace: boolean, isIndention: boolean): void {
    if (needWhitespace && !this.whitespace) this.put(' ');
    this.put(indicator);
    this.whitespace = isWhitespace;
    this.indention = this.indention && isIndention;
  }

  // --- nodes

  node(v: Node, ctx: { sequence?: boolean; mapping?: boolean; simpleKey?: boolean }): void {
    this.mappingContext = ctx.mapping ?? false;
    this.simpleKeyContext = ctx.simpleKey ?? false;
    if (v.kind === 'scalar') return this.scalar(v.scalar);
    if (v.kind === 'seq') {
      if (v.items.length === 0 || this.flowLevel > 0) return this.flowEmpty('[', ']');
      return this.blockSequence(v.items);
    }
    if (v.entries.length === 0 || this.flowLevel > 0) return this.flowEmpty('{', '}');
    return this.blockMapping(v.entries);
  }

  flowEmpty(open: string, close: string): void {
    this.writeIndicator(open, true, true, false);
    this.writeIndicator(close, false, false, false);
  }

  blockSequence(items: Node[]): void {
    this.increaseIndent(false, this.mappingContext && !this.indention);
    for (const item of items) {
      this.writeIndent();
      this.writeIndicator('-', true, false, true);
      this.node(item, { sequence: true });
    }
    this.popIndent();
  }

  blockMapping(entries: [Node, Node][]): void {
    this.increaseIndent(false, false);
    for (const [k, v] of entries) {
      this.writeIndent();
      if (isSimpleKey(k)) {
        this.node(k, { mapping: true, simpleKey: true });
        this.writeIndicator(':', false, false, false);
      } else {
        this.writeIndicator('?', true, false, true);
        this.node(k, { mapping: true });
        this.writeIndent();
        this.writeIndicator(':', true, false, true);
      }
      this.node(v, { mapping: true });
    }
    this.popIndent();
  }

  scalar(s: Scalar): void {
    const a = analyze(s.value);
    let style = s.style;
    if (this.simpleKeyContext && a.multiline) style = 'double';
    if (style === 'plain') {
      if ((this.flowLevel > 0 && !a.flowPlainAllowed) || (this.flowLevel === 0 && !a.blockPlainAllowed)) style = 'single';
      if (s.value.length === 0 && (this.flowLevel > 0 || this.simpleKeyContext)) style = 'single';
    }
    if (style === 'single' && !a.singleQuotedAllowed) style = 'double';
    if (style === 'literal' && (!a.blockAllowed || this.flowLevel > 0 || this.simpleKeyContext)) style = 'double';
    this.increaseIndent(true, false);
    switch (style) {
      case 'plain':
        this.writePlain(s.value);
        break;
      case 'single':
        this.writeSingleQuoted(s.value);
        break;
      case 'double':
        this.writeDoubleQuoted(s.value);
        break;
      case 'literal':
        this.writeLiteral(s.value);
        break;
    }
    this.popIndent();
  }

  writePlain(value: string): void {
    if (!this.whitespace) this.put(' ');
    this.put(value);
    this.column += [...value].length - value.length; // count runes, not UTF-16 units
    this.whitespace = false;
    this.indention = false;
  }

  /** libyaml's write_break: a line feed starts a new line; other breaks are written as they are. */
  writeBreak(r: number): void {
    if (r === 0x0a) this.putBreak();
    else {
      this.out += String.fromCodePoint(r);
      this.column = 0;
    }
  }

  writeSingleQuoted(value: string): void {
    this.writeIndicator("'", true, false, false);
    let breaks = false;
    for (const ch of value) {
      const r = ch.codePointAt(0)!;
      if (isBreak(r)) {
        if (!breaks && r === 0x0a) this.putBreak();
        this.writeBreak(r);
        this.indention = true;
        breaks = true;
        continue;
      }
      if (breaks) this.writeIndent();
      this.writeChar(r);
      if (r === 0x27) this.writeChar(0x27);
      this.indention = false;
      breaks = false;
    }
    this.writeIndicator("'", false, false, false);
  }

  writeDoubleQuoted(value: string): void {
    this.writeIndicator('"', true, false, false);
    for (const ch of value) {
      const r = ch.codePointAt(0)!;
      if (!isPrintable(r) || r === 0xfeff || isBreak(r) || r === 0x22 || r === 0x5c) {
        this.put('\\' + doubleQuotedEscape(r));
      } else {
        this.writeChar(r);
      }
    }
    this.writeIndicator('"', false, false, false);
  }

  writeLiteral(value: string): void {
    this.writeIndicator('|', true, false, false);
    const cps = [...value].map((c) => c.codePointAt(0)!);
    // Block scalar hints: an indentation indicator when the text starts with a space or break, and chomping.
    if (cps[0] === 0x20 || isBreak(cps[0])) this.writeIndicator(String(BEST_INDENT), false, false, false);
    let chomp = '';
    if (cps.length === 0) chomp = '-';
    else if (!isBreak(cps[cps.length - 1])) chomp = '-';
    else if (cps.length === 1 || isBreak(cps[cps.length - 2])) chomp = '+';
    if (chomp) this.writeIndicator(chomp, false, false, false);
    this.putBreak();
    this.indention = true;
    this.whitespace = true;
    let breaks = true;
    for (let i = 0; i < cps.length; i++) {
      const r = cps[i];
      if (isBreak(r)) {
        this.writeBreak(r);
        this.indention = true;
        breaks = true;
      } else {
        if (breaks) {
          this.writeIndent();
          breaks = false;
        }
        this.writeChar(r);
        this.indention = false;
      }
    }
  }
}

function doubleQuotedEscape(r: number): string {
  const named: Record<number, string> = {
    0: '0',
    7: 'a',
    8: 'b',
    9: 't',
    10: 'n',
    11: 'v',
    12: 'f',
    13: 'r',
    0x1b: 'e',
    0x22: '"',
    0x5c: '\\',
    0x85: 'N',
    0xa0: '_',
    0x2028: 'L',
    0x2029: 'P',
  };
  if (named[r] !== undefined) return named[r];
  const hex = r.toString(16).toUpperCase();
  if (r <= 0xff) return 'x' + hex.padStart(2, '0');
  if (r <= 0xffff) return 'u' + hex.padStart(4, '0');
  return 'U' + hex.padStart(8, '0');
}

// ---------------------------------------------------------------------------
// values to nodes (yaml.v2's encoder)

type Node = { kind: 'scalar'; scalar: Scalar } | { kind: 'seq'; items: Node[] } | { kind: 'map'; entries: [Node, Node][] };

const encoder = new TextEncoder();

const utf8Length = (s: string): number => (/^[\x00-\x7f]*$/.test(s) ? s.length : encoder.encode(s).length);

function isSimpleKey(k: Node): boolean {
  if (k.kind !== 'scalar') return false; // keys are always strings here
  if (analyze(k.scalar.value).multiline) return false;
  return utf8Length(k.scalar.value) <= 128;
}

function stringNode(s: string): Node {
  let style: Style;
  if (s.includes('\n')) style = 'literal';
  else if (plainIsString(s)) style = 'plain';
  else style = 'double';
  return { kind: 'scalar', scalar: { value: s, style } };
}

const plain = (s: string): Node => ({ kind: 'scalar', scalar: { value: s, style: 'plain' } });

const runesOf = (s: string): number[] => [...s].map((c) => c.codePointAt(0)!);

/** Keys in yaml.v2's order (see yamlKeyLess). */
function sortYamlKeys(keys: string[]): string[] {
  const runes = new Map(keys.map((k) => [k, runesOf(k)]));
  return keys.sort((a, b) => (runeKeyLess(runes.get(a)!, runes.get(b)!) ? -1 : runeKeyLess(runes.get(b)!, runes.get(a)!) ? 1 : 0));
}

/** yaml.v2's map key order: numbers by value, letters before other runes, digit runs compared as numbers. */
export function yamlKeyLess(a: string, b: string): boolean {
  return runeKeyLess(runesOf(a), runesOf(b));
}

function runeKeyLess(ar: number[], br: number[]): boolean {
  for (let i = 0; i < ar.length && i < br.length; i++) {
    if (ar[i] === br[i]) continue;
    const al = isLetter(ar[i]);
    const bl = isLetter(br[i]);
    if (al && bl) return ar[i] < br[i];
    if (al || bl) return bl;
    let an = 0n;
    let bn = 0n;
    if (ar[i] === 48 || br[i] === 48) {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]); j--) {
        if (ar[j] !== 48) {
          an = 1n;
          bn = 1n;
          break;
        }
      }
    }
    let ai = i;
    let bi = i;
    for (; ai < ar.length && isDigit(ar[ai]); ai++) an = an * 10n + BigInt(ar[ai] - 48);
    for (; bi < br.length && isDigit(br[bi]); bi++) bn = bn * 10n + BigInt(br[bi] - 48);
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ar[i] < br[i];
  }
  return ar.length < br.length;
}

function toNode(v: GoValue, depth: number): Node {
  if (depth > 10000) throw new YamlMarshalError('value nested too deeply');
  if (v === null || v === undefined) return plain('null');
  switch (typeof v) {
    case 'string':
      return stringNode(v);
    case 'boolean':
      return plain(v ? 'true' : 'false');
    case 'number': {
      let s = formatFloat(v, 'g', -1);
      if (s === '+Inf') s = '.inf';
      else if (s === '-Inf') s = '-.inf';
      else if (s === 'NaN') s = '.nan';
      return plain(s);
    }
  }
  if (v instanceof GoInt) return plain(v.value.toString());
  if (v instanceof GoTime) return plain(formatTime(v, '2006-01-02T15:04:05.999999999Z07:00'));
  if (v instanceof GoFunc) throw new YamlMarshalError('cannot marshal type: func');
  if (v instanceof GoStruct) return structNode(v, depth);
  if (Array.isArray(v)) return { kind: 'seq', items: v.map((x) => toNode(x, depth + 1)) };
  const m = v as GoMap;
  const keys = sortYamlKeys(Object.keys(m));
  return { kind: 'map', entries: keys.map((k) => [stringNode(k), toNode(m[k], depth + 1)]) };
}

/** Structs marshal their exported fields under lower-cased names; other kinds by what they are in Go. */
function structNode(v: GoStruct, depth: number): Node {
  const t = v.goType;
  if (t === 'complex128') throw new YamlMarshalError('cannot marshal type: complex128');
  if (t === 'time.Month' || t === 'time.Weekday') return plain(String((v as unknown as { n: number }).n));
  if (t === 'sprig.certificate') {
    const c = v as unknown as { Cert: string; Key: string };
    return {
      kind: 'map',
      entries: [
        [stringNode('cert'), toNode(c.Cert, depth + 1)],
        [stringNode('key'), toNode(c.Key, depth + 1)],
      ],
    };
  }
  return { kind: 'map', entries: [] }; // no exported fields (semver.Version)
}

/** yaml.v2 Marshal; throws YamlMarshalError for values it cannot marshal. */
export function marshalYaml(v: GoValue): string {
  const e = new Emitter();
  e.node(toNode(v, 0), {});
  // document end: a final line break
  e.writeIndent();
  return e.out;
}

/** KUDO's toYaml: errors give "". */
export function toYaml(v: GoValue): string {
  try {
    return marshalYaml(v);
  } catch (e) {
    if (e instanceof YamlMarshalError) return '';
    throw e;
  }
}
