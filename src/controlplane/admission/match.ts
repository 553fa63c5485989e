/**
 * Which webhooks a request goes to: rules (operations, apiGroups, apiVersions, resources with
 * subresources, scope), matchPolicy, namespaceSelector and objectSelector, as the API server's
 * webhook dispatcher decides.
 */
import type { KubeObject } from '../../k8s/object.js';
import { labelSelectorFromSpec, matchLabelSelector, SelectorError, type LabelSelectorSpec } from '../../k8s/selectors.js';
import type { AdmissionAttributes } from '../apiserver/server.js';
import type { Registry } from '../apiserver/registry.js';

export interface WebhookRule {
  operations?: string[];
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  scope?: string;
}

export interface Webhook {
  name: string;
  clientConfig?: { url?: string; caBundle?: string; service?: { namespace: string; name: string; path?: string; port?: number } };
  rules?: WebhookRule[];
  failurePolicy?: string;
  matchPolicy?: string;
  namespaceSelector?: Record<string, unknown>;
  objectSelector?: Record<string, unknown>;
  sideEffects?: string;
  timeoutSeconds?: number;
  admissionReviewVersions?: string[];
  reinvocationPolicy?: string;
}

/** Does `pattern` ("pods", "pods/*", "*", "*\/status", "*\/*") cover resource[/subresource]? */
export function resourceMatches(pattern: string, resource: string, subresource: string | undefined): boolean {
  const [pr, ps] = pattern.split('/');
  if (pr !== '*' && pr !== resource) return false;
  if (ps === undefined) return !subresource;
  return ps === '*' || ps === subresource;
}

export function ruleMatches(rule: WebhookRule, attrs: AdmissionAttributes, equivalent: boolean, registry: Registry): boolean {
  const t = attrs.type;
  const has = (list: string[] | undefined, v: string) => !!list && (list.includes('*') || list.includes(v));
  if (!has(rule.operations, attrs.operation)) return false;
  if (!has(rule.apiGroups, t.group)) return false;
  if (!(rule.resources ?? []).some((r) => resourceMatches(r, t.resource, attrs.subresource))) return false;
  const scope = rule.scope ?? '*';
  if (scope === 'Cluster' && t.namespaced) return false;
  if (scope === 'Namespaced' && !t.namespaced) return false;
  if (has(rule.apiVersions, t.version)) return true;
  // matchPolicy Equivalent: a rule naming another served version of the same resource still matches.
  return equivalent && (rule.apiVersions ?? []).some((v) => !!registry.lookup(t.group, v, t.resource));
}

export function matchWebhook(
  hook: Webhook,
  attrs: AdmissionAttributes,
  object: KubeObject | undefined,
  namespaceLabels: Record<string, string> | undefined,
  registry: Registry,
): boolean {
  const equivalent = (hook.matchPolicy ?? 'Equivalent') === 'Equivalent';
  if (!(hook.rules ?? []).some((r) => ruleMatches(r, attrs, equivalent, registry))) return false;
  // Cluster-scoped objects other than namespaces are not filtered by namespaceSelector.
  if (hook.namespaceSelector && namespaceLabels !== undefined && !labelsMatchSelector(hook.namespaceSelector, namespaceLabels)) return false;
  if (hook.objectSelector) {
    const candidates = [object, attrs.oldObject].filter((o): o is KubeObject => !!o);
    if (!candidates.some((o) => labelsMatchSelector(hook.objectSelector!, o.metadata.labels ?? {}))) return false;
  }
  return true;
}

/** A metav1.LabelSelector against labels; an invalid selector matches nothing. */
export function labelsMatchSelector(selector: Record<string, unknown>, labels: Record<string, string>): boolean {
  try {
    return matchLabelSelector(labelSelectorFromSpec(selector as LabelSelectorSpec), labels);
  } catch (e) {
    if (e instanceof SelectorError) return false;
    throw e;
  }
}
