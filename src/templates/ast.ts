/**
 * Parse tree of Go's text/template, with the node kinds of Go's `text/template/parse`.
 *
 * Every node records `pos`, its offset (UTF-16 index) in the source; errors turn
 * it into Go's `LINE:COL` (COL counted in UTF-8 bytes, 0-based, like Go).
 * `toString()` prints a node the way Go's `Node.String()` does, because
 * execution errors quote the failing node (`at <index .list 9>`).
 */
import type { GoValue } from './values.js';

export type Node =
  | TextNode
  | CommentNode
  | ActionNode
  | PipeNode
  | CommandNode
  | IdentifierNode
  | VariableNode
  | DotNode
  | NilNode
  | FieldNode
  | ChainNode
  | BoolNode
  | NumberNode
  | StringNode
  | ListNode
  | IfNode
  | RangeNode
  | WithNode
  | TemplateNode
  | BreakNode
  | ContinueNode;

/** Node kinds; numeric so the executor can switch on them cheaply. */
export enum NodeType {
  Text,
  Comment,
  Action,
  Pipe,
  Command,
  Identifier,
  Variable,
  Dot,
  Nil,
  Field,
  Chain,
  Bool,
  Number,
  String,
  List,
  If,
  Range,
  With,
  Template,
  Break,
  Continue,
}

/** The nodes that can start a command or be an argument. */
export type ArgNode = IdentifierNode | VariableNode | DotNode | NilNode | FieldNode | ChainNode | BoolNode | NumberNode | StringNode | PipeNode;

export interface TextNode {
  readonly type: NodeType.Text;
  pos: number;
  text: string;
}
export interface CommentNode {
  readonly type: NodeType.Comment;
  pos: number;
  text: string;
}
export interface ActionNode {
  readonly type: NodeType.Action;
  pos: number;
  line: number;
  pipe: PipeNode;
}
export interface PipeNode {
  readonly type: NodeType.Pipe;
  pos: number;
  line: number;
  /** `$x = ...` (assignment) rather than `$x := ...` (declaration). */
  isAssign: boolean;
  decl: VariableNode[];
  cmds: CommandNode[];
}
export interface CommandNode {
  readonly type: NodeType.Command;
  pos: number;
  args: ArgNode[];
}
/** A function name. */
export interface IdentifierNode {
  readonly type: NodeType.Identifier;
  pos: number;
  ident: string;
}
/** `$x`, `$x.a.b`, `$` (ident[0] is the variable name including `$`). */
export interface VariableNode {
  readonly type: NodeType.Variable;
  pos: number;
  ident: string[];
}
export interface DotNode {
  readonly type: NodeType.Dot;
  pos: number;
}
export interface NilNode {
  readonly type: NodeType.Nil;
  pos: number;
}
/** `.a.b.c` (ident holds `a`, `b`, `c`). */
export interface FieldNode {
  readonly type: NodeType.Field;
  pos: number;
  ident: string[];
}
/** `(pipeline).a.b` */
export interface ChainNode {
  readonly type: NodeType.Chain;
  pos: number;
  node: ArgNode;
  field: string[];
}
export interface BoolNode {
  readonly type: NodeType.Bool;
  pos: number;
  value: boolean;
}
/** A number constant with Go's "ideal constant" views of it. */
export interface NumberNode {
  readonly type: NodeType.Number;
  pos: number;
  /** Source text. */
  text: string;
  isInt: boolean;
  isUint: boolean;
  isFloat: boolean;
  isComplex: boolean;
  int64: bigint;
  uint64: bigint;
  float64: number;
  /** Complex value as [real, imaginary]. */
  complex: [number, number];
  /** The value the constant has when used as an untyped operand (computed by the parser), or the error text if it overflows int. */
  ideal: GoValue;
  idealError?: string;
}
export interface StringNode {
  readonly type: NodeType.String;
  pos: number;
  /** Source text with quotes. */
  quoted: string;
  text: string;
}
export interface ListNode {
  readonly type: NodeType.List;
  pos: number;
  nodes: Node[];
}
export interface BranchFields {
  pos: number;
  line: number;
  pipe: PipeNode;
  list: ListNode;
  elseList: ListNode | null;
}
export interface IfNode extends BranchFields {
  readonly type: NodeType.If;
}
export interface RangeNode extends BranchFields {
  readonly type: NodeType.Range;
}
export interface WithNode extends BranchFields {
  readonly type: NodeType.With;
}
/** `{{template "name" pipeline}}` (also the call part of `block`). */
export interface TemplateNode {
  readonly type: NodeType.Template;
  pos: number;
  line: number;
  name: string;
  pipe: PipeNode | null;
}
export interface BreakNode {
  readonly type: NodeType.Break;
  pos: number;
  line: number;
}
export interface ContinueNode {
  readonly type: NodeType.Continue;
  pos: number;
  line: number;
}

/** One parsed template (the main one or a `define`/`block`). */
export interface Tree {
  /** The template's name (`define` name for definitions). */
  name: string;
  /** The name of the source it was parsed from (Go's ParseName), used in error locations. */
  parseName: string;
  /** The whole source, to compute line and column of nodes. */
  source: string;
  root: ListNode;
}

/** Go's `%q` of a template name (names are short, JSON quoting matches for printable text). */
function quoteName(s: string): string {
  return JSON.stringify(s);
}

/** Formats a node as Go's Node.String() does. */
export function nodeToString(n: Node): string {
  switch (n.type) {
    case NodeType.Text:
      return n.text;
    case NodeType.Comment:
      return '{{' + n.text + '}}';
    case NodeType.Action:
      return '{{' + nodeToString(n.pipe) + '}}';
    case NodeType.Pipe: {
      let s = '';
      if (n.decl.length > 0) s = n.decl.map(nodeToString).join(', ') + ' := ';
      return s + n.cmds.map(nodeToString).join(' | ');
    }
    case NodeType.Command:
      return n.args.map((a) => (a.type === NodeType.Pipe ? '(' + nodeToString(a) + ')' : nodeToString(a))).join(' ');
    case NodeType.Identifier:
      return n.ident;
    case NodeType.Variable:
      return n.ident.join('.');
    case NodeType.Dot:
      return '.';
    case NodeType.Nil:
      return 'nil';
    case NodeType.Field:
      return '.' + n.ident.join('.');
    case NodeType.Chain: {
      const base = n.node.type === NodeType.Pipe ? '(' + nodeToString(n.node) + ')' : nodeToString(n.node);
      return base + '.' + n.field.join('.');
    }
    case NodeType.Bool:
      return n.value ? 'true' : 'false';
    case NodeType.Number:
      return n.text;
    case NodeType.String:
      return n.quoted;
    case NodeType.List:
      return n.nodes.map(nodeToString).join('');
    case NodeType.If:
    case NodeType.Range:
    case NodeType.With: {
      const word = n.type === NodeType.If ? 'if' : n.type === NodeType.Range ? 'range' : 'with';
      let s = '{{' + word + ' ' + nodeToString(n.pipe) + '}}' + nodeToString(n.list);
      if (n.elseList) s += '{{else}}' + nodeToString(n.elseList);
      return s + '{{end}}';
    }
    case NodeType.Template:
      return n.pipe ? `{{template ${quoteName(n.name)} ${nodeToString(n.pipe)}}}` : `{{template ${quoteName(n.name)}}}`;
    case NodeType.Break:
      return '{{break}}';
    case NodeType.Continue:
      return '{{continue}}';
  }
}

/** Go's parse.IsEmptyTree: only whitespace text and comments. */
export function isEmptyTree(n: Node): boolean {
  switch (n.type) {
    case NodeType.List:
      return n.nodes.every(isEmptyTree);
    case NodeType.Text:
      return /^[ \t\r\n]*$/.test(n.text);
    case NodeType.Comment:
      return true;
    default:
      return false;
  }
}

/** Line (1-based) and column (0-based, in UTF-8 bytes, as Go counts) of offset `pos` in `source`. */
export function lineCol(source: string, pos: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = source.indexOf('\n'); i !== -1 && i < pos; i = source.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, col: utf8Length(source.slice(lineStart, pos)) };
}

/** Length of a string in UTF-8 bytes. */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff)
      n += 1; // surrogate pair: 2 units, 4 bytes
    else if (c >= 0xdc00 && c <= 0xdfff) n += 1;
    else n += 2;
  }
  return n;
}
