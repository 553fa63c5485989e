/** Discovery documents, legacy (`APIResourceList`, `APIGroupList`) and aggregated (`APIGroupDiscoveryList`). */
import { createHash } from 'node:crypto';
import { apiVersionOf, type Registry, type ResourceType } from './registry.js';

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groupEntry(group: string, versions: string[]): Record<string, unknown> {
  const gv = (v: string) => ({ groupVersion: `${group}/${v}`, version: v });
  return { name: group, versions: versions.map(gv), preferredVersion: gv(versions[0]) };
}

export function apiGroupList(reg: Registry): Record<string, unknown> {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: reg
      .groups()
      .filter((g) => g.group !== '')
      .map((g) => groupEntry(g.group, g.versions)),
  };
}

export function apiGroup(reg: Registry, group: string): Record<string, unknown> | undefined {
  const g = reg.groups().find((x) => x.group === group && group !== '');
  return g && { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(g.group, g.versions) };
}

export function apiResourceList(reg: Registry, group: string, version: string): Record<string, unknown> | undefined {
  const types = reg.resourcesOf(group, version).sort((a, b) => (a.resource < b.resource ? -1 : 1));
  if (!types.length) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const t of types) {
    resources.push({
      name: t.resource,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.verbs,
      ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
      ...(t.categories.length ? { categories: t.categories } : {}),
      ...(t.verbs.includes('list') ? { storageVersionHash: storageVersionHash(t) } : {}),
    });
    for (const s of t.subresources)
      resources.push({
        name: `${t.resource}/${s.name}`,
        singularName: '',
        namespaced: t.namespaced,
        ...(s.kind ? { group: s.kind.group, version: s.kind.version, kind: s.kind.kind } : { kind: t.kind }),
        verbs: s.verbs,
      });
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf({ group, version }), resources };
}

/** What clients compare to notice a storage version change: 8 bytes of sha256("group/version/Kind"). */
function storageVersionHash(t: ResourceType): string {
  return createHash('sha256').update(`${t.group}/${t.version}/${t.kind}`).digest().subarray(0, 8).toString('base64');
}

function discoveryResource(t: ResourceType): Record<string, unknown> {
  const kind = { group: t.group, version: t.version, kind: t.kind };
  return {
    resource: t.resource,
    responseKind: kind,
    scope: t.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: t.singular,
    verbs: t.verbs,
    ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
    ...(t.categories.length ? { categories: t.categories } : {}),
    ...(t.subresources.length ? { subresources: t.subresources.map((s) => ({ subresource: s.name, responseKind: s.kind ?? kind, verbs: s.verbs })) } : {}),
  };
}

/** Aggregated discovery for `/api` (legacy = true) or `/apis`, as apidiscovery.k8s.io `version` (v2 or v2beta1). */
export function aggregated(reg: Registry, legacy: boolean, version: string): Record<string, unknown> {
  const items = reg
    .groups()
    .filter((g) => (g.group === '') === legacy)
    .map((g) => ({
      metadata: { name: g.group, creationTimestamp: null },
      versions: g.versions.map((v) => ({
        version: v,
        resources: reg
          .resourcesOf(g.group, v)
          .sort((a, b) => (a.resource < b.resource ? -1 : 1))
          .map(discoveryResource),
        freshness: 'Current',
      })),
    }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}
