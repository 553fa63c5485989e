/**
 * Go's regexp (RE2 syntax) on top of JS RegExp: the pattern is translated
 * (Go-only syntax rewritten, JS-only syntax such as backreferences and
 * lookaround rejected as Go rejects it), and matching loops follow Go's rules
 * for empty matches. Replacement templates use Go's `$1`/`${name}` expansion.
 */
import { canBackquote, quoteString } from '../fmt.js';
import { FuncError, setSliceType, type FuncMap, type GoInt } from '../values.js';
import { def, num } from './strings.js';

export class RegexpSyntaxError extends Error {}

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7f',
  blank: '\\t ',
  cntrl: '\\x00-\\x1f\\x7f',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};
const GENERAL_CATEGORIES = new Set([
  'C',
  'Cc',
  'Cf',
  'Co',
  'Cs',
  'L',
  'Ll',
  'Lm',
  'Lo',
  'Lt',
  'Lu',
  'M',
  'Mc',
  'Me',
  'Mn',
  'N',
  'Nd',
  'Nl',
  'No',
  'P',
  'Pc',
  'Pd',
  'Pe',
  'Pf',
  'Pi',
  'Po',
  'Ps',
  'S',
  'Sc',
  'Sk',
  'Sm',
  'So',
  'Z',
  'Zl',
  'Zp',
  'Zs',
]);
const JS_SYNTAX = new Set([...'^$\\.*+?()[]{}|/-']);

const hexEscape = (cp: number): string => `\\u{${cp.toString(16)}}`;

function bad(msg: string, frag: string): RegexpSyntaxError {
  return new RegexpSyntaxError(`error parsing regexp: ${msg}: \`${frag}\``);
}

/** Translates a Go regexp to a JS source and flags. */
export function translateRegexp(src: string): { source: string; flags: string } {
  let out = '';
  let flags = 'u';
  let i = 0;
  let inClass = false;
  let classStart = false;
  let depth = 0;
  let atomEnd = false; // whether a repetition may follow

  // Leading (?flags) applies to the whole pattern.
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    if (lead[1].includes('U')) throw bad('invalid or unsupported Perl syntax', '(?U');
    for (const f of lead[1]) if (!flags.includes(f)) flags += f;
    i = lead[0].length;
  }

  const readEscape = (): string => {
    // src[i] is the character after the backslash
    const c = src[i];
    if (c === undefined) throw bad('trailing backslash at end of expression', '');
    i++;
    if (c >= '1' && c <= '7') {
      if (!/[0-7]/.test(src[i] ?? '')) throw bad('invalid escape sequence', '\\' + c);
    }
    if (c >= '0' && c <= '7') {
      let digits = c;
      while (digits.length < 3 && /[0-7]/.test(src[i] ?? '')) digits += src[i++];
      return hexEscape(parseInt(digits, 8));
    }
    switch (c) {
      case 'a':
        return '\\x07';
      case 'f':
      case 't':
      case 'n':
      case 'r':
      case 'v':
      case 'd':
      case 'D':
      case 'w':
      case 'W':
        return '\\' + c;
      case 's':
        return inClass ? '\\t\\n\\f\\r ' : '[\\t\\n\\f\\r ]';
      case 'S':
        return inClass ? '\\S' : '[^\\t\\n\\f\\r ]';
      case 'b':
      case 'B':
        if (inClass) throw bad('invalid escape sequence', '\\' + c);
        return '\\' + c;
      case 'A':
        return '(?<![\\s\\S])';
      case 'z':
        return '(?![\\s\\S])';
      case 'x': {
        if (src[i] === '{') {
          const close = src.indexOf('}', i);
          const hex = src.slice(i + 1, close);
          if (close < 0 || !/^[0-9a-fA-F]+$/.test(hex) || parseInt(hex, 16) > 0x10ffff) throw bad('invalid escape sequence', '\\x' + src.slice(i, close + 1));
          i = close + 1;
          return hexEscape(parseInt(hex, 16));
        }
        const hex = src.slice(i, i + 2);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw bad('invalid escape sequence', '\\x' + hex);
        i += 2;
        return hexEscape(parseInt(hex, 16));
      }
      case 'p':
      case 'P': {
        let name: string;
        if (src[i] === '{') {
          const close = src.indexOf('}', i);
          if (close < 0) throw bad('invalid character class range', '\\' + c + src.slice(i));
          name = src.slice(i + 1, close);
          i = close + 1;
        } else {
          name = src[i++] ?? '';
        }
        let neg = c === 'P';
        if (name.startsWith('^')) {
          neg = !neg;
          name = name.slice(1);
        }
        const prop = name === 'Any' ? 'Any' : GENERAL_CATEGORIES.has(name) ? name : `Script=${name}`;
        try {
          new RegExp(`\\p{${prop}}`, 'u');
        } catch {
          throw bad('invalid character class range', `\\${c}{${name}}`);
        }
        return `\\${neg ? 'P' : 'p'}{${prop}}`;
      }
      case 'Q': {
        const end = src.indexOf('\\E', i);
        const lit = end < 0 ? src.slice(i) : src.slice(i, end);
        i = end < 0 ? src.length : end + 2;
        return [...lit].map((ch) => (JS_SYNTAX.has(ch) ? '\\' + ch : ch)).join('');
      }
    }
    if (/[!-/:-@[-`{-~]/.test(c)) return JS_SYNTAX.has(c) ? '\\' + c : hexEscape(c.charCodeAt(0));
    throw bad('invalid escape sequence', '\\' + c);
  };

  while (i < src.length) {
    const c = src[i];
    if (inClass) {
      if (c === ']' && !classStart) {
        out += ']';
        inClass = false;
        atomEnd = true;
        i++;
        continue;
      }
      classStart = false;
      if (c === '[' && src[i + 1] === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(src.slice(i));
        if (m) {
          if (!POSIX[m[2]]) throw bad('invalid character class range', m[0]);
          if (m[1]) throw bad('invalid character class range', m[0]); // negated POSIX classes are rare; not translated
          out += POSIX[m[2]];
          i += m[0].length;
          continue;
        }
      }
      if (c === '\\') {
        i++;
        out += readEscape();
        continue;
      }
      out += c === '[' || c === ']' || c === '{' || c === '}' || c === '/' || c === '|' || c === '(' || c === ')' ? '\\' + c : c;
      i++;
      continue;
    }
    switch (c) {
      case '\\':
        i++;
        out += readEscape();
        atomEnd = true;
        continue;
      case '[':
        inClass = true;
        classStart = true;
        out += '[';
        i++;
        if (src[i] === '^') {
          out += '^';
          i++;
        }
        if (src[i] === ']') {
          // A leading ] is a literal in Go.
          out += '\\]';
          i++;
          classStart = false;
        }
        continue;
      case '(':
        if (src[i + 1] === '?') {
          const rest = src.slice(i);
          const named = /^\(\?P<([A-Za-z0-9_]+)>/.exec(rest);
          const mods = /^\(\?([ims]*)(?:-([ims]*))?:/.exec(rest);
          if (named) {
            out += `(?<${named[1]}>`;
            i += named[0].length;
          } else if (rest.startsWith('(?:')) {
            out += '(?:';
            i += 3;
          } else if (mods) {
            out += mods[0];
            i += mods[0].length;
          } else {
            throw bad('invalid or unsupported Perl syntax', rest.slice(0, 3));
          }
        } else {
          out += '(';
          i++;
        }
        depth++;
        atomEnd = false;
        continue;
      case ')':
        if (depth === 0) throw bad('unexpected )', src);
        depth--;
        out += ')';
        i++;
        atomEnd = true;
        continue;
      case '{': {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i));
        if (m && atomEnd) {
          if (Number(m[1]) > 1000 || (m[3] && Number(m[3]) > 1000)) throw bad('invalid repeat count', m[0]);
          if (m[3] && Number(m[3]) < Number(m[1])) throw bad('invalid repeat count', m[0]);
          out += m[0];
          i += m[0].length;
          continue;
        }
        if (m) throw bad('missing argument to repetition operator', m[0]);
        out += '\\{';
        i++;
        atomEnd = true;
        continue;
      }
      case '}':
        out += '\\}';
        i++;
        atomEnd = true;
        continue;
      case '*':
      case '+':
      case '?':
        if (!atomEnd) throw bad('missing argument to repetition operator', c);
        out += c;
        i++;
        if (src[i] === '?') {
          out += '?';
          i++;
        }
        if (src[i] === '*' || src[i] === '+' || src[i] === '?') throw bad('invalid nested repetition operator', c + src[i]);
        continue;
      case '|':
        out += '|';
        i++;
        atomEnd = false;
        continue;
      case '^':
      case '$':
        out += c;
        i++;
        atomEnd = true;
        continue;
      case '/':
        out += '\\/';
        i++;
        atomEnd = true;
        continue;
      default:
        out += c;
        i++;
        atomEnd = true;
    }
  }
  if (inClass) throw bad('missing closing ]', src.slice(src.lastIndexOf('[')));
  if (depth > 0) throw bad('missing closing )', src);
  return { source: out, flags };
}

/** A compiled Go regexp. */
export class GoRegexp {
  readonly re: RegExp;
  constructor(readonly expr: string) {
    const { source, flags } = translateRegexp(expr);
    try {
      this.re = new RegExp(source, flags + 'g');
    } catch (e) {
      throw new RegexpSyntaxError(`error parsing regexp: ${(e as Error).message}`);
    }
  }

  private execAt(s: string, pos: number): RegExpExecArray | null {
    this.re.lastIndex = pos;
    return this.re.exec(s);
  }

  /** Go's allMatches: up to n (n < 0: all) matches, skipping empty matches right after a match. */
  matches(s: string, n: number): RegExpExecArray[] {
    const out: RegExpExecArray[] = [];
    let pos = 0;
    let prevEnd = -1;
    while ((n < 0 || out.length < n) && pos <= s.length) {
      const m = this.execAt(s, pos);
      if (!m) break;
      const end = m.index + m[0].length;
      let accept = true;
      if (end === pos) {
        if (m.index === prevEnd) accept = false;
        pos += pos < s.length ? String.fromCodePoint(s.codePointAt(pos)!).length : 1;
      } else {
        pos = end;
      }
      prevEnd = end;
      if (accept) out.push(m);
    }
    return out;
  }

  match(s: string): boolean {
    return this.execAt(s, 0) !== null;
  }

  find(s: string): string {
    return this.execAt(s, 0)?.[0] ?? '';
  }

  replaceAll(s: string, repl: (m: RegExpExecArray) => string): string {
    let out = '';
    let lastEnd = 0;
    let searchPos = 0;
    while (searchPos <= s.length) {
      const m = this.execAt(s, searchPos);
      if (!m) break;
      const end = m.index + m[0].length;
      out += s.slice(lastEnd, m.index);
      if (end > lastEnd || m.index === 0) out += repl(m);
      lastEnd = end;
      const width = searchPos < s.length ? String.fromCodePoint(s.codePointAt(searchPos)!).length : 0;
      if (searchPos + width > end) searchPos += width;
      else if (searchPos + 1 > end) searchPos++;
      else searchPos = end;
    }
    return out + s.slice(lastEnd);
  }

  /** Regexp.Expand of a `$1` / `${name}` template for one match. */
  expand(template: string, m: RegExpExecArray): string {
    let out = '';
    while (template.length > 0) {
      const dollar = template.indexOf('$');
      if (dollar < 0) break;
      out += template.slice(0, dollar);
      template = template.slice(dollar + 1);
      if (template[0] === '$') {
        out += '$';
        template = template.slice(1);
        continue;
      }
      const ref = /^(\{)?([\p{L}\p{Nd}_]+)(\})?/u.exec(template);
      if (!ref || (ref[1] && !ref[3])) {
        out += '$';
        continue;
      }
      const name = ref[2];
      template = template.slice(ref[1] ? ref[0].length : ref[1] === undefined ? name.length : ref[0].length);
      if (/^\d+$/.test(name) && !(name[0] === '0' && name.length > 1)) {
        out += m[Number(name)] ?? '';
      } else {
        out += m.groups?.[name] ?? '';
      }
    }
    return out + template;
  }

  split(s: string, n: number): string[] {
    if (n === 0) return [];
    if (this.expr.length > 0 && s.length === 0) return [''];
    const parts: string[] = [];
    let beg = 0;
    let end = 0;
    for (const m of this.matches(s, n)) {
      if (n > 0 && parts.length === n - 1) break;
      end = m.index;
      const mEnd = m.index + m[0].length;
      if (mEnd !== 0) parts.push(s.slice(beg, end));
      beg = mEnd;
    }
    if (end !== s.length) parts.push(s.slice(beg));
    return parts;
  }
}

const cache = new Map<string, GoRegexp>();

/** regexp.Compile (cached). */
export function compileRegexp(expr: string): GoRegexp {
  let re = cache.get(expr);
  if (!re) {
    re = new GoRegexp(expr);
    if (cache.size > 1000) cache.clear();
    cache.set(expr, re);
  }
  return re;
}

/** regexp.MustCompile: a bad pattern panics with Go's message. */
function mustCompile(expr: string): GoRegexp {
  try {
    return compileRegexp(expr);
  } catch (e) {
    if (e instanceof RegexpSyntaxError) throw new FuncError(`regexp: Compile(${canBackquote(expr) ? '`' + expr + '`' : quoteString(expr)}): ${e.message}`);
    throw e;
  }
}

export const regexFuncs: FuncMap = {
  regexMatch: def(['string', 'string'], (re: string, s: string) => {
    try {
      return compileRegexp(re).match(s);
    } catch (e) {
      if (e instanceof RegexpSyntaxError) return false;
      throw e;
    }
  }),
  regexFindAll: def(['string', 'string', 'int'], (re: string, s: string, n: GoInt) =>
    setSliceType(
      mustCompile(re)
        .matches(s, num(n))
        .map((m) => m[0]),
      'string',
    ),
  ),
  regexFind: def(['string', 'string'], (re: string, s: string) => mustCompile(re).find(s)),
  regexReplaceAll: def(['string', 'string', 'string'], (re: string, s: string, repl: string) => {
    const r = mustCompile(re);
    return r.replaceAll(s, (m) => r.expand(repl, m));
  }),
  regexReplaceAllLiteral: def(['string', 'string', 'string'], (re: string, s: string, repl: string) => mustCompile(re).replaceAll(s, () => repl)),
  regexSplit: def(['string', 'string', 'int'], (re: string, s: string, n: GoInt) => setSliceType(mustCompile(re).split(s, num(n)), 'string')),
};
