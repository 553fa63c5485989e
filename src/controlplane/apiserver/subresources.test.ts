import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startControlPlane, type ControlPlane } from '../index.js';

let cp: ControlPlane;
before(async () => {
  cp = await startControlPlane({ insecureHttp: true });
});
after(() => cp.stop());

async function req(method: string, path: string, body?: unknown, contentType = 'application/json') {
  const res = await fetch(cp.url + path, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: body === undefined ? {} : { 'Content-Type': contentType },
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

const NS = '/api/v1/namespaces/default';
const pod = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels },
  spec: { containers: [{ name: 'c', image: 'nginx' }] },
});

test('the Scale of a ReplicaSet prints its selector as labels.Selector does and omits zero replicas', async () => {
  const rs = '/apis/apps/v1/namespaces/default/replicasets';
  const created = await req('POST', rs, {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'sel' },
    spec: {
      replicas: 0,
      selector: {
        matchLabels: { app: 'sel' },
        matchExpressions: [
          { key: 'tier', operator: 'In', values: ['b', 'a'] },
          { key: 'canary', operator: 'DoesNotExist' },
        ],
      },
      template: { metadata: { labels: { app: 'sel', tier: 'a' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    },
  });
  assert.equal(created.status, 201, created.text);
  const scale = await req('GET', `${rs}/sel/scale`);
  assert.equal(scale.json.status.selector, 'app=sel,!canary,tier in (a,b)');
  assert.deepEqual(scale.json.spec, {});
  const missing = await req('GET', `${rs}/nope/scale`);
  assert.equal(missing.status, 404);
  assert.equal(missing.json.message, 'replicasets/scale.apps "nope" not found');
});

test('a PUT to scale refuses another kind and another name', async () => {
  const rc = `${NS}/replicationcontrollers`;
  await req('POST', rc, {
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name: 'rc' },
    spec: { replicas: 0, selector: { app: 'rc' }, template: { metadata: { labels: { app: 'rc' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  });
  const kind = await req('PUT', `${rc}/rc/scale`, { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc' } });
  assert.equal(kind.status, 400);
  assert.match(kind.json.message, /^ReplicationController in version "v1" cannot be handled as a Scale/);
  const name = await req('PUT', `${rc}/rc/scale`, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'other' }, spec: { replicas: 1 } });
  assert.equal(name.status, 400);
  assert.equal(name.json.message, 'the name of the object (other) does not match the name on the URL (rc)');
  assert.equal((await req('GET', `${rc}/rc/scale`)).json.status.selector, 'app=rc');
});

test('binding sets the node and the PodScheduled condition without a managedFields entry; a second binding conflicts', async () => {
  assert.equal((await req('POST', `${NS}/pods`, pod('b1'))).status, 201);
  const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'b1' }, target: { kind: 'Node', name: 'node-a' } };
  assert.equal((await req('POST', `${NS}/pods/b1/binding`, binding)).status, 201);
  const bound = (await req('GET', `${NS}/pods/b1`)).json;
  assert.equal(bound.spec.nodeName, 'node-a');
  assert.deepEqual(
    bound.status.conditions.map((c: any) => [c.type, c.status]),
    [['PodScheduled', 'True']],
  );
  assert.equal(JSON.stringify(bound.metadata.managedFields).includes('nodeName'), false);
  const again = await req('POST', `${NS}/pods/b1/binding`, binding);
  assert.equal(again.status, 409);
  assert.deepEqual(again.json.details, { name: 'b1', kind: 'pods/binding' });
});

test('logs and exec without a kubelet answer as the real API server does', async () => {
  await req('POST', `${NS}/pods`, pod('l1'));
  const unscheduled = await req('GET', `${NS}/pods/l1/log`);
  assert.equal(unscheduled.status, 204);
  const wrong = await req('GET', `${NS}/pods/l1/log?container=nope`);
  assert.equal(wrong.status, 400);
  assert.equal(wrong.json.message, 'container nope is not valid for pod l1');
  const exec = await req('GET', `${NS}/pods/l1/exec?command=ls`);
  assert.equal(exec.json.message, 'pod l1 does not have a host assigned');
  await req('POST', `${NS}/pods/l1/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'l1' }, target: { name: 'ghost' } });
  const noNode = await req('GET', `${NS}/pods/l1/exec?command=ls`);
  assert.equal(noNode.status, 404);
  assert.equal(noNode.json.message, 'pods "ghost" not found');
});

test('eviction honours a PodDisruptionBudget, the Eviction name and a dry run', async () => {
  await req('POST', '/apis/policy/v1/namespaces/default/poddisruptionbudgets', {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'guard' },
    spec: { minAvailable: 1, selector: { matchLabels: { app: 'guarded' } } },
  });
  await req('POST', `${NS}/pods`, pod('e1', { app: 'guarded' }));
  const eviction = (name: string, extra: object = {}) => ({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name }, ...extra });
  // A pending pod is not protected; a dry run leaves it.
  const dry = await req('POST', `${NS}/pods/e1/eviction`, eviction('e1', { deleteOptions: { dryRun: ['All'] } }));
  assert.equal(dry.status, 201);
  assert.equal((await req('GET', `${NS}/pods/e1`)).status, 200);
  const mismatch = await req('POST', `${NS}/pods/e1/eviction`, eviction('other'));
  assert.equal(mismatch.status, 400);
  assert.equal(mismatch.json.message, 'name in URL does not match name in Eviction object');
  await req('PUT', `${NS}/pods/e1/status`, { ...pod('e1', { app: 'guarded' }), status: { phase: 'Running' } });
  const refused = await req('POST', `${NS}/pods/e1/eviction`, eviction('e1'));
  assert.equal(refused.status, 429);
  assert.equal(refused.json.message, "Cannot evict pod as it would violate the pod's disruption budget.");
  assert.deepEqual(refused.json.details.causes, [
    { reason: 'DisruptionBudget', message: 'The disruption budget guard needs 1 healthy pods and has 0 currently' },
  ]);
  await req('POST', `${NS}/pods`, pod('e2'));
  assert.equal((await req('POST', `${NS}/pods/e2/eviction`, eviction('e2'))).status, 201);
  assert.equal((await req('GET', `${NS}/pods/e2`)).status, 404);
});

test('PUT creates limit ranges and, through the status subresource, services; empty role rules are stored as null', async () => {
  const lr = await req('PUT', `${NS}/limitranges/lr`, { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'lr' }, spec: { limits: [] } });
  assert.equal(lr.status, 201);
  const svc = await req('PUT', `${NS}/services/made/status`, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'made' },
    spec: { ports: [{ port: 80 }] },
  });
  assert.equal(svc.status, 201);
  assert.equal((await req('PUT', `${NS}/configmaps/nope`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nope' } })).status, 404);
  const role = await req('PUT', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles/empty', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'empty' },
    rules: [],
  });
  assert.equal(role.status, 201);
  assert.equal(role.json.rules, null);
});

test('a TokenRequest echoes its bound object reference and records its managedFields; other kinds cannot be bound', async () => {
  await req('POST', `${NS}/pods`, pod('t1'));
  const spec = { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 't1' } };
  const token = await req('POST', `${NS}/serviceaccounts/default/token?fieldManager=me`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec,
  });
  assert.equal(token.status, 201, token.text);
  assert.deepEqual(token.json.spec.boundObjectRef, spec.boundObjectRef);
  assert.equal(token.json.metadata.managedFields[0].manager, 'me');
  assert.deepEqual(Object.keys(token.json.metadata.managedFields[0].fieldsV1['f:spec']).sort(), ['f:boundObjectRef', 'f:expirationSeconds']);
  const bad = await req('POST', `${NS}/serviceaccounts/default/token`, { spec: { boundObjectRef: { kind: 'ConfigMap', apiVersion: 'v1', name: 'x' } } });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.message, 'cannot bind token to object of type /v1, Kind=ConfigMap');
});

test('reads negotiate their view: PartialObjectMetadata, Table options and 406 answers', async () => {
  await req('POST', `${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'view', labels: { v: '1' } }, data: { a: '1' } });
  const get = (path: string, accept: string) =>
    fetch(cp.url + path, { headers: { Accept: accept } }).then(async (r) => ({ status: r.status, json: (await r.json()) as any }));
  const partial = await get(`${NS}/configmaps/view`, 'application/json;as=PartialObjectMetadata;v=v1beta1;g=meta.k8s.io');
  assert.deepEqual([partial.json.kind, partial.json.apiVersion, partial.json.data], ['PartialObjectMetadata', 'meta.k8s.io/v1beta1', undefined]);
  const list = await get(`${NS}/configmaps?labelSelector=v`, 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io');
  assert.equal(list.json.kind, 'PartialObjectMetadataList');
  assert.deepEqual(
    list.json.items.map((i: any) => [i.kind, i.metadata.name]),
    [['PartialObjectMetadata', 'view']],
  );
  const single = await get(`${NS}/configmaps?labelSelector=v`, 'application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io');
  assert.equal(single.status, 406);
  assert.equal(single.json.message, 'you requested PartialObjectMetadata, but the requested object is a list (*core.ConfigMapList)');
  assert.deepEqual((await get(`${NS}/configmaps/view`, 'application/xml')).json.message, '406: Not Acceptable');
  const v2 = await get(`${NS}/configmaps/view`, 'application/json;as=Table;v=v2;g=meta.k8s.io');
  assert.equal(v2.status, 406);
  assert.equal((await get(`${NS}/configmaps/view`, 'application/json;as=Table;v=v2;g=meta.k8s.io, application/json')).json.kind, 'ConfigMap');
  const none = await get(`${NS}/configmaps?labelSelector=v&includeObject=None`, 'application/json;as=Table;v=v1;g=meta.k8s.io');
  assert.equal(none.json.rows[0].object, null);
  assert.equal(none.json.columnDefinitions[1].type, 'string');
  const bogus = await get(`${NS}/configmaps?includeObject=Bogus`, 'application/json;as=Table;v=v1;g=meta.k8s.io');
  assert.equal(bogus.status, 400);
});

test('a filtered page that fills its limit carries a continue token when any key follows; bad tokens name the byte', async () => {
  for (const [name, set] of [
    ['pg1', 'a'],
    ['pg2', 'a'],
    ['pg3', 'b'],
  ])
    await req('POST', `${NS}/podtemplates`, {
      apiVersion: 'v1',
      kind: 'PodTemplate',
      metadata: { name, labels: { pg: set } },
      template: { spec: { containers: [{ name: 'c', image: 'nginx' }] } },
    });
  const page = await req('GET', `${NS}/podtemplates?limit=2&labelSelector=pg%3Da`);
  assert.equal(page.json.items.length, 2);
  assert.ok(page.json.metadata.continue);
  assert.equal(page.json.metadata.remainingItemCount, undefined);
  const rest = await req('GET', `${NS}/podtemplates?limit=2&labelSelector=pg%3Da&continue=${page.json.metadata.continue}`);
  assert.deepEqual(rest.json.items, []);
  const bad = await req('GET', `${NS}/podtemplates?limit=2&continue=bogus`);
  assert.equal(bad.json.message, 'invalid continue token: continue key is not valid: illegal base64 data at input byte 4');
  const deleted = await req('DELETE', `${NS}/podtemplates/pg3`);
  assert.equal(deleted.json.kind, 'PodTemplate');
});
