/**
 * Property test: random and mutated templates never crash the parser or the
 * executor; every failure is a TemplateError. Seeded, so a failure reproduces;
 * bounded in iterations and time.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DEFAULT_VECTORS, readVectors } from '../../conformance/gotmpl.js';
import { TemplateError, TemplateSet, fromJSON } from './index.js';
import type { FuncMap, GoValue } from './values.js';

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FRAGMENTS = [
  '{{',
  '}}',
  '{{- ',
  ' -}}',
  '{{/* c */}}',
  'if ',
  'else ',
  'else if ',
  'end',
  'range ',
  'with ',
  'break',
  'continue',
  'define "a"',
  'template "a" .',
  'block "b" .',
  '$x',
  '$',
  ' := ',
  ' = ',
  ', ',
  '.a',
  '.b.c',
  '.l',
  '.m',
  '.nil',
  '.',
  '(',
  ')',
  ' | ',
  '"s"',
  '`r`',
  '1',
  '-2',
  '1.5',
  '0x1F',
  "'c'",
  '1i',
  'nil',
  'true',
  'false',
  'and ',
  'or ',
  'not ',
  'len ',
  'index ',
  'slice ',
  'print ',
  'printf "%v %d" ',
  'println ',
  'eq ',
  'ne ',
  'lt ',
  'ge ',
  'html ',
  'js ',
  'urlquery ',
  'call ',
  'f ',
  'g ',
  ' ',
  '\n',
  'text',
  '/*',
  '*/',
  ',',
  '-',
];

const data = fromJSON({ a: 'x', b: { c: [1, 2] }, l: ['p', 'q', null], m: { k: 'v', n: 2 }, nil: null, n: 3 });

/** Every name the vectors call becomes a harmless variadic function, so mutated vectors reach the executor. */
function permissiveFuncs(names: Iterable<string>): FuncMap {
  const out: FuncMap = {};
  for (const name of names) out[name] = { params: [], variadic: 'interface {}', fn: (...a: GoValue[]) => (a.length > 0 ? a[0] : '') };
  return out;
}

function exercise(source: string, funcs: FuncMap): void {
  const set = new TemplateSet({ funcs, maxOutputBytes: 100_000, maxDepth: 50, maxRangeIterations: 10_000 });
  try {
    set.parse('fuzz', source);
    set.execute('fuzz', data);
  } catch (e) {
    if (!(e instanceof TemplateError)) assert.fail(`non-template error for ${JSON.stringify(source)}: ${(e as Error)?.stack ?? e}`);
    assert.match(e.message, /^template: /);
  }
}

describe('fuzz', () => {
  const baseFuncs = permissiveFuncs(['f', 'g']);

  it('random fragment soups only ever raise TemplateError', () => {
    const rand = prng(20240601);
    const deadline = Date.now() + 2000;
    for (let i = 0; i < 4000 && Date.now() < deadline; i++) {
      const n = 1 + Math.floor(rand() * 25);
      let src = '';
      for (let j = 0; j < n; j++) src += FRAGMENTS[Math.floor(rand() * FRAGMENTS.length)];
      exercise(src, baseFuncs);
    }
  });

  it('mutated vector templates only ever raise TemplateError', (t) => {
    if (!existsSync(DEFAULT_VECTORS)) {
      t.skip(`vectors not found at ${DEFAULT_VECTORS}`);
      return;
    }
    const templates = readVectors(DEFAULT_VECTORS).map((v) => v.template);
    const names = new Set<string>();
    for (const src of templates) for (const m of src.matchAll(/\b[a-zA-Z][a-zA-Z0-9]*\b/g)) names.add(m[0]);
    for (const kw of ['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue', 'nil', 'true', 'false']) names.delete(kw);
    const funcs = permissiveFuncs(names);
    const rand = prng(7);
    const deadline = Date.now() + 3000;
    for (let i = 0; i < 6000 && Date.now() < deadline; i++) {
      let src = templates[Math.floor(rand() * templates.length)];
      const edits = 1 + Math.floor(rand() * 4);
      for (let k = 0; k < edits; k++) {
        const at = Math.floor(rand() * (src.length + 1));
        const op = rand();
        if (op < 0.33) src = src.slice(0, at) + src.slice(at + 1 + Math.floor(rand() * 3));
        else if (op < 0.66) src = src.slice(0, at) + FRAGMENTS[Math.floor(rand() * FRAGMENTS.length)] + src.slice(at);
        else src = src.slice(0, at) + src.slice(at, at + 8) + src.slice(at);
      }
      exercise(src, funcs);
    }
  });
});
