/** Sprig v2.22 list functions (list.go). They panic on non-lists, with Go's messages. */
import { FuncError, setSliceType, sliceElemType, type FuncMap, type GoValue } from '../values.js';
import { deepEqual, isEmpty, kindOf, nilDeref, toInt64 } from './conv.js';
import { def } from './strings.js';

/** reflect.TypeOf(list).Kind() must be a slice; a nil interface panics like Go's nil Type. */
function requireList(list: GoValue, message: (kind: string) => string): GoValue[] {
  if (list === null || list === undefined) throw nilDeref();
  if (!Array.isArray(list)) throw new FuncError(message(kindOf(list)));
  return list;
}

const inList = (haystack: GoValue[], needle: GoValue): boolean => haystack.some((h) => deepEqual(needle, h));

function slice(list: GoValue, ...indices: GoValue[]): GoValue {
  const l = requireList(list, (k) => `list should be type of slice or array but ${k}`);
  if (l.length === 0) return null;
  const start = indices.length > 0 ? Number(BigInt.asIntN(64, toInt64(indices[0]))) : 0;
  const end = indices.length < 2 ? l.length : Number(BigInt.asIntN(64, toInt64(indices[1])));
  if (start < 0 || end < start || end > l.length) throw new FuncError('reflect.Value.Slice: slice index out of bounds');
  return setSliceType(l.slice(start, end), sliceElemType(l));
}

export const listFuncs: FuncMap = {
  list: def([], (...xs: GoValue[]) => xs, 'interface {}'),
  tuple: def([], (...xs: GoValue[]) => xs, 'interface {}'),
  append: def(['interface {}', 'interface {}'], (l: GoValue, v: GoValue) => [...requireList(l, (k) => `Cannot push on type ${k}`), v]),
  push: def(['interface {}', 'interface {}'], (l: GoValue, v: GoValue) => [...requireList(l, (k) => `Cannot push on type ${k}`), v]),
  prepend: def(['interface {}', 'interface {}'], (l: GoValue, v: GoValue) => [v, ...requireList(l, (k) => `Cannot prepend on type ${k}`)]),
  first: def(['interface {}'], (l: GoValue) => {
    const list = requireList(l, (k) => `Cannot find first on type ${k}`);
    return list.length === 0 ? null : list[0];
  }),
  last: def(['interface {}'], (l: GoValue) => {
    const list = requireList(l, (k) => `Cannot find last on type ${k}`);
    return list.length === 0 ? null : list[list.length - 1];
  }),
  rest: def(['interface {}'], (l: GoValue) => requireList(l, (k) => `Cannot find rest on type ${k}`).slice(1)),
  initial: def(['interface {}'], (l: GoValue) => requireList(l, (k) => `Cannot find initial on type ${k}`).slice(0, -1)),
  reverse: def(['interface {}'], (l: GoValue) => [...requireList(l, (k) => `Cannot find reverse on type ${k}`)].reverse()),
  uniq: def(['interface {}'], (l: GoValue) => {
    const dest: GoValue[] = [];
    for (const item of requireList(l, (k) => `Cannot find uniq on type ${k}`)) if (!inList(dest, item)) dest.push(item);
    return dest;
  }),
  without: def(
    ['interface {}'],
    (l: GoValue, ...omit: GoValue[]) => requireList(l, (k) => `Cannot find without on type ${k}`).filter((item) => !inList(omit, item)),
    'interface {}',
  ),
  has: def(['interface {}', 'interface {}'], (needle: GoValue, haystack: GoValue) => {
    if (haystack === null || haystack === undefined) return false;
    return inList(
      requireList(haystack, (k) => `Cannot find has on type ${k}`),
      needle,
    );
  }),
  compact: def(['interface {}'], (l: GoValue) => requireList(l, (k) => `Cannot compact on type ${k}`).filter((item) => !isEmpty(item))),
  slice: def(['interface {}'], slice, 'interface {}'),
  concat: def(
    [],
    (...lists: GoValue[]) => {
      const res: GoValue[] = [];
      for (const l of lists) res.push(...requireList(l, (k) => `Cannot concat type ${k} as list`));
      return res;
    },
    'interface {}',
  ),
};
