import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PackageError } from '../yaml.js';
import { loadPackage, readFolderEntries, writeEntries } from './files.js';
import { readTar, readTgz, writeTar, writeTgz, type TarEntry } from './tar.js';

const here = dirname(fileURLToPath(import.meta.url));
const zk = join(here, '..', 'testdata', 'zk');
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A raw ustar header, for archives our writer would never produce. */
function rawHeader(name: string, type: string, size: number, linkname = ''): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0);
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(size.toString(8).padStart(11, '0') + '\0', 124);
  h.write('00000000000\0', 136);
  h.fill(' ', 148, 156);
  h.write(type, 156);
  h.write(linkname, 157);
  h.write('ustar\x0000', 257, 'binary');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0', 148);
  return h;
}
const archive = (...parts: Buffer[]): Buffer => gzipSync(Buffer.concat([...parts, Buffer.alloc(1024)]));

test('folder -> tgz -> folder is identical', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'kudo-tar-'));
  try {
    const entries = readFolderEntries(zk);
    const tgz = writeTgz(entries);
    writeEntries(readTgz(tgz, 'zk.tgz'), join(tmp, 'out'));
    const back = readFolderEntries(join(tmp, 'out'));
    assert.deepEqual(
      back.map((e) => [e.path, Buffer.from(e.data).toString('base64'), e.mode]),
      entries.map((e) => [e.path, Buffer.from(e.data).toString('base64'), e.mode]),
    );
    assert.ok(entries.some((e) => e.path === 'templates/subfolder/statefulset2.yaml'));
    // The same package loads from both forms.
    const tgzPath = join(tmp, 'zk.tgz');
    writeFileSync(tgzPath, tgz);
    assert.deepEqual(loadPackage(tgzPath).templates, loadPackage(zk).templates);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('headers are normalised as KUDO writes them: files at the root, no directories, mtime 0, root owner', () => {
  const tar = gunzipSync(
    writeTgz([
      { path: 'templates/a.yaml', mode: 0o600, data: enc('x') },
      { path: 'operator.yaml', mode: 0o644, data: enc('y') },
    ]),
  );
  const names: string[] = [];
  for (let off = 0; off < tar.length && tar[off] !== 0; off += 1024) {
    const h = tar.subarray(off, off + 512);
    names.push(h.subarray(0, 100).toString().replace(/\0.*$/s, ''));
    assert.equal(h.subarray(136, 147).toString(), '00000000000');
    assert.equal(h.subarray(108, 115).toString(), '0000000');
    assert.equal(h.subarray(265, 269).toString(), 'root');
    assert.equal(String.fromCharCode(h[156]), '0');
  }
  assert.deepEqual(names, ['operator.yaml', 'templates/a.yaml']);
  assert.equal(readTar(tar, 't')[1].mode, 0o600);
});

test('long paths survive (ustar prefix and PAX)', () => {
  const long = `templates/${'d'.repeat(120)}/${'f'.repeat(90)}.yaml`;
  const longer = `templates/${'x'.repeat(300)}.yaml`;
  const entries: TarEntry[] = [
    { path: long, mode: 0o644, data: enc('a') },
    { path: longer, mode: 0o644, data: enc('b') },
  ];
  assert.deepEqual(
    readTar(writeTar(entries), 't').map((e) => e.path),
    [long, longer],
  );
});

test('dangerous entries are refused and nothing is written outside the destination', () => {
  const cases: [string, Buffer, RegExp][] = [
    ['dotdot', archive(rawHeader('../evil.yaml', '0', 1), Buffer.alloc(512)), /path contains "\.\."/],
    ['nested dotdot', archive(rawHeader('templates/../../evil.yaml', '0', 1), Buffer.alloc(512)), /path contains "\.\."/],
    ['absolute', archive(rawHeader('/tmp/evil.yaml', '0', 1), Buffer.alloc(512)), /absolute/],
    ['symlink', archive(rawHeader('templates/link.yaml', '2', 0, '/etc/passwd')), /links are not allowed/],
    ['hardlink', archive(rawHeader('templates/link.yaml', '1', 0, 'operator.yaml')), /links are not allowed/],
    ['device', archive(rawHeader('dev', '3', 0)), /only regular files/],
    ['oversized', archive(rawHeader('big.yaml', '0', 17 << 20)), /over the limit/],
    ['truncated', gzipSync(rawHeader('a.yaml', '0', 100)), /truncated/],
    ['not gzip', Buffer.from('hello'), /not a gzip file/],
    ['bad checksum', archive(Buffer.alloc(512, 7)), /checksum/],
  ];
  for (const [name, tgz, re] of cases) {
    const tmp = mkdtempSync(join(tmpdir(), 'kudo-tar-'));
    try {
      assert.throws(
        () => writeEntries(readTgz(tgz, 'bad.tgz'), join(tmp, 'dest')),
        (e: unknown) => e instanceof PackageError && re.test(e.message) && e.message.startsWith('bad.tgz: '),
        name,
      );
      assert.deepEqual(readdirSync(tmp), [], `${name}: nothing written`);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
});

test('a gzip bomb is refused by its decompressed size', () => {
  const bomb = gzipSync(Buffer.alloc(80 << 20));
  assert.throws(() => readTgz(bomb, 'bomb.tgz'), /decompresses to more than/);
});

test('writeEntries refuses to follow a link inside the destination out of it', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'kudo-tar-'));
  try {
    const dest = join(tmp, 'dest');
    const outside = join(tmp, 'outside');
    writeEntries([{ path: 'keep.yaml', mode: 0o644, data: enc('k') }], dest);
    writeEntries([{ path: 'x', mode: 0o644, data: enc('') }], outside);
    symlinkSync(outside, join(dest, 'templates'));
    assert.throws(() => writeEntries([{ path: 'templates/evil.yaml', mode: 0o644, data: enc('e') }], dest), /a link leads outside/);
    assert.equal(existsSync(join(outside, 'evil.yaml')), false);
    assert.equal(readFileSync(join(dest, 'keep.yaml'), 'utf8'), 'k');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
