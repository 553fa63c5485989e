import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  QuantityError,
  addQuantities,
  canonicalizeQuantity,
  compareQuantities,
  formatQuantity,
  parseQuantity,
  quantityToNumber,
  roundUpQuantity,
} from './quantity.js';

// Each pair was sent as a ResourceQuota `spec.hard.cpu` to kube-apiserver 1.20 (dryRun=All) and the
// stored value recorded. The server also rounds core/v1 ResourceList values up to milli units
// (see the milli test below); the values here are unaffected by that.
const SERVER_CANONICAL: [string, string][] = [
  ['1e3', '1e3'],
  ['0.3', '300m'],
  ['0.5Gi', '512Mi'],
  ['1024Mi', '1Gi'],
  ['1000m', '1'],
  ['1.5Gi', '1536Mi'],
  ['0.1Ki', '102400m'],
  ['1E3', '1E3'],
  ['12e6', '12e6'],
  ['1000000000000000000000', '1'],
  ['9Ei', '9223372036854775807'],
  ['5.', '5.'],
  ['.5', '500m'],
  ['1.1Ki', '1126400m'],
  ['2000', '2k'],
  ['+5', '+5'],
  ['1Gi', '1Gi'],
  ['1.0Gi', '1Gi'],
  ['0.50', '500m'],
  ['1.000', '1'],
  ['1000', '1k'],
  ['1e0', '1e0'],
  ['1e-3', '1e-3'],
  ['1.5e3', '1500'],
  ['0.5e3', '500'],
  ['010', '010'],
  ['7Ki', '7Ki'],
  ['8Ki', '8Ki'],
  ['8Mi', '8Mi'],
  ['1024Ki', '1Mi'],
  ['1536', '1536'],
];

test('canonical forms match kube-apiserver', () => {
  for (const [input, expected] of SERVER_CANONICAL) assert.equal(canonicalizeQuantity(input), expected, input);
});

test('ResourceList values are rounded up to milli units (checked against kube-apiserver 1.20)', () => {
  const milli = (s: string): string => formatQuantity(roundUpQuantity(parseQuantity(s), -3));
  assert.equal(milli('1n'), '1m');
  assert.equal(milli('0.5n'), '1m');
  assert.equal(milli('1.5u'), '1m');
  assert.equal(milli('100u'), '1m');
  assert.equal(milli('0.0000000001'), '1m');
  assert.equal(milli('1e-3'), '1e-3');
  assert.equal(milli('2500u'), '3m');
  assert.equal(milli('-1500u'), '-2m');
});

test('values below nano units round up, negative values keep their sign', () => {
  assert.equal(canonicalizeQuantity('0.0000000001'), '1n');
  assert.equal(canonicalizeQuantity('-1.5'), '-1500m');
  assert.equal(canonicalizeQuantity('0'), '0');
  assert.equal(canonicalizeQuantity('-0'), '0');
});

test('JSON numbers are accepted', () => {
  assert.equal(canonicalizeQuantity(0.5), '500m');
  assert.equal(canonicalizeQuantity(2), '2');
  assert.equal(canonicalizeQuantity(1e21), '1e21');
});

test('invalid quantities throw Kubernetes messages', () => {
  const regex = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
  for (const bad of ['', 'abc', '1.2.3', '1Gb', '1 Gi', '1Kix']) {
    assert.throws(
      () => parseQuantity(bad),
      (e: unknown) => e instanceof QuantityError && e.message === regex,
      bad,
    );
  }
  for (const bad of ['1e', '--1', '1Ki5']) assert.throws(() => parseQuantity(bad), { message: "unable to parse quantity's suffix" }, bad);
  // A bare suffix is zero to Go's scanner (kube-apiserver 1.20 stored `Gi` and `m` as `0`).
  assert.equal(canonicalizeQuantity('Gi'), '0');
  assert.equal(canonicalizeQuantity('m'), '0');
});

test('comparison is exact across formats', () => {
  assert.equal(compareQuantities('1Gi', '1073741824'), 0);
  assert.equal(compareQuantities('500m', '0.5'), 0);
  assert.equal(compareQuantities('1k', '1Ki'), -1);
  assert.equal(compareQuantities('2', '1999m'), 1);
  assert.equal(compareQuantities('-1', '0'), -1);
  assert.equal(quantityToNumber('1.5Gi'), 1610612736);
  assert.equal(formatQuantity(addQuantities(parseQuantity('500m'), parseQuantity('1'))), '1500m');
  assert.equal(formatQuantity(addQuantities(parseQuantity('1Gi'), parseQuantity('512Mi'))), '1536Mi');
});
