import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Plan, PlanStatus, Task } from '../api/types.js';
import { TaskError } from './errors.js';
import { ensurePlanStatusInitialized, resumePlanRun, startPlanRun } from './status.js';
import { executePlan, type RunTask } from './workflow.js';

const tasks: Task[] = ['a', 'b', 'c', 'wait', 'boom', 'flaky'].map((name) => ({ name, kind: 'Dummy' }));

function fresh(plan: Plan): PlanStatus {
  const status = {};
  ensurePlanStatusInitialized(status, { plans: { deploy: plan } });
  const ps = (status as { planStatus: Record<string, PlanStatus> }).planStatus.deploy;
  startPlanRun(ps, 'uid-1', 't0');
  return ps;
}

function runner(log: string[]): RunTask {
  return async (task, where) => {
    log.push(`${where.step}.${task.name}`);
    if (task.name === 'wait') return false;
    if (task.name === 'boom') throw new TaskError('it broke', true, 'DummyTaskError');
    if (task.name === 'flaky') throw new TaskError('try later', false);
    return true;
  };
}

const run = (plan: Plan, status: PlanStatus, log: string[]) =>
  executePlan({ instance: { namespace: 'ns', name: 'i' }, planName: 'deploy', plan, status, tasks, runTask: runner(log), now: 't1' });

describe('executePlan', () => {
  it('completes a plan whose tasks are all done, in order', async () => {
    const plan: Plan = {
      strategy: 'serial',
      phases: [
        {
          name: 'p',
          strategy: 'serial',
          steps: [
            { name: 's1', tasks: ['a', 'b'] },
            { name: 's2', tasks: ['c'] },
          ],
        },
      ],
    };
    const log: string[] = [];
    const r = await run(plan, fresh(plan), log);
    assert.equal(r.status.status, 'COMPLETE');
    assert.deepEqual(log, ['s1.a', 's1.b', 's2.c']);
    assert.equal(r.status.lastUpdatedTimestamp, 't1');
  });

  it('a serial phase stops at an unfinished step; parallel and empty strategies keep going', async () => {
    for (const [strategy, expected] of [
      ['serial', ['s1.wait']],
      ['parallel', ['s1.wait', 's2.a']],
      ['', ['s1.wait', 's2.a']],
    ] as const) {
      const plan: Plan = {
        strategy: 'serial',
        phases: [
          {
            name: 'p',
            strategy,
            steps: [
              { name: 's1', tasks: ['wait'] },
              { name: 's2', tasks: ['a'] },
            ],
          },
        ],
      };
      const log: string[] = [];
      const r = await run(plan, fresh(plan), log);
      assert.deepEqual(log, expected, `strategy ${strategy}`);
      assert.equal(r.status.status, 'IN_PROGRESS');
      assert.equal(r.status.phases![0].steps![0].status, 'IN_PROGRESS');
      assert.equal(r.status.phases![0].steps![1].status, strategy === 'serial' ? 'PENDING' : 'COMPLETE');
    }
  });

  it('a serial plan stops at an unfinished phase', async () => {
    const plan: Plan = {
      strategy: 'serial',
      phases: [
        { name: 'p1', steps: [{ name: 's1', tasks: ['wait'] }] },
        { name: 'p2', steps: [{ name: 's2', tasks: ['a'] }] },
      ],
    };
    const log: string[] = [];
    await run(plan, fresh(plan), log);
    assert.deepEqual(log, ['s1.wait']);
    const log2: string[] = [];
    await run({ ...plan, strategy: 'parallel' }, fresh(plan), log2);
    assert.deepEqual(log2, ['s1.wait', 's2.a']);
  });

  it("a fatal error ends step, phase and plan in FATAL_ERROR with KUDO's message", async () => {
    const plan: Plan = { phases: [{ name: 'p', steps: [{ name: 's1', tasks: ['boom', 'a'] }] }] };
    const log: string[] = [];
    const r = await run(plan, fresh(plan), log);
    assert.deepEqual(log, ['s1.boom']);
    assert.equal(r.status.status, 'FATAL_ERROR');
    assert.equal(r.status.phases![0].status, 'FATAL_ERROR');
    assert.equal(r.status.phases![0].steps![0].message, 'fatal error: ns/i failed in deploy.p.s1.boom: it broke');
    assert.equal(r.fatal?.reason, 'DummyTaskError');
  });

  it('a transient error marks the step ERROR, keeps the plan running and continues with the next task', async () => {
    const plan: Plan = { phases: [{ name: 'p', steps: [{ name: 's1', tasks: ['flaky', 'a'] }] }] };
    const log: string[] = [];
    const r = await run(plan, fresh(plan), log);
    assert.deepEqual(log, ['s1.flaky', 's1.a']);
    assert.equal(r.status.status, 'IN_PROGRESS');
    assert.equal(r.status.phases![0].steps![0].status, 'ERROR');
    assert.equal(r.status.phases![0].steps![0].message, 'A transient error when executing task deploy.p.s1.flaky. Will retry. try later');
    assert.equal(r.transient.length, 1);
  });

  it('an unknown task name is fatal', async () => {
    const plan: Plan = { phases: [{ name: 'p', steps: [{ name: 's1', tasks: ['nope'] }] }] };
    const r = await run(plan, fresh(plan), []);
    assert.equal(r.status.status, 'FATAL_ERROR');
    assert.equal(r.fatal?.reason, 'UnknownTaskName');
    assert.match(r.status.phases![0].steps![0].message!, /ns\/i fatal error: missing task deploy\.p\.s1\.nope/);
  });

  it('a plan without phases completes at once; terminal plans are left alone', async () => {
    const r = await run({}, fresh({}), []);
    assert.equal(r.status.status, 'COMPLETE');
    const again = await run({ phases: [{ name: 'p', steps: [{ name: 's', tasks: ['a'] }] }] }, r.status, []);
    assert.deepEqual(again.status, r.status);
  });

  it('does not touch the timestamp when nothing changed', async () => {
    const plan: Plan = { phases: [{ name: 'p', steps: [{ name: 's1', tasks: ['wait'] }] }] };
    const first = await run(plan, fresh(plan), []);
    const second = await executePlan({
      instance: { namespace: 'ns', name: 'i' },
      planName: 'deploy',
      plan,
      status: first.status,
      tasks,
      runTask: runner([]),
      now: 't2',
    });
    assert.equal(second.status.lastUpdatedTimestamp, 't1');
  });

  it('resume keeps completed steps and restarts the others', () => {
    const plan: Plan = {
      phases: [
        {
          name: 'p',
          steps: [
            { name: 's1', tasks: ['a'] },
            { name: 's2', tasks: ['b'] },
          ],
        },
      ],
    };
    const ps = fresh(plan);
    ps.status = 'FATAL_ERROR';
    ps.phases![0].status = 'FATAL_ERROR';
    ps.phases![0].steps![0].status = 'COMPLETE';
    ps.phases![0].steps![1].status = 'FATAL_ERROR';
    resumePlanRun(ps, 'uid-2', 't3');
    assert.equal(ps.uid, 'uid-2');
    assert.deepEqual(
      ps.phases![0].steps!.map((s) => s.status),
      ['COMPLETE', 'PENDING'],
    );
  });
});

describe('ensurePlanStatusInitialized', () => {
  it('adds NEVER_RUN entries for every plan, keeps existing state and rebuilds the order', () => {
    const status = { planStatus: { deploy: { name: 'deploy', status: 'COMPLETE', uid: 'u', phases: [{ name: 'b', status: 'COMPLETE', steps: [] }] } } };
    const changed = ensurePlanStatusInitialized(status, {
      plans: {
        deploy: {
          phases: [
            { name: 'a', steps: [{ name: 'x' }] },
            { name: 'b', steps: [] },
          ],
        },
        update: {},
      },
    });
    assert.equal(changed, true);
    assert.deepEqual(
      status.planStatus.deploy.phases.map((p) => [p.name, p.status]),
      [
        ['a', 'NEVER_RUN'],
        ['b', 'COMPLETE'],
      ],
    );
    assert.equal(status.planStatus.deploy.status, 'COMPLETE');
    assert.deepEqual((status.planStatus as Record<string, unknown>).update, { name: 'update', status: 'NEVER_RUN', phases: [] });
  });
});
