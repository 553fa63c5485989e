/**
 * What the RBAC kinds' REST storage does on writes in Kubernetes: defaulting, validation of
 * rules, role references and subjects, roleRef immutability, and escalation prevention
 * (a user may only grant what they hold, unless allowed to `escalate` roles or `bind` them).
 */
import type { KubeObject } from '../../k8s/object.js';
import { ApiError, forbidden, notFound, type Cause } from '../apiserver/errors.js';
import type { ResourceType } from '../apiserver/registry.js';
import { covers, escalationMessage, roleReferenceRules, rulesOf, type Authorizer, type PolicySource } from './rbac.js';
import { GROUPS, RBAC_GROUP, type PolicyRule, type RoleRef, type Subject, type UserInfo } from './types.js';

const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

const goStrings = (list: string[]) => `[]string{${list.map((s) => JSON.stringify(s)).join(', ')}}`;
const required = (field: string, detail = ''): Cause => ({ reason: 'FieldValueRequired', field, message: `Required value${detail ? `: ${detail}` : ''}` });
const notSupported = (field: string, value: string, allowed: string[]): Cause => ({
  reason: 'FieldValueNotSupported',
  field,
  message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${allowed.map((a) => JSON.stringify(a)).join(', ')}`,
});

export function validateRules(rules: unknown, namespaced: boolean): Cause[] {
  const causes: Cause[] = [];
  ((Array.isArray(rules) ? rules : []) as PolicyRule[]).forEach((r, i) => {
    const at = `rules[${i}]`;
    if (!r?.verbs?.length) causes.push(required(`${at}.verbs`, 'verbs must contain at least one value'));
    if (r?.nonResourceURLs?.length) {
      const urls = goStrings(r.nonResourceURLs);
      if (namespaced)
        causes.push({
          reason: 'FieldValueInvalid',
          field: `${at}.nonResourceURLs`,
          message: `Invalid value: ${urls}: namespaced rules cannot apply to non-resource URLs`,
        });
      if (r.apiGroups?.length || r.resources?.length || r.resourceNames?.length)
        causes.push({
          reason: 'FieldValueInvalid',
          field: `${at}.nonResourceURLs`,
          message: `Invalid value: ${urls}: rules cannot apply to both regular resources and non-resource URLs`,
        });
      return;
    }
    if (!r?.apiGroups?.length) causes.push(required(`${at}.apiGroups`, 'resource rules must supply at least one api group'));
    if (!r?.resources?.length) causes.push(required(`${at}.resources`, 'resource rules must supply at least one resource'));
  });
  return causes;
}

function validateBinding(o: KubeObject, namespaced: boolean): Cause[] {
  const causes: Cause[] = [];
  const ref = (o.roleRef ?? {}) as RoleRef;
  if (ref.apiGroup !== RBAC_GROUP) causes.push(notSupported('roleRef.apiGroup', ref.apiGroup ?? '', [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(ref.kind)) causes.push(notSupported('roleRef.kind', ref.kind ?? '', kinds));
  if (!ref.name) causes.push(required('roleRef.name'));
  else if (/[/%]/.test(ref.name) || ref.name === '.' || ref.name === '..')
    causes.push({ reason: 'FieldValueInvalid', field: 'roleRef.name', message: `Invalid value: ${JSON.stringify(ref.name)}: may not contain '/' or '%'` });
  ((o.subjects as Subject[] | null | undefined) ?? []).forEach((s, i) => {
    const at = `subjects[${i}]`;
    if (!s?.name) causes.push(required(`${at}.name`));
    switch (s?.kind) {
      case 'ServiceAccount':
        if (s.apiGroup) causes.push(notSupported(`${at}.apiGroup`, s.apiGroup, ['']));
        if (!namespaced && !s.namespace) causes.push(required(`${at}.namespace`));
        break;
      case 'User':
      case 'Group':
        if (s.apiGroup !== RBAC_GROUP) causes.push(notSupported(`${at}.apiGroup`, s.apiGroup ?? '', [RBAC_GROUP]));
        break;
      default:
        causes.push(notSupported(`${at}.kind`, s?.kind ?? '', ['ServiceAccount', 'User', 'Group']));
    }
  });
  return causes;
}

function defaultBinding(o: KubeObject): void {
  const ref = o.roleRef as RoleRef | undefined;
  if (ref && typeof ref === 'object' && !ref.apiGroup) ref.apiGroup = RBAC_GROUP;
  for (const s of (o.subjects as Subject[] | null | undefined) ?? [])
    if (s && typeof s === 'object' && !s.apiGroup && (s.kind === 'User' || s.kind === 'Group')) s.apiGroup = RBAC_GROUP;
}

/** Writes that only touch what the garbage collector changes are never escalation-checked. */
function onlyGcFields(obj: KubeObject, old: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const { ownerReferences: _o, finalizers: _f, resourceVersion: _r, managedFields: _m, generation: _g, ...meta } = o.metadata;
    return JSON.stringify({ ...o, metadata: meta });
  };
  return strip(obj) === strip(old);
}

export interface PolicyHookContext {
  source: PolicySource;
  authorizer: Authorizer;
  /** The user of the request being served; undefined for the control plane's own writes. */
  currentUser(): UserInfo | undefined;
}

/** Adds defaulting, validation and escalation checks to the four RBAC kinds. */
export function installPolicyHooks(types: ResourceType[], ctx: PolicyHookContext): void {
  for (const t of types) {
    if (t.group !== RBAC_GROUP) continue;
    const isRole = t.kind === 'Role' || t.kind === 'ClusterRole';
    const namespaced = t.namespaced;
    const prevDefaults = t.hooks.defaults;
    const prevValidate = t.hooks.validate;
    if (!isRole)
      t.hooks.defaults = (o, c) => {
        prevDefaults?.(o, c);
        defaultBinding(o);
      };
    t.hooks.validate = (o, old, c) => {
      const user = ctx.currentUser();
      if (user && !(old && onlyGcFields(o, old))) {
        if (isRole) checkRoleEscalation(ctx, t, o, old, user);
        else checkBindingEscalation(ctx, t, o, user);
      }
      const causes = prevValidate?.(o, old, c) ?? [];
      if (isRole) {
        causes.push(...validateRules(o.rules, namespaced));
        const agg = o.aggregationRule as { clusterRoleSelectors?: unknown[] } | undefined | null;
        if (agg && !agg.clusterRoleSelectors?.length)
          causes.push(required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
      } else {
        causes.push(...validateBinding(o, namespaced));
        const was = old?.roleRef as RoleRef | undefined;
        const now = o.roleRef as RoleRef | undefined;
        if (was && (was.apiGroup !== now?.apiGroup || was.kind !== now?.kind || was.name !== now?.name))
          causes.push({
            reason: 'FieldValueInvalid',
            field: 'roleRef',
            message: `Invalid value: rbac.RoleRef{APIGroup:${JSON.stringify(now?.apiGroup ?? '')}, Kind:${JSON.stringify(now?.kind ?? '')}, Name:${JSON.stringify(now?.name ?? '')}}: cannot change roleRef`,
          });
      }
      return causes;
    };
  }
}

function allowedTo(ctx: PolicyHookContext, user: UserInfo, verb: string, resource: string, namespace: string, name: string): boolean {
  return ctx.authorizer.authorize({
    user,
    verb,
    resourceRequest: true,
    path: '',
    apiGroup: RBAC_GROUP,
    apiVersion: '*',
    resource,
    subresource: '',
    name,
    namespace,
  }).allowed;
}

function refuseUnlessCovered(ctx: PolicyHookContext, t: ResourceType, o: KubeObject, user: UserInfo, wanted: PolicyRule[]): void {
  const ns = t.namespaced ? (o.metadata.namespace ?? '') : '';
  const held = ctx.authorizer.rulesFor(user, ns);
  const { covered, missing } = covers(held.rules, wanted);
  if (!covered) throw forbiddenOn(t, o, escalationMessage(user, missing, held.errors));
}

function forbiddenOn(t: ResourceType, o: KubeObject, message: string): ApiError {
  const name = o.metadata.name ?? '';
  return forbidden(`${t.resource}.${t.group}${name ? ` ${JSON.stringify(name)}` : ''} is forbidden: ${message}`, {
    ...(name ? { name } : {}),
    group: t.group,
    kind: t.resource,
  });
}

function checkRoleEscalation(ctx: PolicyHookContext, t: ResourceType, o: KubeObject, old: KubeObject | undefined, user: UserInfo): void {
  if (user.groups.includes(GROUPS.masters)) return;
  const ns = t.namespaced ? (o.metadata.namespace ?? '') : '';
  if (allowedTo(ctx, user, 'escalate', t.resource, ns, o.metadata.name ?? '')) return;
  refuseUnlessCovered(ctx, t, o, user, rulesOf(o));
  if (t.kind === 'ClusterRole' && (o.aggregationRule || old?.aggregationRule)) {
    const held = ctx.authorizer.rulesFor(user, '');
    if (!covers(held.rules, FULL_AUTHORITY).covered) throw forbiddenOn(t, o, 'must have cluster-admin privileges to use the aggregationRule');
  }
}

function checkBindingEscalation(ctx: PolicyHookContext, t: ResourceType, o: KubeObject, user: UserInfo): void {
  if (user.groups.includes(GROUPS.masters)) return;
  const ref = o.roleRef as RoleRef | undefined;
  if (!ref || (ref.kind !== 'Role' && ref.kind !== 'ClusterRole')) return; // validation reports it
  const ns = t.namespaced ? (o.metadata.namespace ?? '') : '';
  const roleResource = ref.kind === 'Role' ? 'roles' : 'clusterroles';
  if (allowedTo(ctx, user, 'bind', roleResource, ns, ref.name)) return;
  const resolved = roleReferenceRules(ctx.source, ref, ns);
  if ('error' in resolved) throw notFound({ group: RBAC_GROUP, resource: roleResource, kind: ref.kind }, ref.name);
  refuseUnlessCovered(ctx, t, o, user, resolved.rules);
}
