/**
 * Sprig v2.22.0's text function map (`sprig.TxtFuncMap()`), function by
 * function with its Go signature. KUDO's map (../kudo-funcs.ts) and
 * Helm-like maps are built from it.
 */
import { FuncError, type FuncMap } from '../values.js';
import { cryptoFuncs } from './crypto.js';
import { dateFuncs } from './dates.js';
import { defaultFuncs, reflectFuncs } from './defaults.js';
import { dictFuncs } from './dicts.js';
import { encodingFuncs } from './encoding.js';
import { listFuncs } from './lists.js';
import { mathFuncs } from './math.js';
import { networkFuncs } from './network.js';
import { regexFuncs } from './regex.js';
import { semverFuncs } from './semver.js';
import { def, stringFuncs } from './strings.js';
import { urlFuncs } from './urls.js';
import { pathFuncs, osFuncs } from './paths.js';

const flowFuncs: FuncMap = {
  fail: def(['string'], (msg: string) => {
    throw new FuncError(msg);
  }),
};

/** Every function of Sprig v2.22's TxtFuncMap (150 functions). */
export const sprigFuncs: Readonly<FuncMap> = Object.freeze({
  ...stringFuncs,
  ...mathFuncs,
  ...listFuncs,
  ...dictFuncs,
  ...defaultFuncs,
  ...reflectFuncs,
  ...encodingFuncs,
  ...cryptoFuncs,
  ...dateFuncs,
  ...regexFuncs,
  ...semverFuncs,
  ...urlFuncs,
  ...networkFuncs,
  ...pathFuncs,
  ...osFuncs,
  ...flowFuncs,
});
