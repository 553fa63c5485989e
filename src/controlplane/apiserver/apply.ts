/** Server-side apply on top of src/k8s/ssa.ts, mapping its errors to API errors. */
import type { KubeObject } from '../../k8s/object.js';
import { asApiError } from './patching.js';
import { ApiError } from './errors.js';
import type { ResourceType } from './registry.js';

type Ssa = (live: unknown, applied: unknown, opts: { manager: string; force: boolean; gvk: { group: string; version: string; kind: string } }) => unknown;
let ssa: Ssa | undefined;

/** Loads src/k8s/ssa.ts (kept lazy while that module is being written). */
export async function loadApplySupport(): Promise<void> {
  const path = '../../k8s/ssa.js';
  try {
    ssa = ((await import(path)) as { serverSideApply: Ssa }).serverSideApply;
  } catch {
    ssa = undefined;
  }
}

export function serverSideApply(t: ResourceType, live: KubeObject | undefined, applied: KubeObject, manager: string, force: boolean): { object: KubeObject } {
  if (!ssa) throw new ApiError(500, 'InternalError', 'server-side apply is not available in this build');
  try {
    const result = ssa(live as never, applied as never, { manager, force, gvk: { group: t.group, version: t.version, kind: t.kind } }) as unknown as { object: KubeObject; managedFields?: unknown[] };
    const object = result.object;
    if (result.managedFields) object.metadata = { ...object.metadata, managedFields: result.managedFields };
    return { object };
  } catch (e) {
    const err = asApiError(e);
    if (err instanceof ApiError) throw err;
    const c = e as { code?: number; reason?: string; message?: string; causes?: unknown[] };
    if (typeof c.code === 'number' && typeof c.reason === 'string') throw new ApiError(c.code, c.reason, c.message ?? '', c.causes ? { causes: c.causes as never } : undefined);
    throw e;
  }
}
