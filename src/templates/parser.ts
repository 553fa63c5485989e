/**
 * Parser for Go's text/template, producing the node kinds of Go's
 * `text/template/parse` with Go's grammar and its parse-time checks:
 * undefined functions and variables, `break`/`continue` outside `range`,
 * `else`/`end` placement, duplicate definitions, number and string syntax.
 */
import { NodeType, isEmptyTree } from './ast.js';
import type { ArgNode, BranchFields, CommandNode, ListNode, Node, NumberNode, PipeNode, StringNode, TemplateNode, Tree, VariableNode } from './ast.js';
import { GoComplex } from './complex.js';
import { Tok, goQuote, lex, tokenString, type Token } from './lexer.js';
import { parseGoFloat, underscoreOK } from './strconv.js';
import { GoInt, type GoValue } from './values.js';

/** A parse failure: Go's message without the `template: NAME:LINE: ` prefix. */
export class ParseFailure extends Error {
  constructor(
    readonly detail: string,
    readonly line: number,
  ) {
    super(detail);
  }
}

/** Nesting bound for control structures and parentheses: deeper input is rejected instead of exhausting the JS stack. */
export const MAX_PARSE_DEPTH = 1000;

export interface ParseOptions {
  /** Whether a function of this name exists (user functions or builtins). */
  hasFunction(name: string): boolean;
}

/** End markers returned by itemList. */
interface EndMarker {
  kind: 'end' | 'else';
  pos: number;
  line: number;
}

/**
 * Parses `source` as template `name`. Returns the main tree and every tree it
 * defines (`define`, `block`), keyed by name.
 */
export function parseTemplate(name: string, source: string, opts: ParseOptions): Map<string, Tree> {
  const tokens = lex(source, { breakOK: !opts.hasFunction('break'), continueOK: !opts.hasFunction('continue') });
  const treeSet = new Map<string, Tree>();
  const p = new Parser(tokens, name, source, opts, treeSet);
  p.parseMain();
  return treeSet;
}

class Parser {
  i = 0;
  /** Index of the most recently read token (Go's t.token[0]), for error lines. */
  cur = 0;
  vars: string[] = ['$'];
  rangeDepth = 0;
  actionLine = 0;
  depth = 0;

  constructor(
    readonly tokens: Token[],
    readonly parseName: string,
    readonly source: string,
    readonly opts: ParseOptions,
    readonly treeSet: Map<string, Tree>,
  ) {}

  // --- token access -------------------------------------------------------

  next(): Token {
    // Past the end, keep returning the final EOF or Error token.
    const at = Math.min(this.i, this.tokens.length - 1);
    this.cur = at;
    this.i++;
    return this.tokens[at];
  }
  backup(n = 1): void {
    this.i -= n;
  }
  peek(): Token {
    return this.tokens[Math.min(this.i, this.tokens.length - 1)];
  }
  nextNonSpace(): Token {
    let t = this.next();
    while (t.type === Tok.Space) t = this.next();
    return t;
  }
  peekNonSpace(): Token {
    const t = this.nextNonSpace();
    this.backup();
    return t;
  }

  errorf(msg: string): never {
    throw new ParseFailure(msg, this.tokens[this.cur]?.line ?? 1);
  }
  unexpected(token: Token, context: string): never {
    if (token.type === Tok.Error) {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== token.line) {
        extra = ` in action started at ${this.parseName}:${this.actionLine}`;
        if (token.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.errorf(token.val + extra);
    }
    this.errorf(`unexpected ${tokenString(token)} in ${context}`);
  }
  expect(type: Tok, context: string): Token {
    const t = this.nextNonSpace();
    if (t.type !== type) this.unexpected(t, context);
    return t;
  }
  enter(): void {
    if (++this.depth > MAX_PARSE_DEPTH) this.errorf(`max expression depth exceeded (${MAX_PARSE_DEPTH})`);
  }

  // --- trees --------------------------------------------------------------

  parseMain(): void {
    const root = this.newList(this.peek().pos);
    while (this.peek().type !== Tok.EOF) {
      if (this.peek().type === Tok.LeftDelim) {
        const save = this.i;
        this.next();
        if (this.nextNonSpace().type === Tok.Define) {
          this.parseDefinition();
          continue;
        }
        this.i = save;
      }
      const n = this.textOrAction();
      if (isEndMarker(n)) this.errorf(`unexpected {{${n.kind}}}`);
      root.nodes.push(n);
    }
    this.add({ name: this.parseName, parseName: this.parseName, source: this.source, root });
  }

  /** Adds a tree to the set, rejecting a second non-empty definition of a name. */
  add(tree: Tree): void {
    const old = this.treeSet.get(tree.name);
    if (!old || isEmptyTree(old.root)) {
      this.treeSet.set(tree.name, tree);
      return;
    }
    if (!isEmptyTree(tree.root)) this.errorf(`template: multiple definition of template ${goQuote(tree.name)}`);
  }

  /** Runs `body` with a fresh variable scope and range depth, as Go's nested Tree does for define/block. */
  inNewTree<T>(body: () => T): T {
    const saved = { vars: this.vars, rangeDepth: this.rangeDepth };
    this.vars = ['$'];
    this.rangeDepth = 0;
    try {
      return body();
    } finally {
      this.vars = saved.vars;
      this.rangeDepth = saved.rangeDepth;
    }
  }

  parseDefinition(): void {
    const context = 'define clause';
    const nameTok = this.nextNonSpace();
    if (nameTok.type !== Tok.String && nameTok.type !== Tok.RawString) this.unexpected(nameTok, context);
    const name = this.unquote(nameTok.val);
    this.expect(Tok.RightDelim, context);
    this.inNewTree(() => {
      const [list, end] = this.itemList();
      if (end.kind !== 'end') this.errorf(`unexpected {{${end.kind}}} in ${context}`);
      this.add({ name, parseName: this.parseName, source: this.source, root: list });
    });
  }

  itemList(): [ListNode, EndMarker] {
    const list = this.newList(this.peekNonSpace().pos);
    while (this.peekNonSpace().type !== Tok.EOF) {
      const n = this.textOrAction();
      if (isEndMarker(n)) return [list, n];
      list.nodes.push(n);
    }
    this.errorf('unexpected EOF');
  }

  textOrAction(): Node | EndMarker {
    const token = this.nextNonSpace();
    switch (token.type) {
      case Tok.Text:
        return { type: NodeType.Text, pos: token.pos, text: token.val };
      case Tok.LeftDelim: {
        this.actionLine = token.line;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
      }
      case Tok.Comment:
        return { type: NodeType.Comment, pos: token.pos, text: token.val };
      default:
        this.unexpected(token, 'input');
    }
  }

  action(): Node | EndMarker {
    const token = this.nextNonSpace();
    switch (token.type) {
      case Tok.Block:
        return this.blockControl();
      case Tok.Break:
      case Tok.Continue: {
        const word = token.type === Tok.Break ? 'break' : 'continue';
        const t = this.nextNonSpace();
        if (t.type !== Tok.RightDelim) this.unexpected(t, `{{${word}}}`);
        if (this.rangeDepth === 0) this.errorf(`{{${word}}} outside {{range}}`);
        return { type: token.type === Tok.Break ? NodeType.Break : NodeType.Continue, pos: token.pos, line: token.line };
      }
      case Tok.Else:
        return this.elseControl();
      case Tok.End: {
        const t = this.expect(Tok.RightDelim, 'end');
        return { kind: 'end', pos: t.pos, line: t.line };
      }
      case Tok.If:
        return this.branch(NodeType.If, true, 'if');
      case Tok.Range:
        return this.branch(NodeType.Range, false, 'range');
      case Tok.Template:
        return this.templateControl();
      case Tok.With:
        return this.branch(NodeType.With, false, 'with');
    }
    this.backup();
    const t = this.peek();
    // Variables declared here live until the enclosing {{end}}.
    return { type: NodeType.Action, pos: t.pos, line: t.line, pipe: this.pipeline('command', Tok.RightDelim) };
  }

  elseControl(): EndMarker {
    const peek = this.peekNonSpace();
    // "else if": leave the "if" pending; the if-branch parser treats it as a nested if.
    if (peek.type === Tok.If) return { kind: 'else', pos: peek.pos, line: peek.line };
    const t = this.expect(Tok.RightDelim, 'else');
    return { kind: 'else', pos: t.pos, line: t.line };
  }

  branch(type: NodeType.If | NodeType.Range | NodeType.With, allowElseIf: boolean, context: string): Node {
    this.enter();
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(context, Tok.RightDelim);
      if (type === NodeType.Range) this.rangeDepth++;
      const [list, end] = this.itemList();
      let next = end;
      if (type === NodeType.Range) this.rangeDepth--;
      let elseList: ListNode | null = null;
      if (next.kind === 'else') {
        if (allowElseIf && this.peek().type === Tok.If) {
          // {{if a}}x{{else if b}}y{{end}} is {{if a}}x{{else}}{{if b}}y{{end}}{{end}}: one {{end}} closes both.
          this.next();
          elseList = this.newList(next.pos);
          elseList.nodes.push(this.branch(NodeType.If, true, 'if'));
        } else {
          [elseList, next] = this.itemList();
          if (next.kind !== 'end') this.errorf(`expected end; found {{${next.kind}}}`);
        }
      }
      const fields: BranchFields = { pos: pipe.pos, line: pipe.line, pipe, list, elseList };
      return { type, ...fields } as Node;
    } finally {
      this.vars.length = mark;
      this.depth--;
    }
  }

  blockControl(): Node {
    const context = 'block clause';
    const token = this.nextNonSpace();
    const name = this.templateName(token, context);
    const pipe = this.pipeline(context, Tok.RightDelim);
    this.inNewTree(() => {
      const [list, end] = this.itemList();
      if (end.kind !== 'end') this.errorf(`unexpected {{${end.kind}}} in ${context}`);
      this.add({ name, parseName: this.parseName, source: this.source, root: list });
    });
    return { type: NodeType.Template, pos: token.pos, line: token.line, name, pipe } satisfies TemplateNode;
  }

  templateControl(): Node {
    const context = 'template clause';
    const token = this.nextNonSpace();
    const name = this.templateName(token, context);
    let pipe: PipeNode | null = null;
    if (this.nextNonSpace().type !== Tok.RightDelim) {
      this.backup();
      pipe = this.pipeline(context, Tok.RightDelim);
    }
    return { type: NodeType.Template, pos: token.pos, line: token.line, name, pipe } satisfies TemplateNode;
  }

  templateName(token: Token, context: string): string {
    if (token.type === Tok.String || token.type === Tok.RawString) return this.unquote(token.val);
    this.unexpected(token, context);
  }

  // --- pipelines ----------------------------------------------------------

  pipeline(context: string, end: Tok): PipeNode {
    const start = this.peekNonSpace();
    const pipe: PipeNode = { type: NodeType.Pipe, pos: start.pos, line: start.line, isAssign: false, decl: [], cmds: [] };
    // Declarations or assignments: "$x :=", "$x =", "$i, $v :=".
    for (;;) {
      const v = this.peekNonSpace();
      if (v.type !== Tok.Variable) break;
      const save = this.i;
      this.nextNonSpace();
      const next = this.peekNonSpace();
      if (next.type === Tok.Assign || next.type === Tok.Declare) {
        pipe.isAssign = next.type === Tok.Assign;
        this.nextNonSpace();
        pipe.decl.push(this.newVariable(v.pos, v.val));
        this.vars.push(v.val);
        break;
      }
      if (next.type === Tok.Char && next.val === ',') {
        this.nextNonSpace();
        pipe.decl.push(this.newVariable(v.pos, v.val));
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const t = this.peekNonSpace().type;
          if (t === Tok.Variable || t === Tok.RightDelim || t === Tok.RightParen) continue;
          this.errorf('range can only initialize variables');
        }
        this.errorf(`too many declarations in ${context}`);
      }
      // "$x" is an operand, not a declaration.
      this.i = save;
      break;
    }
    for (;;) {
      const token = this.nextNonSpace();
      if (token.type === end) {
        this.checkPipeline(pipe, context);
        return pipe;
      }
      switch (token.type) {
        case Tok.Bool:
        case Tok.CharConstant:
        case Tok.Complex:
        case Tok.Dot:
        case Tok.Field:
        case Tok.Identifier:
        case Tok.Number:
        case Tok.Nil:
        case Tok.RawString:
        case Tok.String:
        case Tok.Variable:
        case Tok.LeftParen:
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(token, context);
      }
    }
  }

  checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    for (let i = 1; i < pipe.cmds.length; i++) {
      switch (pipe.cmds[i].args[0].type) {
        case NodeType.Bool:
        case NodeType.Dot:
        case NodeType.Nil:
        case NodeType.Number:
        case NodeType.String:
          this.errorf(`non executable command in pipeline stage ${i + 1}`);
      }
    }
  }

  command(): CommandNode {
    const cmd: CommandNode = { type: NodeType.Command, pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const token = this.next();
      if (token.type === Tok.Space) continue;
      if (token.type === Tok.RightDelim || token.type === Tok.RightParen) this.backup();
      else if (token.type !== Tok.Pipe) this.unexpected(token, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  operand(): ArgNode | null {
    let node = this.term();
    if (!node) return null;
    if (this.peek().type === Tok.Field) {
      const chainPos = this.peek().pos;
      const fields: string[] = [];
      while (this.peek().type === Tok.Field) fields.push(this.next().val.slice(1));
      // Like Go, fold fields onto a field or variable node; the node then takes the chain's position.
      switch (node.type) {
        case NodeType.Field:
          node = { type: NodeType.Field, pos: chainPos, ident: [...node.ident, ...fields] };
          break;
        case NodeType.Variable:
          node = { type: NodeType.Variable, pos: chainPos, ident: [...node.ident, ...fields] };
          break;
        case NodeType.Bool:
        case NodeType.String:
        case NodeType.Number:
        case NodeType.Nil:
        case NodeType.Dot:
          this.errorf(`unexpected . after term ${goQuote(nodeText(node))}`);
        // eslint-disable-next-line no-fallthrough
        default:
          node = { type: NodeType.Chain, pos: chainPos, node, field: fields };
      }
    }
    return node;
  }

  term(): ArgNode | null {
    const token = this.nextNonSpace();
    switch (token.type) {
      case Tok.Identifier:
        if (!this.opts.hasFunction(token.val)) this.errorf(`function ${goQuote(token.val)} not defined`);
        return { type: NodeType.Identifier, pos: token.pos, ident: token.val };
      case Tok.Dot:
        return { type: NodeType.Dot, pos: token.pos };
      case Tok.Nil:
        return { type: NodeType.Nil, pos: token.pos };
      case Tok.Variable:
        return this.useVar(token.pos, token.val);
      case Tok.Field:
        return { type: NodeType.Field, pos: token.pos, ident: token.val.slice(1).split('.') };
      case Tok.Bool:
        return { type: NodeType.Bool, pos: token.pos, value: token.val === 'true' };
      case Tok.CharConstant:
      case Tok.Complex:
      case Tok.Number:
        return this.newNumber(token);
      case Tok.LeftParen: {
        this.enter();
        try {
          return this.pipeline('parenthesized pipeline', Tok.RightParen);
        } finally {
          this.depth--;
        }
      }
      case Tok.String:
      case Tok.RawString:
        return { type: NodeType.String, pos: token.pos, quoted: token.val, text: this.unquote(token.val) } satisfies StringNode;
    }
    this.backup();
    return null;
  }

  useVar(pos: number, name: string): VariableNode {
    const v = this.newVariable(pos, name);
    if (!this.vars.includes(v.ident[0])) this.errorf(`undefined variable ${goQuote(v.ident[0])}`);
    return v;
  }

  newVariable(pos: number, name: string): VariableNode {
    return { type: NodeType.Variable, pos, ident: name.split('.') };
  }

  newList(pos: number): ListNode {
    return { type: NodeType.List, pos, nodes: [] };
  }

  unquote(quoted: string): string {
    const s = unquoteString(quoted);
    if (s === null) this.errorf('invalid syntax');
    return s;
  }

  newNumber(token: Token): NumberNode {
    const n = parseNumber(token.val, token.type);
    if (typeof n === 'string') this.errorf(n);
    n.pos = token.pos;
    return n;
  }
}

function isEndMarker(n: Node | EndMarker): n is EndMarker {
  return 'kind' in n;
}

function nodeText(n: ArgNode): string {
  switch (n.type) {
    case NodeType.Bool:
      return String(n.value);
    case NodeType.String:
      return n.quoted;
    case NodeType.Number:
      return n.text;
    case NodeType.Nil:
      return 'nil';
    default:
      return '.';
  }
}

// ---------------------------------------------------------------------------
// Numbers (Go's NumberNode rules: strconv.ParseInt/ParseUint/ParseFloat with base 0)

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;

/** strconv.ParseUint(s, 0, 64) (no sign allowed); null on error. */
function parseUint0(s: string): bigint | null {
  if (s === '') return null;
  let base = 10n;
  let digits = s;
  if (s[0] === '0') {
    if (s.length >= 3 && (s[1] === 'x' || s[1] === 'X')) [base, digits] = [16n, s.slice(2)];
    else if (s.length >= 3 && (s[1] === 'o' || s[1] === 'O')) [base, digits] = [8n, s.slice(2)];
    else if (s.length >= 3 && (s[1] === 'b' || s[1] === 'B')) [base, digits] = [2n, s.slice(2)];
    else [base, digits] = [8n, s.slice(1)];
  }
  let n = 0n;
  let sawUnderscore = false;
  for (const c of digits) {
    if (c === '_') {
      sawUnderscore = true;
      continue;
    }
    const d = parseInt(c, 36);
    if (Number.isNaN(d) || BigInt(d) >= base) return null;
    n = n * base + BigInt(d);
    if (n > UINT64_MAX) return null;
  }
  if (sawUnderscore && !underscoreOK(s)) return null;
  return n;
}

/** strconv.ParseInt(s, 0, 64); null on error. */
function parseInt0(s: string): bigint | null {
  let neg = false;
  let body = s;
  if (s[0] === '+' || s[0] === '-') {
    neg = s[0] === '-';
    body = s.slice(1);
  }
  const u = parseUint0(body);
  if (u === null) return null;
  const v = neg ? -u : u;
  if (v < INT64_MIN || v > INT64_MAX) return null;
  return v;
}

/** Builds a NumberNode from a number, character or complex token; returns Go's error text on failure. */
export function parseNumber(text: string, type: Tok): NumberNode | string {
  const n: NumberNode = {
    type: NodeType.Number,
    pos: 0,
    text,
    isInt: false,
    isUint: false,
    isFloat: false,
    isComplex: false,
    int64: 0n,
    uint64: 0n,
    float64: 0,
    complex: [0, 0],
    ideal: undefined,
  };
  if (type === Tok.CharConstant) {
    const r = unquoteChar(text);
    if (typeof r === 'string') return r;
    n.int64 = BigInt(r);
    n.uint64 = BigInt(r);
    n.float64 = r;
    n.isInt = n.isUint = n.isFloat = true;
  } else if (type === Tok.Complex) {
    const m = /^(.*?[^eEpP])([+-].*)i$/.exec(text);
    const re = m ? (parseGoFloat(m[1]) ?? null) : null;
    const im = m ? (parseGoFloat(m[2]) ?? null) : null;
    if (re === null || im === null) return `illegal number syntax: ${goQuote(text)}`;
    n.isComplex = true;
    n.complex = [re, im];
    simplifyComplex(n);
  } else if (text.endsWith('i') && parseGoFloat(text.slice(0, -1)) !== undefined) {
    n.isComplex = true;
    n.complex = [0, parseGoFloat(text.slice(0, -1))!];
    simplifyComplex(n);
  } else {
    const u = parseUint0(text);
    if (u !== null) {
      n.isUint = true;
      n.uint64 = u;
    }
    const i = parseInt0(text);
    if (i !== null) {
      n.isInt = true;
      n.int64 = i;
      if (i === 0n) {
        n.isUint = true;
        n.uint64 = 0n;
      }
    }
    if (n.isInt) {
      n.isFloat = true;
      n.float64 = Number(n.int64);
    } else if (n.isUint) {
      n.isFloat = true;
      n.float64 = Number(n.uint64);
    } else {
      const f = parseGoFloat(text) ?? null;
      if (f !== null) {
        if (!/[.eEpP]/.test(text)) return `integer overflow: ${goQuote(text)}`;
        n.isFloat = true;
        n.float64 = f;
        if (Number.isInteger(f) && f >= -(2 ** 63) && f < 2 ** 63) {
          n.isInt = true;
          n.int64 = BigInt(f);
        }
        if (Number.isInteger(f) && f >= 0 && f < 2 ** 64) {
          n.isUint = true;
          n.uint64 = BigInt(f);
        }
      }
    }
    if (!n.isInt && !n.isUint && !n.isFloat) return `illegal number syntax: ${goQuote(text)}`;
  }
  setIdeal(n);
  return n;
}

function simplifyComplex(n: NumberNode): void {
  n.isFloat = n.complex[1] === 0;
  if (n.isFloat) {
    const f = n.complex[0];
    n.float64 = f;
    n.isInt = Number.isInteger(f) && f >= -(2 ** 63) && f < 2 ** 63;
    if (n.isInt) n.int64 = BigInt(f);
    n.isUint = Number.isInteger(f) && f >= 0 && f < 2 ** 64;
    if (n.isUint) n.uint64 = BigInt(f);
  }
}

/** The value of a constant used as an untyped operand (Go's idealConstant). */
function setIdeal(n: NumberNode): void {
  const t = n.text;
  const hexInt = t.length > 2 && t[0] === '0' && (t[1] === 'x' || t[1] === 'X') && !/[pP]/.test(t);
  const runeInt = t[0] === "'";
  let v: GoValue;
  if (n.isComplex) v = new GoComplex(n.complex[0], n.complex[1]);
  else if (n.isFloat && !hexInt && !runeInt && /[.eEpP]/.test(t)) v = n.float64;
  else if (n.isInt) v = new GoInt(n.int64, 'int');
  else if (n.isUint) n.idealError = `${t} overflows int`;
  n.ideal = v;
}

// ---------------------------------------------------------------------------
// Quoted strings (strconv.Unquote / UnquoteChar)

const utf8Decoder = new TextDecoder('utf-8', { fatal: false });
const utf8Encoder = new TextEncoder();

/**
 * Reads one escape or character of a quoted literal at `s[i]`.
 * Returns [value, nextIndex, isByte] or null on a syntax error.
 */
function readChar(s: string, i: number, quote: string): [number, number, boolean] | null {
  const c = s.codePointAt(i)!;
  const ch = String.fromCodePoint(c);
  if (ch === quote && (quote === "'" || quote === '"')) return null;
  if (ch !== '\\') return [c, i + ch.length, false];
  const e = s[i + 1];
  switch (e) {
    case 'a':
      return [7, i + 2, false];
    case 'b':
      return [8, i + 2, false];
    case 'f':
      return [12, i + 2, false];
    case 'n':
      return [10, i + 2, false];
    case 'r':
      return [13, i + 2, false];
    case 't':
      return [9, i + 2, false];
    case 'v':
      return [11, i + 2, false];
    case '\\':
      return [92, i + 2, false];
    case "'":
    case '"':
      return e === quote ? [e.charCodeAt(0), i + 2, false] : null;
    case 'x':
    case 'u':
    case 'U': {
      const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = s.slice(i + 2, i + 2 + len);
      if (hex.length !== len || !/^[0-9a-fA-F]+$/.test(hex)) return null;
      const v = parseInt(hex, 16);
      if (e === 'x') return [v, i + 2 + len, quote !== "'"];
      if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return null;
      return [v, i + 2 + len, false];
    }
    default:
      if (e >= '0' && e <= '7') {
        const oct = s.slice(i + 1, i + 4);
        if (!/^[0-7]{3}$/.test(oct)) return null;
        const v = parseInt(oct, 8);
        if (v > 255) return null;
        return [v, i + 4, quote !== "'"];
      }
      return null;
  }
}

/** strconv.Unquote for "..." and `...` literals; null on a syntax error. */
export function unquoteString(q: string): string | null {
  if (q.length < 2) return null;
  if (q[0] === '`') {
    if (q[q.length - 1] !== '`') return null;
    return q.slice(1, -1).replace(/\r/g, '');
  }
  if (q[0] !== '"' || q[q.length - 1] !== '"') return null;
  const body = q.slice(1, -1);
  if (!body.includes('\\')) return body.includes('"') ? null : body;
  // Escapes like \xff make raw bytes: collect UTF-8 bytes, then decode.
  const bytes: number[] = [];
  for (let i = 0; i < body.length;) {
    const r = readChar(body, i, '"');
    if (!r) return null;
    const [v, next, isByte] = r;
    if (isByte) bytes.push(v);
    else for (const b of utf8Encoder.encode(String.fromCodePoint(v))) bytes.push(b);
    i = next;
  }
  return utf8Decoder.decode(new Uint8Array(bytes));
}

/** The rune of a character constant like 'a' or '\n'; Go's error text on failure. */
function unquoteChar(text: string): number | string {
  if (text.length < 2) return 'invalid syntax';
  const r = readChar(text, 1, "'");
  if (!r) return 'invalid syntax';
  if (text.slice(r[1]) !== "'") return `malformed character constant: ${text}`;
  return r[0];
}
