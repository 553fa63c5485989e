/**
 * A Go (RE2 syntax) regular expression engine: parser, compiler and a Pike VM.
 *
 * JS's backtracking RegExp can take exponential time on patterns like
 * `(a+)+$`; Go's engine is linear in the input, and templates come from
 * operator authors, so we run the same kind of automaton: every pattern
 * matches in O(pattern × input) time. Matching is leftmost-first, with
 * Perl-like submatch priorities, like Go's regexp.
 */

export class RegexpSyntaxError extends Error {}

const bad = (msg: string, frag: string): RegexpSyntaxError => new RegexpSyntaxError(`error parsing regexp: ${msg}: \`${frag}\``);

// ---------------------------------------------------------------------------
// AST

type Pred = (r: number) => boolean;
type AssertKind = 'bol' | 'eol' | 'bot' | 'eot' | 'wordb' | 'nwordb';

type Node =
  | { t: 'char'; pred: Pred }
  | { t: 'empty' }
  | { t: 'assert'; kind: AssertKind }
  | { t: 'cat'; items: Node[] }
  | { t: 'alt'; items: Node[] }
  | { t: 'rep'; sub: Node; min: number; max: number; greedy: boolean }
  | { t: 'cap'; index: number; sub: Node };

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  U: boolean;
}

const MAX_REPEAT = 1000;
const MAX_PROGRAM = 100_000;

// --- character predicates

const lowerRune = (r: number): number => {
  if (r < 0x80) return r >= 65 && r <= 90 ? r + 32 : r;
  const l = String.fromCodePoint(r).toLowerCase();
  return l.length === String.fromCodePoint(l.codePointAt(0)!).length ? l.codePointAt(0)! : r;
};
const upperRune = (r: number): number => {
  if (r < 0x80) return r >= 97 && r <= 122 ? r - 32 : r;
  const u = String.fromCodePoint(r).toUpperCase();
  return u.length === String.fromCodePoint(u.codePointAt(0)!).length ? u.codePointAt(0)! : r;
};
const folded =
  (pred: Pred): Pred =>
  (r) =>
    pred(r) || pred(lowerRune(r)) || pred(upperRune(r));

const isWordChar = (r: number): boolean => (r >= 48 && r <= 57) || (r >= 65 && r <= 90) || (r >= 97 && r <= 122) || r === 95;

type Ranges = [number, number][];
const inRanges = (ranges: Ranges, r: number): boolean => {
  for (let k = 0; k < ranges.length; k++) if (r >= ranges[k][0] && r <= ranges[k][1]) return true;
  return false;
};

const PERL: Record<string, Ranges> = {
  d: [[48, 57]],
  s: [
    [9, 10],
    [12, 13],
    [32, 32],
  ],
  w: [
    [48, 57],
    [65, 90],
    [97, 122],
    [95, 95],
  ],
};

const POSIX: Record<string, Ranges> = {
  alnum: [
    [48, 57],
    [65, 90],
    [97, 122],
  ],
  alpha: [
    [65, 90],
    [97, 122],
  ],
  ascii: [[0, 0x7f]],
  blank: [
    [9, 9],
    [32, 32],
  ],
  cntrl: [
    [0, 0x1f],
    [0x7f, 0x7f],
  ],
  digit: [[48, 57]],
  graph: [[33, 126]],
  lower: [[97, 122]],
  print: [[32, 126]],
  punct: [
    [33, 47],
    [58, 64],
    [91, 96],
    [123, 126],
  ],
  space: [
    [9, 13],
    [32, 32],
  ],
  upper: [[65, 90]],
  word: [
    [48, 57],
    [65, 90],
    [97, 122],
    [95, 95],
  ],
  xdigit: [
    [48, 57],
    [65, 70],
    [97, 102],
  ],
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
const unicodeClasses = new Map<string, Pred>();

function unicodeClass(name: string, frag: string): Pred {
  let pred = unicodeClasses.get(name);
  if (!pred) {
    if (name === 'Any') {
      pred = () => true;
    } else {
      const prop = GENERAL_CATEGORIES.has(name) ? name : `Script=${name}`;
      let re: RegExp;
      try {
        re = new RegExp(`^\\p{${prop}}$`, 'u');
      } catch {
        throw bad('invalid character class range', frag);
      }
      const cache = new Map<number, boolean>();
      pred = (r) => {
        let v = cache.get(r);
        if (v === undefined) {
          v = re.test(String.fromCodePoint(r));
          if (cache.size < 4096) cache.set(r, v);
        }
        return v;
      };
    }
    unicodeClasses.set(name, pred);
  }
  return pred;
}

// ---------------------------------------------------------------------------
// parser

class Parser {
  private i = 0;
  ncap = 0;
  names: (string | undefined)[] = [undefined];
  constructor(private readonly src: string) {}

  parse(): Node {
    const flags: Flags = { i: false, m: false, s: false, U: false };
    const node = this.alternation(flags, 0);
    if (this.i < this.src.length) throw bad('unexpected )', this.src);
    return node;
  }

  private peek(k = 0): string | undefined {
    return this.src[this.i + k];
  }

  private alternation(flags: Flags, depth: number): Node {
    const alts: Node[] = [this.concat(flags, depth)];
    while (this.peek() === '|') {
      this.i++;
      alts.push(this.concat(flags, depth));
    }
    return alts.length === 1 ? alts[0] : { t: 'alt', items: alts };
  }

  private concat(flags: Flags, depth: number): Node {
    const items: Node[] = [];
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === '|') break;
      if (c === ')') {
        if (depth === 0) throw bad('unexpected )', this.src);
        break;
      }
      const atom = this.atom(flags, depth);
      if (atom === null) continue; // a flag group like (?i)
      items.push(this.repetition(atom, flags));
    }
    if (items.length === 0) return { t: 'empty' };
    return items.length === 1 ? items[0] : { t: 'cat', items };
  }

  private repetition(atom: Node, flags: Flags): Node {
    let node = atom;
    let repeated = false;
    for (;;) {
      const start = this.i;
      const c = this.peek();
      let min: number;
      let max: number;
      if (c === '*') [min, max] = [0, -1];
      else if (c === '+') [min, max] = [1, -1];
      else if (c === '?') [min, max] = [0, 1];
      else if (c === '{') {
        const m = /^\{(\d+)(?:(,)(\d*))?\}/.exec(this.src.slice(this.i));
        if (!m) return node; // a literal '{', parsed as the next atom
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] === '' ? -1 : Number(m[3]);
        if (min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && max < min)) throw bad('invalid repeat count', m[0]);
        this.i += m[0].length - 1;
      } else return node;
      this.i++;
      let greedy = true;
      if (this.peek() === '?') {
        greedy = false;
        this.i++;
      }
      if (flags.U) greedy = !greedy;
      if (repeated) throw bad('invalid nested repetition operator', this.src.slice(start - 1, this.i));
      repeated = true;
      node = { t: 'rep', sub: node, min, max, greedy };
    }
  }

  private atom(flags: Flags, depth: number): Node | null {
    const c = this.peek()!;
    switch (c) {
      case '(':
        return this.group(flags, depth);
      case '[':
        return this.charClass(flags);
      case '.':
        this.i++;
        return { t: 'char', pred: flags.s ? () => true : (r) => r !== 10 };
      case '^':
        this.i++;
        return { t: 'assert', kind: flags.m ? 'bol' : 'bot' };
      case '$':
        this.i++;
        return { t: 'assert', kind: flags.m ? 'eol' : 'eot' };
      case '*':
      case '+':
      case '?':
        throw bad('missing argument to repetition operator', c);
      case '{':
        if (/^\{\d+(,\d*)?\}/.test(this.src.slice(this.i))) throw bad('missing argument to repetition operator', /^\{[^}]*\}/.exec(this.src.slice(this.i))![0]);
        this.i++;
        return this.literal(123, flags);
      case '\\':
        return this.escapeAtom(flags);
    }
    const r = this.src.codePointAt(this.i)!;
    this.i += r > 0xffff ? 2 : 1;
    return this.literal(r, flags);
  }

  private literal(r: number, flags: Flags): Node {
    if (flags.i && lowerRune(r) !== upperRune(r)) {
      const l = lowerRune(r);
      const u = upperRune(r);
      return { t: 'char', pred: (x) => x === r || x === l || x === u || lowerRune(x) === l };
    }
    return { t: 'char', pred: (x) => x === r };
  }

  private group(flags: Flags, depth: number): Node | null {
    const rest = this.src.slice(this.i);
    if (rest.startsWith('(?')) {
      const named = /^\(\?P<([A-Za-z0-9_]+)>/.exec(rest);
      if (named) {
        this.i += named[0].length;
        return this.capture(flags, depth, named[1]);
      }
      if (rest.startsWith('(?P<') || rest.startsWith('(?P>') || rest.startsWith('(?P='))
        throw bad('invalid named capture', rest.slice(0, rest.indexOf('>') + 1 || 4));
      const m = /^\(\?([imsU]*)(?:-([imsU]*))?([:)])/.exec(rest);
      if (!m || (m[1] === '' && m[2] === undefined && m[3] === ')') || m[2] === '') throw bad('invalid or unsupported Perl syntax', rest.slice(0, 3));
      const next: Flags = { ...flags };
      for (const f of m[1]) next[f as keyof Flags] = true;
      for (const f of m[2] ?? '') next[f as keyof Flags] = false;
      this.i += m[0].length;
      if (m[3] === ')') {
        // (?flags): applies to the rest of the current group
        Object.assign(flags, next);
        return null;
      }
      const sub = this.alternation(next, depth + 1);
      this.expectClose();
      return sub;
    }
    this.i++;
    return this.capture(flags, depth, undefined);
  }

  private capture(flags: Flags, depth: number, name: string | undefined): Node {
    const index = ++this.ncap;
    this.names.push(name);
    const sub = this.alternation({ ...flags }, depth + 1);
    this.expectClose();
    return { t: 'cap', index, sub };
  }

  private expectClose(): void {
    if (this.peek() !== ')') throw bad('missing closing )', this.src);
    this.i++;
  }

  /** An escape outside a class: a character, a Perl/Unicode class, an assertion, or \Q...\E. */
  private escapeAtom(flags: Flags): Node {
    const c = this.peek(1);
    if (c === 'b' || c === 'B') {
      this.i += 2;
      return { t: 'assert', kind: c === 'b' ? 'wordb' : 'nwordb' };
    }
    if (c === 'A' || c === 'z') {
      this.i += 2;
      return { t: 'assert', kind: c === 'A' ? 'bot' : 'eot' };
    }
    if (c === 'Q') {
      this.i += 2;
      const end = this.src.indexOf('\\E', this.i);
      const lit = end < 0 ? this.src.slice(this.i) : this.src.slice(this.i, end);
      this.i = end < 0 ? this.src.length : end + 2;
      const items = [...lit].map((ch) => this.literal(ch.codePointAt(0)!, flags));
      return items.length === 1 ? items[0] : items.length === 0 ? { t: 'empty' } : { t: 'cat', items };
    }
    const item = this.escape(flags);
    if (typeof item === 'number') return this.literal(item, flags);
    return { t: 'char', pred: flags.i ? folded(item) : item };
  }

  /** Reads an escape (this.i at the backslash): a rune, or a class predicate. */
  private escape(flags: Flags): number | Pred {
    const start = this.i;
    this.i++;
    const c = this.src[this.i];
    if (c === undefined) throw bad('trailing backslash at end of expression', '');
    this.i++;
    if (c >= '1' && c <= '7' && !/[0-7]/.test(this.src[this.i] ?? '')) throw bad('invalid escape sequence', '\\' + c);
    if (c >= '0' && c <= '7') {
      let digits = c;
      while (digits.length < 3 && /[0-7]/.test(this.src[this.i] ?? '')) digits += this.src[this.i++];
      return parseInt(digits, 8);
    }
    switch (c) {
      case 'a':
        return 7;
      case 'f':
        return 12;
      case 't':
        return 9;
      case 'n':
        return 10;
      case 'r':
        return 13;
      case 'v':
        return 11;
      case 'd':
      case 's':
      case 'w': {
        const ranges = PERL[c];
        return (r) => inRanges(ranges, r);
      }
      case 'D':
      case 'S':
      case 'W': {
        const ranges = PERL[c.toLowerCase()];
        return (r) => !inRanges(ranges, r);
      }
      case 'x': {
        if (this.src[this.i] === '{') {
          const close = this.src.indexOf('}', this.i);
          const hex = this.src.slice(this.i + 1, close);
          if (close < 0 || !/^[0-9a-fA-F]+$/.test(hex) || parseInt(hex, 16) > 0x10ffff)
            throw bad('invalid escape sequence', this.src.slice(start, close < 0 ? undefined : close + 1));
          this.i = close + 1;
          return parseInt(hex, 16);
        }
        const hex = this.src.slice(this.i, this.i + 2);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw bad('invalid escape sequence', '\\x' + hex);
        this.i += 2;
        return parseInt(hex, 16);
      }
      case 'p':
      case 'P': {
        let name: string;
        if (this.src[this.i] === '{') {
          const close = this.src.indexOf('}', this.i);
          if (close < 0) throw bad('invalid character class range', this.src.slice(start));
          name = this.src.slice(this.i + 1, close);
          this.i = close + 1;
        } else {
          name = this.src[this.i++] ?? '';
        }
        let neg = c === 'P';
        if (name.startsWith('^')) {
          neg = !neg;
          name = name.slice(1);
        }
        const pred = unicodeClass(name, this.src.slice(start, this.i));
        void flags;
        return neg ? (r) => !pred(r) : pred;
      }
    }
    if (/[!-/:-@[-`{-~]/.test(c)) return c.charCodeAt(0); // escaped punctuation
    throw bad('invalid escape sequence', '\\' + c);
  }

  private charClass(flags: Flags): Node {
    const start = this.i;
    this.i++;
    let negated = false;
    if (this.peek() === '^') {
      negated = true;
      this.i++;
    }
    const ranges: Ranges = [];
    const preds: Pred[] = [];
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) throw bad('missing closing ]', this.src.slice(start));
      if (c === ']' && !first) {
        this.i++;
        break;
      }
      first = false;
      if (c === '[' && this.peek(1) === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(this.src.slice(this.i));
        if (m) {
          const cls = POSIX[m[2]];
          if (!cls) throw bad('invalid character class range', m[0]);
          preds.push(m[1] ? (r) => !inRanges(cls, r) : (r) => inRanges(cls, r));
          this.i += m[0].length;
          continue;
        }
      }
      const lo = this.classRune();
      if (typeof lo !== 'number') {
        preds.push(lo);
        continue;
      }
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== undefined) {
        const dash = this.i;
        this.i++;
        const hi = this.classRune();
        if (typeof hi !== 'number' || hi < lo) throw bad('invalid character class range', this.src.slice(dash - 1, this.i));
        ranges.push([lo, hi]);
      } else {
        ranges.push([lo, lo]);
      }
    }
    let pred: Pred = ranges.length && !preds.length ? (r) => inRanges(ranges, r) : (r) => inRanges(ranges, r) || preds.some((p) => p(r));
    if (flags.i) pred = folded(pred);
    const inner = pred;
    return { t: 'char', pred: negated ? (r) => !inner(r) : inner };
  }

  private classRune(): number | Pred {
    if (this.peek() === '\\') return this.escape({ i: false, m: false, s: false, U: false });
    const r = this.src.codePointAt(this.i)!;
    this.i += r > 0xffff ? 2 : 1;
    return r;
  }
}

// ---------------------------------------------------------------------------
// compiler

type Inst =
  | { op: 'char'; pred: Pred; next: number }
  | { op: 'split'; x: number; y: number }
  | { op: 'jmp'; x: number }
  | { op: 'save'; n: number; next: number }
  | { op: 'assert'; kind: AssertKind; next: number }
  | { op: 'match' };

class Compiler {
  prog: Inst[] = [];

  private emit(inst: Inst): number {
    if (this.prog.length >= MAX_PROGRAM) throw new RegexpSyntaxError('error parsing regexp: expression too large');
    this.prog.push(inst);
    return this.prog.length - 1;
  }

  compile(node: Node): void {
    switch (node.t) {
      case 'empty':
        return;
      case 'char': {
        const pc = this.prog.length;
        this.emit({ op: 'char', pred: node.pred, next: pc + 1 });
        return;
      }
      case 'assert': {
        const pc = this.prog.length;
        this.emit({ op: 'assert', kind: node.kind, next: pc + 1 });
        return;
      }
      case 'cat':
        for (const item of node.items) this.compile(item);
        return;
      case 'cap': {
        this.emit({ op: 'save', n: 2 * node.index, next: this.prog.length + 1 });
        this.compile(node.sub);
        this.emit({ op: 'save', n: 2 * node.index + 1, next: this.prog.length + 1 });
        return;
      }
      case 'alt': {
        const jumps: number[] = [];
        for (let k = 0; k < node.items.length; k++) {
          if (k < node.items.length - 1) {
            const split = this.emit({ op: 'split', x: 0, y: 0 });
            (this.prog[split] as { x: number }).x = split + 1;
            this.compile(node.items[k]);
            jumps.push(this.emit({ op: 'jmp', x: 0 }));
            (this.prog[split] as { y: number }).y = this.prog.length;
          } else {
            this.compile(node.items[k]);
          }
        }
        for (const j of jumps) (this.prog[j] as { x: number }).x = this.prog.length;
        return;
      }
      case 'rep':
        return this.repeat(node.sub, node.min, node.max, node.greedy);
    }
  }

  private star(sub: Node, greedy: boolean): void {
    const split = this.emit({ op: 'split', x: 0, y: 0 });
    this.compile(sub);
    this.emit({ op: 'jmp', x: split });
    const after = this.prog.length;
    this.prog[split] = greedy ? { op: 'split', x: split + 1, y: after } : { op: 'split', x: after, y: split + 1 };
  }

  private quest(sub: Node, greedy: boolean): void {
    const split = this.emit({ op: 'split', x: 0, y: 0 });
    this.compile(sub);
    const after = this.prog.length;
    this.prog[split] = greedy ? { op: 'split', x: split + 1, y: after } : { op: 'split', x: after, y: split + 1 };
  }

  private repeat(sub: Node, min: number, max: number, greedy: boolean): void {
    if (min === 0 && max === -1) return this.star(sub, greedy);
    if (min === 0 && max === 1) return this.quest(sub, greedy);
    if (min === 1 && max === -1) {
      const start = this.prog.length;
      this.compile(sub);
      const split = this.emit({ op: 'split', x: 0, y: 0 });
      this.prog[split] = greedy ? { op: 'split', x: start, y: split + 1 } : { op: 'split', x: split + 1, y: start };
      return;
    }
    // x{n,m}: n copies, then m-n optional copies (or a star when unbounded)
    for (let k = 0; k < min; k++) this.compile(sub);
    if (max === -1) return this.star(sub, greedy);
    for (let k = min; k < max; k++) this.quest(sub, greedy);
  }
}

// ---------------------------------------------------------------------------
// the Pike VM

export interface MatchResult {
  /** Capture positions as UTF-16 offsets into the input; -1 when a group did not take part. */
  caps: number[];
}

/** A compiled Go regular expression. */
export class Re2 {
  readonly prog: Inst[];
  readonly ncap: number;
  readonly names: (string | undefined)[];

  constructor(readonly expr: string) {
    const parser = new Parser(expr);
    const ast = parser.parse();
    const c = new Compiler();
    c.compile({ t: 'cap', index: 0, sub: ast });
    c.prog.push({ op: 'match' });
    this.prog = c.prog;
    this.ncap = parser.ncap + 1;
    this.names = parser.names;
  }

  private lastInput: string | undefined;
  private runes: number[] = [];
  private offsets: number[] = [];
  private runeAt: Int32Array = new Int32Array(0);

  /** Splits the input into runes once for repeated searches over the same string. */
  private prepare(input: string): void {
    if (input === this.lastInput) return;
    this.lastInput = input;
    this.runes = [];
    this.offsets = [];
    this.runeAt = new Int32Array(input.length + 1);
    for (let k = 0; k < input.length;) {
      const r = input.codePointAt(k)!;
      this.runeAt[k] = this.runes.length;
      if (r > 0xffff) this.runeAt[k + 1] = this.runes.length + 1;
      this.runes.push(r);
      this.offsets.push(k);
      k += r > 0xffff ? 2 : 1;
    }
    this.runeAt[input.length] = this.runes.length;
    this.offsets.push(input.length);
  }

  /** The leftmost-first match searching from UTF-16 offset `from`, or undefined. */
  exec(input: string, from: number): MatchResult | undefined {
    this.prepare(input);
    const m = this.run(this.runes, this.runeAt[Math.min(from, input.length)]);
    if (!m) return undefined;
    return { caps: Array.from(m, (p) => (p < 0 ? -1 : this.offsets[p])) };
  }

  // The program in flat arrays for the VM loop (fast, monomorphic access).
  private flat?: { op: Uint8Array; a: Int32Array; b: Int32Array; pred: (Pred | undefined)[]; kind: (AssertKind | undefined)[] };
  // Reused between runs: generation marks per instruction, and the work stacks.
  private mark = new Int32Array(0);
  private gen = 0;
  private readonly stackPcs: number[] = [];
  private readonly stackCaps: Int32Array[] = [];

  private flatten(): NonNullable<Re2['flat']> {
    const n = this.prog.length;
    const f = {
      op: new Uint8Array(n),
      a: new Int32Array(n),
      b: new Int32Array(n),
      pred: new Array<Pred | undefined>(n),
      kind: new Array<AssertKind | undefined>(n),
    };
    this.prog.forEach((inst, k) => {
      switch (inst.op) {
        case 'char':
          f.op[k] = OP_CHAR;
          f.a[k] = inst.next;
          f.pred[k] = inst.pred;
          break;
        case 'split':
          f.op[k] = OP_SPLIT;
          f.a[k] = inst.x;
          f.b[k] = inst.y;
          break;
        case 'jmp':
          f.op[k] = OP_JMP;
          f.a[k] = inst.x;
          break;
        case 'save':
          f.op[k] = OP_SAVE;
          f.a[k] = inst.next;
          f.b[k] = inst.n;
          break;
        case 'assert':
          f.op[k] = OP_ASSERT;
          f.a[k] = inst.next;
          f.kind[k] = inst.kind;
          break;
        case 'match':
          f.op[k] = OP_MATCH;
      }
    });
    this.mark = new Int32Array(n);
    return f;
  }

  /** Follows jumps, splits, saves and assertions from pc and adds the char and match instructions reached, each pc once per list. */
  private add(pcs: number[], capsList: Int32Array[], pc: number, caps: Int32Array, pos: number, text: number[]): void {
    const f = this.flat!;
    const mark = this.mark;
    const gen = this.gen;
    const sp = this.stackPcs;
    const sc = this.stackCaps;
    sp.push(pc);
    sc.push(caps);
    while (sp.length) {
      const p = sp.pop()!;
      const c = sc.pop()!;
      if (mark[p] === gen) continue;
      mark[p] = gen;
      switch (f.op[p]) {
        case OP_JMP:
          sp.push(f.a[p]);
          sc.push(c);
          break;
        case OP_SPLIT:
          sp.push(f.b[p], f.a[p]); // the first branch has priority: it is popped first
          sc.push(c, c);
          break;
        case OP_SAVE: {
          const copy = c.slice();
          copy[f.b[p]] = pos;
          sp.push(f.a[p]);
          sc.push(copy);
          break;
        }
        case OP_ASSERT:
          if (assertHolds(f.kind[p]!, text, pos)) {
            sp.push(f.a[p]);
            sc.push(c);
          }
          break;
        default:
          pcs.push(p);
          capsList.push(c);
      }
    }
  }

  private run(text: number[], start: number): Int32Array | undefined {
    const f = (this.flat ??= this.flatten());
    const n = text.length;
    let matched: Int32Array | undefined;
    // Thread lists as parallel arrays (program counters, capture arrays) in priority order.
    let cpcs: number[] = [];
    let ccaps: Int32Array[] = [];
    let npcs: number[] = [];
    let ncaps: Int32Array[] = [];
    const empty = new Int32Array(2 * this.ncap).fill(-1);
    this.gen++;
    for (let pos = start; ; pos++) {
      // A new attempt starting here has the lowest priority (leftmost matches win).
      if (!matched) this.add(cpcs, ccaps, 0, empty, pos, text);
      if (cpcs.length === 0 && matched) break;
      this.gen++;
      npcs.length = 0;
      ncaps.length = 0;
      const r = pos < n ? text[pos] : -1;
      for (let k = 0; k < cpcs.length; k++) {
        const p = cpcs[k];
        if (f.op[p] === OP_MATCH) {
          matched = ccaps[k];
          break; // lower-priority threads are cut
        }
        if (r >= 0 && f.pred[p]!(r)) this.add(npcs, ncaps, f.a[p], ccaps[k], pos + 1, text);
      }
      [cpcs, npcs] = [npcs, cpcs];
      [ccaps, ncaps] = [ncaps, ccaps];
      if (pos >= n) break;
    }
    return matched;
  }
}

const OP_CHAR = 0;
const OP_SPLIT = 1;
const OP_JMP = 2;
const OP_SAVE = 3;
const OP_ASSERT = 4;
const OP_MATCH = 5;

function assertHolds(kind: AssertKind, text: number[], pos: number): boolean {
  switch (kind) {
    case 'bot':
      return pos === 0;
    case 'eot':
      return pos === text.length;
    case 'bol':
      return pos === 0 || text[pos - 1] === 10;
    case 'eol':
      return pos === text.length || text[pos] === 10;
    case 'wordb':
    case 'nwordb': {
      const a = pos > 0 && isWordChar(text[pos - 1]);
      const b = pos < text.length && isWordChar(text[pos]);
      return (a !== b) === (kind === 'wordb');
    }
  }
}
