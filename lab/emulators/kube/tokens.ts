/**
 * Service account tokens: ES256 JWTs with the claims of
 * pkg/serviceaccount/claims.go (iss, sub, aud, exp, iat, nbf, jti and the
 * `kubernetes.io` private claim). The signing key survives restarts through
 * the data folder, so issued tokens stay valid after `lab down` / `lab up`.
 */
import { randomUUID } from 'node:crypto';
import {
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
  errors as joseErrors,
  jwtVerify,
  SignJWT,
} from 'jose';

export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

export interface ServiceAccountClaims {
  namespace: string;
  serviceAccount: { name: string; uid: string };
  pod?: { name: string; uid: string };
  secret?: { name: string; uid: string };
}

export interface IssueTokenRequest {
  namespace: string;
  name: string;
  uid: string;
  audiences: string[];
  expirationSeconds: number;
  pod?: { name: string; uid: string };
  secret?: { name: string; uid: string };
}

export interface IssuedToken {
  token: string;
  /** RFC 3339, to the second. */
  expirationTimestamp: string;
}

export type TokenCheck =
  | { valid: true; audiences: string[]; claims: ServiceAccountClaims; username: string }
  | { valid: false; error: string };

interface KubernetesClaim {
  namespace?: string;
  serviceaccount?: { name?: string; uid?: string };
  pod?: { name?: string; uid?: string };
  secret?: { name?: string; uid?: string };
}

export class TokenAuthority {
  private constructor(
    private readonly privateKey: CryptoKey,
    private readonly publicKey: CryptoKey,
    private readonly privateJwk: JWK,
    readonly issuer: string,
  ) {}

  /** Creates an authority with a new key, or from a key saved by `exportKey`. */
  static async create(issuer = DEFAULT_ISSUER, saved?: JWK): Promise<TokenAuthority> {
    if (saved) {
      const privateKey = (await importJWK(saved, 'ES256')) as CryptoKey;
      const { d: _d, ...publicJwk } = saved;
      const publicKey = (await importJWK(publicJwk, 'ES256')) as CryptoKey;
      return new TokenAuthority(privateKey, publicKey, saved, issuer);
    }
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(privateKey);
    return new TokenAuthority(privateKey, publicKey, jwk, issuer);
  }

  exportKey(): JWK {
    return this.privateJwk;
  }

  async issue(request: IssueTokenRequest): Promise<IssuedToken> {
    const now = Math.floor(Date.now() / 1000);
    const expiresAt = now + request.expirationSeconds;
    const kubernetes: KubernetesClaim = {
      namespace: request.namespace,
      serviceaccount: { name: request.name, uid: request.uid },
    };
    if (request.pod) kubernetes.pod = request.pod;
    if (request.secret) kubernetes.secret = request.secret;
    const token = await new SignJWT({ 'kubernetes.io': kubernetes } as unknown as JWTPayload)
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
      .setIssuer(this.issuer)
      .setSubject(`system:serviceaccount:${request.namespace}:${request.name}`)
      .setAudience(request.audiences)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(expiresAt)
      .setJti(randomUUID())
      .sign(this.privateKey);
    return {
      token,
      expirationTimestamp: new Date(expiresAt * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
  }

  /**
   * Checks signature, issuer, time and audience. The messages follow the
   * TokenReview `status.error` strings of kube-apiserver 1.32.
   */
  async verify(token: string, audiences: string[]): Promise<TokenCheck> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.publicKey, {
        issuer: this.issuer,
        algorithms: ['ES256'],
        clockTolerance: 0,
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired)
        return { valid: false, error: 'service account token has expired' };
      return { valid: false, error: 'invalid bearer token' };
    }
    const tokenAudiences = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []);
    const matching = tokenAudiences.filter((audience) => audiences.includes(audience));
    if (matching.length === 0) {
      return {
        valid: false,
        error: `token audiences ${JSON.stringify(tokenAudiences)} is invalid for the target audiences ${JSON.stringify(audiences)}`,
      };
    }
    const claim = (payload as { 'kubernetes.io'?: KubernetesClaim })['kubernetes.io'];
    const name = claim?.serviceaccount?.name;
    const uid = claim?.serviceaccount?.uid;
    if (!claim?.namespace || !name || !uid)
      return { valid: false, error: 'service account token claims are missing' };
    const claims: ServiceAccountClaims = {
      namespace: claim.namespace,
      serviceAccount: { name, uid },
    };
    if (claim.pod?.name && claim.pod.uid) claims.pod = { name: claim.pod.name, uid: claim.pod.uid };
    if (claim.secret?.name && claim.secret.uid)
      claims.secret = { name: claim.secret.name, uid: claim.secret.uid };
    return {
      valid: true,
      audiences: matching,
      claims,
      username: `system:serviceaccount:${claim.namespace}:${name}`,
    };
  }
}

/** Groups of a service account user, as pkg/serviceaccount/util.go builds them. */
export function serviceAccountGroups(namespace: string): string[] {
  return ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'];
}
