/**
 * Lexer for Go's text/template (`{{` `}}` delimiters), following the token
 * rules of Go's `text/template/parse/lex.go`: trim markers, comments, numbers,
 * quoted strings, fields, variables and keywords. It tokenizes the whole
 * source up front; the first lexical error becomes an Error token that ends
 * the stream (Go's lexer stops there too).
 */

export enum Tok {
  Error,
  EOF,
  Bool,
  Char, // a printable ASCII character not otherwise handled, e.g. ','
  CharConstant,
  Comment,
  Complex,
  Assign, // =
  Declare, // :=
  Field,
  Identifier,
  LeftDelim,
  LeftParen,
  Number,
  Pipe,
  RawString,
  RightDelim,
  RightParen,
  Space,
  String,
  Text,
  Variable,
  // Keywords (Go's item types after itemKeyword).
  Keyword,
  Block,
  Break,
  Continue,
  Dot,
  Define,
  Else,
  End,
  If,
  Nil,
  Range,
  Template,
  With,
}

export interface Token {
  type: Tok;
  val: string;
  /** Offset of the token in the source. */
  pos: number;
  /** Line where the token starts (1-based). */
  line: number;
}

const keywords: Record<string, Tok> = {
  '.': Tok.Dot,
  block: Tok.Block,
  break: Tok.Break,
  continue: Tok.Continue,
  define: Tok.Define,
  else: Tok.Else,
  end: Tok.End,
  if: Tok.If,
  nil: Tok.Nil,
  range: Tok.Range,
  template: Tok.Template,
  with: Tok.With,
};

const LEFT = '{{';
const RIGHT = '}}';

/** Go's item.String(), used in "unexpected X in Y" errors. */
export function tokenString(t: Token): string {
  if (t.type === Tok.EOF) return 'EOF';
  if (t.type === Tok.Error) return t.val;
  if (t.type > Tok.Keyword) return `<${t.val}>`;
  if ([...t.val].length > 10) return goQuote([...t.val].slice(0, 10).join('')) + '...';
  return goQuote(t.val);
}

/** Go's %q for short token text. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (c === 10) out += '\\n';
    else if (c === 9) out += '\\t';
    else if (c === 13) out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

const letterOrDigit = /[\p{L}\p{Nd}_]/u;
function isAlphaNumeric(c: string): boolean {
  if (c === '') return false;
  const code = c.charCodeAt(0);
  if (code < 0x80) return isAsciiAlnum(code);
  return letterOrDigit.test(c);
}
function isAsciiAlnum(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}

/** Go's %#U of a rune: U+0040 '@'. */
function runeU(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  return 'U+' + code.toString(16).toUpperCase().padStart(4, '0') + (code >= 0x20 ? ` '${c}'` : '');
}

export interface LexOptions {
  /** Whether `break`/`continue` are keywords (false when the function map defines them). */
  breakOK?: boolean;
  continueOK?: boolean;
}

class Lexer {
  readonly tokens: Token[] = [];
  pos = 0;
  start = 0;
  line = 1;
  startLine = 1;
  parenDepth = 0;
  failed = false;

  constructor(
    readonly input: string,
    readonly opts: LexOptions,
  ) {}

  /** Next character (a whole code point), or '' at the end. */
  next(): string {
    if (this.pos >= this.input.length) {
      this.pos = this.input.length + 1; // so backup() undoes it
      return '';
    }
    const code = this.input.codePointAt(this.pos)!;
    const ch = code > 0xffff ? String.fromCodePoint(code) : this.input[this.pos];
    this.pos += ch.length;
    if (ch === '\n') this.line++;
    return ch;
  }
  backup(ch: string): void {
    if (ch === '') {
      this.pos = this.input.length;
      return;
    }
    this.pos -= ch.length;
    if (ch === '\n') this.line--;
  }
  peek(): string {
    if (this.pos >= this.input.length) return '';
    const code = this.input.codePointAt(this.pos)!;
    return code > 0xffff ? String.fromCodePoint(code) : this.input[this.pos];
  }
  emit(type: Tok): void {
    this.tokens.push({ type, val: this.input.slice(this.start, this.pos), pos: this.start, line: this.startLine });
    this.start = this.pos;
    this.startLine = this.line;
  }
  ignore(): void {
    this.start = this.pos;
    this.startLine = this.line;
  }
  /** Moves to offset p, counting the newlines passed. */
  advanceTo(p: number): void {
    this.line += countNewlines(this.input, this.pos, p);
    this.pos = p;
  }
  error(msg: string): void {
    this.tokens.push({ type: Tok.Error, val: msg, pos: this.start, line: this.startLine });
    this.failed = true;
  }
  accept(valid: string): boolean {
    const c = this.next();
    if (c !== '' && valid.includes(c)) return true;
    this.backup(c);
    return false;
  }
  acceptRun(valid: string): void {
    let c = this.next();
    while (c !== '' && valid.includes(c)) c = this.next();
    this.backup(c);
  }

  run(): Token[] {
    while (!this.failed) {
      const x = this.input.indexOf(LEFT, this.pos);
      if (x < 0) {
        this.advanceTo(this.input.length);
        if (this.pos > this.start) this.emit(Tok.Text);
        break;
      }
      const trim = hasLeftTrimMarker(this.input, x + LEFT.length);
      let end = x;
      if (trim) while (end > this.start && isSpace(this.input[end - 1])) end--;
      this.advanceTo(end);
      if (this.pos > this.start) this.emit(Tok.Text);
      this.advanceTo(x + LEFT.length);
      this.ignore();
      const after = trim ? 2 : 0;
      if (this.input.startsWith('/*', this.pos + after)) {
        this.advanceTo(this.pos + after);
        this.ignore();
        this.lexComment();
        continue;
      }
      this.start = x;
      this.emit(Tok.LeftDelim);
      this.advanceTo(this.pos + after);
      this.ignore();
      this.parenDepth = 0;
      this.lexInsideAction();
    }
    if (!this.failed) this.tokens.push({ type: Tok.EOF, val: '', pos: this.input.length, line: this.line });
    return this.tokens;
  }

  lexComment(): void {
    const x = this.input.indexOf('*/', this.pos + 2);
    if (x < 0) return this.error('unclosed comment');
    this.advanceTo(x + 2);
    const [delim, trim] = this.atRightDelim();
    if (!delim) return this.error('comment ends before closing delimiter');
    this.emit(Tok.Comment);
    if (trim) this.advanceTo(this.pos + 2);
    this.pos += RIGHT.length;
    if (trim) this.skipSpace();
    this.ignore();
  }

  skipSpace(): void {
    while (this.pos < this.input.length && isSpace(this.input[this.pos])) {
      if (this.input[this.pos] === '\n') this.line++;
      this.pos++;
    }
  }

  atRightDelim(): [boolean, boolean] {
    if (this.input.startsWith(RIGHT, this.pos)) return [true, false];
    if (hasRightTrimMarker(this.input, this.pos) && this.input.startsWith(RIGHT, this.pos + 2)) return [true, true];
    return [false, false];
  }

  lexRightDelim(trim: boolean): void {
    if (trim) {
      this.advanceTo(this.pos + 2);
      this.ignore();
    }
    this.pos += RIGHT.length;
    this.emit(Tok.RightDelim);
    if (trim) {
      this.skipSpace();
      this.ignore();
    }
  }

  /** The inside of an action, up to and including its right delimiter. */
  lexInsideAction(): void {
    for (;;) {
      const [delim, trim] = this.atRightDelim();
      if (delim) {
        if (this.parenDepth === 0) return this.lexRightDelim(trim);
        return this.error('unclosed left paren');
      }
      const r = this.next();
      if (r === '') return this.error('unclosed action');
      if (isSpace(r)) {
        this.backup(r);
        this.lexSpace();
      } else if (r === '=') this.emit(Tok.Assign);
      else if (r === ':') {
        if (this.next() !== '=') return this.error('expected :=');
        this.emit(Tok.Declare);
      } else if (r === '|') this.emit(Tok.Pipe);
      else if (r === '"') {
        if (!this.lexQuote()) return;
      } else if (r === '`') {
        if (!this.lexRawQuote()) return;
      } else if (r === '$') {
        if (!this.lexFieldOrVariable(Tok.Variable)) return;
      } else if (r === "'") {
        if (!this.lexChar()) return;
      } else if (r === '.' && this.pos < this.input.length && !(this.input[this.pos] >= '0' && this.input[this.pos] <= '9')) {
        // ".field"; a "." followed by a digit or at the very end is lexed as a number, as Go does.
        if (!this.lexFieldOrVariable(Tok.Field)) return;
      } else if (r === '.' || r === '+' || r === '-' || (r >= '0' && r <= '9')) {
        this.backup(r);
        if (!this.lexNumber()) return;
      } else if (isAlphaNumeric(r)) {
        this.backup(r);
        if (!this.lexIdentifier()) return;
      } else if (r === '(') {
        this.emit(Tok.LeftParen);
        this.parenDepth++;
      } else if (r === ')') {
        this.emit(Tok.RightParen);
        this.parenDepth--;
        if (this.parenDepth < 0) return this.error(`unexpected right paren ${runeU(r)}`);
      } else if (r.charCodeAt(0) < 0x7f && r.charCodeAt(0) >= 0x20) this.emit(Tok.Char);
      else return this.error(`unrecognized character in action: ${runeU(r)}`);
    }
  }

  lexSpace(): void {
    const input = this.input;
    let numSpaces = 0;
    for (let c = input.charCodeAt(this.pos); c === 32 || c === 9 || c === 13 || c === 10; c = input.charCodeAt(this.pos)) {
      if (c === 10) this.line++;
      this.pos++;
      numSpaces++;
    }
    // A space followed by "-}}" belongs to the trim marker.
    if (hasRightTrimMarker(this.input, this.pos - 1) && this.input.startsWith(RIGHT, this.pos + 1)) {
      this.backup(this.input[this.pos - 1]);
      if (numSpaces === 1) return;
    }
    this.emit(Tok.Space);
  }

  /** Skips ASCII letters, digits and '_' quickly; the general loop handles the rest. */
  skipAsciiAlnum(): void {
    const input = this.input;
    let p = this.pos;
    while (p < input.length && isAsciiAlnum(input.charCodeAt(p))) p++;
    this.pos = p;
  }

  lexIdentifier(): boolean {
    this.skipAsciiAlnum();
    for (;;) {
      const r = this.next();
      if (isAlphaNumeric(r)) continue;
      this.backup(r);
      const word = this.input.slice(this.start, this.pos);
      if (!this.atTerminator()) {
        this.error(`bad character ${runeU(r)}`);
        return false;
      }
      const kw = keywords[word];
      if (kw !== undefined && Object.hasOwn(keywords, word)) {
        if ((kw === Tok.Break && this.opts.breakOK === false) || (kw === Tok.Continue && this.opts.continueOK === false)) this.emit(Tok.Identifier);
        else this.emit(kw);
      } else if (word === 'true' || word === 'false') this.emit(Tok.Bool);
      else this.emit(Tok.Identifier);
      return true;
    }
  }

  lexFieldOrVariable(type: Tok.Field | Tok.Variable): boolean {
    if (this.atTerminator()) {
      this.emit(type === Tok.Variable ? Tok.Variable : Tok.Dot);
      return true;
    }
    let r: string;
    this.skipAsciiAlnum();
    for (;;) {
      r = this.next();
      if (!isAlphaNumeric(r)) {
        this.backup(r);
        break;
      }
    }
    if (!this.atTerminator()) {
      this.error(`bad character ${runeU(r)}`);
      return false;
    }
    this.emit(type);
    return true;
  }

  atTerminator(): boolean {
    const r = this.peek();
    if (isSpace(r)) return true;
    switch (r) {
      case '':
      case '.':
      case ',':
      case '|':
      case ':':
      case ')':
      case '(':
        return true;
    }
    return r === RIGHT[0];
  }

  lexChar(): boolean {
    for (;;) {
      let c = this.next();
      if (c === '\\') {
        c = this.next();
        if (c !== '' && c !== '\n') continue;
      }
      if (c === '' || c === '\n') {
        this.error('unterminated character constant');
        return false;
      }
      if (c === "'") break;
    }
    this.emit(Tok.CharConstant);
    return true;
  }

  lexNumber(): boolean {
    if (!this.scanNumber()) {
      this.error(`bad number syntax: ${goQuote(this.input.slice(this.start, this.pos))}`);
      return false;
    }
    const sign = this.peek();
    if (sign === '+' || sign === '-') {
      if (!this.scanNumber() || this.input[this.pos - 1] !== 'i') {
        this.error(`bad number syntax: ${goQuote(this.input.slice(this.start, this.pos))}`);
        return false;
      }
      this.emit(Tok.Complex);
    } else this.emit(Tok.Number);
    return true;
  }

  scanNumber(): boolean {
    this.accept('+-');
    let digits = '0123456789_';
    if (this.accept('0')) {
      if (this.accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (this.accept('oO')) digits = '01234567_';
      else if (this.accept('bB')) digits = '01_';
    }
    this.acceptRun(digits);
    if (this.accept('.')) this.acceptRun(digits);
    if (digits.length === 11 && this.accept('eE')) {
      this.accept('+-');
      this.acceptRun('0123456789_');
    }
    if (digits.length === 23 && this.accept('pP')) {
      this.accept('+-');
      this.acceptRun('0123456789_');
    }
    this.accept('i');
    if (isAlphaNumeric(this.peek())) {
      this.next();
      return false;
    }
    return true;
  }

  lexQuote(): boolean {
    for (;;) {
      let c = this.next();
      if (c === '\\') {
        c = this.next();
        if (c !== '' && c !== '\n') continue;
      }
      if (c === '' || c === '\n') {
        this.error('unterminated quoted string');
        return false;
      }
      if (c === '"') break;
    }
    this.emit(Tok.String);
    return true;
  }

  lexRawQuote(): boolean {
    const x = this.input.indexOf('`', this.pos);
    if (x < 0) {
      this.error('unterminated raw quoted string');
      return false;
    }
    this.line += countNewlines(this.input, this.pos, x);
    this.pos = x + 1;
    this.emit(Tok.RawString);
    return true;
  }
}

function countNewlines(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = s.indexOf('\n', from); i !== -1 && i < to; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

function hasLeftTrimMarker(s: string, at: number): boolean {
  return at + 1 < s.length && s[at] === '-' && isSpace(s[at + 1]);
}

function hasRightTrimMarker(s: string, at: number): boolean {
  return at + 1 < s.length && isSpace(s[at]) && s[at + 1] === '-';
}

/** Tokenizes a template source. The last token is EOF, or Error after a lexical error. */
export function lex(input: string, opts: LexOptions = {}): Token[] {
  return new Lexer(input, opts).run();
}
