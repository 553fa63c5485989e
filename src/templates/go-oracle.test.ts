/**
 * Differential test against Go itself: random templates (seeded) are rendered
 * by Go 1.18–1.21's text/template and by ours, and the results must agree
 * (same output, or an error in the same phase). Needs a Go toolchain
 * (`$GO`, `go` on PATH, or /usr/lib/go-1.*); skipped with a message otherwise.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sprint } from './fmt.js';
import { TemplateError, TemplateSet, fromJSON, type MissingKey } from './index.js';
import { GoInt, int, type FuncMap, type GoValue } from './values.js';

const GO_HARNESS = `package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/template"
)

type input struct {
	Template   string      \`json:"template"\`
	Data       interface{} \`json:"data"\`
	MissingKey string      \`json:"missingkey"\`
}
type result struct {
	Output string \`json:"output"\`
	Error  string \`json:"error"\`
	Phase  string \`json:"phase"\`
}

var funcs = template.FuncMap{
	"twice":   func(n int) int { return 2 * n },
	"half":    func(f float64) float64 { return f / 2 },
	"shout":   func(s string) string { return strings.ToUpper(s) + "!" },
	"count":   func(l []interface{}) int { if l == nil { return -1 }; return len(l) },
	"joinw":   func(sep string, xs ...interface{}) string { var p []string; for _, x := range xs { p = append(p, fmt.Sprint(x)) }; return strings.Join(p, sep) },
	"nothing": func() interface{} { return nil },
	"list":    func(xs ...interface{}) []interface{} { return xs },
	"u8":      func(n uint8) uint8 { return n },
	"neg":     func(b bool) bool { return !b },
	"msize":   func(m map[string]interface{}) int { if m == nil { return -1 }; return len(m) },
	"i64":     func(n int64) int64 { return n * 3 },
}

func main() {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	enc := json.NewEncoder(os.Stdout)
	for sc.Scan() {
		var c input
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil { panic(err) }
		var r result
		func() {
			defer func() { if p := recover(); p != nil { r = result{Error: fmt.Sprint(p), Phase: "panic"} } }()
			t, err := template.New("t").Option("missingkey=" + c.MissingKey).Funcs(funcs).Parse(c.Template)
			if err != nil { r = result{Error: err.Error(), Phase: "parse"}; return }
			var sb strings.Builder
			if err := t.Execute(&sb, c.Data); err != nil { r = result{Error: err.Error(), Phase: "exec"}; return }
			r = result{Output: sb.String()}
		}()
		enc.Encode(r)
	}
}
`;

const toI = (x: GoValue): bigint => (x as GoInt).value;
/** The same functions as the Go harness, with the same parameter types. */
const funcs: FuncMap = {
  twice: { params: ['int'], fn: (n) => int(toI(n) * 2n) },
  half: { params: ['float64'], fn: (f) => (f as number) / 2 },
  shout: { params: ['string'], fn: (s) => (s as string).toUpperCase() + '!' },
  count: { params: ['[]interface {}'], fn: (l) => int(l === null ? -1 : (l as GoValue[]).length) },
  joinw: { params: ['string'], variadic: 'interface {}', fn: (sep, ...xs) => xs.map((x) => sprint([x])).join(sep as string) },
  nothing: { params: [], fn: () => null },
  list: { params: [], variadic: 'interface {}', fn: (...xs) => xs },
  u8: { params: ['uint8'], fn: (n) => n },
  neg: { params: ['bool'], fn: (b) => !b },
  msize: { params: ['map[string]interface {}'], fn: (m) => int(m === null ? -1 : Object.keys(m as object).length) },
  i64: { params: ['int64'], fn: (n) => new GoInt(BigInt.asIntN(64, toI(n) * 3n), 'int64') },
};

const DATA = {
  s: 'str',
  e: '',
  n: 3,
  z: 0,
  f: 2.5,
  t: true,
  F: false,
  l: ['a', 'b', 'c'],
  nums: [3, 1, 2],
  el: [],
  m: { b: 2, a: 1, c: 3 },
  em: {},
  nil: null,
  deep: { x: { y: 'z', l: [1, { k: 'v' }] } },
  mixed: ['x', 1, true, null, 2.5, { k: 'v' }, [1, 2]],
  u: 'héllo ☃ <b>&\'"',
};
const FIELDS = [
  '.s',
  '.e',
  '.n',
  '.z',
  '.f',
  '.t',
  '.F',
  '.l',
  '.nums',
  '.el',
  '.m',
  '.em',
  '.nil',
  '.deep',
  '.deep.x',
  '.deep.x.y',
  '.deep.x.l',
  '.mixed',
  '.u',
  '.nope',
  '.m.a',
  '.m.zz',
  '.s.x',
  '.nil.x',
  '.',
];
const LITERALS = [
  '0',
  '1',
  '-2',
  '3',
  '1.5',
  '3.0',
  '1e3',
  '0x1F',
  "'a'",
  '"x"',
  '"str"',
  '""',
  '`r`',
  'true',
  'false',
  'nil',
  '1i',
  '2.5',
  '-0',
  '"3"',
  '"a b&<>"',
];
const FUNCS: [string, number][] = [
  ['and', 2],
  ['or', 2],
  ['not', 1],
  ['len', 1],
  ['index', 2],
  ['slice', 2],
  ['print', 2],
  ['printf', 2],
  ['println', 1],
  ['eq', 2],
  ['ne', 2],
  ['lt', 2],
  ['le', 2],
  ['gt', 2],
  ['ge', 2],
  ['html', 1],
  ['js', 1],
  ['urlquery', 1],
  ['call', 1],
  ['twice', 1],
  ['half', 1],
  ['shout', 1],
  ['count', 1],
  ['joinw', 3],
  ['nothing', 0],
  ['list', 2],
  ['u8', 1],
  ['neg', 1],
  ['msize', 1],
  ['i64', 1],
];

/** Well-typed calls, so that many generated templates render instead of failing early. */
const WELL_TYPED = [
  'twice 3',
  "twice 'a'",
  'twice (len .l)',
  'twice -2',
  'half 1.5',
  'half .f',
  'half 3',
  'half 1e3',
  'shout .s',
  'shout .u',
  'shout "x"',
  'shout $.s',
  'count .l',
  'count .el',
  'count .mixed',
  'count nil',
  'count (list 1 2)',
  'joinw "-" .l .n 1 .t',
  'joinw "," .mixed',
  'u8 3',
  "u8 'a'",
  'neg .t',
  'neg false',
  'msize .m',
  'msize .em',
  'msize .deep.x',
  'msize nil',
  'i64 3',
  'index .l 1',
  'index .m "a"',
  'index .deep "x" "y"',
  'index .mixed 5 "k"',
  'index .s 0',
  'slice .l 1',
  'slice .l 1 2',
  'slice .s 1 2',
  'slice .nums 0 3',
  'len .m',
  'len .u',
  'eq .n 3.0',
  'eq .s "str" "x"',
  'eq 1 2 1',
  'ne .e ""',
  'lt .f 3.0',
  'le "a" .s',
  'gt (len .l) 2',
  'ge .z 0.0',
  'and .t .l',
  'or .e .el .s',
  'not .em',
  'print .n .s .mixed',
  'printf "%v|%d|%s|%q|%5.2f" .m 3 .s .u .f',
  'println .l .nil',
  'html .u',
  'js .u',
  'urlquery .u .n',
  'list .n .s .t',
  'eq .nil .nil',
  'eq .t true',
  'eq (u8 3) 3',
  'lt (u8 3) -1',
  'ge (u8 200) (i64 2)',
  'printf "%T %v" (u8 1) (i64 2)',
  'index .l (u8 1)',
  'slice .l 0 1 2',
  'slice .l 1 1 3',
  'eq 1i 1i',
  'printf "%v %T %T" 1+2i 1i 0i',
  'print (i64 2) 1 "x" 2.5',
  'eq (i64 2) 6',
  "printf \"%c %q %U %x\" 'é' 'a' 0x263a 255",
  'print 1e21 1e-7 1e20 100000 1234567.5',
  'print 0o17 0b11 1_000 -0x10 .5',
  'len "héllo"',
  'index "héllo" 1',
  'slice "héllo" 0 1',
  'printf "%5.1f|%-4d|%+d|%x" 3.14159 7 3 "hi"',
];
const SAFE_FIELDS = [
  '.s',
  '.e',
  '.n',
  '.z',
  '.f',
  '.t',
  '.F',
  '.l',
  '.nums',
  '.el',
  '.m',
  '.em',
  '.nil',
  '.deep',
  '.deep.x',
  '.deep.x.y',
  '.mixed',
  '.u',
  '.m.a',
  '.',
];

/** Generates template sources from a small grammar of Go template constructs. */
class Generator {
  private vars: string[] = [];
  private seed: number;
  /** Mostly well-typed expressions (more templates render) rather than anything goes (more error paths). */
  safe = false;
  /** Inside a range or with, where dot is not the root data. */
  private nested = false;
  constructor(seed: number) {
    this.seed = seed;
  }
  rand(): number {
    this.seed = (this.seed + 0x6d2b79f5) | 0;
    let t = Math.imul(this.seed ^ (this.seed >>> 15), 1 | this.seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  pick<T>(a: T[]): T {
    return a[Math.floor(this.rand() * a.length)];
  }
  operand(d: number): string {
    const r = this.rand();
    if (r < 0.35) return this.pick(FIELDS);
    if (r < 0.6) return this.pick(LITERALS);
    if (r < 0.7 && this.vars.length) return this.pick(this.vars) + (!this.safe && this.rand() < 0.2 ? this.pick(['.a', '.x']) : '');
    if (r < 0.8 && d < 3) return '(' + this.pipeline(d + 1) + ')' + (this.rand() < 0.1 ? '.x' : '');
    if (r < 0.85) return '$' + (this.rand() < 0.3 ? this.pick(['.s', '.m.a', '.nope']) : '');
    return this.pick(FIELDS);
  }
  command(d: number, piped: boolean): string {
    if (this.safe && !piped) {
      const e = this.rand() < 0.7 ? this.pick(WELL_TYPED) : this.pick(SAFE_FIELDS);
      // Inside range/with, dot is something else: reach the data through $.
      return this.nested ? e.replace(/(^|[ (])\./g, '$1$$.').replace(/\$\.( |$)/g, '$$$1') : e;
    }
    if (this.safe) return this.pick(['print', 'len', 'html', 'js', 'not', 'joinw "+"', 'printf "%v"', 'list 1', 'urlquery', 'print .s', 'eq .s']);
    if (piped || this.rand() < 0.6) {
      const [name, n] = this.pick(FUNCS);
      const k = Math.max(0, n - (piped ? 1 : 0) + Math.floor(this.rand() * 3) - 1);
      return [name, ...Array.from({ length: k }, () => this.operand(d))].join(' ');
    }
    return this.operand(d);
  }
  pipeline(d: number): string {
    let p = this.command(d, false);
    while (this.rand() < 0.25) p += ' | ' + this.command(d, true);
    return p;
  }
  items(d: number): string {
    let s = '';
    for (let i = 1 + Math.floor(this.rand() * 3); i > 0; i--) s += this.item(d);
    return s;
  }
  item(d: number): string {
    const L = this.rand() < 0.15 ? '{{- ' : '{{ ';
    const R = this.rand() < 0.15 ? ' -}}' : ' }}';
    const r = this.rand();
    if (r < 0.2) return this.pick(['x', ' ', '\n', ' a\n ', '-']);
    if (r < 0.55 || d > 2) {
      if (this.rand() < 0.2) {
        const v = '$v' + Math.floor(this.rand() * 3);
        const assign = this.vars.includes(v) && this.rand() < 0.5;
        if (!assign) this.vars.push(v);
        return L + v + (assign ? ' = ' : ' := ') + this.pipeline(d) + R;
      }
      return L + this.pipeline(d) + R;
    }
    const kind = this.pick(['if', 'range', 'with', 'rangekv', 'ifelse']);
    const saved = this.vars.slice();
    let head: string;
    const collection = (): string =>
      this.safe ? this.pick(['$.l', '$.nums', '$.m', '$.el', '$.mixed', '$.deep.x', 'list 1 2', '$.em', '$.nil']) : this.pipeline(d);
    if (kind === 'rangekv') {
      head = 'range $k, $e := ' + collection();
      this.vars.push('$k', '$e');
    } else head = (kind === 'ifelse' ? 'if' : kind) + ' ' + (kind === 'range' ? collection() : this.pipeline(d));
    const wasNested = this.nested;
    this.nested = wasNested || kind === 'range' || kind === 'rangekv' || kind === 'with';
    let body = this.items(d + 1);
    this.nested = wasNested;
    if (kind.startsWith('range') && this.rand() < 0.3) body += this.pick(['{{ break }}', '{{ continue }}', '{{ if .t }}{{ break }}{{ end }}']);
    this.vars = saved.slice();
    let s = L + head + R + body;
    if (this.rand() < 0.4 || kind === 'ifelse')
      s += (kind === 'ifelse' && this.rand() < 0.5 ? `{{ else if ${this.pipeline(d)} }}` : '{{ else }}') + this.items(d + 1);
    this.vars = saved;
    return s + '{{ end }}';
  }
  template(): string {
    this.vars = [];
    let t = this.items(0);
    if (this.rand() < 0.4) {
      this.vars = [];
      t = `{{ define "a" }}${this.items(1)}{{ end }}` + t + `{{ template "a" ${this.rand() < 0.5 ? this.pipeline(1) : '.'} }}`;
    }
    if (this.rand() < 0.2) t = `{{ block "b" ${this.pick(FIELDS)} }}${this.items(1)}{{ end }}` + t;
    return t;
  }
}

/** A Go toolchain whose text/template matches the vectors (1.18 to 1.21), or null. */
function findGo(): string | null {
  const candidates = [process.env.GO, 'go'];
  if (existsSync('/usr/lib')) for (const d of readdirSync('/usr/lib').filter((d) => /^go-1\.\d+$/.test(d))) candidates.push(join('/usr/lib', d, 'bin', 'go'));
  for (const go of candidates) {
    if (!go) continue;
    const v = spawnSync(go, ['version'], { encoding: 'utf8' });
    if (v.status === 0 && /go1\.(18|19|20|21)\b/.test(v.stdout)) return go;
  }
  return null;
}

describe('differential test against Go text/template', () => {
  const go = findGo();
  if (!go) {
    it.skip('no Go 1.18-1.21 toolchain found (set $GO); skipping the comparison with Go');
    return;
  }
  it('agrees with Go on generated templates', { timeout: 180_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'gotmpl-oracle-'));
    try {
      writeFileSync(join(dir, 'main.go'), GO_HARNESS);
      writeFileSync(join(dir, 'go.mod'), 'module oracle\n\ngo 1.18\n');
      const env = { ...process.env, GOCACHE: join(tmpdir(), 'gotmpl-oracle-gocache'), GOFLAGS: '-mod=mod', GOPROXY: 'off', HOME: process.env.HOME ?? tmpdir() };
      const build = spawnSync(go, ['build', '-o', 'oracle', '.'], { cwd: dir, env, encoding: 'utf8' });
      assert.equal(build.status, 0, `go build failed: ${build.stderr}`);

      // GOTMPL_ORACLE_SEED / GOTMPL_ORACLE_CASES widen the search in a manual run.
      const gen = new Generator(Number(process.env.GOTMPL_ORACLE_SEED ?? 20240611));
      const count = Number(process.env.GOTMPL_ORACLE_CASES ?? 400);
      const missing: MissingKey[] = ['default', 'zero', 'error'];
      const cases = Array.from({ length: count }, (_, i) => {
        gen.safe = i % 2 === 0;
        return { template: gen.template(), data: DATA, missingkey: missing[i % 3] };
      });
      const run = spawnSync(join(dir, 'oracle'), { input: cases.map((c) => JSON.stringify(c)).join('\n') + '\n', encoding: 'utf8', maxBuffer: 1 << 28 });
      assert.equal(run.status, 0, run.stderr);
      const expected = run.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { output: string; error: string; phase: string });

      const differences: string[] = [];
      cases.forEach((c, i) => {
        const want = expected[i];
        if (want.phase === 'panic') return; // Go itself crashed: nothing to compare
        let got: { output: string; phase: string; error: string };
        try {
          const set = new TemplateSet({ funcs, missingKey: c.missingkey });
          set.parse('t', c.template);
          got = { output: set.execute('t', fromJSON(c.data)), phase: '', error: '' };
        } catch (e) {
          if (!(e instanceof TemplateError)) throw e;
          got = { output: '', phase: e.phase, error: e.message };
        }
        if (got.phase !== want.phase || got.output !== want.output)
          differences.push(`${JSON.stringify(c.template)} (missingkey=${c.missingkey})\n  go: ${JSON.stringify(want)}\n  ts: ${JSON.stringify(got)}`);
      });
      assert.equal(differences.length, 0, differences.slice(0, 10).join('\n'));
      // The comparison is only meaningful if a good share of templates render.
      const rendered = expected.filter((r) => r.phase === '').length;
      assert.ok(rendered >= 100, `only ${rendered} of ${cases.length} generated templates render in Go`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
