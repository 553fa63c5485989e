import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toYaml, unifiedDiff } from './diff.js';

describe('unified diff', () => {
  it('is empty for equal texts', () => {
    assert.equal(unifiedDiff('a\nb\n', 'a\nb\n', 'x', 'y'), '');
  });

  it('shows changed lines with context and hunk headers', () => {
    const a = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'].join('\n');
    const b = ['1', '2', '3', '4', 'five', '6', '7', '8', '9', '10', '11'].join('\n');
    assert.equal(
      unifiedDiff(a, b, 'expected', 'actual'),
      ['--- expected', '+++ actual', '@@ -2,9 +2,10 @@', ' 2', ' 3', ' 4', '-5', '+five', ' 6', ' 7', ' 8', ' 9', ' 10', '+11', ''].join('\n'),
    );
  });

  it('splits distant changes into separate hunks', () => {
    const a = Array.from({ length: 20 }, (_, i) => `l${i}`);
    const b = [...a];
    b[1] = 'x';
    b[18] = 'y';
    const diff = unifiedDiff(a.join('\n'), b.join('\n'), 'a', 'b');
    assert.deepEqual(
      diff.split('\n').filter((l) => l.startsWith('@@')),
      ['@@ -1,5 +1,5 @@', '@@ -16,5 +16,5 @@'],
    );
  });

  it('renders objects as YAML with sorted keys', () => {
    assert.equal(toYaml({ spec: { replicas: 4 }, kind: 'Deployment', apiVersion: 'apps/v1' }), 'apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: 4\n');
  });
});
