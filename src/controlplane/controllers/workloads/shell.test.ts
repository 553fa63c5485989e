import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemFs, runArgv, runScript } from './shell.js';
import { readTar, tarArchive } from './tar.js';

test('echo, printf, redirections and here-documents write files', () => {
  const fs = new MemFs();
  const r = runScript(
    [
      'mkdir -p /tmp/out/sub',
      'echo "hello  world" > /tmp/out/a.txt',
      "printf '%s=%d\\n' key 42 >> /tmp/out/a.txt",
      'cat <<EOF > /tmp/out/sub/b.env',
      'NAME=$HOSTNAME',
      "QUOTED='x'",
      'EOF',
      "cat <<'RAW' > /tmp/out/raw",
      '$NOT_EXPANDED',
      'RAW',
      'echo -n no-newline > /tmp/out/c',
    ].join('\n'),
    fs,
    { env: { HOSTNAME: 'pod-1' } },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(fs.files.get('/tmp/out/a.txt')?.toString(), 'hello  world\nkey=42\n');
  assert.equal(fs.files.get('/tmp/out/sub/b.env')?.toString(), "NAME=pod-1\nQUOTED='x'\n");
  assert.equal(fs.files.get('/tmp/out/raw')?.toString(), '$NOT_EXPANDED\n');
  assert.equal(fs.files.get('/tmp/out/c')?.toString(), 'no-newline');
});

test('exit codes: exit N, false, && and ||, missing files, unknown commands', () => {
  const fs = new MemFs();
  assert.equal(runScript('exit 3', fs).code, 3);
  assert.equal(runScript('false', fs).code, 1);
  assert.equal(runScript('false || echo recovered', fs).stdout.toString(), 'recovered\n');
  assert.equal(runScript('false && echo never', fs).stdout.toString(), '');
  assert.equal(runScript('true; exit 0', fs).code, 0);
  const missing = runArgv(['cat', '/nope'], fs);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, "cat: can't open '/nope': No such file or directory\n");
  const unknown = runArgv(['curl', 'http://x'], fs);
  assert.equal(unknown.code, 127);
  assert.equal(unknown.stderr, 'sh: curl: not found\n');
  assert.equal(runArgv(['nginx', '-g', 'daemon off;'], fs, { lenient: true }).code, 0, 'container mode: unknown programs succeed');
  assert.equal(runScript('echo oops >&2; echo out', fs).stderr, 'oops\n');
  assert.equal(runScript('echo a | cat', fs).stdout.toString(), 'a\n');
  assert.equal(runScript('sleep 2 & echo bg', fs).stdout.toString(), 'bg\n');
});

test('sleep is measured, not slept', () => {
  const fs = new MemFs();
  assert.equal(runScript('sleep 5; sleep 1m', fs).slept, 65);
  assert.equal(runScript('echo hi; sleep infinity', fs).slept, Infinity);
});

test('stat -c %s, ls and tar cf - of files', () => {
  const fs = new MemFs();
  runScript('mkdir -p /data && echo 12345 > /data/f && echo x > /data/g', fs);
  assert.equal(runArgv(['stat', '-c', '%s', '/data/f'], fs).stdout.toString(), '6\n');
  assert.equal(runArgv(['stat', '-c', '%s', '/data/none'], fs).code, 1);
  assert.equal(runArgv(['ls', '/data'], fs).stdout.toString(), 'f\ng\n');
  const tar = runArgv(['tar', 'cf', '-', '/data/f'], fs);
  assert.equal(tar.code, 0);
  assert.equal(tar.stderr, "tar: removing leading '/' from member names\n");
  assert.equal(tar.stdout.length, 10240);
  assert.deepEqual(
    readTar(tar.stdout).map((e) => [e.name, e.data.toString(), e.mode]),
    [['data/f', '12345\n', 0o644]],
  );
  const dir = readTar(runArgv(['tar', 'cf', '-', '/data'], fs).stdout);
  assert.deepEqual(
    dir.map((e) => e.name),
    ['data/f', 'data/g'],
  );
  assert.equal(runArgv(['tar', 'xf', '-'], fs).code, 1);
});

test('tar archives have valid header checksums and block padding', () => {
  const data = Buffer.alloc(700, 'a');
  const archive = tarArchive([{ name: 'x/y.bin', data }]);
  const header = archive.subarray(0, 512);
  const stored = parseInt(header.toString('ascii', 148, 154), 8);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
  assert.equal(stored, sum);
  assert.equal(header.toString('ascii', 257, 262), 'ustar');
  assert.equal(readTar(archive)[0]!.data.length, 700);
  assert.equal(archive.length % 10240, 0);
});
