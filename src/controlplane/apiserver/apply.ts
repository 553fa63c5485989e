/** Server-side apply and managedFields bookkeeping on top of src/k8s/ssa.ts. */
import type { KubeObject } from '../../k8s/object.js';
import { ConflictError, serverSideApply as ssa, updateManagedFields, type ListTypeInfo } from '../../k8s/ssa.js';
import { nowTimestamp } from './clock.js';
import { ApiError } from './errors.js';
import { apiVersionOf, hasSubresource, type ResourceType } from './registry.js';
import type { Schema } from './structural.js';
import { goShape } from './builtin-fields.js';

/** List and map semantics of a custom resource's fields, from its CRD schema. */
function listTypesOf(t: ResourceType): ((path: readonly string[]) => ListTypeInfo | undefined) | undefined {
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

/** managedFields after an ordinary write by `manager` (create, update, patch). */
export function recordUpdate(t: ResourceType, old: KubeObject | undefined, updated: KubeObject, manager: string, subresource?: string): unknown[] {
  // Built-in objects are typed in Go: a create is compared with the kind's zero value (so zero
  // structs, empty strings and null times are nobody's), and a null is not a field anyone set.
  if (!t.custom) {
    old = old ? (withoutNulls(old) as KubeObject) : zeroValue(t);
    updated = withoutNulls(updated) as KubeObject;
  }
  return updateManagedFields(old, updated, manager, 'Update', {
    gvk: { apiVersion: apiVersionOf(t), kind: t.kind },
    listTypes: listTypesOf(t),
    time: nowTimestamp(),
    subresource,
    statusSubresource: hasSubresource(t, 'status'),
  });
}

/** The value without null members (copied only when it has some). */
function zeroValue(t: ResourceType): KubeObject {
  const zero = { apiVersion: apiVersionOf(t), kind: t.kind, metadata: {} } as KubeObject;
  goShape(zero as unknown as Record<string, unknown>, apiVersionOf(t), t.kind);
  return withoutNulls(zero) as KubeObject;
}

function withoutNulls(v: unknown): unknown {
  return hasNullMember(v) ? stripNulls(v) : v;
}

function stripNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripNulls);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = stripNulls(x);
  return out;
}

function hasNullMember(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.some(hasNullMember);
  for (const x of Object.values(v)) if (x === null || hasNullMember(x)) return true;
  return false;
}
