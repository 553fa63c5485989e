import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Instance, OperatorVersion, PlanStatus } from '../api/types.js';
import type { Cluster } from '../cluster/cluster.js';
import { CliContext } from './context.js';
import { UserError } from './errors.js';
import { followPlan } from './progress.js';

const ov: OperatorVersion = {
  apiVersion: 'kudo.dev/v1beta1',
  kind: 'OperatorVersion',
  metadata: { name: 'op-1', namespace: 'ns' },
  spec: { plans: { deploy: { strategy: 'serial', phases: [{ name: 'p', strategy: 'serial', steps: [{ name: 's' }] }] } } },
};
const at = (status: string, step: string, message?: string): Instance => ({
  apiVersion: 'kudo.dev/v1beta1',
  kind: 'Instance',
  metadata: { name: 'i', namespace: 'ns' },
  spec: { operatorVersion: { name: 'op-1' } },
  status: {
    planStatus: { deploy: { name: 'deploy', uid: 'u2', status, phases: [{ name: 'p', status, steps: [{ name: 's', status: step, message }] }] } as PlanStatus },
  },
});

/** A cluster answering GETs of the instance with the next state of a script, and of the OV. */
function scripted(states: Instance[]): Cluster {
  let n = 0;
  return {
    async request(_method: string, path: string) {
      if (path.includes('/operatorversions/')) return { status: 200, body: ov };
      return { status: 200, body: states[Math.min(n++, states.length - 1)] };
    },
  } as unknown as Cluster;
}

function context(tty: boolean): { ctx: CliContext; out: () => string } {
  let out = '';
  const ctx = new CliContext(
    { stdout: { write: (t: string) => (out += t), isTTY: tty }, stderr: { write: () => {} }, env: { NO_COLOR: '1' }, cwd: '/' },
    { home: '/', verbosity: 0, validateInstall: true },
  );
  return { ctx, out: () => out };
}

describe('following a plan', () => {
  const opts = { namespace: 'ns', name: 'i', timeoutMs: 5000, pollMs: 1 };
  it('prints one line per change when not on a terminal', async () => {
    const { ctx, out } = context(false);
    await followPlan(ctx, scripted([at('IN_PROGRESS', 'IN_PROGRESS'), at('IN_PROGRESS', 'IN_PROGRESS'), at('COMPLETE', 'COMPLETE')]), opts);
    assert.equal(
      out(),
      'plan deploy: IN_PROGRESS\nplan deploy, phase p: IN_PROGRESS\nplan deploy, phase p, step s: IN_PROGRESS\nplan deploy: COMPLETE\nplan deploy, phase p: COMPLETE\nplan deploy, phase p, step s: COMPLETE\n',
    );
  });
  it('redraws the tree in place on a terminal', async () => {
    const { ctx, out } = context(true);
    await followPlan(ctx, scripted([at('IN_PROGRESS', 'IN_PROGRESS'), at('COMPLETE', 'COMPLETE')]), opts);
    const frames = out().split(/\x1b\[\d+A\x1b\[J/);
    assert.equal(frames.length, 2);
    assert.match(frames[0], /Step s \[IN_PROGRESS\]/);
    assert.match(frames[1], /Step s \[COMPLETE\]\n\nelapsed time \d+s\n$/);
  });
  it('fails with the failing step message on FATAL_ERROR, and ignores runs that existed before', async () => {
    const { ctx } = context(false);
    await assert.rejects(
      followPlan(ctx, scripted([at('FATAL_ERROR', 'FATAL_ERROR', 'boom')]), opts),
      (e: Error) => e instanceof UserError && e.message === 'plan deploy of instance ns/i failed: step p.s: boom',
    );
    await assert.rejects(
      followPlan(ctx, scripted([at('COMPLETE', 'COMPLETE')]), { ...opts, timeoutMs: 20, previousUids: new Set(['u2']) }),
      /timed out waiting for the condition/,
    );
  });
});
