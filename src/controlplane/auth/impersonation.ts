/**
 * Impersonation headers (Impersonate-User, -Group, -Uid, -Extra-*): each thing asked for is
 * authorised with the `impersonate` verb for the real user, then the request runs as the
 * impersonated identity, built as Kubernetes builds it.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { ApiError } from '../apiserver/errors.js';
import type { Authorizer } from './rbac.js';
import { forbiddenError } from './messages.js';
import { GROUPS, serviceAccountOf, type Attributes, type UserInfo } from './types.js';

const EXTRA_PREFIX = 'impersonate-extra-';

export function wantsImpersonation(headers: IncomingHttpHeaders): boolean {
  return Object.keys(headers).some((h) => h === 'impersonate-user' || h === 'impersonate-group' || h === 'impersonate-uid' || h.startsWith(EXTRA_PREFIX));
}

/** The identity a request impersonates; throws 403 (not allowed) or 500 (groups without a user), as Kubernetes does. */
export function impersonate(
  requestor: UserInfo,
  headers: IncomingHttpHeaders,
  distinct: Record<string, string[] | undefined>,
  authorizer: Authorizer,
): UserInfo {
  const username = first(distinct['impersonate-user']);
  const groupsAsked = distinct['impersonate-group'] ?? [];
  const uid = first(distinct['impersonate-uid']);
  const extraAsked: [string, string][] = [];
  for (const h of Object.keys(headers))
    if (h.startsWith(EXTRA_PREFIX)) for (const v of distinct[h] ?? []) extraAsked.push([unescapeKey(h.slice(EXTRA_PREFIX.length)), v]);
  if (username === undefined) {
    const asked = [...groupsAsked.map((g) => `{Kind:Group Name:${g}}`), ...extraAsked.map(([k, v]) => `{Kind:UserExtra Name:${v} FieldPath:${k}}`)];
    if (uid !== undefined) asked.push(`{Kind:UID Name:${uid}}`);
    throw new ApiError(500, 'InternalError', `Internal error occurred: requested [${asked.join(' ')}] without impersonating a user`);
  }
  const check = (a: Partial<Attributes>) => {
    const attrs: Attributes = {
      user: requestor,
      verb: 'impersonate',
      resourceRequest: true,
      path: '',
      apiGroup: '',
      apiVersion: 'v1',
      resource: '',
      subresource: '',
      name: '',
      namespace: '',
      ...a,
    };
    const d = authorizer.authorize(attrs);
    if (!d.allowed) throw forbiddenError(attrs, d.reason);
  };
  let groups: string[] = [];
  const sa = serviceAccountOf(username);
  if (sa) {
    check({ resource: 'serviceaccounts', namespace: sa.namespace, name: sa.name });
    if (!groupsAsked.length) groups = [GROUPS.serviceAccounts, `${GROUPS.serviceAccounts}:${sa.namespace}`];
  } else check({ resource: 'users', name: username });
  for (const g of groupsAsked) {
    check({ resource: 'groups', name: g });
    groups.push(g);
  }
  const extra: Record<string, string[]> = {};
  for (const [k, v] of extraAsked) {
    check({ apiGroup: 'authentication.k8s.io', resource: 'userextras', subresource: k, name: v });
    (extra[k] ??= []).push(v);
  }
  if (uid !== undefined) check({ apiGroup: 'authentication.k8s.io', resource: 'uids', name: uid });
  if (username !== 'system:anonymous') {
    if (!groups.includes(GROUPS.authenticated) && !groups.includes(GROUPS.unauthenticated)) groups.push(GROUPS.authenticated);
  } else if (!groups.includes(GROUPS.unauthenticated)) groups.push(GROUPS.unauthenticated);
  return { username, ...(uid ? { uid } : {}), groups, ...(Object.keys(extra).length ? { extra } : {}) };
}

function first(v: string[] | undefined): string | undefined {
  return v && v.length ? v[0] : undefined;
}

function unescapeKey(k: string): string {
  try {
    return decodeURIComponent(k);
  } catch {
    return k;
  }
}
