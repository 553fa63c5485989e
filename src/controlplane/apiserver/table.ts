/** Server-side printing: the `Table` answers that `kubectl get` asks for. */
import type { KubeObject } from '../../k8s/object.js';
import { COLUMN_DESCRIPTIONS } from './column-descriptions.js';
import type { ResourceType, TableColumn } from './registry.js';

/** Go's duration.HumanDuration, as kubectl shows ages ("5s", "3m2s", "4h", "2d3h", "400d"). */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(s / 3600);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  if (h < 24 * 8) return h % 24 === 0 ? `${Math.floor(h / 24)}d` : `${Math.floor(h / 24)}d${h % 24}h`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24)}d`;
  if (h < 24 * 365 * 8) return `${Math.floor(h / 24 / 365)}y${Math.floor(h / 24) % 365}d`;
  return `${Math.floor(h / 24 / 365)}y`;
}

export function age(obj: KubeObject): string {
  const t = obj.metadata.creationTimestamp;
  return t ? humanDuration(Date.now() - Date.parse(t)) : '<unknown>';
}

export const ageColumn: TableColumn = {
  name: 'Age',
  type: 'string',
  description:
    'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
  cell: age,
};

/** ObjectMeta.name's documentation, which the API server uses for the Name column. */
const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';

/** A Name column printed differently from the object's name (a default StorageClass's ` (default)`). */
export function nameColumn(cell: (o: KubeObject) => string): TableColumn {
  return { name: 'Name', type: 'string', format: 'name', description: NAME_DESCRIPTION, cell };
}

/** A column's description: its own, else the API documentation Kubernetes' printer gives a built-in kind's column. */
function describe(t: ResourceType, c: TableColumn): string {
  if (c.description || t.custom) return c.description ?? '';
  return COLUMN_DESCRIPTIONS[`${t.group}/${t.resource}`]?.[c.name] ?? '';
}

export function columnsOf(t: ResourceType): TableColumn[] {
  return t.columns ?? [ageColumn];
}

export function toTable(t: ResourceType, objects: KubeObject[], includeObject: string, listMeta: Record<string, unknown>): Record<string, unknown> {
  const columns = columnsOf(t);
  // Events place their Name column last (wide only); other kinds get it first.
  const ownName = columns.some((c) => c.name === 'Name' && c.format === 'name');
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: [
      ...(ownName ? [] : [{ name: 'Name', type: 'string', format: 'name', description: NAME_DESCRIPTION, priority: 0 }]),
      ...columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: describe(t, c), priority: c.priority ?? 0 })),
    ],
    rows: objects.map((o) => ({
      cells: [...(ownName ? [] : [o.metadata.name]), ...columns.map((c) => cellValue(c.cell(o)))],
      object: rowObject(o, includeObject),
    })),
  };
}

function cellValue(v: unknown): unknown {
  return v === undefined ? '<none>' : v;
}

function rowObject(o: KubeObject, includeObject: string): unknown {
  // An empty RawExtension is still written out, as null.
  if (includeObject === 'None') return null;
  if (includeObject === 'Object') return o;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

/** Reads a simple JSONPath such as `.spec.replicas` or `.status.conditions[0].type`. */
export function readPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.replace(/^\./, '').split('.')) {
    if (!part) continue;
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) return undefined;
    if (m[1]) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[m[1]] : undefined;
    for (const idx of m[2].match(/\d+/g) ?? []) cur = Array.isArray(cur) ? cur[Number(idx)] : undefined;
  }
  return cur;
}
