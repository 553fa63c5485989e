/**
 * Service-account tokens: compact JWS (ES256) signed with the control plane's key, verified
 * the way the API server's service-account authenticator does before it looks at the claims.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type Claims = Record<string, unknown>;

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** Verified tokens remembered at most (the memo starts over when full). */
const MAX_REMEMBERED = 4096;

export class TokenSigner {
  readonly keyId: string;
  private readonly publicKey: KeyObject;
  /**
   * Whether a token's signature checks out depends on nothing but the token and the key, so
   * each token is verified once (a signature check costs far more than the request around it).
   * Expiry and the objects a token is bound to are checked by the authenticator on every use.
   */
  private readonly verified = new Map<string, Readonly<Claims> | undefined>();

  constructor(private readonly privateKey: KeyObject) {
    this.publicKey = createPublicKey(privateKey);
    // Kubernetes' key id: unpadded base64url of the SHA-256 of the DER public key.
    this.keyId = createHash('sha256')
      .update(this.publicKey.export({ type: 'spki', format: 'der' }))
      .digest('base64url');
  }

  /** A fresh P-256 key, or the one kept in `dataDir/sa.key` so tokens survive restarts. */
  static load(dataDir: string | undefined): TokenSigner {
    const file = dataDir && join(dataDir, 'sa.key');
    if (file && existsSync(file)) return new TokenSigner(createPrivateKey(readFileSync(file, 'utf8')));
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    if (file) writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
    return new TokenSigner(privateKey);
  }

  /** The public key as a JSON Web Key, as the issuer's /openid/v1/jwks lists it. */
  jwk(): Record<string, unknown> {
    const { kty, crv, x, y } = this.publicKey.export({ format: 'jwk' });
    return { use: 'sig', kty, kid: this.keyId, crv, alg: 'ES256', x, y };
  }

  sign(claims: Claims): string {
    const input = `${b64({ alg: 'ES256', kid: this.keyId })}.${b64(claims)}`;
    const signature = sign('sha256', Buffer.from(input), { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
    return `${input}.${signature.toString('base64url')}`;
  }

  /** The claims of a token this signer made (shared: read-only); undefined for anything else (malformed or forged). */
  verify(token: string): Readonly<Claims> | undefined {
    if (this.verified.has(token)) return this.verified.get(token);
    const claims = this.check(token);
    if (this.verified.size >= MAX_REMEMBERED) this.verified.clear();
    this.verified.set(token, claims && deepFreeze(claims));
    return claims;
  }

  private check(token: string): Claims | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const header = decodeJson(parts[0]);
    if (!header || header.alg !== 'ES256') return undefined;
    let ok = false;
    try {
      ok = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), { key: this.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(parts[2], 'base64url'));
    } catch {
      return undefined;
    }
    return ok ? decodeJson(parts[1]) : undefined;
  }
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/** Whether a bearer token has the shape of a JWT (three dot-separated parts, a JSON header). */
export function looksLikeJwt(token: string): boolean {
  const parts = token.split('.');
  return parts.length === 3 && !!decodeJson(parts[0]);
}

function decodeJson(part: string): Claims | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Claims) : undefined;
  } catch {
    return undefined;
  }
}
