import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startControlPlane, type ControlPlane } from '../index.js';

/** Lets the namespace controller finish its start-up writes (it does not stop them on stop()). */
const settle = () => new Promise((r) => setTimeout(r, 50));

function get(cp: ControlPlane, path: string, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = request(new URL(path, cp.url), { ca: cp.caPem, headers: token ? { Authorization: `Bearer ${token}` } : {} }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => done({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

test('default roles and bindings are written once: a restart on the same data dir keeps them, without duplicates', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kudo-auth-restart-'));
  let stop = async () => {};
  try {
    let cp = await startControlPlane({ dataDir: dir });
    stop = () => cp.stop();
    const crType = cp.core.registry.lookup('rbac.authorization.k8s.io', 'v1', 'clusterroles')!;
    const saType = cp.core.registry.lookup('', 'v1', 'serviceaccounts')!;
    const names = () => cp.core.list(crType, undefined).items.map((o) => o.metadata.name);
    const first = names();
    assert.ok(first.includes('cluster-admin') && first.includes('system:public-info-viewer'));
    const rulesOf = (name: string) => JSON.stringify(cp.core.get(crType, undefined, name).rules);
    assert.match(rulesOf('view'), /"configmaps"/, 'view is aggregated at start');
    assert.match(rulesOf('admin'), /"configmaps"/, 'admin aggregates edit, which aggregates view');
    const sa = cp.core.create(saType, 'default', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } });
    const token = (cp.access.tokenRequest('default', 'robot', { spec: {} }).status as { token: string }).token;
    const rv = cp.core.get(crType, undefined, 'admin').metadata.resourceVersion;
    await settle();
    await cp.stop();
    cp = await startControlPlane({ dataDir: dir });
    assert.deepEqual(names(), first);
    assert.equal(cp.core.get(crType, undefined, 'admin').metadata.resourceVersion, rv, 'nothing rewritten');
    assert.equal(cp.access.authenticator.authenticateToken(token)?.uid, sa.metadata.uid, 'tokens survive a restart');
    await settle();
    await cp.stop();
  } finally {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--authorization always-allow: authenticated and anonymous requests pass, bad tokens are still 401', async () => {
  const cp = await startControlPlane({ authorization: 'always-allow' });
  try {
    assert.equal((await get(cp, '/api/v1/namespaces')).status, 200);
    assert.equal((await get(cp, '/api/v1/namespaces', 'wrong')).status, 401);
    assert.equal((await get(cp, '/api/v1/namespaces', cp.token)).status, 200);
  } finally {
    await cp.stop();
  }
});

test('--insecure-http refuses to listen beyond loopback', async () => {
  await assert.rejects(startControlPlane({ insecureHttp: true, host: '0.0.0.0' }), /only on a loopback address, not 0\.0\.0\.0/);
});
