import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goYamlSyntaxError } from './yaml-syntax.js';

// Every expectation is what a real kube-apiserver 1.20.2 answered for the same body.
const H = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: t}\n';

const cases: [string, string | Uint8Array, string | undefined][] = [
  ['unclosed flow sequence', 'metadata: {name: [broken', "yaml: line 1: did not find expected ',' or ']'"],
  ['unclosed flow mapping', '{a: 1', "yaml: line 1: did not find expected ',' or '}'"],
  ['both marks on the first line: no line', 'a: [1, 2}', "yaml: did not find expected ',' or ']'"],
  ['flow mapping closed by a bracket', '{a: 1]', "yaml: did not find expected ',' or '}'"],
  ['tab as indentation', 'metadata:\n\tname: x\n', 'yaml: line 2: found character that cannot start any token'],
  ['continued plain scalar', 'metadata:\n  name: x\n   foo: bar\nkind: ConfigMap\n', 'yaml: line 3: mapping values are not allowed in this context'],
  ['value after a value', `${H}data:\n  a: b: c\n`, 'yaml: line 5: mapping values are not allowed in this context'],
  ['unterminated double quote', `${H.replace('{name: t}', '{name: "q}')}`, 'yaml: line 4: found unexpected end of stream'],
  ['unterminated single quote', `${H}data: {a: 'b}`, 'yaml: line 4: found unexpected end of stream'],
  ['unknown escape', `${H}data:\n  a: "\\q"\n`, 'yaml: line 5: found unknown escape character'],
  ['short hex escape', `${H}data:\n  a: "\\x4"\n`, 'yaml: line 5: did not find expected hexdecimal number'],
  ['undefined alias', `${H}data:\n  a: *nope\n`, "yaml: unknown anchor 'nope' referenced"],
  ['anchor on an empty value', `${H}data:\n  a: &x\n`, undefined],
  ['block scalar then a less indented line', `${H}data:\n  a: |\n    x\n  y\n`, "yaml: line 8: could not find expected ':'"],
  ['block scalar first line more indented', `${H}data:\n  a: |\n     x\n    y\n`, 'yaml: line 6: did not find expected key'],
  ['block scalar explicit indentation', `${H}data:\n  a: |2\n x\n`, 'yaml: line 5: did not find expected key'],
  ['second document never read', `${H}---\n{c: [\n`, undefined],
  ['document end marker', `${H}...\n`, undefined],
  ['a list', '- a\n- b\n', undefined],
  ['empty', '', undefined],
  ['flow depth', '['.repeat(10001) + ']'.repeat(10001), 'yaml: exceeded max depth of 10000'],
  ['flow depth at the limit', '['.repeat(10000) + ']'.repeat(10000), undefined],
  ['key less indented', `${H}data:\n  a: b\n c: d\n`, 'yaml: line 5: did not find expected key'],
  ['sequence then key', `${H}data:\n  - a\n  b: c\n`, "yaml: line 5: did not find expected '-' indicator"],
  ['value after a scalar value', `${H}data: a\n  b: c\n`, 'yaml: line 5: mapping values are not allowed in this context'],
  ['flow mapping key without value', `${H}data: {a: b, c}\n`, undefined],
  ['double comma', `${H}data: {a: b,, c: d}\n`, 'yaml: line 3: did not find expected node content'],
  ['extra bracket', `${H}data: [a, b]]\n`, 'yaml: line 3: did not find expected key'],
  ['unterminated verbatim tag', `${H}data: !<x\n`, "yaml: line 4: did not find the expected '>'"],
  ['empty anchor', `${H}data: &\n`, 'yaml: line 4: did not find expected alphabetic or numeric character'],
  ['empty alias', `${H}data: *\n`, 'yaml: line 4: did not find expected alphabetic or numeric character'],
  ['backquote', `${H}data: \`x\`\n`, 'yaml: line 4: found character that cannot start any token'],
  ['incompatible version', `%YAML 2.0\n---\n${H}`, 'yaml: found incompatible YAML document'],
  ['unknown directive', `%FOO bar\n---\n${H}`, 'yaml: found unknown directive name'],
  ['directive without document start', `%YAML 1.1\n${H}`, 'yaml: line 1: did not find expected <document start>'],
  ['tab breaking a plain scalar', `${H}data:\n  a: b\n\t\n`, 'yaml: line 6: found a tab character that violates indentation'],
  ['tab after a value', `${H}data:\n  a:\tb\n`, undefined],
  ['quoted continuation less indented', `${H}data:\n  a: "x\n y"\n`, undefined],
  ['document indicator in a quoted scalar', `${H}data:\n  a: 'x\n---\n`, 'yaml: line 6: found unexpected document indicator'],
  ['multi-line quoted key', `${H}data:\n  "a\nb": c\n`, 'yaml: line 6: mapping values are not allowed in this context'],
  ['key longer than 1024', `${H}data:\n  ${'k'.repeat(1100)}: v\n`, 'yaml: line 5: mapping values are not allowed in this context'],
  ['colon in a flow plain scalar', '{a: x:y}', undefined],
  ['undefined tag handle', `${H}data: {a: !e!foo x}\n`, 'yaml: line 3: found undefined tag handle'],
  ['indentation indicator 0', `${H}data:\n  a: |0\n  x\n`, 'yaml: line 5: found an indentation indicator equal to 0'],
  ['sequence entry after a value', `${H}data: - a\n`, 'yaml: line 4: block sequence entries are not allowed in this context'],
  ['invalid escape code', `${H}data:\n  a: "\\ud800"\n`, 'yaml: line 5: found invalid Unicode character escape code'],
  ['trailing brace ignored', '{a: b}}', undefined],
  ['non-UTF-8', Buffer.concat([Buffer.from(`${H}data:\n  a: "`), Buffer.from([0xff, 0xfe]), Buffer.from('"\n')]), 'yaml: invalid leading UTF-8 octet'],
  ['control character', `${H}data:\n  a: "x\u0001"\n`, 'yaml: control characters are not allowed'],
  ['incomplete UTF-8 at the end', Buffer.concat([Buffer.from(`${H}data:\n  a: x`), Buffer.from([0xf0, 0x9f, 0x98])]), 'yaml: incomplete UTF-8 octet sequence'],
  ['byte order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(H)]), undefined],
];

for (const [name, input, expected] of cases) {
  test(`go-yaml syntax: ${name}`, () => {
    assert.equal(goYamlSyntaxError(input), expected);
  });
}

test('go-yaml syntax: the reader fails a whole 512-byte chunk, when the scanner reaches it', () => {
  const early = Buffer.concat([Buffer.from('a: b\nc: [1, 2}\n'), Buffer.from([0xff])]);
  assert.equal(goYamlSyntaxError(early), 'yaml: invalid leading UTF-8 octet');
  const late = Buffer.concat([Buffer.from(`a: b\nc: [1, 2}\n${'#'.repeat(600)}\n`), Buffer.from([0xff])]);
  assert.equal(goYamlSyntaxError(late), "yaml: line 1: did not find expected ',' or ']'");
});
