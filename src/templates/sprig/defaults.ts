/** Sprig v2.22 defaults.go (default, empty, coalesce, ternary, toJson, deepCopy) and reflect.go. */
import { formatFloat, sortedKeys } from '../fmt.js';
import {
  FuncError,
  GoFunc,
  GoInt,
  GoStruct,
  GoTime,
  isGoMap,
  setMapType,
  setSliceType,
  mapElemType,
  sliceElemType,
  type FuncMap,
  type GoMap,
  type GoValue,
} from '../values.js';
import { deepEqual, goTypeName, isEmpty, kindOf } from './conv.js';
import { formatTime } from './gotime.js';
import { def } from './strings.js';

// ---------------------------------------------------------------------------
// encoding/json

class JsonUnsupported extends Error {}

/** encoding/json's string encoding (HTML-safe, as json.Marshal does). */
export function jsonString(s: string): string {
  let out = '"';
  for (const c of s) {
    const r = c.codePointAt(0)!;
    switch (c) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
    }
    if (r < 0x20 || c === '<' || c === '>' || c === '&' || r === 0x2028 || r === 0x2029) {
      out += '\\u' + r.toString(16).padStart(4, '0');
    } else if (r >= 0xd800 && r <= 0xdfff) {
      out += '\\ufffd'; // invalid UTF-8 (a lone surrogate here)
    } else {
      out += c;
    }
  }
  return out + '"';
}

/** encoding/json's float64 format: shortest digits, exponent only below 1e-6 or from 1e21. */
export function jsonFloat(f: number): string {
  if (!Number.isFinite(f)) throw new JsonUnsupported(`json: unsupported value: ${formatFloat(f, 'g', -1)}`);
  const abs = Math.abs(f);
  if (abs !== 0 && (abs < 1e-6 || abs >= 1e21)) {
    const s = formatFloat(f, 'e', -1);
    return s.replace(/e-0(\d)$/, 'e-$1');
  }
  return formatFloat(f, 'f', -1);
}

function marshal(v: GoValue, indent: string, depth: number): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string':
      return jsonString(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      return jsonFloat(v);
  }
  if (v instanceof GoInt) return v.value.toString();
  if (v instanceof GoTime) return '"' + formatTime(v, '2006-01-02T15:04:05.999999999Z07:00') + '"';
  if (v instanceof GoFunc) throw new JsonUnsupported('json: unsupported type: func');
  if (v instanceof GoStruct) {
    const json = (v as unknown as { toJSON?: () => string }).toJSON;
    if (typeof json === 'function') return jsonString(json.call(v));
    throw new JsonUnsupported(`json: unsupported type: ${v.goType}`);
  }
  const nl = indent ? '\n' + indent.repeat(depth + 1) : '';
  const close = indent ? '\n' + indent.repeat(depth) : '';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return '[' + nl + v.map((x) => marshal(x, indent, depth + 1)).join(',' + nl) + close + ']';
  }
  const keys = sortedKeys(v);
  if (keys.length === 0) return '{}';
  const sep = indent ? ': ' : ':';
  return '{' + nl + keys.map((k) => jsonString(k) + sep + marshal(v[k], indent, depth + 1)).join(',' + nl) + close + '}';
}

/** json.Marshal (indent '') or json.MarshalIndent(v, "", indent); throws on unsupported values. */
export function toJSON(v: GoValue, indent = ''): string {
  return marshal(v, indent, 0);
}

/** Sprig ignores marshalling errors and returns "". */
function jsonOrEmpty(v: GoValue, indent: string): string {
  try {
    return toJSON(v, indent);
  } catch (e) {
    if (e instanceof JsonUnsupported) return '';
    throw e;
  }
}

// ---------------------------------------------------------------------------

/** copystructure.Copy: a deep copy of maps and slices. */
export function deepCopy(v: GoValue): GoValue {
  if (Array.isArray(v)) return setSliceType(v.map(deepCopy), sliceElemType(v));
  if (isGoMap(v)) {
    const out: GoMap = {};
    for (const k of Object.keys(v)) out[k] = deepCopy(v[k]);
    return mapElemType(v) === 'interface {}' ? out : setMapType(out, mapElemType(v));
  }
  return v;
}

export const defaultFuncs: FuncMap = {
  default: def(['interface {}'], (d: GoValue, ...given: GoValue[]) => (given.length === 0 || isEmpty(given[0]) ? d : given[0]), 'interface {}'),
  empty: def(['interface {}'], (v: GoValue) => isEmpty(v)),
  coalesce: def(
    [],
    (...vs: GoValue[]) => {
      for (const v of vs) if (!isEmpty(v)) return v;
      return null;
    },
    'interface {}',
  ),
  ternary: def(['interface {}', 'interface {}', 'bool'], (vt: GoValue, vf: GoValue, c: boolean) => (c ? vt : vf)),
  toJson: def(['interface {}'], (v: GoValue) => jsonOrEmpty(v, '')),
  toPrettyJson: def(['interface {}'], (v: GoValue) => jsonOrEmpty(v, '  ')),
  deepCopy: def(['interface {}'], (v: GoValue) => {
    if (v === null || v === undefined) throw new FuncError('reflect: call of reflect.Value.Type on zero Value');
    return deepCopy(v);
  }),
};

export const reflectFuncs: FuncMap = {
  typeOf: def(['interface {}'], (v: GoValue) => goTypeName(v)),
  typeIs: def(['string', 'interface {}'], (t: string, v: GoValue) => t === goTypeName(v)),
  typeIsLike: def(['string', 'interface {}'], (t: string, v: GoValue) => {
    const name = goTypeName(v);
    return t === name || '*' + t === name;
  }),
  kindOf: def(['interface {}'], (v: GoValue) => kindOf(v)),
  kindIs: def(['string', 'interface {}'], (k: string, v: GoValue) => k === kindOf(v)),
  deepEqual: def(['interface {}', 'interface {}'], (a: GoValue, b: GoValue) => deepEqual(a, b)),
};
