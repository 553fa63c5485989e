/** `--data-dir`: every acknowledged write survives `kill -9`, and resourceVersions continue. */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), 'main.ts');

async function start(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--insecure-http', '--port', '0', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`control plane exited (${code}): ${out}`)));
  });
  return { child, url };
}

async function killHard(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

test('objects written before kill -9 are all there after a restart', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kudo-durable-'));
  try {
    const first = await start(dir);
    const names: string[] = [];
    let lastRv = 0;
    for (let i = 0; i < 25; i++) {
      const res = await fetch(`${first.url}/api/v1/namespaces/default/configmaps`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}` }, data: { i: String(i) } }),
      });
      assert.equal(res.status, 201);
      const body = (await res.json()) as { metadata: { resourceVersion: string } };
      lastRv = Number(body.metadata.resourceVersion);
      names.push(`c${i}`);
    }
    const del = await fetch(`${first.url}/api/v1/namespaces/default/configmaps/c0`, { method: 'DELETE' });
    assert.equal(del.status, 200);
    await killHard(first.child);

    const second = await start(dir);
    try {
      const list = (await (await fetch(`${second.url}/api/v1/namespaces/default/configmaps`)).json()) as {
        items: { metadata: { name: string } }[];
        metadata: { resourceVersion: string };
      };
      const got = list.items.map((i) => i.metadata.name).filter((n) => /^c\d+$/.test(n));
      assert.deepEqual(got.sort(), names.slice(1).sort());
      assert.ok(Number(list.metadata.resourceVersion) > lastRv, 'resourceVersion continues after the deletion');
      const res = await fetch(`${second.url}/api/v1/namespaces/default/configmaps`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after' } }),
      });
      const created = (await res.json()) as { metadata: { resourceVersion: string } };
      assert.ok(Number(created.metadata.resourceVersion) > Number(list.metadata.resourceVersion));
    } finally {
      await killHard(second.child);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
