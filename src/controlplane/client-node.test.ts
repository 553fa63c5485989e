/** The official JavaScript client (@kubernetes/client-node 2.x) against the local control plane. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from './index.js';

let cp: ControlPlane;
let kc: k8s.KubeConfig;
before(async () => {
  cp = await startControlPlane({ insecureHttp: true });
  kc = new k8s.KubeConfig();
  kc.loadFromString(cp.kubeconfig);
});
after(() => cp.stop());

const until = async (f: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !f(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(f(), `timed out waiting for ${what}`);
};

test('typed API: namespaces, configmaps, errors as ApiException with Status bodies', async () => {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const nss = await core.listNamespace();
  assert.ok(nss.items.some((n) => n.metadata?.name === 'default'));
  await core.createNamespace({ body: { metadata: { name: 'cn' } } });
  const created = await core.createNamespacedConfigMap({ namespace: 'cn', body: { metadata: { name: 'c1' }, data: { a: 'b' } } });
  assert.ok(created.metadata?.creationTimestamp instanceof Date);
  await assert.rejects(
    () => core.createNamespacedConfigMap({ namespace: 'cn', body: { metadata: { name: 'c1' } } }),
    (e: unknown) => e instanceof k8s.ApiException && e.code === 409 && JSON.parse(e.body as string).reason === 'AlreadyExists',
  );
  await assert.rejects(
    () => core.readNamespacedConfigMap({ name: 'nope', namespace: 'cn' }),
    (e: unknown) => e instanceof k8s.ApiException && e.code === 404 && JSON.parse(e.body as string).message === 'configmaps "nope" not found',
  );
  const stale = { ...created, data: { a: 'c' } };
  await core.replaceNamespacedConfigMap({ name: 'c1', namespace: 'cn', body: { ...created, data: { a: 'x' } } });
  await assert.rejects(
    () => core.replaceNamespacedConfigMap({ name: 'c1', namespace: 'cn', body: stale }),
    (e: unknown) => e instanceof k8s.ApiException && e.code === 409 && JSON.parse(e.body as string).reason === 'Conflict',
  );
  const dry = await core.createNamespacedConfigMap({ namespace: 'cn', body: { metadata: { name: 'dry' } }, dryRun: 'All' });
  assert.equal(dry.metadata?.name, 'dry');
  await assert.rejects(() => core.readNamespacedConfigMap({ name: 'dry', namespace: 'cn' }));
  await core.patchNamespacedConfigMap(
    { name: 'c1', namespace: 'cn', body: { data: { m: '1' } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
  assert.equal((await core.readNamespacedConfigMap({ name: 'c1', namespace: 'cn' })).data?.m, '1');
  await core.deleteNamespacedConfigMap({ name: 'c1', namespace: 'cn', propagationPolicy: 'Foreground' });
});

test('KubernetesObjectApi: create, read, patch, replace, list, delete, and CRDs found after creation', async () => {
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  const cm = await api.create({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'o1', namespace: 'default', labels: { app: 'o' } },
    data: { a: '1' },
  } as k8s.KubernetesObject);
  const read = (await api.read({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'o1', namespace: 'default' } })) as k8s.V1ConfigMap;
  assert.equal(read.data?.a, '1');
  await api.patch(
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'o1', namespace: 'default' }, data: { b: '2' } } as k8s.KubernetesObject,
    undefined,
    undefined,
    undefined,
    undefined,
    k8s.PatchStrategy.MergePatch,
  );
  const replaced = (await api.replace({
    ...read,
    data: { c: '3' },
    metadata: { ...read.metadata, resourceVersion: undefined },
  } as k8s.KubernetesObject)) as k8s.V1ConfigMap;
  assert.deepEqual(replaced.data, { c: '3' });
  const list = await api.list('v1', 'ConfigMap', 'default', undefined, undefined, undefined, undefined, 'app=o');
  assert.deepEqual(
    list.items.map((i) => i.metadata?.name),
    ['o1'],
  );
  await api.delete(cm);

  // Created in-process: client-node's typed serializer drops `default` from plain-object schemas.
  const crds = cp.core.registry.lookup('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!;
  cp.core.create(crds, undefined, {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'gadgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: { type: 'object', properties: { size: { type: 'integer', default: 3 } } },
                status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              },
            },
          },
        },
      ],
    },
  });
  const g = (await api.create({
    apiVersion: 'example.com/v1',
    kind: 'Gadget',
    metadata: { name: 'g1', namespace: 'default' },
    spec: {},
  } as k8s.KubernetesObject)) as k8s.KubernetesObject & { spec: { size: number } };
  assert.equal(g.spec.size, 3);
  await assert.rejects(
    () =>
      api.patch({ apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'g1', namespace: 'default' }, spec: { size: 4 } } as k8s.KubernetesObject),
    (e: unknown) => e instanceof k8s.ApiException && e.code === 415,
  );
  const patched = (await api.patch(
    { apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'g1', namespace: 'default' }, spec: { size: 4 } } as k8s.KubernetesObject,
    undefined,
    undefined,
    undefined,
    undefined,
    k8s.PatchStrategy.MergePatch,
  )) as k8s.KubernetesObject & { spec: { size: number } };
  assert.equal(patched.spec.size, 4);
});

test('Watch streams ADDED, MODIFIED and DELETED events', async () => {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const events: string[] = [];
  const watch = new k8s.Watch(kc);
  const ctl = await watch.watch(
    '/api/v1/namespaces/default/configmaps',
    { labelSelector: 'watched=yes' },
    (type, obj: k8s.V1ConfigMap) => events.push(`${type} ${obj.metadata?.name}`),
    () => {},
  );
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'wc', labels: { watched: 'yes' } } } });
  await core.patchNamespacedConfigMap({ name: 'wc', namespace: 'default', body: [{ op: 'add', path: '/data', value: { a: 'b' } }] });
  await core.deleteNamespacedConfigMap({ name: 'wc', namespace: 'default' });
  await until(() => events.length >= 3, 'three watch events');
  ctl.abort();
  assert.deepEqual(events, ['ADDED wc', 'MODIFIED wc', 'DELETED wc']);
});

test('informer lists, then follows adds, updates and deletes', async () => {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'pre' } } });
  const informer = k8s.makeInformer(kc, '/api/v1/namespaces/default/configmaps', () => core.listNamespacedConfigMap({ namespace: 'default' }));
  const seen: string[] = [];
  informer.on('add', (o: k8s.V1ConfigMap) => seen.push(`add ${o.metadata?.name}`));
  informer.on('update', (o: k8s.V1ConfigMap) => seen.push(`update ${o.metadata?.name}`));
  informer.on('delete', (o: k8s.V1ConfigMap) => seen.push(`delete ${o.metadata?.name}`));
  await informer.start();
  await until(() => seen.includes('add pre'), 'the listed object');
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'inf' } } });
  await core.patchNamespacedConfigMap(
    { name: 'inf', namespace: 'default', body: { data: { x: 'y' } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
  await core.deleteNamespacedConfigMap({ name: 'inf', namespace: 'default' });
  await until(() => seen.includes('delete inf'), 'the delete event');
  await informer.stop();
  assert.deepEqual(
    seen.filter((s) => s.endsWith(' inf')),
    ['add inf', 'update inf', 'delete inf'],
  );
  assert.ok(informer.get('pre', 'default'));
});
