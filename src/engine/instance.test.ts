import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Instance, OperatorVersion } from '../api/types.js';
import { PLAN_CONTROL, reconcileInstance, type ReconcileInput } from './instance.js';

const ov: OperatorVersion = {
  apiVersion: 'kudo.dev/v1beta1',
  kind: 'OperatorVersion',
  metadata: { name: 'op-1', namespace: 'ns' },
  spec: {
    version: '1',
    parameters: [{ name: 'N', 'value-type': 'integer' }],
    tasks: [
      { name: 'ok', kind: 'Dummy', spec: { done: true } },
      { name: 'wait', kind: 'Dummy', spec: { done: false } },
    ],
    plans: {
      deploy: { phases: [{ name: 'p', steps: [{ name: 's', tasks: ['ok'] }] }] },
      cleanup: { phases: [{ name: 'p', steps: [{ name: 's', tasks: ['wait'] }] }] },
    },
  },
};

function inst(extra: Partial<Instance['spec']> = {}, meta: Partial<Instance['metadata']> = {}): Instance {
  return {
    apiVersion: 'kudo.dev/v1beta1',
    kind: 'Instance',
    metadata: { name: 'i', namespace: 'ns', finalizers: ['kudo.dev.instance.cleanup'], ...meta },
    spec: { operatorVersion: { name: 'op-1' }, ...extra },
  };
}

const input = (instance: Instance): ReconcileInput => ({
  instance,
  ov,
  now: '2030-01-01T00:00:00Z',
  newUid: () => 'new-uid',
  runTask: () => async (task) => task.spec?.done ?? false,
  listWorkloads: async () => [],
});

describe('reconcileInstance', () => {
  it('starts the scheduled plan, runs it and mirrors the status into planExecution', async () => {
    const out = await reconcileInstance(input(inst({ planExecution: { planName: 'deploy', uid: 'u1' } })));
    assert.equal(out.instance.status?.planStatus?.deploy.status, 'COMPLETE');
    assert.equal(out.instance.status?.planStatus?.deploy.uid, 'u1');
    assert.equal(out.instance.status?.planStatus?.cleanup.status, 'NEVER_RUN');
    assert.equal(out.instance.spec?.planExecution?.status, 'COMPLETE');
    assert.deepEqual(
      out.events.map((e) => e.reason),
      ['PlanStarted', 'PlanFinished'],
    );
    assert.equal(out.instance.status?.conditions?.[0].reason, 'ResourcesReady');
    assert.equal(out.next, 'idle');
  });

  it('a parameter of the wrong type ends the plan in FATAL_ERROR naming it', async () => {
    const out = await reconcileInstance(input(inst({ parameters: { N: 'many' }, planExecution: { planName: 'deploy', uid: 'u1' } })));
    assert.equal(out.instance.status?.planStatus?.deploy.status, 'FATAL_ERROR');
    assert.match(out.instance.status?.planStatus?.deploy.message ?? '', /ns\/i fatal error: invalid parameters: parameter "N" has an invalid value "many"/);
    assert.ok(out.events.some((e) => e.reason === 'InvalidParams'));
  });

  it('schedules cleanup on deletion, and aborting it releases the instance', async () => {
    const deleting = inst({}, { deletionTimestamp: '2030-01-01T00:00:00Z' });
    const first = await reconcileInstance(input(deleting));
    assert.equal(first.instance.spec?.planExecution?.planName, 'cleanup');
    assert.equal(first.instance.status?.planStatus?.cleanup.status, 'IN_PROGRESS');
    assert.deepEqual(first.instance.metadata.finalizers, ['kudo.dev.instance.cleanup']);
    const aborting = structuredClone(first.instance);
    aborting.metadata.annotations = { [PLAN_CONTROL.abort]: 'cleanup' };
    const second = await reconcileInstance(input(aborting));
    assert.equal(second.instance.status?.planStatus?.cleanup.status, 'FATAL_ERROR');
    assert.deepEqual(second.instance.metadata.finalizers, []);
    assert.equal(second.instance.metadata.annotations?.[PLAN_CONTROL.abort], undefined);
  });

  it('finishes a plan whose terminal status was lost in a restart, without scheduling anything', async () => {
    const first = await reconcileInstance(input(inst({ planExecution: { planName: 'deploy', uid: 'u1' } })));
    // As if the webhook had cleared planExecution but the status write never happened:
    const lost = structuredClone(first.instance);
    lost.spec!.planExecution = {};
    lost.status!.planStatus!.deploy = { ...lost.status!.planStatus!.deploy, status: 'IN_PROGRESS' };
    const out = await reconcileInstance(input(lost));
    assert.equal(out.instance.status?.planStatus?.deploy.status, 'COMPLETE');
    assert.equal(out.instance.status?.planStatus?.deploy.uid, 'u1');
    assert.deepEqual(out.instance.spec?.planExecution, {});
    assert.ok(out.events.some((e) => e.reason === 'PlanFinished'));
  });

  it('without a cleanup plan the finalizer goes at once', async () => {
    const noCleanup = { ...ov, spec: { ...ov.spec, plans: { deploy: ov.spec!.plans!.deploy } } };
    const out = await reconcileInstance({ ...input(inst({}, { deletionTimestamp: 'x' })), ov: noCleanup });
    assert.deepEqual(out.instance.metadata.finalizers, []);
    assert.equal(out.specChanged, true);
  });
});
