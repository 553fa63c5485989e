/**
 * Reading the Kubernetes protobuf schema (../shared/reference/k8s-proto) for the generators:
 * the API group of each k8s.io/api package and a parser for the proto2 subset go-to-protobuf writes.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The API group of each k8s.io/api package folder (from each package's +groupName). */
export const GROUPS: Record<string, string> = {
  core: '',
  admission: 'admission.k8s.io',
  admissionregistration: 'admissionregistration.k8s.io',
  apidiscovery: 'apidiscovery.k8s.io',
  apps: 'apps',
  authentication: 'authentication.k8s.io',
  authorization: 'authorization.k8s.io',
  autoscaling: 'autoscaling',
  batch: 'batch',
  certificates: 'certificates.k8s.io',
  coordination: 'coordination.k8s.io',
  discovery: 'discovery.k8s.io',
  events: 'events.k8s.io',
  flowcontrol: 'flowcontrol.apiserver.k8s.io',
  networking: 'networking.k8s.io',
  node: 'node.k8s.io',
  policy: 'policy',
  rbac: 'rbac.authorization.k8s.io',
  resource: 'resource.k8s.io',
  scheduling: 'scheduling.k8s.io',
  storage: 'storage.k8s.io',
  storagemigration: 'storagemigration.k8s.io',
};

/** Proto scalar types (never messages). */
export const SCALARS = new Set(['string', 'bool', 'bytes', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'double', 'float', 'fixed32', 'fixed64']);

export interface ProtoField {
  label: 'optional' | 'repeated' | 'map';
  type: string;
  name: string;
  number: number;
  line: number;
  /** The field's doc comment: its `//` lines without the marker and one following space. */
  comment: string;
}
export interface ProtoMessage {
  pkg: string;
  name: string;
  fields: ProtoField[];
  /** `+protobuf.nullable=true`: a Go named slice wrapped in a message with one `items` field. */
  sliceWrapper: boolean;
  file: string;
}

export class ProtoSyntaxError extends Error {}

/** A small parser for the proto2 subset go-to-protobuf writes: package, import, option, flat messages. */
export function parseProto(text: string, file: string): ProtoMessage[] {
  const messages: ProtoMessage[] = [];
  let pkg = '';
  let current: ProtoMessage | undefined;
  let pendingTags: string[] = [];
  let pendingComment: string[] = [];
  const lines = text.split('\n');
  let inBlockComment = false;
  for (let i = 0; i < lines.length; i++) {
    const where = `${file}:${i + 1}`;
    let line = lines[i].trim();
    if (inBlockComment) {
      if (line.includes('*/')) inBlockComment = false;
      continue;
    }
    if (line.startsWith('/*')) {
      inBlockComment = !line.includes('*/');
      continue;
    }
    if (line.startsWith('//')) {
      const tag = /^\/\/\s*(\+protobuf\.\S+)/.exec(line);
      if (tag) pendingTags.push(tag[1]);
      pendingComment.push(lines[i].replace(/^\s*\/\/ ?/, ''));
      continue;
    }
    line = line.replace(/\/\/.*$/, '').trim();
    if (line === '') {
      pendingTags = [];
      pendingComment = [];
      continue;
    }
    const comment = pendingComment.join('\n');
    pendingComment = [];
    let m: RegExpExecArray | null;
    if (current === undefined) {
      if (/^syntax\s*=\s*"proto2"\s*;$/.test(line) || /^import\s+"[^"]+"\s*;$/.test(line) || /^option\s+[\w.]+\s*=\s*"[^"]*"\s*;$/.test(line)) continue;
      if ((m = /^package\s+([\w.]+)\s*;$/.exec(line))) {
        pkg = m[1];
        continue;
      }
      if ((m = /^message\s+(\w+)\s*\{$/.exec(line))) {
        current = { pkg, name: m[1], fields: [], sliceWrapper: pendingTags.includes('+protobuf.nullable=true'), file };
        pendingTags = [];
        continue;
      }
      throw new ProtoSyntaxError(`${where}: unexpected top-level statement: ${line}`);
    }
    if (line === '}') {
      messages.push(current);
      current = undefined;
      continue;
    }
    if ((m = /^(optional|repeated)\s+([\w.]+)\s+(\w+)\s*=\s*(\d+)\s*;$/.exec(line))) {
      current.fields.push({ label: m[1] as 'optional' | 'repeated', type: m[2], name: m[3], number: Number(m[4]), line: i + 1, comment });
      continue;
    }
    if ((m = /^map<\s*string\s*,\s*([\w.]+)\s*>\s+(\w+)\s*=\s*(\d+)\s*;$/.exec(line))) {
      current.fields.push({ label: 'map', type: m[1], name: m[2], number: Number(m[3]), line: i + 1, comment });
      continue;
    }
    throw new ProtoSyntaxError(`${where}: unexpected statement in message ${current.name}: ${line}`);
  }
  if (current) throw new ProtoSyntaxError(`${file}: message ${current.name} is not closed`);
  return messages;
}

export function protoFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...protoFiles(path));
    else if (entry.endsWith('.proto')) out.push(path);
  }
  return out;
}
