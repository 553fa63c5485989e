/**
 * Access control for the embedded API server: the request gate (authentication,
 * impersonation, authorisation, in Kubernetes' filter order), the review kinds, TokenRequest,
 * and the RBAC housekeeping (default policy, aggregation, token Secrets, escalation checks).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage } from 'node:http';
import type { KeyObject } from 'node:crypto';
import type { KubeObject } from '../../k8s/object.js';
import { createCertificate, generateKeyPair } from '../../crypto/x509.js';
import type { ApiCore } from '../apiserver/core.js';
import { badRequest, conflict, invalid, notFound } from '../apiserver/errors.js';
import type { ResourceType } from '../apiserver/registry.js';
import { requestUrl } from '../apiserver/request-url.js';
import { CSR_GROUP, csrHooks } from '../apiserver/csr.js';
import { CertificateController } from '../controllers/certificates.js';
import { API_AUDIENCES, Authenticator, ISSUER, type BoundObject } from './authn.js';
import { AggregationController, bootstrapPolicy, TokensController } from './controllers.js';
import { impersonate, wantsImpersonation } from './impersonation.js';
import { TokenSigner } from './jwt.js';
import { forbiddenError } from './messages.js';
import { installPolicyHooks } from './policy-hooks.js';
import { AlwaysAllow, RbacAuthorizer, type Authorizer, type PolicySource } from './rbac.js';
import { requestAttributes } from './request-info.js';
import { REVIEW_KINDS, Reviews } from './reviews.js';
import { GROUPS, RBAC_GROUP, type UserInfo } from './types.js';

export type AuthorizationMode = 'rbac' | 'always-allow';

/** The seam the API server calls; see ApiServerOptions.gate. */
export interface RequestGate {
  /** Authenticates, impersonates and authorises a request (throws 401/403), then runs `next` as its user. */
  serve(req: IncomingMessage, next: () => Promise<void>): Promise<void>;
  /** Answers a review kind (computed, not stored); undefined for other kinds. */
  review(t: ResourceType, namespace: string | undefined, body: KubeObject): KubeObject | undefined;
  /** POST serviceaccounts/<name>/token. */
  tokenRequest(namespace: string, name: string, body: Record<string, unknown>): KubeObject;
  /** The service-account issuer and its signing keys (for OIDC discovery). */
  tokenIssuer(): { issuer: string; keys: Record<string, unknown>[] };
}

export interface AccessControlOptions {
  core: ApiCore;
  /** No authentication or authorisation at all: the plain-HTTP mode (loopback only). */
  insecure?: boolean;
  authorization?: AuthorizationMode;
  /** The admin bearer token (user kudo-admin in system:masters). */
  adminToken: string;
  /** Keeps the service-account signing key here across restarts. */
  dataDir?: string;
  /** The CA that signs serving and client certificates (client certificates need its key). */
  ca?: { certPem: string; privateKey?: KeyObject };
}

/** What RBAC decisions are made of. */
const POLICY_RESOURCES = ['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings'];

/** Who in-process writes act as: nobody, i.e. the control plane itself (no escalation checks). */
const INSECURE_USER: UserInfo = { username: 'system:unsecured', groups: [GROUPS.masters, GROUPS.authenticated] };

export class AccessControl implements RequestGate {
  readonly authenticator: Authenticator;
  readonly authorizer: Authorizer;
  readonly source: PolicySource;
  private readonly context = new AsyncLocalStorage<UserInfo>();
  private readonly reviews: Reviews;
  private aggregation?: AggregationController;
  private tokens?: TokensController;
  private certificates?: CertificateController;

  constructor(private readonly opts: AccessControlOptions) {
    const store = opts.core.store;
    this.source = {
      clusterRoleBindings: () => store.list(`${RBAC_GROUP}/clusterrolebindings`),
      roleBindings: (ns) => store.list(`${RBAC_GROUP}/rolebindings`, ns),
      clusterRole: (name) => store.get(`${RBAC_GROUP}/clusterroles`, undefined, name),
      role: (ns, name) => store.get(`${RBAC_GROUP}/roles`, ns, name),
    };
    if (opts.insecure || opts.authorization === 'always-allow') this.authorizer = new AlwaysAllow();
    else {
      const rbac = new RbacAuthorizer(this.source);
      // The authorizer remembers who holds what until a role or binding changes (for as long
      // as the store lives: requests may still arrive while the control plane stops).
      for (const r of POLICY_RESOURCES) store.watch(`${RBAC_GROUP}/${r}`, store.resourceVersion, () => rbac.invalidate());
      this.authorizer = rbac;
    }
    this.authenticator = new Authenticator(opts.adminToken, TokenSigner.load(opts.dataDir), (resource, ns, name) => store.get(`/${resource}`, ns, name));
    this.reviews = new Reviews(this.authorizer, this.authenticator);
  }

  /** The user of the request being served (undefined inside the control plane's own work). */
  currentUser(): UserInfo | undefined {
    return this.context.getStore();
  }

  /** Runs `f` as the control plane itself, outside any request's identity. */
  asSystem = (f: () => void): void => this.context.exit(f);

  async serve(req: IncomingMessage, next: () => Promise<void>): Promise<void> {
    if (this.opts.insecure) return this.context.run(INSECURE_USER, next);
    let user = this.authenticator.authenticate(req);
    if (wantsImpersonation(req.headers)) user = impersonate(user, req.headers, req.headersDistinct, this.authorizer);
    const attrs = requestAttributes(user, req.method ?? 'GET', requestUrl(req));
    const decision = this.authorizer.authorize(attrs);
    if (!decision.allowed) throw forbiddenError(attrs, decision.reason);
    return this.context.run(user, next);
  }

  review(t: ResourceType, namespace: string | undefined, body: KubeObject): KubeObject | undefined {
    return this.reviews.answer(t.group, t.kind, namespace, body, this.currentUser() ?? INSECURE_USER);
  }

  tokenIssuer(): { issuer: string; keys: Record<string, unknown>[] } {
    return { issuer: ISSUER, keys: [this.authenticator.signer.jwk()] };
  }

  tokenRequest(namespace: string, name: string, body: Record<string, unknown>): KubeObject {
    const core = this.opts.core;
    const saType = core.registry.lookup('', 'v1', 'serviceaccounts')!;
    const sa = core.get(saType, namespace, name);
    const spec = (body.spec ?? {}) as {
      audiences?: string[];
      expirationSeconds?: number;
      boundObjectRef?: { kind?: string; apiVersion?: string; name?: string; uid?: string } | null;
    };
    const seconds = spec.expirationSeconds ?? 3600;
    const named = { group: 'authentication.k8s.io', resource: 'token', kind: 'TokenRequest' };
    const tooShort = seconds < 600;
    if (tooShort || seconds > 2 ** 32)
      throw invalid(named, '', [
        {
          reason: 'FieldValueInvalid',
          field: 'spec.expirationSeconds',
          message: `Invalid value: ${seconds}: ${tooShort ? 'may not specify a duration less than 10 minutes' : 'may not specify a duration larger than 2^32 seconds'}`,
        },
      ]);
    let bound: BoundObject | undefined;
    const ref = spec.boundObjectRef;
    if (ref) {
      const resource = { Pod: 'pods', Secret: 'secrets', Node: 'nodes' }[ref.kind ?? ''];
      // Only the group counts (GroupVersionKind.String() in the message).
      const apiVersion = ref.apiVersion ?? '';
      const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
      const version = apiVersion.includes('/') ? apiVersion.split('/')[1] : apiVersion;
      if (!resource || group !== '') throw badRequest(`cannot bind token to object of type ${group}/${version}, Kind=${ref.kind ?? ''}`);
      const t = core.registry.lookup('', 'v1', resource)!;
      const target = core.tryGet(t, resource === 'nodes' ? undefined : namespace, ref.name ?? '');
      if (!target) throw notFound(t, ref.name ?? '');
      if (ref.uid && ref.uid !== target.metadata.uid)
        throw conflict(
          { group: '', resource: ref.kind!, kind: ref.kind! },
          ref.name!,
          `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
        );
      bound = { kind: ref.kind as BoundObject['kind'], name: ref.name!, uid: target.metadata.uid! };
    }
    const audiences = spec.audiences?.length ? spec.audiences : API_AUDIENCES;
    const { token, expires } = this.authenticator.issueBound(sa, audiences, seconds, bound);
    return {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name, namespace, creationTimestamp: null },
      spec: {
        audiences,
        expirationSeconds: seconds,
        // The reference comes back as sent (the uid is only in the token's claims).
        boundObjectRef: ref ? { kind: ref.kind, apiVersion: ref.apiVersion, name: ref.name, ...(ref.uid ? { uid: ref.uid } : {}) } : null,
      },
      status: { token, expirationTimestamp: expires.toISOString().replace(/\.\d+Z$/, 'Z') },
    } as unknown as KubeObject;
  }

  /**
   * Registers the review kinds, adds the RBAC write checks, writes the default policy and
   * starts the aggregation and token controllers. Call once, after the built-in kinds exist.
   */
  start(): void {
    const { core } = this.opts;
    const registry = core.registry;
    const base = registry.lookup('authorization.k8s.io', 'v1', 'selfsubjectaccessreviews');
    if (base)
      for (const r of REVIEW_KINDS)
        if (!registry.lookup(r.group, 'v1', r.resource))
          registry.add({
            ...base,
            group: r.group,
            resource: r.resource,
            kind: r.kind,
            listKind: `${r.kind}List`,
            singular: '',
            namespaced: r.namespaced,
            shortNames: [],
            categories: [],
            hooks: {},
          });
    installPolicyHooks(
      registry.all().filter((t) => t.group === RBAC_GROUP),
      { source: this.source, authorizer: this.authorizer, currentUser: () => this.currentUser() },
    );
    this.asSystem(() => bootstrapPolicy(core));
    this.aggregation = new AggregationController(core, this.asSystem);
    this.asSystem(() => this.aggregation!.start());
    this.tokens = new TokensController(core, this.authenticator, this.opts.ca?.certPem ?? '', this.asSystem);
    this.tokens.installValidation();
    this.tokens.start();
    this.startCertificates();
  }

  /** CertificateSigningRequests: the requestor and the approve/sign checks need the caller; the CA signs. */
  private startCertificates(): void {
    const { core, ca } = this.opts;
    const csrType = core.registry.lookup(CSR_GROUP, 'v1', 'certificatesigningrequests');
    if (!csrType) return;
    const { prepareCreate, validate } = csrHooks({
      currentUser: () => this.currentUser(),
      mayOnSigner: (verb, name) => {
        const user = this.currentUser();
        if (!user) return true;
        const attrs = {
          user,
          verb,
          resourceRequest: true,
          path: '',
          apiGroup: CSR_GROUP,
          apiVersion: '*',
          resource: 'signers',
          subresource: '',
          name,
          namespace: '',
        };
        return this.authorizer.authorize(attrs).allowed;
      },
    });
    Object.assign(csrType.hooks, { prepareCreate, validate });
    if (!ca?.privateKey) return;
    this.certificates = new CertificateController(core, { ca: { certPem: ca.certPem, privateKey: ca.privateKey }, asSystem: this.asSystem });
    this.certificates.start();
  }

  stop(): void {
    this.aggregation?.stop();
    this.tokens?.stop();
    this.certificates?.stop();
  }

  /** A client certificate for `user` in `groups`, signed by the control plane's CA (CN = user, O = groups). */
  issueClientCertificate(user: string, groups: string[] = [], days = 365): { certPem: string; keyPem: string } {
    const ca = this.opts.ca;
    if (!ca?.privateKey) throw new Error('client certificates need the HTTPS control plane with its CA key');
    const key = generateKeyPair('ecdsa');
    const certPem = createCertificate({
      subject: { commonName: user, organization: groups },
      notAfter: days,
      extKeyUsage: ['clientAuth'],
      keyUsage: ['digitalSignature'],
      publicKey: key.publicKey,
      issuer: { certPem: ca.certPem, privateKey: ca.privateKey },
    });
    return { certPem, keyPem: key.privateKeyPem };
  }
}
