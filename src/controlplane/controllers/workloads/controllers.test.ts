/**
 * Each simulated controller on its own, in-process: the others are left out, and the tests
 * play their part (marking pods ready or finished) to check one controller's reactions.
 */
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import type { KubeObject } from '../../../k8s/object.js';
import { ApiCore } from '../../apiserver/core.js';
import type { ResourceType } from '../../apiserver/registry.js';
import { VolumeBinder } from './infra.js';
import { JobController } from './jobs.js';
import { PodSimulator } from './pods.js';
import { DeploymentController, ReplicaSetController } from './replicasets.js';
import { fnv32a, safeEncode, setCondition, Sim, templateHash, type Controller } from './sim.js';
import { DaemonSetController, StatefulSetController } from './statefulsets.js';
import { startControllers, until, type ControllerEnv } from './test-support.js';

type Any = Record<string, any>;

let stops: (() => void)[] = [];
afterEach(() => {
  for (const s of stops) s();
  stops = [];
});

function setup(make: (sim: Sim) => Controller[], nodes?: string[]): ControllerEnv {
  const env = startControllers(make, { nodes, withNodes: true });
  stops.push(env.stop);
  return env;
}

const podSpec = { containers: [{ name: 'c', image: 'nginx:1.25' }] };
const cond = (o: KubeObject | undefined, type: string): Any => ((o?.status as Any | undefined)?.conditions ?? []).find((c: Any) => c.type === type) ?? {};

/** Plays the kubelet: marks a pod Running and Ready (or finished with a phase). */
function setPod(core: ApiCore, t: ResourceType, pod: KubeObject, phase: 'Running' | 'Succeeded' | 'Failed'): void {
  const ready = phase === 'Running' ? 'True' : 'False';
  core.mutate(
    t,
    pod.metadata.namespace,
    pod.metadata.name!,
    (cur) => ({ ...cur, status: { phase, conditions: [{ type: 'Ready', status: ready }] } }),
    {},
    'status',
    'update',
  );
}

test('helpers: FNV-1a hashes, safe encoding, template hashes and conditions', () => {
  assert.equal(fnv32a(''), 0x811c9dc5);
  assert.equal(fnv32a('a'), 0xe40c292c);
  assert.match(safeEncode('1234567890'), /^[bcdfghjklmnpqrstvwxz2456789]{10}$/);
  assert.equal(templateHash({ a: 1, b: 2 }), templateHash({ b: 2, a: 1 }), 'key order does not matter');
  assert.notEqual(templateHash({ a: 1 }), templateHash({ a: 2 }));
  const once = setCondition(undefined, { type: 'Ready', status: 'True', reason: 'X' });
  const again = setCondition(once, { type: 'Ready', status: 'True', reason: 'X' });
  assert.equal(again[0], once[0], 'an unchanged condition is kept as it is');
  assert.equal(setCondition(once, { type: 'Ready', status: 'False' })[0]!.status, 'False');
});

test('ReplicaSet controller: creates and deletes pods to match replicas and counts ready ones', async () => {
  const { core, t } = setup((sim) => [new ReplicaSetController(sim)]);
  const rs = core.create(t('apps', 'replicasets'), 'default', {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'r' },
    spec: { replicas: 3, selector: { matchLabels: { app: 'r' } }, template: { metadata: { labels: { app: 'r' } }, spec: podSpec } },
  });
  const pods = () => core.list(t('', 'pods'), 'default').items.filter((p) => p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid);
  const created = await until('3 pods', pods, (ps) => ps.length === 3);
  assert.ok(created.every((p) => p.metadata.name!.startsWith('r-') && p.metadata.labels?.app === 'r'));
  setPod(core, t('', 'pods'), created[0]!, 'Running');
  await until(
    'ready count',
    () => core.get(t('apps', 'replicasets'), 'default', 'r'),
    (o) => (o.status as Any).readyReplicas === 1 && (o.status as Any).replicas === 3,
  );
  core.mutate(t('apps', 'replicasets'), 'default', 'r', (cur) => ({ ...cur, spec: { ...(cur.spec as Any), replicas: 1 } }));
  const left = await until('scaled down', pods, (ps) => ps.length === 1);
  assert.equal(left[0]!.metadata.name, created[0]!.metadata.name, 'the ready pod is kept');
});

test('Deployment controller: a ReplicaSet per template, conditions while pods are not ready, then Available', async () => {
  const { core, t } = setup((sim) => [new ReplicaSetController(sim), new DeploymentController(sim)]);
  core.create(t('apps', 'deployments'), 'default', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd' },
    spec: { replicas: 2, selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: podSpec } },
  });
  const d = () => core.get(t('apps', 'deployments'), 'default', 'd');
  const waiting = await until('progressing', d, (o) => (o.status as Any)?.replicas === 2 && cond(o, 'Progressing').reason === 'ReplicaSetUpdated');
  assert.equal(cond(waiting, 'Available').status, 'False');
  assert.equal(cond(waiting, 'Available').reason, 'MinimumReplicasUnavailable');
  assert.equal((waiting.status as Any).unavailableReplicas, 2);
  const rs = core.list(t('apps', 'replicasets'), 'default').items;
  assert.equal(rs.length, 1);
  const hash = rs[0]!.metadata.labels!['pod-template-hash']!;
  assert.equal(rs[0]!.metadata.name, `d-${hash}`);
  assert.equal((rs[0]!.spec as Any).selector.matchLabels['pod-template-hash'], hash);
  for (const p of core.list(t('', 'pods'), 'default').items) setPod(core, t('', 'pods'), p, 'Running');
  const available = await until('available', d, (o) => cond(o, 'Progressing').reason === 'NewReplicaSetAvailable');
  assert.equal(cond(available, 'Available').status, 'True');
  assert.equal((available.status as Any).availableReplicas, 2);
  assert.equal(cond(available, 'Progressing').message, `ReplicaSet "d-${hash}" has successfully progressed.`);
});

test('StatefulSet controller: OrderedReady waits for each pod; scale down removes the highest ordinal', async () => {
  const { core, t } = setup((sim) => [new StatefulSetController(sim)]);
  core.create(t('apps', 'statefulsets'), 'default', {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 's' },
    spec: { replicas: 2, serviceName: 's', selector: { matchLabels: { app: 's' } }, template: { metadata: { labels: { app: 's' } }, spec: podSpec } },
  });
  const names = () => core.list(t('', 'pods'), 'default').items.map((p) => p.metadata.name);
  await until('s-0', names, (n) => n.includes('s-0'));
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(names(), ['s-0'], 's-1 waits for s-0 to be ready');
  setPod(core, t('', 'pods'), core.get(t('', 'pods'), 'default', 's-0'), 'Running');
  await until('s-1', names, (n) => n.includes('s-1'));
  setPod(core, t('', 'pods'), core.get(t('', 'pods'), 'default', 's-1'), 'Running');
  await until(
    'ready',
    () => core.get(t('apps', 'statefulsets'), 'default', 's'),
    (o) => (o.status as Any).readyReplicas === 2,
  );
  core.mutate(t('apps', 'statefulsets'), 'default', 's', (cur) => ({ ...cur, spec: { ...(cur.spec as Any), replicas: 1 } }));
  await until('s-1 gone', names, (n) => n.length === 1 && n[0] === 's-0');
});

test('Job controller: parallel pods up to completions; failures past backoffLimit fail the Job', async () => {
  const { core, t } = setup((sim) => [new JobController(sim)]);
  const jobs = t('batch', 'jobs');
  core.create(jobs, 'default', {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'j' },
    spec: { completions: 3, parallelism: 2, template: { spec: { ...podSpec, restartPolicy: 'Never' } } },
  });
  const pods = () => core.list(t('', 'pods'), 'default', { labelSelector: 'job-name=j' }).items;
  const first = await until('2 active', pods, (ps) => ps.length === 2);
  await until(
    'active 2',
    () => core.get(jobs, 'default', 'j'),
    (o) => (o.status as Any)?.active === 2,
  );
  for (const p of first) setPod(core, t('', 'pods'), p, 'Succeeded');
  const third = await until('third pod', pods, (ps) => ps.length === 3);
  setPod(
    core,
    t('', 'pods'),
    third.find((p) => !first.some((f) => f.metadata.name === p.metadata.name))!,
    'Succeeded',
  );
  const done = await until(
    'complete',
    () => core.get(jobs, 'default', 'j'),
    (o) => cond(o, 'Complete').status === 'True',
  );
  assert.equal((done.status as Any).succeeded, 3);
  assert.equal(pods().length, 3, 'no pod beyond completions');

  core.create(jobs, 'default', {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'f' },
    spec: { backoffLimit: 1, template: { spec: { ...podSpec, restartPolicy: 'Never' } } },
  });
  const failing = () => core.list(t('', 'pods'), 'default', { labelSelector: 'job-name=f' }).items;
  const p1 = await until('pod', failing, (ps) => ps.length === 1);
  setPod(core, t('', 'pods'), p1[0]!, 'Failed');
  const p2 = await until('retry', failing, (ps) => ps.length === 2);
  setPod(
    core,
    t('', 'pods'),
    p2.find((p) => p.metadata.name !== p1[0]!.metadata.name)!,
    'Failed',
  );
  const failed = await until(
    'failed',
    () => core.get(jobs, 'default', 'f'),
    (o) => cond(o, 'Failed').status === 'True',
  );
  assert.equal(cond(failed, 'Failed').reason, 'BackoffLimitExceeded');
  assert.equal((failed.status as Any).failed, 2);
});

test('simulated kubelet: schedules, runs init containers then containers, fails bad images and failing init containers', async () => {
  const { core, t } = setup((sim) => [new PodSimulator(sim)]);
  const pods = t('', 'pods');
  core.create(pods, 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'ok' },
    spec: { initContainers: [{ name: 'init', image: 'busybox', command: ['sh', '-c', 'echo init'] }], containers: [{ name: 'c', image: 'nginx:1.25' }] },
  });
  const ok = await until(
    'ready',
    () => core.get(pods, 'default', 'ok'),
    (p) => cond(p, 'Ready').status === 'True',
  );
  const st = ok.status as Any;
  assert.equal((ok.spec as Any).nodeName, 'local-node');
  assert.equal(st.phase, 'Running');
  assert.deepEqual(st.conditions.map((c: Any) => c.type).sort(), ['ContainersReady', 'Initialized', 'PodReadyToStartContainers', 'PodScheduled', 'Ready']);
  assert.equal(st.initContainerStatuses[0].state.terminated.reason, 'Completed');
  assert.equal(st.containerStatuses[0].image, 'docker.io/library/nginx:1.25');
  assert.equal(st.containerStatuses[0].started, true);

  core.create(pods, 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'bad' },
    spec: { containers: [{ name: 'c', image: 'example.com/invalid-image:1' }] },
  });
  const bad = await until(
    'pull error',
    () => core.get(pods, 'default', 'bad'),
    (p) => ['ErrImagePull', 'ImagePullBackOff'].includes((p.status as Any).containerStatuses?.[0]?.state?.waiting?.reason),
  );
  assert.equal((bad.status as Any).phase, 'Pending');
  assert.match((bad.status as Any).containerStatuses[0].state.waiting.message, /not found/);

  core.create(pods, 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'initfail' },
    spec: {
      restartPolicy: 'Never',
      initContainers: [{ name: 'init', image: 'busybox', command: ['sh', '-c', 'exit 2'] }],
      containers: [{ name: 'c', image: 'nginx:1.25' }],
    },
  });
  const failed = await until(
    'failed',
    () => core.get(pods, 'default', 'initfail'),
    (p) => (p.status as Any).phase === 'Failed',
  );
  assert.equal((failed.status as Any).initContainerStatuses[0].state.terminated.exitCode, 2);
  assert.equal((failed.status as Any).containerStatuses[0].state.waiting.reason, 'PodInitializing');
});

test('volume binder: a claim gets a generated volume and both are Bound; deleting the claim deletes the volume', async () => {
  const { core, t } = setup((sim) => [new VolumeBinder(sim)]);
  core.create(t('', 'persistentvolumeclaims'), 'default', {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'c', finalizers: ['kubernetes.io/pvc-protection'] },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '3Gi' } } },
  });
  const pvc = await until(
    'bound',
    () => core.get(t('', 'persistentvolumeclaims'), 'default', 'c'),
    (o) => (o.status as Any).phase === 'Bound',
  );
  assert.deepEqual((pvc.status as Any).capacity, { storage: '3Gi' });
  const pvName = (pvc.spec as Any).volumeName as string;
  assert.equal(pvName, `pvc-${pvc.metadata.uid}`);
  assert.equal((core.get(t('', 'persistentvolumes'), undefined, pvName).status as Any).phase, 'Bound');
  // pvc-protection: a claim in use by a pod waits (Terminating) until the pod is gone.
  core.create(t('', 'pods'), 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'user' },
    spec: { ...podSpec, volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'c' } }] },
  });
  core.delete(t('', 'persistentvolumeclaims'), 'default', 'c');
  await new Promise((r) => setTimeout(r, 30));
  assert.ok(core.get(t('', 'persistentvolumeclaims'), 'default', 'c').metadata.deletionTimestamp, 'the claim in use is held by its finalizer');
  core.delete(t('', 'pods'), 'default', 'user', { gracePeriodSeconds: 0 });
  await until(
    'claim deleted',
    () => core.tryGet(t('', 'persistentvolumeclaims'), 'default', 'c'),
    (o) => o === undefined,
  );
  await until(
    'volume deleted',
    () => core.tryGet(t('', 'persistentvolumes'), undefined, pvName),
    (o) => o === undefined,
  );
});

test('DaemonSet controller: one pod per simulated node, each scheduled on its own node', async () => {
  const { core, t } = setup((sim) => [new DaemonSetController(sim), new PodSimulator(sim)], ['node-a', 'node-b']);
  core.create(t('apps', 'daemonsets'), 'default', {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent' },
    spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: podSpec } },
  });
  const ds = await until(
    'ready',
    () => core.get(t('apps', 'daemonsets'), 'default', 'agent'),
    (o) => (o.status as Any)?.numberReady === 2,
  );
  assert.equal((ds.status as Any).desiredNumberScheduled, 2);
  const nodes = core
    .list(t('', 'pods'), 'default')
    .items.map((p) => (p.spec as Any).nodeName)
    .sort();
  assert.deepEqual(nodes, ['node-a', 'node-b']);
});

test('Job controller: Indexed jobs give each pod its completion index', async () => {
  const { core, t } = setup((sim) => [new JobController(sim)]);
  core.create(t('batch', 'jobs'), 'default', {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'ix' },
    spec: { completions: 3, parallelism: 3, completionMode: 'Indexed', template: { spec: { ...podSpec, restartPolicy: 'Never' } } },
  });
  const pods = await until(
    '3 pods',
    () => core.list(t('', 'pods'), 'default', { labelSelector: 'job-name=ix' }).items,
    (ps) => ps.length === 3,
  );
  const indexes = pods.map((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index']).sort();
  assert.deepEqual(indexes, ['0', '1', '2']);
  const env = (pods[0]!.spec as Any).containers[0].env as Any[];
  assert.equal(env.find((e) => e.name === 'JOB_COMPLETION_INDEX')?.value, pods[0]!.metadata.annotations?.['batch.kubernetes.io/job-completion-index']);
  for (const p of pods) setPod(core, t('', 'pods'), p, 'Succeeded');
  const done = await until(
    'complete',
    () => core.get(t('batch', 'jobs'), 'default', 'ix'),
    (o) => cond(o, 'Complete').status === 'True',
  );
  assert.equal((done.status as Any).succeeded, 3);
});
