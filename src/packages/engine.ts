/**
 * The template engine as packages use it: KUDO's settings (missingkey=error,
 * KUDO's function map), parse errors with file and line, and the field chains
 * verify walks. One place, so render and verify cannot drift apart.
 */
import { fromJSON, TemplateError, TemplateSet } from '../templates/index.js';
import { kudoFuncs } from '../templates/kudo-funcs.js';

export interface ParsedTemplate {
  /** Field chains used, e.g. [['Params','PORT'],['Name']]. */
  chains: string[][];
}

function newSet(): TemplateSet {
  return new TemplateSet({ funcs: kudoFuncs, missingKey: 'error' });
}

/** Go's error text for a template failure (TemplateError messages already carry name:line). */
function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Parses a template; returns its field chains, or the parse error text. */
export function parseTemplate(name: string, source: string): ParsedTemplate | { error: string; line?: number } {
  const set = newSet();
  try {
    set.parse(name, source);
  } catch (e) {
    if (e instanceof TemplateError) return { error: e.message, line: e.line };
    if (e instanceof Error) return { error: e.message };
    throw e;
  }
  return { chains: set.fieldChains(name) };
}

export class RenderError extends Error {
  constructor(
    message: string,
    readonly phase: 'parse' | 'exec',
    readonly template: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

/** Renders one template with KUDO's data (plain JSON-like values). Throws RenderError with KUDO's wording. */
export function renderTemplate(name: string, source: string, data: Record<string, unknown>): string {
  const set = newSet();
  try {
    set.parse(name, source);
  } catch (e) {
    if (!(e instanceof Error)) throw e;
    throw new RenderError(`error parsing template: ${describe(e)}`, 'parse', name, e instanceof TemplateError ? e.line : undefined);
  }
  try {
    return set.execute(name, fromJSON(data));
  } catch (e) {
    if (!(e instanceof Error)) throw e;
    throw new RenderError(`error rendering template: ${describe(e)}`, 'exec', name, e instanceof TemplateError ? e.line : undefined);
  }
}
