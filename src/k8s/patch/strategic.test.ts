import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyStrategicMergePatch, createThreeWayStrategicPatch, createTwoWayStrategicPatch } from './strategic.js';
import { PatchError } from './errors.js';

const DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment' };
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

type Obj = Record<string, any>;
const withContainers = (containers: Obj[]): Obj => ({ ...DEPLOYMENT, metadata: { name: 'web' }, spec: { template: { spec: { containers } } } });
const containerPatch = (containers: Obj[], extra: Obj = {}): Obj => ({ spec: { template: { spec: { containers, ...extra } } } });
const names = (d: Obj): string[] => d.spec.template.spec.containers.map((c: Obj) => (c.image ? `${c.name}:${c.image}` : c.name));
const c = (name: string, image = 'x'): Obj => ({ name, image });

// Orders of merged lists as kube-apiserver 1.20 answered `kubectl patch` (apiserver-checklist §7).
test('merged lists: new items first, server-only items keep their place', () => {
  assert.deepEqual(names(applyStrategicMergePatch(withContainers([c('nginx')]), containerPatch([c('a')]), DEPLOYMENT)), ['a:x', 'nginx:x']);
  assert.deepEqual(names(applyStrategicMergePatch(withContainers([c('a'), c('nginx')]), containerPatch([c('nginx', 'y'), c('b')]), DEPLOYMENT)), [
    'a:x',
    'nginx:y',
    'b:x',
  ]);
  assert.deepEqual(names(applyStrategicMergePatch(withContainers([c('a'), c('nginx'), c('b')]), containerPatch([c('z'), c('a', 'y')]), DEPLOYMENT)), [
    'z:x',
    'a:y',
    'nginx:x',
    'b:x',
  ]);
});

test('directives: $setElementOrder, $patch delete/replace, $retainKeys, $deleteFromPrimitiveList', () => {
  const four = withContainers([c('nginx'), c('a'), c('b'), c('z')]);
  const order = { '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'a' }, { name: 'b' }, { name: 'z' }] };
  assert.deepEqual(names(applyStrategicMergePatch(four, containerPatch([c('a', 'w')], order), DEPLOYMENT)), ['nginx:x', 'a:w', 'b:x', 'z:x']);
  assert.deepEqual(names(applyStrategicMergePatch(four, containerPatch([{ name: 'b', $patch: 'delete' }]), DEPLOYMENT)), ['nginx:x', 'a:x', 'z:x']);
  assert.deepEqual(names(applyStrategicMergePatch(four, containerPatch([c('only'), { $patch: 'replace' }]), DEPLOYMENT)), ['only:x']);
  const fin = { metadata: { finalizers: ['x/a', 'x/b', 'x/c'] } };
  assert.deepEqual(applyStrategicMergePatch(fin, { metadata: { finalizers: ['x/d'] } }, DEPLOYMENT).metadata.finalizers, ['x/d', 'x/a', 'x/b', 'x/c']);
  assert.deepEqual(applyStrategicMergePatch(fin, { metadata: { '$deleteFromPrimitiveList/finalizers': ['x/b'] } }, DEPLOYMENT).metadata.finalizers, [
    'x/a',
    'x/c',
  ]);
  const strategy = { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } };
  assert.deepEqual(
    applyStrategicMergePatch(strategy, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } } }, DEPLOYMENT).spec.strategy,
    { type: 'Recreate' },
  );
  assert.deepEqual(
    applyStrategicMergePatch({ metadata: { labels: { a: '1' } } }, { metadata: { labels: { $patch: 'replace', b: '2' } } }, DEPLOYMENT).metadata.labels,
    { b: '2' },
  );
});

test('lists without a merge key are replaced; maps merge; null deletes', () => {
  const doc = {
    spec: { template: { spec: { containers: [{ name: 'c', args: ['x', 'y'], env: [{ name: 'B' }, { name: 'A' }] }], tolerations: [{ key: 'k' }] } } },
  };
  const out = applyStrategicMergePatch(doc, containerPatch([{ name: 'c', args: ['z'], env: [{ name: 'C', value: '1' }] }], { tolerations: null }), DEPLOYMENT);
  assert.deepEqual(out.spec.template.spec, { containers: [{ name: 'c', args: ['z'], env: [{ name: 'C', value: '1' }, { name: 'B' }, { name: 'A' }] }] });
  // kinds without Go types (and unknown fields) merge maps and replace lists
  assert.deepEqual(applyStrategicMergePatch({ a: { b: 1, l: [1, 2] } }, { a: { c: 2, l: [3] } }, { apiVersion: 'example.com/v1', kind: 'Widget' }), {
    a: { b: 1, c: 2, l: [3] },
  });
  // Service ports merge on `port`
  const svc = {
    spec: {
      ports: [
        { port: 80, name: 'http' },
        { port: 443, name: 'https' },
      ],
    },
  };
  assert.deepEqual(applyStrategicMergePatch(svc, { spec: { ports: [{ port: 443, targetPort: 8443 }] } }, { apiVersion: 'v1', kind: 'Service' }).spec.ports, [
    { port: 80, name: 'http' },
    { port: 443, name: 'https', targetPort: 8443 },
  ]);
});

test('errors carry kube-apiserver 1.20 texts and codes', () => {
  const cm = { apiVersion: 'v1', kind: 'ConfigMap' };
  const check = (doc: Obj, patch: unknown, gvk: Obj, code: number, message: string): void =>
    assert.throws(
      () => applyStrategicMergePatch(doc, patch, gvk as typeof DEPLOYMENT),
      (e: unknown) => e instanceof PatchError && e.code === code && e.message === message,
    );
  check({ data: { x: '1' } }, { data: { $patch: 'bogus' } }, cm, 500, 'unknown patch type: bogus in map: map[$patch:bogus]');
  check({ data: { x: '1', y: '2' } }, { data: { $retainKeys: ['x'], y: '3' } }, cm, 400, 'invalid patch format of retainKeys');
  check({}, [1], cm, 400, 'json: cannot unmarshal array into Go value of type map[string]interface {}');
  check(
    { metadata: { finalizers: ['a'] } },
    { metadata: { '$setElementOrder/finalizers': ['a'], finalizers: ['b'] } },
    cm,
    500,
    "The order in patch list:\n[b]\n doesn't match $setElementOrder list:\n[a]\n",
  );
  check(withContainers([c('a')]), containerPatch([{ image: 'y' }]), DEPLOYMENT, 500, 'map: map[image:y] does not contain declared merge key: name');
});

// kubectl 1.32 `apply -f` against kube-apiserver 1.20: the PATCH bodies it sent, captured with -v=9.
test('three-way patch: containers, env and replicas as kubectl computes them', () => {
  const d1 = {
    ...DEPLOYMENT,
    metadata: { annotations: {}, labels: { app: 'web' }, name: 'web', namespace: 'default' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'a',
              image: 'nginx',
              env: [
                { name: 'B', value: '1' },
                { name: 'A', value: '2' },
              ],
            },
            { name: 'b', image: 'busybox' },
          ],
        },
      },
    },
  };
  const current = structuredClone(d1) as Obj;
  current.metadata.annotations = { [LAST_APPLIED]: 'old' };
  current.spec.replicas = 5; // kubectl scale
  current.spec.template.spec.containers.push({ name: 'sidecar', image: 'x' }); // kubectl patch
  const modified = {
    ...DEPLOYMENT,
    metadata: { annotations: { [LAST_APPLIED]: 'new' }, labels: { app: 'web' }, name: 'web', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'a',
              image: 'new',
              env: [
                { name: 'C', value: '3' },
                { name: 'A', value: '2' },
              ],
            },
          ],
        },
      },
    },
  };
  assert.deepEqual(createThreeWayStrategicPatch(d1, modified, current, DEPLOYMENT), {
    metadata: { annotations: { [LAST_APPLIED]: 'new' } },
    spec: {
      replicas: null,
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'a' }],
          containers: [
            {
              '$setElementOrder/env': [{ name: 'C' }, { name: 'A' }],
              env: [
                { name: 'C', value: '3' },
                { $patch: 'delete', name: 'B' },
              ],
              image: 'new',
              name: 'a',
            },
            { $patch: 'delete', name: 'b' },
          ],
        },
      },
    },
  });
});

test('three-way patch: finalizers, labels, strategy, volumes, ports and mounts as kubectl computes them', () => {
  const e1: Obj = {
    ...DEPLOYMENT,
    metadata: { annotations: { note: 'one' }, finalizers: ['x.io/a', 'x.io/b'], labels: { app: 'e', tier: 'x' }, name: 'e', namespace: 'default' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'e' } },
      strategy: { rollingUpdate: { maxSurge: 2 }, type: 'RollingUpdate' },
      template: {
        metadata: { labels: { app: 'e' } },
        spec: {
          containers: [
            {
              args: ['x', 'yy'],
              image: 'nginx',
              name: 'a',
              ports: [{ containerPort: 80 }, { containerPort: 443 }],
              volumeMounts: [
                { mountPath: '/a', name: 'v1' },
                { mountPath: '/b', name: 'v2' },
              ],
            },
          ],
          tolerations: [{ key: 'k', operator: 'Exists' }],
          volumes: [
            { emptyDir: {}, name: 'v1' },
            { configMap: { name: 'cm' }, name: 'v2' },
          ],
        },
      },
    },
  };
  const current = structuredClone(e1);
  current.metadata.annotations[LAST_APPLIED] = 'old';
  current.metadata.labels.extra = '1'; // kubectl label
  current.spec.strategy.rollingUpdate.maxUnavailable = '25%'; // server defaults
  current.spec.template.spec.containers[0].ports = [
    { containerPort: 80, protocol: 'TCP' },
    { containerPort: 443, protocol: 'TCP' },
  ];
  current.spec.template.spec.volumes[1].configMap.defaultMode = 420;
  const modified: Obj = {
    ...DEPLOYMENT,
    metadata: { annotations: { [LAST_APPLIED]: 'new' }, finalizers: ['x.io/c', 'x.io/a'], labels: { app: 'e' }, name: 'e', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'e' } },
      strategy: { type: 'Recreate' },
      template: {
        metadata: { labels: { app: 'e' } },
        spec: {
          containers: [
            {
              args: ['z'],
              image: 'nginx',
              name: 'a',
              ports: [{ containerPort: 8080 }, { containerPort: 80 }],
              volumeMounts: [{ mountPath: '/b', name: 'v2' }],
            },
            { image: 'busybox', name: 'b' },
          ],
          volumes: [
            { name: 'v2', secret: { secretName: 's' } },
            { emptyDir: {}, name: 'v3' },
          ],
        },
      },
    },
  };
  const patch = createThreeWayStrategicPatch(e1, modified, current, DEPLOYMENT);
  assert.deepEqual(patch, {
    metadata: {
      '$deleteFromPrimitiveList/finalizers': ['x.io/b'],
      '$setElementOrder/finalizers': ['x.io/c', 'x.io/a'],
      annotations: { note: null, [LAST_APPLIED]: 'new' },
      finalizers: ['x.io/c'],
      labels: { tier: null },
    },
    spec: {
      replicas: null,
      strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' },
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }],
          '$setElementOrder/volumes': [{ name: 'v2' }, { name: 'v3' }],
          containers: [
            {
              '$setElementOrder/ports': [{ containerPort: 8080 }, { containerPort: 80 }],
              '$setElementOrder/volumeMounts': [{ mountPath: '/b' }],
              args: ['z'],
              name: 'a',
              ports: [{ containerPort: 8080 }, { $patch: 'delete', containerPort: 443 }],
              volumeMounts: [{ $patch: 'delete', mountPath: '/a' }],
            },
            { image: 'busybox', name: 'b' },
          ],
          tolerations: null,
          volumes: [
            { $retainKeys: ['name', 'secret'], configMap: null, name: 'v2', secret: { secretName: 's' } },
            { emptyDir: {}, name: 'v3' },
            { $patch: 'delete', name: 'v1' },
          ],
        },
      },
    },
  });
  // Applying it gives what kube-apiserver 1.20 stored (before its defaulting).
  const out = applyStrategicMergePatch(current, patch, DEPLOYMENT);
  assert.deepEqual(out.metadata.finalizers, ['x.io/c', 'x.io/a']);
  assert.deepEqual(out.metadata.labels, { app: 'e', extra: '1' });
  assert.deepEqual(out.spec.strategy, { type: 'Recreate' });
  assert.deepEqual(out.spec.template.spec.volumes, [
    { name: 'v2', secret: { secretName: 's' } },
    { emptyDir: {}, name: 'v3' },
  ]);
  assert.deepEqual(out.spec.template.spec.containers[0].ports, [{ containerPort: 8080 }, { containerPort: 80, protocol: 'TCP' }]);
  assert.deepEqual(
    out.spec.template.spec.containers.map((x: Obj) => x.name),
    ['a', 'b'],
  );
  assert.equal(out.spec.replicas, undefined);
  assert.equal(out.spec.template.spec.tolerations, undefined);
});

test('three-way patch: unchanged is {}, and identity changes are refused', () => {
  const obj = withContainers([c('a')]);
  assert.deepEqual(createThreeWayStrategicPatch(obj, obj, obj, DEPLOYMENT), {});
  assert.throws(() => createThreeWayStrategicPatch(obj, { ...obj, metadata: { name: 'other' } }, obj, DEPLOYMENT), PatchError);
  assert.deepEqual(createTwoWayStrategicPatch({ metadata: { labels: { a: '1' } } }, { metadata: { labels: { b: '2' } } }, DEPLOYMENT), {
    metadata: { labels: { a: null, b: '2' } },
  });
});

// Each patch was sent with `PATCH ?dryRun=All` (strategic) to kube-apiserver 1.20 against BASE;
// the expected values are what it answered (directive keys copied into new items are dropped).
const BASE = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 't', labels: { app: 't', x: '1' }, finalizers: ['a.io/x', 'a.io/y'] },
  spec: {
    selector: { matchLabels: { app: 't' } },
    template: {
      metadata: { labels: { app: 't' } },
      spec: {
        containers: [
          {
            name: 'a',
            image: 'i',
            env: [
              { name: 'E1', value: '1' },
              { name: 'E2', value: '2' },
            ],
          },
          { name: 'b', image: 'i' },
        ],
      },
    },
  },
};
const SERVER_CASES: [unknown, Obj][] = [
  [
    {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'c',
                image: 'n',
                env: [
                  { name: 'Z', value: 'z' },
                  { name: 'Q', $patch: 'delete' },
                ],
              },
            ],
          },
        },
      },
    },
    {
      finalizers: ['a.io/x', 'a.io/y'],
      labels: { app: 't', x: '1' },
      containers: [
        { name: 'c', image: 'n', env: [{ name: 'Z', value: 'z' }, { name: 'Q' }] },
        {
          name: 'a',
          image: 'i',
          env: [
            { name: 'E1', value: '1' },
            { name: 'E2', value: '2' },
          ],
        },
        { name: 'b', image: 'i', env: null },
      ],
      init: [],
    },
  ],
  [
    {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'a',
                env: [
                  { name: 'E3', value: '3' },
                  { name: 'E1', $patch: 'delete' },
                ],
                '$setElementOrder/env': [{ name: 'E2' }, { name: 'E3' }],
              },
            ],
          },
        },
      },
    },
    {
      finalizers: ['a.io/x', 'a.io/y'],
      labels: { app: 't', x: '1' },
      containers: [
        {
          name: 'a',
          image: 'i',
          env: [
            { name: 'E2', value: '2' },
            { name: 'E3', value: '3' },
          ],
        },
        { name: 'b', image: 'i', env: null },
      ],
      init: [],
    },
  ],
  [
    {
      spec: {
        template: {
          spec: {
            initContainers: [{ name: 'init', image: 'x' }],
            containers: [
              { name: 'b', $patch: 'delete' },
              { name: 'a', image: 'j' },
            ],
          },
        },
      },
    },
    {
      finalizers: ['a.io/x', 'a.io/y'],
      labels: { app: 't', x: '1' },
      containers: [
        {
          name: 'a',
          image: 'j',
          env: [
            { name: 'E1', value: '1' },
            { name: 'E2', value: '2' },
          ],
        },
      ],
      init: ['init'],
    },
  ],
  [
    { metadata: { finalizers: ['a.io/z', 'a.io/x'], '$deleteFromPrimitiveList/finalizers': ['a.io/y'] } },
    {
      finalizers: ['a.io/z', 'a.io/x'],
      labels: { app: 't', x: '1' },
      containers: [
        {
          name: 'a',
          image: 'i',
          env: [
            { name: 'E1', value: '1' },
            { name: 'E2', value: '2' },
          ],
        },
        { name: 'b', image: 'i', env: null },
      ],
      init: [],
    },
  ],
  [
    { metadata: { '$setElementOrder/finalizers': ['a.io/y', 'a.io/new', 'a.io/x'], finalizers: ['a.io/new'] } },
    {
      finalizers: ['a.io/y', 'a.io/new', 'a.io/x'],
      labels: { app: 't', x: '1' },
      containers: [
        {
          name: 'a',
          image: 'i',
          env: [
            { name: 'E1', value: '1' },
            { name: 'E2', value: '2' },
          ],
        },
        { name: 'b', image: 'i', env: null },
      ],
      init: [],
    },
  ],
  [
    { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }] } } } },
    {
      finalizers: ['a.io/x', 'a.io/y'],
      labels: { app: 't', x: '1' },
      containers: [
        { name: 'b', image: 'i', env: null },
        {
          name: 'a',
          image: 'i',
          env: [
            { name: 'E1', value: '1' },
            { name: 'E2', value: '2' },
          ],
        },
      ],
      init: [],
    },
  ],
  [
    { metadata: { labels: { x: null, y: '2' } }, spec: { template: { spec: { containers: [{ name: 'a', env: null }] } } } },
    {
      finalizers: ['a.io/x', 'a.io/y'],
      labels: { app: 't', y: '2' },
      containers: [
        { name: 'a', image: 'i', env: null },
        { name: 'b', image: 'i', env: null },
      ],
      init: [],
    },
  ],
  [
    { spec: { template: { spec: { containers: [{ name: 'a', image: 'k' }, { $patch: 'replace' }] } } } },
    { finalizers: ['a.io/x', 'a.io/y'], labels: { app: 't', x: '1' }, containers: [{ name: 'a', image: 'k', env: null }], init: [] },
  ],
];

test('patches agree with kube-apiserver 1.20 on a Deployment', () => {
  SERVER_CASES.forEach(([patch, expected], i) => {
    const r = applyStrategicMergePatch(BASE, patch, DEPLOYMENT) as Obj;
    const spec = r.spec.template.spec;
    const got = {
      finalizers: r.metadata.finalizers,
      labels: r.metadata.labels,
      containers: spec.containers.map((x: Obj) => ({ name: x.name, image: x.image ?? null, env: x.env ?? null })),
      init: (spec.initContainers ?? []).map((x: Obj) => x.name),
    };
    assert.deepEqual(got, expected, `case ${i}: ${JSON.stringify(patch)}`);
  });
});
