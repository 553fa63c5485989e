/**
 * The one narrow interface through which the manager, the CLI and the test
 * harness reach Kubernetes. Implemented over HTTP for any cluster (kubeconfig)
 * and therefore for the local control plane too; nothing above this layer
 * knows which it talks to.
 */
import type { KubeList, KubeObject, Status } from '../k8s/object.js';

/** Identifies one object (or, without name, a collection). */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name?: string;
}

/** What discovery knows about a kind. */
export interface ResourceInfo {
  group: string;
  version: string;
  kind: string;
  /** Plural resource name, e.g. "deployments". */
  resource: string;
  namespaced: boolean;
  verbs: string[];
  subresources: string[];
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  /** Only for server-side apply. */
  force?: boolean;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export interface DeleteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: WatchEventType;
  object: T;
}

export interface WatchOptions extends ListOptions {
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

/** A running watch; `done` settles when the stream ends (for any reason). */
export interface WatchHandle {
  stop(): void;
  done: Promise<void>;
}

/** Result of running a command in a container (pods/exec). */
export interface ExecResult {
  stdout: Buffer;
  stderr: Buffer;
  exitCode: number;
}

/** An API error carrying the server's Status. */
export class ApiError extends Error {
  constructor(
    readonly status: Status,
    readonly verb?: string,
  ) {
    super(status.message ?? `${status.reason ?? 'Error'} (${status.code})`);
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): string | undefined {
    return this.status.reason;
  }
}

export const isNotFound = (e: unknown): boolean => e instanceof ApiError && e.code === 404;
export const isConflict = (e: unknown): boolean => e instanceof ApiError && e.code === 409;
export const isAlreadyExists = (e: unknown): boolean => e instanceof ApiError && e.code === 409 && e.reason === 'AlreadyExists';

export interface Cluster {
  /** The default namespace (the kubeconfig context's) for namespaced objects given without one. */
  readonly namespace?: string;
  /** Discovery: how a kind is served. Throws ApiError 404-like when unknown. */
  resourceFor(apiVersion: string, kind: string): Promise<ResourceInfo>;
  /** Forgets cached discovery (e.g. after a step created a CRD). */
  invalidateDiscovery(): void;

  get<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T | undefined>;
  list<T extends KubeObject = KubeObject>(apiVersion: string, kind: string, opts?: ListOptions): Promise<KubeList<T>>;
  create<T extends KubeObject = KubeObject>(obj: T, opts?: WriteOptions): Promise<T>;
  update<T extends KubeObject = KubeObject>(obj: T, opts?: WriteOptions): Promise<T>;
  updateStatus<T extends KubeObject = KubeObject>(obj: T, opts?: WriteOptions): Promise<T>;
  patch<T extends KubeObject = KubeObject>(ref: ObjectRef, type: PatchType, patch: unknown, opts?: WriteOptions & { subresource?: string }): Promise<T>;
  /** Returns false when the object was already gone. */
  delete(ref: ObjectRef, opts?: DeleteOptions): Promise<boolean>;
  watch<T extends KubeObject = KubeObject>(apiVersion: string, kind: string, opts: WatchOptions, onEvent: (e: WatchEvent<T>) => void): Promise<WatchHandle>;
  /** Runs a command in a pod's container and collects its output. */
  exec(namespace: string, pod: string, container: string | undefined, command: string[]): Promise<ExecResult>;
  /** Raw request for anything else (non-resource URLs, subresources). */
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: unknown }>;
}
