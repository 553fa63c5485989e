/**
 * What a request asks for, read from its method, path and query the way Kubernetes'
 * RequestInfoFactory does (independently of which resources exist).
 */
import type { Attributes, UserInfo } from './types.js';

/** Namespace subresources: /api/v1/namespaces/x/status is the namespace's status, not a resource "status". */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

export function requestAttributes(user: UserInfo, method: string, url: URL): Attributes {
  const path = url.pathname;
  const attrs: Attributes = {
    user,
    verb: method.toLowerCase(),
    resourceRequest: false,
    path,
    apiGroup: '',
    apiVersion: '',
    resource: '',
    subresource: '',
    name: '',
    namespace: '',
  };
  let parts = path
    .split('/')
    .filter(Boolean)
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  if (parts.length < 3 || (parts[0] !== 'api' && parts[0] !== 'apis')) return attrs;
  if (parts[0] === 'apis') {
    if (parts.length < 4) return attrs;
    attrs.apiGroup = parts[1];
    parts = parts.slice(2);
  } else parts = parts.slice(1);
  attrs.resourceRequest = true;
  attrs.apiVersion = parts[0];
  parts = parts.slice(1);
  if ((parts[0] === 'watch' || parts[0] === 'proxy') && parts.length >= 2) {
    attrs.verb = parts[0];
    parts = parts.slice(1);
  } else {
    attrs.verb = { POST: 'create', GET: 'get', HEAD: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' }[method] ?? '';
  }
  if (parts[0] === 'namespaces') {
    if (parts.length > 1) {
      attrs.namespace = parts[1];
      if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2])) parts = parts.slice(2);
    }
  }
  if (parts.length >= 3 && attrs.verb !== 'proxy') attrs.subresource = parts[2];
  if (parts.length >= 2) attrs.name = parts[1];
  if (parts.length >= 1) attrs.resource = parts[0];
  if (!attrs.name && attrs.verb === 'get') {
    attrs.verb = isTrue(url.searchParams.get('watch')) ? 'watch' : 'list';
    const name = exactName(url.searchParams.get('fieldSelector'));
    if (name) attrs.name = name;
  } else if (!attrs.name && attrs.verb === 'watch') {
    const name = exactName(url.searchParams.get('fieldSelector'));
    if (name) attrs.name = name;
  }
  if (!attrs.name && attrs.verb === 'delete') attrs.verb = 'deletecollection';
  return attrs;
}

/** Go's strconv.ParseBool truth values. */
function isTrue(v: string | null): boolean {
  return v !== null && ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v);
}

/** `metadata.name=x` (or `==`) in a field selector: list and watch of one named object. */
function exactName(selector: string | null): string | undefined {
  if (!selector) return undefined;
  for (const term of selector.split(',')) {
    const m = /^\s*metadata\.name\s*(==|=)\s*(.*?)\s*$/.exec(term);
    if (m && m[2] && m[2] !== '.' && m[2] !== '..' && !/[/%]/.test(m[2])) return m[2];
  }
  return undefined;
}
