/**
 * kube-controller-manager's certificate controllers for the local control plane: csrsigning
 * (the control plane's CA signs approved requests for the three kubernetes.io signers it runs)
 * and csrcleaner (finished requests are garbage-collected after an hour, pending ones after a day).
 */
import { X509Certificate, type KeyObject } from 'node:crypto';
import type { KubeObject } from '../../k8s/object.js';
import { issueCertificate } from '../../crypto/issue.js';
import { CertificateRequestError, parseCertificateRequestPem, type CertificateRequest } from '../../crypto/pkcs10.js';
import type { ApiCore } from '../apiserver/core.js';
import { conditionsOf, CSR_GROUP, requestText, SIGNERS } from '../apiserver/csr.js';
import { ApiError } from '../apiserver/errors.js';
import { nowTimestamp } from '../apiserver/clock.js';
import type { StoreEvent } from '../storage/store.js';
import { CONTROLLER_MANAGER } from './field-manager.js';

type Any = Record<string, any>;
const RESOURCE = `${CSR_GROUP}/certificatesigningrequests`;
const HOUR = 3600_000;
/** --cluster-signing-duration's default: one year. */
const DEFAULT_MAX_LIFETIME_SECONDS = 365 * 24 * 3600;

/** Go's sets.List() of a usage set, as the "usages did not match" messages print it. */
const listed = (usages: string[]) => `[${[...usages].sort().join(' ')}]`;
const sameSet = (a: string[], b: string[]) => new Set(a).size === b.length && b.every((u) => a.includes(u));

function kubeletSans(req: CertificateRequest, serving: boolean): string | undefined {
  if (serving) {
    if (!req.dnsNames.length && !req.ipAddresses.length) return 'DNS or IP subjectAltName is required';
  } else {
    if (req.dnsNames.length) return 'DNS subjectAltNames are not allowed';
  }
  if (req.emailAddresses.length) return 'Email subjectAltNames are not allowed';
  if (!serving && req.ipAddresses.length) return 'IP subjectAltNames are not allowed';
  if (req.uris.length) return 'URI subjectAltNames are not allowed';
  return undefined;
}

/**
 * Why a signer refuses a request (the Failed condition's message), or undefined when it signs.
 * kube-apiserver-client takes client usages only; the kubelet signers want a node identity.
 */
export function signerRefusal(signerName: string, req: CertificateRequest, usages: string[]): string | undefined {
  if (signerName === SIGNERS.apiServerClient) {
    for (const u of usages) if (!['digital signature', 'key encipherment', 'client auth'].includes(u)) return `invalid usage for client certificate: ${u}`;
    return usages.includes('client auth') ? undefined : 'missing required usage for client certificate: client auth';
  }
  const serving = signerName === SIGNERS.kubeletServing;
  const nodes = req.organizations.length === 1 && req.organizations[0] === 'system:nodes';
  if (!nodes) return 'subject organization is not system:nodes';
  const san = kubeletSans(req, serving);
  const nodeName = req.commonName.startsWith('system:node:') ? undefined : 'subject common name does not begin with system:node:';
  const auth = serving ? 'server auth' : 'client auth';
  const usagesOk = sameSet(usages, ['digital signature', 'key encipherment', auth]) || sameSet(usages, ['digital signature', auth]);
  const usageError = usagesOk ? undefined : `usages did not match ${listed(['digital signature', 'key encipherment', auth])}`;
  if (san) return san;
  // The serving check compares usages before the name; the client check the other way round.
  return serving ? (usageError ?? nodeName) : (nodeName ?? usageError);
}

/** The certificate's lifetime: the requested one within [10 minutes, the signer's maximum]. */
export function lifetimeSeconds(expirationSeconds: unknown, maxSeconds = DEFAULT_MAX_LIFETIME_SECONDS): number {
  if (typeof expirationSeconds !== 'number') return maxSeconds;
  return Math.min(maxSeconds, Math.max(600, expirationSeconds));
}

/** csrcleaner: whether a request is old enough to delete at `now` (ms). */
export function isExpired(csr: KubeObject, now: number): boolean {
  const conditions = conditionsOf(csr);
  const updatedBefore = (type: string, ms: number) => conditions.some((c) => c.type === type && c.lastUpdateTime && now - Date.parse(c.lastUpdateTime) > ms);
  if (updatedBefore('Approved', HOUR) || updatedBefore('Denied', HOUR) || updatedBefore('Failed', HOUR)) return true;
  const certificate = (csr.status as Any | undefined)?.certificate;
  if (certificate) {
    try {
      if (Date.parse(new X509Certificate(Buffer.from(certificate, 'base64')).validTo) < now) return true;
    } catch {
      // an unparsable certificate is left alone
    }
  }
  const pending = !conditions.some((c) => c.type === 'Approved' || c.type === 'Denied');
  const created = Date.parse(csr.metadata.creationTimestamp ?? '');
  return pending && now - created > 24 * HOUR;
}

export interface CertificateControllerOptions {
  ca: { certPem: string; privateKey: KeyObject };
  /** Runs in-process writes as the control plane itself (not as the user whose write woke the controller). */
  asSystem: (f: () => void) => void;
  maxLifetimeSeconds?: number;
  /** How often the cleaner looks (default every 10 minutes). */
  cleanIntervalMs?: number;
  log?: (line: string) => void;
}

export class CertificateController {
  private stopWatch?: () => void;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly core: ApiCore,
    private readonly opts: CertificateControllerOptions,
  ) {}

  private get type() {
    return this.core.registry.lookup(CSR_GROUP, 'v1', 'certificatesigningrequests')!;
  }

  start(): void {
    for (const csr of this.core.store.list(RESOURCE)) this.later(csr.metadata.name!);
    this.stopWatch = this.core.store.watch(RESOURCE, this.core.store.resourceVersion, (e: StoreEvent) => {
      if (e.type !== 'DELETED') this.later(e.object.metadata.name!);
    });
    this.timer = setInterval(() => this.clean(), this.opts.cleanIntervalMs ?? 10 * 60_000);
    this.timer.unref();
    this.later(undefined);
  }

  stop(): void {
    this.stopped = true;
    this.stopWatch?.();
    if (this.timer) clearInterval(this.timer);
  }

  /** Works outside the write that announced the change (and outside its user's identity). */
  private later(name: string | undefined): void {
    setImmediate(() =>
      this.opts.asSystem(() => {
        if (this.stopped) return;
        if (name === undefined) this.clean();
        else this.sign(name);
      }),
    );
  }

  /** csrsigning's handle: sign an approved, not failed, not yet issued request for one of our signers. */
  sign(name: string): void {
    const csr = this.core.tryGet(this.type, undefined, name);
    if (!csr) return;
    const spec = (csr.spec as Any | undefined) ?? {};
    const conditions = conditionsOf(csr);
    const approved = conditions.some((c) => c.type === 'Approved') && !conditions.some((c) => c.type === 'Denied');
    if (!approved || conditions.some((c) => c.type === 'Failed') || (csr.status as Any | undefined)?.certificate) return;
    if (![SIGNERS.apiServerClient, SIGNERS.kubeletClient, SIGNERS.kubeletServing].includes(spec.signerName)) return;
    let request: CertificateRequest;
    try {
      request = parseCertificateRequestPem(requestText(csr));
    } catch (e) {
      if (!(e instanceof CertificateRequestError)) throw e;
      this.opts.log?.(`csrsigning: unable to parse csr "${name}": ${e.message}`);
      return;
    }
    const usages: string[] = spec.usages ?? [];
    const refusal = signerRefusal(spec.signerName, request, usages);
    const status = (cur: KubeObject): Any => ({ ...((cur.status as Any | undefined) ?? {}) });
    this.writeStatus(name, (cur) => {
      const next = status(cur);
      if (refusal) {
        const failed = { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: refusal, lastUpdateTime: nowTimestamp() };
        next.conditions = [...conditionsOf(cur), failed];
      } else {
        const pem = issueCertificate({
          request,
          usages,
          lifetimeSeconds: lifetimeSeconds(spec.expirationSeconds, this.opts.maxLifetimeSeconds),
          issuer: this.opts.ca,
        });
        next.certificate = Buffer.from(pem).toString('base64');
      }
      return { ...cur, status: next };
    });
  }

  private writeStatus(name: string, change: (cur: KubeObject) => KubeObject): void {
    try {
      this.core.mutate(this.type, undefined, name, change, { fieldManager: CONTROLLER_MANAGER }, 'status', 'update');
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      this.opts.log?.(`csrsigning: ${name}: ${e.message}`);
    }
  }

  /** csrcleaner: deletes requests past their time. */
  clean(now = Date.now()): void {
    for (const csr of this.core.store.list(RESOURCE))
      if (isExpired(csr, now))
        try {
          this.core.delete(this.type, undefined, csr.metadata.name!);
        } catch (e) {
          if (!(e instanceof ApiError)) throw e;
        }
  }
}
