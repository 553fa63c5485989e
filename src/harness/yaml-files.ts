/**
 * Reading multi-document YAML (or JSON) files into plain objects, and the typed field
 * readers that turn KUTTL documents into our types with errors naming file and field.
 */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../k8s/object.js';
import { HarnessError } from './types.js';

export interface LoadedDocument {
  object: KubeObject;
  /** 1-based line of the document start, for messages. */
  line: number;
}

/**
 * Parses every document of a YAML stream. Documents that are empty or have no `kind`
 * are skipped (KUTTL logs and skips them); `skipped` counts them.
 */
export function parseYamlDocuments(text: string, file: string): { documents: LoadedDocument[]; skipped: number } {
  const documents: LoadedDocument[] = [];
  let skipped = 0;
  // YAML 1.1, as Go's YAML reader understands it (yes/no booleans and so on).
  for (const doc of parseAllDocuments(text, { version: '1.1', uniqueKeys: false })) {
    const line = lineOf(text, doc.contents?.range?.[0] ?? doc.range?.[0] ?? 0);
    if (doc.errors.length > 0) {
      const err = doc.errors[0];
      const at = err.linePos?.[0] ? `${file}:${err.linePos[0].line}` : `${file}:${line}`;
      throw new HarnessError(`${at}: invalid YAML: ${err.message.split('\n')[0]}`);
    }
    const value: unknown = doc.toJS({ maxAliasCount: 1000 });
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new HarnessError(`${file}:${line}: expected a Kubernetes object (a mapping), found ${Array.isArray(value) ? 'a list' : typeof value}`);
    }
    const obj = value as Record<string, unknown>;
    if (typeof obj.kind !== 'string' || obj.kind === '') {
      skipped++;
      continue;
    }
    if (typeof obj.apiVersion !== 'string' || obj.apiVersion === '') {
      throw new HarnessError(`${file}:${line}: object of kind ${obj.kind} has no apiVersion`);
    }
    if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
    if (typeof obj.metadata !== 'object' || Array.isArray(obj.metadata)) {
      throw new HarnessError(`${file}:${line}: metadata of ${obj.kind} must be a mapping`);
    }
    documents.push({ object: obj as KubeObject, line });
  }
  return { documents, skipped };
}

export function readYamlFile(file: string): { documents: LoadedDocument[]; skipped: number } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new HarnessError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseYamlDocuments(text, file);
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** True for `kuttl.dev/<any version>` and the harness kinds of the legacy `kudo.dev` group (any version). */
export function harnessKind(obj: KubeObject): 'TestSuite' | 'TestStep' | 'TestAssert' | 'TestFile' | undefined {
  const group = obj.apiVersion.split('/')[0];
  const kinds = ['TestSuite', 'TestStep', 'TestAssert', 'TestFile'] as const;
  const kind = kinds.find((k) => k === obj.kind);
  if (!kind) return undefined;
  if (group === 'kuttl.dev') return kind;
  // KUTTL v0.8.1 still accepted the old group for its own kinds (deprecated); KUDO's
  // suites of that time wrote both kudo.dev/v1alpha1 and kudo.dev/v1beta1 TestSteps.
  if (group === 'kudo.dev' && kind !== 'TestFile') return kind;
  return undefined;
}

/** Typed access to the fields of one document, with messages naming file, line and field. */
export class FieldReader {
  constructor(
    private readonly data: Record<string, unknown>,
    private readonly where: string,
    private readonly prefix = '',
  ) {}

  private fail(field: string, want: string, got: unknown): never {
    const found = got === null ? 'null' : Array.isArray(got) ? 'a list' : typeof got;
    throw new HarnessError(`${this.where}: field ${this.prefix}${field} must be ${want}, found ${found}`);
  }

  has(field: string): boolean {
    return this.data[field] !== undefined && this.data[field] !== null;
  }

  string(field: string): string | undefined {
    const v = this.data[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') this.fail(field, 'a string', v);
    return v;
  }

  bool(field: string): boolean | undefined {
    const v = this.data[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') this.fail(field, 'true or false', v);
    return v;
  }

  int(field: string): number | undefined {
    const v = this.data[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail(field, 'an integer', v);
    return v;
  }

  strings(field: string): string[] {
    const v = this.data[field];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) this.fail(field, 'a list of strings', v);
    return v.map((item, i) => {
      if (typeof item !== 'string') this.fail(`${field}[${i}]`, 'a string', item);
      return item;
    });
  }

  stringMap(field: string): Record<string, string> | undefined {
    const v = this.data[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) this.fail(field, 'a mapping of strings', v);
    for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
      if (typeof item !== 'string') this.fail(`${field}.${k}`, 'a string', item);
    }
    return v as Record<string, string>;
  }

  /** Each element of a list of mappings, as its own reader. */
  objects(field: string): FieldReader[] {
    const v = this.data[field];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) this.fail(field, 'a list', v);
    return v.map((item, i) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) this.fail(`${field}[${i}]`, 'a mapping', item);
      return new FieldReader(item as Record<string, unknown>, this.where, `${this.prefix}${field}[${i}].`);
    });
  }

  object(field: string): FieldReader | undefined {
    const v = this.data[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) this.fail(field, 'a mapping', v);
    return new FieldReader(v as Record<string, unknown>, this.where, `${this.prefix}${field}.`);
  }

  /** Fields present in the document but not in `known`, for warnings about typos. */
  unknownFields(known: readonly string[]): string[] {
    return Object.keys(this.data)
      .filter((k) => !known.includes(k))
      .map((k) => `${this.prefix}${k}`);
  }

  get location(): string {
    return this.where;
  }
}
