import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { KubeObject } from '../../k8s/object.js';
import { CompactedError, FutureRevisionError, Store, TooOldError, type StoreEvent } from './store.js';
import { DurableLog } from './wal.js';

const cm = (ns: string, name: string, data: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns },
  data,
});

test('put stamps increasing resourceVersions and list is ordered by namespace then name', () => {
  const s = new Store();
  const a = s.put('/configmaps', cm('b', 'x'));
  const b = s.put('/configmaps', cm('a', 'z'));
  const c = s.put('/configmaps', cm('a', 'y'));
  assert.deepEqual(
    [a, b, c].map((o) => o.metadata.resourceVersion),
    ['1', '2', '3'],
  );
  assert.deepEqual(
    s.list('/configmaps').map((o) => `${o.metadata.namespace}/${o.metadata.name}`),
    ['a/y', 'a/z', 'b/x'],
  );
  assert.deepEqual(
    s.list('/configmaps', 'a').map((o) => o.metadata.name),
    ['y', 'z'],
  );
  assert.deepEqual(
    s.list('/configmaps', undefined, 'a/y').map((o) => o.metadata.name),
    ['z', 'x'],
  );
  assert.deepEqual(
    s.list('/configmaps', 'a', 'a/y').map((o) => o.metadata.name),
    ['z'],
  );
  assert.equal(s.list('/secrets').length, 0);
});

test('watch replays history after a version, then follows live changes, and stops', () => {
  const s = new Store();
  s.put('/configmaps', cm('a', 'x'));
  s.put('/configmaps', cm('a', 'x', { k: 'v' }));
  s.put('/secrets', cm('a', 's'));
  const seen: StoreEvent[] = [];
  const stop = s.watch('/configmaps', 1, (e) => seen.push(e));
  assert.deepEqual(
    seen.map((e) => [e.type, e.rv]),
    [['MODIFIED', 2]],
  );
  assert.deepEqual(seen[0].old?.data, {});
  s.remove('/configmaps', 'a', 'x');
  assert.deepEqual(
    seen.map((e) => e.type),
    ['MODIFIED', 'DELETED'],
  );
  assert.equal(seen[1].object.metadata.resourceVersion, '4', 'DELETED carries a new resourceVersion');
  stop();
  s.put('/configmaps', cm('a', 'y'));
  assert.equal(seen.length, 2);
});

test('a watch older than the retained history fails with TooOldError', () => {
  const s = new Store({ historySize: 3 });
  for (let i = 0; i < 10; i++) s.put('/configmaps', cm('a', `n${i}`));
  assert.throws(() => s.watch('/configmaps', 2, () => {}), TooOldError);
  const seen: number[] = [];
  s.watch('/configmaps', 7, (e) => seen.push(e.rv));
  assert.deepEqual(seen, [8, 9, 10]);
});

test('the durable log restores objects and continues resourceVersions, ignoring a torn last line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kudo-wal-'));
  try {
    const s1 = new Store({ log: new DurableLog(dir) });
    s1.put('/configmaps', cm('a', 'x'));
    s1.put('/configmaps', cm('a', 'y'));
    s1.remove('/configmaps', 'a', 'y');
    s1.close();
    appendFileSync(join(dir, 'objects.log'), '{"rv":99,"r":"/configmaps","k":"a/torn","o":{"apiV');
    const s2 = new Store({ log: new DurableLog(dir) });
    assert.deepEqual(
      s2.list('/configmaps').map((o) => o.metadata.name),
      ['x'],
    );
    assert.equal(s2.resourceVersion, 3);
    assert.equal(s2.put('/configmaps', cm('a', 'z')).metadata.resourceVersion, '4');
    s2.close();
    // Compaction at start rewrote the log: one header line plus one line per live object, plus the new write.
    assert.equal(readFileSync(join(dir, 'objects.log'), 'utf8').trim().split('\n').length, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the durable log is compacted while running once it outgrows the live objects', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kudo-wal-'));
  try {
    const s1 = new Store({ log: new DurableLog(dir, 20) });
    for (let i = 0; i < 60; i++) s1.put('/configmaps', cm('a', 'x', { i: String(i) }));
    s1.put('/configmaps', cm('a', 'y'));
    const lines = readFileSync(join(dir, 'objects.log'), 'utf8').trim().split('\n').length;
    assert.ok(lines < 25, `log has ${lines} lines`);
    s1.close();
    const s2 = new Store({ log: new DurableLog(dir) });
    assert.deepEqual(s2.get('/configmaps', 'a', 'x')?.data, { i: '59' });
    assert.equal(s2.resourceVersion, 61);
    s2.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('countAfter counts the rest of a namespace (or of everything) after a key, as a scan would', () => {
  const s = new Store();
  for (const ns of ['a', 'a-b', 'ab', 'b']) for (const name of ['x', 'y', 'z']) s.put('/configmaps', cm(ns, name));
  const scanned = (ns: string | undefined, after: string) => s.list('/configmaps', ns, after).length;
  for (const [ns, after] of [
    ['a', 'a/x'],
    ['a', 'a/z'],
    ['a-b', 'a-b/x'],
    ['ab', 'ab/y'],
    [undefined, 'a/y'],
    [undefined, 'b/z'],
    ['b', 'b/w'],
  ] as const)
    assert.equal(s.countAfter('/configmaps', ns, after), scanned(ns, after), `${ns} after ${after}`);
  assert.equal(s.countAfter('/secrets', undefined, 'a/x'), 0);
});

test('stored objects are frozen, deeply: nobody can change them behind the store', () => {
  const s = new Store();
  const stored = s.put('/configmaps', cm('a', 'x', { k: 'v' }));
  assert.ok(Object.isFrozen(stored) && Object.isFrozen(stored.metadata) && Object.isFrozen(stored.data));
  assert.throws(() => ((stored.data as Record<string, string>).k = 'changed'), TypeError);
  const removed = s.remove('/configmaps', 'a', 'x')!;
  assert.ok(Object.isFrozen(removed) && Object.isFrozen(removed.metadata));
});

test('scanAt reads the objects as they were at an old resourceVersion, in key order', () => {
  const s = new Store();
  s.put('/configmaps', cm('a', 'x', { v: '1' })); // 1
  s.put('/configmaps', cm('a', 'y', { v: '1' })); // 2
  s.put('/secrets', cm('a', 's')); // 3
  s.put('/configmaps', cm('a', 'x', { v: '2' })); // 4
  s.remove('/configmaps', 'a', 'y'); // 5
  s.put('/configmaps', cm('a', 'w')); // 6
  s.put('/configmaps', cm('b', 'z')); // 7
  const at = (rv: number, ns?: string, after?: string) => {
    const out: string[] = [];
    s.scanAt(
      '/configmaps',
      ns,
      after,
      rv,
      (o) => (out.push(`${o.metadata.name}=${String((o.data as Record<string, string> | undefined)?.v)}@${o.metadata.resourceVersion}`), true),
    );
    return out;
  };
  assert.deepEqual(at(0), []);
  assert.deepEqual(at(2), ['x=1@1', 'y=1@2']);
  assert.deepEqual(at(4), ['x=2@4', 'y=1@2']);
  assert.deepEqual(at(5), ['x=2@4']);
  assert.deepEqual(at(6), ['w=undefined@6', 'x=2@4']);
  assert.deepEqual(at(7, 'a'), ['w=undefined@6', 'x=2@4']);
  assert.deepEqual(at(7, undefined, 'a/x'), ['z=undefined@7']);
  assert.deepEqual(at(3, undefined, 'a/x'), ['y=1@2']);
  assert.deepEqual(at(3, 'b'), []);
  const first: string[] = [];
  s.scanAt('/configmaps', undefined, undefined, 4, (o) => (first.push(o.metadata.name!), false));
  assert.deepEqual(first, ['x'], 'visit can stop the scan');
  assert.throws(() => at(8), FutureRevisionError);
});

test('scanAt past the retained history fails with CompactedError', () => {
  const s = new Store({ historySize: 3 });
  for (let i = 0; i < 10; i++) s.put('/configmaps', cm('a', `n${i}`));
  assert.throws(() => s.scanAt('/configmaps', undefined, undefined, 6, () => true), CompactedError);
  const names: string[] = [];
  s.scanAt('/configmaps', undefined, undefined, 7, (o) => (names.push(o.metadata.name!), true));
  assert.equal(names.length, 7);
});

test('compaction runs every interval, up to the revision seen one interval earlier', () => {
  let now = 0;
  const s = new Store({ compactionIntervalMs: 1000, now: () => now });
  const read = (rv: number) => s.scanAt('/configmaps', undefined, undefined, rv, () => true);
  s.put('/configmaps', cm('a', 'x', { v: '1' })); // 1
  s.put('/configmaps', cm('a', 'x', { v: '2' })); // 2
  now = 1000;
  s.put('/configmaps', cm('a', 'x', { v: '3' })); // 3: the first compaction only marks revision 2
  assert.equal(s.oldestReadable, 0);
  read(1);
  s.put('/configmaps', cm('a', 'x', { v: '4' })); // 4
  now = 2000;
  assert.equal(s.oldestReadable, 2, 'compacted below the revision marked one interval ago');
  assert.throws(() => read(1), CompactedError);
  read(2);
  // Watches keep using the history: compaction bounds lists only.
  const seen: number[] = [];
  s.watch('/configmaps', 1, (e) => seen.push(e.rv));
  assert.deepEqual(seen, [2, 3, 4]);
});

test('DELETED events carry the state before the deletion', () => {
  const s = new Store();
  const stored = s.put('/configmaps', cm('a', 'x'));
  const seen: StoreEvent[] = [];
  s.watch('/configmaps', 1, (e) => seen.push(e));
  s.remove('/configmaps', 'a', 'x');
  assert.equal(seen[0].type, 'DELETED');
  assert.equal(seen[0].old, stored);
});
