/**
 * The first error go-yaml v2 (the YAML library behind sigs.k8s.io/yaml, which the Kubernetes
 * API server uses for YAML bodies) finds in a YAML text, worded as it words it.
 *
 * go-yaml v2 is a port of libyaml: a reader (UTF-8 decoding, 512 bytes at a time), a scanner
 * (tokens, simple keys, indentation, flow levels) and a parser (events). The decoder pulls
 * events only until the end of the first document, so later documents are never looked at.
 * This module follows the same stages and the same order of checks, written from the YAML 1.1
 * specification and from the messages a real API server answers with; it computes no values
 * (the `yaml` npm package does that once the text is known to be good).
 *
 * go-yaml's Error() prints `line N: ` from the problem mark (0-based for parser errors, one
 * more for scanner errors), falling back to the 0-based context mark, and no line at all when
 * both are on the first line; reader errors have no line.
 */

interface Mark {
  index: number;
  line: number;
  column: number;
}

type TokenType =
  | 'STREAM-START'
  | 'STREAM-END'
  | 'VERSION-DIRECTIVE'
  | 'TAG-DIRECTIVE'
  | 'DOCUMENT-START'
  | 'DOCUMENT-END'
  | 'BLOCK-SEQUENCE-START'
  | 'BLOCK-MAPPING-START'
  | 'BLOCK-END'
  | 'FLOW-SEQUENCE-START'
  | 'FLOW-SEQUENCE-END'
  | 'FLOW-MAPPING-START'
  | 'FLOW-MAPPING-END'
  | 'BLOCK-ENTRY'
  | 'FLOW-ENTRY'
  | 'KEY'
  | 'VALUE'
  | 'ALIAS'
  | 'ANCHOR'
  | 'TAG'
  | 'SCALAR';

interface Token {
  type: TokenType;
  start: Mark;
  /** Anchor or alias name, tag handle, %TAG handle. */
  value?: string;
  major?: number;
  minor?: number;
}

interface SimpleKey {
  possible: boolean;
  required: boolean;
  tokenNumber: number;
  mark: Mark;
}

type Stage = 'reader' | 'scanner' | 'parser' | 'composer';

/** A go-yaml error; `message` is its Error() text (`yaml: line N: problem`). */
export class GoYamlError extends Error {
  constructor(
    message: string,
    readonly stage: Stage,
  ) {
    super(message);
  }
}

function fail(stage: Stage, problem: string, problemMark?: Mark, contextMark?: Mark): never {
  let line = 0;
  if (problemMark && problemMark.line !== 0) line = stage === 'scanner' ? problemMark.line + 1 : problemMark.line;
  else if (contextMark && contextMark.line !== 0) line = contextMark.line;
  throw new GoYamlError(`yaml: ${line ? `line ${line}: ` : ''}${problem}`, stage);
}

const MAX_DEPTH = 10000;
const RAW_CHUNK = 512;
const NUL = 0;

/** The characters go-yaml decodes, and the character index at which its reader fails (if it does). */
interface Decoded {
  chars: number[];
  failAt: number;
  problem?: string;
}

function printable(c: number): boolean {
  return (
    c === 0x09 ||
    c === 0x0a ||
    c === 0x0d ||
    (c >= 0x20 && c <= 0x7e) ||
    c === 0x85 ||
    (c >= 0xa0 && c <= 0xd7ff) ||
    (c >= 0xe000 && c <= 0xfffd) ||
    (c >= 0x10000 && c <= 0x10ffff)
  );
}

/** Decodes UTF-8 the way the reader does: chunk by chunk, an error failing its whole chunk. */
function decode(bytes: Uint8Array): Decoded {
  const chars: number[] = [];
  let pos = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  let chunkStart = 0;
  while (pos < bytes.length) {
    const chunkEnd = Math.min(chunkStart + RAW_CHUNK, bytes.length);
    const before = chars.length;
    const failChunk = (problem: string): Decoded => ({ chars: chars.slice(0, before), failAt: before, problem });
    while (pos < chunkEnd) {
      const b = bytes[pos];
      const width = (b & 0x80) === 0 ? 1 : (b & 0xe0) === 0xc0 ? 2 : (b & 0xf0) === 0xe0 ? 3 : (b & 0xf8) === 0xf0 ? 4 : 0;
      if (!width) return failChunk('invalid leading UTF-8 octet');
      if (pos + width > chunkEnd) {
        if (chunkEnd === bytes.length) return failChunk('incomplete UTF-8 octet sequence');
        break; // finished by the next chunk
      }
      let value = width === 1 ? b : width === 2 ? b & 0x1f : width === 3 ? b & 0x0f : b & 0x07;
      for (let k = 1; k < width; k++) {
        const t = bytes[pos + k];
        if ((t & 0xc0) !== 0x80) return failChunk('invalid trailing UTF-8 octet');
        value = (value << 6) | (t & 0x3f);
      }
      if ((width === 2 && value < 0x80) || (width === 3 && value < 0x800) || (width === 4 && value < 0x10000))
        return failChunk('invalid length of a UTF-8 sequence');
      if ((value >= 0xd800 && value <= 0xdfff) || value > 0x10ffff) return failChunk('invalid Unicode character');
      if (!printable(value)) return failChunk('control characters are not allowed');
      chars.push(value);
      pos += width;
    }
    chunkStart = pos;
  }
  return { chars, failAt: Infinity };
}

const isBreak = (c: number) => c === 0x0d || c === 0x0a || c === 0x85 || c === 0x2028 || c === 0x2029;
const isBlank = (c: number) => c === 0x20 || c === 0x09;
const isBreakZ = (c: number) => isBreak(c) || c === NUL;
const isBlankZ = (c: number) => isBlank(c) || isBreakZ(c);
const isAlpha = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x2d;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
const code = (s: string) => s.charCodeAt(0);
const oneOf = (c: number, set: string) => c !== NUL && c < 0x80 && set.includes(String.fromCharCode(c));

class Scanner {
  private pos = 0;
  private mark: Mark = { index: 0, line: 0, column: 0 };
  private readonly queue: Token[] = [];
  tokensParsed = 0;
  private started = false;
  private ended = false;
  private indent = -1;
  private readonly indents: number[] = [];
  private simpleKeyAllowed = false;
  private readonly simpleKeys: SimpleKey[] = [];
  private flowLevel = 0;
  /**
   * Lines continuing a quoted scalar or a flow collection (character index of their start ->
   * the block indentation there): go-yaml lets them be less indented than the YAML 1.2
   * parsers do, and their leading blanks carry no meaning.
   */
  readonly continuations = new Map<number, number>();

  constructor(private readonly input: Decoded) {}

  /** The character `k` places ahead; asking past what the reader decoded raises its error. */
  private ch(k = 0): number {
    const i = this.pos + k;
    if (i >= this.input.failAt) fail('reader', this.input.problem!);
    return i < this.input.chars.length ? this.input.chars[i] : NUL;
  }

  /** Makes the reader decode `n` characters ahead, as libyaml's cache() does. */
  private need(n: number): void {
    this.ch(n - 1);
  }

  private is(s: string, k = 0): boolean {
    return this.ch(k) === code(s);
  }

  private skip(): void {
    this.pos++;
    this.mark = { index: this.mark.index + 1, line: this.mark.line, column: this.mark.column + 1 };
  }

  private skipContinuationLine(): void {
    this.skipLine();
    this.continuations.set(this.mark.index, this.indent);
  }

  private skipLine(): void {
    if (this.ch() === 0x0d && this.ch(1) === 0x0a) {
      this.pos += 2;
      this.mark = { index: this.mark.index + 2, line: this.mark.line + 1, column: 0 };
    } else if (isBreak(this.ch())) {
      this.pos++;
      this.mark = { index: this.mark.index + 1, line: this.mark.line + 1, column: 0 };
    }
  }

  /** `context` is libyaml's wording of what it was doing; go-yaml's Error() leaves it out. */
  private scannerError(context: string, contextMark: Mark, problem: string): never {
    void context;
    fail('scanner', problem, this.mark, contextMark);
  }

  peek(): Token {
    this.fetchMoreTokens();
    return this.queue[0];
  }

  next(): Token {
    const t = this.peek();
    this.queue.shift();
    this.tokensParsed++;
    if (t.type === 'STREAM-END') this.ended = true;
    return t;
  }

  private fetchMoreTokens(): void {
    for (;;) {
      let needMore = this.queue.length === 0;
      if (!needMore) {
        this.staleSimpleKeys();
        needMore = this.simpleKeys.some((k) => k.possible && k.tokenNumber === this.tokensParsed);
      }
      if (!needMore) return;
      this.fetchNextToken();
    }
  }

  private fetchNextToken(): void {
    this.need(1);
    if (!this.started) return this.fetchStreamStart();
    if (this.ended) return this.push('STREAM-END', this.mark);
    this.scanToNextToken();
    this.staleSimpleKeys();
    this.unrollIndent(this.mark.column);
    this.need(4);
    const c = this.ch();
    if (c === NUL) return this.fetchStreamEnd();
    if (this.mark.column === 0 && c === code('%')) return this.fetchDirective();
    if (this.mark.column === 0 && this.is('-') && this.is('-', 1) && this.is('-', 2) && isBlankZ(this.ch(3)))
      return this.fetchDocumentIndicator('DOCUMENT-START');
    if (this.mark.column === 0 && this.is('.') && this.is('.', 1) && this.is('.', 2) && isBlankZ(this.ch(3)))
      return this.fetchDocumentIndicator('DOCUMENT-END');
    if (c === code('[')) return this.fetchFlowCollectionStart('FLOW-SEQUENCE-START');
    if (c === code('{')) return this.fetchFlowCollectionStart('FLOW-MAPPING-START');
    if (c === code(']')) return this.fetchFlowCollectionEnd('FLOW-SEQUENCE-END');
    if (c === code('}')) return this.fetchFlowCollectionEnd('FLOW-MAPPING-END');
    if (c === code(',')) return this.fetchFlowEntry();
    if (c === code('-') && isBlankZ(this.ch(1))) return this.fetchBlockEntry();
    if (c === code('?') && (this.flowLevel > 0 || isBlankZ(this.ch(1)))) return this.fetchKey();
    if (c === code(':') && (this.flowLevel > 0 || isBlankZ(this.ch(1)))) return this.fetchValue();
    if (c === code('*')) return this.fetchAnchor('ALIAS');
    if (c === code('&')) return this.fetchAnchor('ANCHOR');
    if (c === code('!')) return this.fetchTag();
    if (c === code('|') && this.flowLevel === 0) return this.fetchBlockScalar();
    if (c === code('>') && this.flowLevel === 0) return this.fetchBlockScalar();
    if (c === code("'")) return this.fetchFlowScalar(true);
    if (c === code('"')) return this.fetchFlowScalar(false);
    if (
      !(isBlankZ(c) || oneOf(c, '-?:,[]{}#&*!|>\'"%@`')) ||
      (c === code('-') && !isBlank(this.ch(1))) ||
      (this.flowLevel === 0 && (c === code('?') || c === code(':')) && !isBlankZ(this.ch(1)))
    )
      return this.fetchPlainScalar();
    this.scannerError('while scanning for the next token', this.mark, 'found character that cannot start any token');
  }

  private push(type: TokenType, start: Mark, extra: Partial<Token> = {}): void {
    this.queue.push({ type, start, ...extra });
  }

  private staleSimpleKeys(): void {
    for (const key of this.simpleKeys) {
      if (key.possible && (key.mark.line < this.mark.line || key.mark.index + 1024 < this.mark.index)) {
        if (key.required) this.scannerError('while scanning a simple key', key.mark, "could not find expected ':'");
        key.possible = false;
      }
    }
  }

  private saveSimpleKey(): void {
    const required = this.flowLevel === 0 && this.indent === this.mark.column;
    if (!this.simpleKeyAllowed) return;
    const key = { possible: true, required, tokenNumber: this.tokensParsed + this.queue.length, mark: this.mark };
    this.removeSimpleKey();
    this.simpleKeys[this.simpleKeys.length - 1] = key;
  }

  private removeSimpleKey(): void {
    const key = this.simpleKeys[this.simpleKeys.length - 1];
    if (key.possible && key.required) this.scannerError('while scanning a simple key', key.mark, "could not find expected ':'");
    key.possible = false;
  }

  private increaseFlowLevel(): void {
    this.simpleKeys.push({ possible: false, required: false, tokenNumber: 0, mark: this.mark });
    this.flowLevel++;
    if (this.flowLevel > MAX_DEPTH) this.scannerError('while increasing flow level', this.mark, `exceeded max depth of ${MAX_DEPTH}`);
  }

  private decreaseFlowLevel(): void {
    if (this.flowLevel > 0) {
      this.flowLevel--;
      this.simpleKeys.pop();
    }
  }

  /** Opens a block collection at `column` (its start token goes at `tokenNumber`, or last). */
  private rollIndent(column: number, tokenNumber: number, type: TokenType, mark: Mark): void {
    if (this.flowLevel > 0) return;
    if (this.indent < column) {
      this.indents.push(this.indent);
      this.indent = column;
      if (this.indents.length > MAX_DEPTH) this.scannerError('while increasing indent level', this.mark, `exceeded max depth of ${MAX_DEPTH}`);
      const token: Token = { type, start: mark };
      if (tokenNumber === -1) this.queue.push(token);
      else this.queue.splice(tokenNumber - this.tokensParsed, 0, token);
    }
  }

  private unrollIndent(column: number): void {
    if (this.flowLevel > 0) return;
    while (this.indent > column) {
      this.push('BLOCK-END', this.mark);
      this.indent = this.indents.pop()!;
    }
  }

  private fetchStreamStart(): void {
    this.indent = -1;
    this.simpleKeys.push({ possible: false, required: false, tokenNumber: 0, mark: this.mark });
    this.simpleKeyAllowed = true;
    this.started = true;
    this.push('STREAM-START', this.mark);
  }

  private fetchStreamEnd(): void {
    // The stream ends on a line of its own.
    if (this.mark.column !== 0) this.mark = { index: this.mark.index, line: this.mark.line + 1, column: 0 };
    this.unrollIndent(-1);
    this.removeSimpleKey();
    this.simpleKeyAllowed = false;
    this.push('STREAM-END', this.mark);
  }

  private fetchDirective(): void {
    this.unrollIndent(-1);
    this.removeSimpleKey();
    this.simpleKeyAllowed = false;
    this.scanDirective();
  }

  private fetchDocumentIndicator(type: TokenType): void {
    this.unrollIndent(-1);
    this.removeSimpleKey();
    this.simpleKeyAllowed = false;
    const start = this.mark;
    this.skip();
    this.skip();
    this.skip();
    this.push(type, start);
  }

  private fetchFlowCollectionStart(type: TokenType): void {
    this.saveSimpleKey();
    this.increaseFlowLevel();
    this.simpleKeyAllowed = true;
    const start = this.mark;
    this.skip();
    this.push(type, start);
  }

  private fetchFlowCollectionEnd(type: TokenType): void {
    this.removeSimpleKey();
    this.decreaseFlowLevel();
    this.simpleKeyAllowed = false;
    const start = this.mark;
    this.skip();
    this.push(type, start);
  }

  private fetchFlowEntry(): void {
    this.removeSimpleKey();
    this.simpleKeyAllowed = true;
    const start = this.mark;
    this.skip();
    this.push('FLOW-ENTRY', start);
  }

  private fetchBlockEntry(): void {
    if (this.flowLevel === 0) {
      if (!this.simpleKeyAllowed) this.scannerError('', this.mark, 'block sequence entries are not allowed in this context');
      this.rollIndent(this.mark.column, -1, 'BLOCK-SEQUENCE-START', this.mark);
    }
    // In a flow collection the parser reports the '-' (it knows the context).
    this.removeSimpleKey();
    this.simpleKeyAllowed = true;
    const start = this.mark;
    this.skip();
    this.push('BLOCK-ENTRY', start);
  }

  private fetchKey(): void {
    if (this.flowLevel === 0) {
      if (!this.simpleKeyAllowed) this.scannerError('', this.mark, 'mapping keys are not allowed in this context');
      this.rollIndent(this.mark.column, -1, 'BLOCK-MAPPING-START', this.mark);
    }
    this.removeSimpleKey();
    this.simpleKeyAllowed = this.flowLevel === 0;
    const start = this.mark;
    this.skip();
    this.push('KEY', start);
  }

  private fetchValue(): void {
    const key = this.simpleKeys[this.simpleKeys.length - 1];
    if (key.possible) {
      // The simple key turns out to be a key: its KEY token (and the mapping start) go before it.
      this.queue.splice(key.tokenNumber - this.tokensParsed, 0, { type: 'KEY', start: key.mark });
      this.rollIndent(key.mark.column, key.tokenNumber, 'BLOCK-MAPPING-START', key.mark);
      key.possible = false;
      this.simpleKeyAllowed = false;
    } else {
      if (this.flowLevel === 0) {
        if (!this.simpleKeyAllowed) this.scannerError('', this.mark, 'mapping values are not allowed in this context');
        this.rollIndent(this.mark.column, -1, 'BLOCK-MAPPING-START', this.mark);
      }
      this.simpleKeyAllowed = this.flowLevel === 0;
    }
    const start = this.mark;
    this.skip();
    this.push('VALUE', start);
  }

  private fetchAnchor(type: 'ALIAS' | 'ANCHOR'): void {
    this.saveSimpleKey();
    this.simpleKeyAllowed = false;
    const start = this.mark;
    this.skip();
    let name = '';
    while (isAlpha(this.ch())) {
      name += String.fromCodePoint(this.ch());
      this.skip();
    }
    if (!name || !(isBlankZ(this.ch()) || oneOf(this.ch(), '?:,]}%@`')))
      this.scannerError(
        type === 'ANCHOR' ? 'while scanning an anchor' : 'while scanning an alias',
        start,
        'did not find expected alphabetic or numeric character',
      );
    this.push(type, start, { value: name });
  }

  private fetchTag(): void {
    this.saveSimpleKey();
    this.simpleKeyAllowed = false;
    const start = this.mark;
    let handle: string;
    if (this.is('<', 1)) {
      handle = '';
      this.skip();
      this.skip();
      this.scanTagUri(false, '', start);
      if (!this.is('>')) this.scannerError('while scanning a tag', start, "did not find the expected '>'");
      this.skip();
    } else {
      handle = this.scanTagHandle(false, start);
      if (!(handle.length > 1 && handle.startsWith('!') && handle.endsWith('!'))) {
        // "!suffix": the handle read is the start of the suffix.
        const suffix = this.scanTagUri(false, handle, start);
        handle = suffix === '' ? '' : '!';
      } else {
        this.scanTagUri(false, '', start);
      }
    }
    if (!isBlankZ(this.ch())) this.scannerError('while scanning a tag', start, 'did not find expected whitespace or line break');
    this.push('TAG', start, { value: handle });
  }

  private scanTagHandle(directive: boolean, start: Mark): string {
    const context = directive ? 'while scanning a tag directive' : 'while scanning a tag';
    if (!this.is('!')) this.scannerError(context, start, "did not find expected '!'");
    let handle = '!';
    this.skip();
    while (isAlpha(this.ch())) {
      handle += String.fromCodePoint(this.ch());
      this.skip();
    }
    if (this.is('!')) {
      handle += '!';
      this.skip();
    } else if (directive && handle !== '!') this.scannerError(context, start, "did not find expected '!'");
    return handle;
  }

  /** Reads a tag URI; `head` is a handle already read that is really the URI's start. Returns the URI. */
  private scanTagUri(directive: boolean, head: string, start: Mark): string {
    const context = directive ? 'while parsing a %TAG directive' : 'while parsing a tag';
    let uri = head.length > 1 ? head.slice(1) : '';
    let length = head.length;
    while (isAlpha(this.ch()) || oneOf(this.ch(), ";/?:@&=+$,.!~*'()[]%")) {
      if (this.is('%')) {
        this.scanUriEscapes(context, start);
      } else {
        uri += String.fromCodePoint(this.ch());
        this.skip();
      }
      length++;
    }
    if (!length) this.scannerError(context, start, 'did not find expected tag URI');
    return uri;
  }

  private scanUriEscapes(context: string, start: Mark): void {
    let width = 0;
    do {
      if (!(this.is('%') && isHex(this.ch(1)) && isHex(this.ch(2)))) this.scannerError(context, start, 'did not find URI escaped octet');
      const octet = parseInt(String.fromCharCode(this.ch(1), this.ch(2)), 16);
      if (width === 0) {
        width = (octet & 0x80) === 0 ? 1 : (octet & 0xe0) === 0xc0 ? 2 : (octet & 0xf0) === 0xe0 ? 3 : (octet & 0xf8) === 0xf0 ? 4 : 0;
        if (!width) this.scannerError(context, start, 'found an incorrect leading UTF-8 octet');
      } else if ((octet & 0xc0) !== 0x80) this.scannerError(context, start, 'found an incorrect trailing UTF-8 octet');
      this.skip();
      this.skip();
      this.skip();
    } while (--width > 0);
  }

  private scanDirective(): void {
    const start = this.mark;
    this.skip();
    let name = '';
    while (isAlpha(this.ch())) {
      name += String.fromCodePoint(this.ch());
      this.skip();
    }
    if (!name) this.scannerError('while scanning a directive', start, 'could not find expected directive name');
    if (!isBlankZ(this.ch())) this.scannerError('while scanning a directive', start, 'found unexpected non-alphabetical character');
    if (name === 'YAML') {
      while (isBlank(this.ch())) this.skip();
      const major = this.scanVersionNumber(start);
      if (!this.is('.')) this.scannerError('while scanning a %YAML directive', start, "did not find expected digit or '.' character");
      this.skip();
      const minor = this.scanVersionNumber(start);
      this.push('VERSION-DIRECTIVE', start, { major, minor });
    } else if (name === 'TAG') {
      while (isBlank(this.ch())) this.skip();
      const handle = this.scanTagHandle(true, start);
      if (!isBlank(this.ch())) this.scannerError('while scanning a %TAG directive', start, 'did not find expected whitespace');
      while (isBlank(this.ch())) this.skip();
      this.scanTagUri(true, '', start);
      if (!isBlankZ(this.ch())) this.scannerError('while scanning a %TAG directive', start, 'did not find expected whitespace or line break');
      this.push('TAG-DIRECTIVE', start, { value: handle });
    } else {
      this.scannerError('while scanning a directive', start, 'found unknown directive name');
    }
    while (isBlank(this.ch())) this.skip();
    if (this.is('#')) while (!isBreakZ(this.ch())) this.skip();
    if (!isBreakZ(this.ch())) this.scannerError('while scanning a directive', start, 'did not find expected comment or line break');
    this.skipLine();
  }

  private scanVersionNumber(start: Mark): number {
    let digits = '';
    while (isDigit(this.ch())) {
      if (digits.length >= 9) this.scannerError('while scanning a %YAML directive', start, 'found extremely long version number');
      digits += String.fromCharCode(this.ch());
      this.skip();
    }
    if (!digits) this.scannerError('while scanning a %YAML directive', start, 'did not find expected version number');
    return Number(digits);
  }

  private scanToNextToken(): void {
    for (;;) {
      if (this.mark.column === 0 && this.ch() === 0xfeff) this.skip();
      // Tabs separate tokens except where they could be indentation.
      while (this.is(' ') || ((this.flowLevel > 0 || !this.simpleKeyAllowed) && this.is('\t'))) this.skip();
      if (this.is('#')) while (!isBreakZ(this.ch())) this.skip();
      if (!isBreak(this.ch())) return;
      if (this.flowLevel > 0) this.skipContinuationLine();
      else this.skipLine();
      if (this.flowLevel === 0) this.simpleKeyAllowed = true;
    }
  }

  private fetchBlockScalar(): void {
    this.removeSimpleKey();
    this.simpleKeyAllowed = true;
    const start = this.mark;
    const context = 'while scanning a block scalar';
    this.skip();
    let increment = 0;
    if (this.is('+') || this.is('-')) {
      this.skip();
      if (isDigit(this.ch())) {
        if (this.is('0')) this.scannerError(context, start, 'found an indentation indicator equal to 0');
        increment = this.ch() - 0x30;
        this.skip();
      }
    } else if (isDigit(this.ch())) {
      if (this.is('0')) this.scannerError(context, start, 'found an indentation indicator equal to 0');
      increment = this.ch() - 0x30;
      this.skip();
      if (this.is('+') || this.is('-')) this.skip();
    }
    while (isBlank(this.ch())) this.skip();
    if (this.is('#')) while (!isBreakZ(this.ch())) this.skip();
    if (!isBreakZ(this.ch())) this.scannerError(context, start, 'did not find expected comment or line break');
    if (isBreak(this.ch())) this.skipLine();
    let indent = increment ? (this.indent >= 0 ? this.indent + increment : increment) : 0;
    indent = this.blockScalarBreaks(indent, start);
    while (this.mark.column === indent && this.ch() !== NUL) {
      while (!isBreakZ(this.ch())) this.skip();
      this.skipLine();
      indent = this.blockScalarBreaks(indent, start);
    }
    this.push('SCALAR', start);
  }

  /** Skips the empty lines and indentation before a block scalar line; settles an automatic indentation. */
  private blockScalarBreaks(indent: number, start: Mark): number {
    let maxIndent = 0;
    for (;;) {
      while ((indent === 0 || this.mark.column < indent) && this.is(' ')) this.skip();
      if (this.mark.column > maxIndent) maxIndent = this.mark.column;
      if ((indent === 0 || this.mark.column < indent) && this.is('\t'))
        this.scannerError('while scanning a block scalar', start, 'found a tab character where an indentation space is expected');
      if (!isBreak(this.ch())) break;
      this.skipLine();
    }
    if (indent === 0) indent = Math.max(maxIndent, this.indent + 1, 1);
    return indent;
  }

  private atDocumentIndicator(): boolean {
    return (
      this.mark.column === 0 &&
      ((this.is('-') && this.is('-', 1) && this.is('-', 2)) || (this.is('.') && this.is('.', 1) && this.is('.', 2))) &&
      isBlankZ(this.ch(3))
    );
  }

  private fetchFlowScalar(single: boolean): void {
    this.saveSimpleKey();
    this.simpleKeyAllowed = false;
    const start = this.mark;
    const context = 'while scanning a quoted scalar';
    const quote = code(single ? "'" : '"');
    this.skip();
    for (;;) {
      this.need(4);
      if (this.atDocumentIndicator()) this.scannerError(context, start, 'found unexpected document indicator');
      if (this.ch() === NUL) this.scannerError(context, start, 'found unexpected end of stream');
      while (!isBlankZ(this.ch())) {
        if (single && this.is("'") && this.is("'", 1)) {
          this.skip();
          this.skip();
        } else if (this.ch() === quote) {
          break;
        } else if (!single && this.is('\\') && isBreak(this.ch(1))) {
          this.skip();
          this.skipContinuationLine();
          break;
        } else if (!single && this.is('\\')) {
          const escape = String.fromCharCode(this.ch(1));
          const hexLength = escape === 'x' ? 2 : escape === 'u' ? 4 : escape === 'U' ? 8 : 0;
          if (!hexLength && !'0abt\tnvfre "/\\N_LP'.includes(escape))
            this.scannerError('while parsing a quoted scalar', start, 'found unknown escape character');
          this.skip();
          this.skip();
          if (hexLength) {
            let value = 0;
            for (let k = 0; k < hexLength; k++) {
              if (!isHex(this.ch(k))) this.scannerError('while parsing a quoted scalar', start, 'did not find expected hexdecimal number');
              value = value * 16 + parseInt(String.fromCharCode(this.ch(k)), 16);
            }
            if ((value >= 0xd800 && value <= 0xdfff) || value > 0x10ffff)
              this.scannerError('while parsing a quoted scalar', start, 'found invalid Unicode character escape code');
            for (let k = 0; k < hexLength; k++) this.skip();
          }
        } else {
          this.skip();
        }
      }
      if (this.ch() === quote) break;
      while (isBlank(this.ch()) || isBreak(this.ch())) {
        if (isBlank(this.ch())) this.skip();
        else this.skipContinuationLine();
      }
    }
    this.skip();
    this.push('SCALAR', start);
  }

  private fetchPlainScalar(): void {
    this.saveSimpleKey();
    this.simpleKeyAllowed = false;
    const start = this.mark;
    const indent = this.indent + 1;
    let leadingBlanks = false;
    for (;;) {
      this.need(4);
      if (this.atDocumentIndicator()) break;
      if (this.is('#')) break;
      while (!isBlankZ(this.ch())) {
        // go-yaml v2 keeps a ':' that no blank follows in a flow plain scalar ("{a:1}" is the key "a:1").
        if ((this.is(':') && isBlankZ(this.ch(1))) || (this.flowLevel > 0 && oneOf(this.ch(), ',?[]{}'))) break;
        leadingBlanks = false;
        this.skip();
      }
      if (!(isBlank(this.ch()) || isBreak(this.ch()))) break;
      while (isBlank(this.ch()) || isBreak(this.ch())) {
        if (isBlank(this.ch())) {
          if (leadingBlanks && this.mark.column < indent && this.is('\t'))
            this.scannerError('while scanning a plain scalar', start, 'found a tab character that violates indentation');
          this.skip();
        } else {
          if (this.flowLevel > 0) this.skipContinuationLine();
          else this.skipLine();
          leadingBlanks = true;
        }
      }
      if (this.flowLevel === 0 && this.mark.column < indent) break;
    }
    this.push('SCALAR', start);
    if (leadingBlanks) this.simpleKeyAllowed = true;
  }
}

type State =
  | 'STREAM-START'
  | 'IMPLICIT-DOCUMENT-START'
  | 'DOCUMENT-START'
  | 'DOCUMENT-CONTENT'
  | 'DOCUMENT-END'
  | 'BLOCK-NODE'
  | 'BLOCK-NODE-OR-INDENTLESS-SEQUENCE'
  | 'FLOW-NODE'
  | 'BLOCK-SEQUENCE-FIRST-ENTRY'
  | 'BLOCK-SEQUENCE-ENTRY'
  | 'INDENTLESS-SEQUENCE-ENTRY'
  | 'BLOCK-MAPPING-FIRST-KEY'
  | 'BLOCK-MAPPING-KEY'
  | 'BLOCK-MAPPING-VALUE'
  | 'FLOW-SEQUENCE-FIRST-ENTRY'
  | 'FLOW-SEQUENCE-ENTRY'
  | 'FLOW-SEQUENCE-ENTRY-MAPPING-KEY'
  | 'FLOW-SEQUENCE-ENTRY-MAPPING-VALUE'
  | 'FLOW-SEQUENCE-ENTRY-MAPPING-END'
  | 'FLOW-MAPPING-FIRST-KEY'
  | 'FLOW-MAPPING-KEY'
  | 'FLOW-MAPPING-VALUE'
  | 'FLOW-MAPPING-EMPTY-VALUE'
  | 'END';

type EventType =
  'STREAM-START' | 'STREAM-END' | 'DOCUMENT-START' | 'DOCUMENT-END' | 'ALIAS' | 'SCALAR' | 'SEQUENCE-START' | 'SEQUENCE-END' | 'MAPPING-START' | 'MAPPING-END';

interface Event {
  type: EventType;
  anchor?: string;
}

/** libyaml's parser state machine, producing only what error checking needs of each event. */
class Parser {
  private state: State = 'STREAM-START';
  private readonly states: State[] = [];
  private readonly marks: Mark[] = [];
  private tagHandles = new Set<string>();
  /** Where the first document ends (a character index): the decoder reads nothing after it. */
  documentEnd = 0;

  constructor(private readonly scanner: Scanner) {}

  private error(problem: string, problemMark: Mark, contextMark?: Mark): never {
    fail('parser', problem, problemMark, contextMark);
  }

  next(): Event {
    const s = this.scanner;
    switch (this.state) {
      case 'STREAM-START':
        s.next();
        this.state = 'IMPLICIT-DOCUMENT-START';
        return { type: 'STREAM-START' };
      case 'IMPLICIT-DOCUMENT-START':
      case 'DOCUMENT-START':
        return this.documentStart(this.state === 'IMPLICIT-DOCUMENT-START');
      case 'DOCUMENT-CONTENT': {
        const t = s.peek().type;
        if (['VERSION-DIRECTIVE', 'TAG-DIRECTIVE', 'DOCUMENT-START', 'DOCUMENT-END', 'STREAM-END'].includes(t)) {
          this.state = this.states.pop()!;
          return { type: 'SCALAR' };
        }
        return this.node(true, false);
      }
      case 'DOCUMENT-END':
        this.documentEnd = s.peek().start.index;
        if (s.peek().type === 'DOCUMENT-END') s.next();
        this.state = 'DOCUMENT-START';
        return { type: 'DOCUMENT-END' };
      case 'BLOCK-NODE':
        return this.node(true, false);
      case 'BLOCK-NODE-OR-INDENTLESS-SEQUENCE':
        return this.node(true, true);
      case 'FLOW-NODE':
        return this.node(false, false);
      case 'BLOCK-SEQUENCE-FIRST-ENTRY':
      case 'BLOCK-SEQUENCE-ENTRY':
        return this.blockSequenceEntry(this.state === 'BLOCK-SEQUENCE-FIRST-ENTRY');
      case 'INDENTLESS-SEQUENCE-ENTRY':
        return this.indentlessSequenceEntry();
      case 'BLOCK-MAPPING-FIRST-KEY':
      case 'BLOCK-MAPPING-KEY':
        return this.blockMappingKey(this.state === 'BLOCK-MAPPING-FIRST-KEY');
      case 'BLOCK-MAPPING-VALUE':
        return this.blockMappingValue();
      case 'FLOW-SEQUENCE-FIRST-ENTRY':
      case 'FLOW-SEQUENCE-ENTRY':
        return this.flowSequenceEntry(this.state === 'FLOW-SEQUENCE-FIRST-ENTRY');
      case 'FLOW-SEQUENCE-ENTRY-MAPPING-KEY': {
        const t = s.peek().type;
        if (!['VALUE', 'FLOW-ENTRY', 'FLOW-SEQUENCE-END'].includes(t)) {
          this.states.push('FLOW-SEQUENCE-ENTRY-MAPPING-VALUE');
          return this.node(false, false);
        }
        this.state = 'FLOW-SEQUENCE-ENTRY-MAPPING-VALUE';
        return { type: 'SCALAR' };
      }
      case 'FLOW-SEQUENCE-ENTRY-MAPPING-VALUE':
        if (s.peek().type === 'VALUE') {
          s.next();
          if (!['FLOW-ENTRY', 'FLOW-SEQUENCE-END'].includes(s.peek().type)) {
            this.states.push('FLOW-SEQUENCE-ENTRY-MAPPING-END');
            return this.node(false, false);
          }
        }
        this.state = 'FLOW-SEQUENCE-ENTRY-MAPPING-END';
        return { type: 'SCALAR' };
      case 'FLOW-SEQUENCE-ENTRY-MAPPING-END':
        this.state = 'FLOW-SEQUENCE-ENTRY';
        return { type: 'MAPPING-END' };
      case 'FLOW-MAPPING-FIRST-KEY':
      case 'FLOW-MAPPING-KEY':
        return this.flowMappingKey(this.state === 'FLOW-MAPPING-FIRST-KEY');
      case 'FLOW-MAPPING-VALUE':
        if (s.peek().type === 'VALUE') {
          s.next();
          if (!['FLOW-ENTRY', 'FLOW-MAPPING-END'].includes(s.peek().type)) {
            this.states.push('FLOW-MAPPING-KEY');
            return this.node(false, false);
          }
        }
        this.state = 'FLOW-MAPPING-KEY';
        return { type: 'SCALAR' };
      case 'FLOW-MAPPING-EMPTY-VALUE':
        this.state = 'FLOW-MAPPING-KEY';
        return { type: 'SCALAR' };
      case 'END':
        return { type: 'STREAM-END' };
    }
  }

  private documentStart(implicit: boolean): Event {
    const s = this.scanner;
    if (!implicit) while (s.peek().type === 'DOCUMENT-END') s.next();
    const t = s.peek();
    if (implicit && !['VERSION-DIRECTIVE', 'TAG-DIRECTIVE', 'DOCUMENT-START', 'STREAM-END'].includes(t.type)) {
      this.tagHandles = new Set(['!', '!!']);
      this.states.push('DOCUMENT-END');
      this.state = 'BLOCK-NODE';
      return { type: 'DOCUMENT-START' };
    }
    if (t.type === 'STREAM-END') {
      s.next();
      this.state = 'END';
      return { type: 'STREAM-END' };
    }
    this.processDirectives();
    const start = s.peek();
    if (start.type !== 'DOCUMENT-START') this.error('did not find expected <document start>', start.start);
    s.next();
    this.states.push('DOCUMENT-END');
    this.state = 'DOCUMENT-CONTENT';
    return { type: 'DOCUMENT-START' };
  }

  private processDirectives(): void {
    const s = this.scanner;
    let version = false;
    this.tagHandles = new Set(['!', '!!']);
    const declared = new Set<string>();
    for (;;) {
      const t = s.peek();
      if (t.type === 'VERSION-DIRECTIVE') {
        if (version) this.error('found duplicate %YAML directive', t.start);
        if (t.major !== 1 || t.minor !== 1) this.error('found incompatible YAML document', t.start);
        version = true;
      } else if (t.type === 'TAG-DIRECTIVE') {
        if (declared.has(t.value!)) this.error('found duplicate %TAG directive', t.start);
        declared.add(t.value!);
        this.tagHandles.add(t.value!);
      } else return;
      s.next();
    }
  }

  private node(block: boolean, indentlessSequence: boolean): Event {
    const s = this.scanner;
    let t = s.peek();
    if (t.type === 'ALIAS') {
      s.next();
      this.state = this.states.pop()!;
      return { type: 'ALIAS', anchor: t.value };
    }
    const start = t.start;
    let anchor: string | undefined;
    let tag: Token | undefined;
    if (t.type === 'ANCHOR') {
      anchor = t.value;
      s.next();
      t = s.peek();
      if (t.type === 'TAG') {
        tag = t;
        s.next();
        t = s.peek();
      }
    } else if (t.type === 'TAG') {
      tag = t;
      s.next();
      t = s.peek();
      if (t.type === 'ANCHOR') {
        anchor = t.value;
        s.next();
        t = s.peek();
      }
    }
    if (tag?.value && !this.tagHandles.has(tag.value)) this.error('found undefined tag handle', tag.start, start);
    if (indentlessSequence && t.type === 'BLOCK-ENTRY') {
      this.state = 'INDENTLESS-SEQUENCE-ENTRY';
      return { type: 'SEQUENCE-START', anchor };
    }
    if (t.type === 'SCALAR') {
      s.next();
      this.state = this.states.pop()!;
      return { type: 'SCALAR', anchor };
    }
    if (t.type === 'FLOW-SEQUENCE-START') {
      this.state = 'FLOW-SEQUENCE-FIRST-ENTRY';
      return { type: 'SEQUENCE-START', anchor };
    }
    if (t.type === 'FLOW-MAPPING-START') {
      this.state = 'FLOW-MAPPING-FIRST-KEY';
      return { type: 'MAPPING-START', anchor };
    }
    if (block && t.type === 'BLOCK-SEQUENCE-START') {
      this.state = 'BLOCK-SEQUENCE-FIRST-ENTRY';
      return { type: 'SEQUENCE-START', anchor };
    }
    if (block && t.type === 'BLOCK-MAPPING-START') {
      this.state = 'BLOCK-MAPPING-FIRST-KEY';
      return { type: 'MAPPING-START', anchor };
    }
    if (anchor !== undefined || tag) {
      this.state = this.states.pop()!;
      return { type: 'SCALAR', anchor };
    }
    this.error('did not find expected node content', t.start, start);
  }

  private blockSequenceEntry(first: boolean): Event {
    const s = this.scanner;
    if (first) this.marks.push(s.next().start);
    const t = s.peek();
    if (t.type === 'BLOCK-ENTRY') {
      s.next();
      if (!['BLOCK-ENTRY', 'BLOCK-END'].includes(s.peek().type)) {
        this.states.push('BLOCK-SEQUENCE-ENTRY');
        return this.node(true, false);
      }
      this.state = 'BLOCK-SEQUENCE-ENTRY';
      return { type: 'SCALAR' };
    }
    if (t.type === 'BLOCK-END') {
      this.state = this.states.pop()!;
      this.marks.pop();
      s.next();
      return { type: 'SEQUENCE-END' };
    }
    this.error("did not find expected '-' indicator", t.start, this.marks.pop());
  }

  private indentlessSequenceEntry(): Event {
    const s = this.scanner;
    if (s.peek().type === 'BLOCK-ENTRY') {
      s.next();
      if (!['BLOCK-ENTRY', 'KEY', 'VALUE', 'BLOCK-END'].includes(s.peek().type)) {
        this.states.push('INDENTLESS-SEQUENCE-ENTRY');
        return this.node(true, false);
      }
      this.state = 'INDENTLESS-SEQUENCE-ENTRY';
      return { type: 'SCALAR' };
    }
    this.state = this.states.pop()!;
    return { type: 'SEQUENCE-END' };
  }

  private blockMappingKey(first: boolean): Event {
    const s = this.scanner;
    if (first) this.marks.push(s.next().start);
    const t = s.peek();
    if (t.type === 'KEY') {
      s.next();
      if (!['KEY', 'VALUE', 'BLOCK-END'].includes(s.peek().type)) {
        this.states.push('BLOCK-MAPPING-VALUE');
        return this.node(true, true);
      }
      this.state = 'BLOCK-MAPPING-VALUE';
      return { type: 'SCALAR' };
    }
    if (t.type === 'BLOCK-END') {
      this.state = this.states.pop()!;
      this.marks.pop();
      s.next();
      return { type: 'MAPPING-END' };
    }
    this.error('did not find expected key', t.start, this.marks.pop());
  }

  private blockMappingValue(): Event {
    const s = this.scanner;
    if (s.peek().type === 'VALUE') {
      s.next();
      if (!['KEY', 'VALUE', 'BLOCK-END'].includes(s.peek().type)) {
        this.states.push('BLOCK-MAPPING-KEY');
        return this.node(true, true);
      }
    }
    this.state = 'BLOCK-MAPPING-KEY';
    return { type: 'SCALAR' };
  }

  private flowSequenceEntry(first: boolean): Event {
    const s = this.scanner;
    if (first) this.marks.push(s.next().start);
    let t = s.peek();
    if (t.type !== 'FLOW-SEQUENCE-END') {
      if (!first) {
        if (t.type !== 'FLOW-ENTRY') this.error("did not find expected ',' or ']'", t.start, this.marks.pop());
        s.next();
        t = s.peek();
      }
      if (t.type === 'KEY') {
        this.state = 'FLOW-SEQUENCE-ENTRY-MAPPING-KEY';
        s.next();
        return { type: 'MAPPING-START' };
      }
      if (t.type !== 'FLOW-SEQUENCE-END') {
        this.states.push('FLOW-SEQUENCE-ENTRY');
        return this.node(false, false);
      }
    }
    this.state = this.states.pop()!;
    this.marks.pop();
    s.next();
    return { type: 'SEQUENCE-END' };
  }

  private flowMappingKey(first: boolean): Event {
    const s = this.scanner;
    if (first) this.marks.push(s.next().start);
    let t = s.peek();
    if (t.type !== 'FLOW-MAPPING-END') {
      if (!first) {
        if (t.type !== 'FLOW-ENTRY') this.error("did not find expected ',' or '}'", t.start, this.marks.pop());
        s.next();
        t = s.peek();
      }
      if (t.type === 'KEY') {
        s.next();
        if (!['VALUE', 'FLOW-ENTRY', 'FLOW-MAPPING-END'].includes(s.peek().type)) {
          this.states.push('FLOW-MAPPING-VALUE');
          return this.node(false, false);
        }
        this.state = 'FLOW-MAPPING-VALUE';
        return { type: 'SCALAR' };
      }
      if (t.type !== 'FLOW-MAPPING-END') {
        this.states.push('FLOW-MAPPING-EMPTY-VALUE');
        return this.node(false, false);
      }
    }
    this.state = this.states.pop()!;
    this.marks.pop();
    s.next();
    return { type: 'MAPPING-END' };
  }
}

/**
 * Checks a YAML text as go-yaml v2's Unmarshal reads it (the first document, its anchors
 * included) and throws a GoYamlError with go-yaml's message at the first problem. Returns the
 * text of that first document (without a byte order mark), or undefined when there is none.
 */
export function checkGoYamlSyntax(input: Uint8Array | string): string | undefined {
  let bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  // go-yaml reads an empty input as a single line break.
  if (bytes.length === 0) bytes = new Uint8Array([0x0a]);
  const decoded = decode(bytes);
  const scanner = new Scanner(decoded);
  const parser = new Parser(scanner);
  parser.next(); // stream start
  if (parser.next().type === 'STREAM-END') return undefined;
  // Anchors are known from the node that defines them on (an alias inside it sees it).
  const anchors = new Set<string>();
  for (;;) {
    const e = parser.next();
    if (e.anchor !== undefined && e.type !== 'ALIAS') anchors.add(e.anchor);
    if (e.type === 'ALIAS' && !anchors.has(e.anchor!)) throw new GoYamlError(`yaml: unknown anchor '${e.anchor}' referenced`, 'composer');
    if (e.type === 'DOCUMENT-END') break;
  }
  // Continuation lines get indented past their block so that a YAML 1.2 parser reads them too.
  const cuts = [...scanner.continuations.keys()].filter((i) => i < parser.documentEnd).sort((a, b) => a - b);
  let text = '';
  let from = 0;
  for (const to of [...cuts, parser.documentEnd]) {
    for (let i = from; i < to; i += 4096) text += String.fromCodePoint(...decoded.chars.slice(i, Math.min(i + 4096, to)));
    if (to < parser.documentEnd) text += ' '.repeat(scanner.continuations.get(to)! + 1);
    from = to;
  }
  return text;
}

/** go-yaml's message for the first problem in `input`, or undefined when go-yaml reads it. */
export function goYamlSyntaxError(input: Uint8Array | string): string | undefined {
  try {
    checkGoYamlSyntax(input);
    return undefined;
  } catch (e) {
    if (e instanceof GoYamlError) return e.message;
    throw e;
  }
}
