/**
 * What a KUTTL step does to the cluster, through the `Cluster` interface only: namespace
 * defaulting, create-or-merge-patch, deleting references, and evaluating assert and
 * errors objects.
 */
import { isAlreadyExists, isConflict, isNotFound, type Cluster, type ObjectRef } from '../cluster/cluster.js';
import type { KubeObject } from '../k8s/object.js';
import { toYaml, unifiedDiff } from './diff.js';
import { formatMismatch, pruneToShape, subsetMismatch } from './match.js';
import type { ObjectReference, SourcedObject } from './types.js';

export const resourceId = (obj: { kind: string; metadata?: { namespace?: string; name?: string } }): string => {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? '*';
  return `${obj.kind}:${ns ? `${ns}/` : ''}${name}`;
};

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** A copy of `obj` with the namespace KUTTL gives it: explicit, else the test namespace if the kind is namespaced. */
export async function withNamespace(cluster: Cluster, obj: KubeObject, namespace: string): Promise<KubeObject> {
  const copy = structuredClone(obj);
  if (copy.metadata.namespace) return copy;
  let info;
  try {
    info = await cluster.resourceFor(copy.apiVersion, copy.kind);
  } catch (e) {
    // A CRD created moments ago may not be in the cached discovery yet.
    cluster.invalidateDiscovery();
    throw new Error(`no API resource for ${copy.apiVersion} ${copy.kind}: ${errorText(e)}`);
  }
  if (info.namespaced) copy.metadata.namespace = namespace;
  return copy;
}

const refOf = (obj: KubeObject): ObjectRef => ({ apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Creates the object, or when it exists sends the whole object as a JSON merge patch
 * (carrying the live resourceVersion); retries conflicts until the deadline.
 */
export async function createOrUpdate(cluster: Cluster, obj: KubeObject, deadline: number): Promise<'created' | 'updated'> {
  if (!obj.metadata.name) {
    if (obj.metadata.generateName) {
      await cluster.create(obj);
      return 'created';
    }
    throw new Error(`${obj.kind} has neither metadata.name nor metadata.generateName`);
  }
  for (;;) {
    try {
      const live = await cluster.get(refOf(obj));
      if (live) {
        const patch = structuredClone(obj);
        patch.metadata.resourceVersion = live.metadata.resourceVersion;
        await cluster.patch(refOf(obj), 'merge', patch);
        return 'updated';
      }
      await cluster.create(obj);
      return 'created';
    } catch (e) {
      if ((isConflict(e) || isAlreadyExists(e)) && Date.now() < deadline) {
        await sleep(100);
        continue;
      }
      throw e;
    }
  }
}

/** Deletes what the references name (or list, by kind and labels), then waits until all are gone. */
export async function deleteReferences(cluster: Cluster, refs: ObjectReference[], namespace: string, deadline: number): Promise<void> {
  const targets: ObjectRef[] = [];
  for (const ref of refs) {
    const info = await cluster.resourceFor(ref.apiVersion, ref.kind);
    const ns = info.namespaced ? (ref.namespace ?? namespace) : undefined;
    if (ref.name) {
      targets.push({ apiVersion: ref.apiVersion, kind: ref.kind, namespace: ns, name: ref.name });
      continue;
    }
    const list = await cluster.list(ref.apiVersion, ref.kind, { namespace: ns, labelSelector: labelSelector(ref.labels) });
    for (const item of list.items) targets.push({ apiVersion: ref.apiVersion, kind: ref.kind, namespace: item.metadata.namespace, name: item.metadata.name });
  }
  for (const t of targets) await cluster.delete(t);
  for (;;) {
    const remaining: string[] = [];
    for (const t of targets) if (await cluster.get(t)) remaining.push(resourceId({ kind: t.kind, metadata: t }));
    if (remaining.length === 0) return;
    if (Date.now() >= deadline) throw new Error(`timed out waiting for deletion of ${remaining.join(', ')}`);
    await sleep(100);
  }
}

export function labelSelector(labels: Record<string, string> | undefined): string | undefined {
  if (!labels || Object.keys(labels).length === 0) return undefined;
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** One failed expectation: a message and, when an object was compared, the diff. */
export interface CheckFailure {
  message: string;
  diff?: string;
}

/** Candidates shown in a failure diff; more would flood the log for unnamed asserts. */
const MAX_DIFFS = 3;

async function candidates(cluster: Cluster, expected: KubeObject): Promise<KubeObject[]> {
  if (expected.metadata.name) {
    const live = await cluster.get(refOf(expected));
    return live ? [live] : [];
  }
  const labels = expected.metadata.labels as Record<string, string> | undefined;
  const list = await cluster.list(expected.apiVersion, expected.kind, { namespace: expected.metadata.namespace, labelSelector: labelSelector(labels) });
  return list.items.map((item) => ({ ...item, apiVersion: item.apiVersion ?? expected.apiVersion, kind: item.kind ?? expected.kind }));
}

function describeMismatch(expected: KubeObject, actual: KubeObject, source: string): CheckFailure {
  const mismatch = subsetMismatch(expected, actual);
  const shown = pruneToShape(expected, actual);
  const diff = unifiedDiff(toYaml(expected), toYaml(shown), `expected ${resourceId(expected)} (${source})`, `actual ${resourceId(actual)}`);
  return { message: `resource ${resourceId(actual)}: ${mismatch ? formatMismatch(mismatch) : 'mismatch'}`, diff };
}

/** Failures of one assert object; empty when a matching object exists. */
export async function checkAssert(cluster: Cluster, source: SourcedObject, namespace: string): Promise<CheckFailure[]> {
  let expected: KubeObject;
  let actuals: KubeObject[];
  try {
    expected = await withNamespace(cluster, source.object, namespace);
    actuals = await candidates(cluster, expected);
  } catch (e) {
    return [{ message: `${resourceId(source.object)} (${source.file}): ${errorText(e)}` }];
  }
  if (actuals.length === 0) {
    return [
      {
        message: expected.metadata.name
          ? `${resourceId(expected)} (${source.file}): not found`
          : `no resources matched of kind ${expected.apiVersion} ${expected.kind} in ${expected.metadata.namespace ? `namespace ${expected.metadata.namespace}` : 'the cluster'} (${source.file})`,
      },
    ];
  }
  const failures: CheckFailure[] = [];
  for (const actual of actuals) {
    if (!subsetMismatch(expected, actual)) return [];
    if (failures.length < MAX_DIFFS) failures.push(describeMismatch(expected, actual, source.file));
  }
  if (actuals.length > MAX_DIFFS) failures.push({ message: `(${actuals.length - MAX_DIFFS} more ${expected.kind} objects did not match either)` });
  return failures;
}

/** Failures of one errors object: a failure when some existing object matches it. */
export async function checkErrors(cluster: Cluster, source: SourcedObject, namespace: string): Promise<CheckFailure[]> {
  try {
    const expected = await withNamespace(cluster, source.object, namespace);
    for (const actual of await candidates(cluster, expected)) {
      if (!subsetMismatch(expected, actual)) {
        return [{ message: `resource ${resourceId(actual)} matches the errors file ${source.file}, but must not exist in this form` }];
      }
    }
    return [];
  } catch (e) {
    if (isNotFound(e)) return [];
    return [{ message: `${resourceId(source.object)} (${source.file}): ${errorText(e)}` }];
  }
}
