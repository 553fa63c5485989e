import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getInstance, instance, operator, operatorVersion, serialPlan, startEnv, waitForPlan, waitIdle, waitUntil, type TestEnv } from './env.js';

const CONFIGMAP = `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Name }}-cm
data:
  value: "{{ .Params.VALUE }}"
`;

describe('manager: deploy, update and trigger', { timeout: 60_000 }, () => {
  let env: TestEnv;
  before(async () => {
    env = await startEnv();
  });
  after(async () => {
    await env?.stop();
  });

  it('runs deploy on create and applies the rendered object with KUDO labels, annotations and owner', async () => {
    const { cluster } = env;
    await cluster.create(operator('cm-op'));
    await cluster.create(
      operatorVersion({
        name: 'cm-op-1.0',
        operator: 'cm-op',
        templates: { 'cm.yaml': CONFIGMAP },
        tasks: [{ name: 'app', kind: 'Apply', spec: { resources: ['cm.yaml'] } }],
        parameters: [
          { name: 'VALUE', default: 'one' },
          { name: 'OTHER', default: 'x', trigger: 'other' },
        ],
        plans: { deploy: serialPlan({ app: ['app'] }), update: serialPlan({ app: ['app'] }), other: serialPlan({ app: ['app'] }) },
      }),
    );
    await cluster.create(instance('cm', 'cm-op-1.0'));
    const done = await waitForPlan(cluster, 'cm', 'deploy', ['COMPLETE', 'FATAL_ERROR']);
    assert.equal(done.status?.planStatus?.deploy.status, 'COMPLETE', JSON.stringify(done.status));
    const cm = await cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'cm-cm' });
    assert.equal((cm?.data as Record<string, string>).value, 'one');
    assert.equal(cm?.metadata.labels?.['kudo.dev/instance'], 'cm');
    assert.equal(cm?.metadata.labels?.['kudo.dev/operator'], 'cm-op');
    assert.equal(cm?.metadata.labels?.heritage, 'kudo');
    assert.equal(cm?.metadata.annotations?.['kudo.dev/plan'], 'deploy');
    assert.equal(cm?.metadata.ownerReferences?.[0].kind, 'Instance');
    assert.equal(cm?.metadata.ownerReferences?.[0].controller, true);
    const idle = await waitIdle(cluster, 'cm');
    assert.equal(idle.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    // every plan gets a status entry
    assert.equal(idle.status?.planStatus?.update.status, 'NEVER_RUN');
  });

  it('runs update for a parameter without trigger and the trigger plan otherwise', async () => {
    const { cluster } = env;
    const current = await waitIdle(cluster, 'cm');
    current.spec!.parameters = { VALUE: 'two' };
    await cluster.update(current);
    await waitForPlan(cluster, 'cm', 'update', ['COMPLETE']);
    const cm = await cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'cm-cm' });
    assert.equal((cm?.data as Record<string, string>).value, 'two');
    const again = await waitIdle(cluster, 'cm');
    again.spec!.parameters = { VALUE: 'two', OTHER: 'y' };
    await cluster.update(again);
    await waitForPlan(cluster, 'cm', 'other', ['COMPLETE']);
  });

  it('runs a plan triggered by hand with a uid of its own, and refuses plans the OperatorVersion lacks', async () => {
    const { cluster } = env;
    const idle = await waitIdle(cluster, 'cm');
    idle.spec!.planExecution = { planName: 'other', uid: 'client-chosen' };
    const updated = await cluster.update(idle);
    assert.equal(updated.spec?.planExecution?.planName, 'other');
    assert.notEqual(updated.spec?.planExecution?.uid, 'client-chosen');
    await waitUntil(
      async () => (await getInstance(cluster, 'cm'))?.status?.planStatus?.other.uid === updated.spec?.planExecution?.uid,
      10_000,
      'the triggered run',
    );
    await waitForPlan(cluster, 'cm', 'other', ['COMPLETE']);
    const override = await waitIdle(cluster, 'cm');
    override.spec!.planExecution = { planName: 'cleanup', uid: 'x' };
    await assert.rejects(cluster.update(override), /plan cleanup does not exist/);
  });

  it('denies creating an instance whose OperatorVersion has no deploy plan', async () => {
    const { cluster } = env;
    await cluster.create(operatorVersion({ name: 'nodeploy-1.0', plans: { other: serialPlan({}) } }));
    await assert.rejects(cluster.create(instance('nodeploy', 'nodeploy-1.0')), /couldn't find 'deploy' plan in the operatorVersion/);
  });

  it('emits PlanStarted and PlanFinished events', async () => {
    const list = await env.cluster.list('v1', 'Event', { namespace: 'default' });
    const messages = list.items.map((e) => e.message as string);
    assert.ok(messages.includes('Execution of plan deploy started'), messages.join('\n'));
    assert.ok(messages.includes('Execution of plan deploy finished with status COMPLETE'), messages.join('\n'));
  });
});
