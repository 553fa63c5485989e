/**
 * Webhook admission (admissionregistration.k8s.io/v1): for every write arriving over HTTP, the
 * matching MutatingWebhookConfiguration webhooks are called in order (their JSON patches applied
 * one after the other), then the matching ValidatingWebhookConfiguration webhooks in parallel.
 * Requests are AdmissionReview v1 (or v1beta1 when that is all a webhook accepts) POSTed to the
 * webhook's URL or service, over HTTPS verified with its caBundle; denials and call failures are
 * reported with the API server's wording and honour failurePolicy.
 */
import { randomUUID } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { KubeObject } from '../../k8s/object.js';
import { applyJsonPatch } from '../../k8s/patch/json-patch.js';
import type { PatchError } from '../../k8s/patch/errors.js';
import { sameObject, type ApiCore } from '../apiserver/core.js';
import { ApiError, badRequest, internal } from '../apiserver/errors.js';
import type { Admission, AdmissionAttributes } from '../apiserver/server.js';
import { matchWebhook, ruleMatches, type Webhook } from './match.js';

type Any = Record<string, any>;

export interface WebhookAdmissionOptions {
  log?: (line: string) => void;
  /** The user of the request under review (from the API server's authentication). */
  userInfo?: () => { username: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> } | undefined;
}

/** One webhook call's outcome when it did not answer with a usable response. */
class CallError extends Error {}

type Hooks = { config: KubeObject; hook: Webhook }[];

const MUTATING = 'admissionregistration.k8s.io/mutatingwebhookconfigurations';
const VALIDATING = 'admissionregistration.k8s.io/validatingwebhookconfigurations';

export class WebhookAdmission implements Admission {
  /** The webhooks of both configuration kinds in call order; dropped on any change to either. */
  private hooks?: { mutating: Hooks; validating: Hooks };
  private readonly unwatch: (() => void)[];

  constructor(
    private readonly core: ApiCore,
    private readonly opts: WebhookAdmissionOptions = {},
  ) {
    const store = core.store;
    const changed = () => (this.hooks = undefined);
    this.unwatch = [MUTATING, VALIDATING].map((resource) => store.watch(resource, store.resourceVersion, changed));
  }

  /** Stops following configuration changes. */
  close(): void {
    for (const stop of this.unwatch) stop();
  }

  private configurations(resource: string): Hooks {
    const out: Hooks = [];
    // Configurations apply in name order, their webhooks in list order (as the API server sorts them).
    const configs = [...this.core.store.list(resource)].sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
    for (const config of configs) for (const hook of ((config as Any).webhooks ?? []) as Webhook[]) out.push({ config, hook });
    return out;
  }

  private current(): { mutating: Hooks; validating: Hooks } {
    return (this.hooks ??= { mutating: this.configurations(MUTATING), validating: this.configurations(VALIDATING) });
  }

  /**
   * Whether some webhook's rules cover the request's operation, resource and version; object
   * and namespace selectors are left to `review`. False means `review` would call nobody.
   */
  applies(attrs: Pick<AdmissionAttributes, 'operation' | 'type' | 'namespace' | 'subresource'>): boolean {
    if (attrs.type.group === 'admissionregistration.k8s.io') return false;
    const { mutating, validating } = this.current();
    const covers = ({ hook }: { hook: Webhook }) => {
      const equivalent = (hook.matchPolicy ?? 'Equivalent') === 'Equivalent';
      return (hook.rules ?? []).some((r) => ruleMatches(r, attrs as AdmissionAttributes, equivalent, this.core.registry));
    };
    return mutating.some(covers) || validating.some(covers);
  }

  async review(attrs: AdmissionAttributes): Promise<KubeObject | undefined> {
    // Webhook configurations themselves never go through webhooks (they could lock the cluster).
    if (attrs.type.group === 'admissionregistration.k8s.io') return undefined;
    const { mutating, validating } = this.current();
    if (!mutating.length && !validating.length) return undefined;
    const namespaceLabels = this.namespaceLabels(attrs);
    // Mutating webhooks see a created object as submitted; validating ones see it ready to store.
    let object = attrs.submitted ?? attrs.object;
    let changed = false;
    // One pass over the mutating webhooks; those with reinvocationPolicy IfNeeded run once more
    // when a later webhook changed the object after them.
    const calledAt = new Map<Webhook, number>();
    let changes = 0;
    const mutate = async (hook: Webhook): Promise<void> => {
      const response = await this.call(hook, attrs, object, true);
      if (!response?.patch) return;
      if (response.patchType !== undefined && response.patchType !== 'JSONPatch') {
        this.failed(hook, `received invalid webhook response: unsupported patch type "${response.patchType}"`);
        return;
      }
      let next: KubeObject | undefined;
      try {
        next = applyJsonPatch(object, JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')));
      } catch (e) {
        // A patch that does not apply fails the request whatever the failurePolicy, as upstream.
        throw internal((e as PatchError).detail ?? (e as Error).message);
      }
      if (!sameObject(next, object)) {
        object = next;
        changed = true;
        changes++;
      }
    };
    for (const { hook } of mutating) {
      if (!matchWebhook(hook, attrs, object, namespaceLabels, this.core.registry)) continue;
      await mutate(hook);
      calledAt.set(hook, changes);
    }
    for (const { hook } of mutating)
      if (
        hook.reinvocationPolicy === 'IfNeeded' &&
        calledAt.has(hook) &&
        calledAt.get(hook)! < changes &&
        matchWebhook(hook, attrs, object, namespaceLabels, this.core.registry)
      )
        await mutate(hook);
    const prepared = attrs.submitted && object ? { ...object, metadata: { ...object.metadata, ...serverSetMetadata(attrs.object) } } : object;
    const checks = validating.filter(({ hook }) => matchWebhook(hook, attrs, prepared, namespaceLabels, this.core.registry));
    // Validating webhooks run in parallel; the first denial (in order) is reported.
    const results = await Promise.allSettled(checks.map(({ hook }) => this.call(hook, attrs, prepared, false)));
    for (const r of results) if (r.status === 'rejected') throw r.reason;
    return changed ? object : undefined;
  }

  private namespaceLabels(attrs: AdmissionAttributes): Record<string, string> | undefined {
    const nsName = attrs.type.group === '' && attrs.type.resource === 'namespaces' ? attrs.name : attrs.namespace;
    if (!nsName) return undefined;
    if (attrs.type.group === '' && attrs.type.resource === 'namespaces') return (attrs.object ?? attrs.oldObject)?.metadata.labels ?? {};
    return this.core.store.get('/namespaces', undefined, nsName)?.metadata.labels ?? {};
  }

  /** Calls one webhook; returns its response when allowed, throws the API error to report otherwise. */
  private async call(hook: Webhook, attrs: AdmissionAttributes, object: KubeObject | undefined, mutating: boolean): Promise<Any | undefined> {
    const versions = hook.admissionReviewVersions ?? ['v1'];
    const version = versions.find((v) => v === 'v1' || v === 'v1beta1');
    if (!version) return this.failed(hook, `webhook does not accept v1 or v1beta1 AdmissionReview`);
    if (attrs.dryRun && !['None', 'NoneOnDryRun'].includes(hook.sideEffects ?? 'Unknown'))
      throw badRequest(`admission webhook "${hook.name}" does not support dry run`);
    const uid = randomUUID();
    const review = { apiVersion: `admission.k8s.io/${version}`, kind: 'AdmissionReview', request: this.request(uid, attrs, object) };
    let response: Any;
    try {
      response = await this.post(hook, review);
    } catch (e) {
      if (!(e instanceof CallError)) throw e;
      return this.failed(hook, e.message);
    }
    const r = response.response as Any | undefined;
    if (!r || typeof r !== 'object') return this.failed(hook, 'received invalid webhook response: response.response is missing');
    if (r.uid !== uid) return this.failed(hook, `received invalid webhook response: expected response.uid="${uid}", got "${r.uid ?? ''}"`);
    if (!r.allowed) throw denial(hook.name, r.status);
    if (!mutating && r.patch) return this.failed(hook, 'received invalid webhook response: validating webhooks may not return patches');
    // Webhook warnings reach the client as Warning headers.
    if (Array.isArray(r.warnings)) for (const w of r.warnings) if (typeof w === 'string') attrs.warnings?.push(w);
    return r;
  }

  /** Applies failurePolicy to a webhook that could not be called or answered badly. */
  private failed(hook: Webhook, message: string): undefined {
    if ((hook.failurePolicy ?? 'Fail') === 'Ignore') {
      this.opts.log?.(`admission: failed calling webhook "${hook.name}" (ignored by failurePolicy): ${message}`);
      return undefined;
    }
    throw internal(`failed calling webhook "${hook.name}": ${message}`);
  }

  private request(uid: string, attrs: AdmissionAttributes, object: KubeObject | undefined): Any {
    const t = attrs.type;
    const kind = { group: t.group, version: t.version, kind: t.kind };
    const resource = { group: t.group, version: t.version, resource: t.resource };
    const operationOptions: Record<string, string> = { CREATE: 'CreateOptions', UPDATE: 'UpdateOptions', DELETE: 'DeleteOptions', CONNECT: '' };
    const options = attrs.options && typeof attrs.options === 'object' ? attrs.options : {};
    return {
      uid,
      kind,
      resource,
      ...(attrs.subresource ? { subResource: attrs.subresource } : {}),
      requestKind: kind,
      requestResource: resource,
      ...(attrs.subresource ? { requestSubResource: attrs.subresource } : {}),
      name: attrs.name ?? object?.metadata.name ?? '',
      ...(attrs.namespace ? { namespace: attrs.namespace } : {}),
      operation: attrs.operation,
      userInfo: this.opts.userInfo?.() ?? { username: 'system:unsecured', groups: ['system:masters', 'system:authenticated'] },
      object: object ?? null,
      oldObject: attrs.oldObject ?? null,
      dryRun: attrs.dryRun,
      options: { kind: operationOptions[attrs.operation], apiVersion: 'meta.k8s.io/v1', ...options },
    };
  }

  /** Where a webhook is reached: its URL, or its service through the service's endpoints. */
  private target(hook: Webhook): { url: URL; servername?: string } {
    const cc = hook.clientConfig ?? {};
    const timeout = `timeout=${hook.timeoutSeconds ?? 10}s`;
    if (cc.url) {
      const url = new URL(cc.url);
      url.search = url.search ? `${url.search}&${timeout}` : `?${timeout}`;
      return { url };
    }
    const svc = cc.service;
    if (!svc) throw new CallError('neither clientConfig.url nor clientConfig.service is set');
    const port = svc.port ?? 443;
    const host = `${svc.name}.${svc.namespace}.svc`;
    const shown = `https://${host}:${port}${svc.path ?? ''}?${timeout}`;
    const service = this.core.store.get('/services', svc.namespace, svc.name);
    if (!service) throw new CallError(`failed to call webhook: Post "${shown}": service "${svc.name}" not found`);
    // The local control plane runs no proxy: the call goes straight to a ready endpoint (e.g. a manager on 127.0.0.1).
    const servicePort = (((service.spec as Any)?.ports ?? []) as Any[]).find((p) => p.port === port);
    const endpoints = this.core.store.get('/endpoints', svc.namespace, svc.name) as Any | undefined;
    for (const subset of (endpoints?.subsets ?? []) as Any[]) {
      const address = subset.addresses?.[0]?.ip as string | undefined;
      if (!address) continue;
      const epPort =
        ((subset.ports ?? []) as Any[]).find((p) => !servicePort?.name || p.name === servicePort.name)?.port ??
        (typeof servicePort?.targetPort === 'number' ? servicePort.targetPort : port);
      const url = new URL(`https://${address.includes(':') ? `[${address}]` : address}:${epPort}${svc.path ?? ''}?${timeout}`);
      return { url, servername: host };
    }
    throw new CallError(`failed to call webhook: Post "${shown}": no endpoints available for service "${svc.name}"`);
  }

  private post(hook: Webhook, review: Any): Promise<Any> {
    const { url, servername } = this.target(hook);
    const shownUrl = hook.clientConfig?.service
      ? `https://${hook.clientConfig.service.name}.${hook.clientConfig.service.namespace}.svc:${hook.clientConfig.service.port ?? 443}${hook.clientConfig.service.path ?? ''}${url.search}`
      : url.href;
    const body = JSON.stringify(review);
    const timeoutMs = Math.min(30, hook.timeoutSeconds ?? 10) * 1000;
    const caBundle = hook.clientConfig?.caBundle ? Buffer.from(hook.clientConfig.caBundle, 'base64').toString('utf8') : undefined;
    return new Promise((resolve, reject) => {
      const fail = (why: string) => reject(new CallError(`failed to call webhook: Post "${shownUrl}": ${why}`));
      const options = {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json, */*', 'Content-Length': Buffer.byteLength(body) },
        signal: AbortSignal.timeout(timeoutMs),
      };
      const onResponse = (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => fail(e.message));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200)
            return reject(
              new CallError(
                `failed to call webhook: an error on the server (${JSON.stringify(text.trim().slice(0, 200))}) has prevented the request from succeeding`,
              ),
            );
          try {
            resolve(JSON.parse(text) as Any);
          } catch (e) {
            reject(new CallError(`received invalid webhook response: ${(e as Error).message}`));
          }
        });
      };
      const req =
        url.protocol === 'https:'
          ? httpsRequest(url, { ...options, ...(caBundle ? { ca: caBundle } : {}), ...(servername ? { servername } : {}) }, onResponse)
          : httpRequest(url, options, onResponse);
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (e.name === 'AbortError' || e.name === 'TimeoutError') return fail('context deadline exceeded');
        if (e.code === 'ECONNREFUSED') return fail(`dial tcp ${url.host}: connect: connection refused`);
        if (e.code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(e.code)) return fail(`tls: failed to verify certificate: x509: ${e.message}`);
        fail(e.message);
      });
      req.end(body);
    });
  }
}

/** A denial as the API server reports it: `admission webhook "x" denied the request: <message>`. */
export function denial(webhook: string, status: Any | undefined): ApiError {
  const s = status && typeof status === 'object' ? status : {};
  const code = typeof s.code === 'number' && s.code >= 400 ? s.code : 400;
  const deniedBy = `admission webhook "${webhook}" denied the request`;
  const message = s.message ? `${deniedBy}: ${s.message}` : s.reason ? `${deniedBy}: ${s.reason}` : `${deniedBy} without explanation`;
  const err = new ApiError(code, s.reason ?? '', message, s.details);
  if (!s.reason) delete (err.status as { reason?: string }).reason;
  return err;
}

/** The metadata the API server fills in when it stores a new object. */
function serverSetMetadata(o: KubeObject | undefined): Record<string, unknown> {
  const m = o?.metadata ?? {};
  const out: Record<string, unknown> = {};
  for (const k of ['namespace', 'uid', 'creationTimestamp', 'generation'] as const) if (m[k] !== undefined) out[k] = m[k];
  return out;
}
