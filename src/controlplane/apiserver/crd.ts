/**
 * CustomResourceDefinitions: validation and status of the CRD objects, and serving their
 * custom resources. As in kube-apiserver, a new CRD is stored without accepted names or
 * conditions; a moment later the naming controller accepts its names and the establishing
 * controller marks it Established (status writes by manager "kube-apiserver"), and only then
 * are its custom resources served. Clients wait for the Established condition.
 */
import type { KubeObject } from '../../k8s/object.js';
import { isDns1123Subdomain } from '../../k8s/validation.js';
import type { ApiCore } from './core.js';
import { nowTimestamp, sameObject } from './core.js';
import { fieldInvalid, fieldRequired, reportUnknownFields, type Cause } from './errors.js';
import { storageKey, STANDARD_VERBS, type Registry, type ResourceType, type Subresource, type TableColumn, type WriteContext } from './registry.js';
import { applyDefaults, prune, validate, validateScale, type Schema } from './structural.js';
import { ageColumn, humanDuration, readPath } from './table.js';

const CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema?: { openAPIV3Schema?: Schema };
  subresources?: { status?: object; scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string } };
  additionalPrinterColumns?: { name: string; type: string; jsonPath: string; format?: string; priority?: number; description?: string }[];
}

interface CrdSpec {
  group: string;
  names: { plural: string; singular?: string; kind: string; listKind?: string; shortNames?: string[]; categories?: string[] };
  scope: string;
  versions: CrdVersion[];
}

const specOf = (crd: KubeObject) => (crd.spec ?? {}) as CrdSpec;

export class CrdSupport {
  private readonly served = new Map<string, ResourceType[]>();

  constructor(
    private readonly core: ApiCore,
    private readonly registry: Registry,
  ) {}

  /** Installs the hooks on the CustomResourceDefinition type and serves the CRDs already stored. */
  install(): void {
    const crdType = this.registry.lookup('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!;
    crdType.hooks = {
      defaults: (crd) => defaultCrd(crd),
      validate: (crd, old) => validateCrd(crd, old),
      prepareCreate: (crd) => {
        crd.status = { conditions: null, acceptedNames: { plural: '', kind: '' }, storedVersions: storedVersions(crd, undefined) };
      },
      // The cleanup finalizer is added when deletion starts, so the custom resources go first.
      beforeDelete: () => ({ finalizers: [CLEANUP_FINALIZER] }),
      prepareUpdate: (crd, old) => {
        crd.status = { ...(old.status as object), storedVersions: storedVersions(crd, old) };
      },
      afterWrite: (event, crd) => this.sync(event, crd),
    };
    for (const crd of this.core.store.list(storageKey(crdType))) this.sync('create', crd);
  }

  private sync(event: 'create' | 'update' | 'delete', crd: KubeObject): void {
    const name = crd.metadata.name!;
    const old = this.served.get(name) ?? [];
    if (event === 'delete') {
      for (const t of old) this.registry.remove(t);
      this.served.delete(name);
      return;
    }
    if (crd.metadata.deletionTimestamp) {
      setImmediate(() => this.cleanup(name));
      return;
    }
    if (!namesAccepted(crd) || !isEstablished(crd)) {
      setImmediate(() => this.establish(name));
      if (!isEstablished(crd)) return;
    }
    const next = customTypes(crd);
    for (const t of old) if (!next.some((n) => n.version === t.version)) this.registry.remove(t);
    for (const t of next) this.registry.add(t);
    this.served.set(name, next);
  }

  /**
   * The naming controller's step (accept the names; Established stays False "Installing" until
   * the next step), then the establishing controller's (Established True). Each write comes
   * back through sync, which schedules the next step or starts serving.
   */
  private establish(name: string): void {
    const crdType = this.registry.lookup('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!;
    const crd = this.core.tryGet(crdType, undefined, name);
    if (!crd || crd.metadata.deletionTimestamp) return;
    if (namesAccepted(crd) && isEstablished(crd)) return;
    const now = nowTimestamp();
    this.core.mutate(
      crdType,
      undefined,
      name,
      (cur) => {
        const status = (cur.status ?? {}) as { conditions?: Condition[] | null; acceptedNames?: unknown };
        const conditions = [...(status.conditions ?? [])];
        if (!namesAccepted(cur)) {
          status.acceptedNames = acceptedNames(cur);
          setCondition(conditions, { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' }, now);
          if (!isEstablished(cur))
            setCondition(conditions, { type: 'Established', status: 'False', reason: 'Installing', message: 'the initial names have been accepted' }, now);
        } else {
          setCondition(
            conditions,
            { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
            now,
          );
        }
        cur.status = { ...status, conditions };
        return cur;
      },
      { fieldManager: 'kube-apiserver' },
      'status',
      'update',
    );
  }

  /** Deletes every custom resource of a CRD being deleted, then lets the CRD go. */
  private cleanup(name: string): void {
    const crdType = this.registry.lookup('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!;
    const crd = this.core.tryGet(crdType, undefined, name);
    if (!crd || !crd.metadata.finalizers?.includes(CLEANUP_FINALIZER)) return;
    const types = this.served.get(name) ?? customTypes(crd);
    const t = types[0];
    if (t) {
      for (const o of this.core.store.list(storageKey(t))) {
        if (!o.metadata.deletionTimestamp) this.core.delete(t, o.metadata.namespace, o.metadata.name!, {});
      }
      if (this.core.store.count(storageKey(t)) > 0) {
        setTimeout(() => this.cleanup(name), 100);
        return;
      }
    }
    this.core.mutate(crdType, undefined, name, (cur) => {
      cur.metadata.finalizers = (cur.metadata.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER);
      return cur;
    });
  }
}

function defaultCrd(crd: KubeObject): void {
  const spec = specOf(crd);
  if (!spec.names) return;
  spec.names.singular ??= spec.names.kind?.toLowerCase();
  spec.names.listKind ??= `${spec.names.kind}List`;
  for (const v of spec.versions ?? []) {
    if (v.schema?.openAPIV3Schema) applyDefaults(v.schema.openAPIV3Schema, undefined);
  }
  (crd.spec as Record<string, unknown>).conversion ??= { strategy: 'None' };
}

function validateCrd(crd: KubeObject, old: KubeObject | undefined): Cause[] {
  const causes: Cause[] = [];
  const spec = specOf(crd);
  if (!spec.group) causes.push(fieldRequired('spec.group', ''));
  else if (!spec.group.includes('.')) causes.push(fieldInvalid('spec.group', spec.group, 'should be a domain with at least one dot'));
  if (!spec.names?.plural) causes.push(fieldRequired('spec.names.plural', ''));
  if (!spec.names?.kind) causes.push(fieldRequired('spec.names.kind', ''));
  if (spec.names?.plural)
    for (const msg of isDns1123Subdomain(spec.names.plural).slice(0, 1)) causes.push(fieldInvalid('spec.names.plural', spec.names.plural, msg));
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster')
    causes.push({
      reason: 'FieldValueNotSupported',
      field: 'spec.scope',
      message: `Unsupported value: ${JSON.stringify(spec.scope ?? '')}: supported values: "Cluster", "Namespaced"`,
    });
  if (spec.group && spec.names?.plural && crd.metadata.name !== `${spec.names.plural}.${spec.group}`)
    causes.push(fieldInvalid('metadata.name', crd.metadata.name, 'must be spec.names.plural+"."+spec.group'));
  const versions = spec.versions ?? [];
  if (!versions.length) causes.push(fieldInvalid('spec.versions', versions, 'must have exactly one version marked as storage version'));
  else if (versions.filter((v) => v.storage).length !== 1)
    causes.push(fieldInvalid('spec.versions', versions, 'must have exactly one version marked as storage version'));
  versions.forEach((v, i) => {
    if (!v.schema?.openAPIV3Schema) causes.push(fieldRequired(`spec.versions[${i}].schema.openAPIV3Schema`, 'schemas are required'));
  });
  if (old && specOf(old).scope !== spec.scope) causes.push(fieldInvalid('spec.scope', spec.scope, 'field is immutable'));
  return causes;
}

interface Condition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

const conditionOf = (crd: KubeObject, type: string) =>
  ((crd.status as { conditions?: Condition[] | null } | undefined)?.conditions ?? []).find((c) => c.type === type);
const isEstablished = (crd: KubeObject) => conditionOf(crd, 'Established')?.status === 'True';
const namesAccepted = (crd: KubeObject) =>
  conditionOf(crd, 'NamesAccepted')?.status === 'True' && sameObject((crd.status as { acceptedNames?: unknown }).acceptedNames, acceptedNames(crd));

/** The names as the naming controller accepts them (in the API's field order). */
function acceptedNames(crd: KubeObject): Record<string, unknown> {
  const n = specOf(crd).names;
  const out: Record<string, unknown> = { plural: n.plural };
  if (n.singular) out.singular = n.singular;
  if (n.shortNames?.length) out.shortNames = n.shortNames;
  out.kind = n.kind;
  if (n.listKind) out.listKind = n.listKind;
  if (n.categories?.length) out.categories = n.categories;
  return out;
}

/** Replaces or appends a condition; its transition time changes only with its status. */
function setCondition(conditions: Condition[], next: Condition, now: string): void {
  const i = conditions.findIndex((c) => c.type === next.type);
  const since = i >= 0 && conditions[i].status === next.status ? conditions[i].lastTransitionTime : now;
  const c = { type: next.type, status: next.status, lastTransitionTime: since, reason: next.reason, message: next.message };
  if (i >= 0) conditions[i] = c;
  else conditions.push(c);
}

/** Every version ever used for storage stays listed until an admin removes it. */
function storedVersions(crd: KubeObject, old: KubeObject | undefined): string[] {
  const storage = (specOf(crd).versions ?? []).find((v) => v.storage)?.name;
  const before = (old?.status as { storedVersions?: string[] } | undefined)?.storedVersions ?? [];
  return [...new Set([...before, ...(storage ? [storage] : [])])];
}

/** The served versions of a CRD as resource types (preferred version first is decided by the registry). */
export function customTypes(crd: KubeObject): ResourceType[] {
  const spec = specOf(crd);
  return (spec.versions ?? [])
    .filter((v) => v.served)
    .map((v) => {
      const schema = v.schema?.openAPIV3Schema;
      const subresources: Subresource[] = [];
      if (v.subresources?.scale)
        subresources.push({ name: 'scale', kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] });
      if (v.subresources?.status) subresources.push({ name: 'status', verbs: ['get', 'patch', 'update'] });
      const t: ResourceType = {
        group: spec.group,
        version: v.name,
        resource: spec.names.plural,
        kind: spec.names.kind,
        listKind: spec.names.listKind ?? `${spec.names.kind}List`,
        singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
        shortNames: spec.names.shortNames ?? [],
        categories: spec.names.categories ?? [],
        namespaced: spec.scope !== 'Cluster',
        verbs: STANDARD_VERBS,
        subresources,
        custom: true,
        scale: v.subresources?.scale,
        columns: printerColumns(v),
        schema,
        hooks: {
          // Unknown fields are pruned before defaulting (and before managedFields are recorded).
          defaults: (obj, ctx) => {
            if (schema) reportUnknownFields(obj, prune(obj, schema, '', true), ctx);
            applyDefaults(obj, schema);
          },
          validate: (obj, _old, ctx) => [...validateCustom(obj, schema, ctx), ...validateScale(obj, v.subresources?.scale, ctx.subresource === 'status')],
        },
      };
      return t;
    });
}

function validateCustom(obj: KubeObject, schema: Schema | undefined, ctx: WriteContext): Cause[] {
  if (!schema) return [];
  reportUnknownFields(obj, prune(obj, schema, '', true), ctx);
  const causes: Cause[] = [];
  validate(obj, schema, '', causes);
  return causes;
}

function printerColumns(v: CrdVersion): TableColumn[] {
  const cols = v.additionalPrinterColumns;
  if (!cols?.length) return [ageColumn];
  return cols.map((c) => ({
    name: c.name,
    type: c.type,
    format: c.format,
    // The API server describes undocumented columns by their path.
    description: c.description || `Custom resource definition column (in JSONPath format): ${c.jsonPath}`,
    priority: c.priority ?? 0,
    cell: (o: KubeObject) => {
      const value = readPath(o, c.jsonPath);
      // A missing value is a null cell, which kubectl prints as an empty one.
      if (value === undefined || value === null) return null;
      if (c.type === 'date' && typeof value === 'string') return humanDuration(Date.now() - Date.parse(value));
      if (typeof value === 'object') return JSON.stringify(value);
      return value;
    },
  }));
}
