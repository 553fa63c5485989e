/** Patch dispatch by Content-Type, on top of the patch toolkit in src/k8s/patch and src/k8s/ssa. */
import type { KubeObject } from '../../k8s/object.js';
import { applyJsonPatch } from '../../k8s/patch/json-patch.js';
import { applyMergePatch } from '../../k8s/patch/merge-patch.js';
import { applyStrategicMergePatch } from '../../k8s/patch/strategic.js';
import { goJsonType, PatchError } from '../../k8s/patch/errors.js';
import { yamlToJson, YamlDecodeError } from '../../k8s/yaml-decode.js';
import { ApiError, badRequest, goJsonError, unsupportedMediaType } from './errors.js';
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
  // Built-in kinds' patch types are filtered by the HTTP router, which answers in its own
  // words; custom resources answer like a body decoder.
  if (!allowed.includes(contentType))
    throw t.custom ? unsupportedMediaType(allowed) : new ApiError(415, 'UnsupportedMediaType', '415: Unsupported Media Type', {});
  return (['json', 'merge', 'strategic', 'apply'] as const)[PATCH_TYPES.indexOf(contentType)];
}

/** Parses a patch body: JSON for the three patch types, YAML (a JSON superset) for apply. */
export function parsePatchBody(kind: PatchKind, raw: Uint8Array | string): unknown {
  if (kind === 'apply') return parseApplyBody(raw);
  const text = typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw badRequest(`error decoding patch: ${goJsonError(text, e as Error)}`);
  }
  // A JSON patch is decoded as a list of operations, the others as a map (Go's wording).
  if (kind === 'json' && !Array.isArray(body)) throw badRequest(`json: cannot unmarshal ${goJsonType(body)} into Go value of type jsonpatch.Patch`);
  if (kind !== 'json' && (body === null || typeof body !== 'object' || Array.isArray(body)))
    throw badRequest(`error decoding patch: json: cannot unmarshal ${goJsonType(body)} into Go value of type map[string]interface {}`);
  return body;
}

/** An apply patch goes YAML -> JSON (go-yaml's errors) -> a map (an empty body is an empty map). */
function parseApplyBody(raw: Uint8Array | string): unknown {
  let body: unknown;
  try {
    body = yamlToJson(raw) ?? {};
  } catch (e) {
    if (e instanceof YamlDecodeError) throw badRequest(`error decoding YAML: error converting YAML to JSON: ${e.message}`);
    throw e;
  }
  if (typeof body !== 'object' || Array.isArray(body))
    throw badRequest(
      `error decoding YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${goJsonType(body)} into Go value of type map[string]interface {}`,
    );
  return body;
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
  // Patches that do not apply are answered with a generic server response, which has empty details.
  if (e instanceof PatchError) return new ApiError(e.code, e.reason, e.message, e.code === 422 ? {} : undefined);
  return e;
}
