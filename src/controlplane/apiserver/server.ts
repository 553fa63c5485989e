/**
 * The HTTP front of the local control plane: routing, authentication, content negotiation,
 * body decoding and watch streaming on top of ApiCore.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../../k8s/object.js';
import {
  ApiError,
  badRequest,
  goJsonError,
  conflict,
  fieldRequired,
  invalid,
  methodNotAllowed,
  pathNotFound,
  tooLarge,
  unauthorized,
  unsupportedMediaType,
  internal,
  fieldForbidden,
  notFound,
} from './errors.js';
import { ApiCore, clone, readsExactRevision, sameObject, type DeleteOptions, type WatchEvent, type WriteOptions } from './core.js';
import { aggregated, apiGroup, apiGroupList, apiResourceList, apiVersions } from './discovery.js';
import { OpenApi } from './openapi.js';
import { healthAnswer } from './health.js';
import { indentJson, wantsPrettyJson } from './pretty.js';
import { metricsVerb, RequestMetrics } from './metrics.js';
import { requestAttributes } from '../auth/request-info.js';
import { applyPatch, asApiError, parsePatchBody, patchKind } from './patching.js';
import { apiVersionOf, hasSubresource, type Registry, type ResourceType } from './registry.js';
import { readPath, toTable } from './table.js';
import { summarizeBody, yamlToJson, YamlDecodeError } from '../../k8s/yaml-decode.js';
import { goJsonType } from '../../k8s/patch/errors.js';
import { jsonText, jsonTextWithoutTypeMeta, jsonWithArray } from './encoding.js';
import { requestUrl } from './request-url.js';
import { nowTimestamp } from './clock.js';
import { formatLabelSelector, labelSelectorFromSpec, matchLabelSelector, type LabelSelectorSpec } from '../../k8s/selectors.js';
import { COMPONENT_STATUS_WARNING, componentStatus, getComponentStatus, isComponentStatus } from './componentstatus.js';
import { recordUpdate, serverSideApply } from './apply.js';
import type { RequestGate } from '../auth/access.js';

/** Bytes queued for one watch before it is closed as too slow. */
const MAX_WATCH_BACKLOG = 32 * 1024 * 1024;

/** Kubernetes' limit on request bodies (3 MiB). */

/** How long a read at a future resourceVersion waits for storage (kube-apiserver: 3 s). */
const FUTURE_REVISION_WAIT_MS = 3000;
export const MAX_BODY = 3 * 1024 * 1024;

export const VERSION_INFO = {
  major: '1',
  minor: '33',
  gitVersion: 'v1.33.1',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-05-15T00:00:00Z',
  goVersion: 'go1.24.2',
  compiler: 'gc',
  platform: 'linux/amd64',
};

/** What an admission chain is asked about one write (AdmissionReview's request, in short). */
export interface AdmissionAttributes {
  operation: 'CREATE' | 'UPDATE' | 'DELETE';
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** The object as it would be stored (absent for DELETE). */
  object?: KubeObject;
  oldObject?: KubeObject;
  dryRun: boolean;
  options?: unknown;
  /** Where admission warnings go (sent back as Warning headers). */
  warnings?: string[];
  /** For CREATE: the object as submitted (mutating webhooks see this; `object` is it ready to store). */
  submitted?: KubeObject;
}

/**
 * The admission seam (webhooks live in admission/): `review` throws an ApiError to deny,
 * or returns the mutated object, or undefined to let the write through unchanged.
 */
export interface Admission {
  review(attrs: AdmissionAttributes): Promise<KubeObject | undefined>;
  /** Whether any webhook could see this write; false skips the dry run that review needs. */
  applies?(attrs: Pick<AdmissionAttributes, 'operation' | 'type' | 'namespace' | 'subresource'>): boolean;
}

export interface ApiServerOptions {
  /** Admission chain run on every create, update, patch and delete that arrives over HTTP. */
  admission?: Admission;
  /** Bearer token required on every request but health and version checks; undefined = no auth. */
  token?: string;
  /** Authentication, impersonation and authorisation (src/controlplane/auth/); replaces `token` when set. */
  gate?: RequestGate;
  /** Idle watches get a blank line this often so clients do not time out (ms). */
  heartbeatMs?: number;
  /** BOOKMARK events this often when a watch allows them (ms). */
  bookmarkMs?: number;
  log?: (line: string) => void;
  /** The components `componentstatuses` reports (default: the controller manager and etcd). */
  components?: string[];
}

const PUBLIC_PATHS = /^\/(version|healthz|livez|readyz)(\/|$)/;
const BODY_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
/** The Go type the API server first decodes a body into (to find its kind), as Go prints it. */
const TYPE_META_STRUCT = 'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';

interface Target {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export class ApiServer {
  readonly openapi: OpenApi;
  private readonly metrics = new RequestMetrics();
  private readonly watches = new Set<() => void>();
  serverAddress = '127.0.0.1:0';

  constructor(
    readonly core: ApiCore,
    readonly registry: Registry,
    private readonly opts: ApiServerOptions = {},
  ) {
    this.openapi = new OpenApi(registry);
  }

  private get components(): string[] {
    return this.opts.components ?? ['controller-manager', 'etcd-0'];
  }

  /** Ends every open watch (on shutdown). */
  closeWatches(): void {
    for (const stop of [...this.watches]) stop();
  }

  handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (wantsPrettyJson(req, requestUrl(req).searchParams)) prettyResponses.add(res);
    res.on('finish', () => this.countRequest(req, res.statusCode));
    const route = () => this.route(req, res);
    (this.opts.gate ? this.opts.gate.serve(req, route) : route()).catch((e: unknown) => this.fail(res, e));
  };

  /** Counts a finished API request for /metrics (requests for other paths are not counted). */
  private countRequest(req: IncomingMessage, code: number): void {
    const url = requestUrl(req);
    const a = requestAttributes({ username: '', groups: [] }, req.method ?? 'GET', url);
    if (!a.resourceRequest) return;
    this.metrics.record({
      verb: a.subresource && STREAMING.has(a.subresource) ? 'CONNECT' : metricsVerb(a.verb, String(req.headers['content-type'] ?? '')),
      group: a.apiGroup,
      version: a.apiVersion,
      resource: a.resource,
      subresource: a.subresource,
      scope: a.name ? 'resource' : a.namespace ? 'namespace' : 'cluster',
      dryRun: url.searchParams.has('dryRun'),
      code,
    });
  }

  /** The /metrics text: request counts, stored objects per resource, build and start time. */
  private metricsText(): string {
    const objects = new Map<string, number>();
    for (const t of this.registry.all()) {
      const key = t.group ? `${t.resource}.${t.group}` : t.resource;
      if (objects.has(key) || !t.verbs.includes('list')) continue;
      try {
        const page = this.core.list(t, undefined, { limit: 1 });
        objects.set(key, page.items.length + (page.remainingItemCount ?? 0));
      } catch {
        objects.set(key, -1);
      }
    }
    return this.metrics.render(VERSION_INFO, objects);
  }

  private fail(res: ServerResponse, e: unknown): void {
    const err = asApiError(e);
    const api = err instanceof ApiError ? err : internal((err as Error)?.message ?? String(err));
    if (!(err instanceof ApiError)) this.opts.log?.(`internal error: ${(err as Error)?.stack ?? String(err)}`);
    if (res.headersSent) {
      res.end();
      return;
    }
    sendJson(res, api.code, api.status);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = requestUrl(req);
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (!this.opts.gate && this.opts.token !== undefined && !PUBLIC_PATHS.test(path)) {
      const auth = req.headers.authorization ?? '';
      if (auth !== `Bearer ${this.opts.token}`) throw unauthorized();
    }
    const method = req.method ?? 'GET';
    const accept = String(req.headers.accept ?? '');
    if (path === '/version') return sendJson(res, 200, VERSION_INFO);
    if (path === '/metrics' && method === 'GET') {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(this.metricsText());
      return;
    }
    if (/^\/(healthz|livez|readyz)(\/.*)?$/.test(path)) {
      const health = healthAnswer(path, url.searchParams);
      if (!health) throw pathNotFound();
      res.writeHead(health.status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      res.end(health.body);
      return;
    }
    if (this.opts.gate && (path === '/.well-known/openid-configuration' || path === '/openid/v1/jwks')) {
      // Service-account issuer discovery, so other systems can verify this server's tokens.
      const { issuer, keys } = this.opts.gate.tokenIssuer();
      const jwks = path === '/openid/v1/jwks';
      const body = jwks
        ? { keys }
        : {
            issuer,
            jwks_uri: `https://${req.headers.host ?? this.serverAddress}/openid/v1/jwks`,
            response_types_supported: ['id_token'],
            subject_types_supported: ['public'],
            id_token_signing_alg_values_supported: ['ES256'],
          };
      return sendJson(res, 200, body, jwks ? 'application/jwk-set+json' : 'application/json');
    }
    if (path === '/api' || path === '/apis') {
      const legacy = path === '/api';
      const want = aggregatedVersion(accept);
      if (want) return sendJson(res, 200, aggregated(this.registry, legacy, want), `application/json;g=apidiscovery.k8s.io;v=${want};as=APIGroupDiscoveryList`);
      return sendJson(res, 200, legacy ? apiVersions(this.serverAddress) : apiGroupList(this.registry));
    }
    if (path === '/openapi/v3') return sendJson(res, 200, this.openapi.index());
    if (path.startsWith('/openapi/v3/')) {
      const doc = this.openapi.document(path.slice('/openapi/v3/'.length));
      if (!doc) throw pathNotFound();
      res.writeHead(200, {
        'Content-Type': 'application/json',
        ETag: `"${doc.hash}"`,
        'Cache-Control': url.searchParams.has('hash') ? 'public, immutable' : 'no-cache, private',
      });
      res.end(doc.body);
      return;
    }
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    let group: string;
    let version: string;
    let rest: string[];
    if (parts[0] === 'api' && parts.length >= 2) [group, version, rest] = ['', parts[1], parts.slice(2)];
    else if (parts[0] === 'apis' && parts.length >= 3) [group, version, rest] = [parts[1], parts[2], parts.slice(3)];
    else if (parts[0] === 'apis' && parts.length === 2) {
      const g = apiGroup(this.registry, parts[1]);
      if (!g || method !== 'GET') throw pathNotFound();
      return sendJson(res, 200, g);
    } else throw pathNotFound();
    if (group && !this.registry.servesGroupVersion(group, version)) {
      // Groups and versions nobody serves fall through to the plain not-found handler.
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      res.end('404 page not found\n');
      return;
    }
    if (rest.length === 0) {
      const list = apiResourceList(this.registry, group, version);
      if (!list || method !== 'GET') throw pathNotFound();
      return sendJson(res, 200, list);
    }
    const target = this.resolve(group, version, rest);
    if (!target) throw pathNotFound();
    await this.serveResource(req, res, url, method, accept, target);
  }

  private resolve(group: string, version: string, rest: string[]): Target | undefined {
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      const t = this.registry.lookup(group, version, rest[2]);
      if (t?.namespaced) {
        namespace = rest[1];
        rest = rest.slice(2);
      }
    }
    if (rest.length > 3) return undefined;
    const type = this.registry.lookup(group, version, rest[0]);
    if (!type) return undefined;
    if (namespace === undefined && type.namespaced && rest.length > 1) return undefined;
    const [, name, subresource] = rest;
    if (subresource && !hasSubresource(type, subresource)) return undefined;
    return { type, namespace, name, subresource };
  }

  private async serveResource(req: IncomingMessage, res: ServerResponse, url: URL, method: string, accept: string, target: Target): Promise<void> {
    const { type: t, namespace, name, subresource } = target;
    const q = url.searchParams;
    const verb = verbOf(method, !!name, q);
    if (isComponentStatus(t) && method === 'GET') {
      // Deprecated kinds carry a warning on every read, errors included.
      res.setHeader('Warning', `299 - ${JSON.stringify(COMPONENT_STATUS_WARNING)}`);
      if (verb === 'watch')
        throw new ApiError(405, 'MethodNotAllowed', 'watch is not supported on resources of kind "componentstatuses"', { kind: 'componentstatuses' });
    }
    if (!verb || !t.verbs.includes(verb) || (subresource && !t.subresources.find((s) => s.name === subresource)?.verbs.includes(verb)))
      throw methodNotAllowed(t);
    const dryRun = q.getAll('dryRun').includes('All');
    if (q.getAll('dryRun').some((d) => d !== 'All'))
      throw invalid({ group: 'meta.k8s.io', resource: '', kind: OPTIONS_KIND[verb] ?? 'ListOptions' }, '', [
        {
          reason: 'FieldValueNotSupported',
          field: 'dryRun',
          message: `Unsupported value: []string{${q
            .getAll('dryRun')
            .map((d) => JSON.stringify(d))
            .join(', ')}}: supported values: "All"`,
        },
      ]);
    for (const p of ['gracePeriodSeconds', 'timeoutSeconds', 'limit'])
      if (q.has(p) && !/^-?\d+$/.test(q.get(p)!)) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(q.get(p))}: invalid syntax`);
    const fieldManager = q.get('fieldManager') ?? undefined;
    const warnings: string[] = [];
    const write = { dryRun, fieldManager: fieldManager ?? defaultManager(req), fieldValidation: q.get('fieldValidation') ?? undefined, warnings };
    // The options admission webhooks see: what the query asked for.
    const requestOptions = { ...(dryRun ? { dryRun: ['All'] } : {}), ...(fieldManager ? { fieldManager } : {}) };
    // Reads answer in the view the Accept header asks for (writes answer the object).
    const reads = (verb === 'get' || verb === 'list' || verb === 'watch') && (!subresource || subresource === 'status' || subresource === 'scale');
    const view: View = reads ? negotiateView(accept) : { as: 'object' };
    const wantTable = view.as === 'Table';
    if (wantTable) checkIncludeObject(q.get('includeObject'));
    if (verb === 'list' && view.as === 'PartialObjectMetadata')
      throw notAcceptable(`you requested PartialObjectMetadata, but the requested object is a list (*${goListType(t)})`);
    const send = (code: number, obj: KubeObject) => {
      if (warnings.length)
        res.setHeader(
          'Warning',
          warnings.map((w) => `299 - ${JSON.stringify(w)}`),
        );
      const plain = verb !== 'get' || !!subresource;
      sendJson(
        res,
        code,
        plain
          ? obj
          : wantTable
            ? toTable(t, [obj], q.get('includeObject') || 'Metadata', { resourceVersion: obj.metadata.resourceVersion })
            : view.as === 'PartialObjectMetadata'
              ? partialMetadata(obj, view.version)
              : obj,
      );
    };
    switch (verb) {
      case 'get': {
        if (subresource === 'scale') {
          const scaled = this.core.tryGet(t, namespace, name!);
          // Built-in scale storage names the subresource in its not-found error.
          if (!scaled && !t.custom) throw notFound({ ...t, resource: `${t.resource}/scale` }, name!);
          return send(200, toScale(t, scaled ?? this.core.get(t, namespace, name!)));
        }
        if (isComponentStatus(t)) return send(200, getComponentStatus(this.components, name!));
        if (subresource === 'log') {
          const pod = this.core.get(t, namespace, name!);
          checkLogContainer(pod, q.get('container') ?? undefined);
          // Without a node there is no kubelet to ask: an empty answer.
          if (!podNode(pod)) {
            res.writeHead(204);
            res.end();
            return;
          }
          if (!t.hooks.log) this.requireNode(pod);
          const tail = q.get('tailLines');
          const text =
            t.hooks.log?.(pod, {
              container: q.get('container') ?? undefined,
              tailLines: tail ? Number(tail) : undefined,
              previous: q.get('previous') === 'true',
            }) ?? '';
          res.writeHead(200, { 'Content-Type': 'text/plain' });
          res.end(text);
          return;
        }
        if (subresource && STREAMING.has(subresource)) {
          this.requireNode(this.core.get(t, namespace, name!));
          throw badRequest('Upgrade request required');
        }
        return send(200, this.core.get(t, namespace, name!));
      }
      case 'list': {
        validateListOptions(q);
        if (isComponentStatus(t)) {
          // Computed on every request: no resourceVersion, and items without their kind as in any typed list.
          const matches = this.core.matcher(t, q.get('labelSelector') ?? undefined, q.get('fieldSelector') ?? undefined);
          const items = this.components.map(componentStatus).filter(matches);
          if (wantTable) return sendJson(res, 200, toTable(t, items, q.get('includeObject') ?? 'Metadata', {}));
          return sendJson(res, 200, {
            kind: 'ComponentStatusList',
            apiVersion: 'v1',
            metadata: {},
            items: items.map(({ kind: _k, apiVersion: _a, ...rest }) => rest),
          });
        }
        const limit = q.get('limit') ? Number(q.get('limit')) : undefined;
        // Reads "not older than" a version go through the watch cache, which waits for it; exact reads do not.
        const exact = readsExactRevision(q.get('resourceVersionMatch'), limit !== undefined);
        const result = await this.whenRevisionReached(exact ? null : q.get('resourceVersion'), () =>
          this.core.list(t, namespace, {
            labelSelector: q.get('labelSelector') ?? undefined,
            fieldSelector: q.get('fieldSelector') ?? undefined,
            limit,
            continue: q.get('continue') ?? undefined,
            resourceVersion: q.get('resourceVersion') ?? undefined,
            resourceVersionMatch: q.get('resourceVersionMatch') ?? undefined,
          }),
        );
        const meta: Record<string, unknown> = { resourceVersion: result.resourceVersion };
        // Custom resource lists are unstructured and keep the empty continue token (tables do not).
        if (result.continue || (t.custom && !wantTable)) meta.continue = result.continue ?? '';
        if (result.remainingItemCount !== undefined) meta.remainingItemCount = result.remainingItemCount;
        if (wantTable) return sendJson(res, 200, toTable(t, result.items, q.get('includeObject') || 'Metadata', meta));
        if (view.as === 'PartialObjectMetadataList')
          return sendJson(res, 200, {
            kind: 'PartialObjectMetadataList',
            apiVersion: `meta.k8s.io/${view.version}`,
            metadata: meta,
            items: result.items.map((o) => partialMetadata(o, view.version)),
          });
        return sendJsonText(res, 200, jsonWithArray({ kind: t.listKind, apiVersion: apiVersionOf(t), metadata: meta }, 'items', listItems(t, result.items)));
      }
      case 'watch':
        return this.watch(req, res, t, namespace, name, q, wantTable);
      case 'create': {
        if (subresource) return this.createSubresource(req, res, t, namespace!, name!, subresource, write);
        if (name) throw methodNotAllowed(t);
        const body = await this.readObject(req, t);
        // Reviews are created like any object: the field manager records the request first, and
        // an answer that echoes the submitted metadata carries it.
        const virtual = this.opts.gate ? this.opts.gate.review(t, namespace, withRecordedFields(t, body, write.fieldManager)) : virtualCreate(t, body);
        if (virtual) return sendJson(res, 201, virtual);
        const created = await this.admitted(
          { operation: 'CREATE', type: t, namespace, options: requestOptions, submittedNamespace: body.metadata?.namespace },
          (w) => this.core.create(t, namespace, body, w),
          write,
        );
        return send(201, created);
      }
      case 'update': {
        const body = await this.readObject(req, t, subresource === 'scale');
        if (subresource === 'scale') {
          checkScaleBody(body, name!);
          return send(
            200,
            this.updateScale(t, namespace, name!, () => body, write),
          );
        }
        if (subresource === 'finalize') {
          if (body.metadata?.name && body.metadata.name !== name)
            throw badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`);
          const finalizers = (body.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [];
          return send(
            200,
            this.core.mutate(t, namespace, name!, (cur) => ({ ...cur, spec: { ...(cur.spec as object), finalizers } }), write, 'finalize', 'update'),
          );
        }
        let created = false;
        const object = await this.admitted(
          { operation: 'UPDATE', type: t, namespace, name, subresource, options: requestOptions },
          (w) => {
            const r = this.core.update(t, namespace, name!, body, w, subresource);
            created = r.created;
            return r.object;
          },
          write,
        );
        return send(created ? 201 : 200, object);
      }
      case 'patch':
        return this.patch(req, res, t, namespace, name!, subresource, q, write, send);
      case 'delete': {
        const opts = await this.readDeleteOptions(req, q);
        const admission = this.opts.admission;
        if (admission && admission.applies?.({ operation: 'DELETE', type: t, namespace, subresource }) !== false) {
          const old = this.core.get(t, namespace, name!);
          await admission.review({ operation: 'DELETE', type: t, namespace, name, oldObject: old, dryRun: dryRun || !!opts.dryRun, options: opts });
        }
        const result = this.core.delete(t, namespace, name!, { ...opts, dryRun: dryRun || opts.dryRun });
        if (!result.gone || (!t.group && RETURNS_DELETED.has(t.resource)) || (t.group === 'storage.k8s.io' && t.resource === 'storageclasses'))
          return send(200, result.object);
        return sendJson(res, 200, {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Success',
          details: { name: result.object.metadata.name, ...(t.group ? { group: t.group } : {}), kind: t.resource, uid: result.object.metadata.uid },
        });
      }
      case 'deletecollection': {
        const opts = await this.readDeleteOptions(req, q);
        const items = this.core.deleteCollection(
          t,
          namespace,
          { labelSelector: q.get('labelSelector') ?? undefined, fieldSelector: q.get('fieldSelector') ?? undefined },
          { ...opts, dryRun: dryRun || opts.dryRun },
        );
        const meta = { resourceVersion: String(this.core.store.resourceVersion) };
        return sendJsonText(res, 200, jsonWithArray({ kind: t.listKind, apiVersion: apiVersionOf(t), metadata: meta }, 'items', listItems(t, items)));
      }
    }
  }

  private async patch(
    req: IncomingMessage,
    res: ServerResponse,
    t: ResourceType,
    namespace: string | undefined,
    name: string,
    subresource: string | undefined,
    q: URLSearchParams,
    write: WriteOptions,
    send: (code: number, obj: KubeObject) => void,
  ): Promise<void> {
    const kind = patchKind(mediaType(req), t);
    const force = q.get('force');
    // Patches reach admission with their options as UpdateOptions (apply keeps force).
    const options = {
      ...(write.dryRun ? { dryRun: ['All'] } : {}),
      ...(q.get('fieldManager') ? { fieldManager: q.get('fieldManager') } : {}),
      ...(kind === 'apply' && force === 'true' ? { force: true } : {}),
    };
    if (kind !== 'apply' && force !== null)
      throw invalid({ group: 'meta.k8s.io', resource: '', kind: 'PatchOptions' }, '', [fieldForbidden('force', 'may not be specified for non-apply patch')]);
    const patch = parsePatchBody(kind, await readBytes(req));
    if (kind === 'apply') {
      if (!q.get('fieldManager'))
        throw invalid({ group: 'meta.k8s.io', resource: '', kind: 'PatchOptions' }, '', [fieldRequired('fieldManager', 'is required for apply patch')]);
      const manager = q.get('fieldManager')!;
      const applied = patch as KubeObject;
      const existing = this.core.tryGet(t, namespace, name);
      if (!existing && !subresource) {
        const object = serverSideApply(t, undefined, applied, manager, force === 'true');
        // As after any patch, the result must name the object on the URL.
        if (object.metadata?.name && object.metadata.name !== name)
          throw badRequest(`the name of the object (${object.metadata.name}) does not match the name on the URL (${name})`);
        object.metadata = { ...object.metadata, name, ...(t.namespaced && namespace ? { namespace } : {}) };
        const created = await this.admitted({ operation: 'CREATE', type: t, namespace, options }, (w) => this.core.create(t, namespace, object, w), {
          ...write,
          fieldManager: undefined,
        });
        return send(201, created);
      }
      const apply = (cur: KubeObject) => serverSideApply(t, cur, applied, manager, force === 'true', subresource);
      if (subresource === 'scale')
        return send(
          200,
          this.updateScale(t, namespace, name, (scale) => applyPatch('merge', scale, applied, t), write),
        );
      const attrs = { operation: 'UPDATE' as const, type: t, namespace, name, subresource, options };
      return send(
        200,
        await this.admitted(attrs, (w) => this.core.mutate(t, namespace, name, apply, w, subresource ?? '', 'apply'), { ...write, fieldManager: undefined }),
      );
    }
    const doPatch = (cur: KubeObject) => applyPatch(kind, cur, patch, t);
    if (subresource === 'scale') return send(200, this.updateScale(t, namespace, name, doPatch, write));
    const attrs = { operation: 'UPDATE' as const, type: t, namespace, name, subresource, options };
    return send(200, await this.admitted(attrs, (w) => this.core.mutate(t, namespace, name, doPatch, w, subresource ?? ''), write));
  }

  /**
   * Runs a write through admission: the write is first computed as a dry run, the admission
   * chain (mutating, then validating webhooks) sees the result and may reject or change it,
   * then the write is stored (the changed object when a webhook mutated it).
   */
  /**
   * Runs a read that asks for a resourceVersion newer than storage has; like kube-apiserver's
   * watch cache, it waits up to 3 seconds for storage to catch up before answering 504.
   */
  private async whenRevisionReached<T>(resourceVersion: string | null, read: () => T): Promise<T> {
    const wanted = Number(resourceVersion);
    const deadline = Date.now() + FUTURE_REVISION_WAIT_MS;
    while (Number.isInteger(wanted) && wanted > this.core.store.resourceVersion && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    return read();
  }

  private async admitted(
    attrs: Omit<AdmissionAttributes, 'object' | 'oldObject' | 'dryRun'> & { submittedNamespace?: string },
    run: (w: WriteOptions) => KubeObject,
    write: WriteOptions,
  ): Promise<KubeObject> {
    const admission = this.opts.admission;
    if (!admission || admission.applies?.(attrs) === false) return run(write);
    const old = attrs.name ? this.core.tryGet(attrs.type, attrs.namespace, attrs.name) : undefined;
    // The trial run's warnings are dropped: the real write below reports the same ones.
    const candidate = run({ ...write, dryRun: true, warnings: [] });
    const reviewed = await admission.review({
      ...attrs,
      name: attrs.name ?? candidate.metadata.name,
      object: candidate,
      // A created object reaches mutating admission as decoded: no uid, time or namespace yet.
      submitted: attrs.operation === 'CREATE' ? asSubmitted(candidate, attrs.submittedNamespace) : undefined,
      oldObject: old,
      dryRun: !!write.dryRun,
      warnings: write.warnings,
    });
    if (!reviewed || sameObject(reviewed, candidate)) return run(write);
    const t = attrs.type;
    // managedFields were recorded before mutating admission: the webhooks' changes are nobody's.
    const mutated = { ...write, keepManagedFields: true };
    if (attrs.operation === 'CREATE') return this.core.create(t, attrs.namespace, reviewed, mutated);
    const current = this.core.get(t, attrs.namespace, attrs.name!);
    if (old && current.metadata.resourceVersion !== old.metadata.resourceVersion) throw conflict(t, attrs.name!);
    const body = { ...reviewed, metadata: { ...reviewed.metadata, resourceVersion: current.metadata.resourceVersion } };
    return this.core.update(t, attrs.namespace, attrs.name!, body, mutated, attrs.subresource).object;
  }

  /** POST to a subresource: pod eviction and binding, service account tokens. */
  private async createSubresource(
    req: IncomingMessage,
    res: ServerResponse,
    t: ResourceType,
    namespace: string,
    name: string,
    subresource: string,
    write: WriteOptions,
  ): Promise<void> {
    if (STREAMING.has(subresource)) {
      this.requireNode(this.core.get(t, namespace, name));
      throw badRequest('Upgrade request required');
    }
    const body = await this.readAnyObject(req);
    if (t.resource === 'pods' && subresource === 'eviction') {
      const evicted = (body.metadata as { name?: string } | undefined)?.name;
      if (evicted && evicted !== name) throw badRequest('name in URL does not match name in Eviction object');
      const opts = (body.deleteOptions ?? {}) as DeleteOptions & { dryRun?: string[] | boolean };
      const dryRun = write.dryRun || (Array.isArray(opts.dryRun) && opts.dryRun.includes('All'));
      const pod = this.core.get(t, namespace, name);
      this.checkDisruptionBudget(pod);
      this.core.delete(t, namespace, name, { ...opts, dryRun });
      return sendJson(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    }
    if (t.resource === 'pods' && subresource === 'binding') {
      const node = (body.target as { name?: string } | undefined)?.name;
      if (!node) throw invalid({ group: '', resource: 'bindings', kind: 'Binding' }, name, [fieldRequired('target.name', '')]);
      // The binding storage writes the pod directly: no field manager records it. The node
      // goes through the pod, the PodScheduled condition through its status.
      const direct = { ...write, keepManagedFields: true };
      this.core.mutate(
        t,
        namespace,
        name,
        (pod) => {
          const spec = (pod.spec ?? {}) as Record<string, unknown>;
          if (spec.nodeName)
            throw conflict({ group: '', resource: 'pods/binding', kind: '' }, name, `pod ${name} is already assigned to node "${String(spec.nodeName)}"`);
          const annotations = { ...(pod.metadata.annotations ?? {}), ...((body.metadata as { annotations?: Record<string, string> })?.annotations ?? {}) };
          return { ...pod, metadata: { ...pod.metadata, ...(Object.keys(annotations).length ? { annotations } : {}) }, spec: { ...spec, nodeName: node } };
        },
        direct,
        '',
        'update',
      );
      if (!write.dryRun) this.core.mutate(t, namespace, name, (pod) => withScheduledCondition(pod), direct, 'status', 'update');
      return sendJson(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    }
    if (t.resource === 'serviceaccounts' && subresource === 'token' && this.opts.gate) {
      const answer = this.opts.gate.tokenRequest(namespace, name, body);
      // The field manager records the request as decoded (expirationSeconds defaulted).
      const spec = { ...((body.spec as object) ?? {}), expirationSeconds: (answer.spec as { expirationSeconds: number }).expirationSeconds };
      const recorded = withRecordedFields(TOKEN_REQUEST_TYPE(t), { ...(body as KubeObject), spec }, write.fieldManager);
      const managedFields = recorded.metadata?.managedFields;
      return sendJson(res, 201, managedFields ? { ...answer, metadata: { ...answer.metadata, managedFields } } : answer);
    }
    if (t.resource === 'serviceaccounts' && subresource === 'token') {
      const sa = this.core.get(t, namespace, name);
      const seconds = Number((body.spec as { expirationSeconds?: number } | undefined)?.expirationSeconds ?? 3600);
      const token = serviceAccountToken(namespace, name, sa.metadata.uid!, seconds);
      return sendJson(res, 201, {
        kind: 'TokenRequest',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: { name, namespace, creationTimestamp: null },
        spec: { audiences: ['https://kubernetes.default.svc.cluster.local'], expirationSeconds: seconds, boundObjectRef: null, ...(body.spec as object) },
        status: { token, expirationTimestamp: new Date(Date.now() + seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z') },
      });
    }
    throw methodNotAllowed(t);
  }

  /** A pod's node must exist for anything that asks its kubelet (logs, exec, attach). */
  private requireNode(pod: KubeObject): void {
    const node = podNode(pod);
    if (!node) throw badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
    const nodes = this.registry.lookup('', 'v1', 'nodes')!;
    // The node is read in the pod request's context, so the error names pods.
    if (!this.core.tryGet(nodes, undefined, node)) throw notFound({ group: '', resource: 'pods', kind: 'Pod' }, node);
  }

  /**
   * The eviction subresource's PodDisruptionBudget check. The local control plane runs no
   * disruption controller, so the budget's status is worked out here from the pods it selects.
   */
  private checkDisruptionBudget(pod: KubeObject): void {
    const phase = (pod.status as { phase?: string } | undefined)?.phase ?? 'Pending';
    // Pods that are not running, or already going, have nothing left to disrupt.
    if (['Pending', 'Succeeded', 'Failed'].includes(phase) || pod.metadata.deletionTimestamp) return;
    const pdbType = this.registry.lookup('policy', 'v1', 'poddisruptionbudgets');
    const podType = this.registry.lookup('', 'v1', 'pods')!;
    if (!pdbType) return;
    const namespace = pod.metadata.namespace;
    const budgets = this.core.list(pdbType, namespace, {}).items.filter((b) => selects(b, pod));
    if (budgets.length === 0) return;
    if (budgets.length > 1) throw internal('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
    const budget = budgets[0];
    const pods = this.core.list(podType, namespace, {}).items.filter((p) => selects(budget, p) && !p.metadata.deletionTimestamp);
    const { desired, healthy } = budgetHealth(budget, pods);
    const policy = (budget.spec as { unhealthyPodEvictionPolicy?: string }).unhealthyPodEvictionPolicy;
    // An unready pod does not count as healthy: evicting it takes nothing from a met budget.
    if (!isReady(pod) && (policy === 'AlwaysAllow' || (healthy >= desired && desired > 0))) return;
    if (healthy - desired > 0) return;
    throw new ApiError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", {
      causes: [
        { reason: 'DisruptionBudget', message: `The disruption budget ${budget.metadata.name} needs ${desired} healthy pods and has ${healthy} currently` },
      ],
    });
  }

  /** A JSON, YAML or protobuf body of any kind (subresource requests). */
  private async readAnyObject(req: IncomingMessage): Promise<Record<string, unknown>> {
    const anyType: ResourceType = { ...this.registry.lookup('', 'v1', 'pods')!, kind: 'object' };
    return (await this.readObject(req, anyType, true)) as Record<string, unknown>;
  }

  /** Reads, changes and writes back the Scale view of a scalable object. */
  private updateScale(
    t: ResourceType,
    namespace: string | undefined,
    name: string,
    change: (scale: KubeObject) => KubeObject,
    write: WriteOptions,
  ): KubeObject {
    const spec = t.scale!;
    const updated = this.core.mutate(
      t,
      namespace,
      name,
      (cur) => {
        const scale = change(toScale(t, cur));
        const replicas = readPath(scale, '.spec.replicas');
        const bad = replicas !== undefined && (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0);
        // Custom resources report the replicas path of their own schema.
        if (bad && t.custom)
          throw invalid(t, name, [
            { reason: 'FieldValueInvalid', field: spec.specReplicasPath, message: `Invalid value: ${String(replicas)}: should be a non-negative integer` },
          ]);
        if (bad)
          throw invalid({ group: 'autoscaling', resource: 'scale', kind: 'Scale' }, name, [
            { reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${String(replicas)}: must be greater than or equal to 0` },
          ]);
        if (scale.metadata?.resourceVersion && scale.metadata.resourceVersion !== cur.metadata.resourceVersion)
          cur.metadata.resourceVersion = scale.metadata.resourceVersion;
        setPath(cur, spec.specReplicasPath, replicas ?? 0);
        return cur;
      },
      write,
      '',
      'update',
    );
    return toScale(t, updated);
  }

  private watch(
    req: IncomingMessage,
    res: ServerResponse,
    t: ResourceType,
    namespace: string | undefined,
    name: string | undefined,
    q: URLSearchParams,
    wantTable: boolean,
  ): void {
    let fieldSelector = q.get('fieldSelector') ?? undefined;
    if (name) fieldSelector = [`metadata.name=${name}`, fieldSelector].filter(Boolean).join(',');
    const sendInitial = q.get('sendInitialEvents') === 'true';
    const bookmarks = q.get('allowWatchBookmarks') === 'true';
    const queue: string[] = [];
    let started = false;
    let firstTable = true;
    const encode = (type: string, object: unknown) => JSON.stringify({ type, object }) + '\n';
    const emit = (e: WatchEvent) => {
      let line: string;
      if (wantTable) {
        const table = toTable(t, [e.object], q.get('includeObject') ?? 'Metadata', { resourceVersion: e.object.metadata.resourceVersion });
        if (!firstTable) delete table.columnDefinitions;
        firstTable = false;
        line = encode(e.type, table);
      } else {
        line = encodeShared(e);
      }
      if (!started) queue.push(line);
      // A watcher that stops reading is closed (as the API server drops slow watchers) rather
      // than buffering without bound; the client re-lists and watches again.
      else if (res.writableLength > MAX_WATCH_BACKLOG) finish();
      else res.write(line);
    };
    // Errors (410, bad selectors) surface before the 200 is sent.
    const stop = this.core.watch(
      t,
      namespace,
      { labelSelector: q.get('labelSelector') ?? undefined, fieldSelector, resourceVersion: sendInitial ? '0' : (q.get('resourceVersion') ?? undefined) },
      emit,
    );
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    started = true;
    const bookmark = (annotations?: Record<string, string>) =>
      res.write(
        encode('BOOKMARK', {
          kind: t.kind,
          apiVersion: apiVersionOf(t),
          metadata: { resourceVersion: String(this.core.store.resourceVersion), ...(annotations ? { annotations } : {}) },
        }),
      );
    if (queue.length) res.write(queue.join(''));
    if (sendInitial && bookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });
    const timers: NodeJS.Timeout[] = [];
    const finish = () => {
      stop();
      for (const tm of timers) clearInterval(tm); // clears timeouts too
      this.watches.delete(finish);
      if (!res.writableEnded) res.end();
    };
    this.watches.add(finish);
    timers.push(setInterval(() => res.write('\n'), this.opts.heartbeatMs ?? 10_000));
    if (bookmarks) timers.push(setInterval(() => bookmark(), this.opts.bookmarkMs ?? 60_000));
    const timeout = Number(q.get('timeoutSeconds') ?? 0);
    if (timeout > 0) timers.push(setTimeout(finish, timeout * 1000));
    req.on('close', finish);
    res.on('error', finish);
  }

  private async readObject(req: IncomingMessage, t: ResourceType, allowAnyKind = false): Promise<KubeObject> {
    const type = mediaType(req) || 'application/json';
    if (!BODY_TYPES.includes(type)) throw unsupportedMediaType(BODY_TYPES);
    if (type === 'application/vnd.kubernetes.protobuf') {
      if (t.custom) throw unsupportedMediaType(['application/json', 'application/yaml']);
      const bytes = await readBytes(req);
      const { decodeProtobufObject } = await import('../../k8s/protobuf/decode.js');
      try {
        return decodeProtobufObject(bytes) as KubeObject;
      } catch (e) {
        throw badRequest(`the object provided is unrecognized (must be of type ${t.kind}): ${(e as Error).message}`);
      }
    }
    let body: unknown;
    const unrecognized = (why: string) => badRequest(`the object provided is unrecognized (must be of type ${allowAnyKind ? 'Scale' : t.kind}): ${why}`);
    if (type === 'application/yaml') {
      const bytes = await readBytes(req);
      try {
        body = yamlToJson(bytes) ?? {}; // an empty document decodes as an empty object
      } catch (e) {
        if (e instanceof YamlDecodeError) throw unrecognized(`${e.message} (${summarizeBody(bytes)})`);
        throw e;
      }
      if (typeof body !== 'object' || Array.isArray(body))
        throw unrecognized(
          `couldn't get version/kind; json parse error: json: cannot unmarshal ${goJsonType(body)} into Go value of type ${TYPE_META_STRUCT} (${summarizeBody(bytes)})`,
        );
      return body as KubeObject;
    }
    const bytes = await readBytes(req);
    const text = Buffer.from(bytes).toString('utf8');
    try {
      body = JSON.parse(text);
    } catch (e) {
      throw unrecognized(`couldn't get version/kind; json parse error: ${goJsonError(text, e as Error)} (${summarizeBody(bytes)})`);
    }
    // A null body decodes as an empty object (then fails validation); other non-objects fail the type probe.
    if (body === null) return {} as KubeObject;
    if (typeof body !== 'object' || Array.isArray(body))
      throw unrecognized(
        `couldn't get version/kind; json parse error: json: cannot unmarshal ${goJsonType(body)} into Go value of type ${TYPE_META_STRUCT} (${summarizeBody(bytes)})`,
      );
    return body as KubeObject;
  }

  private async readDeleteOptions(req: IncomingMessage, q: URLSearchParams): Promise<DeleteOptions> {
    const text = await readBody(req);
    let body: Record<string, any> = {};
    if (text.trim()) {
      try {
        body = JSON.parse(text);
      } catch (e) {
        throw badRequest(
          `the object provided is unrecognized (must be of type DeleteOptions): couldn't get version/kind; json parse error: ${goJsonError(text, e as Error)}`,
        );
      }
    }
    let policy = q.get('propagationPolicy') ?? body.propagationPolicy;
    const orphan = q.get('orphanDependents') ?? body.orphanDependents;
    if (!policy && orphan !== undefined && orphan !== null) policy = String(orphan) === 'true' ? 'Orphan' : 'Background';
    if (policy && !['Background', 'Foreground', 'Orphan'].includes(policy))
      throw invalid({ group: 'meta.k8s.io', resource: '', kind: 'DeleteOptions' }, '', [
        {
          reason: 'FieldValueNotSupported',
          field: 'propagationPolicy',
          message: `Unsupported value: ${JSON.stringify(policy)}: supported values: "Foreground", "Background", "Orphan", "nil"`,
        },
      ]);
    return {
      propagationPolicy: policy,
      preconditions: body.preconditions,
      dryRun: Array.isArray(body.dryRun) && body.dryRun.includes('All'),
      gracePeriodSeconds: q.get('gracePeriodSeconds') ? Number(q.get('gracePeriodSeconds')) : body.gracePeriodSeconds,
    };
  }
}

/**
 * Watch lines shared by all watchers of the same event: the store hands an event to every
 * watcher in one go, so the line made for the first serves the rest (the object's JSON text is
 * cached with the object; the line itself is not kept beyond its event).
 */
let lastEncoded: { object: object; type: string; line: string } | undefined;
function encodeShared(e: WatchEvent): string {
  if (lastEncoded?.object !== e.object || lastEncoded.type !== e.type)
    lastEncoded = { object: e.object, type: e.type, line: `{"type":${JSON.stringify(e.type)},"object":${jsonText(e.object)}}\n` };
  return lastEncoded.line;
}

/** Subresources that stream over an upgraded connection (not offered by the local control plane). */
const STREAMING = new Set(['exec', 'attach', 'portforward', 'proxy']);

/** The object of a CREATE as admission sees it: no uid, generation or namespace the client did not send; a zero time. */
function asSubmitted(o: KubeObject, namespace: string | undefined): KubeObject {
  const { uid: _u, generation: _g, namespace: _n, resourceVersion: _r, ...meta } = o.metadata;
  return { ...o, metadata: { ...meta, ...(namespace ? { namespace } : {}), creationTimestamp: null as unknown as string } };
}

/** The TokenRequest kind (serviceaccounts/token), for recording its managedFields. */
const TOKEN_REQUEST_TYPE = (sa: ResourceType): ResourceType => ({
  ...sa,
  group: 'authentication.k8s.io',
  version: 'v1',
  kind: 'TokenRequest',
  subresources: [],
});

/** Core kinds whose registries answer a delete with the deleted object instead of a Status. */
const RETURNS_DELETED = new Set(['serviceaccounts', 'resourcequotas', 'persistentvolumeclaims', 'persistentvolumes', 'podtemplates']);

/** The options kind each verb decodes its query into (named in option errors). */
const OPTIONS_KIND: Record<string, string> = {
  create: 'CreateOptions',
  update: 'UpdateOptions',
  patch: 'PatchOptions',
  delete: 'DeleteOptions',
  deletecollection: 'DeleteOptions',
};

/** The JSON of list items: built-in ones carry no apiVersion and kind (they are typed); custom resources' do. */
function listItems(t: ResourceType, items: KubeObject[]): string[] {
  return items.map(t.custom ? jsonText : jsonTextWithoutTypeMeta);
}

function verbOf(method: string, item: boolean, q: URLSearchParams): string | undefined {
  const watch = q.get('watch');
  switch (method) {
    case 'GET':
      // A named GET is a get whatever its query says; only collections turn into watches.
      if (!item && (watch === 'true' || watch === '1')) return 'watch';
      return item ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return item ? 'update' : undefined;
    case 'PATCH':
      return item ? 'patch' : undefined;
    case 'DELETE':
      return item ? 'delete' : 'deletecollection';
  }
  return undefined;
}

/** Which aggregated discovery version the Accept header asks for, in the client's order. */
function aggregatedVersion(accept: string): string | undefined {
  for (const part of accept.split(',')) {
    if (!/as=APIGroupDiscoveryList/.test(part) || !/g=apidiscovery\.k8s\.io/.test(part)) continue;
    const v = /v=(v2beta1|v2)(;|$)/.exec(part)?.[1];
    if (v) return v;
  }
  return undefined;
}

function defaultManager(req: IncomingMessage): string {
  const ua = String(req.headers['user-agent'] ?? 'unknown');
  return ua.split('/')[0] || 'unknown';
}

function mediaType(req: IncomingMessage): string {
  return String(req.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
}

export function sendJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  sendJsonText(res, code, jsonText(body), contentType);
}

/** Responses whose JSON is indented (see pretty.ts). */
const prettyResponses = new WeakSet<ServerResponse>();

/** Sends a document already serialised as JSON. */
function sendJsonText(res: ServerResponse, code: number, json: string, contentType = 'application/json'): void {
  // Go's JSON encoder ends every document with a newline.
  const text = (prettyResponses.has(res) ? indentJson(json) : json) + '\n';
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  res.end(text);
}

async function readBytes(req: IncomingMessage): Promise<Uint8Array> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY) {
    req.resume();
    throw tooLarge(MAX_BODY);
  }
  // Plain stream events: an async iterator costs more than the rest of a small write.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) return void chunks.push(chunk);
      done();
      // As a body that outgrows the limit midway always was: dropped with its connection.
      req.resume();
      req.destroy();
      reject(tooLarge(MAX_BODY));
    };
    const onEnd = () => {
      done();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    };
    const onError = (e: Error) => {
      done();
      reject(e);
    };
    const onClose = () => {
      done();
      reject(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    };
    if (req.readableEnded) return resolve(Buffer.alloc(0));
    if (req.destroyed) return onClose();
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

async function readBody(req: IncomingMessage): Promise<string> {
  return Buffer.from(await readBytes(req)).toString('utf8');
}

/** The pod with its PodScheduled condition True (UpdatePodCondition: a new transition time only on change). */
function withScheduledCondition(pod: KubeObject): KubeObject {
  const status = (pod.status ?? {}) as { conditions?: Record<string, unknown>[] };
  const scheduled = { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: nowTimestamp() };
  const conditions = [...(status.conditions ?? [])];
  const at = conditions.findIndex((c) => c.type === 'PodScheduled');
  if (at < 0) conditions.push(scheduled);
  else if (conditions[at].status !== 'True') conditions[at] = scheduled;
  return { ...pod, status: { ...status, conditions } };
}

function podNode(pod: KubeObject): string | undefined {
  return (pod.spec as { nodeName?: string } | undefined)?.nodeName || undefined;
}

/** The container a log request names must be one of the pod's. */
function checkLogContainer(pod: KubeObject, container: string | undefined): void {
  const spec = (pod.spec ?? {}) as Record<string, { name: string }[] | undefined>;
  const names = (spec.containers ?? []).map((c) => c.name);
  const all = [...names, ...(spec.initContainers ?? []).map((c) => c.name), ...(spec.ephemeralContainers ?? []).map((c) => c.name)];
  if (container === undefined) {
    if (names.length > 1) throw badRequest(`a container name must be specified for pod ${pod.metadata.name}, choose one of: [${names.join(' ')}]`);
    return;
  }
  if (!all.includes(container)) throw badRequest(`container ${container} is not valid for pod ${pod.metadata.name}`);
}

function isReady(pod: KubeObject): boolean {
  const conditions = (pod.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Whether a budget's selector picks the pod (an empty selector picks nothing, as in eviction). */
function selects(budget: KubeObject, pod: KubeObject): boolean {
  const spec = (budget.spec as { selector?: LabelSelectorSpec } | undefined)?.selector;
  if (!spec || (!Object.keys(spec.matchLabels ?? {}).length && !spec.matchExpressions?.length)) return false;
  try {
    return matchLabelSelector(labelSelectorFromSpec(spec), pod.metadata.labels);
  } catch {
    return false;
  }
}

/** desiredHealthy and currentHealthy of a budget over the pods it selects (the disruption controller's arithmetic). */
function budgetHealth(budget: KubeObject, pods: KubeObject[]): { desired: number; healthy: number } {
  const spec = budget.spec as { minAvailable?: number | string; maxUnavailable?: number | string };
  const expected = pods.length;
  const healthy = pods.filter(isReady).length;
  const amount = (v: number | string) => (typeof v === 'number' ? v : Math.ceil((parseInt(v, 10) * expected) / 100));
  let desired = 0;
  if (spec.maxUnavailable !== undefined) desired = Math.max(0, expected - amount(spec.maxUnavailable));
  else if (spec.minAvailable !== undefined) desired = amount(spec.minAvailable);
  return { desired, healthy };
}

/** What a read answers with: the object itself, a Table, or only metadata. */
interface View {
  as: 'object' | 'Table' | 'PartialObjectMetadata' | 'PartialObjectMetadataList';
  version?: string;
}

const MEDIA_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
const META_VIEWS = ['Table', 'PartialObjectMetadata', 'PartialObjectMetadataList'];

/**
 * Output negotiation as the API server does it: the first Accept clause the server can produce
 * wins; a clause asking for a view (as=...) needs g=meta.k8s.io and a version it serves.
 */
export function negotiateView(accept: string): View {
  if (!accept.trim()) return { as: 'object' };
  let anyKnownType = false;
  for (const clause of accept.split(',')) {
    const [type, ...rawParams] = clause.split(';').map((p) => p.trim());
    const params = Object.fromEntries(rawParams.map((p) => p.split('=').map((x) => x.trim())));
    if (params.q === '0') continue;
    const known = MEDIA_TYPES.includes(type) || type === '*/*' || type === 'application/*';
    if (!known) continue;
    anyKnownType = true;
    if (!params.as) return { as: 'object' };
    if (META_VIEWS.includes(params.as) && params.g === 'meta.k8s.io' && (params.v === 'v1' || params.v === 'v1beta1'))
      return { as: params.as as View['as'], version: params.v };
  }
  if (!anyKnownType) throw new ApiError(406, 'NotAcceptable', '406: Not Acceptable', {});
  throw notAcceptable(`only the following media types are accepted: ${MEDIA_TYPES.join(', ')}`);
}

const notAcceptable = (message: string) => new ApiError(406, 'NotAcceptable', message);

function checkIncludeObject(v: string | null): void {
  if (v && !['None', 'Object', 'Metadata'].includes(v))
    throw badRequest(
      `Unable to convert to Table as requested: includeObject: Invalid value: ${JSON.stringify(v)}: must be 'Metadata', 'Object', 'None', or empty`,
    );
}

/** The Go type of a kind's list, as negotiation errors print it. */
function goListType(t: ResourceType): string {
  if (t.custom) return 'unstructured.UnstructuredList';
  return `${t.group ? t.group.split('.')[0] : 'core'}.${t.listKind}`;
}

function partialMetadata(o: KubeObject, version = 'v1'): KubeObject {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: o.metadata } as KubeObject;
}

/** A Scale sent to PUT .../scale: another kind cannot be converted, another name is refused. */
function checkScaleBody(body: KubeObject, name: string): void {
  if (body.kind && body.kind !== 'Scale') {
    const version = /[^/]*$/.exec(String(body.apiVersion ?? ''))![0] || 'v1';
    throw badRequest(
      `${body.kind} in version ${JSON.stringify(version)} cannot be handled as a Scale: converting (${version}.${body.kind}) to (autoscaling.Scale): unknown conversion`,
    );
  }
  if (body.metadata?.name && body.metadata.name !== name)
    throw badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`);
}

/** The autoscaling/v1 Scale view of a scalable object. */
export function toScale(t: ResourceType, obj: KubeObject): KubeObject {
  const spec = t.scale!;
  // Built-in kinds print their spec.selector; custom resources name a string field.
  const selector = !t.custom ? readPath(obj, '.spec.selector') : spec.labelSelectorPath ? readPath(obj, spec.labelSelectorPath) : undefined;
  const selectorText = typeof selector === 'string' ? selector : selectorString(selector);
  const m = obj.metadata;
  const replicas = (readPath(obj, spec.specReplicasPath) as number | undefined) ?? 0;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    // ScaleSpec.replicas is omitempty: zero replicas leave an empty spec.
    spec: replicas ? { replicas } : {},
    status: { replicas: (readPath(obj, spec.statusReplicasPath) as number | undefined) ?? 0, ...(selectorText ? { selector: selectorText } : {}) },
  };
}

/** A selector as labels.Selector prints it; a ReplicationController's selector is a plain map. */
function selectorString(sel: unknown): string | undefined {
  if (!sel || typeof sel !== 'object') return undefined;
  const structured = 'matchLabels' in sel || 'matchExpressions' in sel;
  const spec = (structured ? sel : { matchLabels: sel }) as LabelSelectorSpec;
  try {
    return formatLabelSelector(labelSelectorFromSpec(spec)) || undefined;
  } catch {
    return undefined;
  }
}

function setPath(obj: KubeObject, path: string, value: unknown): void {
  const parts = path.replace(/^\./, '').split('.');
  let cur = obj as Record<string, unknown>;
  for (const p of parts.slice(0, -1)) cur = (cur[p] ??= {}) as Record<string, unknown>;
  cur[parts[parts.length - 1]] = value;
}

/** An unsigned JWT-shaped token naming the service account (the local control plane does not verify tokens). */
function serviceAccountToken(namespace: string, name: string, uid: string, seconds: number): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: 'https://kubernetes.default.svc.cluster.local', sub: `system:serviceaccount:${namespace}:${name}`, iat: now, exp: now + seconds, 'kubernetes.io': { namespace, serviceaccount: { name, uid } } })}.`;
}

/** `body` with the managedFields its create by `manager` records (unless it brings its own). */
function withRecordedFields(t: ResourceType, body: KubeObject, manager: string | undefined): KubeObject {
  if (!manager || body.metadata?.managedFields) return body;
  const managed = recordUpdate(t, undefined, { ...body, apiVersion: apiVersionOf(t), kind: t.kind, metadata: body.metadata ?? {} }, manager);
  return managed.length ? { ...body, metadata: { ...(body.metadata ?? {}), managedFields: managed } } : body;
}

/** Review kinds that are answered, not stored: everyone on the local control plane is an admin. */
function virtualCreate(t: ResourceType, body: KubeObject): KubeObject | undefined {
  if (t.group === 'authorization.k8s.io' && t.resource === 'selfsubjectaccessreviews')
    return {
      ...clone(body),
      apiVersion: apiVersionOf(t),
      kind: t.kind,
      metadata: { creationTimestamp: null },
      status: { allowed: true, reason: 'the local control plane allows everything' },
    } as unknown as KubeObject;
  if (t.group === 'authentication.k8s.io' && t.resource === 'selfsubjectreviews')
    return {
      apiVersion: apiVersionOf(t),
      kind: t.kind,
      metadata: { creationTimestamp: null },
      status: { userInfo: { username: 'local-admin', groups: ['system:masters', 'system:authenticated'] } },
    } as unknown as KubeObject;
  return undefined;
}

/** The list options kube-apiserver rejects before reading (ValidateListOptions, then storage's continue check). */
function validateListOptions(q: URLSearchParams): void {
  const match = q.get('resourceVersionMatch');
  const rv = q.get('resourceVersion');
  const token = q.get('continue');
  if (match) {
    const causes = [];
    if (!rv) causes.push(fieldForbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided'));
    if (token) causes.push(fieldForbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
    if (match !== 'Exact' && match !== 'NotOlderThan')
      causes.push({
        reason: 'FieldValueNotSupported',
        field: 'resourceVersionMatch',
        message: `Unsupported value: ${JSON.stringify(match)}: supported values: "Exact", "NotOlderThan", ""`,
      });
    if (match === 'Exact' && rv === '0')
      causes.push(fieldForbidden('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
    if (causes.length) throw invalid({ group: 'meta.k8s.io', resource: '', kind: 'ListOptions' }, '', causes);
  }
  if (token && rv && rv !== '0') throw badRequest('specifying resource version is not allowed when using continue');
}
