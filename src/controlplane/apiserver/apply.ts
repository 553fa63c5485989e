/** Server-side apply and managedFields bookkeeping on top of src/k8s/ssa.ts. */
import type { KubeObject } from '../../k8s/object.js';
import { ConflictError, serverSideApply as ssa, updateManagedFields, type ListTypeInfo } from '../../k8s/ssa.js';
import { nowTimestamp } from './clock.js';
import { ApiError, badRequest } from './errors.js';
import { apiVersionOf, hasSubresource, type ResourceType } from './registry.js';
import type { Schema } from './structural.js';
import { goShape } from './builtin-fields.js';
import { deepFreeze } from '../storage/store.js';

/** Go value structs of built-in kinds the Go field table lacks (apiextensions is not in k8s.io/api). */
const VALUE_STRUCTS: Record<string, Set<string>> = {
  'apiextensions.k8s.io/CustomResourceDefinition': new Set(['spec', 'spec.names', 'status', 'status.acceptedNames']),
};

/** List and map semantics of a custom resource's fields, from its CRD schema. */
function listTypesOf(t: ResourceType): ((path: readonly string[]) => ListTypeInfo | undefined) | undefined {
  const structs = t.custom ? undefined : VALUE_STRUCTS[`${t.group}/${t.kind}`];
  if (structs) return (path) => (structs.has(path.join('.')) ? { valueStruct: true } : undefined);
  if (!t.custom || !t.schema) return undefined;
  const root = t.schema as Schema;
  return (path) => {
    let s: Schema | undefined = root;
    for (const p of path) {
      if (!s) return undefined;
      if (s.type === 'array') s = s.items;
      const next: Schema | undefined = s?.properties?.[p] ?? (typeof s?.additionalProperties === 'object' ? s.additionalProperties : undefined);
      s = next;
    }
    if (!s) return undefined;
    return {
      listType: s['x-kubernetes-list-type'] as ListTypeInfo['listType'],
      listMapKeys: s['x-kubernetes-list-map-keys'] as string[] | undefined,
      mapType: s['x-kubernetes-map-type'] as ListTypeInfo['mapType'],
    };
  };
}

export function serverSideApply(
  t: ResourceType,
  live: KubeObject | undefined,
  applied: KubeObject,
  manager: string,
  force: boolean,
  subresource?: string,
): KubeObject {
  checkAppliedType(t, applied);
  try {
    const result = ssa(live, applied, {
      manager,
      force,
      gvk: { apiVersion: apiVersionOf(t), kind: t.kind },
      listTypes: listTypesOf(t),
      time: nowTimestamp(),
      subresource,
      statusSubresource: hasSubresource(t, 'status'),
    });
    return { ...result.object, metadata: { ...result.object.metadata, managedFields: result.managedFields } };
  } catch (e) {
    if (e instanceof ConflictError) throw new ApiError(409, 'Conflict', e.message, { causes: e.causes });
    throw e;
  }
}

/**
 * The field manager's checks of an applied configuration's type: its apiVersion must be the
 * request's, it must not carry managedFields, and its kind must be the resource's (otherwise
 * structured-merge-diff cannot merge two values of different types: a plain 500).
 */
function checkAppliedType(t: ResourceType, applied: KubeObject): void {
  const apiVersion = apiVersionOf(t);
  const sent = typeof applied.apiVersion === 'string' ? applied.apiVersion : '';
  if (sent !== apiVersion) throw badRequest(`Incorrect version specified in apply patch. Specified patch version: ${sent}, expected: ${apiVersion}`);
  const meta = applied.metadata as Record<string, unknown> | undefined;
  if (meta && typeof meta === 'object' && meta.managedFields !== undefined && meta.managedFields !== null)
    throw badRequest('metadata.managedFields must be nil');
  if (applied.kind === t.kind) return;
  // Go prints the two schema.TypeRef values with %v: the named type's pointer, the empty
  // inlined atom and the element relationship override.
  const typeRef = (address: number) => `{0xc${address.toString(16).padStart(9, '0')} {<nil> <nil> <nil>} <nil>}`;
  throw new ApiError(500, '', `failed to merge config: expected objects of the same type, but got ${typeRef(0x12a4e0)} and ${typeRef(0x12a4c0)}`);
}

/** managedFields after an ordinary write by `manager` (create, update, patch). */
export function recordUpdate(t: ResourceType, old: KubeObject | undefined, updated: KubeObject, manager: string, subresource?: string): unknown[] {
  // Built-in objects are typed in Go: a create is compared with the kind's zero value, so zero
  // structs, empty strings and null times are nobody's, unless they sit in a struct the zero
  // value lacks (a replication controller's template carries its creationTimestamp: null).
  if (!t.custom && !old) old = zeroValue(t);
  return updateManagedFields(old, updated, manager, 'Update', {
    gvk: { apiVersion: apiVersionOf(t), kind: t.kind },
    listTypes: listTypesOf(t),
    time: nowTimestamp(),
    subresource,
    statusSubresource: hasSubresource(t, 'status'),
  });
}

/** Zero values by kind: built once, frozen, compared with on every create. */
const zeroValues = new WeakMap<ResourceType, KubeObject>();

/** The kind's Go zero value as JSON (nested value structs, null times). */
function zeroValue(t: ResourceType): KubeObject {
  let zero = zeroValues.get(t);
  if (!zero) {
    zero = { apiVersion: apiVersionOf(t), kind: t.kind, metadata: {} } as KubeObject;
    goShape(zero as unknown as Record<string, unknown>, apiVersionOf(t), t.kind);
    zeroValues.set(t, deepFreeze(zero));
  }
  return zero;
}
