/** Sprig v2.22 dictionary functions (dict.go; merges follow mergo 0.3.9 as KUDO vendors it). */
import { compareGoStrings } from '../fmt.js';
import { FuncError, isGoMap, setSliceType, type FuncMap, type GoMap, type GoValue } from '../values.js';
import { isEmpty, strval } from './conv.js';
import { def } from './strings.js';

const MAP = 'map[string]interface {}';
const has = (m: GoMap, k: string): boolean => Object.prototype.hasOwnProperty.call(m, k);

/** Keys in a stable order (Go's map order is random; sorted is one of its outcomes). */
const keysOf = (m: GoMap): string[] => Object.keys(m).sort(compareGoStrings);

/** mergo.Merge / MergeWithOverwrite of map[string]interface{} values, in place. */
export function mergeInto(dst: GoMap, src: GoMap, overwrite: boolean): void {
  for (const key of keysOf(src)) {
    const s = src[key];
    if (s === null || s === undefined) continue; // nil source values never merge
    const present = has(dst, key);
    const d = dst[key];
    if (isGoMap(s)) {
      if (present && isGoMap(d)) mergeInto(d, s, overwrite);
      if (present && !isEmpty(d)) continue;
      dst[key] = s;
    } else if (Array.isArray(s)) {
      if (present && !isEmpty(d)) {
        if (overwrite) dst[key] = s;
        continue;
      }
      dst[key] = s;
    } else if ((overwrite && !isEmpty(s)) || !present || isEmpty(d)) {
      dst[key] = s;
    }
  }
}

function dict(...v: GoValue[]): GoMap {
  const d: GoMap = {};
  for (let i = 0; i < v.length; i += 2) {
    const key = strval(v[i]);
    d[key] = i + 1 < v.length ? v[i + 1] : '';
  }
  return d;
}

/** A nil map argument reads as empty and panics on write, as in Go. */
const asMap = (m: GoValue): GoMap => (m === null || m === undefined ? {} : (m as GoMap));

export const dictFuncs: FuncMap = {
  dict: def([], dict, 'interface {}'),
  set: def([MAP, 'string', 'interface {}'], (d: GoMap | null, key: string, value: GoValue) => {
    if (d === null) throw new FuncError('assignment to entry in nil map');
    d[key] = value;
    return d;
  }),
  unset: def([MAP, 'string'], (d: GoMap | null, key: string) => {
    if (d) delete d[key];
    return d;
  }),
  hasKey: def([MAP, 'string'], (d: GoMap | null, key: string) => has(asMap(d), key)),
  pluck: def(
    ['string'],
    (key: string, ...ds: (GoMap | null)[]) => {
      const res: GoValue[] = [];
      for (const d of ds) if (d && has(d, key)) res.push(d[key]);
      return res;
    },
    MAP,
  ),
  keys: def(
    [],
    (...ds: (GoMap | null)[]) => {
      const k: string[] = [];
      for (const d of ds) k.push(...keysOf(asMap(d)));
      return setSliceType(k, 'string');
    },
    MAP,
  ),
  values: def([MAP], (d: GoMap | null) => keysOf(asMap(d)).map((k) => asMap(d)[k])),
  pick: def(
    [MAP],
    (d: GoMap | null, ...keys: string[]) => {
      const res: GoMap = {};
      const m = asMap(d);
      for (const k of keys) if (has(m, k)) res[k] = m[k];
      return res;
    },
    'string',
  ),
  omit: def(
    [MAP],
    (d: GoMap | null, ...keys: string[]) => {
      const res: GoMap = {};
      const m = asMap(d);
      const omit = new Set(keys);
      for (const k of Object.keys(m)) if (!omit.has(k)) res[k] = m[k];
      return res;
    },
    'string',
  ),
  merge: def(
    [MAP],
    (dst: GoMap | null, ...srcs: (GoMap | null)[]) => {
      const d = dst ?? {};
      for (const s of srcs) if (s) mergeInto(d, s, false);
      return d;
    },
    MAP,
  ),
  mergeOverwrite: def(
    [MAP],
    (dst: GoMap | null, ...srcs: (GoMap | null)[]) => {
      const d = dst ?? {};
      for (const s of srcs) if (s) mergeInto(d, s, true);
      return d;
    },
    MAP,
  ),
};
