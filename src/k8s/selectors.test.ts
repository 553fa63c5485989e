import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SelectorError,
  checkFieldSelector,
  formatLabelSelector,
  labelSelectorFromSpec,
  matchFieldSelector,
  matchLabelSelector,
  parseFieldSelector,
  parseLabelSelector,
} from './selectors.js';

const matches = (sel: string, labels: Record<string, string>): boolean => matchLabelSelector(parseLabelSelector(sel), labels);

test('label selector operators', () => {
  assert.ok(matches('app=web', { app: 'web' }));
  assert.ok(matches('app==web', { app: 'web' }));
  assert.ok(!matches('app=web', { app: 'db' }));
  assert.ok(matches('app!=web', {}));
  assert.ok(!matches('app!=web', { app: 'web' }));
  assert.ok(matches('tier in (x,y),m', { tier: 'y', m: '' }));
  assert.ok(!matches('tier in (x,y),m', { tier: 'y' }));
  assert.ok(matches('tier notin (x,y)', {}));
  assert.ok(!matches('tier notin (x,y)', { tier: 'x' }));
  assert.ok(matches('!gone', { other: '1' }));
  assert.ok(!matches('!gone', { gone: '' }));
  assert.ok(matches('', { any: 'thing' }));
  assert.ok(matches('x in (in, notin)', { x: 'notin' }));
  assert.ok(matches('a=', { a: '' }));
  assert.ok(matches('n>5,n<10', { n: '7' }));
  assert.ok(!matches('n>5', { n: 'seven' }));
});

test('requirements are sorted by key and print like Go', () => {
  const sel = parseLabelSelector('z=1, a in (y,x),!b, c');
  assert.deepEqual(
    sel.requirements.map((r) => r.key),
    ['a', 'b', 'c', 'z'],
  );
  assert.equal(formatLabelSelector(sel), 'a in (x,y),!b,c,z=1');
});

test('label selector syntax errors (texts as kube-apiserver 1.20 answered them, operator list as current Kubernetes)', () => {
  const cases: [string, string][] = [
    ['a=b c', "found 'c', expected: ',' or 'end of string'"],
    ['x in (a', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['!a=b', "found '=', expected: ',' or 'end of string'"],
    ['a,', "found '', expected: identifier after ','"],
    [',a', "found ',', expected: !, identifier, or 'end of string'"],
    ['a===b', "unable to parse requirement: found '=', expected: identifier"],
    ['k=v v', "found 'v', expected: ',' or 'end of string'"],
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
  ];
  for (const [input, message] of cases) {
    assert.throws(
      () => parseLabelSelector(input),
      (e: unknown) => e instanceof SelectorError && e.message === message,
      input,
    );
  }
  assert.throws(() => parseLabelSelector('a/b/c'), /^SelectorError: unable to parse requirement: .*"a\/b\/c": a valid label key must consist of/);
  assert.throws(() => parseLabelSelector('a'.repeat(64)), /name part must be no more than 63 characters/);
  assert.throws(() => parseLabelSelector('a=b/c'), /values\[0\]\[a\]: Invalid value: "b\/c": a valid label must be an empty string/);
});

test('metav1.LabelSelector conversion', () => {
  const sel = labelSelectorFromSpec({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] });
  assert.ok(matchLabelSelector(sel, { app: 'web', tier: 'b' }));
  assert.ok(!matchLabelSelector(sel, { app: 'web', tier: 'c' }));
  assert.ok(matchLabelSelector(labelSelectorFromSpec({}), { any: '1' }), 'empty selector matches everything');
  assert.ok(!matchLabelSelector(labelSelectorFromSpec(null), {}), 'null selector matches nothing');
  assert.throws(() => labelSelectorFromSpec({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }), {
    message: '"Gt" is not a valid label selector operator',
  });
  assert.throws(() => labelSelectorFromSpec({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }), /values set can't be empty/);
  assert.throws(() => labelSelectorFromSpec({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }), /values set must be empty/);
});

test('field selectors', () => {
  const sel = parseFieldSelector('metadata.name=p1,status.phase!=Running');
  const pod: Record<string, string> = { 'metadata.name': 'p1', 'status.phase': 'Pending' };
  assert.ok(matchFieldSelector(sel, (f) => pod[f]));
  assert.ok(!matchFieldSelector(sel, (f) => ({ ...pod, 'status.phase': 'Running' })[f]));
  assert.ok(matchFieldSelector(parseFieldSelector('metadata.name==p1'), (f) => pod[f]));
  assert.ok(matchFieldSelector(parseFieldSelector('spec.nodeName='), () => undefined));
  assert.deepEqual(parseFieldSelector('a=x\\,y').requirements, [{ field: 'a', operator: '=', value: 'x,y' }]);
  assert.deepEqual(parseFieldSelector('').requirements, []);
  // Checked against kube-apiserver 1.20: GET configmaps?fieldSelector=a -> 400 with this message.
  assert.throws(() => parseFieldSelector('a'), { message: "invalid selector: 'a'; can't understand 'a'" });
  assert.throws(() => checkFieldSelector(parseFieldSelector('spec.bogus=1'), ['metadata.name', 'metadata.namespace']), {
    message: '"spec.bogus" is not a known field selector: only "metadata.name", "metadata.namespace"',
  });
  assert.throws(() => checkFieldSelector(parseFieldSelector('spec.bogus=1'), ['metadata.name'], true), { message: 'field label not supported: spec.bogus' });
  assert.doesNotThrow(() => checkFieldSelector(parseFieldSelector('metadata.name=x'), ['metadata.name']));
});
