import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PROTOBUF_MAGIC, ProtobufError, decodeProtobufObject, isProtobufKind, readProtobufEnvelope } from './decode.js';
import { encodeProtobufObject } from './encode.js';
import { WireWriter } from './wire.js';

const roundTrip = (obj: Record<string, unknown>) => decodeProtobufObject(encodeProtobufObject(obj));
const testdata = join(dirname(fileURLToPath(import.meta.url)), 'testdata');

/** A body with a hand-made envelope: `raw` is the typed message's bytes. */
function body(apiVersion: string, kind: string, raw: Uint8Array, extra?: (w: WireWriter) => void): Uint8Array {
  const typeMeta = new WireWriter();
  typeMeta.string(1, apiVersion);
  typeMeta.string(2, kind);
  const w = new WireWriter();
  w.raw(PROTOBUF_MAGIC);
  w.bytes(1, typeMeta.finish());
  w.bytes(2, raw);
  extra?.(w);
  return w.finish();
}

function message(build: (w: WireWriter) => void): Uint8Array {
  const w = new WireWriter();
  build(w);
  return w.finish();
}

function assertProtobufError(fn: () => unknown, pattern: RegExp, reason: 'Malformed' | 'UnknownKind' = 'Malformed'): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ProtobufError, `expected a ProtobufError, got ${String(err)}`);
    assert.match(err.message, pattern);
    assert.equal(err.reason, reason);
    return true;
  });
}

test('pointer zeros stay, omitempty zeros go, non-omitempty zeros stay', () => {
  const decoded = roundTrip({
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: { name: 'web', generateName: '', generation: 0 },
    spec: {
      replicas: 0,
      paused: false,
      minReadySeconds: 0,
      selector: { matchLabels: {} },
      template: { spec: { containers: [{ name: '', image: 'nginx' }], automountServiceAccountToken: false, terminationGracePeriodSeconds: 0 } },
    },
  });
  assert.deepEqual(decoded, {
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: { name: 'web', creationTimestamp: null },
    spec: {
      replicas: 0,
      selector: {},
      template: {
        metadata: { creationTimestamp: null },
        spec: { containers: [{ name: '', image: 'nginx', resources: {} }], automountServiceAccountToken: false, terminationGracePeriodSeconds: 0 },
      },
      strategy: {},
    },
    status: {},
  });
  // Non-pointer, non-omitempty scalars are written even when zero: PriorityClass.value.
  assert.deepEqual(roundTrip({ kind: 'PriorityClass', apiVersion: 'scheduling.k8s.io/v1', metadata: { name: 'p' } }), {
    kind: 'PriorityClass',
    apiVersion: 'scheduling.k8s.io/v1',
    metadata: { name: 'p', creationTimestamp: null },
    value: 0,
  });
  // A nil non-omitempty slice is null: Role.rules.
  assert.deepEqual(roundTrip({ kind: 'Role', apiVersion: 'rbac.authorization.k8s.io/v1', metadata: { name: 'r' } }).rules, null);
});

test('quantities, int-or-string and maps of quantities', () => {
  const quota = roundTrip({
    kind: 'ResourceQuota',
    apiVersion: 'v1',
    metadata: { name: 'q', namespace: 'ns' },
    spec: { hard: { cpu: '500m', memory: '1536Mi', pods: '2', 'requests.storage': '1e3' } },
  });
  assert.deepEqual((quota.spec as Record<string, unknown>).hard, { cpu: '500m', memory: '1536Mi', pods: '2', 'requests.storage': '1e3' });
  // A quantity that is not in canonical form comes out canonical, as from Go's Quantity.
  const loose = roundTrip({ kind: 'ResourceQuota', apiVersion: 'v1', metadata: { name: 'q' }, spec: { hard: { cpu: '0.5', memory: '1024Mi', pods: 3 } } });
  assert.deepEqual((loose.spec as Record<string, unknown>).hard, { cpu: '500m', memory: '1Gi', pods: '3' });
  const service = roundTrip({
    kind: 'Service',
    apiVersion: 'v1',
    metadata: { name: 's' },
    spec: {
      ports: [
        { name: 'a', port: 80, targetPort: 8080 },
        { name: 'b', port: 443, targetPort: 'https' },
        { name: 'c', port: 53, protocol: 'UDP', targetPort: 0 },
      ],
    },
  });
  assert.deepEqual(
    ((service.spec as Record<string, unknown>).ports as Record<string, unknown>[]).map((p) => p.targetPort),
    [8080, 'https', 0],
  );
  const pdb = roundTrip({ kind: 'PodDisruptionBudget', apiVersion: 'policy/v1', metadata: { name: 'p' }, spec: { minAvailable: '50%' } });
  assert.equal((pdb.spec as Record<string, unknown>).minAvailable, '50%');
  assert.equal('maxUnavailable' in (pdb.spec as Record<string, unknown>), false);
});

test('bytes are base64, including bytes that are not UTF-8', () => {
  const data = { 'key.bin': Buffer.from([0, 0xff, 0xfe, 0x80]).toString('base64'), empty: '' };
  const secret = roundTrip({ kind: 'Secret', apiVersion: 'v1', metadata: { name: 's' }, data, type: 'Opaque' });
  assert.deepEqual(secret.data, data);
  const cm = roundTrip({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'c' }, data: { a: '' }, binaryData: { b: 'AAE=' } });
  assert.deepEqual([cm.data, cm.binaryData], [{ a: '' }, { b: 'AAE=' }]);
});

test('times: RFC 3339 seconds, zero time is null, MicroTime keeps microseconds', () => {
  const event = roundTrip({
    kind: 'Event',
    apiVersion: 'events.k8s.io/v1',
    metadata: { name: 'e', creationTimestamp: '2024-02-29T23:59:59Z', deletionTimestamp: '2030-01-01T00:00:00+02:00' },
    eventTime: '2024-05-06T07:08:09.123456Z',
    deprecatedFirstTimestamp: '1970-01-01T00:00:00Z',
  });
  assert.deepEqual(event.metadata, { name: 'e', creationTimestamp: '2024-02-29T23:59:59Z', deletionTimestamp: '2029-12-31T22:00:00Z' });
  assert.equal(event.eventTime, '2024-05-06T07:08:09.123456Z');
  assert.equal(event.deprecatedFirstTimestamp, '1970-01-01T00:00:00Z');
  assert.equal(event.deprecatedLastTimestamp, null);
  // metav1.Time drops sub-second parts, as Go's protobuf marshaller does.
  const ns = roundTrip({ kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'n', creationTimestamp: '2024-01-02T03:04:05.999Z' } });
  assert.equal((ns.metadata as Record<string, unknown>).creationTimestamp, '2024-01-02T03:04:05Z');
  // A non-omitempty Condition.lastTransitionTime that is zero is null.
  const pdb = roundTrip({
    kind: 'PodDisruptionBudget',
    apiVersion: 'policy/v1',
    metadata: { name: 'p' },
    status: { conditions: [{ type: 'X', status: 'True', reason: '', message: '' }], disruptedPods: { p1: '2024-01-01T00:00:00Z' } },
  });
  const status = pdb.status as Record<string, unknown>;
  assert.deepEqual(status.conditions, [{ type: 'X', status: 'True', lastTransitionTime: null, reason: '', message: '' }]);
  assert.deepEqual(status.disruptedPods, { p1: '2024-01-01T00:00:00Z' });
});

test('embedded raw JSON, embedded structs and named slices', () => {
  const revision = roundTrip({
    kind: 'ControllerRevision',
    apiVersion: 'apps/v1',
    metadata: { name: 'r' },
    data: { spec: { x: [1, 'two', null] } },
    revision: 3,
  });
  assert.deepEqual(revision.data, { spec: { x: [1, 'two', null] } });
  assert.equal(roundTrip({ kind: 'ControllerRevision', apiVersion: 'apps/v1', metadata: { name: 'r' } }).data, null);

  const pod = roundTrip({
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: { name: 'p' },
    spec: {
      volumes: [{ name: 'cfg', configMap: { name: 'settings', defaultMode: 420 } }],
      containers: [{ name: 'c', image: 'i', readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 5 } }],
    },
  });
  const spec = pod.spec as Record<string, any>;
  assert.deepEqual(spec.volumes, [{ name: 'cfg', configMap: { name: 'settings', defaultMode: 420 } }]);
  assert.deepEqual(spec.containers[0].readinessProbe, { httpGet: { path: '/', port: 'http' }, periodSeconds: 5 });

  const review = roundTrip({
    kind: 'SubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: {},
    spec: { user: 'u', extra: { scopes: ['a', 'b'], none: null } },
  });
  assert.deepEqual((review.spec as Record<string, unknown>).extra, { scopes: ['a', 'b'], none: null });
});

test('a RawExtension may hold a nested protobuf object', () => {
  const inner = encodeProtobufObject({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'inner' }, data: { a: 'b' } });
  const raw = message((w) => {
    w.bytes(
      1,
      message((m) => m.string(1, 'r')),
    );
    w.bytes(
      2,
      message((m) => m.bytes(1, inner)),
    );
  });
  const decoded = decodeProtobufObject(body('apps/v1', 'ControllerRevision', raw));
  assert.deepEqual(decoded.data, { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'inner', creationTimestamp: null }, data: { a: 'b' } });
});

test('deeply nested embedded objects are refused, not a stack overflow', () => {
  let inner = encodeProtobufObject({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'leaf' } });
  for (let i = 0; i < 2000; i++) {
    inner = body(
      'apps/v1',
      'ControllerRevision',
      message((w) =>
        w.bytes(
          2,
          message((m) => m.bytes(1, inner)),
        ),
      ),
    );
  }
  assertProtobufError(() => decodeProtobufObject(inner), /nested more than 16 deep/);
});

test('unknown fields are skipped and packed numbers are read', () => {
  const raw = message((w) => {
    w.bytes(
      1,
      message((m) => m.string(1, 'p')),
    );
    w.tag(99, 0);
    w.varint(5);
    w.bytes(98, Uint8Array.of(1, 2, 3));
    // PodSpec.securityContext.supplementalGroups as one packed field.
    const spec = message((s) =>
      s.bytes(
        14,
        message((sc) => sc.bytes(4, Uint8Array.of(1, 2, 0x80, 0x01))),
      ),
    );
    w.bytes(2, spec);
  });
  const pod = decodeProtobufObject(body('v1', 'Pod', raw));
  assert.deepEqual(pod.metadata, { name: 'p', creationTimestamp: null });
  assert.deepEqual((pod.spec as Record<string, any>).securityContext, { supplementalGroups: [1, 2, 128] });
});

test('negative and large integers', () => {
  const cm = roundTrip({
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: { name: 'p', generation: 2 ** 50, deletionGracePeriodSeconds: -1 },
    spec: { containers: [], priority: -2147483648 },
  });
  assert.equal((cm.metadata as Record<string, unknown>).generation, 2 ** 50);
  assert.equal((cm.metadata as Record<string, unknown>).deletionGracePeriodSeconds, -1);
  assert.equal((cm.spec as Record<string, unknown>).priority, -2147483648);
});

test('isProtobufKind: built-in kinds yes, custom resources and parts of kinds no', () => {
  assert.equal(isProtobufKind('v1', 'Namespace'), true);
  assert.equal(isProtobufKind('apps/v1', 'Deployment'), true);
  assert.equal(isProtobufKind('authentication.k8s.io/v1', 'SelfSubjectReview'), true);
  assert.equal(isProtobufKind('apps/v1', 'DeleteOptions'), true);
  assert.equal(isProtobufKind('meta.k8s.io/v1', 'DeleteOptions'), true);
  assert.equal(isProtobufKind('kudo.dev/v1beta1', 'Instance'), false);
  assert.equal(isProtobufKind('v1', 'PodTemplateSpec'), false);
  assert.equal(isProtobufKind('v2', 'Pod'), false);
  assert.equal(isProtobufKind('example.com/v1', 'DeleteOptions'), false);
});

test('bad input: wrong or missing prefix', () => {
  const json = new TextEncoder().encode('{"kind":"Namespace","apiVersion":"v1"}');
  assertProtobufError(() => decodeProtobufObject(json), /does not start with the Kubernetes protobuf prefix/);
  assertProtobufError(() => decodeProtobufObject(new Uint8Array(0)), /prefix/);
  assertProtobufError(() => decodeProtobufObject(Uint8Array.of(0x6b, 0x38, 0x73)), /prefix/);
});

test('bad input: truncated bodies', () => {
  const full = readFileSync(join(testdata, 'deployment.pb'));
  const raw = readProtobufEnvelope(full).raw;
  const rawStart = full.indexOf(raw);
  assert.ok(rawStart > 4);
  for (let cut = 0; cut < full.length; cut++) {
    const part = full.subarray(0, cut);
    if (cut < rawStart + raw.length) {
      // Before the end of the typed message: prefix, envelope or `raw` itself is cut short.
      assertProtobufError(() => decodeProtobufObject(part), /prefix|truncated|runs past the end|missing/);
    } else {
      // After it come the envelope's empty contentEncoding/contentType: optional, but not half of one.
      const boundary = [rawStart + raw.length, rawStart + raw.length + 2].includes(cut);
      if (boundary) assert.deepEqual(decodeProtobufObject(part), decodeProtobufObject(full));
      else assertProtobufError(() => decodeProtobufObject(part), /truncated/);
    }
  }
});

test('bad input: garbage bytes never escape as anything but ProtobufError', () => {
  assertProtobufError(
    () => decodeProtobufObject(Uint8Array.of(...PROTOBUF_MAGIC, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)),
    /varint|wire type/,
  );
  assertProtobufError(() => decodeProtobufObject(Uint8Array.of(...PROTOBUF_MAGIC, 0x0f, 0x01)), /typeMeta has wire type 7/);
  // Flip every byte of a real body to a few values: decoding either works or says what is wrong.
  for (const name of ['deployment', 'secret-tls', 'ingress', 'auth-can-i']) {
    const original = readFileSync(join(testdata, `${name}.pb`));
    for (let i = 4; i < original.length; i++) {
      for (const value of [0x00, 0x07, 0x80, 0xff, original[i] ^ 0x01]) {
        const mutated = new Uint8Array(original);
        mutated[i] = value;
        try {
          decodeProtobufObject(mutated);
        } catch (err) {
          assert.ok(err instanceof ProtobufError, `${name} byte ${i} = ${value}: ${String(err)}`);
        }
      }
    }
  }
});

test('bad input: unknown kind or apiVersion', () => {
  const raw = message((w) =>
    w.bytes(
      1,
      message((m) => m.string(1, 'w')),
    ),
  );
  assertProtobufError(
    () => decodeProtobufObject(body('example.com/v1', 'Widget', raw)),
    /no protobuf schema for kind "Widget" of apiVersion "example.com\/v1"/,
    'UnknownKind',
  );
  assertProtobufError(() => decodeProtobufObject(body('v2', 'Pod', raw)), /apiVersion "v2"/, 'UnknownKind');
  assertProtobufError(() => decodeProtobufObject(body('v1', '', raw)), /kind is missing/);
  assertProtobufError(() => decodeProtobufObject(body('', 'Pod', raw)), /apiVersion is missing/);
  assertProtobufError(() => encodeProtobufObject({ apiVersion: 'example.com/v1', kind: 'Widget' }), /no protobuf schema/, 'UnknownKind');
});

test('bad input: envelope options, wire types, UTF-8 and values Go rejects', () => {
  const meta = message((w) =>
    w.bytes(
      1,
      message((m) => m.string(1, 'n')),
    ),
  );
  assertProtobufError(() => decodeProtobufObject(body('v1', 'Namespace', meta, (w) => w.string(3, 'gzip'))), /contentEncoding "gzip"/);
  assertProtobufError(() => decodeProtobufObject(body('v1', 'Namespace', meta, (w) => w.string(4, 'application/json'))), /contentType "application\/json"/);
  // metadata sent as a varint.
  assertProtobufError(
    () =>
      decodeProtobufObject(
        body(
          'v1',
          'Namespace',
          message((w) => {
            w.tag(1, 0);
            w.varint(1);
          }),
        ),
      ),
    /metadata has wire type 0/,
  );
  // metadata.name with invalid UTF-8.
  assertProtobufError(
    () =>
      decodeProtobufObject(
        body(
          'v1',
          'Namespace',
          message((w) =>
            w.bytes(
              1,
              message((m) => m.bytes(1, Uint8Array.of(0xc3, 0x28))),
            ),
          ),
        ),
      ),
    /metadata: field name is not valid UTF-8/,
  );
  // A quantity Go cannot parse, an int-or-string of type 2, raw bytes that are not JSON.
  const quota = message((w) =>
    w.bytes(
      2,
      message((s) =>
        s.bytes(
          1,
          message(
            (e) => (
              e.string(1, 'cpu'),
              e.bytes(
                2,
                message((q) => q.string(1, 'lots')),
              )
            ),
          ),
        ),
      ),
    ),
  );
  assertProtobufError(() => decodeProtobufObject(body('v1', 'ResourceQuota', quota)), /spec.hard\["cpu"\]: "lots" is not a valid quantity/);
  const pdb = message((w) =>
    w.bytes(
      2,
      message((s) =>
        s.bytes(
          1,
          message((i) => (i.tag(1, 0), i.varint(2))),
        ),
      ),
    ),
  );
  assertProtobufError(() => decodeProtobufObject(body('policy/v1', 'PodDisruptionBudget', pdb)), /spec.minAvailable: int-or-string has unknown type 2/);
  const revision = message((w) =>
    w.bytes(
      2,
      message((r) => r.bytes(1, new TextEncoder().encode('{not json'))),
    ),
  );
  assertProtobufError(
    () => decodeProtobufObject(body('apps/v1', 'ControllerRevision', revision)),
    /data: embedded raw object is neither JSON nor Kubernetes protobuf/,
  );
});

test('encode rejects values of the wrong type with the field path', () => {
  const deployment = (spec: unknown) => ({ kind: 'Deployment', apiVersion: 'apps/v1', metadata: { name: 'd' }, spec });
  assertProtobufError(() => encodeProtobufObject(deployment({ replicas: 'three' })), /^spec.replicas: expected an integer/);
  assertProtobufError(() => encodeProtobufObject(deployment({ template: { spec: { containers: {} } } })), /^spec.template.spec.containers: expected a list/);
  assertProtobufError(() => encodeProtobufObject(deployment({ replica: 1 })), /^spec.replica: unknown field/);
  assertProtobufError(
    () => encodeProtobufObject({ ...deployment({}), metadata: { name: 'd', creationTimestamp: 'yesterday' } }),
    /creationTimestamp: expected an RFC 3339 time/,
  );
});
