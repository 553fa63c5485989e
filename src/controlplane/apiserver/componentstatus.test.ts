import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startControlPlane, type ControlPlane } from '../index.js';

let cp: ControlPlane;
before(async () => {
  cp = await startControlPlane({ insecureHttp: true });
});
after(() => cp.stop());

const WARNING = '299 - "v1 ComponentStatus is deprecated in v1.19+"';

async function call(method: string, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(cp.url + path, { method, headers });
  return { status: res.status, warning: res.headers.get('warning'), body: (await res.json()) as Record<string, any> };
}

test('componentstatuses lists and gets the healthy components, with the deprecation warning', async () => {
  const list = await call('GET', '/api/v1/componentstatuses');
  assert.equal(list.status, 200);
  assert.equal(list.warning, WARNING);
  assert.deepEqual(list.body, {
    kind: 'ComponentStatusList',
    apiVersion: 'v1',
    metadata: {},
    items: ['controller-manager', 'etcd-0'].map((name) => ({
      metadata: { name, creationTimestamp: null },
      conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }],
    })),
  });
  const one = await call('GET', '/api/v1/componentstatuses/etcd-0');
  assert.equal(one.status, 200);
  assert.equal(one.warning, WARNING);
  assert.equal(one.body.kind, 'ComponentStatus');
  assert.equal(one.body.conditions[0].status, 'True');
  const selected = await call('GET', '/api/v1/componentstatuses?fieldSelector=metadata.name%3Detcd-0');
  assert.deepEqual(
    selected.body.items.map((i: { metadata: { name: string } }) => i.metadata.name),
    ['etcd-0'],
  );
  const table = await call('GET', '/api/v1/componentstatuses', { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
  assert.deepEqual(
    table.body.columnDefinitions.map((c: { name: string }) => c.name),
    ['Name', 'Status', 'Message', 'Error'],
  );
  assert.deepEqual(table.body.rows[0].cells, ['controller-manager', 'Healthy', 'ok', '']);
});

test('componentstatuses: unknown names are a 500, and only reads are allowed', async () => {
  const missing = await call('GET', '/api/v1/componentstatuses/nothing');
  assert.equal(missing.status, 500);
  assert.equal(missing.warning, WARNING);
  assert.deepEqual(missing.body, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Component not found: nothing', code: 500 });
  const watch = await call('GET', '/api/v1/componentstatuses?watch=1');
  assert.equal(watch.status, 405);
  assert.equal(watch.warning, WARNING);
  assert.equal(watch.body.message, 'watch is not supported on resources of kind "componentstatuses"');
  for (const [method, path] of [
    ['POST', '/api/v1/componentstatuses'],
    ['DELETE', '/api/v1/componentstatuses/etcd-0'],
  ]) {
    const refused = await call(method, path, { 'Content-Type': 'application/json' });
    assert.equal(refused.status, 405, `${method} ${path}`);
    assert.equal(refused.warning, null);
  }
});
