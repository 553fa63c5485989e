/** Who is asking and what they ask for: the shapes authentication and authorisation share. */

/** An authenticated (or anonymous) identity, as Kubernetes' user.Info. */
export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** What a request wants to do, as Kubernetes' authorizer.Attributes. */
export interface Attributes {
  user: UserInfo;
  verb: string;
  /** True for /api/... and /apis/... resource paths; false for everything else (then `path` counts). */
  resourceRequest: boolean;
  path: string;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  name: string;
  namespace: string;
}

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Subject {
  kind: string;
  name: string;
  namespace?: string;
  apiGroup?: string;
}

export interface RoleRef {
  kind: string;
  name: string;
  apiGroup?: string;
}

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** The groups Kubernetes gives identities on its own. */
export const GROUPS = {
  masters: 'system:masters',
  authenticated: 'system:authenticated',
  unauthenticated: 'system:unauthenticated',
  serviceAccounts: 'system:serviceaccounts',
} as const;

export const ANONYMOUS: UserInfo = { username: 'system:anonymous', groups: [GROUPS.unauthenticated] };

export const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

/** "system:serviceaccount:ns:name" → {namespace, name}; undefined for other user names. */
export function serviceAccountOf(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SERVICE_ACCOUNT_PREFIX)) return undefined;
  const parts = username.slice(SERVICE_ACCOUNT_PREFIX.length).split(':');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { namespace: parts[0], name: parts[1] };
}

export function serviceAccountUser(namespace: string, name: string, uid?: string, extra?: Record<string, string[]>): UserInfo {
  return {
    username: `${SERVICE_ACCOUNT_PREFIX}${namespace}:${name}`,
    ...(uid ? { uid } : {}),
    groups: [GROUPS.serviceAccounts, `${GROUPS.serviceAccounts}:${namespace}`, GROUPS.authenticated],
    ...(extra ? { extra } : {}),
  };
}
