import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kudoFuncs, sprigFuncs } from './kudo-funcs.js';

test("KUDO's map is Sprig v2.22's text map minus seven functions plus toYaml (144 functions)", () => {
  assert.equal(Object.keys(sprigFuncs).length, 150);
  assert.equal(Object.keys(kudoFuncs).length, 144);
  for (const name of ['env', 'expandenv', 'base', 'dir', 'clean', 'ext', 'isAbs']) {
    assert.ok(name in sprigFuncs, name);
    assert.ok(!(name in kudoFuncs), name);
  }
  assert.ok('toYaml' in kudoFuncs);
  assert.ok(!('toYaml' in sprigFuncs));
});

test('Sprig 3 and Helm functions are absent', () => {
  for (const name of [
    'get',
    'dig',
    'seq',
    'fromJson',
    'toRawJson',
    'mustFirst',
    'all',
    'any',
    'chunk',
    'randInt',
    'randBytes',
    'bcrypt',
    'htpasswd',
    'osBase',
    'addf',
    'maxf',
    'regexQuoteMeta',
    'duration',
    'durationRound',
    'mustToDate',
    'genCAWithKey',
    'include',
    'tpl',
    'required',
    'lookup',
    'fromYaml',
    'toToml',
    'sha512sum',
  ]) {
    assert.ok(!(name in kudoFuncs), name);
  }
});

test('every function declares Go parameter types', () => {
  for (const [name, def] of Object.entries(kudoFuncs)) {
    assert.ok(Array.isArray(def.params), name);
    assert.equal(typeof def.fn, 'function', name);
  }
  assert.deepEqual(kudoFuncs.until.params, ['int']);
  assert.deepEqual(kudoFuncs.add.variadic, 'interface {}');
  assert.deepEqual(kudoFuncs.derivePassword.params, ['uint32', 'string', 'string', 'string', 'string']);
});
