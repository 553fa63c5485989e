/**
 * encode → decode round trips for every kind in the descriptor, with every field of the kind
 * set (nested messages, lists, maps, times, quantities, int-or-string, bytes, raw JSON, embedded
 * structs), and with the Go zero values that must survive (pointer zeros) or vanish (omitempty).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeProtobufObject } from './decode.js';
import { type FieldDef, type MessageDef, protobufApiVersions, protobufKinds, rootMessageFor } from './descriptor.js';
import { encodeProtobufObject } from './encode.js';

/** Below this depth, optional/repeated/map message fields are left unset (they are how Go types recurse). */
const MAX_DEPTH = 8;

let counter = 0;

function sampleSpecial(def: MessageDef): unknown {
  counter++;
  switch (def.special) {
    case 'time':
      return `2024-0${(counter % 9) + 1}-1${counter % 10}T07:08:09Z`;
    case 'microtime':
      return `2024-05-06T07:08:09.${String(123456 + counter).padStart(6, '0')}Z`;
    case 'duration':
      return '1h2m3.5s';
    case 'quantity':
      return ['1500m', '1Gi', '2', '100M', '1e3'][counter % 5];
    case 'intorstring':
      return counter % 2 === 0 ? 8080 : 'http';
    case 'rawextension':
      return { apiVersion: 'v1', kind: 'ConfigMap', data: { n: counter } };
    case 'fieldsv1':
      return { 'f:metadata': { 'f:labels': {} } };
    case 'list':
      return ['a', `b${counter}`];
  }
  throw new Error(`no sample for ${def.special}`);
}

function sampleScalar(field: FieldDef): unknown {
  counter++;
  switch (field.type) {
    case 'string':
      return `${field.jsonName}-${counter}`;
    case 'bool':
      return true;
    case 'bytes':
      return Buffer.from([counter & 0xff, 0xff, 0x00, 0x80]).toString('base64');
    case 'int32':
      return counter % 2 === 0 ? -counter : counter;
    case 'int64':
      return 2 ** 40 + counter;
    case 'double':
      return counter + 0.5;
  }
  throw new Error(`no sample for ${field.type}`);
}

function sampleValue(field: FieldDef, depth: number): unknown {
  if (!field.message) return sampleScalar(field);
  if (field.message.special) return sampleSpecial(field.message);
  return sampleMessage(field.message, depth + 1);
}

/** An object with every field set, in Go's JSON form. */
function sampleMessage(def: MessageDef, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of def.fields) {
    if (field.inline) {
      Object.assign(out, sampleMessage(field.message!, depth));
      continue;
    }
    const recursive = field.message && !field.message.special && field.cardinality !== 'value';
    if (recursive && depth >= MAX_DEPTH) {
      if (!field.omitEmpty) out[field.jsonName] = null;
      continue;
    }
    if (field.cardinality === 'repeated') out[field.jsonName] = [sampleValue(field, depth), sampleValue(field, depth)];
    else if (field.cardinality === 'map') out[field.jsonName] = { one: sampleValue(field, depth), 'two.example.com/x': sampleValue(field, depth) };
    else out[field.jsonName] = sampleValue(field, depth);
  }
  return out;
}

const kinds = protobufApiVersions().flatMap((apiVersion) => protobufKinds(apiVersion).map((kind) => ({ apiVersion, kind })));

test('the descriptor knows the kinds kubectl writes in protobuf', () => {
  for (const [apiVersion, kind] of [
    ['v1', 'Namespace'],
    ['v1', 'Secret'],
    ['apps/v1', 'Deployment'],
    ['batch/v1', 'CronJob'],
    ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'],
    ['policy/v1', 'PodDisruptionBudget'],
    ['autoscaling/v2', 'HorizontalPodAutoscaler'],
    ['authentication.k8s.io/v1', 'TokenRequest'],
    ['authorization.k8s.io/v1', 'SelfSubjectAccessReview'],
    ['autoscaling/v1', 'Scale'],
  ]) {
    assert.ok(
      kinds.some((k) => k.apiVersion === apiVersion && k.kind === kind),
      `${apiVersion} ${kind}`,
    );
  }
  assert.ok(kinds.length > 100, `${kinds.length} kinds`);
});

for (const { apiVersion, kind } of kinds) {
  test(`${apiVersion} ${kind}: every field set round-trips`, () => {
    const def = rootMessageFor(apiVersion, kind)!;
    const object = { kind, apiVersion, ...sampleMessage(def, 0) };
    assert.deepEqual(decodeProtobufObject(encodeProtobufObject(object)), object);
  });

  test(`${apiVersion} ${kind}: an object with only metadata gets Go's zero values`, () => {
    const isList = kind.endsWith('List');
    const metadata = isList ? { resourceVersion: '5' } : { name: 'x' };
    const decoded = decodeProtobufObject(encodeProtobufObject({ kind, apiVersion, metadata }));
    // The value `creationTimestamp` (zero metav1.Time) is null, not left out, in Go's JSON (≤ 1.31).
    assert.deepEqual(decoded.metadata, isList ? metadata : { ...metadata, creationTimestamp: null });
    // Decoding is stable: encoding the decoded object again gives the same object.
    assert.deepEqual(decodeProtobufObject(encodeProtobufObject(decoded)), decoded);
  });
}
