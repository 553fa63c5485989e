/** A Cluster that counts every API call by verb and outcome (for /metrics and the benchmark). */
import type { Cluster, DeleteOptions, ListOptions, ObjectRef, PatchType, WatchEvent, WatchOptions, WriteOptions } from '../cluster/cluster.js';
import type { KubeObject } from '../k8s/object.js';

export type CallCounter = (verb: string, ok: boolean) => void;

export class CountingCluster implements Cluster {
  constructor(
    readonly inner: Cluster,
    private readonly count: CallCounter,
  ) {}

  get namespace(): string | undefined {
    return this.inner.namespace;
  }

  private async track<T>(verb: string, call: () => Promise<T>): Promise<T> {
    try {
      const result = await call();
      this.count(verb, true);
      return result;
    } catch (e) {
      this.count(verb, false);
      throw e;
    }
  }

  resourceFor(apiVersion: string, kind: string) {
    // Discovery is cached by the inner cluster; only misses reach the server, so it is not counted here.
    return this.inner.resourceFor(apiVersion, kind);
  }
  invalidateDiscovery(): void {
    this.inner.invalidateDiscovery();
  }
  get<T extends KubeObject = KubeObject>(ref: ObjectRef) {
    return this.track('get', () => this.inner.get<T>(ref));
  }
  list<T extends KubeObject = KubeObject>(apiVersion: string, kind: string, opts?: ListOptions) {
    return this.track('list', () => this.inner.list<T>(apiVersion, kind, opts));
  }
  create<T extends KubeObject = KubeObject>(obj: T, opts?: WriteOptions) {
    return this.track('create', () => this.inner.create<T>(obj, opts));
  }
  update<T extends KubeObject = KubeObject>(obj: T, opts?: WriteOptions) {
    return this.track('update', () => this.inner.update<T>(obj, opts));
  }
  updateStatus<T extends KubeObject = KubeObject>(obj: T, opts?: WriteOptions) {
    return this.track('update_status', () => this.inner.updateStatus<T>(obj, opts));
  }
  patch<T extends KubeObject = KubeObject>(ref: ObjectRef, type: PatchType, patch: unknown, opts?: WriteOptions & { subresource?: string }) {
    return this.track('patch', () => this.inner.patch<T>(ref, type, patch, opts));
  }
  delete(ref: ObjectRef, opts?: DeleteOptions) {
    return this.track('delete', () => this.inner.delete(ref, opts));
  }
  watch<T extends KubeObject = KubeObject>(apiVersion: string, kind: string, opts: WatchOptions, onEvent: (e: WatchEvent<T>) => void) {
    return this.track('watch', () => this.inner.watch<T>(apiVersion, kind, opts, onEvent));
  }
  exec(namespace: string, pod: string, container: string | undefined, command: string[]) {
    return this.track('exec', () => this.inner.exec(namespace, pod, container, command));
  }
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>) {
    return this.track(method.toLowerCase(), () => this.inner.request(method, path, body, headers));
  }
}
