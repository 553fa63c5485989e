/**
 * The function map KUDO gives operator templates: Sprig v2.22's text
 * functions without env, expandenv, base, dir, clean, ext and isAbs, plus
 * toYaml (gopkg.in/yaml.v2 v2.3.0 Marshal; errors render as "").
 */
import type { FuncMap, GoValue } from './values.js';
import { sprigFuncs } from './sprig/index.js';
import { toYaml } from './sprig/yaml.js';

export { sprigFuncs };

const REMOVED = new Set(['env', 'expandenv', 'base', 'dir', 'clean', 'ext', 'isAbs']);

export const kudoFuncs: Readonly<FuncMap> = Object.freeze({
  ...Object.fromEntries(Object.entries(sprigFuncs).filter(([name]) => !REMOVED.has(name))),
  toYaml: { params: ['interface {}'], fn: (v: GoValue) => toYaml(v) },
});
