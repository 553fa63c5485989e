/**
 * End-to-end: the real kubectl 1.29 (which speaks only SPDY/3.1 for exec) runs commands in a
 * simulated pod of the embedded control plane, and copies a file out of it (`kubectl cp`, which
 * is `tar cf -` over exec).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startControlPlane, type ControlPlane } from '../../index.js';

const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.29';
const skip = existsSync(KUBECTL) ? false : `${KUBECTL} is not installed`;

let cp: ControlPlane;
let dir: string;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'spdy-e2e-'));
  cp = await startControlPlane({ port: 0, insecureHttp: true, simulateWorkloads: true, simulation: { stepMs: 20 }, kubeconfigPath: join(dir, 'kubeconfig') });
  const res = await fetch(`${cp.url}/api/v1/namespaces/default/pods`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${cp.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'box' },
      spec: { containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'sleep infinity'] }] },
    }),
  });
  assert.equal(res.status, 201, await res.text());
  const ready = await kubectl('wait', '--for=condition=Ready', 'pod/box', '--timeout=20s');
  assert.equal(ready.code, 0, ready.err);
});
after(async () => {
  if (skip) return;
  await cp.stop();
  rmSync(dir, { recursive: true, force: true });
});

function kubectl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(KUBECTL, ['--kubeconfig', join(dir, 'kubeconfig'), ...args], { encoding: 'utf8', timeout: 30_000 }, (e, stdout, stderr) =>
      resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr }),
    );
  });
}

test('kubectl 1.29 exec over SPDY prints the command output and exits 0', { skip }, async () => {
  const r = await kubectl('exec', 'box', '--', 'echo', 'hi');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'hi\n');
});

test('kubectl 1.29 exec passes on a non-zero exit code and the stderr output', { skip }, async () => {
  const r = await kubectl('exec', 'box', '--', 'sh', '-c', 'echo oops >&2; exit 3');
  assert.equal(r.code, 3, r.err);
  assert.match(r.err, /oops/);
  assert.match(r.err, /command terminated with exit code 3/);
});

test('kubectl 1.29 cp copies files out of the pod, one larger than the default 64 KiB SPDY window', { skip }, async () => {
  // The simulated file system starts without /etc/hostname, so the files are written first.
  const doubled = Array.from({ length: 8 }, () => 'cat /tmp/big /tmp/big > /tmp/b2; cp /tmp/b2 /tmp/big').join('; ');
  const line = 'x'.repeat(999);
  const setup = await kubectl('exec', 'box', '--', 'sh', '-c', `echo hello > /tmp/small; printf '%s\\n' ${line} > /tmp/big; ${doubled}`);
  assert.equal(setup.code, 0, setup.err);
  const small = await kubectl('cp', 'box:/tmp/small', join(dir, 'small'));
  assert.equal(small.code, 0, small.err);
  assert.equal(readFileSync(join(dir, 'small'), 'utf8'), 'hello\n');
  const big = await kubectl('cp', 'box:/tmp/big', join(dir, 'big'));
  assert.equal(big.code, 0, big.err);
  assert.equal(readFileSync(join(dir, 'big'), 'utf8'), `${line}\n`.repeat(256));
});
