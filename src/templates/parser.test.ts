import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NodeType, nodeToString, type ActionNode, type NumberNode } from './ast.js';
import { GoComplex } from './complex.js';
import { ParseFailure, parseTemplate } from './parser.js';
import { GoInt } from './values.js';

const funcs = new Set(['f', 'g', 'printf', 'len', 'and', 'eq']);
const parse = (src: string) => parseTemplate('t', src, { hasFunction: (n) => funcs.has(n) });
const root = (src: string) => parse(src).get('t')!.root;

function parseError(src: string): string {
  try {
    parse(src);
  } catch (e) {
    assert.ok(e instanceof ParseFailure, `not a ParseFailure: ${e}`);
    return `${e.line}: ${e.detail}`;
  }
  assert.fail(`no error for ${src}`);
}

function number(src: string): NumberNode {
  const action = root(`{{ ${src} }}`).nodes[0] as ActionNode;
  return action.pipe.cmds[0].args[0] as NumberNode;
}

describe('parser', () => {
  it('prints trees back as Go does', () => {
    const src = '{{if .a}}x{{else if eq .b 1}}y{{else}}z{{end}}{{range $i, $v := .l}}{{$v.k | f 1 (g .)}}{{end}}{{with $x := .c}}{{$x}}{{end}}';
    assert.equal(
      nodeToString(root(src)),
      '{{if .a}}x{{else}}{{if eq .b 1}}y{{else}}z{{end}}{{end}}{{range $i, $v := .l}}{{$v.k | f 1 (g .)}}{{end}}{{with $x := .c}}{{$x}}{{end}}',
    );
  });

  it('collects define and block templates', () => {
    const trees = parse('{{define "a"}}A{{end}}main{{block "b" .}}B{{end}}');
    assert.deepEqual([...trees.keys()].sort(), ['a', 'b', 't']);
    assert.equal(nodeToString(trees.get('t')!.root), 'main{{template "b" .}}');
  });

  it('gives a multi-field node the position of its second field, like Go', () => {
    const action = root('{{ .a.b }}').nodes[0] as ActionNode;
    const field = action.pipe.cmds[0].args[0];
    assert.equal(field.type, NodeType.Field);
    assert.equal(field.pos, 5);
  });

  it('computes ideal constants', () => {
    assert.deepEqual(number('42').ideal, new GoInt(42n, 'int'));
    assert.equal(number('1e3').ideal, 1000);
    assert.equal(number('1.5').ideal, 1.5);
    assert.deepEqual(number('0x1F').ideal, new GoInt(31n, 'int'));
    assert.deepEqual(number('0o17').ideal, new GoInt(15n, 'int'));
    assert.deepEqual(number('017').ideal, new GoInt(15n, 'int'));
    assert.deepEqual(number('0b101').ideal, new GoInt(5n, 'int'));
    assert.deepEqual(number('1_000').ideal, new GoInt(1000n, 'int'));
    assert.deepEqual(number("'a'").ideal, new GoInt(97n, 'int'));
    assert.deepEqual(number("'\\n'").ideal, new GoInt(10n, 'int'));
    assert.deepEqual(number('1+2i').ideal, new GoComplex(1, 2));
    assert.equal(number('3.0').isInt, true);
    assert.equal(number('3.5').isInt, false);
    assert.equal(number('18446744073709551615').idealError, '18446744073709551615 overflows int');
  });

  it('unquotes strings', () => {
    const action = root('{{ "a\\tb\\u00e9\\x41\\101" }}{{ `r\\n` }}').nodes;
    const s = (i: number) => ((action[i] as ActionNode).pipe.cmds[0].args[0] as { text: string }).text;
    assert.equal(s(0), 'a\tbéAA');
    assert.equal(s(1), 'r\\n');
  });

  it('scopes variables to their block', () => {
    assert.equal(parseError('{{ range .l }}{{ $x := 1 }}{{ end }}{{ $x }}'), '1: undefined variable "$x"');
    assert.doesNotThrow(() => parse('{{ $x := 1 }}{{ if . }}{{ $x = 2 }}{{ end }}{{ $x }}'));
  });

  it('checks that define bodies cannot see outer variables', () => {
    assert.equal(parseError('{{ $x := 1 }}{{ define "d" }}{{ $x }}{{ end }}'), '1: undefined variable "$x"');
  });

  const errors: [string, string][] = [
    ['{{ nosuch }}', '1: function "nosuch" not defined'],
    ['{{ if }}{{ end }}', '1: missing value for if'],
    ['{{ if . }}', '1: unexpected EOF'],
    ['{{ end }}', '1: unexpected {{end}}'],
    ['{{ else }}', '1: unexpected {{else}}'],
    ['{{ if . }}a{{ else }}b{{ else }}c{{ end }}', '1: expected end; found {{else}}'],
    ['{{ break }}', '1: {{break}} outside {{range}}'],
    ['{{ range . }}{{ continue 1 }}{{ end }}', '1: unexpected "1" in {{continue}}'],
    ['{{ define "a" }}1{{ end }}{{ define "a" }}2{{ end }}', '1: template: multiple definition of template "a"'],
    ['{{ define "t" }}x{{ end }}y', '1: template: multiple definition of template "t"'],
    ['{{ 0x }}', '1: illegal number syntax: "0x"'],
    ['{{ 99999999999999999999 }}', '1: integer overflow: "99999999999999999999"'],
    ["{{ 'ab' }}", "1: malformed character constant: 'ab'"],
    ['{{ "\\q" }}', '1: invalid syntax'],
    ['{{ .a | 1 }}', '1: non executable command in pipeline stage 2'],
    ['{{ $a, $b := . }}', '1: too many declarations in command'],
    ['{{ range $a, $b, $c := . }}{{ end }}', '1: too many declarations in range'],
    ['{{ template $x }}', '1: unexpected "$x" in template clause'],
    ['{{ "a".b }}', '1: unexpected . after term "\\"a\\""'],
    ['{{ define "a" }}{{ define "b" }}{{ end }}{{ end }}', '1: unexpected <define> in command'],
    ['a\nb\n{{ .x', '3: unclosed action'],
    ['a {{ .x \n', '2: unclosed action started at t:1'],
    ['{{ if . }}{{ else with . }}{{ end }}', '1: unexpected <with> in else'],
  ];
  for (const [src, want] of errors) {
    it(`rejects ${JSON.stringify(src)}`, () => assert.equal(parseError(src), want));
  }

  it('bounds nesting depth instead of overflowing the stack', () => {
    assert.match(parseError('{{ ' + '('.repeat(5000) + '1' + ')'.repeat(5000) + ' }}'), /max expression depth exceeded/);
    assert.match(parseError('{{ if . }}'.repeat(5000)), /max expression depth exceeded/);
  });
});
