/** The error every patch function throws: an HTTP code and reason as the API server answers them. */
export class PatchError extends Error {
  override name = 'PatchError';
  constructor(
    message: string,
    /** HTTP status the API server answers with: 400 (undecodable patch), 422 (patch does not apply), 409, 413, 415. */
    readonly code: number = 422,
    /** Kubernetes Status reason: BadRequest, Invalid, Conflict, RequestEntityTooLarge, UnsupportedMediaType. */
    readonly reason: string = code === 400 ? 'BadRequest' : code === 409 ? 'Conflict' : 'Invalid',
    /** The underlying library text when the API server hides it behind a generic message. */
    readonly detail?: string,
  ) {
    super(message);
  }
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Copy of a JSON value (much faster than structuredClone for plain data). */
export function deepClone<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(deepClone) as T;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = deepClone((v as Record<string, unknown>)[k]);
  return out as T;
}

/** JSON equality (object key order ignored): one implementation for patches, apply and the API server. */
export { sameJson as deepEqual } from '../object.js';

/** Go's encoding/json names for a JSON value's type, used in decode errors. */
export function goJsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v === 'boolean' ? 'bool' : typeof v;
}
