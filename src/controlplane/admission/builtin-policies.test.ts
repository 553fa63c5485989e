import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../k8s/object.js';
import { registerBuiltins } from '../apiserver/builtins.js';
import { ApiCore } from '../apiserver/core.js';
import { ApiError } from '../apiserver/errors.js';
import { Registry, type ResourceType } from '../apiserver/registry.js';
import { Store } from '../storage/store.js';
import { applyDefaults, DEFAULTS, imagePullPolicyFor } from './builtin-defaults.js';
import { installBuiltinPolicies } from './builtin-policies.js';
import { goStringMap, validateBuiltin } from './builtin-validation.js';

type Any = Record<string, any>;

function setup(): { core: ApiCore; type: (g: string, r: string) => ResourceType } {
  const registry = new Registry();
  registerBuiltins(registry);
  installBuiltinPolicies(registry);
  const core = new ApiCore(new Store(), registry);
  core.create(registry.lookup('', 'v1', 'namespaces')!, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  return { core, type: (g, r) => registry.lookup(g, 'v1', r)! };
}

/** The Invalid error's "field: message" lines for a create that must fail. */
function invalidCauses(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof ApiError, String(e));
    assert.equal(e.code, 422, e.message);
    return (e.status.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);
  }
  assert.fail('expected an Invalid error');
}

const podSpec = (extra: Any = {}) => ({ containers: [{ name: 'c', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }], ...extra });

test('imagePullPolicy follows the tag: Always for latest or none, IfNotPresent otherwise', () => {
  assert.equal(imagePullPolicyFor('nginx'), 'Always');
  assert.equal(imagePullPolicyFor('nginx:latest'), 'Always');
  assert.equal(imagePullPolicyFor('localhost:5000/nginx'), 'Always');
  assert.equal(imagePullPolicyFor('localhost:5000/nginx:1.2'), 'IfNotPresent');
  assert.equal(imagePullPolicyFor('nginx@sha256:abc'), 'IfNotPresent');
});

test('defaulting tables fill only missing leaves under existing parents', () => {
  const obj = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {},
    spec: { ports: [{ port: 80 }, { port: 81, protocol: 'UDP', targetPort: 'web' }] },
  } as KubeObject;
  applyDefaults(obj, DEFAULTS['/Service']!);
  const spec = obj.spec as Any;
  assert.deepEqual(spec.ports, [
    { port: 80, protocol: 'TCP', targetPort: 80 },
    { port: 81, protocol: 'UDP', targetPort: 'web' },
  ]);
  assert.equal(spec.type, 'ClusterIP');
  assert.equal(spec.sessionAffinity, 'None');
  assert.equal(spec.externalTrafficPolicy, undefined, 'only NodePort and LoadBalancer services get one');
  const bare = { apiVersion: 'v1', kind: 'Pod', metadata: {} } as KubeObject;
  applyDefaults(bare, DEFAULTS['/Pod']!);
  assert.equal(bare.spec, undefined, 'no spec is invented');
});

test('Pods get the defaults of the API server and its admission plugins', () => {
  const { core, type } = setup();
  const pod = core.create(type('', 'pods'), 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: podSpec({ volumes: [{ name: 's', secret: { secretName: 'x' } }] }),
  });
  const spec = pod.spec as Any;
  assert.equal(spec.restartPolicy, 'Always');
  assert.equal(spec.dnsPolicy, 'ClusterFirst');
  assert.equal(spec.schedulerName, 'default-scheduler');
  assert.equal(spec.terminationGracePeriodSeconds, 30);
  assert.deepEqual(spec.securityContext, {});
  assert.equal(spec.serviceAccountName, 'default');
  assert.equal(spec.serviceAccount, 'default');
  assert.equal(spec.enableServiceLinks, true);
  assert.equal(spec.priority, 0);
  assert.equal(spec.tolerations.length, 2);
  assert.equal(spec.volumes[0].secret.defaultMode, 420);
  const c = spec.containers[0];
  assert.deepEqual(
    [c.terminationMessagePath, c.terminationMessagePolicy, c.imagePullPolicy, c.ports[0].protocol],
    ['/dev/termination-log', 'File', 'IfNotPresent', 'TCP'],
  );
});

test('workload defaults: StatefulSet, DaemonSet and Job (with its generated selector)', () => {
  const { core, type } = setup();
  const template = { metadata: { labels: { app: 'a' } }, spec: podSpec() };
  const sts = core.create(type('apps', 'statefulsets'), 'default', {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 's' },
    spec: {
      selector: { matchLabels: { app: 'a' } },
      template,
      volumeClaimTemplates: [{ metadata: { name: 'd' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    },
  });
  const s = sts.spec as Any;
  assert.equal(s.podManagementPolicy, 'OrderedReady');
  assert.deepEqual(s.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  assert.deepEqual(s.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
  assert.equal(s.volumeClaimTemplates[0].spec.volumeMode, 'Filesystem');
  const ds = core.create(type('apps', 'daemonsets'), 'default', {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'd' },
    spec: { selector: { matchLabels: { app: 'a' } }, template },
  });
  assert.deepEqual((ds.spec as Any).updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  const job = core.create(type('batch', 'jobs'), 'default', {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'j' },
    spec: { template: { spec: podSpec({ restartPolicy: 'Never' }) } },
  });
  const j = job.spec as Any;
  assert.deepEqual([j.parallelism, j.completions, j.backoffLimit, j.completionMode, j.suspend], [1, 1, 6, 'NonIndexed', false]);
  assert.deepEqual(j.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': job.metadata.uid } });
  assert.equal(j.template.metadata.labels['job-name'], 'j');
  assert.equal(j.template.metadata.labels['controller-uid'], job.metadata.uid);
  const updated = core.mutate(type('batch', 'jobs'), 'default', 'j', (cur) => ({ ...cur, metadata: { ...cur.metadata, labels: { x: '1' } } }));
  assert.deepEqual((updated.spec as Any).selector, j.selector, 'updates keep the selector');
});

test("validation reports the API server's messages for common mistakes", () => {
  const { core, type } = setup();
  assert.deepEqual(
    invalidCauses(() => core.create(type('', 'pods'), 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [] } })),
    ['spec.containers: Required value'],
  );
  assert.deepEqual(
    invalidCauses(() =>
      core.create(type('', 'pods'), 'default', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p' },
        spec: { containers: [{ name: 'Bad_Name', image: 'x' }, { name: 'c2' }] },
      }),
    ),
    [
      "spec.containers[0].name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      'spec.containers[1].image: Required value',
    ],
  );
  assert.deepEqual(
    invalidCauses(() =>
      core.create(type('apps', 'deployments'), 'default', {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'd' },
        spec: { selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'y' } }, spec: podSpec() } },
      }),
    ),
    ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"y"}: `selector` does not match template `labels`'],
  );
  assert.deepEqual(
    invalidCauses(() =>
      core.create(type('batch', 'jobs'), 'default', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { template: { spec: podSpec() } } }),
    ),
    ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'],
  );
  assert.deepEqual(
    invalidCauses(() =>
      core.create(type('', 'services'), 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 0 }] } }),
    ),
    [
      'spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
      'spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive',
    ],
  );
  assert.deepEqual(
    invalidCauses(() =>
      core.create(type('', 'configmaps'), 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { 'bad key': 'x' } }),
    ),
    [
      "data[bad key]: Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    ],
  );
});

test('immutable fields: StatefulSet spec, Job template, Service clusterIP, Deployment selector, immutable ConfigMaps', () => {
  const { core, type } = setup();
  const template = { metadata: { labels: { app: 'a' } }, spec: podSpec() };
  core.create(type('apps', 'statefulsets'), 'default', {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 's' },
    spec: { serviceName: 's', selector: { matchLabels: { app: 'a' } }, template },
  });
  const patch = (t: ResourceType, name: string, change: (o: Any) => void) =>
    core.mutate(t, 'default', name, (cur) => {
      change(cur as Any);
      return cur;
    });
  assert.deepEqual(
    invalidCauses(() => patch(type('apps', 'statefulsets'), 's', (o) => (o.spec.serviceName = 'other'))),
    [
      "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ],
  );
  patch(type('apps', 'statefulsets'), 's', (o) => (o.spec.replicas = 3));
  core.create(type('batch', 'jobs'), 'default', {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'j' },
    spec: { template: { spec: podSpec({ restartPolicy: 'Never' }) } },
  });
  assert.deepEqual(
    invalidCauses(() => patch(type('batch', 'jobs'), 'j', (o) => (o.spec.template.spec.containers[0].image = 'nginx:2'))),
    ['spec.template: Invalid value: core.PodTemplateSpec{...}: field is immutable'],
  );
  const svc = core.create(type('', 'services'), 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc' }, spec: { ports: [{ port: 80 }] } });
  assert.ok((svc.spec as Any).clusterIP);
  assert.deepEqual(
    invalidCauses(() => patch(type('', 'services'), 'svc', (o) => (o.spec.clusterIP = '10.96.99.99'))),
    ['spec.clusterIPs[0]: Invalid value: []string{"10.96.99.99"}: may not change once set'],
  );
  core.create(type('apps', 'deployments'), 'default', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd' },
    spec: { selector: { matchLabels: { app: 'a' } }, template },
  });
  const causes = invalidCauses(() =>
    patch(type('apps', 'deployments'), 'd', (o) => {
      o.spec.selector = { matchLabels: { app: 'b' } };
      o.spec.template.metadata.labels = { app: 'b' };
    }),
  );
  assert.deepEqual(causes, [
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"b"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
  ]);
  core.create(type('', 'configmaps'), 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'frozen' }, data: { a: '1' }, immutable: true });
  assert.deepEqual(
    invalidCauses(() => patch(type('', 'configmaps'), 'frozen', (o) => (o.data.a = '2'))),
    ['data: Forbidden: field is immutable when `immutable` is set'],
  );
});

test('pod updates may only change images and a few fields; binding a node is allowed once', () => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: podSpec() } as KubeObject;
  const changed = structuredClone(pod);
  (changed.spec as Any).containers[0].image = 'nginx:2';
  assert.deepEqual(validateBuiltin('/Pod', changed, pod), []);
  const bound = structuredClone(pod);
  (bound.spec as Any).nodeName = 'local-node';
  assert.deepEqual(validateBuiltin('/Pod', bound, pod), []);
  const moved = structuredClone(bound);
  (moved.spec as Any).nodeName = 'other';
  assert.match(validateBuiltin('/Pod', moved, bound)[0]!.message, /^Forbidden: pod updates may not change fields other than/);
  assert.equal(goStringMap({ b: '2', a: '1' }), 'map[string]string{"a":"1", "b":"2"}');
});
