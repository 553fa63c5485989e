import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getInstance, instance, operatorVersion, serialPlan, startEnv, waitForPlan, waitIdle, waitUntil, type TestEnv } from './env.js';

const cm = (name: string, data = 'v') => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
data:
  key: "${data}"
`;

const deployment = (name: string, image: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 1
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: main
        image: ${image}
`;

const exists = (env: TestEnv, kind: string, name: string, apiVersion = 'v1') => env.cluster.get({ apiVersion, kind, namespace: 'default', name });

describe('manager: task kinds and failures (simulated workloads)', { timeout: 120_000 }, () => {
  let env: TestEnv;
  before(async () => {
    env = await startEnv({ simulateWorkloads: true });
  });
  after(async () => {
    await env?.stop();
  });

  it('Apply waits for a Deployment to be healthy; a serial phase does not start the next step before', async () => {
    const { cluster } = env;
    await cluster.create(
      operatorVersion({
        name: 'web-1.0',
        templates: { 'good.yaml': deployment('good', 'nginx:1.25'), 'bad.yaml': deployment('bad', 'nonexistent/image:1'), 'after.yaml': cm('after-bad') },
        tasks: [
          { name: 'good', kind: 'Apply', spec: { resources: ['good.yaml'] } },
          { name: 'bad', kind: 'Apply', spec: { resources: ['bad.yaml'] } },
          { name: 'after', kind: 'Apply', spec: { resources: ['after.yaml'] } },
        ],
        plans: { deploy: serialPlan({ good: ['good'], bad: ['bad'], after: ['after'] }) },
      }),
    );
    await cluster.create(instance('web', 'web-1.0'));
    await waitUntil(
      async () => (await getInstance(cluster, 'web'))?.status?.planStatus?.deploy?.phases?.[0].steps?.[0].status === 'COMPLETE',
      15_000,
      'step good to complete',
    );
    await new Promise((r) => setTimeout(r, 1000));
    const i = await getInstance(cluster, 'web');
    assert.equal(i?.status?.planStatus?.deploy.status, 'IN_PROGRESS');
    assert.equal(i?.status?.planStatus?.deploy.phases?.[0].steps?.[1].status, 'IN_PROGRESS');
    assert.equal(await exists(env, 'ConfigMap', 'after-bad'), undefined);
    const ready = i?.status?.conditions?.find((c) => c.type === 'Ready');
    assert.equal(ready?.reason, 'PlanInProgress');
    assert.equal(ready?.status, 'Unknown');
  });

  it('Delete removes objects and waits until they are gone', async () => {
    const { cluster } = env;
    await cluster.create(
      operatorVersion({
        name: 'del-1.0',
        templates: { 'cm.yaml': cm('to-delete') },
        tasks: [
          { name: 'create', kind: 'Apply', spec: { resources: ['cm.yaml'] } },
          { name: 'remove', kind: 'Delete', spec: { resources: ['cm.yaml'] } },
        ],
        plans: { deploy: serialPlan({ create: ['create'], remove: ['remove'] }) },
      }),
    );
    await cluster.create(instance('del', 'del-1.0'));
    const i = await waitForPlan(cluster, 'del', 'deploy', ['COMPLETE', 'FATAL_ERROR']);
    assert.equal(i.status?.planStatus?.deploy.status, 'COMPLETE', JSON.stringify(i.status));
    assert.equal(await exists(env, 'ConfigMap', 'to-delete'), undefined);
  });

  it('Toggle applies with true and deletes with false', async () => {
    const { cluster } = env;
    await cluster.create(
      operatorVersion({
        name: 'tog-1.0',
        templates: { 'cm.yaml': cm('toggled') },
        parameters: [{ name: 'ENABLED', default: 'true', 'value-type': 'boolean' }],
        tasks: [{ name: 'toggle', kind: 'Toggle', spec: { parameter: 'ENABLED', resources: ['cm.yaml'] } }],
        plans: { deploy: serialPlan({ toggle: ['toggle'] }) },
      }),
    );
    await cluster.create(instance('tog', 'tog-1.0'));
    await waitForPlan(cluster, 'tog', 'deploy', ['COMPLETE']);
    assert.ok(await exists(env, 'ConfigMap', 'toggled'));
    const idle = await waitIdle(cluster, 'tog');
    idle.spec!.parameters = { ENABLED: 'false' };
    await cluster.update(idle);
    await waitUntil(
      async () => (await getInstance(cluster, 'tog'))?.status?.planStatus?.deploy.uid !== idle.status?.planStatus?.deploy.uid,
      10_000,
      'deploy to restart',
    );
    await waitForPlan(cluster, 'tog', 'deploy', ['COMPLETE']);
    assert.equal(await exists(env, 'ConfigMap', 'toggled'), undefined);
  });

  it('Pipe runs a pod, stores the file as a ConfigMap and exposes it to later steps as .Pipes', async () => {
    const { cluster } = env;
    const pod = `apiVersion: v1
kind: Pod
spec:
  volumes:
  - name: shared
    emptyDir: {}
  initContainers:
  - name: init
    image: busybox
    command: ["/bin/sh", "-c", "mkdir -p /tmp/out && echo hello-from-pipe > /tmp/out/greeting.txt"]
    volumeMounts:
    - name: shared
      mountPath: /tmp/out
`;
    const user = `apiVersion: v1
kind: ConfigMap
metadata:
  name: pipe-user
data:
  source: "{{ .Pipes.greeting }}"
`;
    await cluster.create(
      operatorVersion({
        name: 'pipe-1.0',
        templates: { 'pod.yaml': pod, 'user.yaml': user },
        tasks: [
          { name: 'gen', kind: 'Pipe', spec: { pod: 'pod.yaml', pipe: [{ file: '/tmp/out/greeting.txt', kind: 'ConfigMap', key: 'greeting' }] } },
          { name: 'use', kind: 'Apply', spec: { resources: ['user.yaml'] } },
        ],
        plans: { deploy: serialPlan({ gen: ['gen'], use: ['use'] }) },
      }),
    );
    await cluster.create(instance('pipe', 'pipe-1.0'));
    const i = await waitForPlan(cluster, 'pipe', 'deploy', ['COMPLETE', 'FATAL_ERROR'], 30_000);
    assert.equal(i.status?.planStatus?.deploy.status, 'COMPLETE', JSON.stringify(i.status));
    const artifact = await exists(env, 'ConfigMap', 'pipe.deploy.main.gen.gen.greeting');
    assert.ok(artifact, 'artifact ConfigMap exists');
    assert.equal(Buffer.from((artifact.binaryData as Record<string, string>)['greeting.txt'], 'base64').toString(), 'hello-from-pipe\n');
    const userCm = await exists(env, 'ConfigMap', 'pipe-user');
    assert.equal((userCm?.data as Record<string, string>).source, 'pipe.deploy.main.gen.gen.greeting');
    await waitUntil(async () => !(await exists(env, 'Pod', 'pipe.deploy.main.gen.gen.pipepod')), 10_000, 'pipe pod to be deleted');
  });

  it('a failing Job, a failing template, an unknown kind and a fatal Dummy end in FATAL_ERROR saying what and where', async () => {
    const { cluster } = env;
    const job = `apiVersion: batch/v1
kind: Job
metadata:
  name: failing
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: busybox
        command: ["sh", "-c", "exit 3"]
`;
    const cases: [string, Record<string, string>, unknown, RegExp][] = [
      [
        'job',
        { 'job.yaml': job },
        { name: 't', kind: 'Apply', spec: { resources: ['job.yaml'] } },
        /fatal error: default\/fail-job failed in deploy\.main\.s\.t: job "failing" has failed/,
      ],
      [
        'tpl',
        { 'bad.yaml': 'value: {{ .Params.UNDEFINED }}' },
        { name: 't', kind: 'Apply', spec: { resources: ['bad.yaml'] } },
        /fatal error: default\/fail-tpl failed in deploy\.main\.s\.t: error expanding template bad\.yaml: error rendering template: .*UNDEFINED/,
      ],
      [
        'kind',
        { 'w.yaml': 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n' },
        { name: 't', kind: 'Apply', spec: { resources: ['w.yaml'] } },
        /failed in deploy\.main\.s\.t: failed to determine if object example\.com\/v1\/Widget w is namespaced/,
      ],
      ['dummy', {}, { name: 't', kind: 'Dummy', spec: { wantErr: true, fatal: true } }, /failed in deploy\.main\.s\.t: dummy error/],
    ];
    for (const [name, templates, task] of cases) {
      await cluster.create(operatorVersion({ name: `fail-${name}-1.0`, templates, tasks: [task], plans: { deploy: serialPlan({ s: ['t'] }) } }));
      await cluster.create(instance(`fail-${name}`, `fail-${name}-1.0`));
    }
    for (const [name, , , pattern] of cases) {
      const i = await waitForPlan(cluster, `fail-${name}`, 'deploy', ['FATAL_ERROR', 'COMPLETE'], 30_000);
      assert.equal(i.status?.planStatus?.deploy.status, 'FATAL_ERROR', name);
      assert.match(i.status?.planStatus?.deploy.phases?.[0].steps?.[0].message ?? '', pattern, name);
      const idle = await waitIdle(cluster, `fail-${name}`);
      assert.equal(idle.status?.conditions?.find((c) => c.type === 'Ready')?.reason, 'PlanInFatalError');
    }
    const events = await cluster.list('v1', 'Event', { namespace: 'default' });
    assert.ok(events.items.some((e) => e.reason === 'FailedTerminalStateError'));
    assert.ok(events.items.some((e) => e.reason === 'DummyTaskError'));
    // ... and other instances are still served.
    await cluster.create(
      operatorVersion({
        name: 'after-1.0',
        templates: { 'cm.yaml': cm('after-failures') },
        tasks: [{ name: 't', kind: 'Apply', spec: { resources: ['cm.yaml'] } }],
        plans: { deploy: serialPlan({ s: ['t'] }) },
      }),
    );
    await cluster.create(instance('after', 'after-1.0'));
    await waitForPlan(cluster, 'after', 'deploy', ['COMPLETE']);
  });

  it('a parameter of the wrong type is refused at admission naming the parameter', async () => {
    const { cluster } = env;
    await cluster.create(
      operatorVersion({ name: 'typed-1.0', parameters: [{ name: 'COUNT', 'value-type': 'integer', default: '1' }], plans: { deploy: serialPlan({}) } }),
    );
    await assert.rejects(cluster.create(instance('typed', 'typed-1.0', { COUNT: 'many' })), /parameter "COUNT" has an invalid value "many": type is "integer"/);
  });

  it('a transient error retries with backoff until aborted; abort frees the instance for updates; retry resumes after the cause is fixed', async () => {
    const { cluster } = env;
    await cluster.create(
      operatorVersion({
        name: 'stuck-1.0',
        templates: { 'cm.yaml': cm('stuck-first'), 'w.yaml': 'apiVersion: example.com/v1\nkind: Gadget\nmetadata:\n  name: g\n' },
        parameters: [{ name: 'P', default: 'a' }],
        tasks: [
          { name: 'first', kind: 'Apply', spec: { resources: ['cm.yaml'] } },
          { name: 'flaky', kind: 'Dummy', spec: { wantErr: true } },
          { name: 'gadget', kind: 'Apply', spec: { resources: ['w.yaml'] } },
        ],
        plans: { deploy: serialPlan({ first: ['first'], flaky: ['flaky'] }), update: serialPlan({ first: ['first'], gadget: ['gadget'] }) },
      }),
    );
    await cluster.create(instance('stuck', 'stuck-1.0'));
    const erroring = await waitUntil(
      async () => {
        const i = await getInstance(cluster, 'stuck');
        return i?.status?.planStatus?.deploy.phases?.[0].steps?.[1].status === 'ERROR' ? i : undefined;
      },
      10_000,
      'step flaky in ERROR',
    );
    assert.equal(
      erroring.status?.planStatus?.deploy.phases?.[0].steps?.[1].message,
      'A transient error when executing task deploy.main.flaky.flaky. Will retry. dummy error',
    );
    // An update is refused while the plan is stuck (KUDO's rule) ...
    const blocked = structuredClone(erroring);
    blocked.spec!.parameters = { P: 'b' };
    await assert.rejects(cluster.update(blocked), /plan 'deploy' is scheduled \(or running\) and an update would trigger a different plan 'update'/);
    // ... until the plan is aborted on purpose.
    await cluster.patch({ apiVersion: 'kudo.dev/v1beta1', kind: 'Instance', namespace: 'default', name: 'stuck' }, 'merge', {
      metadata: { annotations: { 'kudo.dev/abort-plan': 'deploy' } },
    });
    const aborted = await waitForPlan(cluster, 'stuck', 'deploy', ['FATAL_ERROR']);
    assert.match(aborted.status?.planStatus?.deploy.message ?? '', /aborted on request/);
    const idle = await waitIdle(cluster, 'stuck');
    assert.equal(idle.metadata.annotations?.['kudo.dev/abort-plan'], undefined);
    idle.spec!.parameters = { P: 'b' };
    await cluster.update(idle);
    // The update plan fails on the unknown kind; after the CRD appears, retry resumes it.
    const failed = await waitForPlan(cluster, 'stuck', 'update', ['FATAL_ERROR']);
    assert.equal(failed.status?.planStatus?.update.phases?.[0].steps?.[0].status, 'COMPLETE');
    await cluster.create({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gadgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { kind: 'Gadget', plural: 'gadgets', singular: 'gadget', listKind: 'GadgetList' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    });
    await waitIdle(cluster, 'stuck');
    await cluster.patch({ apiVersion: 'kudo.dev/v1beta1', kind: 'Instance', namespace: 'default', name: 'stuck' }, 'merge', {
      metadata: { annotations: { 'kudo.dev/retry-plan': 'update' } },
    });
    await waitUntil(
      async () => (await getInstance(cluster, 'stuck'))?.status?.planStatus?.update.uid !== failed.status?.planStatus?.update.uid,
      10_000,
      'update to be retried',
    );
    const retried = await waitForPlan(cluster, 'stuck', 'update', ['COMPLETE', 'FATAL_ERROR']);
    assert.equal(retried.status?.planStatus?.update.status, 'COMPLETE', JSON.stringify(retried.status?.planStatus?.update));
    assert.ok(await cluster.get({ apiVersion: 'example.com/v1', kind: 'Gadget', namespace: 'default', name: 'g' }));
  });
});
