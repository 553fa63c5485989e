import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Instance, OperatorVersion, Parameter } from '../api/types.js';
import { admitCreate, admitUpdate, type Verdict } from './admission.js';

function ov(name: string, plans: string[], parameters: Parameter[] = []): OperatorVersion {
  return {
    apiVersion: 'kudo.dev/v1beta1',
    kind: 'OperatorVersion',
    metadata: { name, namespace: 'ns' },
    spec: { version: '1', parameters, plans: Object.fromEntries(plans.map((p) => [p, {}])) },
  };
}

function inst(params: Record<string, string> = {}, exec: Record<string, string> = {}, ovName = 'op-1'): Instance {
  return {
    apiVersion: 'kudo.dev/v1beta1',
    kind: 'Instance',
    metadata: { name: 'i', namespace: 'ns' },
    spec: { operatorVersion: { name: ovName }, parameters: params, planExecution: exec },
  };
}

let n = 0;
const uid = () => `uid-${++n}`;
const message = (v: Verdict): string => (v.allowed ? '' : v.message);
const planOf = (v: Verdict) => (v.allowed ? v.instance?.spec?.planExecution : undefined);

describe('admitCreate', () => {
  it('schedules deploy with a uid, adds the cleanup finalizer and immutable defaults', () => {
    const v = admitCreate(
      inst(),
      'ns',
      ov(
        'op-1',
        ['deploy', 'cleanup'],
        [
          { name: 'IMM', default: 'd', immutable: true },
          { name: 'M', default: 'm' },
        ],
      ),
      uid,
    );
    assert.ok(v.allowed && v.instance);
    assert.equal(v.instance.spec?.planExecution?.planName, 'deploy');
    assert.match(v.instance.spec?.planExecution?.uid ?? '', /^uid-/);
    assert.deepEqual(v.instance.metadata.finalizers, ['kudo.dev.instance.cleanup']);
    assert.deepEqual(v.instance.spec?.parameters, { IMM: 'd' });
  });

  it("denies a missing deploy plan and invalid parameters with KUDO's messages", () => {
    assert.equal(
      message(admitCreate(inst(), 'ns', ov('op-1', ['update']), uid)),
      "failed to create an Instance ns/i: couldn't find 'deploy' plan in the operatorVersion",
    );
    assert.equal(
      message(admitCreate(inst(), 'ns', ov('op-1', ['deploy'], [{ name: 'R', required: true }]), uid)),
      'failed to create an Instance ns/i: parameters are not valid: parameter "R" is required but has no value set',
    );
    assert.match(
      message(admitCreate(inst({ N: 'x' }), 'ns', ov('op-1', ['deploy'], [{ name: 'N', 'value-type': 'integer' }]), uid)),
      /parameter "N" has an invalid value "x": type is "integer"/,
    );
  });
});

describe('admitUpdate', () => {
  const params: Parameter[] = [{ name: 'A' }, { name: 'T', trigger: 'foo' }, { name: 'U', trigger: 'bar' }, { name: 'IMM', immutable: true }];
  const full = ov('op-1', ['deploy', 'update', 'foo', 'bar', 'cleanup'], params);

  it('a parameter without trigger runs update, else deploy', () => {
    assert.equal(planOf(admitUpdate(inst({ A: '1' }), inst({ A: '2' }), 'ns', full, full, uid))?.planName, 'update');
    const noUpdate = ov('op-1', ['deploy'], params.slice(0, 1));
    assert.equal(planOf(admitUpdate(inst({ A: '1' }), inst({ A: '2' }), 'ns', noUpdate, noUpdate, uid))?.planName, 'deploy');
    assert.equal(planOf(admitUpdate(inst({ A: '1' }), inst({ A: '2' }), 'ns', full, full, uid))?.status, 'NEVER_RUN');
  });

  it('a parameter with a trigger runs that plan; two triggers are refused', () => {
    assert.equal(planOf(admitUpdate(inst({ T: '1' }), inst({ T: '2' }), 'ns', full, full, uid))?.planName, 'foo');
    assert.equal(
      message(admitUpdate(inst({ T: '1', U: '1' }), inst({ T: '2', U: '2' }), 'ns', full, full, uid)),
      'failed to update Instance ns/i: triggering multiple plans: [[foo bar]] at once is not allowed',
    );
    const missing = ov('op-1', ['deploy'], [{ name: 'T', trigger: 'foo' }]);
    assert.equal(
      message(admitUpdate(inst({ T: '1' }), inst({ T: '2' }), 'ns', missing, missing, uid)),
      'failed to update Instance ns/i: param T defined trigger plan foo, but plan not defined in operatorversion',
    );
  });

  it('refuses unknown and immutable parameters', () => {
    assert.equal(
      message(admitUpdate(inst({}), inst({ X: '1' }), 'ns', full, full, uid)),
      'failed to update Instance ns/i: failed to find parameter "X" in the OperatorVersion',
    );
    assert.equal(
      message(admitUpdate(inst({ IMM: 'a' }), inst({ IMM: 'b' }), 'ns', full, full, uid)),
      "failed to check immutable parameters for Instance ns/i: parameter 'IMM' is immutable but was changed from 'a' to 'b'",
    );
  });

  it('an upgrade runs upgrade, else update, else deploy; not while a plan runs', () => {
    const v2 = ov('op-2', ['deploy', 'update', 'upgrade'], params);
    assert.equal(planOf(admitUpdate(inst({ IMM: 'a' }), inst({ IMM: 'a' }, {}, 'op-2'), 'ns', v2, full, uid))?.planName, 'upgrade');
    const v3 = ov('op-3', ['deploy'], params);
    assert.equal(planOf(admitUpdate(inst({ IMM: 'a' }), inst({ IMM: 'a' }, {}, 'op-3'), 'ns', v3, full, uid))?.planName, 'deploy');
    assert.equal(
      message(
        admitUpdate(inst({ IMM: 'a' }, { planName: 'deploy', uid: 'u' }), inst({ IMM: 'a' }, { planName: 'deploy', uid: 'u' }, 'op-2'), 'ns', v2, full, uid),
      ),
      "failed to update Instance ns/i: upgrade to new OperatorVersion {  op-2    } while a plan 'deploy' is scheduled (or running) is not allowed",
    );
  });

  it('a value for a parameter the new OV adds is part of the upgrade, not an update', () => {
    const before = ov('op-1', ['deploy', 'update', 'upgrade'], [{ name: 'A' }]);
    const after = ov('op-2', ['deploy', 'update', 'upgrade'], [{ name: 'A' }, { name: 'NEW', required: true }]);
    const upgraded = planOf(admitUpdate(inst({ A: '1' }), inst({ A: '1', NEW: 'v' }, {}, 'op-2'), 'ns', after, before, uid));
    assert.equal(upgraded?.planName, 'upgrade');
    // A changed value of a parameter both versions have still counts, and update may not ride along an upgrade.
    assert.equal(
      message(admitUpdate(inst({ A: '1' }), inst({ A: '2', NEW: 'v' }, {}, 'op-2'), 'ns', after, before, uid)),
      "failed to update Instance ns/i: upgrade to new OperatorVersion {  op-2    } together with a parameter update triggering 'update' is not allowed",
    );
  });

  it('an upgrade that adds an immutable parameter needs its value; removed parameters are dropped', () => {
    const v2 = ov('op-2', ['deploy'], [{ name: 'NEW', immutable: true, default: 'd' }]);
    assert.equal(
      message(admitUpdate(inst({ A: 'x' }), inst({ A: 'x' }, {}, 'op-2'), 'ns', v2, full, uid)),
      "failed to check immutable parameters for Instance ns/i: parameter 'NEW' was added in operator version op-2, but no value was provided (default would be d)",
    );
    const v3 = ov('op-3', ['deploy'], [{ name: 'B' }]);
    const ok = admitUpdate(inst({ A: 'x' }), inst({ A: 'x' }, {}, 'op-3'), 'ns', v3, full, uid);
    assert.ok(ok.allowed && ok.instance);
    assert.deepEqual(ok.instance.spec?.parameters, {});
  });

  it("conflicting changes while a plan runs are refused with KUDO's messages", () => {
    const running = { planName: 'foo', uid: 'u1' };
    assert.equal(
      message(admitUpdate(inst({ A: '1' }, running), inst({ A: '2' }, running), 'ns', full, full, uid)),
      "failed to update Instance ns/i: plan 'foo' is scheduled (or running) and an update would trigger a different plan 'update'",
    );
    assert.equal(
      message(admitUpdate(inst({}, running), inst({}, { planName: 'bar', uid: 'u2' }), 'ns', full, full, uid)),
      "failed to update Instance ns/i: overriding currently scheduled (or running) plan 'foo' with 'bar' is not supported",
    );
    assert.equal(
      message(admitUpdate(inst({}, running), inst({}, {}), 'ns', full, full, uid)),
      "failed to update Instance ns/i: cancelling currently scheduled (or running) plan 'foo' is not supported",
    );
    assert.equal(
      message(admitUpdate(inst({}), inst({}, { planName: 'cleanup', uid: 'x' }), 'ns', full, full, uid)),
      "failed to update Instance ns/i: only the controller schedules the 'cleanup' plan when the instance is deleted",
    );
    assert.equal(message(admitUpdate(inst({}), inst({}, { planName: 'nope', uid: 'x' }), 'ns', full, full, uid)), 'plan nope does not exist');
  });

  it('re-updating a parameter of the running plan restarts it with a new uid', () => {
    const running = { planName: 'foo', uid: 'u1' };
    const p = planOf(admitUpdate(inst({ T: '1' }, running), inst({ T: '2' }, running), 'ns', full, full, uid));
    assert.equal(p?.planName, 'foo');
    assert.notEqual(p?.uid, 'u1');
  });

  it('manual trigger and re-trigger get a new uid; a terminal status clears planExecution', () => {
    const trig = planOf(admitUpdate(inst({}), inst({}, { planName: 'bar', uid: 'client' }), 'ns', full, full, uid));
    assert.equal(trig?.planName, 'bar');
    assert.notEqual(trig?.uid, 'client');
    const re = planOf(admitUpdate(inst({}, { planName: 'bar', uid: 'a' }), inst({}, { planName: 'bar', uid: 'b' }), 'ns', full, full, uid));
    assert.equal(re?.planName, 'bar');
    assert.deepEqual(
      planOf(admitUpdate(inst({}, { planName: 'bar', uid: 'a' }), inst({}, { planName: 'bar', uid: 'a', status: 'COMPLETE' }), 'ns', full, full, uid)),
      {},
    );
  });

  it('a terminal status clears planExecution even when the uid changed too', () => {
    const v = admitUpdate(inst({}, { planName: 'bar', uid: 'a' }), inst({}, { planName: 'bar', uid: 'b', status: 'FATAL_ERROR' }), 'ns', full, full, uid);
    assert.deepEqual(planOf(v), {});
  });

  it('while deleting only cleanup may be scheduled', () => {
    const deleting = (i: Instance) => ({ ...i, metadata: { ...i.metadata, deletionTimestamp: 'now' } });
    assert.equal(
      admitUpdate(inst({}, { planName: 'deploy', uid: 'a' }), deleting(inst({}, { planName: 'cleanup', uid: 'c' })), 'ns', full, full, uid).allowed,
      true,
    );
    assert.equal(
      message(admitUpdate(inst({}, { planName: 'cleanup', uid: 'c' }), deleting(inst({}, { planName: 'deploy', uid: 'd' })), 'ns', full, full, uid)),
      "failed to update Instance ns/i: 'cleanup' plan can not be cancelled or overridden by another plan since the instance is being deleted",
    );
    assert.equal(
      message(admitUpdate(inst({ A: '1' }), deleting(inst({ A: '2' })), 'ns', full, full, uid)),
      'failed to update Instance ns/i: parameter update and/or upgrade is not allowed when an instance is being deleted',
    );
  });

  it('metadata-only updates pass without a patch', () => {
    const v = admitUpdate(inst({ A: '1' }), { ...inst({ A: '1' }), metadata: { name: 'i', namespace: 'ns', labels: { x: 'y' } } }, 'ns', full, full, uid);
    assert.deepEqual(v, { allowed: true });
  });
});
