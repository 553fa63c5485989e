/** Kubernetes-shaped API errors: every failure leaves the server as a `Status` object. */
import type { Status } from '../../k8s/object.js';

export interface Cause {
  reason: string;
  message: string;
  field?: string;
}

export class ApiError extends Error {
  readonly status: Status;
  constructor(code: number, reason: string, message: string, details?: Status['details']) {
    super(message);
    this.status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      ...(reason ? { reason } : {}),
      ...(details ? { details } : {}),
      code,
    };
  }
  get code(): number {
    return this.status.code;
  }
}

/** What an error message names: `pods` or `deployments.apps`, plus the kind for Invalid. */
export interface Named {
  group: string;
  resource: string;
  kind: string;
}

export function qualified(t: Named): string {
  return t.group ? `${t.resource}.${t.group}` : t.resource;
}

function details(t: Named, name: string): Status['details'] {
  return { name, ...(t.group ? { group: t.group } : {}), kind: t.resource };
}

export const notFound = (t: Named, name: string) => new ApiError(404, 'NotFound', `${qualified(t)} "${name}" not found`, details(t, name));

export const alreadyExists = (t: Named, name: string) => new ApiError(409, 'AlreadyExists', `${qualified(t)} "${name}" already exists`, details(t, name));

export const conflict = (t: Named, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again') =>
  new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(t)} "${name}": ${why}`, details(t, name));

export function invalid(t: Named, name: string, causes: Cause[]): ApiError {
  // The message lists each distinct cause once (ErrorList.ToAggregate); details keep every cause.
  const text = [...new Set(causes.map((c) => `${c.field ? `${c.field}: ` : ''}${c.message}`))];
  const list = text.length === 1 ? text[0] : `[${text.join(', ')}]`;
  return new ApiError(422, 'Invalid', `${t.kind}${t.group ? `.${t.group}` : ''} "${name}" is invalid: ${list}`, {
    ...(name ? { name } : {}),
    ...(t.group ? { group: t.group } : {}),
    ...(t.kind ? { kind: t.kind } : {}),
    causes: causes.map((c) => ({ reason: c.reason, message: c.message, ...(c.field ? { field: c.field } : {}) })),
  });
}

export const badRequest = (message: string) => new ApiError(400, 'BadRequest', message);
export const forbidden = (message: string, d?: Status['details']) => new ApiError(403, 'Forbidden', message, d);
export const gone = (message: string) => new ApiError(410, 'Expired', message);
export const unauthorized = () => new ApiError(401, 'Unauthorized', 'Unauthorized');
export const pathNotFound = () => new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
export const methodNotAllowed = (t: Named) =>
  new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {
    ...(t.group ? { group: t.group } : {}),
  });
export const tooLarge = (limit: number) => new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);
export const unsupportedMediaType = (accepted: string[]) =>
  new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`);
export const internal = (message: string) => new ApiError(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });

/** Field-error helpers worded as apimachinery's field.Error. */
export const fieldRequired = (field: string, detail: string): Cause => ({
  reason: 'FieldValueRequired',
  field,
  message: `Required value${detail ? `: ${detail}` : ''}`,
});
export const fieldInvalid = (field: string, value: unknown, detail: string): Cause => ({
  reason: 'FieldValueInvalid',
  field,
  message: `Invalid value: ${goValue(value)}: ${detail}`,
});
export const fieldForbidden = (field: string, detail: string): Cause => ({ reason: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` });
export const fieldNotSupported = (field: string, value: unknown, allowed: unknown[]): Cause => ({
  reason: 'FieldValueNotSupported',
  field,
  message: `Unsupported value: ${goValue(value)}: supported values: ${allowed.map((a) => goValue(a)).join(', ')}`,
});
export const fieldTypeInvalid = (field: string, value: unknown, detail: string): Cause => ({
  reason: 'FieldValueTypeInvalid',
  field,
  message: `Invalid value: ${goValue(value)}: ${detail}`,
});

/** Values printed as Go's %#v does for the simple JSON types. */
export function goValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'object') return Array.isArray(v) ? '[]interface {}{...}' : 'map[string]interface {}{...}';
  return String(v);
}

/**
 * What fieldValidation does with unknown fields: Strict fails the write (400 on create and
 * update, 422 on patch), Warn (the default) adds Warning headers, Ignore drops them silently.
 */
export function reportUnknownFields(
  obj: { kind?: unknown; apiVersion?: unknown; metadata?: { name?: string } },
  unknown: string[],
  ctx: { fieldValidation?: string; warnings?: string[]; operation: string },
): void {
  if (!unknown.length) return;
  const what = unknown.map((u) => `unknown field "${u}"`).join(', ');
  if (ctx.fieldValidation === 'Strict') {
    const kind = String(obj.kind);
    const version = String(obj.apiVersion).split('/').pop();
    if (ctx.operation === 'patch' || ctx.operation === 'apply') {
      const group = String(obj.apiVersion).includes('/') ? String(obj.apiVersion).split('/')[0] : '';
      throw invalid({ group, resource: '', kind }, obj.metadata?.name ?? '', [
        { reason: 'FieldValueInvalid', field: 'patch', message: `Invalid value: "strict decoding error": ${what}` },
      ]);
    }
    throw badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: strict decoding error: ${what}`);
  }
  if (ctx.fieldValidation !== 'Ignore') for (const u of unknown) ctx.warnings?.push(`unknown field "${u}"`);
}

/** Go's wording of the JSON syntax errors clients commonly make; the parser's own text otherwise. */
export function goJsonError(text: string, e: Error): string {
  const trimmed = text.trim();
  if (!trimmed || /end of JSON input/.test(e.message)) return 'unexpected end of JSON input';
  const first = trimmed[0];
  if (!/[[{"\-0-9tfn]/.test(first)) return `invalid character '${first}' looking for beginning of value`;
  return e.message;
}
