/**
 * YAML to a JSON value as sigs.k8s.io/yaml's YAMLToJSON does it for the Kubernetes API server:
 * go-yaml v2 reads the first document (YAML 1.1 scalars: `yes`/`on` are booleans, `0777` is
 * octal, `1e3` a float, `<<` merges maps), map keys become strings, and Go's JSON encoder
 * refuses infinities and NaN. Syntax errors come from ./yaml-syntax.ts in go-yaml's words; the
 * `yaml` npm package builds the tree, read with its failsafe schema so that every scalar is
 * resolved here the way go-yaml resolves it.
 */
import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node, type Scalar } from 'yaml';
import { checkGoYamlSyntax, GoYamlError } from './yaml-syntax.js';

/** A YAML body Kubernetes would not turn into JSON; `message` is the Go error text. */
export class YamlDecodeError extends Error {}

const TAG = 'tag:yaml.org,2002:';
const MERGE = Symbol('merge');

type GoValue = null | boolean | number | string | GoValue[] | GoMap | typeof MERGE;
/** A Go map[interface{}]interface{}: keys as decoded (not yet strings), in document order. */
class GoMap {
  readonly entries = new Map<string, { key: GoValue; value: GoValue }>();
  set(key: GoValue, value: GoValue): void {
    // Keys that are the same Go value replace each other; their identity is type + text.
    this.entries.set(`${typeof key}:${String(key)}`, { key, value });
  }
}

type Resolved = { tag: 'null' | 'bool' | 'int' | 'float' | 'str' | 'merge'; value: GoValue };

const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);
const TRUES = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const FALSES = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);
const INFINITIES: Record<string, number> = {
  '.inf': Infinity,
  '.Inf': Infinity,
  '.INF': Infinity,
  '+.inf': Infinity,
  '+.Inf': Infinity,
  '+.INF': Infinity,
  '-.inf': -Infinity,
  '-.Inf': -Infinity,
  '-.INF': -Infinity,
  '.nan': NaN,
  '.NaN': NaN,
  '.NAN': NaN,
};
const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** Go's strconv.ParseInt(s, 0, 64) / ParseUint(s, 0, 64), as BigInt; undefined when Go refuses it. */
function goParseInteger(s: string, signed: boolean): bigint | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m || (!signed && m[1])) return undefined;
  const digits = m[2];
  let magnitude: bigint;
  if (/^0[oO]/.test(digits)) magnitude = BigInt(`0o${digits.slice(2)}`);
  else if (/^0[0-7]/.test(digits)) magnitude = BigInt(`0o${digits.slice(1)}`);
  else magnitude = BigInt(digits); // decimal, 0x, 0b and "0"
  const value = m[1] === '-' ? -magnitude : magnitude;
  if (signed ? value < INT64_MIN || value > INT64_MAX : value > UINT64_MAX) return undefined;
  return value;
}

/** How go-yaml v2 resolves a plain (unquoted, untagged) scalar. */
function resolvePlain(text: string): Resolved {
  if (NULLS.has(text)) return { tag: 'null', value: null };
  if (TRUES.has(text)) return { tag: 'bool', value: true };
  if (FALSES.has(text)) return { tag: 'bool', value: false };
  if (text in INFINITIES) return { tag: 'float', value: INFINITIES[text] };
  if (text === '<<') return { tag: 'merge', value: MERGE };
  if ('+-.0123456789'.includes(text[0])) {
    const plain = text.replace(/_/g, '');
    const integer = goParseInteger(plain, true) ?? goParseInteger(plain, false);
    if (integer !== undefined) return { tag: 'int', value: Number(integer) };
    if (YAML_FLOAT.test(plain)) {
      const f = Number(plain);
      if (Number.isFinite(f)) return { tag: 'float', value: f };
    }
  }
  return { tag: 'str', value: text };
}

function fail(message: string): never {
  throw new YamlDecodeError(message);
}

/** Go's %#v of a decoded value, as go-yaml prints an invalid map key. */
function goSyntax(v: GoValue): string {
  if (v === null) return '<nil>';
  if (v === MERGE) return '"<<"';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[]interface {}{${v.map(goSyntax).join(', ')}}`;
  const items = [...v.entries.values()].map(({ key, value }) => `${goSyntax(key)}:${goSyntax(value)}`).sort();
  return `map[interface {}]interface {}{${items.join(', ')}}`;
}

/**
 * go-yaml keeps a block scalar's final line break only when the input has one: `a: |` + `  x`
 * at the very end of the input reads "x", where the yaml package always adds "\n" (clip and keep
 * chomping). The value to use instead, or undefined when nothing differs.
 */
export function blockScalarAtEnd(node: Scalar, source: string): string | undefined {
  if (node.type !== 'BLOCK_LITERAL' && node.type !== 'BLOCK_FOLDED') return undefined;
  const value = node.value;
  if (typeof value !== 'string' || !value.endsWith('\n') || !node.range) return undefined;
  return /[\r\n]$/.test(source.slice(node.range[0], node.range[1])) ? undefined : value.slice(0, -1);
}

class Decoder {
  private readonly open = new Set<Node>();
  constructor(
    private readonly doc: Document,
    private readonly source: string,
  ) {}

  decode(node: unknown): GoValue {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      if (!target) fail(`yaml: unknown anchor '${node.source}' referenced`);
      if (this.open.has(target)) fail(`yaml: anchor '${node.source}' value contains itself`);
      return this.decode(target);
    }
    // The text as written: the npm parser resolves a few tags (binary, timestamp) even so.
    if (isScalar(node)) {
      const text = typeof node.value === 'string' ? (blockScalarAtEnd(node, this.source) ?? node.value) : String(node.source ?? node.value ?? '');
      return this.scalar(text, node.type === 'PLAIN', node.tag);
    }
    if (isSeq(node)) return this.within(node, () => node.items.map((item) => this.decode(item)));
    if (isMap(node)) return this.within(node, () => this.mapping(node.items));
    return fail('yaml: unknown node');
  }

  private within<T>(node: Node, read: () => T): T {
    this.open.add(node);
    try {
      return read();
    } finally {
      this.open.delete(node);
    }
  }

  private scalar(text: string, plain: boolean, tag: string | undefined): GoValue {
    if (!tag || tag === '!') return plain && !tag ? resolvePlain(text).value : text;
    if (!tag.startsWith(TAG)) return text; // a tag go-yaml does not know keeps the text
    const want = tag.slice(TAG.length);
    if (want === 'str' || want === 'timestamp') return text;
    if (want === 'binary') return Buffer.from(text.replace(/\s/g, ''), 'base64').toString('utf8');
    const resolved = resolvePlain(text);
    if (resolved.tag === want) return resolved.value;
    if (want === 'float' && resolved.tag === 'int') return resolved.value;
    if (['null', 'bool', 'int', 'float', 'merge'].includes(want))
      fail(`yaml: cannot decode !!${resolved.tag === 'merge' ? 'merge' : resolved.tag} \`${text}\` as a !!${want}`);
    return text;
  }

  private mapping(pairs: { key: unknown; value: unknown }[]): GoMap {
    const out = new GoMap();
    for (const pair of pairs) {
      const key = this.decode(pair.key);
      if (key === MERGE) {
        this.merge(pair.value, out);
        continue;
      }
      if (Array.isArray(key) || key instanceof GoMap) fail(`yaml: invalid map key: ${goSyntax(key)}`);
      out.set(key, this.decode(pair.value));
    }
    return out;
  }

  private merge(node: unknown, out: GoMap): void {
    const wantMap = () => fail('yaml: map merge requires map or sequence of maps as the value');
    const target = isAlias(node) ? node.resolve(this.doc) : node;
    const mergeMap = (n: unknown) => {
      const m = this.decode(n);
      if (!(m instanceof GoMap)) wantMap();
      for (const { key, value } of (m as GoMap).entries.values()) out.set(key, value);
    };
    if (isMap(target)) return mergeMap(node);
    if (!isSeq(target)) wantMap();
    const items = (target as { items: unknown[] }).items;
    // Later maps in the list yield to earlier ones.
    for (let i = items.length - 1; i >= 0; i--) {
      const item = items[i];
      if (!isMap(isAlias(item) ? item.resolve(this.doc) : item)) wantMap();
      mergeMap(item);
    }
  }
}

/** strconv.FormatFloat(f, 'g', -1, 32), as sigs.k8s.io/yaml writes a float map key. */
function formatFloatKey(f: number): string {
  if (f === Infinity) return '.inf';
  if (f === -Infinity) return '-.inf';
  if (Number.isNaN(f)) return '.nan';
  const single = Math.fround(f);
  let digits = '';
  for (let p = 1; p <= 9; p++) {
    digits = single.toExponential(p - 1);
    if (Math.fround(Number(digits)) === single) break;
  }
  const [mantissa, exp] = digits.split('e');
  const e = Number(exp);
  // Go picks %e for the shortest form when the exponent is < -4 or >= 6.
  if (e < -4 || e >= 6) {
    const sign = e < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  return String(Number(digits));
}

/** sigs.k8s.io/yaml's conversion of go-yaml's result to something JSON can hold. */
function toJsonable(v: GoValue): unknown {
  if (Array.isArray(v)) return v.map(toJsonable);
  if (!(v instanceof GoMap)) return v === MERGE ? '<<' : v;
  const out: Record<string, unknown> = {};
  for (const { key, value } of v.entries.values()) {
    let name: string;
    if (typeof key === 'string') name = key;
    else if (key === MERGE) name = '<<';
    else if (typeof key === 'boolean') name = String(key);
    else if (typeof key === 'number') name = Number.isInteger(key) && !Object.is(key, -0) ? String(key) : formatFloatKey(key);
    else return fail(`Unsupported map key of type: %!s(<nil>), key: <nil>, value: ${goSyntax(value)}`);
    out[name] = toJsonable(value);
  }
  return out;
}

/** Go's json.Marshal refuses NaN and infinities; it walks maps in key order. */
function checkMarshal(v: unknown): void {
  if (typeof v === 'number' && !Number.isFinite(v)) fail(`json: unsupported value: ${Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf'}`);
  if (Array.isArray(v)) v.forEach(checkMarshal);
  else if (v && typeof v === 'object') for (const key of Object.keys(v).sort()) checkMarshal((v as Record<string, unknown>)[key]);
}

/**
 * The JSON value Kubernetes makes of a YAML body (null for an empty one). Throws
 * YamlDecodeError with Kubernetes' message when it would refuse the body.
 */
export function yamlToJson(input: Uint8Array | string): unknown {
  let text: string | undefined;
  try {
    text = checkGoYamlSyntax(input);
  } catch (e) {
    if (e instanceof GoYamlError) throw new YamlDecodeError(e.message);
    throw e;
  }
  if (text === undefined) return null;
  // Only the first document, up to where go-yaml stopped reading (it ignores what follows).
  const docs = parseAllDocuments(text, { schema: 'failsafe', uniqueKeys: false, merge: false });
  const doc = Array.isArray(docs) ? docs[0] : undefined;
  if (!doc) return null;
  // Only where the npm parser is stricter than go-yaml (its words, then).
  if (doc.errors.length) fail(`yaml: ${doc.errors[0].message.split('\n')[0]}`);
  const value = toJsonable(new Decoder(doc, text).decode(doc.contents));
  checkMarshal(value);
  return value;
}

/**
 * The summary of a body the API server appends to a decoding error: the text when it starts
 * with '{', else hex; 30 bytes at most, then " ...".
 */
export function summarizeBody(bytes: Uint8Array): string {
  if (bytes.length === 0) return '<empty>';
  const shown = bytes.subarray(0, 30);
  const more = bytes.length > 30 ? ' ...' : '';
  if (bytes[0] === 0x7b) return Buffer.from(shown).toString('utf8') + more;
  return Buffer.from(shown).toString('hex') + more;
}
