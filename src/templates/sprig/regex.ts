/**
 * Sprig's regex functions over Go's regexp semantics: RE2 syntax and linear-time
 * matching (./re2.ts), Go's rules for empty matches in FindAll/ReplaceAll/Split,
 * and Go's `$1`/`${name}` expansion in replacement templates.
 */
import { canBackquote, quoteString } from '../fmt.js';
import { FuncError, setSliceType, type FuncMap, type GoInt } from '../values.js';
import { def, num } from './strings.js';
import { Re2, RegexpSyntaxError } from './re2.js';

export { RegexpSyntaxError };

/** One match: the whole match and the groups, as UTF-16 offsets (-1 when a group did not take part). */
interface Match {
  index: number;
  end: number;
  caps: number[];
}

/** A compiled Go regexp with Go's matching loops. */
export class GoRegexp {
  private readonly re: Re2;
  constructor(readonly expr: string) {
    this.re = new Re2(expr);
  }

  private execAt(s: string, pos: number): Match | undefined {
    const m = this.re.exec(s, pos);
    return m && { index: m.caps[0], end: m.caps[1], caps: m.caps };
  }

  private static group(s: string, m: Match, k: number): string {
    const a = m.caps[2 * k];
    const b = m.caps[2 * k + 1];
    return a === undefined || a < 0 ? '' : s.slice(a, b);
  }

  /** Go's allMatches: up to n (n < 0: all) matches, skipping an empty match right after a match. */
  matches(s: string, n: number): Match[] {
    const out: Match[] = [];
    let pos = 0;
    let prevEnd = -1;
    while ((n < 0 || out.length < n) && pos <= s.length) {
      const m = this.execAt(s, pos);
      if (!m) break;
      let accept = true;
      if (m.end === pos) {
        if (m.index === prevEnd) accept = false;
        pos += pos < s.length ? String.fromCodePoint(s.codePointAt(pos)!).length : 1;
      } else {
        pos = m.end;
      }
      prevEnd = m.end;
      if (accept) out.push(m);
    }
    return out;
  }

  match(s: string): boolean {
    return this.execAt(s, 0) !== undefined;
  }

  find(s: string): string {
    const m = this.execAt(s, 0);
    return m ? s.slice(m.index, m.end) : '';
  }

  findAll(s: string, n: number): string[] {
    return this.matches(s, n).map((m) => s.slice(m.index, m.end));
  }

  replaceAll(s: string, repl: (m: Match) => string): string {
    let out = '';
    let lastEnd = 0;
    let searchPos = 0;
    while (searchPos <= s.length) {
      const m = this.execAt(s, searchPos);
      if (!m) break;
      out += s.slice(lastEnd, m.index);
      // No replacement for an empty match right after the previous match.
      if (m.end > lastEnd || m.index === 0) out += repl(m);
      lastEnd = m.end;
      const width = searchPos < s.length ? String.fromCodePoint(s.codePointAt(searchPos)!).length : 0;
      if (searchPos + width > m.end) searchPos += width;
      else if (searchPos + 1 > m.end) searchPos++;
      else searchPos = m.end;
    }
    return out + s.slice(lastEnd);
  }

  /** Regexp.Expand of a `$1` / `${name}` template for one match. */
  expand(s: string, template: string, m: Match): string {
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
        out += '$'; // malformed: the dollar is kept as text
        continue;
      }
      const name = ref[2];
      template = template.slice(ref[1] ? ref[0].length : name.length);
      if (/^\d+$/.test(name) && !(name[0] === '0' && name.length > 1)) {
        const k = Number(name);
        if (k < this.re.ncap) out += GoRegexp.group(s, m, k);
      } else {
        const k = this.re.names.indexOf(name);
        if (k > 0) out += GoRegexp.group(s, m, k);
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
      if (m.end !== 0) parts.push(s.slice(beg, end));
      beg = m.end;
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
  regexFindAll: def(['string', 'string', 'int'], (re: string, s: string, n: GoInt) => setSliceType(mustCompile(re).findAll(s, num(n)), 'string')),
  regexFind: def(['string', 'string'], (re: string, s: string) => mustCompile(re).find(s)),
  regexReplaceAll: def(['string', 'string', 'string'], (re: string, s: string, repl: string) => {
    const r = mustCompile(re);
    return r.replaceAll(s, (m) => r.expand(s, repl, m));
  }),
  regexReplaceAllLiteral: def(['string', 'string', 'string'], (re: string, s: string, repl: string) => mustCompile(re).replaceAll(s, () => repl)),
  regexSplit: def(['string', 'string', 'int'], (re: string, s: string, n: GoInt) => setSliceType(mustCompile(re).split(s, num(n)), 'string')),
};
