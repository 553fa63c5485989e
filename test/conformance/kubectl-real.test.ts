/**
 * The kubectl scripts against a real Kubernetes control plane (the real lane, `--real`) with
 * kubectl 1.31, and the script annotations that lane reads (real-differs, needs-kubelet; see
 * conformance/kubectl.ts). Skips when the real binaries or kubectl.1.31 are absent.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { findRealK8s } from '../../src/harness/real-assets.js';
import { parseScript, ScriptError } from '../../conformance/kubectl.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

test('real-lane annotations attach to the step before them', () => {
  const script = parseScript(
    [
      '$ kubectl version',
      'contains v1.33',
      'real-differs 1.33: the server reports its own version',
      '$ kubectl logs p',
      'needs-kubelet: logs come from a kubelet',
      '$ kubectl exec p -- ls',
      'needs-kubelet',
      '$ kubectl get ns',
    ].join('\n'),
    'inline.txt',
  );
  assert.deepEqual(script.steps[0].real, { kind: 'real-differs', version: '1.33', reason: 'the server reports its own version' });
  assert.deepEqual(script.steps[0].expect, [{ kind: 'contains', arg: 'v1.33' }]);
  assert.deepEqual(script.steps[1].real, { kind: 'needs-kubelet', reason: 'logs come from a kubelet' });
  assert.deepEqual(script.steps[2].real, { kind: 'needs-kubelet', reason: '' });
  assert.equal(script.steps[3].real, undefined);
});

test('malformed real-lane annotations name the file and line', () => {
  const bad: [string, RegExp][] = [
    ['real-differs 1.21: too early', /x\.txt:1: "real-differs" before any "\$ command"/],
    ['$ a\nreal-differs: no version', /x\.txt:2: expected "real-differs VERSION: reason"/],
    ['$ a\nreal-differs 1.21', /x\.txt:2: expected "real-differs VERSION: reason"/],
    ['$ a\nreal-differs v1.21: a v', /x\.txt:2: expected "real-differs VERSION: reason"/],
    ['$ a\nneeds-kubelet because', /x\.txt:2: expected "needs-kubelet" or "needs-kubelet: reason"/],
    ['$ a\nneeds-kubelet\nreal-differs 1.21: both', /x\.txt:3: the step already has a "needs-kubelet" annotation/],
  ];
  for (const [text, message] of bad)
    assert.throws(
      () => parseScript(text, 'x.txt'),
      (e: Error) => e instanceof ScriptError && message.test(e.message),
      text,
    );
});

/** kubectl.1.31 beside the `kubectl` on PATH, as the local matrix test finds it. */
function kubectl131(): string | undefined {
  const which = spawnSync('sh', ['-c', 'readlink -f "$(command -v kubectl)"'], { encoding: 'utf8' });
  const found = which.status === 0 && which.stdout.trim() ? join(dirname(which.stdout.trim()), 'kubectl.1.31') : undefined;
  return found && existsSync(found) ? found : undefined;
}

const real = findRealK8s();
const kubectl = kubectl131();
const skip =
  typeof real === 'string'
    ? real
    : !existsSync(join(real.dir, 'kube-controller-manager'))
      ? `no kube-controller-manager in ${real.dir}`
      : !kubectl
        ? 'kubectl.1.31 is not installed beside kubectl'
        : false;

for (const script of ['basic.txt', 'rbac.txt']) {
  test(`real control plane, kubectl 1.31: conformance/kubectl/${script}`, { skip, timeout: 240_000 }, () => {
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'scripts/run-suite.ts',
        'conformance',
        'kubectl',
        join('conformance', 'kubectl', script),
        '--real',
        (real as { dir: string }).dir,
        '--kubectl',
        kubectl!,
      ],
      { cwd: root, encoding: 'utf8', timeout: 230_000 },
    );
    const out = `${r.stdout}\n${r.stderr}`;
    const summary = /^(\d+) passed, (\d+) failed$/m.exec(out);
    assert.ok(summary, `no summary line in:\n${out.slice(-3000)}`);
    assert.equal(summary[2], '0', out.slice(-4000));
    assert.ok(Number(summary[1]) > 0, 'the script ran no command');
    assert.match(out, /^real control plane: Kubernetes \d+\.\d+$/m, 'the runner did not learn the real server version');
    // Every step is accounted for: passed, an expected difference, or skipped for want of a kubelet.
    const noted = /^(\d+) expected differences \(real-differs\), (\d+) skipped \(needs-kubelet\)$/m.exec(out);
    assert.ok(noted, `no expected-differences line in:\n${out.slice(-3000)}`);
    const steps = parseScript(readFileSync(join(root, 'conformance', 'kubectl', script), 'utf8'), script).steps.length;
    assert.equal(Number(summary[1]) + Number(noted[1]) + Number(noted[2]), steps, out.slice(-3000));
    assert.equal(r.status, 0, out.slice(-2000));
  });
}
