import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../k8s/object.js';
import { eventColumns, formatLabels, formatSelector, printerColumns, serviceExternalIp } from './printers.js';
import type { ResourceType, TableColumn } from './registry.js';
import { toTable } from './table.js';

const obj = (fields: Record<string, unknown>, metadata: KubeObject['metadata'] = { name: 'x' }): KubeObject =>
  ({ apiVersion: 'v1', kind: 'X', metadata, ...fields }) as KubeObject;

/** The cells of one object, by column name. */
function cells(columns: TableColumn[], o: KubeObject): Record<string, unknown> {
  return Object.fromEntries(columns.map((c) => [c.name, c.cell(o)]));
}

test('labels and selectors print sorted, <none> when empty', () => {
  assert.equal(formatLabels({ z: '1', a: '2' }), 'a=2,z=1');
  assert.equal(formatLabels(undefined), '<none>');
  assert.equal(formatSelector({ matchLabels: { b: '1' }, matchExpressions: [{ key: 'a', operator: 'In', values: ['y', 'x'] }] }), 'a in (x,y),b=1');
  assert.equal(formatSelector({}), '<none>');
  assert.equal(formatSelector({ matchExpressions: [{ key: 'a', operator: 'Bogus' }] }), '<error>');
});

test('endpoints show three addresses and count the rest', () => {
  const cols = printerColumns('', 'endpoints')!;
  const ep = obj({ subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ port: 80 }, { port: 443 }] }] });
  assert.equal(cells(cols, ep).Endpoints, '10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...');
  assert.equal(cells(cols, obj({})).Endpoints, '<none>');
});

test('resource quotas split limits from the rest and read used/hard from status', () => {
  const cols = printerColumns('', 'resourcequotas')!;
  const q = obj({
    spec: { hard: { pods: '4', 'limits.memory': '1Gi', cpu: '2' } },
    status: { hard: { pods: '4', 'limits.memory': '1Gi', cpu: '2' }, used: { pods: '1', cpu: '100m' } },
  });
  assert.deepEqual([cells(cols, q).Request, cells(cols, q).Limit], ['cpu: 100m/2, pods: 1/4', 'limits.memory: 0/1Gi']);
});

test('role bindings list users, groups and service accounts in the wide view', () => {
  const cols = printerColumns('rbac.authorization.k8s.io', 'rolebindings')!;
  const rb = obj({
    roleRef: { kind: 'ClusterRole', name: 'view' },
    subjects: [
      { kind: 'User', name: 'a' },
      { kind: 'User', name: 'b' },
      { kind: 'Group', name: 'g' },
      { kind: 'ServiceAccount', name: 'robot', namespace: 'ns' },
    ],
  });
  const c = cells(cols, rb);
  assert.deepEqual([c.Role, c.Users, c.Groups, c.ServiceAccounts], ['ClusterRole/view', 'a, b', 'g', 'ns/robot']);
  assert.deepEqual(
    cols.filter((x) => x.priority === 1).map((x) => x.name),
    ['Users', 'Groups', 'ServiceAccounts'],
  );
});

test('nodes: Unknown without a Ready condition, roles from labels', () => {
  const cols = printerColumns('', 'nodes')!;
  const n = obj({ spec: { unschedulable: true } }, { name: 'n', labels: { 'node-role.kubernetes.io/worker': '', 'kubernetes.io/role': 'edge' } });
  assert.deepEqual([cells(cols, n).Status, cells(cols, n).Roles, cells(cols, n)['OS-Image']], ['Unknown,SchedulingDisabled', 'edge,worker', '<unknown>']);
  const ready = obj({ status: { conditions: [{ type: 'Ready', status: 'True' }] } });
  assert.equal(cells(cols, ready).Status, 'Ready');
});

test('controller revisions name their controller as kind.group/name', () => {
  const cols = printerColumns('apps', 'controllerrevisions')!;
  const rev = obj({ revision: 2 }, { name: 'r', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'ds', uid: 'u', controller: true }] });
  assert.deepEqual([cells(cols, rev).Controller, cells(cols, rev).Revision], ['daemonset.apps/ds', 2]);
  assert.equal(cells(cols, obj({ revision: 1 })).Controller, '<none>');
});

test('service External-IP depends on the type', () => {
  assert.equal(serviceExternalIp(obj({ spec: { type: 'ExternalName', externalName: 'db.example.com' } })), 'db.example.com');
  assert.equal(serviceExternalIp(obj({ spec: { type: 'ClusterIP', externalIPs: ['1.2.3.4'] } })), '1.2.3.4');
  assert.equal(serviceExternalIp(obj({ spec: { type: 'NodePort' } })), '<none>');
  assert.equal(serviceExternalIp(obj({ spec: { type: 'LoadBalancer' } })), '<pending>');
  assert.equal(
    serviceExternalIp(obj({ spec: { type: 'LoadBalancer' }, status: { loadBalancer: { ingress: [{ hostname: 'lb.example.com' }] } } })),
    'lb.example.com',
  );
});

test('events put their Name column last, for the wide view only', () => {
  const t = { columns: eventColumns } as unknown as ResourceType;
  const ev = obj({ type: 'Normal', reason: 'Pulled', message: 'done ', involvedObject: { kind: 'Pod', name: 'p' }, count: 2 }, { name: 'p.123' });
  const table = toTable(t, [ev], 'None', {}) as { columnDefinitions: { name: string; priority: number }[]; rows: { cells: unknown[] }[] };
  const names = table.columnDefinitions.map((c) => c.name);
  assert.equal(names[0], 'Last Seen');
  assert.equal(names.at(-1), 'Name');
  assert.equal(table.columnDefinitions.at(-1)!.priority, 1);
  const row = Object.fromEntries(names.map((n, i) => [n, table.rows[0].cells[i]]));
  assert.deepEqual([row.Object, row.Message, row.Count, row.Name], ['pod/p', 'done', 2, 'p.123']);
});

test('other tables keep Name first; a missing cell is <none>, a null one stays null', () => {
  const t = {
    columns: [
      { name: 'A', type: 'string', cell: () => undefined },
      { name: 'B', type: 'string', cell: () => null },
    ],
  } as unknown as ResourceType;
  const table = toTable(t, [obj({})], 'None', {}) as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
  assert.deepEqual(
    table.columnDefinitions.map((c) => c.name),
    ['Name', 'A', 'B'],
  );
  assert.deepEqual(table.rows[0].cells, ['x', '<none>', null]);
});

test('a default StorageClass prints (default) after its name, with the GA or the beta annotation', () => {
  const t = { group: 'storage.k8s.io', resource: 'storageclasses', columns: printerColumns('storage.k8s.io', 'storageclasses') } as ResourceType;
  const sc = (name: string, annotations?: Record<string, string>) => obj({ provisioner: 'p' }, { name, annotations });
  const table = toTable(
    t,
    [
      sc('a', { 'storageclass.kubernetes.io/is-default-class': 'true' }),
      sc('b', { 'storageclass.beta.kubernetes.io/is-default-class': 'true' }),
      sc('c', { 'storageclass.kubernetes.io/is-default-class': 'false' }),
      sc('d'),
    ],
    'None',
    {},
  ) as {
    columnDefinitions: { name: string; format: string }[];
    rows: { cells: unknown[] }[];
  };
  assert.deepEqual(
    table.columnDefinitions.filter((c) => c.format === 'name').map((c) => c.name),
    ['Name'],
  );
  assert.deepEqual(
    table.rows.map((r) => r.cells[0]),
    ['a (default)', 'b (default)', 'c', 'd'],
  );
});
