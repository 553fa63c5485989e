/**
 * The API semantics of the local control plane, independent of HTTP: create, get, list,
 * update, patch, delete and watch with Kubernetes' metadata rules, optimistic concurrency,
 * finalizers and dry runs. The HTTP layer and in-process controllers both call this.
 */
import { randomUUID } from 'node:crypto';
import type { KubeObject } from '../../k8s/object.js';
import {
  checkFieldSelector,
  matchFieldSelector,
  matchLabelSelector,
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
  type FieldSelector,
  type LabelSelector,
} from '../../k8s/selectors.js';
import { isDns1123Label, isDns1123Subdomain, isLabelKey, isLabelValue } from '../../k8s/validation.js';
import { CompactedError, FutureRevisionError, Store, TooOldError, type StoreEvent } from '../storage/store.js';
import { CREATE_ON_UPDATE, GENERATION_KINDS } from './builtins.js';
import {
  ApiError,
  alreadyExists,
  badRequest,
  conflict,
  fieldForbidden,
  fieldInvalid,
  fieldRequired,
  forbidden,
  gone,
  invalid,
  notFound,
  qualified,
  type Cause,
} from './errors.js';
import { apiVersionOf, hasSubresource, storageKey, type Registry, type ResourceType, type WriteContext } from './registry.js';
import { canonicalizeQuantities } from './quantities.js';
import { recordUpdate } from './apply.js';
import { cloneJson, sameObject } from './json.js';
import { nowTimestamp } from './clock.js';
import { decodeError, goShape, goDecode } from './builtin-fields.js';
import { reportUnknownFields } from './errors.js';
import { goOrdered } from './go-order.js';

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  fieldValidation?: string;
  /** Warnings to send back (Warning headers). */
  warnings?: string[];
  /**
   * The body's managedFields were recorded already (by apply, or before mutating admission
   * changed the object): store them as they are.
   */
  keepManagedFields?: boolean;
}

export interface DeleteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
  gracePeriodSeconds?: number;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  /** As the query parameters; validated by the caller (see validateListOptions in server.ts). */
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface WatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  /** Absent or "0": start with ADDED events for the current objects. */
  resourceVersion?: string;
}

export type WatchEvent = { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: KubeObject };

export type DeleteResult = { gone: true; object: KubeObject } | { gone: false; object: KubeObject };

const MAX_NAME = 253;

/** Random suffixes as apiserver's generateName uses (no vowels, no confusable digits). */
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export { nowTimestamp };

export function clone<T>(v: T): T {
  return cloneJson(v);
}

export { sameObject };

export class ApiCore {
  constructor(
    readonly store: Store,
    readonly registry: Registry,
  ) {}

  // ---- reads ----

  get(t: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const obj = this.store.get(storageKey(t), scopeNs(t, namespace), name);
    if (!obj) throw notFound(t, name);
    return this.present(t, obj);
  }

  tryGet(t: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const obj = this.store.get(storageKey(t), scopeNs(t, namespace), name);
    return obj && this.present(t, obj);
  }

  /** The object as served at `t`'s version (stored objects are version-agnostic JSON). */
  present(t: ResourceType, obj: KubeObject): KubeObject {
    const apiVersion = apiVersionOf(t);
    if (obj.apiVersion === apiVersion && obj.kind === t.kind) return obj;
    if (t.conversion) return this.converted(t, obj, t.version);
    return { ...obj, apiVersion, kind: t.kind };
  }

  /** `obj` as a kind with a conversion keeps it in storage (others are stored as written). */
  private toStorage(t: ResourceType, obj: KubeObject): KubeObject {
    return t.conversion ? this.converted(t, obj, t.conversion.storageVersion) : obj;
  }

  /** `obj` converted from the version it carries to `version` of t's group, in Go's JSON shape. */
  private converted(t: ResourceType, obj: KubeObject, version: string): KubeObject {
    const apiVersion = apiVersionOf({ group: t.group, version });
    const from = versionOf(obj.apiVersion);
    if (from === version) return obj.kind === t.kind ? obj : { ...obj, kind: t.kind };
    const out = t.conversion!.convert(obj, from, version);
    out.apiVersion = apiVersion;
    out.kind = t.kind;
    if (!t.custom) goShape(out, apiVersion, t.kind);
    return out;
  }

  list(t: ResourceType, namespace: string | undefined, opts: ListOptions = {}): ListResult {
    const matches = this.matcher(t, opts.labelSelector, opts.fieldSelector);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
    const token = opts.continue ? decodeContinue(opts.continue) : undefined;
    const after = token?.start;
    const readAt = this.listRevision(opts, limit, token?.rv);
    const rv = String(readAt ?? this.store.resourceVersion);
    const items: KubeObject[] = [];
    let more = 0;
    // Without selectors the rest of the page need not be visited: it is counted from the index.
    const unfiltered = !opts.labelSelector && !opts.fieldSelector && readAt === undefined;
    const filtered = !!(opts.labelSelector || opts.fieldSelector);
    const visit = (o: KubeObject) => {
      if (items.length >= limit) {
        if (unfiltered) return ((more = -1), false);
        // Storage pages by key before filtering: any key after a full page means more, matching or not.
        if (filtered) return ((more = 1), false);
        more++;
        return true;
      }
      if (matches(o)) items.push(this.present(t, o));
      return true;
    };
    try {
      if (readAt === undefined) this.store.scan(storageKey(t), scopeNs(t, namespace), after, visit);
      else this.store.scanAt(storageKey(t), scopeNs(t, namespace), after, readAt, visit);
    } catch (e) {
      if (e instanceof FutureRevisionError) throw new ApiError(500, '', e.message);
      if (!(e instanceof CompactedError)) throw e;
      if (!token) throw gone('The resourceVersion for the provided list is too old.');
      // The answer carries a token that continues from the same key at the latest revision.
      const expired = gone(CONTINUE_EXPIRED);
      expired.status.metadata = { continue: encodeContinue(after!, '-1') };
      throw expired;
    }
    if (more < 0) {
      const last = items[items.length - 1].metadata;
      more = this.store.countAfter(storageKey(t), scopeNs(t, namespace), `${last.namespace ?? ''}/${last.name}`);
    }
    const result: ListResult = { items, resourceVersion: rv };
    if (more > 0) {
      const last = items[items.length - 1].metadata;
      result.continue = encodeContinue(`${last.namespace ?? ''}/${last.name}`, rv);
      if (!opts.labelSelector && !opts.fieldSelector) result.remainingItemCount = more;
    }
    return result;
  }

  /**
   * The revision a list reads at, undefined for the latest. Like kube-apiserver: a continue token
   * reads at its own revision (-1: the latest), resourceVersionMatch=Exact, and a legacy
   * resourceVersion with a limit, read storage at that revision; other non-zero versions are
   * "not older than" and read the latest, which must have reached them.
   */
  private listRevision(opts: ListOptions, limit: number, tokenRv: number | undefined): number | undefined {
    if (tokenRv !== undefined) return tokenRv > 0 ? tokenRv : undefined;
    const text = opts.resourceVersion;
    if (!text || text === '0') return undefined;
    if (!/^\d+$/.test(text))
      throw badRequest(
        `invalid resource version: resourceVersion: Invalid value: ${JSON.stringify(text)}: strconv.ParseUint: parsing ${JSON.stringify(text)}: invalid syntax`,
      );
    const wanted = Number(text);
    if (readsExactRevision(opts.resourceVersionMatch, limit !== Infinity)) return wanted;
    const current = this.store.resourceVersion;
    if (wanted > current)
      throw new ApiError(504, 'Timeout', `Timeout: Too large resource version: ${wanted}, current: ${current}`, {
        causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
        retryAfterSeconds: 1,
      });
    return undefined;
  }

  /** Builds the selector filter, answering 400 for a bad selector or an unsupported field. */
  matcher(t: ResourceType, labelSelector?: string, fieldSelector?: string): (o: KubeObject) => boolean {
    let labels: LabelSelector | undefined;
    let fields: FieldSelector | undefined;
    try {
      if (labelSelector) labels = parseLabelSelector(labelSelector);
      if (fieldSelector) {
        fields = parseFieldSelector(fieldSelector);
        const supported = Object.keys(this.fieldsOf(t, { apiVersion: '', kind: '', metadata: {} }));
        if (t.group === 'batch' && t.kind === 'Job') {
          const bad = fields.requirements.find((r) => !supported.includes(r.field));
          if (bad) throw badRequest(`field label "${bad.field}" not supported for batchv1.Job`);
        }
        // Kinds with extra selectable fields word the error as their field label conversion does.
        checkFieldSelector(fields, supported, !!t.hooks.fieldLabels);
      }
    } catch (e) {
      if (e instanceof SelectorError) throw badRequest(e.message);
      throw e;
    }
    if (!labels && !fields) return () => true;
    return (o) => (!labels || matchLabelSelector(labels, o.metadata.labels)) && (!fields || matchFieldSelector(fields, (f) => this.fieldsOf(t, o)[f]));
  }

  private fieldsOf(t: ResourceType, o: KubeObject): Record<string, string | undefined> {
    const base: Record<string, string | undefined> = { 'metadata.name': o.metadata.name ?? '', 'metadata.namespace': o.metadata.namespace ?? '' };
    return t.hooks.fieldLabels ? { ...base, ...t.hooks.fieldLabels(o) } : base;
  }

  /**
   * Streams changes to `send` from the given resourceVersion; returns the stop function.
   * A too old version throws 410 Expired.
   */
  watch(t: ResourceType, namespace: string | undefined, opts: WatchOptions, send: (e: WatchEvent) => void): () => void {
    const matches = this.matcher(t, opts.labelSelector, opts.fieldSelector);
    const ns = scopeNs(t, namespace);
    const inScope = (o: KubeObject) => ns === undefined || o.metadata.namespace === ns;
    const rvText = opts.resourceVersion;
    let from: number;
    if (!rvText || rvText === '0') {
      for (const o of this.store.list(storageKey(t), ns)) if (matches(o)) send({ type: 'ADDED', object: this.present(t, o) });
      from = this.store.resourceVersion;
    } else {
      from = Number(rvText);
      // Storage rejects it with a field error that reaches the client as a plain 500.
      if (!/^\d+$/.test(rvText))
        throw new ApiError(
          500,
          '',
          `resourceVersion: Invalid value: ${JSON.stringify(rvText)}: strconv.ParseUint: parsing ${JSON.stringify(rvText)}: invalid syntax`,
        );
    }
    const listener = (e: StoreEvent) => {
      if (!inScope(e.object)) return;
      const now = matches(e.object);
      if (e.type === 'MODIFIED' && e.old) {
        const before = matches(e.old);
        // Objects entering or leaving the selection look like additions and deletions.
        if (now && !before) return send({ type: 'ADDED', object: this.present(t, e.object) });
        // A leaving object is sent as it was when it last matched, at the change's version.
        if (!now && before)
          return send({
            type: 'DELETED',
            object: this.present(t, { ...e.old, metadata: { ...e.old.metadata, resourceVersion: e.object.metadata.resourceVersion } }),
          });
      }
      if (now) send({ type: e.type, object: this.present(t, e.object) });
    };
    try {
      return this.store.watch(storageKey(t), from, listener);
    } catch (e) {
      if (e instanceof TooOldError) throw gone(e.message);
      throw e;
    }
  }

  // ---- writes ----

  private ctx(operation: string, opts: WriteOptions, subresource?: string): WriteContext {
    return { operation, subresource, dryRun: !!opts.dryRun, fieldValidation: opts.fieldValidation, warnings: opts.warnings };
  }

  create(t: ResourceType, namespace: string | undefined, body: KubeObject, opts: WriteOptions = {}): KubeObject {
    const obj = clone(body);
    this.checkTypeMeta(t, obj);
    obj.metadata ??= {};
    const meta = obj.metadata;
    if (t.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace)
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      meta.namespace = namespace ?? meta.namespace;
      if (!meta.namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    } else {
      delete meta.namespace;
    }
    if (!meta.name && meta.generateName) meta.name = generateName(meta.generateName, (n) => !!this.store.get(storageKey(t), meta.namespace, n));
    if (!meta.name) throw invalid(t, '', [fieldRequired('metadata.name', 'name or generateName is required')]);
    if (t.namespaced) this.checkNamespaceOpen(meta.namespace!, t, meta.name);
    const ctx = this.ctx('create', opts);
    if (meta.resourceVersion) throw new ApiError(500, '', 'resourceVersion should not be set on objects to be created');
    // Server-owned metadata is never taken from the client.
    for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'selfLink'])
      delete meta[k];
    if (hasSubresource(t, 'status') && t.custom) delete obj.status;
    else if (hasSubresource(t, 'status') && !t.hooks.prepareCreate) obj.status = {};
    if (!t.custom) this.checkDecodes(t, obj, 'create');
    if (!t.custom) reportUnknownFields(obj, goDecode(obj, apiVersionOf(t), t.kind), ctx);
    t.hooks.defaults?.(obj, ctx);
    if (!t.custom) {
      canonicalizeQuantities(obj);
      goShape(obj, apiVersionOf(t), t.kind);
    }
    // The field manager sees the object decoded and defaulted, before admission plugins and the
    // create strategy fill in server-set fields.
    const managed =
      opts.fieldManager && !opts.keepManagedFields
        ? recordUpdate(t, undefined, { ...obj, apiVersion: apiVersionOf(t), kind: t.kind }, opts.fieldManager)
        : undefined;
    t.hooks.admit?.(obj, ctx);
    t.hooks.prepareCreate?.(obj, ctx);
    if (!t.custom) {
      canonicalizeQuantities(obj);
      goShape(obj, apiVersionOf(t), t.kind);
    }
    this.validate(t, obj, undefined, ctx);
    if (this.store.get(storageKey(t), meta.namespace, meta.name)) throw alreadyExists(t, meta.name);
    // A defaults hook may have assigned the uid already (Job selectors are built from it).
    meta.uid ??= newUid();
    meta.creationTimestamp = nowTimestamp();
    if (t.custom || GENERATION_KINDS.has(t.kind)) meta.generation = 1;
    obj.apiVersion = apiVersionOf(t);
    obj.kind = t.kind;
    if (managed) meta.managedFields = managed;
    if (!meta.managedFields?.length) delete meta.managedFields;
    // A dry run answers (and admission webhooks see) the object in the order it would be stored.
    if (opts.dryRun) return keyOrdered(t, obj);
    const stored = this.store.put(storageKey(t), orderFields(t, this.toStorage(t, obj)));
    t.hooks.afterWrite?.('create', stored, undefined);
    return this.present(t, stored);
  }

  /**
   * Replaces an object (PUT). `subresource` "status" changes only status; the main resource
   * keeps the stored status when the kind has a status subresource.
   */
  update(
    t: ResourceType,
    namespace: string | undefined,
    name: string,
    body: KubeObject,
    opts: WriteOptions = {},
    subresource?: string,
  ): { object: KubeObject; created: boolean } {
    const obj = clone(body);
    this.checkTypeMeta(t, obj);
    obj.metadata ??= {};
    if (obj.metadata.name && obj.metadata.name !== name)
      throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    if (t.namespaced && obj.metadata.namespace && namespace && obj.metadata.namespace !== namespace)
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    const ns = scopeNs(t, namespace);
    const stored = this.store.get(storageKey(t), ns, name);
    if (!stored) {
      // The status store shares the kind's create strategy: a status PUT creates too.
      if ((!subresource || subresource === 'status') && CREATE_ON_UPDATE.has(storageKey(t))) {
        obj.metadata.name = name;
        delete obj.metadata.resourceVersion;
        return { object: this.create(t, namespace, obj, opts), created: true };
      }
      throw notFound(t, name);
    }
    const rv = obj.metadata.resourceVersion;
    // Custom resources and leases cannot be updated unconditionally (the error names the resource).
    if (!rv && (t.custom || CONDITIONAL_UPDATES.has(storageKey(t))))
      throw invalid({ group: t.group, resource: '', kind: t.resource }, name, [
        { reason: 'FieldValueInvalid', field: 'metadata.resourceVersion', message: 'Invalid value: 0x0: must be specified for an update' },
      ]);
    if (rv && rv !== stored.metadata.resourceVersion) throw conflict(t, name);
    return { object: this.commitUpdate(t, stored, obj, opts, subresource ?? '', 'update'), created: false };
  }

  /** Shared tail of update and patch: merge server-owned fields, validate, store. */
  commitUpdate(t: ResourceType, stored: KubeObject, next: KubeObject, opts: WriteOptions, subresource: string, operation: string): KubeObject {
    const ctx = this.ctx(operation, opts, subresource || undefined);
    // The write happens in the request's version; storage takes it converted back at the end.
    if (t.conversion) stored = this.present(t, stored);
    let obj = next;
    if (subresource === 'status' || subresource === 'approval') {
      // Only status changes through /status (and CSR conditions through /approval); the rest comes from the stored object.
      obj = { ...clone(stored), status: next.status };
      if (!t.custom) {
        obj.metadata.labels = next.metadata.labels ?? stored.metadata.labels;
        obj.metadata.annotations = next.metadata.annotations ?? stored.metadata.annotations;
      }
      if (obj.status === undefined) delete obj.status;
    } else if (hasSubresource(t, 'status')) {
      if (stored.status === undefined) delete obj.status;
      else obj.status = clone(stored.status);
    }
    const meta = obj.metadata;
    const old = stored.metadata;
    // The field manager sees the deletion fields as sent: the strategy resets them afterwards.
    const sentDeletion = { deletionTimestamp: meta.deletionTimestamp, deletionGracePeriodSeconds: meta.deletionGracePeriodSeconds };
    meta.name = old.name;
    if (old.namespace) meta.namespace = old.namespace;
    else delete meta.namespace;
    meta.uid = old.uid;
    meta.creationTimestamp = old.creationTimestamp;
    if (old.deletionTimestamp) {
      meta.deletionTimestamp = old.deletionTimestamp;
      meta.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds;
    } else {
      delete meta.deletionTimestamp;
      delete meta.deletionGracePeriodSeconds;
    }
    meta.resourceVersion = old.resourceVersion;
    if (old.generation !== undefined) meta.generation = old.generation;
    else delete meta.generation;
    delete meta.selfLink;
    if (!t.custom) this.checkDecodes(t, obj, operation);
    if (!t.custom) reportUnknownFields(obj, goDecode(obj, apiVersionOf(t), t.kind), ctx);
    if (subresource === '') t.hooks.defaults?.(obj, ctx);
    if (!t.custom) {
      canonicalizeQuantities(obj);
      goShape(obj, apiVersionOf(t), t.kind);
    }
    // Recorded before admission and the update strategy change the object (as on create).
    const managed =
      operation === 'apply' || opts.keepManagedFields
        ? next.metadata.managedFields
        : opts.fieldManager
          ? recordUpdate(t, stored, withMetadata(obj, sentDeletion), opts.fieldManager, subresource || undefined)
          : old.managedFields;
    if (subresource === '') {
      t.hooks.admit?.(obj, ctx);
      t.hooks.prepareUpdate?.(obj, stored, ctx);
      if (!t.custom) {
        canonicalizeQuantities(obj);
        goShape(obj, apiVersionOf(t), t.kind);
      }
    } else t.hooks.prepareSubresourceUpdate?.(obj, stored, ctx);
    this.validate(t, obj, stored, ctx);
    if (meta.generation !== undefined && subresource === '') {
      const bump = t.hooks.bumpsGeneration ? t.hooks.bumpsGeneration(obj, stored) : specChanged(obj, stored);
      if (bump) meta.generation = (old.generation ?? 0) + 1;
    }
    obj.apiVersion = stored.apiVersion;
    obj.kind = stored.kind;
    meta.managedFields = managed;
    if (!meta.managedFields?.length) delete meta.managedFields;
    if (sameObject(withoutTimes(obj), withoutTimes(stored))) return this.present(t, stored);
    if (opts.dryRun) return this.present(t, keyOrdered(t, obj));
    if (meta.deletionTimestamp && !(meta.finalizers ?? []).length && !pendingSpecFinalizers(obj) && !meta.deletionGracePeriodSeconds) {
      const last = this.store.remove(storageKey(t), meta.namespace, meta.name!);
      t.hooks.afterWrite?.('delete', last ?? obj, stored);
      // The answer is the object as this write left it (finalizers gone), at the deletion's version.
      return this.present(t, { ...obj, metadata: { ...obj.metadata, resourceVersion: last?.metadata.resourceVersion ?? meta.resourceVersion } });
    }
    const saved = this.store.put(storageKey(t), orderFields(t, this.toStorage(t, obj)));
    t.hooks.afterWrite?.('update', saved, stored);
    return this.present(t, saved);
  }

  /** Applies `mutate` to a copy of the stored object and commits it (the shape of every patch). */
  mutate(
    t: ResourceType,
    namespace: string | undefined,
    name: string,
    mutate: (current: KubeObject) => KubeObject,
    opts: WriteOptions = {},
    subresource = '',
    operation = 'patch',
  ): KubeObject {
    const ns = scopeNs(t, namespace);
    const stored = this.store.get(storageKey(t), ns, name);
    if (!stored) throw notFound(t, name);
    const next = mutate(clone(this.present(t, stored)));
    if (!next || typeof next !== 'object' || Array.isArray(next)) throw badRequest('the patch did not produce an object');
    next.metadata ??= {};
    if (next.metadata.resourceVersion && next.metadata.resourceVersion !== stored.metadata.resourceVersion) throw conflict(t, name);
    if (next.metadata.name && next.metadata.name !== name)
      throw badRequest(`the name of the object (${next.metadata.name}) does not match the name on the URL (${name})`);
    if (next.metadata.uid && next.metadata.uid !== stored.metadata.uid)
      throw conflict(t, name, `Precondition failed: UID in precondition: ${next.metadata.uid}, UID in object meta: ${stored.metadata.uid}`);
    return this.commitUpdate(t, stored, next, opts, subresource, operation);
  }

  delete(t: ResourceType, namespace: string | undefined, name: string, opts: DeleteOptions = {}): DeleteResult {
    const ns = scopeNs(t, namespace);
    const stored = this.store.get(storageKey(t), ns, name);
    if (!stored) throw notFound(t, name);
    const pre = opts.preconditions ?? {};
    // Delete preconditions are checked by storage, whose conflict names the kind.
    const byKind = { group: '', resource: t.kind, kind: t.kind };
    if (pre.uid && pre.uid !== stored.metadata.uid)
      throw conflict(
        byKind,
        name,
        `the UID in the precondition (${pre.uid}) does not match the UID in record (${stored.metadata.uid}). The object might have been deleted and then recreated`,
      );
    if (pre.resourceVersion && pre.resourceVersion !== stored.metadata.resourceVersion)
      throw conflict(
        byKind,
        name,
        `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${stored.metadata.resourceVersion}). The object might have been modified`,
      );
    const plan = t.hooks.beforeDelete?.(stored, opts) ?? {};
    // Graceful deletion (pods on a node): marked now, removed by a later delete with grace 0.
    // Only pods on a node are deleted gracefully; everything else goes at once whatever the grace period asked.
    const graceful = t.kind === 'Pod' && !t.group && !!(stored.spec as { nodeName?: string } | undefined)?.nodeName;
    const grace = graceful ? Math.max(0, opts.gracePeriodSeconds ?? plan.gracePeriodSeconds ?? 0) : 0;
    const finalizers = [...(stored.metadata.finalizers ?? [])];
    // Finalizers a kind adds when its deletion starts (a CRD's cleanup).
    for (const f of plan.finalizers ?? []) if (!finalizers.includes(f)) finalizers.push(f);
    // core/v1 ReplicationControllers keep the legacy default: their pods are orphaned.
    const policy = opts.propagationPolicy ?? (t.kind === 'ReplicationController' && !t.group ? 'Orphan' : undefined);
    if (policy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
    if (policy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
    const pending = finalizers.length > 0 || pendingSpecFinalizers(stored) || grace > 0;
    if (!pending) {
      if (opts.dryRun) return { gone: true, object: this.present(t, stored) };
      const last = this.store.remove(storageKey(t), ns, name)!;
      t.hooks.afterWrite?.('delete', last, stored);
      return { gone: true, object: this.present(t, last) };
    }
    const oldGrace = stored.metadata.deletionGracePeriodSeconds;
    const newGrace = oldGrace === undefined ? grace : Math.min(oldGrace, grace);
    if (stored.metadata.deletionTimestamp && sameList(finalizers, stored.metadata.finalizers ?? []) && newGrace === oldGrace)
      return { gone: false, object: this.present(t, stored) };
    const next = clone(stored);
    if (finalizers.length) next.metadata.finalizers = finalizers;
    // Controllers must notice that deletion started: the first mark bumps a kept generation.
    if (!next.metadata.deletionTimestamp && next.metadata.generation) next.metadata.generation += 1;
    next.metadata.deletionTimestamp ??= new Date(Date.now() + grace * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    next.metadata.deletionGracePeriodSeconds = newGrace;
    if (t.kind === 'Namespace' && !t.group) {
      // Namespaces are not deleted gracefully: no grace period is recorded.
      delete next.metadata.deletionGracePeriodSeconds;
      next.status = { ...(next.status as object), phase: 'Terminating' };
    }
    if (opts.dryRun) return { gone: false, object: this.present(t, next) };
    const saved = this.store.put(storageKey(t), next);
    t.hooks.afterWrite?.('update', saved, stored);
    return { gone: false, object: this.present(t, saved) };
  }

  deleteCollection(t: ResourceType, namespace: string | undefined, listOpts: ListOptions, opts: DeleteOptions = {}): KubeObject[] {
    const { items } = this.list(t, namespace, { labelSelector: listOpts.labelSelector, fieldSelector: listOpts.fieldSelector });
    const out: KubeObject[] = [];
    for (const o of items) {
      try {
        out.push(this.delete(t, o.metadata.namespace, o.metadata.name!, opts).object);
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
    return out;
  }

  // ---- checks ----

  private checkTypeMeta(t: ResourceType, obj: KubeObject): void {
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw badRequest(`the object provided is unrecognized (must be of type ${t.kind})`);
    const av = obj.apiVersion;
    const kind = obj.kind;
    if (t.custom && av && av !== apiVersionOf(t))
      throw badRequest(`the API version in the data (${String(av)}) does not match the expected API version (${apiVersionOf(t)})`);
    if (t.custom && kind && kind !== t.kind)
      throw invalid({ group: t.group, resource: t.resource, kind: String(kind) }, obj.metadata?.name ?? '', [fieldInvalid('kind', kind, `must be ${t.kind}`)]);
    if (kind && kind !== t.kind) {
      const other = typeof av === 'string' ? this.registry.byApiVersionKind(av, kind) : undefined;
      throw badRequest(
        other
          ? `${kind} in version "${other.version}" cannot be handled as a ${t.kind}: converting (${other.version}.${kind}) to (${internalPackage(t.group)}.${t.kind}): unknown conversion`
          : `${kind} in version "${versionOf(av)}" cannot be handled as a ${t.kind}: no kind "${kind}" is registered for version "${av}" in scheme "${SCHEME}"`,
      );
    }
    if (av && av !== apiVersionOf(t) && !this.registry.byApiVersionKind(String(av), t.kind))
      throw badRequest(
        `${t.kind} in version "${versionOf(av)}" cannot be handled as a ${t.kind}: no kind "${t.kind}" is registered for version "${av}" in scheme "${SCHEME}"`,
      );
    if (obj.metadata !== undefined && (obj.metadata === null || typeof obj.metadata !== 'object' || Array.isArray(obj.metadata)))
      throw badRequest(`${t.kind} in version "${t.version}" cannot be handled as a ${t.kind}: metadata must be an object`);
  }

  /** A built-in object must decode into its Go type; the error depends on how the object arrived. */
  private checkDecodes(t: ResourceType, obj: KubeObject, operation: string): void {
    const error = decodeError(obj as unknown as Record<string, unknown>, apiVersionOf(t), t.kind);
    if (!error) return;
    if (operation === 'patch' || operation === 'apply')
      throw invalid({ group: '', resource: '', kind: '' }, '', [
        { reason: 'FieldValueInvalid', field: 'patch', message: `Invalid value: ${JSON.stringify(sortedJson(obj))}: ${error}` },
      ]);
    throw badRequest(`${t.kind} in version "${t.version}" cannot be handled as a ${t.kind}: ${error}`);
  }

  private checkNamespaceOpen(namespace: string, t: ResourceType, name: string): void {
    const ns = this.store.get('/namespaces', undefined, namespace);
    const nsType = { group: '', resource: 'namespaces', kind: 'Namespace' };
    if (!ns) throw notFound(nsType, namespace);
    if (ns.metadata.deletionTimestamp)
      throw forbidden(`${qualified(t)} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`, {
        name,
        ...(t.group ? { group: t.group } : {}),
        kind: t.resource,
        causes: [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }],
      });
  }

  private validate(t: ResourceType, obj: KubeObject, old: KubeObject | undefined, ctx: WriteContext, causes: Cause[] = []): void {
    const meta = obj.metadata;
    if (!old) {
      const name = meta.name!;
      const nameErrors =
        t.kind === 'Namespace' && !t.group
          ? isDns1123Label(name)
          : t.kind === 'Service' && !t.group
            ? dns1035Label(name)
            : pathSegmentKinds.has(t.kind)
              ? pathSegment(name)
              : isDns1123Subdomain(name);
      for (const msg of nameErrors.slice(0, 1)) causes.push(fieldInvalid('metadata.name', name, msg));
      if (name.length > MAX_NAME && !nameErrors.length) causes.push(fieldInvalid('metadata.name', name, `must be no more than ${MAX_NAME} characters`));
    }
    for (const [k, v] of Object.entries(meta.labels ?? {})) {
      for (const msg of isLabelKey(k)) causes.push(fieldInvalid('metadata.labels', k, msg));
      if (typeof v !== 'string') causes.push(fieldInvalid(`metadata.labels`, v, 'must be a string'));
      else for (const msg of isLabelValue(v)) causes.push(fieldInvalid('metadata.labels', v, msg));
    }
    for (const [k, v] of Object.entries(meta.annotations ?? {})) {
      for (const msg of isLabelKey(k.toLowerCase())) causes.push(fieldInvalid('metadata.annotations', k, msg));
      if (typeof v !== 'string') causes.push(fieldInvalid('metadata.annotations', v, 'must be a string'));
    }
    causes.push(...validateOwnerReferences(meta.ownerReferences));
    // The generic registry checks a metadata update, then the kind's strategy checks it again: Kubernetes reports these twice.
    const metaUpdate = old ? metadataUpdateCauses(meta, old.metadata) : [];
    causes.push(...metaUpdate, ...metaUpdate);
    if (t.hooks.validate) causes.push(...t.hooks.validate(obj, old, ctx));
    if (causes.length) throw invalid(t, meta.name ?? '', causes);
  }
}

/** apimachinery's ObjectMeta update check the API server can fail on (the immutable fields are restored before it). */
function metadataUpdateCauses(meta: KubeObject['metadata'], old: KubeObject['metadata']): Cause[] {
  if (!old.deletionTimestamp) return [];
  const added = (meta.finalizers ?? []).filter((f) => !(old.finalizers ?? []).includes(f));
  if (!added.length) return [];
  // Go prints the new names as a sorted set.
  const list = [...new Set(added)]
    .sort()
    .map((f) => JSON.stringify(f))
    .join(', ');
  return [fieldForbidden('metadata.finalizers', `no new finalizers can be added if the object is being deleted, found new finalizers []string{${list}}`)];
}

type OwnerRef = { apiVersion?: string; kind?: string; name?: string; uid?: string; controller?: boolean; blockOwnerDeletion?: boolean };

/** apimachinery's owner reference checks (paths without an index, as it reports them). */
function validateOwnerReferences(refs: OwnerRef[] | undefined): Cause[] {
  if (!Array.isArray(refs)) return [];
  const path = 'metadata.ownerReferences';
  const causes: Cause[] = [];
  for (const r of refs) {
    const version = (r.apiVersion ?? '').split('/').pop() ?? '';
    if (!version) causes.push(fieldInvalid(`${path}.apiVersion`, r.apiVersion ?? '', 'version must not be empty'));
    if (!r.kind) causes.push(fieldInvalid(`${path}.kind`, r.kind ?? '', 'kind must not be empty'));
    if (!r.name) causes.push(fieldInvalid(`${path}.name`, r.name ?? '', 'name must not be empty'));
    if (!r.uid) causes.push(fieldInvalid(`${path}.uid`, r.uid ?? '', 'uid must not be empty'));
  }
  const controllers = refs.filter((r) => r.controller === true);
  if (controllers.length > 1) {
    // Go prints the list with %#v, pointer addresses included.
    const pointer = (v: boolean | undefined) => (v === undefined ? '(*bool)(nil)' : '(*bool)(0xc000000000)');
    const shown = refs
      .map(
        (r) =>
          `v1.OwnerReference{APIVersion:${JSON.stringify(r.apiVersion ?? '')}, Kind:${JSON.stringify(r.kind ?? '')}, Name:${JSON.stringify(r.name ?? '')}, UID:${JSON.stringify(r.uid ?? '')}, Controller:${pointer(r.controller)}, BlockOwnerDeletion:${pointer(r.blockOwnerDeletion)}}`,
      )
      .join(', ');
    causes.push({
      reason: 'FieldValueInvalid',
      field: path,
      message: `Invalid value: []v1.OwnerReference{${shown}}: Only one reference can have Controller set to true. Found "true" in references for ${controllers.map((c) => c.name).join(' and ')}`,
    });
  }
  return causes;
}

/** Where the API server's scheme is created, which its decoding errors name. */
const SCHEME = 'k8s.io/kubernetes/pkg/api/legacyscheme/scheme.go:30';

/** The Go package of a group's internal types (`core`, `apps`, `rbac`). */
function internalPackage(group: string): string {
  return group ? group.split('.')[0] : 'core';
}

/** Built-in kinds whose updates must name the resourceVersion they replace. */
const CONDITIONAL_UPDATES = new Set(['coordination.k8s.io/leases']);

const pathSegmentKinds = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding', 'CertificateSigningRequest']);

function pathSegment(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  for (const bad of ['/', '%']) if (name.includes(bad)) return [`may not contain '${bad}'`];
  return [];
}

function dns1035Label(value: string): string[] {
  if (value.length > 63) return ['must be no more than 63 characters'];
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(value))
    return [
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    ];
  return [];
}

function versionOf(apiVersion: unknown): string {
  const s = String(apiVersion ?? '');
  return s.includes('/') ? s.slice(s.indexOf('/') + 1) : s;
}

export function scopeNs(t: ResourceType, namespace: string | undefined): string | undefined {
  return t.namespaced ? namespace : undefined;
}

/** Namespaces wait for their spec.finalizers (the namespace controller's "kubernetes"). */
function pendingSpecFinalizers(o: KubeObject): boolean {
  if (o.kind !== 'Namespace') return false;
  const f = (o.spec as { finalizers?: string[] } | undefined)?.finalizers;
  return !!f && f.length > 0;
}

/**
 * A random uid as one flat string: randomUUID builds it by concatenation, and V8 would keep
 * every stored object's uid as a tree of ~15 string pieces (~350 bytes instead of ~50).
 */
function newUid(): string {
  return Buffer.from(randomUUID(), 'latin1').toString('latin1');
}

function generateName(prefix: string, taken: (name: string) => boolean): string {
  const base = prefix.length > MAX_NAME - 5 ? prefix.slice(0, MAX_NAME - 5) : prefix;
  for (;;) {
    let suffix = '';
    for (let i = 0; i < 5; i++) suffix += NAME_ALPHABET[Math.floor(Math.random() * NAME_ALPHABET.length)];
    if (!taken(base + suffix)) return base + suffix;
  }
}

function specChanged(a: KubeObject, b: KubeObject): boolean {
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (k === 'metadata' || k === 'status' || k === 'apiVersion' || k === 'kind') continue;
    if (!sameObject(a[k], b[k])) return true;
  }
  return false;
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Stored in the key order of the real server's JSON (see keyOrdered). */
function orderFields(t: ResourceType, written: KubeObject): KubeObject {
  // The store fills in resourceVersion where the key already is.
  return keyOrdered(t, { ...written, metadata: { ...written.metadata, resourceVersion: written.metadata.resourceVersion ?? '' } });
}

/**
 * Built-in kinds in Go's field order. Custom resources keep the order they were written in (a
 * real server sorts their keys, but the KUDO manager still compares specs as JSON text).
 */
function keyOrdered(t: ResourceType, obj: KubeObject): KubeObject {
  const ordered = t.custom ? obj : goOrdered(obj);
  if (ordered !== obj) return ordered;
  const { apiVersion, kind, metadata, ...rest } = obj;
  return { apiVersion, kind, metadata, ...rest };
}

/** `obj` with the given metadata fields (undefined ones removed). */
function withMetadata(obj: KubeObject, fields: Record<string, unknown>): KubeObject {
  const metadata: Record<string, unknown> = { ...obj.metadata };
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) delete metadata[k];
    else metadata[k] = v;
  }
  return { ...obj, metadata } as KubeObject;
}

/** The object with managedFields timestamps blanked: a write that changes only those is a no-op. */
function withoutTimes(o: KubeObject): KubeObject {
  const mf = o.metadata.managedFields as Record<string, unknown>[] | undefined;
  if (!mf) return o;
  return { ...o, metadata: { ...o.metadata, managedFields: mf.map((e) => ({ ...e, time: undefined })) } };
}

function encodeContinue(key: string, rv: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: Number(rv), start: key })).toString('base64url');
}

const CONTINUE_EXPIRED =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, ' +
  'or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an ' +
  'inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

/** The key a continue token starts after and the revision it reads at (-1: the latest). */
function decodeContinue(token: string): { start: string; rv: number } {
  // Tokens are unpadded URL-safe base64; Go's decoder names the first byte outside that alphabet.
  let illegal = token.search(/[^A-Za-z0-9_-]/);
  // A lone character after the last full quantum cannot be decoded either.
  if (illegal < 0 && token.length % 4 === 1) illegal = token.length - 1;
  if (illegal >= 0) throw badRequest(`invalid continue token: continue key is not valid: illegal base64 data at input byte ${illegal}`);
  const bytes = Buffer.from(token, 'base64url');
  let why: string;
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as { start?: unknown; rv?: unknown };
    const rv = typeof parsed.rv === 'number' ? parsed.rv : 0;
    if (typeof parsed.start === 'string' && rv !== 0) return { start: parsed.start, rv };
    why = 'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)';
  } catch {
    // Worded as Go's JSON decoder reports the first byte it cannot start a value with.
    const first = bytes.find((b) => ![0x20, 0x09, 0x0a, 0x0d].includes(b));
    why =
      first === undefined
        ? 'continue key is not valid: unexpected end of JSON input'
        : `continue key is not valid: invalid character ${goQuoteByte(first)} looking for beginning of value`;
  }
  throw badRequest(`invalid continue token: ${why}`);
}

/** Go's %q of a single byte read as a rune, with single quotes. */
function goQuoteByte(b: number): string {
  if (b === 0x27) return "'\\''";
  if (b >= 0x20 && b < 0x7f) return `'${String.fromCharCode(b)}'`;
  return `'\\u${b.toString(16).padStart(4, '0')}'`;
}

/** JSON with object keys sorted, as Go writes a map[string]interface{}. */
function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${sortedJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/**
 * Whether a list with a resourceVersion reads storage at exactly that revision
 * (resourceVersionMatch=Exact, or a legacy resourceVersion with a limit); other lists read
 * "not older than" it, through what kube-apiserver serves from its watch cache.
 */
export function readsExactRevision(resourceVersionMatch: string | null | undefined, limited: boolean): boolean {
  return resourceVersionMatch === 'Exact' || (!resourceVersionMatch && limited);
}
