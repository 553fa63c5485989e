import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFloatG, goQuote, sprintS, sprintV } from './gofmt.js';

test('formatFloatG matches Go %v / FormatFloat(g, -1)', () => {
  const cases: [number, string][] = [
    [3, '3'],
    [1000000, '1e+06'],
    [123456, '123456'],
    [1234567, '1.234567e+06'],
    [0.25, '0.25'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [-1, '-1'],
    [5.7, '5.7'],
    [1e21, '1e+21'],
    [0, '0'],
  ];
  for (const [x, want] of cases) assert.equal(formatFloatG(x), want, `${x}`);
});

test('formatFloatG with 32 bits picks the shortest float32 digits', () => {
  assert.equal(formatFloatG(5.7, 32), '5.7');
  assert.equal(formatFloatG(1.1, 32), '1.1');
  assert.equal(formatFloatG(0.1, 32), '0.1');
  assert.equal(formatFloatG(16777217, 32), '1.6777216e+07');
});

test('sprintV formats JSON values as Go %v', () => {
  assert.equal(sprintV(true), 'true');
  assert.equal(sprintV([80, 443]), '[80 443]');
  assert.equal(sprintV({ b: 'x', a: 1 }), 'map[a:1 b:x]');
  assert.equal(sprintV(null), '<nil>');
  assert.equal(sprintS(3), '%!s(float64=3)');
});

test('goQuote escapes like strconv.Quote', () => {
  assert.equal(goQuote('a"b\\c\n\t\x01'), '"a\\"b\\\\c\\n\\t\\x01"');
  assert.equal(goQuote('é'), '"é"');
});
