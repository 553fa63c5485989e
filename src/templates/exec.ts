/**
 * Executes parse trees the way Go's text/template does (exec.go): dot and
 * variable scoping, field chains with the missingkey option, argument
 * evaluation and conversion to a function's declared parameter types,
 * short-circuit and/or, range/if/with/template, Go's error messages, plus
 * limits on output size, template depth and range iterations.
 *
 * The walker is a plain switch over node kinds with no per-node closures;
 * break/continue travel as return codes instead of exceptions.
 */
import { NodeType, lineCol, nodeToString } from './ast.js';
import type {
  ArgNode,
  ChainNode,
  CommandNode,
  FieldNode,
  IdentifierNode,
  IfNode,
  ListNode,
  Node,
  PipeNode,
  RangeNode,
  TemplateNode,
  Tree,
  VariableNode,
  WithNode,
} from './ast.js';
import { RAW, SHORT_CIRCUIT, builtinDefs, isMap, truth, zeroValue } from './builtins.js';
import { GoComplex } from './complex.js';
import { formatValue, sortedKeys } from './fmt.js';
import { goQuote } from './lexer.js';
import { timeField } from './sprig/gotime.js';
import { GoFunc, GoInt, GoStruct, GoTime, NO_FIELD, goTypeName, mapElemType, type FuncDef, type GoValue, type IntKind, type ParamType } from './values.js';

/** A template failure; `message` is Go's text (`template: NAME:LINE:COL: executing ...`). */
export class TemplateError extends Error {
  constructor(
    message: string,
    readonly phase: 'parse' | 'exec',
    readonly templateName: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** A resource limit was hit; passes through function calls unwrapped. */
export class TemplateLimitError extends TemplateError {}

export type MissingKey = 'default' | 'zero' | 'error';

export interface ExecLimits {
  maxOutputBytes: number;
  maxDepth: number;
  maxRangeIterations: number;
}

/** What the executor needs from the template set. */
export interface ExecContext {
  lookup(name: string): Tree | undefined;
  /** User functions merged over the builtins. */
  funcs: Record<string, FuncDef>;
  missingKey: MissingKey;
  limits: ExecLimits;
}

const MISSING: unique symbol = Symbol('no final value');
type Final = GoValue | typeof MISSING;

const BREAK = 1;
const CONTINUE = 2;

/** Stand-in argument list of length one: "a field with no arguments". */
const NO_ARGS: ArgNode[] = [{ type: NodeType.Dot, pos: 0 }];
const EMPTY_ARGS: ArgNode[] = [];

const enum Missing {
  Default,
  Zero,
  Error,
}

const INT_BITS: Record<string, number> = {
  int: 64,
  int8: 8,
  int16: 16,
  int32: 32,
  int64: 64,
  uint: 64,
  uint8: 8,
  uint16: 16,
  uint32: 32,
  uint64: 64,
  uintptr: 64,
};

export class Executor {
  private out = '';
  private names: string[] = [];
  private values: GoValue[] = [];
  /** Number of live variables; variables below `base` belong to calling templates and are invisible. */
  private top = 0;
  private base = 0;
  /** Current nesting of lists (template, if, with and range bodies) and pipelines: every recursion of the executor passes through one. */
  private depth = 0;
  private readonly maxDepth: number;
  private rangeBudget: number;
  private tree: Tree;
  /** The node being evaluated, as Go's state.at() tracks it; some Go errors point here rather than at the failing expression. */
  private at: Node;
  private readonly missing: Missing;
  private readonly maxOut: number;

  constructor(
    private readonly ctx: ExecContext,
    tree: Tree,
  ) {
    this.tree = tree;
    this.at = tree.root;
    this.missing = ctx.missingKey === 'error' ? Missing.Error : ctx.missingKey === 'zero' ? Missing.Zero : Missing.Default;
    this.maxOut = ctx.limits.maxOutputBytes;
    this.maxDepth = ctx.limits.maxDepth;
    this.rangeBudget = ctx.limits.maxRangeIterations;
  }

  run(data: GoValue): string {
    const dot = data === null ? undefined : data;
    this.push('$', dot);
    this.walk(dot, this.tree.root);
    return this.out;
  }

  // --- errors -------------------------------------------------------------

  fail(node: { pos: number }, msg: string, limit = false): never {
    const { line, col } = lineCol(this.tree.source, node.pos);
    const ctx = nodeToString(node as Node);
    throw new (limit ? TemplateLimitError : TemplateError)(
      `template: ${this.tree.parseName}:${line}:${col}: executing ${goQuote(this.tree.name)} at <${ctx}>: ${msg}`,
      'exec',
      this.tree.parseName,
      line,
    );
  }

  // --- variables ----------------------------------------------------------

  private push(name: string, value: GoValue): void {
    this.names[this.top] = name;
    this.values[this.top] = value;
    this.top++;
  }

  private varValue(node: VariableNode, name: string): GoValue {
    for (let i = this.top - 1; i >= this.base; i--) if (this.names[i] === name) return this.values[i];
    this.fail(node, `undefined variable: ${name}`);
  }

  private setVar(node: VariableNode, value: GoValue): void {
    const name = node.ident[0];
    for (let i = this.top - 1; i >= this.base; i--) {
      if (this.names[i] === name) {
        this.values[i] = value;
        return;
      }
    }
    this.fail(node, `undefined variable: ${name}`);
  }

  // --- output -------------------------------------------------------------

  private write(s: string, node: Node): void {
    this.out += s;
    if (this.out.length > this.maxOut) {
      const { line, col } = lineCol(this.tree.source, node.pos);
      const where = `${this.tree.parseName}:${line}:${col}`;
      throw new TemplateLimitError(
        `template: ${where}: executing ${goQuote(this.tree.name)}: output exceeds the limit of ${this.maxOut} bytes`,
        'exec',
        this.tree.parseName,
        line,
      );
    }
  }

  // --- statements ---------------------------------------------------------

  private walk(dot: GoValue, node: Node): number {
    switch (node.type) {
      case NodeType.Text:
        this.write(node.text, node);
        return 0;
      case NodeType.Action: {
        const v = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, v);
        return 0;
      }
      case NodeType.List:
        return this.walkList(dot, node);
      case NodeType.If:
      case NodeType.With:
        return this.walkIfOrWith(dot, node);
      case NodeType.Range:
        return this.walkRange(dot, node);
      case NodeType.Template:
        this.walkTemplate(dot, node);
        return 0;
      case NodeType.Break:
        return BREAK;
      case NodeType.Continue:
        return CONTINUE;
      case NodeType.Comment:
        return 0;
      default:
        this.fail(node, `unknown node: ${nodeToString(node)}`);
    }
  }

  private walkList(dot: GoValue, list: ListNode): number {
    if (++this.depth > this.maxDepth) this.tooDeep(list);
    const nodes = list.nodes;
    for (let i = 0; i < nodes.length; i++) {
      const r = this.walk(dot, nodes[i]);
      if (r !== 0) {
        this.depth--;
        return r;
      }
    }
    this.depth--;
    return 0;
  }

  /** Go stops template recursion at depth 100000; we bound all nesting so the JS stack cannot run out. */
  private tooDeep(node: Node): never {
    this.fail(node, `exceeded maximum template depth (${this.maxDepth})`, true);
  }

  private printValue(node: Node, v: GoValue): void {
    if (typeof v === 'string') return this.write(v, node);
    if (v === undefined || v === null) return this.write('<no value>', node);
    if (v instanceof GoFunc) this.fail(node, `can't print ${nodeToString(node)} of type ${goTypeName(v)}`);
    this.write(formatValue(v), node);
  }

  private walkIfOrWith(dot: GoValue, node: IfNode | WithNode): number {
    const mark = this.top;
    const val = this.evalPipeline(dot, node.pipe);
    let r = 0;
    if (truth(val)) r = this.walkList(node.type === NodeType.With ? val : dot, node.list);
    else if (node.elseList) r = this.walkList(dot, node.elseList);
    this.top = mark;
    return r;
  }

  private walkRange(dot: GoValue, node: RangeNode): number {
    const mark = this.top;
    const val = this.evalPipeline(dot, node.pipe);
    const nDecl = node.pipe.decl.length;
    let ran = false;
    if (Array.isArray(val)) {
      for (let i = 0; i < val.length; i++) {
        ran = true;
        if (this.oneIteration(node, nDecl, new GoInt(BigInt(i), 'int'), val[i]) === BREAK) break;
      }
    } else if (isMap(val)) {
      for (const key of sortedKeys(val)) {
        ran = true;
        if (this.oneIteration(node, nDecl, key, val[key]) === BREAK) break;
      }
    } else if (val !== undefined && val !== null) {
      this.fail(this.at, `range can't iterate over ${formatValue(val)}`);
    }
    if (!ran && node.elseList) this.walkList(dot, node.elseList);
    this.top = mark;
    return 0;
  }

  private oneIteration(node: RangeNode, nDecl: number, index: GoValue, elem: GoValue): number {
    if (--this.rangeBudget < 0) this.fail(node.pipe, `range iterations exceed the limit of ${this.ctx.limits.maxRangeIterations}`, true);
    // The last declared variable gets the element, the one before it the index.
    if (nDecl > 0) this.values[this.top - 1] = elem;
    if (nDecl > 1) this.values[this.top - 2] = index;
    const mark = this.top;
    const r = this.walkList(elem, node.list);
    this.top = mark;
    return r;
  }

  private walkTemplate(dot: GoValue, node: TemplateNode): void {
    const tree = this.ctx.lookup(node.name);
    if (!tree) this.fail(node, `template ${goQuote(node.name)} not defined`);
    if (this.depth >= this.maxDepth) this.tooDeep(node);
    const newDot = node.pipe ? this.evalPipeline(dot, node.pipe) : undefined;
    const saved = { tree: this.tree, base: this.base, top: this.top };
    // No dynamic scoping: the called template sees only its own `$`.
    this.base = this.top;
    this.push('$', newDot);
    this.tree = tree;
    this.walkList(newDot, tree.root);
    this.tree = saved.tree;
    this.base = saved.base;
    this.top = saved.top;
  }

  // --- expressions --------------------------------------------------------

  private evalPipeline(dot: GoValue, pipe: PipeNode): GoValue {
    if (++this.depth > this.maxDepth) this.tooDeep(pipe);
    let value: Final = MISSING;
    const cmds = pipe.cmds;
    for (let i = 0; i < cmds.length; i++) {
      value = this.evalCommand(dot, cmds[i], value);
      // A nil interface{} result becomes Go's invalid value.
      if (value === null) value = undefined;
    }
    const v = value as GoValue;
    const decl = pipe.decl;
    for (let i = 0; i < decl.length; i++) {
      if (pipe.isAssign) this.setVar(decl[i], v);
      else this.push(decl[i].ident[0], v);
    }
    this.depth--;
    return v;
  }

  private evalCommand(dot: GoValue, cmd: CommandNode, final: Final): GoValue {
    const first = cmd.args[0];
    this.at = first;
    switch (first.type) {
      case NodeType.Field:
        return this.evalFieldChain(dot, dot, first, first.ident, 0, cmd.args, final);
      case NodeType.Chain:
        return this.evalChainNode(dot, first, cmd.args, final);
      case NodeType.Identifier:
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case NodeType.Pipe:
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case NodeType.Variable:
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case NodeType.Bool:
        return first.value;
      case NodeType.Dot:
        return dot;
      case NodeType.Nil:
        this.fail(first, 'nil is not a command');
      // eslint-disable-next-line no-fallthrough
      case NodeType.Number:
        if (first.idealError) this.fail(first, first.idealError);
        return first.ideal;
      case NodeType.String:
        return first.text;
    }
  }

  private notAFunction(args: ArgNode[], final: Final): void {
    if (args.length > 1 || final !== MISSING) this.fail(args[0], `can't give argument to non-function ${nodeToString(args[0])}`);
  }

  private evalChainNode(dot: GoValue, chain: ChainNode, args: ArgNode[], final: Final): GoValue {
    if (chain.node.type === NodeType.Nil) this.fail(chain, `indirection through explicit nil in ${nodeToString(chain)}`);
    const receiver = this.evalArg(dot, 'interface {}', chain.node, false);
    return this.evalFieldChain(dot, receiver, chain, chain.field, 0, args, final);
  }

  private evalVariableNode(dot: GoValue, v: VariableNode, args: ArgNode[], final: Final): GoValue {
    this.at = v;
    const value = this.varValue(v, v.ident[0]);
    if (v.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.ident, 1, args, final);
  }

  private evalFieldChain(
    dot: GoValue,
    receiver: GoValue,
    node: FieldNode | ChainNode | VariableNode,
    ident: string[],
    from: number,
    args: ArgNode[],
    final: Final,
  ): GoValue {
    const n = ident.length;
    const errNode = node.type === NodeType.Chain ? this.at : node;
    for (let i = from; i < n - 1; i++) receiver = this.evalField(dot, ident[i], errNode, NO_ARGS, MISSING, receiver, i > from);
    return this.evalField(dot, ident[n - 1], errNode, args, final, receiver, n - 1 > from);
  }

  /** `fromMap`: the receiver was looked up in a map, so Go sees it as an interface{} (error messages only). */
  private evalField(dot: GoValue, name: string, node: Node, args: ArgNode[], final: Final, receiver: GoValue, fromMap: boolean): GoValue {
    if (receiver === undefined) {
      if (this.missing === Missing.Error) this.fail(node, `nil data; no entry for key ${goQuote(name)}`);
      return undefined;
    }
    if (receiver === null) this.fail(node, `nil pointer evaluating interface {}.${name}`);
    const hasArgs = args.length > 1 || final !== MISSING;
    if (isMap(receiver)) {
      if (hasArgs) this.fail(node, `${name} is not a method but has arguments`);
      if (Object.hasOwn(receiver, name)) {
        const v = receiver[name];
        if (v !== undefined) return v;
      }
      if (this.missing === Missing.Default) return undefined;
      if (this.missing === Missing.Zero) return zeroValue(mapElemType(receiver));
      this.fail(node, `map has no entry for key ${goQuote(name)}`);
    }
    const v = receiver instanceof GoStruct ? receiver.field(name) : receiver instanceof GoTime ? timeField(receiver, name) : NO_FIELD;
    if (v !== NO_FIELD) {
      // Struct "fields" that are functions are methods: call them with the command's arguments.
      if (v instanceof GoFunc) return this.evalCall(dot, v.def, node, node, name, args, final);
      if (hasArgs) this.fail(node, `${name} is not a method but has arguments`);
      return v;
    }
    this.fail(node, `can't evaluate field ${name} in type ${fromMap ? 'interface {}' : goTypeName(receiver)}`);
  }

  private evalFunction(dot: GoValue, ident: IdentifierNode, cmd: Node, args: ArgNode[] | null, final: Final): GoValue {
    this.at = ident;
    const name = ident.ident;
    const def = this.ctx.funcs[name];
    if (def === undefined) this.fail(ident, `${goQuote(name)} is not a defined function`);
    return this.evalCall(dot, def, ident, cmd, name, args, final);
  }

  /** Calls a function: checks the argument count, evaluates and converts the arguments, wraps its failure. */
  private evalCall(dot: GoValue, def: FuncDef, ident: Node, cmd: Node, name: string, args: ArgNode[] | null, final: Final): GoValue {
    const argc = args ? args.length - 1 : 0;
    const numIn = argc + (final !== MISSING ? 1 : 0);
    const params = def.params;
    const fixed = params.length;
    const variadic = def.variadic;
    if (variadic !== undefined) {
      if (numIn < fixed) this.fail(ident, `wrong number of args for ${name}: want at least ${fixed} got ${numIn}`);
    } else if (numIn !== fixed) this.fail(ident, `wrong number of args for ${name}: want ${fixed} got ${numIn}`);

    const isBuiltin = builtinDefs.has(def);
    if (isBuiltin && SHORT_CIRCUIT.has(name)) {
      // and/or stop at the first operand that decides the result, and return it.
      const isOr = name === 'or';
      let v: GoValue = undefined;
      for (let i = 1; i <= argc; i++) {
        v = this.evalArg(dot, RAW, args![i], true);
        if (truth(v) === isOr) return v;
      }
      if (final !== MISSING) v = final;
      return v;
    }

    const argv: GoValue[] = new Array(numIn);
    let i = 0;
    for (; i < fixed && i < argc; i++) argv[i] = this.evalArg(dot, params[i], args![i + 1], true);
    if (variadic !== undefined) for (; i < argc; i++) argv[i] = this.evalArg(dot, variadic, args![i + 1], true);
    if (final !== MISSING) argv[i] = this.validateType(final, i < fixed ? params[i] : variadic!);

    try {
      return def.fn(...argv);
    } catch (e) {
      if (e instanceof TemplateLimitError) throw e;
      this.fail(cmd, `error calling ${name}: ${errorText(e)}`);
    }
  }

  /** Evaluates an argument for a parameter of type `type` (Go's evalArg). */
  private evalArg(dot: GoValue, type: ParamType, n: ArgNode, validate: boolean): GoValue {
    this.at = n;
    switch (n.type) {
      case NodeType.Dot:
        return validate ? this.validateType(dot, type) : dot;
      case NodeType.Nil:
        if (canBeNil(type)) return null;
        this.fail(n, `cannot assign nil to ${type}`);
      // eslint-disable-next-line no-fallthrough
      case NodeType.Field: {
        const v = this.evalFieldChain(dot, dot, n, n.ident, 0, NO_ARGS, MISSING);
        return validate ? this.validateType(v, type) : v;
      }
      case NodeType.Variable: {
        const v = this.evalVariableNode(dot, n, EMPTY_ARGS, MISSING);
        return validate ? this.validateType(v, type) : v;
      }
      case NodeType.Pipe: {
        const v = this.evalPipeline(dot, n);
        return validate ? this.validateType(v, type) : v;
      }
      case NodeType.Identifier: {
        const v = this.evalFunction(dot, n, n, null, MISSING);
        return validate ? this.validateType(v, type) : v;
      }
      case NodeType.Chain: {
        const v = this.evalChainNode(dot, n, NO_ARGS, MISSING);
        return validate ? this.validateType(v, type) : v;
      }
    }
    // A constant from the template source: convert it to the parameter's type.
    switch (type) {
      case RAW:
      case 'interface {}':
      case 'any':
        if (n.type === NodeType.Number) {
          if (n.idealError) this.fail(n, n.idealError);
          return n.ideal;
        }
        return n.type === NodeType.Bool ? n.value : n.text;
      case 'string':
        if (n.type === NodeType.String) return n.text;
        this.fail(n, `expected string; found ${nodeToString(n)}`);
      // eslint-disable-next-line no-fallthrough
      case 'bool':
        if (n.type === NodeType.Bool) return n.value;
        this.fail(n, `expected bool; found ${nodeToString(n)}`);
      // eslint-disable-next-line no-fallthrough
      case 'float64':
      case 'float32':
        if (n.type === NodeType.Number && n.isFloat) return n.float64;
        this.fail(n, `expected float; found ${nodeToString(n)}`);
      // eslint-disable-next-line no-fallthrough
      case 'complex128':
        if (n.type === NodeType.Number && n.isComplex) return new GoComplex(n.complex[0], n.complex[1]);
        this.fail(n, `expected complex; found ${nodeToString(n)}`);
    }
    const bits = INT_BITS[type];
    if (bits !== undefined) {
      if (type[0] === 'u') {
        if (n.type === NodeType.Number && n.isUint) return new GoInt(BigInt.asUintN(bits, n.uint64), type as IntKind);
        this.fail(n, `expected unsigned integer; found ${nodeToString(n)}`);
      }
      if (n.type === NodeType.Number && n.isInt) return new GoInt(BigInt.asIntN(bits, n.int64), type as IntKind);
      this.fail(n, `expected integer; found ${nodeToString(n)}`);
    }
    this.fail(n, `can't handle ${nodeToString(n)} for arg of type ${type}`);
  }

  /** Checks that a computed value is assignable to the parameter type (Go's validateType). */
  private validateType(value: GoValue, type: ParamType): GoValue {
    switch (type) {
      case 'interface {}':
      case 'any':
        return value === undefined ? null : value;
      case RAW:
        return value;
      case 'string':
        if (typeof value === 'string') return value;
        break;
      case 'float64':
        if (typeof value === 'number') return value;
        break;
      case 'bool':
        if (typeof value === 'boolean') return value;
        break;
    }
    // Go reports these at the last node it evaluated (this.at), which for a parenthesised argument is inside it.
    if (value === undefined) {
      if (canBeNil(type)) return null;
      this.fail(this.at, `invalid value; expected ${type}`);
    }
    // A nil straight from a map or slice is still an interface{} to Go, assignable to nothing but interface{}
    // (a nil pipeline result has become `undefined`, Go's invalid value, above).
    if (value === null) this.fail(this.at, `wrong type for value; expected ${type}; got interface {}`);
    const actual = goTypeName(value);
    if (actual === type) return value;
    this.fail(this.at, `wrong type for value; expected ${type}; got ${actual}`);
  }
}

function canBeNil(type: string): boolean {
  return (
    type === 'interface {}' ||
    type === 'any' ||
    type === RAW ||
    type.startsWith('[]') ||
    type.startsWith('map[') ||
    type.startsWith('*') ||
    type.startsWith('func') ||
    type.startsWith('chan ')
  );
}

function errorText(e: unknown): string {
  if (e instanceof RangeError && /call stack/i.test(e.message)) return 'stack overflow';
  if (e instanceof Error) return e.message;
  return String(e);
}
