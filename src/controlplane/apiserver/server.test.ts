import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { startControlPlane, type ControlPlane } from '../index.js';
import { Store } from '../storage/store.js';
import { registerBuiltins } from './builtins.js';
import { ApiCore } from './core.js';
import { Registry } from './registry.js';
import { ApiError } from './errors.js';
import { ApiServer, MAX_BODY, type Admission } from './server.js';

let cp: ControlPlane;
before(async () => {
  cp = await startControlPlane({ insecureHttp: true, watchHistory: 50, watchBookmarkMs: 100 });
});
after(() => cp.stop());

const CM = '/api/v1/namespaces/default/configmaps';

async function req(method: string, path: string, body?: string | Uint8Array, contentType = 'application/json', headers: Record<string, string> = {}) {
  const res = await fetch(cp.url + path, { method, body, headers: { ...(body !== undefined ? { 'Content-Type': contentType } : {}), ...headers } });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

async function configMapCount(): Promise<number> {
  return (await req('GET', CM)).json.items.length;
}

test('bad bodies get the status code and reason of a real API server and store nothing', async () => {
  const before = await configMapCount();
  const cases: [string, string, string | Uint8Array, string, number, string, RegExp?][] = [
    [
      'malformed JSON',
      CM,
      '{"apiVersion":"v1","kind":"Con',
      'application/json',
      400,
      'BadRequest',
      /^the object provided is unrecognized \(must be of type ConfigMap\): couldn't get version\/kind; json parse error/,
    ],
    ['empty body', CM, '', 'application/json', 400, 'BadRequest'],
    ['malformed YAML', CM, 'a: [b', 'application/yaml', 400, 'BadRequest', /yaml/],
    [
      'wrong content type',
      CM,
      '{}',
      'text/plain',
      415,
      'UnsupportedMediaType',
      /^the body of the request was in an unknown format - accepted media types include: application\/json, application\/yaml, application\/vnd\.kubernetes\.protobuf$/,
    ],
    [
      'kind of another resource',
      CM,
      JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } }),
      'application/json',
      400,
      'BadRequest',
      /cannot be handled as a ConfigMap/,
    ],
    [
      'unknown apiVersion',
      CM,
      JSON.stringify({ apiVersion: 'v2', kind: 'ConfigMap', metadata: { name: 'p' } }),
      'application/json',
      400,
      'BadRequest',
      /no kind "ConfigMap" is registered for version "v2"/,
    ],
    [
      'invalid name',
      CM,
      JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name' } }),
      'application/json',
      422,
      'Invalid',
      /^ConfigMap "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name"/,
    ],
    [
      'namespace mismatch',
      CM,
      JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'other' } }),
      'application/json',
      400,
      'BadRequest',
      /does not match the namespace/,
    ],
    [
      'bad label',
      CM,
      JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', labels: { a: 'b c' } } }),
      'application/json',
      422,
      'Invalid',
      /metadata\.labels: Invalid value: "b c"/,
    ],
  ];
  for (const [what, path, body, type, code, reason, message] of cases) {
    const r = await req('POST', path, body, type);
    assert.equal(r.status, code, what);
    assert.equal(r.json.kind, 'Status', what);
    assert.equal(r.json.reason, reason, what);
    assert.equal(r.json.code, code, what);
    if (message) assert.match(r.json.message, message, what);
  }
  const big = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { x: 'y'.repeat(MAX_BODY) } });
  const r = await req('POST', CM, big);
  assert.equal(r.status, 413);
  assert.equal(r.json.reason, 'RequestEntityTooLarge');
  assert.equal(await configMapCount(), before);
});

test('unknown resources and kinds are 404 with the generic message', async () => {
  for (const path of ['/api/v1/namespaces/default/gadgets', '/api/v9/pods', '/nothing']) {
    const r = await req('GET', path);
    assert.equal(r.status, 404, path);
    assert.equal(r.json.message, 'the server could not find the requested resource', path);
  }
  // A group nobody serves reaches the plain not-found handler, as on a real API server.
  const unserved = await fetch(`${cp.url}/apis/nope.io/v1/things`);
  assert.equal(unserved.status, 404);
  assert.equal(await unserved.text(), '404 page not found\n');
  const r = await req('GET', `${CM}/missing`);
  assert.equal(r.json.message, 'configmaps "missing" not found');
  assert.deepEqual(r.json.details, { name: 'missing', kind: 'configmaps' });
});

test('patch content types: unknown → 415, strategic on custom resources → 415, malformed → 400, force on non-apply → 422', async () => {
  await req('POST', CM, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pt' }, data: { a: '1' } }));
  assert.equal((await req('PATCH', `${CM}/pt`, '{}', 'text/plain')).status, 415);
  const bad = await req('PATCH', `${CM}/pt`, '{x', 'application/merge-patch+json');
  assert.equal(bad.status, 400);
  const merged = await req('PATCH', `${CM}/pt`, '{"data":{"b":"2"}}', 'application/merge-patch+json');
  assert.deepEqual(merged.json.data, { a: '1', b: '2' });
  const json = await req('PATCH', `${CM}/pt`, '[{"op":"replace","path":"/data/a","value":"9"}]', 'application/json-patch+json');
  assert.equal(json.json.data.a, '9');
  const force = await req('PATCH', `${CM}/pt?force=true`, '{}', 'application/merge-patch+json');
  assert.equal(force.status, 422);
  const noManager = await req('PATCH', `${CM}/pt`, '{}', 'application/apply-patch+yaml');
  assert.equal(noManager.status, 422);
  assert.equal(noManager.json.message, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
  const stale = await req('PATCH', `${CM}/pt`, '{"metadata":{"resourceVersion":"1"},"data":{"c":"3"}}', 'application/merge-patch+json');
  assert.equal(stale.status, 409);
  assert.equal(stale.json.reason, 'Conflict');
});

test('discovery: legacy and aggregated (v2, v2beta1) with their content types', async () => {
  const legacy = await req('GET', '/api');
  assert.equal(legacy.json.kind, 'APIVersions');
  const v2 = await req('GET', '/apis', undefined, undefined, {
    Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json',
  });
  assert.equal(v2.headers.get('content-type'), 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
  assert.equal(v2.json.apiVersion, 'apidiscovery.k8s.io/v2');
  const apps = v2.json.items.find((g: any) => g.metadata.name === 'apps');
  const deploy = apps.versions[0].resources.find((r: any) => r.resource === 'deployments');
  assert.deepEqual(deploy.shortNames, ['deploy']);
  assert.deepEqual(deploy.subresources.find((s: any) => s.subresource === 'scale').responseKind, { group: 'autoscaling', version: 'v1', kind: 'Scale' });
  const beta = await req('GET', '/api', undefined, undefined, {
    Accept: 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json',
  });
  assert.equal(beta.json.apiVersion, 'apidiscovery.k8s.io/v2beta1');
  assert.equal(beta.json.items[0].metadata.name, '');
  const list = await req('GET', '/apis/apps/v1');
  assert.equal(list.json.kind, 'APIResourceList');
  assert.ok(list.json.resources.some((r: any) => r.name === 'deployments/scale' && r.group === 'autoscaling' && r.kind === 'Scale'));
  assert.equal((await req('GET', '/version')).json.minor, '33');
  // kubectl drain evicts only when pods/eviction names policy's Eviction; otherwise it deletes.
  const core = (await req('GET', '/api/v1')).json.resources;
  const eviction = core.find((r: any) => r.name === 'pods/eviction');
  assert.deepEqual([eviction.group, eviction.version, eviction.kind], ['policy', 'v1', 'Eviction']);
  const token = core.find((r: any) => r.name === 'serviceaccounts/token');
  assert.deepEqual([token.group, token.version, token.kind], ['authentication.k8s.io', 'v1', 'TokenRequest']);
});

test('JSON is indented for curl and ?pretty=true, compact otherwise', async () => {
  const curl = await req('GET', '/api/v1/namespaces/default', undefined, undefined, { 'User-Agent': 'curl/8.5.0' });
  assert.match(curl.text, /^\{\n {2}"kind": "Namespace",\n {2}"apiVersion": "v1",\n/);
  const missing = await req('GET', '/api/v1/namespaces/nope', undefined, undefined, { 'User-Agent': 'curl/8.5.0' });
  assert.match(missing.text, /^ {2}"reason": "NotFound",$/m);
  assert.match((await req('GET', '/api/v1/namespaces/default?pretty=true')).text, /^ {2}"kind": "Namespace",$/m);
  assert.match((await req('GET', '/api/v1/namespaces/default')).text, /^\{"kind":"Namespace","apiVersion":"v1",/);
});

test('/metrics counts API requests and stored objects', async () => {
  await req('GET', CM);
  const text = (await req('GET', '/metrics')).text;
  assert.match(
    text,
    /^apiserver_request_total\{code="200",component="apiserver",dry_run="",group="",resource="configmaps",scope="namespace",subresource="",verb="LIST",version="v1"\} [1-9]\d*$/m,
  );
  assert.match(text, /^apiserver_storage_objects\{resource="namespaces"\} [1-9]\d*$/m);
});

test('health endpoints: plain ok, verbose check lists, single checks, unknown checks not found', async () => {
  assert.equal((await req('GET', '/readyz')).text, 'ok');
  const verbose = await req('GET', '/readyz?verbose&exclude=etcd');
  assert.equal(verbose.status, 200);
  assert.match(verbose.text, /^\[\+\]ping ok$/m);
  assert.match(verbose.text, /^\[\+\]etcd excluded: ok$/m);
  assert.match(verbose.text, /readyz check passed\n$/);
  assert.equal((await req('GET', '/livez/etcd')).text, 'ok');
  assert.equal((await req('GET', '/livez/nope')).status, 404);
});

test('OpenAPI v3: index with hashes, PATCH operations with fieldValidation, schemas for explain', async () => {
  const index = await req('GET', '/openapi/v3');
  const url = index.json.paths['apis/apps/v1'].serverRelativeURL as string;
  assert.match(url, /^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]+$/);
  const doc = (await req('GET', url)).json;
  const patch = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
  assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: 'apps', version: 'v1', kind: 'Deployment' });
  assert.ok(patch.parameters.some((p: any) => p.name === 'fieldValidation' && p.in === 'query'));
  const schema = doc.components.schemas['io.k8s.api.apps.v1.Deployment'];
  assert.deepEqual(schema['x-kubernetes-group-version-kind'], [{ group: 'apps', version: 'v1', kind: 'Deployment' }]);
  const spec = doc.components.schemas['io.k8s.api.apps.v1.DeploymentSpec'];
  assert.equal(spec.properties.replicas.type, 'integer');
});

test('kubectl Tables: columns and rows with partial object metadata', async () => {
  const r = await req('GET', '/api/v1/namespaces', undefined, undefined, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
  assert.equal(r.json.kind, 'Table');
  assert.deepEqual(
    r.json.columnDefinitions.map((c: any) => c.name),
    ['Name', 'Status', 'Age'],
  );
  const row = r.json.rows.find((x: any) => x.cells[0] === 'default');
  assert.equal(row.cells[1], 'Active');
  assert.equal(row.object.kind, 'PartialObjectMetadata');
});

/** Reads a watch stream's lines until `count` events arrived or the stream ended. */
async function watchLines(path: string, count: number, onOpen?: () => Promise<void>): Promise<{ status: number; events: any[] }> {
  const res = await fetch(cp.url + path);
  if (res.status !== 200) return { status: res.status, events: [await res.json()] };
  await onOpen?.();
  const reader = res.body!.getReader();
  const events: any[] = [];
  let buf = '';
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += Buffer.from(value).toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i).trim();
      buf = buf.slice(i + 1);
      if (line) events.push(JSON.parse(line));
    }
  }
  await reader.cancel().catch(() => {});
  return { status: 200, events };
}

test('watch: headers at once, events from a resourceVersion, bookmarks, 410 for expired versions, timeoutSeconds', async () => {
  const rv = (await req('GET', CM)).json.metadata.resourceVersion;
  const { events } = await watchLines(`${CM}?watch=true&resourceVersion=${rv}&labelSelector=w%3D1&allowWatchBookmarks=true`, 3, async () => {
    // The response arrived before any event: headers were flushed immediately.
    await req('POST', CM, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w1', labels: { w: '1' } } }));
    await req('POST', CM, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w2' } }));
    await req('DELETE', `${CM}/w1`);
  });
  const types = events.map((e) => `${e.type} ${e.object.metadata.name ?? ''}`);
  assert.deepEqual(
    types.filter((t) => !t.startsWith('BOOKMARK')),
    ['ADDED w1', 'DELETED w1'],
  );
  const { events: withBookmark } = await watchLines(`${CM}?watch=true&resourceVersion=${rv}&labelSelector=none%3D1&allowWatchBookmarks=true`, 1);
  assert.equal(withBookmark[0].type, 'BOOKMARK');
  assert.match(withBookmark[0].object.metadata.resourceVersion, /^\d+$/);
  for (let i = 0; i < 60; i++) await req('POST', CM, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `h${i}` } }));
  const expired = await watchLines(`${CM}?watch=true&resourceVersion=${rv}`, 1);
  assert.equal(expired.status, 410);
  assert.equal(expired.events[0].reason, 'Expired');
  const started = Date.now();
  const timed = await watchLines(`${CM}?watch=true&resourceVersion=${(await req('GET', CM)).json.metadata.resourceVersion}&timeoutSeconds=1`, 1000);
  assert.equal(timed.events.length, 0);
  assert.ok(Date.now() - started >= 900);
});

test('delete answers Success for objects gone at once and the object for pending deletions', async () => {
  await req('POST', CM, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'd1' } }));
  const gone = await req('DELETE', `${CM}/d1`, '', 'application/json');
  assert.equal(gone.json.status, 'Success');
  assert.equal(gone.json.details.name, 'd1');
  await req('POST', CM, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'd2' } }));
  const fg = await req('DELETE', `${CM}/d2?propagationPolicy=Foreground`);
  assert.equal(fg.json.kind, 'ConfigMap');
  assert.deepEqual(fg.json.metadata.finalizers, ['foregroundDeletion']);
  // The garbage collector completes the foreground deletion (no dependents).
  for (let i = 0; i < 50 && (await req('GET', `${CM}/d2`)).status === 200; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal((await req('GET', `${CM}/d2`)).status, 404);
});

test('bearer token: required when configured, health and version stay public', async () => {
  const registry = new Registry();
  registerBuiltins(registry);
  const api = new ApiServer(new ApiCore(new Store(), registry), registry, { token: 'secret' });
  const server = createServer(api.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const denied = await fetch(`${base}/api/v1/namespaces`);
    assert.equal(denied.status, 401);
    assert.equal(((await denied.json()) as any).reason, 'Unauthorized');
    assert.equal((await fetch(`${base}/api/v1/namespaces`, { headers: { Authorization: 'Bearer wrong' } })).status, 401);
    assert.equal((await fetch(`${base}/api/v1/namespaces`, { headers: { Authorization: 'Bearer secret' } })).status, 200);
    assert.equal((await fetch(`${base}/version`)).status, 200);
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('admission seam: a reviewer can mutate and deny writes arriving over HTTP', async () => {
  const registry = new Registry();
  registerBuiltins(registry);
  const core = new ApiCore(new Store(), registry);
  core.create(registry.lookup('', 'v1', 'namespaces')!, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  const seen: string[] = [];
  const admission: Admission = {
    async review(a) {
      seen.push(`${a.operation} ${a.type.resource} ${a.name} dryRun=${a.dryRun}`);
      if (a.object?.metadata.name === 'denied') throw new ApiError(400, 'BadRequest', 'admission webhook "deny.example.com" denied the request: no');
      if (a.operation === 'DELETE' || !a.object) return undefined;
      return { ...a.object, metadata: { ...a.object.metadata, labels: { ...a.object.metadata.labels, mutated: 'yes' } } };
    },
  };
  const api = new ApiServer(core, registry, { admission });
  const server = createServer(api.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}${CM}`;
  const post = (name: string) =>
    fetch(base, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } }),
    });
  try {
    const ok = (await (await post('a')).json()) as any;
    assert.equal(ok.metadata.labels.mutated, 'yes');
    assert.equal(core.tryGet(registry.lookup('', 'v1', 'configmaps')!, 'default', 'a')?.metadata.labels?.mutated, 'yes');
    const denied = await post('denied');
    assert.equal(denied.status, 400);
    assert.equal(core.tryGet(registry.lookup('', 'v1', 'configmaps')!, 'default', 'denied'), undefined);
    const patched = (await (
      await fetch(`${base}/a`, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/merge-patch+json' },
        body: '{"metadata":{"labels":{"mutated":null,"x":"1"}}}',
      })
    ).json()) as any;
    assert.deepEqual(patched.metadata.labels, { x: '1', mutated: 'yes' });
    assert.equal((await fetch(`${base}/a`, { method: 'DELETE' })).status, 200);
    assert.deepEqual(seen, [
      'CREATE configmaps a dryRun=false',
      'CREATE configmaps denied dryRun=false',
      'UPDATE configmaps a dryRun=false',
      'DELETE configmaps a dryRun=false',
    ]);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('bodies that are not objects: null is an empty object, others fail the type probe; apply must name the URL object', async () => {
  const nul = await req('POST', CM, 'null');
  assert.equal(nul.status, 422);
  assert.equal(nul.json.message, 'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required');
  const list = await req('POST', CM, '[1]');
  assert.equal(list.status, 400);
  assert.match(list.json.message, /json: cannot unmarshal array into Go value of type struct \{ APIVersion string .* \(5b315d\)$/);
  const apply = await req('PATCH', `${CM}/new1?fieldManager=a`, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: t}\n', 'application/apply-patch+yaml');
  assert.equal(apply.status, 400);
  assert.equal(apply.json.message, 'the name of the object (t) does not match the name on the URL (new1)');
  assert.equal((await req('GET', `${CM}/new1`)).status, 404);
});

test('a list at a future resourceVersion waits for storage to reach it, then answers (504 after 3 s)', async () => {
  const current = Number((await req('GET', CM)).json.metadata.resourceVersion);
  setTimeout(() => void req('POST', CM, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'later' } })), 200);
  const reached = await req('GET', `${CM}?resourceVersion=${current + 1}`);
  assert.equal(reached.status, 200);
  assert.ok(reached.json.items.some((i: { metadata: { name: string } }) => i.metadata.name === 'later'));
  const started = Date.now();
  const never = await req('GET', `${CM}?resourceVersion=${current + 1000}`);
  assert.equal(never.status, 504);
  assert.match(never.json.message, /^Timeout: Too large resource version: \d+, current: \d+$/);
  assert.ok(Date.now() - started >= 2900, 'waited for storage first');
});
