import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TemplateError, TemplateSet, fromJSON, render, type TemplateOptions } from './index.js';
import { FuncError, GoFunc, GoInt, GoStruct, GoTime, NO_FIELD, int, setMapType, type FuncMap, type GoValue } from './values.js';

/** A few functions with typed parameters, to exercise Go's argument conversion. */
const funcs: FuncMap = {
  twice: { params: ['int'], fn: (n) => int((n as GoInt).value * 2n) },
  half: { params: ['float64'], fn: (f) => (f as number) / 2 },
  shout: { params: ['string'], fn: (s) => (s as string).toUpperCase() + '!' },
  count: { params: ['[]interface {}'], fn: (l) => int(l === null ? -1 : (l as GoValue[]).length) },
  join: {
    params: ['string'],
    variadic: 'interface {}',
    fn: (sep, ...xs) => xs.map((x) => (x instanceof GoInt ? x.value.toString() : String(x))).join(sep as string),
  },
  boom: {
    params: [],
    fn: () => {
      throw new FuncError('boom');
    },
  },
  nothing: { params: [], fn: () => null },
  list: { params: [], variadic: 'interface {}', fn: (...xs) => xs },
  // Shadows the builtin `len`, as Sprig's `slice` shadows the builtin one.
  len: { params: ['interface {}'], fn: () => 'mine' },
};

const data = fromJSON({
  s: 'str',
  n: 3,
  f: 2.5,
  t: true,
  l: ['a', 'b', 'c'],
  m: { b: 2, a: 1, c: 3 },
  nil: null,
  deep: { x: { y: 'z' } },
  empty: [],
  Params: { PORT: '8080', NAME: 'x' },
});

function run(src: string, opts: TemplateOptions = {}, dot: GoValue = data): string {
  return render('t', src, dot, { funcs, ...opts });
}

function failure(src: string, opts: TemplateOptions = {}, dot: GoValue = data): TemplateError {
  try {
    run(src, opts, dot);
  } catch (e) {
    assert.ok(e instanceof TemplateError, `not a TemplateError: ${(e as Error)?.stack}`);
    return e;
  }
  assert.fail(`no error for ${src}`);
}

describe('executor: argument conversion', () => {
  it('converts untyped number constants to the parameter kind', () => {
    assert.equal(run('{{ twice 21 }}'), '42');
    assert.equal(run('{{ twice 3.0 }}'), '6');
    assert.equal(run("{{ twice 'a' }}"), '194');
    assert.equal(run('{{ half 3 }}'), '1.5');
  });

  it('rejects constants of the wrong kind with Go messages', () => {
    assert.match(failure('{{ twice 3.5 }}').message, /at <3\.5>: expected integer; found 3\.5$/);
    assert.match(failure('{{ twice "3" }}').message, /expected integer; found "3"$/);
    assert.match(failure('{{ shout 42 }}').message, /at <42>: expected string; found 42$/);
    assert.match(failure('{{ shout nil }}').message, /cannot assign nil to string$/);
  });

  it('requires computed values to have the exact type', () => {
    assert.match(failure('{{ twice .n }}').message, /at <\.n>: wrong type for value; expected int; got float64$/);
    assert.match(failure('{{ twice .Params.PORT }}').message, /wrong type for value; expected int; got string$/);
    assert.match(failure('{{ count .m }}').message, /wrong type for value; expected \[\]interface \{\}; got map\[string\]interface \{\}$/);
    assert.equal(run('{{ twice (twice 1) }}'), '4');
    assert.equal(run('{{ .s | shout }}'), 'STR!');
  });

  it('passes nil to slices and maps', () => {
    assert.equal(run('{{ count nil }}'), '-1');
    assert.match(failure('{{ count .nil }}').message, /at <\.nil>: wrong type for value; expected \[\]interface \{\}; got interface \{\}$/);
    assert.equal(run('{{ count (.nil) }}'), '-1');
    assert.equal(run('{{ count .nope }}'), '-1');
    assert.equal(run('{{ count .l }}'), '3');
  });

  it('checks argument counts', () => {
    assert.match(failure('{{ twice }}').message, /at <twice>: wrong number of args for twice: want 1 got 0$/);
    assert.match(failure('{{ twice 1 2 }}').message, /wrong number of args for twice: want 1 got 2$/);
    assert.match(failure('{{ join }}').message, /wrong number of args for join: want at least 1 got 0$/);
    assert.equal(run('{{ join "," 1 2 "x" }}'), '1,2,x');
    assert.equal(run('{{ "x" | join "-" "a" }}'), 'a-x');
  });

  it('wraps function failures', () => {
    const e = failure('{{ boom }}');
    assert.equal(e.message, 'template: t:1:3: executing "t" at <boom>: error calling boom: boom');
    assert.equal(e.phase, 'exec');
    assert.equal(e.line, 1);
  });

  it('lets user functions shadow builtins', () => {
    assert.equal(run('{{ len .l }}'), 'mine');
    assert.equal(run('{{ len .l }}', { funcs: {} }), '3');
  });

  it('prints a nil function result as <no value>', () => {
    assert.equal(run('{{ nothing }}'), '<no value>');
    assert.equal(run('{{ print nothing }}'), '<nil>');
  });
});

describe('executor: fields and missing keys', () => {
  it('walks field chains on maps, variables and parenthesised values', () => {
    assert.equal(run('{{ .deep.x.y }} {{ $d := .deep }}{{ $d.x.y }} {{ (.deep).x.y }} {{ $.Params.PORT }}'), 'z z z 8080');
  });

  it('follows the missingkey option', () => {
    assert.equal(run('[{{ .nope }}]'), '[<no value>]');
    assert.equal(run('[{{ .nope.deeper }}]'), '[<no value>]');
    assert.equal(run('[{{ .nope }}]', { missingKey: 'zero' }), '[<no value>]');
    const typed = { m: setMapType({ a: 'x' }, 'string') };
    assert.equal(run('[{{ .m.zz }}]', { missingKey: 'zero' }, typed), '[]');
    assert.equal(
      failure('{{ .deep.x.nope }}', { missingKey: 'error' }).message,
      'template: t:1:8: executing "t" at <.deep.x.nope>: map has no entry for key "nope"',
    );
  });

  it('reports fields of nil and of non-maps', () => {
    assert.match(failure('{{ .nil.x }}').message, /nil pointer evaluating interface \{\}\.x$/);
    assert.match(failure('{{ .s.x }}').message, /can't evaluate field x in type interface \{\}$/);
    assert.match(failure('{{ .x }}', { missingKey: 'error' }, null).message, /nil data; no entry for key "x"$/);
    assert.match(failure('{{ .m.a 1 }}').message, /a is not a method but has arguments$/);
  });

  it('counts error columns in UTF-8 bytes on the failing line', () => {
    assert.match(failure('ok\nhé {{ .nope }}', { missingKey: 'error' }).message, /^template: t:2:7: /);
  });
});

describe('executor: control flow and variables', () => {
  it('ranges over slices and over maps in key order', () => {
    assert.equal(run('{{ range $i, $v := .l }}{{ $i }}={{ $v }} {{ end }}'), '0=a 1=b 2=c ');
    assert.equal(run('{{ range $k, $v := .m }}{{ $k }}{{ $v }}{{ end }}'), 'a1b2c3');
    assert.equal(run('{{ range .m }}{{ . }}{{ end }}'), '123');
    assert.equal(run('{{ range .empty }}x{{ else }}none{{ end }}'), 'none');
    assert.equal(run('{{ range .nil }}x{{ else }}nil{{ end }}'), 'nil');
    assert.match(failure('{{ range .s }}{{ end }}').message, /at <\.s>: range can't iterate over str$/);
  });

  it('supports break and continue', () => {
    assert.equal(run('{{ range .l }}{{ if eq . "b" }}{{ continue }}{{ end }}{{ . }}{{ end }}'), 'ac');
    assert.equal(run('{{ range .l }}{{ if eq . "b" }}{{ break }}{{ end }}{{ . }}{{ end }}'), 'a');
    assert.equal(run('{{ range .l }}{{ range $.l }}{{ break }}{{ end }}{{ . }}{{ end }}'), 'abc');
  });

  it('scopes declarations to blocks and keeps assignments', () => {
    assert.equal(run('{{ $x := 1 }}{{ range .l }}{{ $x := . }}{{ end }}{{ $x }}'), '1');
    assert.equal(run('{{ $x := 1 }}{{ range .l }}{{ $x = . }}{{ end }}{{ $x }}'), 'c');
    assert.equal(run('{{ if $v := .s }}{{ $v }}{{ end }}{{ with $w := .empty }}y{{ else }}[{{ $w }}]{{ end }}'), 'str[[]]');
    assert.match(failure('{{ $y = 1 }}').message, /undefined variable: \$y$/);
  });

  it('handles if/else if/else and with/else', () => {
    const src = '{{ if .nope }}a{{ else if .t }}b{{ else }}c{{ end }}{{ with .deep.x }}{{ .y }}{{ end }}{{ with .empty }}no{{ else }}yes{{ end }}';
    assert.equal(run(src), 'bzyes');
  });

  it('short-circuits and/or and returns the deciding operand', () => {
    assert.equal(run('{{ and 1 0 }} {{ or "" "x" }} {{ and .t .l }}'), '0 x [a b c]');
    assert.equal(run('{{ or .t boom }}'), 'true');
    assert.match(failure('{{ and .t boom }}').message, /error calling boom: boom$/);
  });

  it('calls defined templates with their own $ and no outer variables', () => {
    const set = new TemplateSet({ funcs });
    set.parse('a.yaml', '{{ define "inner" }}[{{ $ }}|{{ . }}]{{ end }}{{ $x := 1 }}{{ template "inner" .s }}{{ template "inner" }}');
    assert.equal(set.execute('a.yaml', data), '[str|str][<no value>|<no value>]');
    assert.equal(set.execute('inner', 'dot'), '[dot|dot]');
  });

  it('reports errors inside defines with the define name and the file location', () => {
    const e = failure('x\n{{ define "d" }}{{ .nope }}{{ end }}{{ template "d" . }}', { missingKey: 'error' });
    assert.equal(e.message, 'template: t:2:19: executing "d" at <.nope>: map has no entry for key "nope"');
  });

  it('lets later parses replace blocks and keeps definitions across sources', () => {
    const set = new TemplateSet();
    set.parse('base', 'head {{ block "body" . }}default{{ end }} tail');
    assert.equal(set.execute('base', null), 'head default tail');
    set.parse('override', '{{ define "body" }}custom{{ end }}');
    assert.equal(set.execute('base', null), 'head custom tail');
    set.parse('empty', '{{ define "body" }} {{ end }}');
    assert.equal(set.execute('base', null), 'head custom tail');
    assert.equal(set.has('body'), true);
    assert.equal(set.has('nope'), false);
  });

  it('calls function values from data with call', () => {
    const add = new GoFunc('add', { params: ['int', 'int'], fn: (a, b) => int((a as GoInt).value + (b as GoInt).value) });
    assert.equal(run('{{ call .f 1 2 }}', {}, { f: add }), '3');
    assert.match(failure('{{ call .f 1 }}', {}, { f: add }).message, /error calling call: wrong number of args: got 1 want 2$/);
    assert.match(failure('{{ .f }}', {}, { f: add }).message, /can't print \{\{\.f\}\} of type func$/);
  });
});

/** A struct value with a field and a method, like a semver.Version. */
class Point extends GoStruct {
  readonly goType = 'main.Point';
  constructor(readonly x: number) {
    super();
  }
  field(name: string): GoValue | typeof NO_FIELD {
    if (name === 'X') return this.x;
    if (name === 'Plus') return new GoFunc('Plus', { params: ['float64'], fn: (d) => this.x + (d as number) });
    return NO_FIELD;
  }
  formatV(): string {
    return `{${this.x}}`;
  }
}

describe('executor: struct values', () => {
  it('reads fields and calls methods with arguments', () => {
    const dot = { p: new Point(1.5) };
    assert.equal(run('{{ .p.X }} {{ .p.Plus 2 }} {{ .p }} {{ 1.0 | .p.Plus }}', {}, dot), '1.5 3.5 {1.5} 2.5');
    assert.match(failure('{{ .p.Plus }}', {}, dot).message, /wrong number of args for Plus: want 1 got 0$/);
    assert.match(failure('{{ .p.X 1 }}', {}, dot).message, /X is not a method but has arguments$/);
    assert.match(failure('{{ .p.Y }}', {}, dot).message, /can't evaluate field Y in type interface \{\}$/);
  });

  it('exposes time.Time methods', () => {
    assert.equal(run('{{ .t.Year }} {{ .t.Unix }}', {}, { t: new GoTime(Date.UTC(2021, 6, 2, 10, 0, 0)) }), '2021 1625220000');
  });
});

describe('TemplateSet API', () => {
  it('lists the field chains a template and its definitions use', () => {
    const set = new TemplateSet({ funcs });
    set.parse(
      'f',
      '{{ define "x" }}{{ .Params.IN_DEFINE }}{{ end }}{{ .Params.PORT }}{{ $.Name }}{{ if .Params.A }}{{ shout $.Params.B }}{{ end }}{{ range .Items }}{{ .inner }}{{ end }}',
    );
    const chains = set
      .fieldChains('f')
      .map((c) => c.join('.'))
      .sort();
    assert.deepEqual(chains, ['Items', 'Name', 'Params.A', 'Params.B', 'Params.IN_DEFINE', 'Params.PORT', 'inner']);
  });

  it('reports parse errors with the template name and line', () => {
    const set = new TemplateSet();
    try {
      set.parse('deploy.yaml', 'a\n{{ if }}');
      assert.fail('no error');
    } catch (e) {
      assert.ok(e instanceof TemplateError);
      assert.equal(e.message, 'template: deploy.yaml:2: missing value for if');
      assert.equal(e.phase, 'parse');
      assert.equal(e.templateName, 'deploy.yaml');
      assert.equal(e.line, 2);
    }
  });

  it('rejects executing an unknown template', () => {
    assert.throws(() => new TemplateSet().execute('x', null), TemplateError);
  });

  it('fromJSON keeps numbers float64 and __proto__ as an ordinary key', () => {
    const v = fromJSON(JSON.parse('{"__proto__": {"a": 1}, "n": 3}')) as Record<string, GoValue>;
    assert.equal(Object.getPrototypeOf(v), Object.prototype);
    assert.equal(render('t', '{{ printf "%T" .n }} {{ index . "__proto__" "a" }}', v), 'float64 1');
  });
});

describe('limits against hostile templates', () => {
  it('bounds the output size', () => {
    const e = failure('{{ range .l }}{{ range $.l }}{{ range $.l }}0123456789{{ end }}{{ end }}{{ end }}', { maxOutputBytes: 100 });
    assert.match(e.message, /output exceeds the limit of 100 bytes$/);
  });

  it('bounds template recursion', () => {
    const e = failure('{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" . }}', { maxDepth: 50 });
    assert.match(e.message, /exceeded maximum template depth \(50\)$/);
  });

  it('turns JavaScript stack exhaustion into a template error', () => {
    const src = '{{ define "r" }}{{ if true }}{{ with 1 }}{{ range (list 1) }}{{ template "r" . }}{{ end }}{{ end }}{{ end }}{{ end }}{{ template "r" . }}';
    assert.match(failure(src, { maxDepth: 1e9 }).message, /maximum template depth/);
  });

  it('bounds the number of range iterations', () => {
    const e = failure('{{ range .l }}{{ range $.l }}{{ end }}{{ end }}', { maxRangeIterations: 5 });
    assert.match(e.message, /range iterations exceed the limit of 5$/);
  });

  it('rejects absurd nesting at parse time', () => {
    assert.match(failure('{{ ' + '('.repeat(3000) + '1' + ')'.repeat(3000) + ' }}').message, /max expression depth exceeded/);
  });
});

describe('bad input gives one clear TemplateError', () => {
  const cases: [string, string, TemplateOptions, RegExp][] = [
    ['unterminated action', 'a {{ .s', {}, /^template: t:1: unclosed action$/],
    ['unterminated action over lines', 'a {{ .s\n\n', {}, /^template: t:3: unclosed action started at t:1$/],
    ['unknown function', '{{ nosuch 1 }}', {}, /^template: t:1: function "nosuch" not defined$/],
    ['runaway recursion', '{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" . }}', {}, /exceeded maximum template depth \(1000\)$/],
    [
      'runaway loops',
      '{{ range .l }}{{ range $.l }}{{ range $.l }}{{ end }}{{ end }}{{ end }}',
      { maxRangeIterations: 20 },
      /range iterations exceed the limit of 20$/,
    ],
    ['deep parentheses', '{{ ' + '('.repeat(20000) + '1' + ')'.repeat(20000) + ' }}', {}, /max expression depth exceeded/],
    ['deep blocks', '{{ with . }}'.repeat(20000), {}, /max expression depth exceeded/],
    [
      'huge output',
      '{{ define "a" }}{{ range $.l }}{{ range $.l }}0123456789{{ end }}{{ end }}{{ end }}{{ range .l }}{{ template "a" $ }}{{ end }}',
      { maxOutputBytes: 200 },
      /output exceeds the limit of 200 bytes$/,
    ],
  ];
  for (const [label, src, opts, want] of cases) {
    it(label, () => {
      const e = failure(src, opts);
      assert.match(e.message, want);
      assert.equal(e.message.includes('\n'), false);
    });
  }

  it('keeps long linear pipelines working', () => {
    assert.equal(run('{{ "x" ' + '| print '.repeat(2000) + '}}'), 'x');
  });
});
