/**
 * The project's kubectl scripts (conformance/kubectl/*.txt) against a fresh local control plane,
 * with the kubectl versions users have: 1.31 sends JSON bodies, 1.33 sends protobuf.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const scripts = readdirSync(join(root, 'conformance', 'kubectl')).filter((f) => f.endsWith('.txt'));

/** Where the versioned kubectl binaries live: beside the `kubectl` on PATH. */
function kubectlDir(): string | undefined {
  const which = spawnSync('sh', ['-c', 'readlink -f "$(command -v kubectl)"'], { encoding: 'utf8' });
  const dir = which.status === 0 && which.stdout.trim() ? dirname(which.stdout.trim()) : undefined;
  return dir && existsSync(dir) ? dir : undefined;
}

const dir = kubectlDir();
for (const version of ['1.31', '1.33']) {
  const binary = dir && join(dir, `kubectl.${version}`);
  const skip = !binary || !existsSync(binary) ? `kubectl.${version} is not installed beside kubectl` : false;
  for (const script of scripts) {
    test(`kubectl ${version}: conformance/kubectl/${script}`, { skip, timeout: 240_000 }, () => {
      const r = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'scripts/run-suite.ts', 'conformance', 'kubectl', join('conformance', 'kubectl', script), '--kubectl', binary!],
        {
          cwd: root,
          encoding: 'utf8',
          timeout: 230_000,
        },
      );
      const out = `${r.stdout}\n${r.stderr}`;
      const summary = /^(\d+) passed, (\d+) failed$/m.exec(out);
      assert.ok(summary, `no summary line in:\n${out.slice(-3000)}`);
      assert.equal(summary[2], '0', out.slice(-4000));
      assert.ok(Number(summary[1]) > 0, 'the script ran no command');
      assert.equal(r.status, 0, out.slice(-2000));
    });
  }
}
