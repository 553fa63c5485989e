/**
 * An in-memory `Cluster` for the harness's unit tests: objects by kind/namespace/name,
 * discovery from a kind table (CRDs add kinds), JSON merge patch, label-selected lists.
 */
import { ApiError, type Cluster, type ListOptions, type ObjectRef, type ResourceInfo } from '../../cluster/cluster.js';
import { splitApiVersion, type KubeList, type KubeObject, type Status } from '../../k8s/object.js';

const status = (code: number, reason: string, message: string): Status => ({
  apiVersion: 'v1',
  kind: 'Status',
  metadata: {},
  status: 'Failure',
  code,
  reason,
  message,
});

function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return structuredClone(patch);
  const out: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export class FakeCluster implements Cluster {
  readonly objects = new Map<string, KubeObject>();
  readonly kinds = new Map<string, { resource: string; namespaced: boolean }>([
    ['v1/Namespace', { resource: 'namespaces', namespaced: false }],
    ['v1/ConfigMap', { resource: 'configmaps', namespaced: true }],
    ['v1/Secret', { resource: 'secrets', namespaced: true }],
    ['v1/Event', { resource: 'events', namespaced: true }],
    ['apps/v1/Deployment', { resource: 'deployments', namespaced: true }],
    ['apiextensions.k8s.io/v1/CustomResourceDefinition', { resource: 'customresourcedefinitions', namespaced: false }],
  ]);
  /** Every mutating call, e.g. "create ConfigMap ns/a", for assertions on what the harness did. */
  readonly calls: string[] = [];
  private version = 1;

  private key(apiVersion: string, kind: string, namespace: string | undefined, name: string | undefined): string {
    return `${apiVersion}|${kind}|${namespace ?? ''}|${name ?? ''}`;
  }

  async resourceFor(apiVersion: string, kind: string): Promise<ResourceInfo> {
    const info = this.kinds.get(`${apiVersion}/${kind}`);
    if (!info) throw new ApiError(status(404, 'NotFound', `the server doesn't have a resource type for ${apiVersion} ${kind}`));
    const { group, version } = splitApiVersion(apiVersion);
    return { group, version, kind, resource: info.resource, namespaced: info.namespaced, verbs: [], subresources: [] };
  }

  invalidateDiscovery(): void {}

  async get<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    const obj = this.objects.get(this.key(ref.apiVersion, ref.kind, ref.namespace, ref.name));
    return obj ? (structuredClone(obj) as T) : undefined;
  }

  async list<T extends KubeObject = KubeObject>(apiVersion: string, kind: string, opts: ListOptions = {}): Promise<KubeList<T>> {
    await this.resourceFor(apiVersion, kind);
    const wanted = (opts.labelSelector ?? '')
      .split(',')
      .filter(Boolean)
      .map((s) => s.split('='));
    const items = [...this.objects.values()].filter(
      (o) =>
        o.apiVersion === apiVersion &&
        o.kind === kind &&
        (!opts.namespace || o.metadata.namespace === opts.namespace) &&
        wanted.every(([k, v]) => o.metadata.labels?.[k] === v),
    );
    return { apiVersion, kind: `${kind}List`, metadata: {}, items: items.map((o) => structuredClone(o) as T) };
  }

  async create<T extends KubeObject = KubeObject>(obj: T): Promise<T> {
    const info = await this.resourceFor(obj.apiVersion, obj.kind);
    const ns = info.namespaced ? obj.metadata.namespace : undefined;
    if (info.namespaced && !ns) throw new ApiError(status(400, 'BadRequest', 'namespace required'));
    if (ns && !this.objects.has(this.key('v1', 'Namespace', undefined, ns))) throw new ApiError(status(404, 'NotFound', `namespaces "${ns}" not found`));
    const key = this.key(obj.apiVersion, obj.kind, ns, obj.metadata.name);
    if (this.objects.has(key)) throw new ApiError(status(409, 'AlreadyExists', `${obj.kind} "${obj.metadata.name}" already exists`));
    const stored = structuredClone(obj);
    stored.metadata.resourceVersion = String(this.version++);
    this.objects.set(key, stored);
    this.calls.push(`create ${obj.kind} ${ns ? `${ns}/` : ''}${obj.metadata.name}`);
    if (obj.kind === 'CustomResourceDefinition') {
      const spec = obj.spec as { group: string; names: { kind: string; plural: string }; scope: string; versions: { name: string }[] };
      for (const v of spec.versions)
        this.kinds.set(`${spec.group}/${v.name}/${spec.names.kind}`, { resource: spec.names.plural, namespaced: spec.scope === 'Namespaced' });
    }
    return structuredClone(stored);
  }

  async update<T extends KubeObject = KubeObject>(): Promise<T> {
    throw new Error('FakeCluster.update is not used by the harness');
  }

  async updateStatus<T extends KubeObject = KubeObject>(): Promise<T> {
    throw new Error('FakeCluster.updateStatus is not used by the harness');
  }

  async patch<T extends KubeObject = KubeObject>(ref: ObjectRef, type: string, patch: unknown): Promise<T> {
    if (type !== 'merge') throw new Error(`FakeCluster supports merge patches only, got ${type}`);
    const key = this.key(ref.apiVersion, ref.kind, ref.namespace, ref.name);
    const live = this.objects.get(key);
    if (!live) throw new ApiError(status(404, 'NotFound', `${ref.kind} "${ref.name}" not found`));
    const p = patch as KubeObject;
    if (p.metadata?.resourceVersion && p.metadata.resourceVersion !== live.metadata.resourceVersion) throw new ApiError(status(409, 'Conflict', 'conflict'));
    const merged = mergePatch(live, patch) as KubeObject;
    merged.metadata.resourceVersion = String(this.version++);
    this.objects.set(key, merged);
    this.calls.push(`patch ${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`);
    return structuredClone(merged) as T;
  }

  async delete(ref: ObjectRef): Promise<boolean> {
    const existed = this.objects.delete(this.key(ref.apiVersion, ref.kind, ref.namespace, ref.name));
    this.calls.push(`delete ${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`);
    if (ref.kind === 'Namespace') {
      for (const [k, o] of this.objects) if (o.metadata.namespace === ref.name) this.objects.delete(k);
    }
    return existed;
  }

  async watch(): Promise<never> {
    throw new Error('FakeCluster.watch is not used by the harness');
  }

  async exec(): Promise<never> {
    throw new Error('FakeCluster.exec is not used by the harness');
  }

  async request(): Promise<never> {
    throw new Error('FakeCluster.request is not used by the harness');
  }

  /** Test helper: put an object in place as a controller would. */
  seed(obj: KubeObject): void {
    this.objects.set(this.key(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name), {
      ...structuredClone(obj),
      metadata: { ...obj.metadata, resourceVersion: String(this.version++) },
    });
  }
}
