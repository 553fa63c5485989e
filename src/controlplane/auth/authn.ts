/**
 * Authentication: client certificates signed by the control plane's CA, the admin bearer
 * token, service-account tokens (bound tokens from TokenRequest and legacy token Secrets);
 * no credentials at all make the request anonymous. Bad credentials are a 401.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { KubeObject } from '../../k8s/object.js';
import { unauthorized } from '../apiserver/errors.js';
import { TokenSigner, type Claims } from './jwt.js';
import { ANONYMOUS, GROUPS, serviceAccountUser, type UserInfo } from './types.js';

export const ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const API_AUDIENCES = [ISSUER];
const LEGACY_ISSUER = 'kubernetes/serviceaccount';
/** Clock skew tolerated on exp/nbf, as the API server's JWT validation allows. */
const LEEWAY_SECONDS = 60;

export const ADMIN_USER: UserInfo = { username: 'kudo-admin', groups: [GROUPS.masters, GROUPS.authenticated] };

/** Reads the objects tokens refer to (service accounts, secrets, pods, nodes). */
export type ObjectReader = (resource: 'serviceaccounts' | 'secrets' | 'pods' | 'nodes', namespace: string | undefined, name: string) => KubeObject | undefined;

export interface BoundObject {
  kind: 'Pod' | 'Secret' | 'Node';
  name: string;
  uid: string;
}

export class Authenticator {
  /** Static tokens and their users, looked up as the API server's token file authenticator does (a map hit). */
  private readonly staticTokens: Map<string, UserInfo>;

  constructor(
    adminToken: string,
    readonly signer: TokenSigner,
    private readonly read: ObjectReader,
  ) {
    this.staticTokens = new Map([[adminToken, ADMIN_USER]]);
  }

  /** The identity of a request; throws 401 Unauthorized for credentials that do not check out. */
  authenticate(req: IncomingMessage): UserInfo {
    const socket = req.socket as TLSSocket;
    if (socket.authorized && typeof socket.getPeerCertificate === 'function') {
      const user = certificateUser(socket.getPeerCertificate());
      if (user) return user;
    }
    const header = req.headers.authorization;
    const m = header ? /^bearer (\S*)/i.exec(header) : null;
    if (!m || !m[1]) return ANONYMOUS;
    const user = this.authenticateToken(m[1]);
    if (!user) throw unauthorized();
    return user;
  }

  /** The identity behind a bearer token, or undefined when it is not valid (also used by TokenReview). */
  authenticateToken(token: string, audiences: string[] = API_AUDIENCES): UserInfo | undefined {
    const known = this.staticTokens.get(token);
    if (known) return known;
    const claims = this.signer.verify(token);
    if (!claims) return undefined;
    if (claims.iss === LEGACY_ISSUER) return this.legacyUser(token, claims);
    if (claims.iss === ISSUER) return this.boundUser(claims, audiences);
    return undefined;
  }

  private boundUser(c: Claims, audiences: string[]): UserInfo | undefined {
    const now = Math.floor(Date.now() / 1000);
    const aud = Array.isArray(c.aud) ? (c.aud as string[]) : typeof c.aud === 'string' ? [c.aud] : [];
    if (!aud.some((a) => audiences.includes(a))) return undefined;
    if (typeof c.exp !== 'number' || c.exp + LEEWAY_SECONDS < now) return undefined;
    if (typeof c.nbf === 'number' && c.nbf - LEEWAY_SECONDS > now) return undefined;
    const k = c['kubernetes.io'] as
      | {
          namespace?: string;
          serviceaccount?: { name?: string; uid?: string };
          pod?: { name: string; uid: string };
          secret?: { name: string; uid: string };
          node?: { name: string; uid: string };
        }
      | undefined;
    const ns = k?.namespace;
    const sa = k?.serviceaccount;
    if (!ns || !sa?.name || !sa.uid || c.sub !== `system:serviceaccount:${ns}:${sa.name}`) return undefined;
    const account = this.read('serviceaccounts', ns, sa.name);
    if (!account || account.metadata.uid !== sa.uid || isDeleted(account)) return undefined;
    const extra: Record<string, string[]> = {};
    if (k.secret) {
      const secret = this.read('secrets', ns, k.secret.name);
      if (!secret || secret.metadata.uid !== k.secret.uid || isDeleted(secret)) return undefined;
    }
    if (k.pod) {
      const pod = this.read('pods', ns, k.pod.name);
      if (!pod || pod.metadata.uid !== k.pod.uid || isDeleted(pod)) return undefined;
      extra['authentication.kubernetes.io/pod-name'] = [k.pod.name];
      extra['authentication.kubernetes.io/pod-uid'] = [k.pod.uid];
    }
    if (k.node) {
      const node = this.read('nodes', undefined, k.node.name);
      if (!node || node.metadata.uid !== k.node.uid) return undefined;
      extra['authentication.kubernetes.io/node-name'] = [k.node.name];
      extra['authentication.kubernetes.io/node-uid'] = [k.node.uid];
    }
    if (typeof c.jti === 'string') extra['authentication.kubernetes.io/credential-id'] = [`JTI=${c.jti}`];
    return serviceAccountUser(ns, sa.name, sa.uid, Object.keys(extra).length ? extra : undefined);
  }

  /** Tokens of kubernetes.io/service-account-token Secrets: valid while the Secret holds them. */
  private legacyUser(token: string, c: Claims): UserInfo | undefined {
    const ns = c['kubernetes.io/serviceaccount/namespace'];
    const secretName = c['kubernetes.io/serviceaccount/secret.name'];
    const saName = c['kubernetes.io/serviceaccount/service-account.name'];
    const saUid = c['kubernetes.io/serviceaccount/service-account.uid'];
    if (typeof ns !== 'string' || typeof secretName !== 'string' || typeof saName !== 'string' || typeof saUid !== 'string') return undefined;
    const secret = this.read('secrets', ns, secretName);
    const stored = (secret?.data as Record<string, string> | undefined)?.token;
    if (!secret || isDeleted(secret) || !stored || !sameText(Buffer.from(stored, 'base64').toString('utf8'), token)) return undefined;
    const account = this.read('serviceaccounts', ns, saName);
    if (!account || account.metadata.uid !== saUid || isDeleted(account)) return undefined;
    return serviceAccountUser(ns, saName, saUid, { 'authentication.kubernetes.io/credential-id': [`Secret=${secret.metadata.uid}`] });
  }

  /** A bound token for a service account (TokenRequest). */
  issueBound(sa: KubeObject, audiences: string[], seconds: number, bound?: BoundObject): { token: string; expires: Date } {
    const now = Math.floor(Date.now() / 1000);
    const ns = sa.metadata.namespace!;
    const k: Record<string, unknown> = { namespace: ns, serviceaccount: { name: sa.metadata.name, uid: sa.metadata.uid } };
    if (bound) k[bound.kind.toLowerCase()] = { name: bound.name, uid: bound.uid };
    const claims = {
      aud: audiences,
      exp: now + seconds,
      iat: now,
      iss: ISSUER,
      jti: randomUUID(),
      'kubernetes.io': k,
      nbf: now,
      sub: `system:serviceaccount:${ns}:${sa.metadata.name}`,
    };
    return { token: this.signer.sign(claims), expires: new Date((now + seconds) * 1000) };
  }

  /** The never-expiring token kept in a service-account token Secret. */
  issueLegacy(sa: KubeObject, secretName: string): string {
    return this.signer.sign({
      iss: LEGACY_ISSUER,
      'kubernetes.io/serviceaccount/namespace': sa.metadata.namespace,
      'kubernetes.io/serviceaccount/secret.name': secretName,
      'kubernetes.io/serviceaccount/service-account.name': sa.metadata.name,
      'kubernetes.io/serviceaccount/service-account.uid': sa.metadata.uid,
      sub: `system:serviceaccount:${sa.metadata.namespace}:${sa.metadata.name}`,
    });
  }
}

/** CN is the user name, each O a group (certificates already verified against the CA by TLS). */
function certificateUser(cert: { subject?: Record<string, string | string[] | undefined> } | undefined): UserInfo | undefined {
  const cn = cert?.subject?.CN;
  const name = Array.isArray(cn) ? cn[0] : cn;
  if (!name) return undefined;
  const o = cert!.subject!.O;
  const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
  return { username: name, groups: [...groups, GROUPS.authenticated] };
}

function isDeleted(o: KubeObject): boolean {
  const ts = o.metadata.deletionTimestamp;
  return !!ts && Date.parse(ts) <= Date.now();
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
