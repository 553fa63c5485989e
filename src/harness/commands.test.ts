import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { commandArgv, runCommand, splitCommandLine, startBackground, type CommandContext } from './commands.js';

const dir = mkdtempSync(join(tmpdir(), 'harness-commands-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function ctx(lines: string[] = []): CommandContext {
  return { cwd: dir, env: { PATH: process.env.PATH, NAMESPACE: 'ns1' }, namespace: 'ns1', defaultTimeout: 10, log: (l) => lines.push(l) };
}

describe('command lines', () => {
  it('splits words like a shell without expansion', () => {
    assert.deepEqual(splitCommandLine(`kubectl kudo install --instance a ./op -p 'x=a b' -p "y=\\"q\\""`), [
      'kubectl',
      'kudo',
      'install',
      '--instance',
      'a',
      './op',
      '-p',
      'x=a b',
      '-p',
      'y="q"',
    ]);
    assert.deepEqual(splitCommandLine('a\\ b  c # comment'), ['a b', 'c']);
    assert.deepEqual(splitCommandLine('echo ""'), ['echo', '']);
    assert.throws(() => splitCommandLine("echo 'open"), /unterminated single quote/);
  });

  it('expands the environment and appends the namespace when asked', () => {
    const env = { NAMESPACE: 'ns1', OP: 'first' };
    assert.deepEqual(commandArgv({ command: 'kubectl kudo install ./$OP', namespaced: true }, env, 'ns1'), [
      'kubectl',
      'kudo',
      'install',
      './first',
      '--namespace',
      'ns1',
    ]);
    assert.deepEqual(commandArgv({ command: 'kubectl get pods -n other', namespaced: true }, env, 'ns1'), ['kubectl', 'get', 'pods', '-n', 'other']);
    assert.deepEqual(commandArgv({ script: 'echo $NAMESPACE | wc -c' }, env, 'ns1'), ['sh', '-c', 'echo $NAMESPACE | wc -c']);
  });
});

describe('running commands', () => {
  it('logs output lines and succeeds on exit 0', async () => {
    const lines: string[] = [];
    const outcome = await runCommand({ script: 'echo one; echo two >&2; printf three' }, ctx(lines));
    assert.deepEqual(outcome, { ok: true, exitCode: 0 });
    assert.deepEqual([...lines].sort(), ['one', 'three', 'two']);
  });

  it('hides output with skipLogOutput', async () => {
    const lines: string[] = [];
    await runCommand({ command: 'echo secret', skipLogOutput: true }, ctx(lines));
    assert.deepEqual(lines, []);
  });

  it('fails on a non-zero exit unless ignoreFailure', async () => {
    assert.deepEqual(await runCommand({ command: 'false' }, ctx()), { ok: false, error: 'command "false" failed with exit code 1', exitCode: 1 });
    assert.equal((await runCommand({ command: 'false', ignoreFailure: true }, ctx())).ok, true);
  });

  it('fails when the executable is missing, even with ignoreFailure', async () => {
    const outcome = await runCommand({ command: 'no-such-binary-xyz --flag', ignoreFailure: true }, ctx());
    assert.equal(outcome.ok, false);
    assert.equal(outcome.error, 'command "no-such-binary-xyz --flag" could not start: no-such-binary-xyz: executable not found in PATH');
  });

  it('kills a command at its timeout, including its children', async () => {
    const started = Date.now();
    const outcome = await runCommand({ script: 'sleep 20 & sleep 20; wait', timeout: 1 }, ctx());
    assert.equal(outcome.error, 'command "sleep 20 & sleep 20; wait" exceeded 1 sec timeout');
    assert.ok(Date.now() - started < 5000);
  });

  it('runs background commands until stopped', async () => {
    const bg = await startBackground({ command: 'sleep 30', background: true }, ctx());
    let exited = false;
    void bg.exited.then(() => (exited = true));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(exited, false);
    await bg.stop();
    await bg.exited;
    assert.equal(bg.stopping, true);
  });

  it('rejects a background command that cannot start', async () => {
    await assert.rejects(startBackground({ command: 'no-such-binary-xyz' }, ctx()), /background command "no-such-binary-xyz" could not start/);
  });
});
