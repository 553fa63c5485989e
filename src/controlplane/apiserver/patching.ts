/** Patch dispatch by Content-Type, on top of the patch toolkit in src/k8s/patch and src/k8s/ssa. */
import { parse as parseYaml } from 'yaml';
import type { KubeObject } from '../../k8s/object.js';
import { applyJsonPatch } from '../../k8s/patch/json-patch.js';
import { applyMergePatch } from '../../k8s/patch/merge-patch.js';
import { applyStrategicMergePatch } from '../../k8s/patch/strategic.js';
import { PatchError } from '../../k8s/patch/errors.js';
import { ApiError, badRequest, unsupportedMediaType } from './errors.js';
import { apiVersionOf, type ResourceType } from './registry.js';

export const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];
export const CUSTOM_PATCH_TYPES = PATCH_TYPES.filter((p) => p !== 'application/strategic-merge-patch+json');

export type PatchKind = 'json' | 'merge' | 'strategic' | 'apply';

export function patchKind(contentType: string, t: ResourceType): PatchKind {
  const allowed = t.custom ? CUSTOM_PATCH_TYPES : PATCH_TYPES;
  if (!allowed.includes(contentType)) throw unsupportedMediaType(allowed);
  return (['json', 'merge', 'strategic', 'apply'] as const)[PATCH_TYPES.indexOf(contentType)];
}

/** Parses a patch body: JSON for the three patch types, YAML (a JSON superset) for apply. */
export function parsePatchBody(kind: PatchKind, text: string): unknown {
  try {
    const body = kind === 'apply' ? parseYaml(text, { uniqueKeys: false }) : JSON.parse(text);
    if (kind === 'json' ? !Array.isArray(body) : body === null || typeof body !== 'object' || Array.isArray(body))
      throw new Error(kind === 'json' ? 'expected a JSON array of operations' : 'expected an object');
    return body;
  } catch (e) {
    throw badRequest(`error decoding patch: ${(e as Error).message}`);
  }
}

/** Applies a json, merge or strategic patch to `current`. */
export function applyPatch(kind: Exclude<PatchKind, 'apply'>, current: KubeObject, patch: unknown, t: ResourceType): KubeObject {
  try {
    if (kind === 'json') return applyJsonPatch(current, patch);
    if (kind === 'merge') return applyMergePatch(current, patch);
    return applyStrategicMergePatch(current, patch, { apiVersion: apiVersionOf(t), kind: t.kind });
  } catch (e) {
    throw asApiError(e);
  }
}

export function asApiError(e: unknown): unknown {
  if (e instanceof PatchError) return new ApiError(e.code, e.reason, e.message);
  return e;
}
