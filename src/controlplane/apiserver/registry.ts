/**
 * The registry of served resource types. Each type carries what discovery lists and the
 * per-kind hooks (the "strategy") that create/update/delete run; built-in kinds and
 * custom resources register here alike, and later controllers can add hooks.
 */
import type { KubeObject } from '../../k8s/object.js';
import type { Cause } from './errors.js';

export interface GVK {
  group: string;
  version: string;
  kind: string;
}

export interface Subresource {
  name: string;
  /** The kind the subresource answers with, when not the parent's (scale → autoscaling/v1 Scale). */
  kind?: GVK;
  verbs: string[];
}

/** Where the replicas of a scalable kind live (paths as dotted JSON paths such as `.spec.replicas`). */
export interface ScaleSpec {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export interface TableColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  /** Computes the cell for an object. */
  cell(obj: KubeObject): unknown;
}

export interface WriteContext {
  /** "create" | "update" | "patch" | "apply" | "delete". */
  operation: string;
  subresource?: string;
  dryRun: boolean;
  /** "Strict" (reject unknown fields), "Warn" or "Ignore"; absent = Warn as the API server defaults. */
  fieldValidation?: string;
  /** Where hooks add Warning headers. */
  warnings?: string[];
}

export interface ResourceHooks {
  /** Fills defaults in place (also applied to custom resources from their schema). */
  defaults?(obj: KubeObject, ctx: WriteContext): void;
  /** Returns field errors; `old` is present on updates. */
  validate?(obj: KubeObject, old: KubeObject | undefined, ctx: WriteContext): Cause[];
  /**
   * Built-in mutating admission (ServiceAccount, Priority, DefaultTolerationSeconds, storage
   * protection finalizers) and strategy-generated fields: runs after the field manager recorded
   * the write, so these changes are nobody's in managedFields.
   */
  admit?(obj: KubeObject, ctx: WriteContext): void;
  /** Adjusts a new object before it is stored (e.g. Service clusterIP, Namespace phase). */
  prepareCreate?(obj: KubeObject, ctx: WriteContext): void;
  /** Adjusts an updated object before it is stored. */
  prepareUpdate?(obj: KubeObject, old: KubeObject, ctx: WriteContext): void;
  /** Adjusts an update through a subresource (ctx.subresource: status, approval) before validation. */
  prepareSubresourceUpdate?(obj: KubeObject, old: KubeObject, ctx: WriteContext): void;
  /** Whether a change bumps metadata.generation (default: any change outside metadata and status). */
  bumpsGeneration?(obj: KubeObject, old: KubeObject): boolean;
  /** Extra field-selector labels beyond metadata.name and metadata.namespace. */
  fieldLabels?(obj: KubeObject): Record<string, string | undefined>;
  /**
   * Called before a delete: may throw (protected objects) or ask for graceful deletion, which
   * marks the object (deletionTimestamp in the future) until a delete with grace 0 removes it.
   */
  beforeDelete?(obj: KubeObject, opts: { gracePeriodSeconds?: number }): { gracePeriodSeconds?: number; finalizers?: string[] } | void;
  /** The text of `pods/<name>/log` (simulated workloads provide it; empty otherwise). */
  log?(obj: KubeObject, opts: { container?: string; tailLines?: number; previous?: boolean }): string | undefined;
  /** Called after a stored create, update or delete (not on dry runs). */
  afterWrite?(event: 'create' | 'update' | 'delete', obj: KubeObject, old: KubeObject | undefined): void;
}

/** How a kind whose served versions differ in shape converts between them (see conversion.ts). */
export interface Conversion {
  /** The version objects are stored at: every write is converted into it, every read out of it. */
  storageVersion: string;
  /** A converted copy of `obj` (never changed in place), carrying the target apiVersion. */
  convert(obj: KubeObject, fromVersion: string, toVersion: string): KubeObject;
}

export interface ResourceType {
  group: string;
  version: string;
  /** Plural resource name. */
  resource: string;
  kind: string;
  listKind: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  namespaced: boolean;
  verbs: string[];
  subresources: Subresource[];
  /** Custom resources: JSON bodies only, no strategic merge patch. */
  custom: boolean;
  scale?: ScaleSpec;
  /** Table columns after Name (Age is appended when no column says otherwise). */
  columns?: TableColumn[];
  hooks: ResourceHooks;
  /** Kinds whose versions differ in shape; without it objects only change their apiVersion between versions. */
  conversion?: Conversion;
  /** OpenAPI v3 schema of the kind, when known (used by explain and by CRD pruning). */
  schema?: Record<string, unknown>;
}

export const STANDARD_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function apiVersionOf(t: { group: string; version: string }): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

/** The storage key shared by every version of a resource. */
export function storageKey(t: { group: string; resource: string }): string {
  return `${t.group}/${t.resource}`;
}

export function hasSubresource(t: ResourceType, name: string): boolean {
  return t.subresources.some((s) => s.name === name);
}

export class Registry {
  private readonly byPath = new Map<string, ResourceType>();
  private readonly byKind = new Map<string, ResourceType>();
  private readonly groupOrder: string[] = [];
  private readonly listeners = new Set<() => void>();
  /** Bumped on every change so discovery/OpenAPI caches and hashes follow. */
  generation = 0;

  add(t: ResourceType): void {
    this.byPath.set(`${apiVersionOf(t)}/${t.resource}`, t);
    this.byKind.set(`${apiVersionOf(t)}/${t.kind}`, t);
    if (!this.groupOrder.includes(t.group)) this.groupOrder.push(t.group);
    this.changed();
  }

  remove(t: { group: string; version: string; resource: string; kind: string }): void {
    this.byPath.delete(`${apiVersionOf(t)}/${t.resource}`);
    this.byKind.delete(`${apiVersionOf(t)}/${t.kind}`);
    if (!this.all().some((x) => x.group === t.group)) this.groupOrder.splice(this.groupOrder.indexOf(t.group), 1);
    this.changed();
  }

  private changed(): void {
    this.generation++;
    for (const l of this.listeners) l();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  lookup(group: string, version: string, resource: string): ResourceType | undefined {
    return this.byPath.get(`${group ? `${group}/` : ''}${version}/${resource}`);
  }

  byApiVersionKind(apiVersion: string, kind: string): ResourceType | undefined {
    return this.byKind.get(`${apiVersion}/${kind}`);
  }

  all(): ResourceType[] {
    return [...this.byPath.values()];
  }

  /** Groups in registration order, each with its versions in preference order. */
  groups(): { group: string; versions: string[] }[] {
    return this.groupOrder.map((group) => {
      const versions: string[] = [];
      for (const t of this.byPath.values()) if (t.group === group && !versions.includes(t.version)) versions.push(t.version);
      return { group, versions: versions.sort(compareVersions) };
    });
  }

  /** Whether any resource is served at group/version (asked on every request: a set lookup). */
  servesGroupVersion(group: string, version: string): boolean {
    if (this.groupVersionsAt !== this.generation) {
      this.groupVersions = new Set([...this.byPath.values()].map((t) => apiVersionOf(t)));
      this.groupVersionsAt = this.generation;
    }
    return this.groupVersions.has(apiVersionOf({ group, version }));
  }

  private groupVersions = new Set<string>();
  private groupVersionsAt = -1;

  resourcesOf(group: string, version: string): ResourceType[] {
    return this.all().filter((t) => t.group === group && t.version === version);
  }
}

/** Kubernetes version priority: GA > beta > alpha, then higher numbers first. */
export function compareVersions(a: string, b: string): number {
  const rank = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [3, 0, 0];
    return [m[2] === 'alpha' ? 2 : m[2] === 'beta' ? 1 : 0, -Number(m[1]), -Number(m[3] ?? 0)];
  };
  const [x, y] = [rank(a), rank(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return a < b ? -1 : a > b ? 1 : 0;
}
