/** The KUTTL tests of the example operator (examples/operators/greeter/tests), run by `kubectl kudo test` against local KUDO. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startLocalKudo } from '../../src/cli/local-kudo.js';
import { runTestCommand } from '../../src/harness/cli.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

it('greeter passes its KUTTL tests', { timeout: 600_000 }, async () => {
  const env = await startLocalKudo();
  let out = '';
  try {
    const io = {
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: (t: string) => (out += t) },
      cwd: root,
      env: { ...process.env, KUDO_HOME: env.home },
    };
    const code = await runTestCommand(
      [join(root, 'examples', 'operators', 'greeter', 'tests'), '--kubeconfig', env.kubeconfigPath, '--timeout', '60', '--parallel', '2'],
      io,
    );
    assert.equal(code, 0, out);
    assert.match(out, /2 tests: 2 passed, 0 failed/);
  } finally {
    await env.stop();
  }
});
