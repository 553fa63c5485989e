/**
 * RBAC evaluation as Kubernetes does it: which bindings apply to a user, which rules they
 * grant, whether a rule allows a request, whether one set of rules covers another (the
 * escalation check), and the wording of the answers. Pure: policy objects come from a source.
 */
import type { KubeObject } from '../../k8s/object.js';
import { GROUPS, RBAC_GROUP, SERVICE_ACCOUNT_PREFIX, type Attributes, type PolicyRule, type RoleRef, type Subject, type UserInfo } from './types.js';

/** Where roles and bindings are read from (the store, in the control plane). */
export interface PolicySource {
  clusterRoleBindings(): KubeObject[];
  roleBindings(namespace: string): KubeObject[];
  clusterRole(name: string): KubeObject | undefined;
  role(namespace: string, name: string): KubeObject | undefined;
}

export interface Decision {
  allowed: boolean;
  /** "RBAC: allowed by ..." when allowed; role-resolution errors ("RBAC: ...") when denied, or "". */
  reason: string;
}

export interface Authorizer {
  authorize(attrs: Attributes): Decision;
  /** The rules a user holds in a namespace ("" = cluster-wide only), with resolution errors. */
  rulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] };
}

export function rulesOf(o: KubeObject | undefined): PolicyRule[] {
  return ((o?.rules as PolicyRule[] | null | undefined) ?? []).filter((r) => r && typeof r === 'object');
}

/** Whether `subjects` of a binding in `namespace` ("" for cluster bindings) name the user; the index of the first match. */
export function appliesTo(user: UserInfo, subjects: Subject[], namespace: string): number {
  for (let i = 0; i < subjects.length; i++) {
    const s = subjects[i];
    switch (s?.kind) {
      case 'User':
        if (user.username === s.name) return i;
        break;
      case 'Group':
        if (user.groups.includes(s.name)) return i;
        break;
      case 'ServiceAccount': {
        const ns = s.namespace || namespace;
        if (ns && user.username === `${SERVICE_ACCOUNT_PREFIX}${ns}:${s.name}`) return i;
        break;
      }
    }
  }
  return -1;
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} ${JSON.stringify(`${s.name}/${s.namespace || bindingNamespace}`)}`;
  return `${s.kind} ${JSON.stringify(s.name)}`;
}

/** How a rule reached the user, worded as Kubernetes' binding describers. */
function describeBinding(binding: KubeObject, subject: Subject): string {
  const ref = binding.roleRef as RoleRef;
  const ns = binding.metadata.namespace;
  const name = ns ? `${binding.metadata.name}/${ns}` : binding.metadata.name!;
  return `${ns ? 'RoleBinding' : 'ClusterRoleBinding'} ${JSON.stringify(name)} of ${ref.kind} ${JSON.stringify(ref.name)} to ${describeSubject(subject, ns ?? '')}`;
}

/** Visits every rule granted to the user, cluster bindings first; `visit` returns false to stop. */
export function visitRules(
  source: PolicySource,
  user: UserInfo,
  namespace: string,
  visit: (rule: PolicyRule | undefined, describe: (() => string) | undefined, error: string | undefined) => boolean,
): void {
  const walk = (bindings: KubeObject[], ns: string): boolean => {
    for (const b of bindings) {
      const subjects = (b.subjects as Subject[] | null | undefined) ?? [];
      const index = appliesTo(user, subjects, ns);
      if (index < 0) continue;
      const resolved = roleReferenceRules(source, b.roleRef as RoleRef, ns);
      if ('error' in resolved) {
        if (!visit(undefined, undefined, resolved.error)) return false;
        continue;
      }
      const describe = () => describeBinding(b, subjects[index]);
      for (const rule of resolved.rules) if (!visit(rule, describe, undefined)) return false;
    }
    return true;
  };
  if (!walk(source.clusterRoleBindings(), '')) return;
  if (namespace) walk(source.roleBindings(namespace), namespace);
}

/** The rules of the role a binding refers to, or the lister's "not found" wording. */
export function roleReferenceRules(source: PolicySource, ref: RoleRef, namespace: string): { rules: PolicyRule[] } | { error: string } {
  if (ref?.kind === 'Role') {
    const role = source.role(namespace, ref.name);
    return role ? { rules: rulesOf(role) } : { error: `role.${RBAC_GROUP} ${JSON.stringify(ref.name)} not found` };
  }
  if (ref?.kind === 'ClusterRole') {
    const role = source.clusterRole(ref.name);
    return role ? { rules: rulesOf(role) } : { error: `clusterrole.${RBAC_GROUP} ${JSON.stringify(ref.name)} not found` };
  }
  return { error: `unsupported role reference kind: ${JSON.stringify(ref?.kind ?? '')}` };
}

/** Go's utilerrors aggregate text: one message as is, several deduplicated in brackets. */
export function aggregateErrors(errors: string[]): string {
  const unique = [...new Set(errors)];
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}

export function ruleAllows(a: Attributes, rule: PolicyRule): boolean {
  if (!verbMatches(rule, a.verb)) return false;
  if (!a.resourceRequest) return nonResourceURLMatches(rule, a.path);
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  return apiGroupMatches(rule, a.apiGroup) && resourceMatches(rule, combined, a.subresource) && resourceNameMatches(rule, a.name);
}

const has = (list: string[] | undefined, v: string) => (list ?? []).includes(v);
const hasAll = (list: string[] | undefined, wanted: string[] | undefined) => (wanted ?? []).every((w) => has(list, w));

function verbMatches(rule: PolicyRule, verb: string): boolean {
  return has(rule.verbs, '*') || has(rule.verbs, verb);
}

function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return has(rule.apiGroups, '*') || has(rule.apiGroups, group);
}

function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const r of rule.resources ?? []) {
    if (r === '*' || r === combined) return true;
    if (subresource && r === `*/${subresource}`) return true;
  }
  return false;
}

function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  return !rule.resourceNames?.length || rule.resourceNames.includes(name);
}

function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some((u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.replace(/\*+$/, ''))));
}

/** One step of visitRules: a granted rule with how it was granted, or a resolution error. */
type Grant = { rule: PolicyRule; describe: () => string; error?: undefined } | { rule?: undefined; error: string };

/** Distinct users × namespaces whose grants are remembered at most (the memo starts over when full). */
const MAX_REMEMBERED = 1024;

/**
 * The RBAC authorizer over a policy source, behind the system:masters short cut. What a user
 * holds in a namespace is worked out once and remembered until `invalidate()`, which the owner
 * calls on every change to roles or bindings.
 */
export class RbacAuthorizer implements Authorizer {
  private readonly grants = new Map<string, Grant[]>();

  constructor(private readonly source: PolicySource) {}

  /** Forgets every remembered grant (a role or binding changed). */
  invalidate(): void {
    this.grants.clear();
  }

  /** Everything visitRules visits for the user in the namespace, in order. */
  private grantsOf(user: UserInfo, namespace: string): Grant[] {
    // JSON keeps the parts apart whatever characters they hold.
    const key = JSON.stringify([user.username, namespace, user.groups]);
    let grants = this.grants.get(key);
    if (!grants) {
      const found: Grant[] = [];
      visitRules(this.source, user, namespace, (rule, describe, error) => {
        if (rule) found.push({ rule, describe: describe! });
        else if (error) found.push({ error });
        return true;
      });
      if (this.grants.size >= MAX_REMEMBERED) this.grants.clear();
      this.grants.set(key, (grants = found));
    }
    return grants;
  }

  authorize(attrs: Attributes): Decision {
    if (attrs.user.groups.includes(GROUPS.masters)) return { allowed: true, reason: '' };
    const errors: string[] = [];
    for (const g of this.grantsOf(attrs.user, attrs.namespace)) {
      if (g.rule && ruleAllows(attrs, g.rule)) return { allowed: true, reason: `RBAC: allowed by ${g.describe()}` };
      if (g.error) errors.push(g.error);
    }
    return { allowed: false, reason: errors.length ? `RBAC: ${aggregateErrors(errors)}` : '' };
  }

  rulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    for (const g of this.grantsOf(user, namespace)) {
      if (g.rule) rules.push(g.rule);
      else errors.push(g.error);
    }
    return { rules, errors };
  }
}

/** `--authorization always-allow`: every authenticated or anonymous request is allowed. */
export class AlwaysAllow implements Authorizer {
  authorize(): Decision {
    return { allowed: true, reason: '' };
  }
  rulesFor(): { rules: PolicyRule[]; errors: string[] } {
    return {
      rules: [
        { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
        { verbs: ['*'], nonResourceURLs: ['*'] },
      ],
      errors: [],
    };
  }
}

// ---- escalation checks (Kubernetes' validation.Covers and its helpers) ----

/** One rule per group × resource × verb (× name), and per URL × verb. */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? [])
    for (const resource of rule.resources ?? [])
      for (const verb of rule.verbs ?? []) {
        if (rule.resourceNames?.length)
          for (const n of rule.resourceNames) out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [n] });
        else out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
      }
  for (const url of rule.nonResourceURLs ?? []) for (const verb of rule.verbs ?? []) out.push({ nonResourceURLs: [url], verbs: [verb] });
  return out;
}

function resourceCoversAll(owned: string[] | undefined, wanted: string[] | undefined): boolean {
  if (has(owned, '*') || hasAll(owned, wanted)) return true;
  for (const path of wanted ?? []) {
    if (has(owned, path)) continue;
    const slash = path.indexOf('/');
    if (slash < 0 || !has(owned, `*/${path.slice(slash + 1)}`)) return false;
  }
  return true;
}

function nonResourceURLCovers(owner: string, sub: string): boolean {
  return owner === sub || (owner.endsWith('*') && sub.startsWith(owner.replace(/\*+$/, '')));
}

function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const verbs = has(owner.verbs, '*') || hasAll(owner.verbs, sub.verbs);
  const groups = has(owner.apiGroups, '*') || hasAll(owner.apiGroups, sub.apiGroups);
  const resources = resourceCoversAll(owner.resources, sub.resources);
  const urls = (sub.nonResourceURLs ?? []).every((p) => (owner.nonResourceURLs ?? []).some((o) => nonResourceURLCovers(o, p)));
  const names = !owner.resourceNames?.length || (!!sub.resourceNames?.length && hasAll(owner.resourceNames, sub.resourceNames));
  return verbs && groups && resources && urls && names;
}

/** Whether `owner` rules grant everything `wanted` rules do; the uncovered pieces when not. */
export function covers(owner: PolicyRule[], wanted: PolicyRule[]): { covered: boolean; missing: PolicyRule[] } {
  const missing = wanted.flatMap(breakdownRule).filter((sub) => !owner.some((o) => ruleCovers(o, sub)));
  return { covered: missing.length === 0, missing };
}

/** Merges rules that differ only in verbs (one group, one resource, at most one name). */
export function compactRules(rules: PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const r of rules) {
    const isSimple =
      r.apiGroups?.length === 1 && r.resources?.length === 1 && (r.resourceNames?.length ?? 0) <= 1 && !r.nonResourceURLs?.length && r.verbs?.length;
    if (!isSimple) {
      out.push(r);
      continue;
    }
    const key = JSON.stringify([r.apiGroups![0], r.resources![0], r.resourceNames?.[0] ?? null]);
    const seen = simple.get(key);
    if (seen) seen.verbs = [...seen.verbs, ...r.verbs];
    else simple.set(key, { ...r, verbs: [...r.verbs] });
  }
  return [...out, ...simple.values()];
}

const goQuoted = (list: string[]) => `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;

/** Go's rbacv1helpers.CompactString: `{APIGroups:["apps"], Resources:["deployments"], Verbs:["get"]}`. */
export function compactString(r: PolicyRule): string {
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${goQuoted(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${goQuoted(r.resources)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${goQuoted(r.nonResourceURLs)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${goQuoted(r.resourceNames)}`);
  if (r.verbs?.length) parts.push(`Verbs:${goQuoted(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}

/** The message of a refused escalation, as the RBAC REST storage words it. */
export function escalationMessage(user: UserInfo, missing: PolicyRule[], resolutionErrors: string[]): string {
  const lines = [...new Set(compactRules(missing).map(compactString))].sort();
  let msg = `user ${JSON.stringify(user.username)} (groups=${goQuoted(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${lines.join('\n')}`;
  if (resolutionErrors.length) msg += `; resolution errors: [${aggregateErrors(resolutionErrors)}]`;
  return msg;
}
