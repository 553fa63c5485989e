/** Denials worded as Kubernetes' authorization filter words them. */
import type { ApiError } from '../apiserver/errors.js';
import { forbidden } from '../apiserver/errors.js';
import type { Attributes } from './types.js';

export function forbiddenMessage(a: Attributes): string {
  const who = JSON.stringify(a.user.username);
  if (!a.resourceRequest) return `User ${who} cannot ${a.verb} path ${JSON.stringify(a.path)}`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace ? `in the namespace ${JSON.stringify(a.namespace)}` : 'at the cluster scope';
  return `User ${who} cannot ${a.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(a.apiGroup)} ${scope}`;
}

/** 403 Forbidden for a request the authorizer did not allow; `reason` is appended as Kubernetes does. */
export function forbiddenError(a: Attributes, reason: string): ApiError {
  const text = reason ? `${forbiddenMessage(a)}: ${reason}` : forbiddenMessage(a);
  if (!a.resourceRequest || !a.resource) return forbidden(`forbidden: ${text}`, {});
  const qualified = a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource;
  const message = a.name ? `${qualified} ${JSON.stringify(a.name)} is forbidden: ${text}` : `${qualified} is forbidden: ${text}`;
  return forbidden(message, { ...(a.name ? { name: a.name } : {}), ...(a.apiGroup ? { group: a.apiGroup } : {}), kind: a.resource });
}
