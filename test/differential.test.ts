/**
 * The differential fidelity runner: its pure parts (scenario parsing, normalisation, diffs), and
 * one small scenario against the local control plane and a real Kubernetes control plane
 * (skipped when the real binaries are not built).
 */
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../conformance/differential.js';
import { findRealK8s } from '../src/harness/real-assets.js';
import { covers, diff, normalizeJson, normalizeText } from '../conformance/differential/lib/normalize.js';
import { parseScenario, ScenarioError } from '../conformance/differential/lib/scenario.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

test('scenarios: steps of every kind parse, and mistakes name the file and step', () => {
  const s = parseScenario(
    [
      'description: d',
      'steps:',
      '- request: POST /api/v1/namespaces/default/configmaps',
      '  body: {metadata: {name: a}}',
      '  save: {rv: .metadata.resourceVersion}',
      '- watch: /api/v1/configmaps?watch=1',
      '  id: w',
      '- collect: w',
      '- kubectl: get cm',
      '  expectDifference: {reason: "changed in 1.22", paths: [stdout]}',
    ].join('\n'),
    'x.yaml',
  );
  assert.deepEqual(
    s.steps.map((st) => st.kind),
    ['request', 'watch', 'collect', 'kubectl'],
  );
  assert.equal(s.steps[0].kind === 'request' && s.steps[0].body, '{"metadata":{"name":"a"}}');
  assert.deepEqual(s.steps[3].expect, [{ reason: 'changed in 1.22', paths: ['stdout'] }]);
  assert.throws(
    () => parseScenario('steps:\n- request: FETCH /x\n', 'bad.yaml'),
    (e: Error) => e instanceof ScenarioError && /bad.yaml: step 1/.test(e.message),
  );
  assert.throws(() => parseScenario('steps:\n- collect: nope\n', 'bad.yaml'), /no earlier watch step has id nope/);
  assert.throws(() => parseScenario('steps:\n- sleep: 1\n  expectDifference: {paths: [x]}\n', 'bad.yaml'), /needs a reason/);
});

test('normalisation hides uids, times, resourceVersions and generated names, and nothing else', () => {
  const obj = {
    metadata: {
      name: 'gen-x7k2p',
      generateName: 'gen-',
      uid: '0b3e2c1a-1111-4222-8333-944455556666',
      resourceVersion: '812',
      creationTimestamp: '2026-01-02T03:04:05Z',
      labels: { app: 'a' },
    },
    data: { k: 'v' },
  };
  assert.deepEqual(normalizeJson(obj), {
    metadata: { name: '<generated-name>', generateName: 'gen-', uid: '<uid>', resourceVersion: '<rv>', creationTimestamp: '<time>', labels: { app: 'a' } },
    data: { k: 'v' },
  });
  assert.equal(normalizeText('cm   1      5m3s  \nresourceVersion: "77"'), 'cm  1  <age>\nresourceVersion: "<rv>"');
  // Table cells of time columns tick between the two answers; other cells are kept.
  const table = {
    kind: 'Table',
    columnDefinitions: [{ name: 'Name' }, { name: 'Age' }, { name: 'Since', format: 'date' }],
    rows: [{ cells: ['x', '3s', '1m'] }],
  };
  assert.deepEqual((normalizeJson(table) as typeof table).rows, [{ cells: ['x', '<age>', '<age>'] }]);
});

test('diffs are listed by path, and expected-difference paths cover their subtrees', () => {
  const d = diff({ status: 200, body: { a: 1, list: [1, 2] } }, { status: 201, body: { a: 1, list: [1, 3], b: true } });
  assert.deepEqual(
    d.map((x) => x.path),
    ['body.b', 'body.list[1]', 'status'],
  );
  assert.deepEqual(
    diff('one\ntwo\nthree', 'one\nthree').map((x) => x.path),
    [':2'],
  );
  assert.ok(covers('body.list', 'body.list[1]'));
  assert.ok(covers('body.items[*].kind', 'body.items[3].kind'));
  assert.ok(covers('stdout', 'stdout:4'));
  assert.ok(!covers('body.lis', 'body.list[1]'));
  assert.ok(!covers('body.items[*].kind', 'body.items[3].apiVersion'));
});

test('a CRUD scenario gives the same answers on the local and a real control plane', { timeout: 90_000 }, async (t) => {
  const found = findRealK8s();
  if (typeof found === 'string') {
    t.skip(found);
    return;
  }
  const assets = found.dir;
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => void lines.push(args.join(' '));
  let code: number;
  try {
    code = await main([join(root, 'conformance/differential/01-crud.yaml'), '--assets', assets]);
  } finally {
    console.log = log;
  }
  assert.equal(code, 0, lines.join('\n'));
  assert.match(lines[lines.length - 1], /^\d+ passed, 0 failed, 0 skipped$/);
});
