import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../../k8s/object.js';
import { startControlPlane, type ControlPlane } from '../index.js';
import { Store } from '../storage/store.js';
import { registerBuiltins } from './builtins.js';
import { ApiCore } from './core.js';
import { ApiError } from './errors.js';
import { Registry } from './registry.js';

function setup(store = new Store()) {
  const registry = new Registry();
  registerBuiltins(registry);
  const core = new ApiCore(store, registry);
  core.create(registry.lookup('', 'v1', 'namespaces')!, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  return { core, cms: registry.lookup('', 'v1', 'configmaps')! };
}

const cm = (name: string, v: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { v } });
const names = (items: KubeObject[]) => items.map((o) => `${o.metadata.name}=${String((o.data as Record<string, string> | undefined)?.v)}`);

function apiError(f: () => unknown): ApiError {
  try {
    f();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  assert.fail('expected an ApiError');
}

test('an exact list reads the state at that resourceVersion; NotOlderThan reads the latest', () => {
  const { core, cms } = setup();
  const rv1 = core.create(cms, 'default', cm('a', '1')).metadata.resourceVersion!;
  core.create(cms, 'default', cm('b', '1'));
  core.update(cms, 'default', 'a', cm('a', '2'));
  const exact = core.list(cms, 'default', { resourceVersion: rv1, resourceVersionMatch: 'Exact' });
  assert.deepEqual(names(exact.items), ['a=1']);
  assert.equal(exact.resourceVersion, rv1);
  assert.deepEqual(names(core.list(cms, 'default', { resourceVersion: rv1, resourceVersionMatch: 'NotOlderThan' }).items), ['a=2', 'b=1']);
  assert.deepEqual(names(core.list(cms, 'default', { resourceVersion: rv1 }).items), ['a=2', 'b=1']);
  // A legacy resourceVersion with a limit reads storage at that revision.
  const legacy = core.list(cms, 'default', { resourceVersion: rv1, limit: 5 });
  assert.deepEqual(names(legacy.items), ['a=1']);
  assert.equal(legacy.resourceVersion, rv1);
});

test('future and unparsable resourceVersions get the real answers', () => {
  const { core, cms } = setup();
  core.create(cms, 'default', cm('a', '1'));
  const future = String(Number(core.store.resourceVersion) + 100);
  const exact = apiError(() => core.list(cms, 'default', { resourceVersion: future, resourceVersionMatch: 'Exact' }));
  assert.equal(exact.code, 500);
  assert.equal(exact.message, 'etcdserver: mvcc: required revision is a future revision');
  const newer = apiError(() => core.list(cms, 'default', { resourceVersion: future, resourceVersionMatch: 'NotOlderThan' }));
  assert.equal(newer.code, 504);
  assert.equal(newer.status.reason, 'Timeout');
  assert.match(newer.message, /^Timeout: Too large resource version: \d+, current: \d+$/);
  const bad = apiError(() => core.list(cms, 'default', { resourceVersion: 'abc', resourceVersionMatch: 'Exact' }));
  assert.equal(bad.code, 400);
  assert.equal(bad.message, 'invalid resource version: resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax');
});

test('later pages read the snapshot of the first page', () => {
  const { core, cms } = setup();
  for (const n of ['a', 'b', 'c']) core.create(cms, 'default', cm(n, '1'));
  const page1 = core.list(cms, 'default', { limit: 1 });
  assert.deepEqual(names(page1.items), ['a=1']);
  assert.equal(page1.remainingItemCount, 2);
  core.update(cms, 'default', 'b', cm('b', '2'));
  core.delete(cms, 'default', 'c');
  core.create(cms, 'default', cm('d', '1'));
  const page2 = core.list(cms, 'default', { limit: 1, continue: page1.continue });
  assert.deepEqual(names(page2.items), ['b=1']);
  assert.equal(page2.resourceVersion, page1.resourceVersion);
  assert.equal(page2.remainingItemCount, 1);
  const rest = core.list(cms, 'default', { continue: page2.continue });
  assert.deepEqual(names(rest.items), ['c=1']);
  assert.equal(rest.continue, undefined);
});

test('reads before the compacted revision are 410 Gone; an old continue token gets an inconsistent one', () => {
  let now = 0;
  const { core, cms } = setup(new Store({ compactionIntervalMs: 1000, now: () => now }));
  const rv1 = core.create(cms, 'default', cm('a', '1')).metadata.resourceVersion!;
  core.create(cms, 'default', cm('b', '1'));
  const page1 = core.list(cms, 'default', { limit: 1 });
  now = 1000;
  core.update(cms, 'default', 'a', cm('a', '2'));
  now = 2000;
  core.update(cms, 'default', 'a', cm('a', '3'));
  now = 3000;
  core.update(cms, 'default', 'a', cm('a', '4'));
  const old = apiError(() => core.list(cms, 'default', { resourceVersion: rv1, resourceVersionMatch: 'Exact' }));
  assert.equal(old.code, 410);
  assert.equal(old.status.reason, 'Expired');
  assert.equal(old.message, 'The resourceVersion for the provided list is too old.');
  const expired = apiError(() => core.list(cms, 'default', { limit: 1, continue: page1.continue }));
  assert.equal(expired.code, 410);
  assert.match(expired.message, /^The provided continue parameter is too old to display a consistent list result\. You can start a new list/);
  const inconsistent = expired.status.metadata.continue as string;
  assert.deepEqual(names(core.list(cms, 'default', { continue: inconsistent }).items), ['b=1']);
});

let cp: ControlPlane;
before(async () => {
  cp = await startControlPlane({ insecureHttp: true });
});
after(() => cp.stop());

test('list options that kube-apiserver refuses', async () => {
  const get = async (query: string) => {
    const res = await fetch(`${cp.url}/api/v1/namespaces/default/configmaps?${query}`);
    return { status: res.status, body: (await res.json()) as { message: string; details?: { causes?: { field: string }[] } } };
  };
  for (const name of ['p1', 'p2'])
    await fetch(`${cp.url}/api/v1/namespaces/default/configmaps`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(cm(name, '1')),
    });
  const page = await get('limit=1');
  assert.equal(page.status, 200, page.body.message);
  const token = encodeURIComponent((page.body as unknown as { metadata: { continue: string } }).metadata.continue);
  const cases: [string, number, string][] = [
    ['resourceVersionMatch=Exact', 422, 'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided'],
    ['resourceVersion=0&resourceVersionMatch=Exact', 422, 'resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"'],
    ['resourceVersion=5&resourceVersionMatch=Bogus', 422, 'resourceVersionMatch: Unsupported value: "Bogus": supported values: "Exact", "NotOlderThan", ""'],
    [
      `resourceVersion=1&resourceVersionMatch=Exact&continue=${token}`,
      422,
      'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided',
    ],
    [`resourceVersion=1&continue=${token}`, 400, 'specifying resource version is not allowed when using continue'],
  ];
  for (const [query, status, message] of cases) {
    const res = await get(query);
    assert.equal(res.status, status, query);
    assert.ok(res.body.message.endsWith(message), `${query}: ${res.body.message}`);
  }
  assert.equal((await get(`resourceVersion=0&continue=${token}`)).status, 200);
  // A padded (standard) base64 token is refused at its first byte outside the URL-safe alphabet.
  const padded = Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: 1, start: 'default/p1\u0000' })).toString('base64');
  const refused = await get(`limit=1&continue=${encodeURIComponent(padded)}`);
  assert.equal(refused.status, 400);
  assert.equal(refused.body.message, `invalid continue token: continue key is not valid: illegal base64 data at input byte ${padded.indexOf('=')}`);
});
