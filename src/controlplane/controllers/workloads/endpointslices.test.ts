/**
 * The EndpointSlice controller on its own, in-process: the tests play the kubelet (pod IPs,
 * readiness, deletion) and check the slices it keeps.
 */
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import type { KubeObject } from '../../../k8s/object.js';
import { EndpointSliceMirroringController, MIRRORING_CONTROLLER } from './endpointslice-mirroring.js';
import { ENDPOINTSLICE_CONTROLLER, EndpointSliceController, TRIGGER_TIME } from './endpointslices.js';
import { startControllers, until } from './test-support.js';

type Any = Record<string, any>;

let stops: (() => void)[] = [];
afterEach(() => {
  for (const s of stops) s();
  stops = [];
});

function setup(mirroring = false) {
  const { core, sim, t, stop } = startControllers((sim) => [
    new EndpointSliceController(sim),
    ...(mirroring ? [new EndpointSliceMirroringController(sim)] : []),
  ]);
  stops.push(stop);
  const pods = t('', 'pods');
  const services = t('', 'services');
  const slicesType = t('discovery.k8s.io', 'endpointslices');
  const slices = (service: string) =>
    sim
      .list(slicesType)
      .filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === service)
      .sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
  /** A pod with labels `app: <app>`, running on node-1 with `ip` (unless undefined) and Ready as given. */
  const pod = (name: string, app: string, ip: string | undefined, ready = true, containerPorts: Any[] = []) => {
    const p = core.create(pods, 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { app } },
      spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'nginx:1.25', ports: containerPorts }] },
    });
    if (ip) setPod(p, ip, ready);
    return p;
  };
  const setPod = (p: KubeObject, ip: string, ready: boolean, phase = 'Running') =>
    sim.setStatus(pods, core.tryGet(pods, 'default', p.metadata.name!)!, {
      phase,
      podIP: ip,
      podIPs: [{ ip }],
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    });
  const service = (name: string, spec: Any, labels?: Record<string, string>) =>
    core.create(services, 'default', { apiVersion: 'v1', kind: 'Service', metadata: { name, ...(labels ? { labels } : {}) }, spec });
  return { core, sim, pods, services, slicesType, slices, pod, setPod, service };
}

const addresses = (slices: KubeObject[]) => slices.flatMap((s) => ((s.endpoints as Any[] | null) ?? []).map((e) => e.addresses[0] as string)).sort();

test('a Service lists its pods with conditions, node, target and resolved ports, owned by the Service', async () => {
  const { pod, setPod, service, slices, core, pods } = setup();
  pod('ready', 'web', '10.244.0.1', true, [{ name: 'http', containerPort: 8080 }]);
  pod('unready', 'web', '10.244.0.2', false, [{ name: 'http', containerPort: 8080 }]);
  const finished = pod('done', 'web', '10.244.0.3', true, [{ name: 'http', containerPort: 8080 }]);
  setPod(finished, '10.244.0.3', false, 'Succeeded');
  pod('pending', 'web', undefined);
  pod('other', 'db', '10.244.0.9');
  const svc = service('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] }, { tier: 'front' });
  const [s] = await until(
    'one slice with two endpoints',
    () => slices('web'),
    (l) => l.length === 1 && addresses(l).length === 2,
  );
  assert.match(s.metadata.name!, /^web-[a-z0-9]{5}$/);
  assert.equal(s.metadata.generateName, 'web-');
  assert.deepEqual(s.metadata.labels, {
    tier: 'front',
    'kubernetes.io/service-name': 'web',
    'endpointslice.kubernetes.io/managed-by': ENDPOINTSLICE_CONTROLLER,
  });
  assert.ok(s.metadata.annotations?.[TRIGGER_TIME]);
  assert.deepEqual(s.metadata.ownerReferences, [
    { apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true },
  ]);
  assert.equal(s.addressType, 'IPv4');
  assert.deepEqual(s.ports, [{ name: 'http', protocol: 'TCP', port: 8080 }]);
  const eps = s.endpoints as Any[];
  assert.deepEqual(eps[0], {
    addresses: ['10.244.0.1'],
    conditions: { ready: true, serving: true, terminating: false },
    targetRef: { kind: 'Pod', namespace: 'default', name: 'ready', uid: core.tryGet(pods, 'default', 'ready')!.metadata.uid },
    nodeName: 'node-1',
  });
  assert.deepEqual(eps[1].conditions, { ready: false, serving: false, terminating: false });
});

test('pods coming, going and terminating update the slice; a pod change a slice does not show writes nothing', async () => {
  const { pod, setPod, service, slices, core, pods } = setup();
  service('web', { selector: { app: 'web' }, ports: [{ port: 80 }] });
  const [placeholder] = await until(
    'placeholder',
    () => slices('web'),
    (l) => l.length === 1,
  );
  assert.equal(placeholder.endpoints, null);
  assert.equal(placeholder.ports, null);
  const a = pod('a', 'web', '10.244.0.1');
  pod('b', 'web', '10.244.0.2');
  const [s] = await until(
    'two endpoints',
    () => slices('web'),
    (l) => addresses(l).join() === '10.244.0.1,10.244.0.2',
  );
  assert.equal(s.metadata.name, placeholder.metadata.name, 'the placeholder is reused');
  assert.deepEqual(s.ports, [{ name: '', protocol: 'TCP', port: 80 }]);
  // Status churn that changes no address, readiness or node leaves the slice alone.
  const rv = s.metadata.resourceVersion;
  setPod(a, '10.244.0.1', true);
  core.mutate(pods, 'default', 'a', (cur) => ({ ...cur, status: { ...(cur.status as Any), startTime: '2025-01-01T00:00:00Z' } }), {}, 'status', 'update');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(slices('web')[0].metadata.resourceVersion, rv);
  // A terminating pod stays, serving but not ready.
  core.mutate(pods, 'default', 'a', (cur) => ({ ...cur, metadata: { ...cur.metadata, finalizers: ['test/hold'] } }), {}, '', 'update');
  core.delete(pods, 'default', 'a', {});
  const [t] = await until(
    'a terminating',
    () => slices('web'),
    (l) => (l[0].endpoints as Any[]).some((e) => e.conditions.terminating),
  );
  assert.deepEqual((t.endpoints as Any[]).find((e) => e.targetRef.name === 'a')?.conditions, { ready: false, serving: true, terminating: true });
  core.mutate(pods, 'default', 'a', (cur) => ({ ...cur, metadata: { ...cur.metadata, finalizers: [] } }), {}, '', 'update');
  await until(
    'a gone',
    () => slices('web'),
    (l) => addresses(l).join() === '10.244.0.2',
  );
  core.delete(pods, 'default', 'b', { gracePeriodSeconds: 0 });
  const [empty] = await until(
    'empty again',
    () => slices('web'),
    (l) => l.length === 1 && l[0].endpoints === null,
  );
  assert.equal(empty.metadata.name, placeholder.metadata.name);
});

test('at most 100 endpoints per slice; a pod leaving rewrites only its own slice', async () => {
  const { pod, service, slices, core, pods } = setup();
  for (let i = 0; i < 250; i++) pod(`p${String(i).padStart(3, '0')}`, 'web', `10.244.${i >> 8}.${(i & 255) + 1}`);
  service('web', { selector: { app: 'web' }, ports: [{ port: 80 }] });
  const before = await until(
    'three slices',
    () => slices('web'),
    (l) => addresses(l).length === 250,
  );
  assert.deepEqual(before.map((s) => (s.endpoints as unknown[]).length).sort(), [100, 100, 50]);
  const victim = (before[1].endpoints as Any[])[0].targetRef.name as string;
  core.delete(pods, 'default', victim, { gracePeriodSeconds: 0 });
  const after = await until(
    '249',
    () => slices('web'),
    (l) => addresses(l).length === 249,
  );
  const changed = after.filter((s, i) => s.metadata.resourceVersion !== before[i].metadata.resourceVersion).map((s) => s.metadata.name);
  assert.deepEqual(changed, [before[1].metadata.name]);
});

test('a named target port resolved differently per pod splits the slices; a pod without it gets no port', async () => {
  const { pod, service, slices } = setup();
  pod('a', 'web', '10.244.0.1', true, [{ name: 'http', containerPort: 8080 }]);
  pod('b', 'web', '10.244.0.2', true, [{ name: 'http', containerPort: 9090 }]);
  pod('c', 'web', '10.244.0.3', true, []);
  service('web', { selector: { app: 'web' }, ports: [{ name: 'web', port: 80, targetPort: 'http' }] });
  const l = await until(
    'three slices',
    () => slices('web'),
    (x) => addresses(x).length === 3,
  );
  const byPod = Object.fromEntries(l.map((s) => [(s.endpoints as Any[])[0].targetRef.name, s.ports]));
  assert.deepEqual(byPod, { a: [{ name: 'web', protocol: 'TCP', port: 8080 }], b: [{ name: 'web', protocol: 'TCP', port: 9090 }], c: null });
});

test('headless Services are labelled; removing the selector removes the slices; deleting the Service collects them', async () => {
  const { pod, service, slices, core, services, slicesType } = setup();
  pod('a', 'web', '10.244.0.1');
  service('web', { clusterIP: 'None', selector: { app: 'web' }, ports: [{ port: 80 }] });
  const [s] = await until(
    'slice',
    () => slices('web'),
    (l) => addresses(l).length === 1,
  );
  assert.equal(s.metadata.labels?.['service.kubernetes.io/headless'], '');
  // A slice someone else deletes comes back.
  core.delete(slicesType, 'default', s.metadata.name!, {});
  await until(
    'recreated',
    () => slices('web'),
    (l) => l.length === 1 && l[0].metadata.name !== s.metadata.name,
  );
  core.mutate(services, 'default', 'web', (cur) => ({ ...cur, spec: { ...(cur.spec as Any), selector: undefined } }), {}, '', 'update');
  await until(
    'no slices without a selector',
    () => slices('web'),
    (l) => l.length === 0,
  );
  service('db', { selector: { app: 'web' }, ports: [{ port: 5432 }] });
  await until(
    'db slice',
    () => slices('db'),
    (l) => l.length === 1,
  );
  core.delete(services, 'default', 'db', {});
  await until(
    'collected',
    () => slices('db'),
    (l) => l.length === 0,
  );
});

test('ExternalName Services and Services without a selector get no slices', async () => {
  const { pod, service, slices, sim } = setup();
  pod('a', 'web', '10.244.0.1');
  service('ext', { type: 'ExternalName', externalName: 'example.com', selector: { app: 'web' } });
  service('manual', { ports: [{ port: 80 }] });
  service('web', { selector: { app: 'web' }, ports: [{ port: 80 }] });
  await until(
    'web slice',
    () => slices('web'),
    (l) => l.length === 1,
  );
  assert.equal(sim.list(sim.type('discovery.k8s.io', 'v1', 'endpointslices')).length, 1);
  assert.deepEqual([slices('ext').length, slices('manual').length], [0, 0]);
});

// ---- mirroring of hand-written Endpoints ----

test('Endpoints written for a Service without a selector are mirrored; skip-mirror and selectors are not', async () => {
  const { core, sim, service, slices, slicesType } = setup(true);
  const endpointsType = sim.type('', 'v1', 'endpoints');
  service('db', { ports: [{ name: 'pg', port: 5432 }] });
  const ep = core.create(endpointsType, 'default', {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'db', labels: { team: 'data' }, annotations: { note: 'x', 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
    subsets: [{ addresses: [{ ip: '192.168.1.10', hostname: 'db-0' }], notReadyAddresses: [{ ip: '192.168.1.11' }], ports: [{ name: 'pg', port: 5432 }] }],
  });
  const [s] = await until(
    'mirrored',
    () => slices('db'),
    (l) => l.length === 1,
  );
  assert.equal(s.metadata.generateName, 'db-');
  assert.deepEqual(s.metadata.labels, { team: 'data', 'kubernetes.io/service-name': 'db', 'endpointslice.kubernetes.io/managed-by': MIRRORING_CONTROLLER });
  assert.deepEqual(s.metadata.annotations, { note: 'x' });
  assert.deepEqual(s.metadata.ownerReferences, [
    { apiVersion: 'v1', kind: 'Endpoints', name: 'db', uid: ep.metadata.uid, controller: true, blockOwnerDeletion: true },
  ]);
  assert.equal(s.addressType, 'IPv4');
  assert.deepEqual(s.ports, [{ name: 'pg', protocol: 'TCP', port: 5432 }]);
  assert.deepEqual(s.endpoints, [
    { addresses: ['192.168.1.10'], conditions: { ready: true }, hostname: 'db-0' },
    { addresses: ['192.168.1.11'], conditions: { ready: false } },
  ]);
  // A change to the Endpoints follows; an IPv6 address gets a slice of its own type.
  core.mutate(
    endpointsType,
    'default',
    'db',
    (cur) => ({ ...cur, subsets: [{ addresses: [{ ip: '192.168.1.12' }, { ip: 'fd00::12' }], ports: [{ name: 'pg', port: 5432 }] }] }),
    {},
    '',
    'update',
  );
  const both = await until(
    'two families',
    () => slices('db'),
    (l) => l.length === 2,
  );
  assert.deepEqual(both.map((x) => `${x.addressType} ${addresses([x])}`).sort(), ['IPv4 192.168.1.12', 'IPv6 fd00::12']);
  // Opting out removes the mirrored slices.
  core.mutate(
    endpointsType,
    'default',
    'db',
    (cur) => ({ ...cur, metadata: { ...cur.metadata, labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } } }),
    {},
    '',
    'update',
  );
  await until(
    'unmirrored',
    () => slices('db'),
    (l) => l.length === 0,
  );
  // Endpoints of a Service with a selector are the Endpoints controller's: the slices come from the Service's pods.
  service('web', { selector: { app: 'web' }, ports: [{ port: 80 }] });
  core.create(endpointsType, 'default', {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'web' },
    subsets: [{ addresses: [{ ip: '192.168.1.20' }], ports: [{ port: 80 }] }],
  });
  const web = await until(
    'web placeholder',
    () => slices('web'),
    (l) => l.length === 1,
  );
  assert.equal(web[0].metadata.labels?.['endpointslice.kubernetes.io/managed-by'], ENDPOINTSLICE_CONTROLLER);
  assert.equal(web[0].endpoints, null);
  assert.equal(sim.list(slicesType).filter((x) => x.metadata.labels?.['endpointslice.kubernetes.io/managed-by'] === MIRRORING_CONTROLLER).length, 0);
});
