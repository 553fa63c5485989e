import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatGoDuration, formatRfc3339, parseGoDuration, parseRfc3339 } from './go-values.js';

test('formatGoDuration matches time.Duration.String', () => {
  const cases: [number | bigint, string][] = [
    [0, '0s'],
    [1, '1ns'],
    [999, '999ns'],
    [1500, '1.5µs'],
    [1_500_000, '1.5ms'],
    [1_000_000_000, '1s'],
    [90_000_000_000, '1m30s'],
    [3_600_000_000_000, '1h0m0s'],
    [3_723_500_000_000, '1h2m3.5s'],
    [-1_500_000, '-1.5ms'],
    [9223372036854775807n, '2562047h47m16.854775807s'],
  ];
  for (const [ns, text] of cases) assert.equal(formatGoDuration(ns), text, String(ns));
});

test('parseGoDuration accepts what time.ParseDuration accepts', () => {
  assert.equal(parseGoDuration('1h30m'), 5_400_000_000_000n);
  assert.equal(parseGoDuration('1.5s'), 1_500_000_000n);
  assert.equal(parseGoDuration('-2m'), -120_000_000_000n);
  assert.equal(parseGoDuration('300ms'), 300_000_000n);
  assert.equal(parseGoDuration('1µs'), 1000n);
  assert.equal(parseGoDuration('.5h'), 1_800_000_000_000n);
  assert.equal(parseGoDuration('0'), 0n);
  for (const bad of ['', '1', 'h', '1x', '1h 2m', '.h', '99999999999h']) assert.equal(parseGoDuration(bad), undefined, bad);
  for (const text of ['1h2m3.5s', '1.5ms', '-1.5µs', '2562047h47m16.854775807s']) assert.equal(formatGoDuration(parseGoDuration(text)!), text);
});

test('RFC 3339 times', () => {
  assert.equal(formatRfc3339(0), '1970-01-01T00:00:00Z');
  assert.equal(formatRfc3339(1709251199), '2024-02-29T23:59:59Z');
  assert.equal(formatRfc3339(1709251199, 42), '2024-02-29T23:59:59.000042Z');
  assert.equal(formatRfc3339(-62135596800), '0001-01-01T00:00:00Z');
  assert.equal(formatRfc3339(1e13), undefined);
  assert.deepEqual(parseRfc3339('2024-02-29T23:59:59Z'), { seconds: 1709251199, nanos: 0 });
  assert.deepEqual(parseRfc3339('2024-03-01T01:59:59.5+02:00'), { seconds: 1709251199, nanos: 500_000_000 });
  assert.deepEqual(parseRfc3339('0001-01-01T00:00:00Z'), { seconds: -62135596800, nanos: 0 });
  for (const bad of ['2024-02-30T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01 00:00:00Z', '2024-01-01T00:00:00', 'yesterday']) {
    assert.equal(parseRfc3339(bad), undefined, bad);
  }
});
