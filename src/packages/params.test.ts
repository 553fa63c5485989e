import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseParamsFile } from './model.js';
import {
  mergeParameters,
  missingRequiredParameters,
  parseParameterArgs,
  parseParameterFile,
  templateParams,
  toOperatorVersionParameter,
  validateParameterValue,
  wrapParamValue,
} from './params.js';

const ovParams = (yaml: string) => parseParamsFile(yaml).parameters.map(toOperatorVersionParameter);

test('params.yaml to OperatorVersion form', () => {
  const [n, big, arr, map, str, nul] = ovParams(
    'parameters:\n- name: NUM\n  type: integer\n  default: 3\n- name: BIG\n  default: 1000000\n- name: A\n  type: array\n  default: [80, 443]\n- name: M\n  type: map\n  default: {b: 1, a: 2}\n- name: S\n  default: "x"\n  group: g\n  hint: h\n  advanced: true\n- name: NUL\n  type: array\n  default:\n',
  );
  assert.deepEqual(n, { name: 'NUM', required: true, default: '3', 'value-type': 'integer', immutable: false });
  assert.equal(big.default, '1e+06');
  assert.equal(arr.default, '- 80\n- 443\n');
  assert.equal(map.default, 'a: 2\nb: 1\n');
  assert.deepEqual(str, { name: 'S', required: true, default: 'x', immutable: false });
  // KUDO marshals a missing array/map default to YAML, so it has the default "null\n".
  assert.equal(nul.default, 'null\n');
  assert.equal(wrapParamValue(true, undefined), 'true');
});

test('instance values are validated with KUDO messages', () => {
  const [n, e, b, req] = ovParams(
    'parameters:\n- name: NUM\n  type: integer\n  default: 3\n- name: E\n  enum: [a, b]\n  default: a\n- name: B\n  type: boolean\n  default: "true"\n- name: R\n',
  );
  assert.equal(
    validateParameterValue(n, 'x'),
    'parameter "NUM" has an invalid value "x": type is "integer" but format of "x" is invalid: strconv.ParseInt: parsing "x": invalid syntax',
  );
  assert.equal(
    validateParameterValue(n, '99999999999999999999'),
    'parameter "NUM" has an invalid value "99999999999999999999": type is "integer" but format of "99999999999999999999" is invalid: strconv.ParseInt: parsing "99999999999999999999": value out of range',
  );
  assert.equal(validateParameterValue(n, '-12'), undefined);
  assert.equal(validateParameterValue(e, 'c'), 'parameter "E" has an invalid value "c": value is "c", but only allowed values are [a b]');
  assert.equal(validateParameterValue(b, 'T'), undefined);
  assert.match(validateParameterValue(b, 'yes') ?? '', /strconv\.ParseBool: parsing "yes": invalid syntax/);
  assert.equal(validateParameterValue(req, ''), 'parameter "R" is required but has no value set');
  assert.equal(missingRequiredParameters([n, e, b, req], {}), 'missing required parameters during installation: R');
  assert.equal(missingRequiredParameters([req], { R: 'v' }), undefined);
});

test('-p and -P parsing', () => {
  assert.deepEqual(parseParameterArgs(['a=1', 'b=x=y']).values, { a: '1', b: 'x=y' });
  assert.deepEqual(parseParameterArgs(['a', '=1', 'b=']).errors, [
    'parameter not set: a',
    'parameter name can not be empty: =1',
    'parameter value can not be empty: b=',
  ]);
  const f = parseParameterFile('a: 2\nb: [1, 2]\nc: {x: z}\nd: true\ne: 1000000\nf:\n', 'p.yaml');
  assert.deepEqual(f.values, { a: '2', b: '- 1\n- 2\n', c: 'x: z\n', d: 'true', e: '1e+06' });
  assert.deepEqual(f.errors, ['f has a null value (https://yaml.org/spec/1.2/spec.html#id2803362) which is currently not supported']);
  assert.deepEqual(mergeParameters([{ name: 'f.yaml', text: 'a: 2\nb: 3\n' }], ['a=1']), { a: '1', b: '3' });
  assert.throws(() => mergeParameters([], ['a=']), /^Error: could not parse parameters: parameter value can not be empty: a=$/);
});

test('.Params: strings except arrays and maps, instance values win, missing default is ""', () => {
  const params = ovParams(
    'parameters:\n- name: NUM\n  type: integer\n  default: 3\n- name: A\n  type: array\n  default: [80, 443]\n- name: M\n  type: map\n  default: {b: 1}\n- name: X\n- name: T\n  type: array\n',
  );
  assert.deepEqual(templateParams(params, { NUM: '5' }), { NUM: '5', A: [80, 443], M: { b: 1 }, X: '', T: null });
  assert.equal(params[4].default, 'null\n');
  assert.throws(() => templateParams(params, { A: 'a: b' }), /not a valid array/);
});

test('YAML 1.1 reads a bare y/N as booleans, as go-yaml v2 does', () => {
  assert.deepEqual(parseParameterFile('a: y\nb: N\n', 'p.yaml').values, { a: 'true', b: 'false' });
});
