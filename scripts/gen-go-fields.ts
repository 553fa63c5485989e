/**
 * Generates src/k8s/schema/go-fields.json from the reference Go field table and the
 * upstream .proto files in ../shared/reference/k8s-proto:
 *
 *   npx node --import tsx scripts/gen-go-fields.ts [reference-dir]
 *
 * The table lists, per Go field, its JSON name, Go kind, omitempty and strategic-merge
 * tags, but leaves out embedded (`json:",inline"`) structs and the `metadata` of top-level
 * kinds; those and the element types of fields come from the .proto files, joined on the
 * field number.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GROUPS, SCALARS, parseProto, protoFiles } from './lib/k8s-proto.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const refDir = process.argv[2] ?? join(root, '..', 'shared', 'reference', 'k8s-proto');
const outFile = join(root, 'src', 'k8s', 'schema', 'go-fields.json');

/** Types whose JSON form is a scalar (string or number), never an object to descend into. */
const SCALAR_MESSAGES = new Set([
  'intstr.IntOrString',
  'resource.Quantity',
  'resource.QuantityValue',
  'meta.v1.Time',
  'meta.v1.MicroTime',
  'meta.v1.Duration',
  'meta.v1.Timestamp',
]);

/** Short package names: k8s.io.api.apps.v1 -> apps.v1, k8s.io.apimachinery.pkg.apis.meta.v1 -> meta.v1. */
function shortPackage(pkg: string): string {
  return pkg
    .replace(/^k8s\.io\.api\./, '')
    .replace(/^k8s\.io\.apimachinery\.pkg\.apis\./, '')
    .replace(/^k8s\.io\.apimachinery\.pkg\.(util\.|api\.)?/, '');
}

interface ProtoField {
  number: number;
  name: string;
  type: string; // fully qualified short message name, or a proto scalar
  map: boolean;
  repeated: boolean;
}

/** Every message's fields, keyed by short name (apps.v1.Deployment), types qualified the same way. */
function readProtos(dir: string, out: Map<string, ProtoField[]>): void {
  for (const file of protoFiles(dir)) {
    for (const m of parseProto(readFileSync(file, 'utf8'), file)) {
      const short = shortPackage(m.pkg);
      const qualify = (t: string): string => {
        if (SCALARS.has(t)) return t;
        if (t.startsWith('.')) {
          const i = t.lastIndexOf('.');
          return `${shortPackage(t.slice(1, i))}.${t.slice(i + 1)}`;
        }
        return `${short}.${t}`;
      };
      out.set(
        `${short}.${m.name}`,
        m.fields.map((f) => ({ number: f.number, name: f.name, type: qualify(f.type), map: f.label === 'map', repeated: f.label === 'repeated' })),
      );
    }
  }
}

interface TsvRow {
  message: string;
  json: string;
  number: number;
  goKind: string;
  options: string;
  patch: string;
}

function readTsv(path: string): Map<string, TsvRow[]> {
  const byMessage = new Map<string, TsvRow[]>();
  const lines = readFileSync(path, 'utf8').split('\n').slice(1);
  for (const line of lines) {
    if (!line.trim()) continue;
    const [pkg, message, json, number, goKind, , options, patch] = line.split('\t');
    const key = `${shortPackage(pkg)}.${message}`;
    const rows = byMessage.get(key) ?? [];
    rows.push({ message: key, json, number: Number(number), goKind, options, patch });
    byMessage.set(key, rows);
  }
  return byMessage;
}

/**
 * Compact field record: `<kind>[?]:<type>[:<patchStrategy>[:<mergeKey>]]`, kind being
 * v(alue), p(ointer), s(lice) or m(ap), `?` marking omitempty/omitzero, type the element
 * message (`core.v1.Container`) or proto scalar (`string`, `int32`, `bytes`, ...).
 */
function encodeField(kind: string, type: string, omitempty: boolean, strategy?: string, key?: string): string {
  let s = `${kind}${omitempty ? '?' : ''}:${type}`;
  if (strategy || key) s += `:${strategy ?? ''}`;
  if (key) s += `:${key}`;
  return s;
}

const protos = new Map<string, ProtoField[]>();
readProtos(join(refDir, 'k8s.io'), protos);
const tsv = readTsv(join(refDir, 'go-json-fields.tsv'));

const messages: Record<string, Record<string, string>> = {};

function fieldsOf(name: string, seen: Set<string> = new Set()): Record<string, string> {
  if (seen.has(name)) throw new Error(`inline cycle at ${name}`);
  seen.add(name);
  const proto = protos.get(name) ?? [];
  const rows = new Map((tsv.get(name) ?? []).map((r) => [r.number, r]));
  const out: Record<string, string> = {};
  for (const pf of proto) {
    const row = rows.get(pf.number);
    if (row) {
      // Named Go map/slice types (ResourceList, ...) show as "value" in the table; the proto knows.
      const kind = pf.map ? 'm' : pf.repeated ? 's' : row.goKind === 'pointer' ? 'p' : 'v';
      const strategy = /patchStrategy=([\w,]+?)(?:,patchMergeKey|$)/.exec(row.patch)?.[1];
      const key = /patchMergeKey=(\w+)/.exec(row.patch)?.[1];
      if (row.json !== '-') out[row.json] = encodeField(kind, pf.type, /omitempty|omitzero/.test(row.options), strategy, key);
    } else if (pf.name === 'metadata') {
      out.metadata = encodeField('v', pf.type, true);
    } else if (!SCALARS.has(pf.type) && protos.has(pf.type)) {
      Object.assign(out, fieldsOf(pf.type, seen)); // an embedded (inline) Go struct
    }
  }
  return out;
}

for (const name of [...protos.keys()].sort()) {
  if (SCALAR_MESSAGES.has(name)) continue;
  if (!tsv.has(name) && !(protos.get(name) ?? []).some((f) => f.name === 'metadata')) continue;
  messages[name] = fieldsOf(name);
}

/** Top-level kinds: messages with ObjectMeta or ListMeta metadata, minus embedded templates. */
const kinds: Record<string, Record<string, string>> = {};
const NOT_KINDS = /(TemplateSpec|^PersistentVolumeClaimTemplate|^PartialObjectMetadata(List)?)$/;
for (const [name, fields] of Object.entries(messages)) {
  const meta = fields.metadata?.split(':')[1];
  if (meta !== 'meta.v1.ObjectMeta' && meta !== 'meta.v1.ListMeta') continue;
  const parts = name.split('.');
  const kind = parts.pop()!;
  if (NOT_KINDS.test(kind)) continue;
  let apiVersion: string;
  if (parts[0] === 'meta') apiVersion = 'v1';
  else if (parts[0] in GROUPS) apiVersion = GROUPS[parts[0]] ? `${GROUPS[parts[0]]}/${parts[1]}` : parts[1];
  else continue;
  (kinds[apiVersion] ??= {})[kind] = name;
}

mkdirSync(dirname(outFile), { recursive: true });
const json = JSON.stringify({ scalarTypes: [...SCALAR_MESSAGES].sort(), kinds, messages });
writeFileSync(outFile, json + '\n');
console.log(
  `wrote ${outFile}: ${Object.keys(messages).length} messages, ${Object.values(kinds).reduce((n, k) => n + Object.keys(k).length, 0)} kinds, ${json.length} bytes`,
);
