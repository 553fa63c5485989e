/**
 * `npm run conformance -- gotmpl [file.jsonl] [--filter PREFIX] [--verbose]`
 *
 * Runs Go text/template vectors (format of ../shared/testdata/gotmpl/vectors.jsonl)
 * through our engine with KUDO's function map and prints every failure
 * (name, expected, got), then `N passed, N failed`.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TemplateError, TemplateSet, fromJSON, type MissingKey } from '../src/templates/index.js';
import { kudoFuncs } from '../src/templates/kudo-funcs.js';
import type { FuncMap } from '../src/templates/values.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_VECTORS = resolve(root, '../shared/testdata/gotmpl/vectors.jsonl');

export interface Vector {
  name: string;
  template: string;
  data: unknown;
  output: string;
  error: string | null;
  errorPhase?: 'parse' | 'exec';
  missingkey?: MissingKey;
}

export type Outcome = { ok: true } | { ok: false; expected: string; got: string };

/** Renders one vector and compares it with Go's result. */
export function checkVector(v: Vector, funcs: FuncMap): Outcome {
  const set = new TemplateSet({ funcs, missingKey: v.missingkey ?? 'error' });
  let got: string;
  let phase: 'parse' | 'exec' | null = null;
  try {
    set.parse(v.name, v.template);
    phase = 'exec';
    got = set.execute(v.name, fromJSON(v.data));
  } catch (e) {
    if (!(e instanceof TemplateError)) return { ok: false, expected: describe(v), got: `crash: ${(e as Error)?.stack ?? String(e)}` };
    if (v.error === null) return { ok: false, expected: JSON.stringify(v.output), got: `error: ${e.message}` };
    if (v.errorPhase === 'parse' && e.phase !== 'parse') return { ok: false, expected: describe(v), got: `${e.phase} error: ${e.message}` };
    return { ok: true };
  }
  void phase;
  if (v.error !== null) return { ok: false, expected: describe(v), got: JSON.stringify(got) };
  if (got !== v.output) return { ok: false, expected: JSON.stringify(v.output), got: JSON.stringify(got) };
  return { ok: true };
}

function describe(v: Vector): string {
  return v.error === null ? JSON.stringify(v.output) : `${v.errorPhase ?? ''} error: ${v.error}`;
}

export function readVectors(file: string): Vector[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      try {
        return JSON.parse(l) as Vector;
      } catch (e) {
        throw new Error(`${file}:${i + 1}: invalid JSON: ${(e as Error).message}`);
      }
    });
}

export async function main(args: string[]): Promise<number> {
  let file = DEFAULT_VECTORS;
  let filter = '';
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--filter') filter = args[++i] ?? '';
    else if (args[i].startsWith('-')) {
      console.error(`gotmpl: unknown flag ${args[i]}; usage: gotmpl [file.jsonl] [--filter PREFIX]`);
      return 2;
    } else file = resolve(args[i]);
  }
  let vectors: Vector[];
  try {
    vectors = readVectors(file);
  } catch (e) {
    console.error(`gotmpl: ${(e as Error).message}`);
    return 2;
  }
  let passed = 0;
  let failed = 0;
  for (const v of vectors) {
    if (filter && !v.name.startsWith(filter)) continue;
    const r = checkVector(v, kudoFuncs);
    if (r.ok) passed++;
    else {
      failed++;
      console.log(`FAIL ${v.name}\n  template: ${JSON.stringify(v.template)}\n  expected: ${r.expected}\n  got:      ${r.got}`);
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}
