/**
 * The review kinds, answered and never stored: SubjectAccessReview, LocalSubjectAccessReview,
 * SelfSubjectAccessReview, SelfSubjectRulesReview, SelfSubjectReview, TokenReview.
 */
import type { KubeObject } from '../../k8s/object.js';
import { badRequest, invalid, type Cause } from '../apiserver/errors.js';
import type { Authenticator } from './authn.js';
import type { Authorizer } from './rbac.js';
import { aggregateErrors } from './rbac.js';
import type { Attributes, UserInfo } from './types.js';

interface ResourceAttributes {
  namespace?: string;
  verb?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

interface AccessSpec {
  resourceAttributes?: ResourceAttributes;
  nonResourceAttributes?: { path?: string; verb?: string };
  user?: string;
  groups?: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

export const REVIEW_KINDS: { group: string; resource: string; kind: string; namespaced: boolean }[] = [
  { group: 'authorization.k8s.io', resource: 'subjectaccessreviews', kind: 'SubjectAccessReview', namespaced: false },
  { group: 'authorization.k8s.io', resource: 'localsubjectaccessreviews', kind: 'LocalSubjectAccessReview', namespaced: true },
  { group: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews', kind: 'SelfSubjectAccessReview', namespaced: false },
  { group: 'authorization.k8s.io', resource: 'selfsubjectrulesreviews', kind: 'SelfSubjectRulesReview', namespaced: false },
  { group: 'authentication.k8s.io', resource: 'selfsubjectreviews', kind: 'SelfSubjectReview', namespaced: false },
  { group: 'authentication.k8s.io', resource: 'tokenreviews', kind: 'TokenReview', namespaced: false },
];

function attributesOf(user: UserInfo, spec: AccessSpec): Attributes {
  const r = spec.resourceAttributes;
  if (r)
    return {
      user,
      verb: r.verb ?? '',
      resourceRequest: true,
      path: '',
      apiGroup: r.group ?? '',
      apiVersion: r.version ?? '',
      resource: r.resource ?? '',
      subresource: r.subresource ?? '',
      name: r.name ?? '',
      namespace: r.namespace ?? '',
    };
  const n = spec.nonResourceAttributes ?? {};
  return {
    user,
    verb: n.verb ?? '',
    resourceRequest: false,
    path: n.path ?? '',
    apiGroup: '',
    apiVersion: '',
    resource: '',
    subresource: '',
    name: '',
    namespace: '',
  };
}

function validateAccessSpec(spec: AccessSpec): Cause[] {
  if (spec.resourceAttributes && spec.nonResourceAttributes)
    return [
      {
        reason: 'FieldValueInvalid',
        field: 'spec.nonResourceAttributes',
        message: 'Invalid value: "": cannot be specified in combination with resourceAttributes',
      },
    ];
  if (!spec.resourceAttributes && !spec.nonResourceAttributes)
    return [
      {
        reason: 'FieldValueRequired',
        field: 'spec.resourceAttributes',
        message: 'Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified',
      },
    ];
  return [];
}

export class Reviews {
  constructor(
    private readonly authorizer: Authorizer,
    private readonly authenticator: Authenticator | undefined,
  ) {}

  /** The answered review, or undefined when `kind` is not a review kind. */
  answer(group: string, kind: string, namespace: string | undefined, body: KubeObject, user: UserInfo): KubeObject | undefined {
    const info = REVIEW_KINDS.find((r) => r.group === group && r.kind === kind);
    if (!info) return undefined;
    const spec = ((body.spec ?? {}) as AccessSpec & Record<string, unknown>) || {};
    const named = { group, resource: info.resource, kind };
    // The access reviews and TokenReview answer with the submitted object (metadata and spec) and a status.
    // (A cluster-scoped kind's answer carries no namespace.)
    const submitted = { creationTimestamp: null, ...(body.metadata ?? {}) } as Record<string, unknown>;
    if (!info.namespaced) delete submitted.namespace;
    const out = (status: Record<string, unknown>, extraMeta: Record<string, unknown> = {}) =>
      ({
        kind,
        apiVersion: `${group}/v1`,
        metadata: { ...submitted, ...extraMeta },
        spec: body.spec ?? {},
        status,
      }) as unknown as KubeObject;
    switch (kind) {
      case 'SelfSubjectAccessReview':
      case 'SubjectAccessReview':
      case 'LocalSubjectAccessReview': {
        const causes = validateAccessSpec(spec);
        let subject = user;
        if (kind !== 'SelfSubjectAccessReview') {
          if (!spec.user && !spec.groups?.length)
            causes.push({ reason: 'FieldValueInvalid', field: 'spec.user', message: 'Invalid value: "": at least one of user or group must be specified' });
          subject = {
            username: spec.user ?? '',
            groups: spec.groups ?? [],
            ...(spec.uid ? { uid: spec.uid } : {}),
            ...(spec.extra ? { extra: spec.extra } : {}),
          };
        }
        if (kind === 'LocalSubjectAccessReview') {
          if (spec.nonResourceAttributes)
            causes.push({ reason: 'FieldValueInvalid', field: 'spec.nonResourceAttributes', message: 'Invalid value: "": disallowed on this kind of request' });
          const ns = spec.resourceAttributes?.namespace ?? '';
          if (spec.resourceAttributes && ns && ns !== namespace)
            causes.push({
              reason: 'FieldValueInvalid',
              field: 'spec.resourceAttributes.namespace',
              message: `Invalid value: ${JSON.stringify(ns)}: must match metadata.namespace`,
            });
          if (spec.resourceAttributes) spec.resourceAttributes.namespace = namespace;
        }
        if (causes.length) throw invalid(named, body.metadata?.name ?? '', causes);
        const d = this.authorizer.authorize(attributesOf(subject, spec));
        const meta = kind === 'LocalSubjectAccessReview' ? { namespace } : {};
        return out({ allowed: d.allowed, ...(d.reason ? { reason: d.reason } : {}) }, meta);
      }
      case 'SelfSubjectRulesReview': {
        const ns = typeof spec.namespace === 'string' ? spec.namespace : '';
        if (!ns) throw badRequest('no namespace on request');
        const { rules, errors } = this.authorizer.rulesFor(user, ns);
        const resourceRules = rules
          .filter((r) => r.resources?.length)
          .map((r) => ({
            verbs: r.verbs,
            ...(r.apiGroups ? { apiGroups: r.apiGroups } : {}),
            resources: r.resources,
            ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}),
          }));
        const nonResourceRules = rules.filter((r) => r.nonResourceURLs?.length).map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs }));
        // A fresh object: neither the submitted metadata nor spec.namespace is echoed.
        const status = { resourceRules, nonResourceRules, incomplete: false, ...(errors.length ? { evaluationError: aggregateErrors(errors) } : {}) };
        return { kind, apiVersion: `${group}/v1`, metadata: { creationTimestamp: null }, spec: {}, status } as unknown as KubeObject;
      }
      case 'SelfSubjectReview':
        return { kind, apiVersion: `${group}/v1`, metadata: { creationTimestamp: null }, status: { userInfo: userInfoJson(user) } } as unknown as KubeObject;
      case 'TokenReview': {
        const token = typeof spec.token === 'string' ? spec.token : '';
        const audiences = Array.isArray(spec.audiences) && spec.audiences.length ? (spec.audiences as string[]) : undefined;
        const who = token ? this.authenticator?.authenticateToken(token, audiences) : undefined;
        if (!who) return out({ user: {}, error: token ? 'invalid bearer token' : 'token missing' });
        return out({ authenticated: true, user: userInfoJson(who), audiences: audiences ?? ['https://kubernetes.default.svc.cluster.local'] });
      }
    }
    return undefined;
  }
}

export function userInfoJson(u: UserInfo): Record<string, unknown> {
  return { username: u.username, ...(u.uid ? { uid: u.uid } : {}), groups: u.groups, ...(u.extra ? { extra: u.extra } : {}) };
}
