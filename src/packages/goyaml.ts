/**
 * YAML output as sigs.k8s.io/yaml's Marshal writes it (JSON first, then go-yaml v2):
 * map keys sorted, block style, sequences inside maps not indented, strings quoted
 * only when they would read back as something else. Used for array/map parameter
 * values, which KUDO stores as YAML text.
 */
import { formatFloatG } from './gofmt.js';

type JsonValue = string | number | bigint | boolean | null | JsonValue[] | { [k: string]: JsonValue };

// Plain scalars that YAML 1.1 would read as non-strings must be quoted.
const NON_STRING =
  /^(?:~|null|Null|NULL|y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0[0-7_]+|[-+]?0x[0-9a-fA-F_]+|[-+]?0b[01_]+|[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|\d{4}-\d\d?-\d\d?(?:[Tt ].*)?)$/;

/** Strings YAML would read back as another type get double quotes (go-yaml's choice). */
function readsAsNonString(s: string): boolean {
  return s === '' || NON_STRING.test(s);
}

/** Strings the emitter cannot write plain; go-yaml then uses single quotes. */
function plainNotAllowed(s: string): boolean {
  if (/^\s|\s$/.test(s)) return true;
  if (/^[-?:,[\]{}#&*!|>'"%@`]/.test(s) && !/^[-?:][^\s,[\]{}]/.test(s)) return true;
  if (/: |:$| #|\t/.test(s)) return true;
  if (/^(---|\.\.\.)/.test(s)) return true;
  return false;
}

function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f]/;

function quoteString(s: string): string {
  if (readsAsNonString(s) || UNPRINTABLE.test(s)) return quote(s);
  if (plainNotAllowed(s)) return `'${s.replace(/'/g, "''")}'`;
  return s;
}

function scalar(v: JsonValue, indent: string): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 1e21 ? BigInt(v).toString() : formatFloatG(v);
  const s = v as string;
  if (s.includes('\n') && !/[\u0000-\u0008\u000b-\u001f\u007f]/.test(s) && !/^\s/.test(s) && !/[ \t]\n/.test(s)) {
    const chomp = s.endsWith('\n') ? (s.endsWith('\n\n') ? '+' : '') : '-';
    const body = s.endsWith('\n') ? s.slice(0, -1) : s;
    return (
      `|${chomp}\n` +
      body
        .split('\n')
        .map((l) => (l ? indent + '  ' + l : ''))
        .join('\n')
    );
  }
  return quoteString(s);
}

function isContainer(v: JsonValue): v is JsonValue[] | { [k: string]: JsonValue } {
  return typeof v === 'object' && v !== null;
}
function isEmpty(v: JsonValue[] | { [k: string]: JsonValue }): boolean {
  return Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0;
}

function emit(v: JsonValue, indent: string): string[] {
  if (Array.isArray(v)) {
    const lines: string[] = [];
    for (const item of v) {
      if (isContainer(item) && !isEmpty(item)) {
        const inner = emit(item, indent + '  ');
        lines.push(`${indent}- ${inner[0].slice(indent.length + 2)}`, ...inner.slice(1));
      } else lines.push(`${indent}- ${isContainer(item) ? (Array.isArray(item) ? '[]' : '{}') : scalar(item, indent)}`);
    }
    return lines;
  }
  const obj = v as { [k: string]: JsonValue };
  const lines: string[] = [];
  for (const key of Object.keys(obj).sort()) {
    const value = obj[key];
    const k = quoteString(key);
    if (isContainer(value) && !isEmpty(value)) {
      lines.push(`${indent}${k}:`, ...emit(value, Array.isArray(value) ? indent : indent + '  '));
    } else lines.push(`${indent}${k}: ${isContainer(value) ? (Array.isArray(value) ? '[]' : '{}') : scalar(value, indent)}`);
  }
  return lines;
}

/** Marshals a JSON-like value to YAML text ending with a newline. */
export function marshalYaml(v: JsonValue): string {
  if (!isContainer(v)) return scalar(v, '') + '\n';
  if (isEmpty(v)) return (Array.isArray(v) ? '[]' : '{}') + '\n';
  return emit(v, '').join('\n') + '\n';
}
