import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { getInstance, instance, operator, operatorVersion, serialPlan, startEnv, waitForPlan, waitIdle, waitUntil, type TestEnv } from './env.js';

const cm = (name: string, data = '{{ .Params.V }}') => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
data:
  key: "${data}"
`;

const clusterRole = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: {{ .Name }}-reader
rules:
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get"]
`;

function httpGet(port: number, path: string): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    })
      .on('error', reject)
      .end();
  });
}

describe('manager: life cycle (cleanup, upgrade, dependencies, restart)', { timeout: 120_000 }, () => {
  let env: TestEnv;
  before(async () => {
    env = await startEnv({ simulateWorkloads: true });
  });
  after(async () => {
    await env?.stop();
  });

  it('uninstall runs cleanup, removes the finalizer, and deletes the cluster-scoped objects the instance created', async () => {
    const { cluster } = env;
    await cluster.create(
      operatorVersion({
        name: 'clean-1.0',
        templates: { 'cm.yaml': cm('clean-main', 'x'), 'role.yaml': clusterRole, 'done.yaml': cm('clean-done', 'bye') },
        tasks: [
          { name: 'main', kind: 'Apply', spec: { resources: ['cm.yaml', 'role.yaml'] } },
          { name: 'bye', kind: 'Apply', spec: { resources: ['done.yaml'] } },
        ],
        plans: { deploy: serialPlan({ main: ['main'] }), cleanup: serialPlan({ bye: ['bye'] }) },
      }),
    );
    await cluster.create(instance('clean', 'clean-1.0'));
    await waitForPlan(cluster, 'clean', 'deploy', ['COMPLETE']);
    const idle = await waitIdle(cluster, 'clean');
    assert.deepEqual([...(idle.metadata.finalizers ?? [])].sort(), ['kudo.dev.instance.cleanup', 'kudo.dev/cluster-scoped-cleanup']);
    assert.ok(await cluster.get({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'clean-reader' }));
    await cluster.delete({ apiVersion: 'kudo.dev/v1beta1', kind: 'Instance', namespace: 'default', name: 'clean' });
    await waitUntil(async () => !(await getInstance(cluster, 'clean')), 20_000, 'instance to be gone');
    assert.equal(await cluster.get({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'clean-reader' }), undefined);
    const events = await cluster.list('v1', 'Event', { namespace: 'default' });
    assert.ok(events.items.some((e) => e.message === 'Execution of plan cleanup finished with status COMPLETE'));
    // The cleanup plan's object is owned by the instance and goes with it.
    await waitUntil(
      async () => !(await cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'clean-main' })),
      10_000,
      'owned ConfigMap to be collected',
    );
  });

  it('a deleted instance whose OperatorVersion is gone is released without its cleanup plan, cluster-scoped objects removed', async () => {
    const { cluster } = env;
    await cluster.create(
      operatorVersion({
        name: 'orphan-1.0',
        operator: 'orphan',
        templates: { 'cm.yaml': cm('orphan-main', 'x'), 'role.yaml': clusterRole, 'done.yaml': cm('orphan-done', 'bye') },
        tasks: [
          { name: 'main', kind: 'Apply', spec: { resources: ['cm.yaml', 'role.yaml'] } },
          { name: 'bye', kind: 'Apply', spec: { resources: ['done.yaml'] } },
        ],
        plans: { deploy: serialPlan({ main: ['main'] }), cleanup: serialPlan({ bye: ['bye'] }) },
      }),
    );
    await cluster.create(instance('orphan', 'orphan-1.0'));
    await waitForPlan(cluster, 'orphan', 'deploy', ['COMPLETE']);
    await waitIdle(cluster, 'orphan');
    // As when a namespace is deleted: the OperatorVersion may go first.
    await cluster.delete({ apiVersion: 'kudo.dev/v1beta1', kind: 'OperatorVersion', namespace: 'default', name: 'orphan-1.0' });
    await cluster.delete({ apiVersion: 'kudo.dev/v1beta1', kind: 'Instance', namespace: 'default', name: 'orphan' });
    await waitUntil(async () => !(await getInstance(cluster, 'orphan')), 20_000, 'instance to be released');
    assert.equal(await cluster.get({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'orphan-reader' }), undefined);
    assert.equal(await cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'orphan-done' }), undefined, 'cleanup did not run');
    const events = await cluster.list('v1', 'Event', { namespace: 'default' });
    assert.ok(events.items.some((e) => e.reason === 'CleanupSkipped' && (e.involvedObject as { name?: string } | undefined)?.name === 'orphan'));
  });

  it('changing the OperatorVersion runs upgrade', async () => {
    const { cluster } = env;
    const tasks = [{ name: 'main', kind: 'Apply', spec: { resources: ['cm.yaml'] } }];
    await cluster.create(
      operatorVersion({
        name: 'up-1.0',
        operator: 'up',
        templates: { 'cm.yaml': cm('up-cm', 'v1') },
        tasks,
        plans: { deploy: serialPlan({ main: ['main'] }) },
      }),
    );
    await cluster.create(
      operatorVersion({
        name: 'up-2.0',
        operator: 'up',
        version: '2.0',
        templates: { 'cm.yaml': cm('up-cm', 'v2') },
        tasks,
        plans: { deploy: serialPlan({ main: ['main'] }), upgrade: serialPlan({ main: ['main'] }) },
      }),
    );
    await cluster.create(instance('up', 'up-1.0'));
    await waitForPlan(cluster, 'up', 'deploy', ['COMPLETE']);
    const idle = await waitIdle(cluster, 'up');
    idle.spec!.operatorVersion = { name: 'up-2.0' };
    await cluster.update(idle);
    await waitForPlan(cluster, 'up', 'upgrade', ['COMPLETE']);
    const obj = await cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'up-cm' });
    assert.equal((obj?.data as Record<string, string>).key, 'v2');
  });

  it('KudoOperator installs a child instance with the rendered parameters and waits for it; cycles are refused', async () => {
    const { cluster } = env;
    await cluster.create(operator('child'));
    await cluster.create(
      operatorVersion({
        name: 'child-0.1.0',
        operator: 'child',
        version: '0.1.0',
        templates: { 'cm.yaml': cm('{{ .Name }}-cm') },
        parameters: [{ name: 'V', default: 'default' }],
        tasks: [{ name: 'main', kind: 'Apply', spec: { resources: ['cm.yaml'] } }],
        plans: { deploy: serialPlan({ main: ['main'] }) },
      }),
    );
    await cluster.create(operator('parent'));
    await cluster.create(
      operatorVersion({
        name: 'parent-0.1.0',
        operator: 'parent',
        version: '0.1.0',
        templates: { 'params.yaml': 'V: from-{{ .Name }}\n' },
        tasks: [{ name: 'dep', kind: 'KudoOperator', spec: { package: 'child', operatorVersion: '0.1.0', parameterFile: 'params.yaml' } }],
        plans: { deploy: serialPlan({ dep: ['dep'] }) },
      }),
    );
    await cluster.create(instance('parent', 'parent-0.1.0'));
    const parent = await waitForPlan(cluster, 'parent', 'deploy', ['COMPLETE', 'FATAL_ERROR']);
    assert.equal(parent.status?.planStatus?.deploy.status, 'COMPLETE', JSON.stringify(parent.status));
    const child = await getInstance(cluster, 'parent-child');
    assert.equal(child?.spec?.parameters?.V, 'from-parent');
    assert.equal(child?.status?.planStatus?.deploy.status, 'COMPLETE');
    assert.equal(child?.metadata.ownerReferences?.[0].name, 'parent');
    assert.ok(!child?.metadata.ownerReferences?.[0].controller);
    const cmObj = await cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'parent-child-cm' });
    assert.equal((cmObj?.data as Record<string, string>).key, 'from-parent');

    for (const [name, dep] of [
      ['cyc-a', 'cyc-b'],
      ['cyc-b', 'cyc-a'],
    ]) {
      await cluster.create(operator(name));
      await cluster.create(
        operatorVersion({
          name: `${name}-1.0`,
          operator: name,
          tasks: [{ name: 'dep', kind: 'KudoOperator', spec: { package: dep, operatorVersion: '1.0' } }],
          plans: { deploy: serialPlan({ dep: ['dep'] }) },
        }),
      );
    }
    await cluster.create(instance('cyc', 'cyc-a-1.0'));
    const cyc = await waitForPlan(cluster, 'cyc', 'deploy', ['FATAL_ERROR', 'COMPLETE']);
    assert.match(cyc.status?.planStatus?.deploy.message ?? '', /cyclic package dependency found when adding package cyc-b-1.0 -> cyc-a-1.0/);
  });

  it('serves /metrics, /healthz and /readyz', async () => {
    const m = env.manager;
    const metrics = await httpGet(m.metricsPort!, '/metrics');
    assert.equal(metrics.code, 200);
    assert.match(metrics.body, /kudo_manager_reconciles_total\{result="idle"\} \d+/);
    assert.match(metrics.body, /kudo_manager_api_requests_total\{verb="get",result="ok"\} \d+/);
    assert.match(metrics.body, /kudo_manager_workqueue_depth \d+/);
    assert.match(metrics.body, /kudo_manager_plan_duration_seconds_count\{plan="deploy",status="COMPLETE"\} \d+/);
    assert.equal((await httpGet(m.healthPort!, '/healthz')).code, 200);
    assert.equal((await httpGet(m.healthPort!, '/readyz')).code, 200);
  });
  it('resumes a plan after the manager stops mid-plan: nothing lost or duplicated', async () => {
    const { cluster } = env;
    const job = `apiVersion: batch/v1
kind: Job
metadata:
  name: slow
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: busybox
        command: ["sh", "-c", "sleep 2"]
`;
    await cluster.create(
      operatorVersion({
        name: 'crash-1.0',
        templates: { 'a.yaml': cm('crash-a', 'a'), 'job.yaml': job, 'b.yaml': cm('crash-b', 'b') },
        tasks: [
          { name: 'a', kind: 'Apply', spec: { resources: ['a.yaml'] } },
          { name: 'job', kind: 'Apply', spec: { resources: ['job.yaml'] } },
          { name: 'b', kind: 'Apply', spec: { resources: ['b.yaml'] } },
        ],
        plans: { deploy: serialPlan({ a: ['a'], job: ['job'], b: ['b'] }) },
      }),
    );
    await cluster.create(instance('crash', 'crash-1.0'));
    await waitUntil(
      async () => (await getInstance(cluster, 'crash'))?.status?.planStatus?.deploy.phases?.[0].steps?.[1].status === 'IN_PROGRESS',
      10_000,
      'the job step to run',
    );
    const jobBefore = await cluster.get({ apiVersion: 'batch/v1', kind: 'Job', namespace: 'default', name: 'slow' });
    const cmBefore = await cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'crash-a' });
    await env.manager.stop();
    await new Promise((r) => setTimeout(r, 2500));
    const during = await getInstance(cluster, 'crash');
    assert.equal(during?.status?.planStatus?.deploy.status, 'IN_PROGRESS');
    await env.restartManager();
    const done = await waitForPlan(cluster, 'crash', 'deploy', ['COMPLETE', 'FATAL_ERROR'], 20_000);
    assert.equal(done.status?.planStatus?.deploy.status, 'COMPLETE');
    assert.equal(done.status?.planStatus?.deploy.uid, during?.status?.planStatus?.deploy.uid);
    const jobs = await cluster.list('batch/v1', 'Job', { namespace: 'default' });
    assert.deepEqual(
      jobs.items.filter((j) => j.metadata.name === 'slow').map((j) => j.metadata.uid),
      [jobBefore?.metadata.uid],
    );
    const cmAfter = await cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'crash-a' });
    assert.equal(cmAfter?.metadata.uid, cmBefore?.metadata.uid);
    assert.ok(await cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'crash-b' }));
  });
});
