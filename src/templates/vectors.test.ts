/**
 * Runs the shared Go text/template vectors (../shared/testdata/gotmpl/vectors.jsonl)
 * with KUDO's function map: one test per category, failing with the list of cases
 * whose output or error differs from Go's.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DEFAULT_VECTORS, checkVector, readVectors, type Vector } from '../../conformance/gotmpl.js';
import { kudoFuncs } from './kudo-funcs.js';

describe('shared Go text/template vectors', () => {
  if (!existsSync(DEFAULT_VECTORS)) {
    it.skip(`vectors not found at ${DEFAULT_VECTORS} (the shared test corpus is absent)`);
    return;
  }
  const byCategory = new Map<string, Vector[]>();
  for (const v of readVectors(DEFAULT_VECTORS)) {
    const category = v.name.split('/')[0];
    if (!byCategory.has(category)) byCategory.set(category, []);
    byCategory.get(category)!.push(v);
  }
  for (const [category, vectors] of byCategory) {
    it(`${category} (${vectors.length} cases)`, () => {
      const failures: string[] = [];
      for (const v of vectors) {
        const r = checkVector(v, kudoFuncs);
        if (!r.ok) failures.push(`${v.name}\n  template: ${JSON.stringify(v.template)}\n  expected: ${r.expected}\n  got:      ${r.got}`);
      }
      assert.equal(failures.length, 0, failures.join('\n'));
    });
  }
});
