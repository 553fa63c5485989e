import { test } from 'node:test';
import assert from 'node:assert/strict';
import { healthAnswer } from './health.js';

const q = (s = '') => new URLSearchParams(s);

test('health endpoints answer ok without verbose', () => {
  for (const p of ['/healthz', '/livez', '/readyz']) assert.deepEqual(healthAnswer(p, q()), { status: 200, body: 'ok' });
});

test('verbose lists every check and ends with the endpoint verdict', () => {
  const ready = healthAnswer('/readyz', q('verbose'))!;
  const lines = ready.body.trimEnd().split('\n');
  assert.equal(lines[0], '[+]ping ok');
  assert.ok(lines.includes('[+]etcd ok'));
  assert.ok(lines.includes('[+]informer-sync ok'));
  assert.ok(lines.includes('[+]shutdown ok'));
  assert.equal(lines.at(-1), 'readyz check passed');
  const live = healthAnswer('/livez', q('verbose'))!.body;
  assert.doesNotMatch(live, /^\[\+\]informer-sync ok$/m, 'liveness does not wait for informers');
  assert.match(live, /livez check passed\n$/);
});

test('excluded checks are marked, repeated or comma-separated', () => {
  const body = healthAnswer('/healthz', q('verbose&exclude=etcd&exclude=log,ping'))!.body;
  assert.match(body, /^\[\+\]etcd excluded: ok$/m);
  assert.match(body, /^\[\+\]log excluded: ok$/m);
  assert.match(body, /^\[\+\]ping excluded: ok$/m);
  assert.match(body, /^\[\+\]poststarthook\/rbac\/bootstrap-roles ok$/m);
});

test('single checks answer ok; unknown ones and other paths are not health paths', () => {
  assert.deepEqual(healthAnswer('/livez/etcd', q()), { status: 200, body: 'ok' });
  assert.deepEqual(healthAnswer('/readyz/poststarthook/rbac/bootstrap-roles', q()), { status: 200, body: 'ok' });
  assert.equal(healthAnswer('/livez/informer-sync', q()), undefined);
  assert.equal(healthAnswer('/livez/nope', q()), undefined);
  assert.equal(healthAnswer('/healthzz', q()), undefined);
});
