import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../k8s/object.js';
import { registerBuiltins } from './builtins.js';
import { eventColumns } from './printers.js';
import { Registry, type ResourceType } from './registry.js';
import { toTable } from './table.js';

interface Column {
  name: string;
  type: string;
  description: string;
}

function builtin(group: string, resource: string): ResourceType {
  const reg = new Registry();
  registerBuiltins(reg);
  const t = reg.all().find((x) => x.group === group && x.resource === resource);
  assert.ok(t, `${group}/${resource} is registered`);
  return t;
}

function columnsOf(t: ResourceType): Record<string, Column> {
  const table = toTable(t, [], 'None', {}) as { columnDefinitions: Column[] };
  return Object.fromEntries(table.columnDefinitions.map((c) => [c.name, c]));
}

test('every built-in column is described, as Kubernetes documents it', () => {
  const reg = new Registry();
  registerBuiltins(reg);
  const undescribed: string[] = [];
  for (const t of reg.all())
    for (const c of Object.values(columnsOf(t))) {
      // Kubernetes' RuntimeClass printer asks ObjectMeta for a `handler` doc it does not have.
      if (t.resource === 'runtimeclasses' && c.name === 'Handler') assert.equal(c.description, '');
      else if (!c.description) undescribed.push(`${t.group}/${t.resource} ${c.name}`);
      assert.doesNotMatch(c.description, /\+optional|\+listType|---|TODO/, `${t.resource} ${c.name}: generator markers are dropped`);
    }
  assert.deepEqual(undescribed, []);
});

test('field documentation becomes the column description (SwaggerDoc text)', () => {
  const pods = columnsOf(builtin('', 'pods'));
  assert.equal(pods.IP.description, 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.');
  assert.equal(pods.Ready.description, 'The aggregate readiness state of this pod for accepting traffic.');
  // Wrapped comment lines join with a space; blank comment lines stay paragraph breaks.
  const csi = columnsOf(builtin('storage.k8s.io', 'csidrivers'));
  assert.match(
    csi.PodInfoOnMount.description,
    /^podInfoOnMount indicates this CSI volume driver requires additional pod information \(like podName, podUID, etc\.\) during mount operations, if set to true\. /,
  );
  assert.match(csi.PodInfoOnMount.description, /Default is false\.\n\nThe CSI driver specifies podInfoOnMount/);
  assert.doesNotMatch(csi.PodInfoOnMount.description, /\n$/);
  // Roles have no printer: the default table's Created At column.
  assert.match(columnsOf(builtin('rbac.authorization.k8s.io', 'roles'))['Created At'].description, /^CreationTimestamp is a timestamp/);
});

test('columns printed from deprecated beta types keep those types’ docs', () => {
  const bindings = columnsOf(builtin('rbac.authorization.k8s.io', 'rolebindings'));
  assert.equal(
    bindings.Role.description,
    'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error.',
  );
  assert.match(columnsOf(builtin('apps', 'daemonsets')).Selector.description, /If empty, defaulted to labels on Pod template\./);
});

test('Kubernetes types the deployment and service account count columns as strings', () => {
  const deployments = columnsOf(builtin('apps', 'deployments'));
  assert.deepEqual([deployments['Up-to-date'].type, deployments.Available.type], ['string', 'string']);
  assert.equal(columnsOf(builtin('', 'serviceaccounts')).Secrets.type, 'string');
});

test('custom resource columns keep their own (possibly empty) descriptions', () => {
  const t = { group: 'apps', resource: 'deployments', custom: true, columns: [{ name: 'Ready', type: 'string', cell: () => 1 }] } as unknown as ResourceType;
  assert.equal(columnsOf(t).Ready.description, '');
});

test('event rows: a singleton counts 1, a series its own count; Last Seen falls back to First Seen', () => {
  const t = { columns: eventColumns } as unknown as ResourceType;
  const row = (fields: Record<string, unknown>) => {
    const table = toTable(t, [{ apiVersion: 'v1', kind: 'Event', metadata: { name: 'e' }, ...fields } as KubeObject], 'None', {}) as {
      columnDefinitions: Column[];
      rows: { cells: unknown[] }[];
    };
    return Object.fromEntries(table.columnDefinitions.map((c, i) => [c.name, table.rows[0].cells[i]]));
  };
  const firstTimestamp = new Date(Date.now() - 90_000).toISOString();
  const single = row({ involvedObject: { kind: 'Node' }, firstTimestamp });
  assert.deepEqual([single.Count, single.Object, single['First Seen'], single['Last Seen']], [1, 'node', '90s', '90s']);
  const series = row({
    involvedObject: { kind: 'Pod', name: 'p' },
    count: 3,
    series: { count: 7, lastObservedTime: new Date(Date.now() - 5_000).toISOString() },
  });
  assert.deepEqual([series.Count, series.Object, series['Last Seen'], series['First Seen']], [7, 'pod/p', '5s', '<unknown>']);
});
