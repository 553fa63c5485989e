/**
 * Go text/template in TypeScript: the public API.
 *
 *   const set = new TemplateSet({ funcs: kudoFuncs, missingKey: 'error' });
 *   set.parse('deployment.yaml', source);
 *   const text = set.execute('deployment.yaml', fromJSON(data));
 *
 * Output matches Go's text/template byte for byte; failures are TemplateErrors
 * carrying Go's message.
 */
import { NodeType, isEmptyTree } from './ast.js';
import type { Node, Tree } from './ast.js';
import { builtins } from './builtins.js';
import { Executor, TemplateError, type ExecContext, type MissingKey } from './exec.js';
import { goQuote } from './lexer.js';
import { ParseFailure, parseTemplate } from './parser.js';
import type { FuncDef, FuncMap, GoMap, GoValue } from './values.js';

export { TemplateError, TemplateLimitError } from './exec.js';
export type { MissingKey } from './exec.js';
export * from './ast.js';
export { builtins } from './builtins.js';

export interface TemplateOptions {
  /** Functions added to the builtins; a function named like a builtin replaces it (Sprig's `slice`). */
  funcs?: FuncMap;
  /** What a missing map key gives: `<no value>` (default), the zero value, or an error (KUDO). */
  missingKey?: MissingKey;
  /** Bound on the output length (in UTF-16 code units, which is at most the UTF-8 byte count). Default 64 MiB. */
  maxOutputBytes?: number;
  /**
   * Bound on execution nesting: every template call, if/with/range body and (parenthesised) pipeline
   * being evaluated counts one level. Go bounds template calls at 100000; ours keeps the JS stack safe. Default 1000.
   */
  maxDepth?: number;
  /** Bound on the total number of `range` iterations of one execution. Default 1 million. */
  maxRangeIterations?: number;
}

export const DEFAULT_MAX_OUTPUT = 64 * 1024 * 1024;
export const DEFAULT_MAX_DEPTH = 1000;
export const DEFAULT_MAX_RANGE_ITERATIONS = 1_000_000;

const merged = new WeakMap<FuncMap, Record<string, FuncDef>>();
const builtinsOnly: Record<string, FuncDef> = Object.assign(Object.create(null) as Record<string, FuncDef>, builtins);

/** Builtins overlaid with user functions; cached per function map, since sets are often created per template. */
function mergedFuncs(user: FuncMap | undefined): Record<string, FuncDef> {
  if (!user) return builtinsOnly;
  let funcs = merged.get(user);
  if (!funcs) {
    funcs = Object.assign(Object.create(null) as Record<string, FuncDef>, builtins);
    for (const [name, def] of Object.entries(user)) funcs[name] = def;
    merged.set(user, funcs);
  }
  return funcs;
}

const isStackOverflow = (e: unknown): boolean => e instanceof RangeError && /call stack/i.test(e.message);

/** A set of named templates sharing definitions, like Go's *template.Template namespace. */
export class TemplateSet {
  private readonly trees = new Map<string, Tree>();
  /** For each parsed source name, the names of the templates it defined. */
  private readonly definedBy = new Map<string, string[]>();
  private readonly ctx: ExecContext;

  constructor(opts: TemplateOptions = {}) {
    const funcs = mergedFuncs(opts.funcs);
    this.ctx = {
      lookup: (name) => this.trees.get(name),
      funcs,
      missingKey: opts.missingKey ?? 'default',
      limits: {
        maxOutputBytes: opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT,
        maxDepth: opts.maxDepth ?? DEFAULT_MAX_DEPTH,
        maxRangeIterations: opts.maxRangeIterations ?? DEFAULT_MAX_RANGE_ITERATIONS,
      },
    };
  }

  /** Parses `source` as template `name` (plus the `define`s in it). Throws TemplateError (phase 'parse'). */
  parse(name: string, source: string): this {
    let parsed: Map<string, Tree>;
    try {
      parsed = parseTemplate(name, source, { hasFunction: (f) => f in this.ctx.funcs });
    } catch (e) {
      if (e instanceof ParseFailure) throw new TemplateError(`template: ${name}:${e.line}: ${e.detail}`, 'parse', name, e.line);
      if (isStackOverflow(e)) throw new TemplateError(`template: ${name}: template nesting too deep`, 'parse', name);
      throw e;
    }
    for (const [treeName, tree] of parsed) {
      // Like Go, an empty re-definition does not replace an existing template.
      const old = this.trees.get(treeName);
      if (old && isEmptyTree(tree.root)) continue;
      this.trees.set(treeName, tree);
    }
    this.definedBy.set(name, [...parsed.keys()]);
    return this;
  }

  /** Executes template `name` with `data` as dot. Throws TemplateError (phase 'exec'). */
  execute(name: string, data: GoValue): string {
    const tree = this.trees.get(name);
    if (!tree) throw new TemplateError(`template: no template ${goQuote(name)} associated with this template set`, 'exec', name);
    try {
      return new Executor(this.ctx, tree).run(data);
    } catch (e) {
      if (isStackOverflow(e))
        throw new TemplateError(
          `template: ${name}: executing ${goQuote(name)}: exceeded maximum template depth (nesting too deep for the JavaScript stack)`,
          'exec',
          name,
        );
      throw e;
    }
  }

  has(name: string): boolean {
    return this.trees.has(name);
  }

  /** The names of all templates in the set. */
  names(): string[] {
    return [...this.trees.keys()];
  }

  /** The parse tree of template `name`, for tools. */
  tree(name: string): Tree | undefined {
    return this.trees.get(name);
  }

  /**
   * Every field chain the template `name` (and the templates its source defines) refers to,
   * e.g. [['Params','PORT'], ['Name']] for `.Params.PORT` and `$.Name`.
   */
  fieldChains(name: string): string[][] {
    const seen = new Map<string, string[]>();
    const visit = (n: Node | null | undefined): void => {
      if (!n) return;
      switch (n.type) {
        case NodeType.Field:
          seen.set(n.ident.join('\0'), n.ident);
          return;
        case NodeType.Variable:
          if (n.ident[0] === '$' && n.ident.length > 1) seen.set(n.ident.slice(1).join('\0'), n.ident.slice(1));
          return;
        case NodeType.Chain:
          return visit(n.node);
        case NodeType.Action:
          return visit(n.pipe);
        case NodeType.Pipe:
          return n.cmds.forEach(visit);
        case NodeType.Command:
          return n.args.forEach(visit);
        case NodeType.List:
          return n.nodes.forEach(visit);
        case NodeType.If:
        case NodeType.Range:
        case NodeType.With:
          visit(n.pipe);
          visit(n.list);
          return visit(n.elseList);
        case NodeType.Template:
          return visit(n.pipe);
      }
    };
    const names = this.definedBy.get(name) ?? (this.trees.has(name) ? [name] : []);
    for (const n of names) visit(this.trees.get(n)?.root);
    return [...seen.values()];
  }
}

/** Convenience: parse and execute once. */
export function render(name: string, source: string, data: GoValue, opts?: TemplateOptions): string {
  return new TemplateSet(opts).parse(name, source).execute(name, data);
}

/** Converts JSON.parse output to Go values (every number float64, objects map[string]interface{}). */
export function fromJSON(value: unknown): GoValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'number':
      return value;
  }
  if (Array.isArray(value)) return value.map(fromJSON);
  if (typeof value === 'object') {
    const out: GoMap = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      // "__proto__" must become an own key, not the object's prototype.
      if (k === '__proto__') Object.defineProperty(out, k, { value: fromJSON(v), enumerable: true, writable: true, configurable: true });
      else out[k] = fromJSON(v);
    }
    return out;
  }
  throw new TypeError(`fromJSON: unsupported value of type ${typeof value}`);
}
