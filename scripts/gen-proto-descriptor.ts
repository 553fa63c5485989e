/**
 * Generates src/k8s/protobuf/descriptor.json, the compact schema the protobuf body decoder
 * needs, from the upstream .proto files and the Go field table in ../shared/reference/k8s-proto:
 *
 *   npx node --import tsx scripts/gen-proto-descriptor.ts [reference-dir]
 *
 * The .proto files give field numbers, wire types and message types; the table gives the Go
 * facts that decide the JSON form (pointer or value, omitempty). Fields the table leaves out
 * are embedded structs (`json:",inline"`) or the `metadata` of top-level kinds.
 *
 * Descriptor shape (see src/k8s/protobuf/descriptor.ts for the reader):
 *   messages: { "<id>": [[number, jsonName, type, flags], ...] }  in Go struct order
 *   special:  { "<id>": "time" | "microtime" | "duration" | "quantity" | "intorstring" | "rawextension" | "fieldsv1" | "list" }
 *   kinds:    { "<apiVersion>": { "<Kind>": "<id>" } }
 *   optionKinds: { "<Kind>": "<id>" }  meta/v1 kinds every group-version accepts (DeleteOptions, ...)
 * A message id is the proto full name without `k8s.io.api.` / `k8s.io.apimachinery.pkg.`.
 * `type` is a proto scalar name or a message id. `flags`: first letter `p` (Go pointer: present
 * only when on the wire), `v` (Go value), `r` (repeated) or `m` (map, string keys, `type` is the
 * value type); then `e` when the Go field is omitempty/omitzero, `i` when it is an embedded struct.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GROUPS, SCALARS, parseProto, protoFiles, type ProtoField, type ProtoMessage } from './lib/k8s-proto.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const refDir = process.argv[2] ?? join(root, '..', 'shared', 'reference', 'k8s-proto');
const outFile = join(root, 'src', 'k8s', 'protobuf', 'descriptor.json');

/** Messages whose Go type marshals itself to JSON, keyed by proto full name. */
const SPECIAL: Record<string, string> = {
  'k8s.io.apimachinery.pkg.apis.meta.v1.Time': 'time',
  'k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime': 'microtime',
  'k8s.io.apimachinery.pkg.apis.meta.v1.Duration': 'duration',
  'k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1': 'fieldsv1',
  'k8s.io.apimachinery.pkg.api.resource.Quantity': 'quantity',
  'k8s.io.apimachinery.pkg.api.resource.QuantityValue': 'quantity',
  'k8s.io.apimachinery.pkg.util.intstr.IntOrString': 'intorstring',
  'k8s.io.apimachinery.pkg.runtime.RawExtension': 'rawextension',
};

/** Messages with object metadata that are parts of other kinds, not kinds themselves. */
const NOT_KINDS = new Set(['PodTemplateSpec', 'JobTemplateSpec', 'PersistentVolumeClaimTemplate', 'ResourceClaimTemplateSpec']);

/** Packages present only because a served group imports them. */
const NOT_SERVED = new Set(['k8s.io.api.scheduling.v1alpha3']);

/** meta/v1 kinds that client-go registers in every group-version (request options). */
const OPTION_KINDS = ['DeleteOptions', 'CreateOptions', 'UpdateOptions', 'PatchOptions', 'GetOptions', 'ListOptions'];

interface GoField {
  jsonName: string;
  goKind: string;
  options: string;
}

function readGoFields(path: string): Map<string, GoField> {
  const rows = readFileSync(path, 'utf8').split('\n');
  const header = rows[0].split('\t');
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`${path}: missing column ${name}`);
    return i;
  };
  const [pkgI, msgI, jsonI, numI, kindI, optI] = ['proto_package', 'message', 'json_name', 'field_number', 'go_kind', 'json_options'].map(col);
  const out = new Map<string, GoField>();
  rows.slice(1).forEach((row, i) => {
    if (row.trim() === '') return;
    const c = row.split('\t');
    if (c.length < header.length) throw new Error(`${path}:${i + 2}: expected ${header.length} columns`);
    out.set(`${c[pkgI]}.${c[msgI]}#${c[numI]}`, { jsonName: c[jsonI], goKind: c[kindI], options: c[optI] });
  });
  return out;
}

function shortId(fullName: string): string {
  return fullName.replace(/^k8s\.io\.api\./, '').replace(/^k8s\.io\.apimachinery\.pkg\./, '');
}

function main(): void {
  const files = protoFiles(join(refDir, 'k8s.io'));
  const messages = new Map<string, ProtoMessage>();
  for (const file of files) {
    for (const msg of parseProto(readFileSync(file, 'utf8'), relative(refDir, file))) messages.set(`${msg.pkg}.${msg.name}`, msg);
  }
  const goFields = readGoFields(join(refDir, 'go-json-fields.tsv'));
  const used = new Set<string>();
  const messagesWithRows = new Set([...goFields.keys()].map((key) => key.slice(0, key.indexOf('#'))));

  const resolve = (type: string, msg: ProtoMessage, field: ProtoField): string => {
    if (SCALARS.has(type)) return type;
    const full = type.includes('.') ? type.replace(/^\./, '') : `${msg.pkg}.${type}`;
    if (!messages.has(full)) throw new Error(`${msg.file}:${field.line}: unknown type ${type}`);
    return shortId(full);
  };

  const outMessages: Record<string, [number, string, string, string][]> = {};
  const special: Record<string, string> = {};
  const inlineReport: string[] = [];
  for (const [full, msg] of messages) {
    const id = shortId(full);
    if (SPECIAL[full]) special[id] = SPECIAL[full];
    if (msg.sliceWrapper) {
      if (msg.fields.length !== 1 || msg.fields[0].label !== 'repeated') throw new Error(`${msg.file}: ${msg.name} is nullable but not a slice wrapper`);
      special[id] = 'list';
    }
    outMessages[id] = msg.fields.map((field) => {
      const key = `${full}#${field.number}`;
      const go = goFields.get(key);
      const type = resolve(field.type, msg, field);
      let flags: string;
      let jsonName: string;
      if (go) {
        used.add(key);
        jsonName = go.jsonName;
        const cardinality = field.label === 'repeated' ? 'r' : field.label === 'map' ? 'm' : go.goKind === 'pointer' ? 'p' : 'v';
        flags = cardinality + (/omitempty|omitzero/.test(go.options) ? 'e' : '');
      } else if (field.name === 'metadata' && /meta\.v1\.(ObjectMeta|ListMeta)$/.test(type)) {
        // Top-level kinds embed `metav1.ObjectMeta json:"metadata,omitempty"`.
        jsonName = 'metadata';
        flags = 've';
      } else if (special[id] || SPECIAL[full] || full.startsWith('k8s.io.apimachinery.pkg.runtime.')) {
        // Self-marshalling and runtime types have no Go field table rows; the decoder handles them by name.
        jsonName = field.name;
        flags = field.label === 'repeated' ? 'r' : field.label === 'map' ? 'm' : 'v';
      } else if (!messagesWithRows.has(full)) {
        // Go structs the table does not cover (meta/v1 GroupVersionKind and friends, WatchEvent,
        // core/v1 List): plain fields named as in the proto, without omitempty.
        jsonName = field.name;
        flags = field.label === 'repeated' ? 'r' : field.label === 'map' ? 'm' : 'v';
      } else if (field.label === 'optional' && !SCALARS.has(field.type)) {
        jsonName = field.name;
        flags = 'vi';
        inlineReport.push(`${id}.${field.name}`);
      } else {
        throw new Error(`${msg.file}:${field.line}: ${msg.name}.${field.name} has no row in go-json-fields.tsv`);
      }
      return [field.number, jsonName, type, flags];
    });
  }
  const unused = [...goFields.keys()].filter((k) => !used.has(k));
  if (unused.length > 0) throw new Error(`go-json-fields.tsv rows with no .proto field: ${unused.slice(0, 5).join(', ')}`);

  // Kinds: messages of a group-version package whose first field is the object or list metadata.
  const kinds: Record<string, Record<string, string>> = {};
  for (const [full, msg] of messages) {
    const m = /^k8s\.io\.api\.(\w+)\.(\w+)$/.exec(msg.pkg);
    if (!m || NOT_SERVED.has(msg.pkg) || NOT_KINDS.has(msg.name)) continue;
    const group = GROUPS[m[1]];
    if (group === undefined) throw new Error(`${msg.file}: no API group known for package folder ${m[1]}`);
    const meta = msg.fields.find((f) => f.name === 'metadata');
    if (!meta || !/^\.?k8s\.io\.apimachinery\.pkg\.apis\.meta\.v1\.(ObjectMeta|ListMeta)$/.test(meta.type)) continue;
    const apiVersion = group === '' ? m[2] : `${group}/${m[2]}`;
    (kinds[apiVersion] ??= {})[msg.name] = shortId(full);
  }
  const optionKinds: Record<string, string> = {};
  for (const kind of OPTION_KINDS) {
    const full = `k8s.io.apimachinery.pkg.apis.meta.v1.${kind}`;
    if (!messages.has(full)) throw new Error(`no message ${full}`);
    optionKinds[kind] = shortId(full);
  }

  const descriptor = {
    generatedBy: 'scripts/gen-proto-descriptor.ts from k8s.io/api and k8s.io/apimachinery generated.proto files and go-json-fields.tsv; do not edit',
    messages: outMessages,
    special,
    kinds,
    optionKinds,
  };
  // One message per line keeps the file small and its diffs readable.
  const body = Object.entries(descriptor)
    .map(([key, value]) => {
      if (typeof value === 'string') return `${JSON.stringify(key)}: ${JSON.stringify(value)}`;
      const entries = Object.entries(value).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
      return `${JSON.stringify(key)}: {\n${entries.join(',\n')}\n}`;
    })
    .join(',\n');
  writeFileSync(outFile, `{\n${body}\n}\n`);
  const kindCount = Object.values(kinds).reduce((n, k) => n + Object.keys(k).length, 0);
  console.log(
    `wrote ${relative(root, outFile)}: ${Object.keys(outMessages).length} messages, ${kindCount} kinds in ${Object.keys(kinds).length} group-versions, ` +
      `${inlineReport.length} embedded fields (${inlineReport.join(', ')})`,
  );
}

try {
  main();
} catch (err) {
  console.error(`gen-proto-descriptor: ${(err as Error).message}`);
  process.exitCode = 1;
}
