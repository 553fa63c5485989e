/** Basic Kubernetes validity of rendered objects: what any API server would reject outright. */
import type { KubeObject } from '../k8s/object.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

// Kinds whose names must be DNS labels rather than subdomains.
const LABEL_NAMED = new Set(['Namespace', 'Service']);

function nameError(kind: string, name: string): string | undefined {
  if (kind === 'Service')
    return name.length <= 63 && DNS1035_LABEL.test(name)
      ? undefined
      : 'must be a DNS-1035 label (lower case letters, digits and "-", starting with a letter, at most 63 characters)';
  if (LABEL_NAMED.has(kind)) return name.length <= 63 && DNS1123_LABEL.test(name) ? undefined : 'must be a DNS-1123 label (at most 63 characters)';
  return name.length <= 253 && DNS1123_SUBDOMAIN.test(name)
    ? undefined
    : 'must be a DNS-1123 subdomain (lower case letters, digits, "-" and ".", at most 253 characters)';
}

function labelKeyError(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) return 'prefix must be a DNS-1123 subdomain';
  if (name.length > 63 || !QUALIFIED_NAME.test(name)) return 'name part must be at most 63 alphanumeric characters, "-", "_" or "."';
  return undefined;
}

/** Problems with an object's identity and metadata; empty when an API server would take it. */
export function objectErrors(obj: KubeObject): string[] {
  const errors: string[] = [];
  if (typeof obj.apiVersion !== 'string' || !obj.apiVersion) errors.push('apiVersion is missing');
  if (typeof obj.kind !== 'string' || !obj.kind) errors.push('kind is missing');
  const meta = obj.metadata;
  const name = meta?.name;
  if (typeof name !== 'string' || !name) {
    if (!meta?.generateName) errors.push('metadata.name is missing');
  } else {
    const err = nameError(obj.kind, name);
    if (err) errors.push(`metadata.name "${name}" ${err}`);
  }
  if (meta?.namespace !== undefined && (typeof meta.namespace !== 'string' || !DNS1123_LABEL.test(meta.namespace)))
    errors.push(`metadata.namespace "${String(meta.namespace)}" must be a DNS-1123 label`);
  for (const [k, v] of Object.entries(meta?.labels ?? {})) {
    const ke = labelKeyError(k);
    if (ke) errors.push(`label key "${k}": ${ke}`);
    if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v))
      errors.push(`label "${k}" value "${String(v)}" must be at most 63 characters, alphanumeric, "-", "_" or ".", starting and ending alphanumeric`);
  }
  for (const [k, v] of Object.entries(meta?.annotations ?? {})) {
    const ke = labelKeyError(k);
    if (ke) errors.push(`annotation key "${k}": ${ke}`);
    if (typeof v !== 'string') errors.push(`annotation "${k}" value must be a string`);
  }
  return errors;
}
