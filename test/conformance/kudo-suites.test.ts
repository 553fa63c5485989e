/**
 * KUDO's own KUTTL suites (../shared/testdata/kudo-suites), unchanged, through `kubectl kudo test`
 * (in a writable copy, via the kuttl conformance runner): on the local control plane, and the
 * integration suite once more on a real kube-apiserver when its binaries are there.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { findRealK8s } from '../../src/harness/real-assets.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const suites = join(root, '..', 'shared', 'testdata', 'kudo-suites');
const noSuites = existsSync(suites) ? false : `${suites} is absent`;

function runSuite(config: string, env: NodeJS.ProcessEnv): void {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/run-suite.ts', 'conformance', 'kuttl', join(suites, config)], {
    cwd: root,
    env,
    encoding: 'utf8',
    timeout: 400_000,
  });
  const out = `${r.stdout}\n${r.stderr}`;
  const summary = /^(\d+) passed, (\d+) failed$/m.exec(out);
  assert.ok(summary, `no summary line in:\n${out.slice(-3000)}`);
  assert.equal(summary[2], '0', out.slice(-6000));
  assert.ok(Number(summary[1]) > 0, 'the suite ran no test');
  assert.equal(r.status, 0, out.slice(-2000));
}

const localEnv = { ...process.env, KUBEBUILDER_ASSETS: '' };

test('KUDO integration suite on the local control plane', { skip: noSuites, timeout: 420_000 }, () => {
  runSuite('kudo-integration-test.yaml', localEnv);
});

test('KUDO e2e suite on the local control plane with simulated workloads', { skip: noSuites, timeout: 420_000 }, () => {
  runSuite('kudo-e2e-test.yaml', localEnv);
});

const real = findRealK8s();
const noRealLane =
  typeof real === 'string'
    ? real
    : existsSync(join(real.dir, '.empty-string-fix'))
      ? false
      : `${real.dir} lacks the fix for kubernetes#99804: 1.20 built with Go >= 1.16 refuses "" in custom resources (docs/real-kubernetes.md)`;

test('KUDO integration suite on a real kube-apiserver (KUBEBUILDER_ASSETS)', { skip: noSuites || noRealLane, timeout: 420_000 }, () => {
  runSuite('kudo-integration-test.yaml', { ...process.env, KUBEBUILDER_ASSETS: (real as { dir: string }).dir });
});
