import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jsonLogger } from '../../src/manager/log.js';
import { startManager, type RunningManager } from '../../src/manager/manager.js';
import { instance, operatorVersion, serialPlan, startEnv, waitForPlan, waitUntil, type TestEnv } from './env.js';

const election = { namespace: 'default', identity: 'replica-a', leaseDurationSeconds: 2, renewMs: 300, retryMs: 200 };

describe('manager: leader election', { timeout: 60_000 }, () => {
  let env: TestEnv;
  let second: RunningManager | undefined;
  before(async () => {
    env = await startEnv({ manager: { leaderElection: election } });
  });
  after(async () => {
    await second?.stop();
    await env?.stop();
  });

  it('runs the controller on one replica only and hands over when the leader stops', async () => {
    const { cluster } = env;
    assert.equal(await env.manager.leading, true);
    const logs: string[] = [];
    second = await startManager({
      cluster,
      log: jsonLogger((l) => logs.push(l)),
      metricsAddr: '0',
      healthAddr: '0',
      leaderElection: { ...election, identity: 'replica-b' },
    });
    const lease = await cluster.get({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'default', name: 'kudo-manager' });
    assert.equal((lease?.spec as { holderIdentity?: string }).holderIdentity, 'replica-a');

    await cluster.create(
      operatorVersion({
        name: 'le-1.0',
        templates: { 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Name }}\n' },
        tasks: [{ name: 't', kind: 'Apply', spec: { resources: ['cm.yaml'] } }],
        plans: { deploy: serialPlan({ s: ['t'] }) },
      }),
    );
    await cluster.create(instance('le-one', 'le-1.0'));
    await waitForPlan(cluster, 'le-one', 'deploy', ['COMPLETE']);
    assert.equal(second.metrics.reconciles.total(), 0, 'the standby replica does not reconcile');

    // The webhook of the first manager keeps serving admission while a new leader takes over.
    await env.manager.controller.stop();
    const released = env.manager.stop();
    assert.equal(await second.leading, true);
    await released;
    await waitUntil(
      async () => {
        const l = await cluster.get({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'default', name: 'kudo-manager' });
        return (l?.spec as { holderIdentity?: string }).holderIdentity === 'replica-b';
      },
      10_000,
      'replica-b to hold the lease',
    );
  });
});
