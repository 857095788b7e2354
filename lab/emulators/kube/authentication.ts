/**
 * Authentication of requests: the admin bearer token, service account JWTs
 * (checked against the live ServiceAccount, so a deleted or recreated
 * account's tokens stop working, as pkg/serviceaccount/legacy.go and
 * claims.go do), client certificates (CN = user, O = groups), anonymous
 * otherwise, and impersonation headers.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { forbidden, type RbacAuthorizer } from './rbac.ts';
import { badRequest, unauthorized } from './status.ts';
import type { ObjectStore } from './store.ts';
import { serviceAccountGroups, type TokenAuthority, type TokenCheck } from './tokens.ts';
import type { RequestAttributes, UserInfo } from './types.ts';

export const ADMIN_USER: UserInfo = {
  username: 'kubernetes-admin',
  groups: ['system:masters', 'system:authenticated'],
};
export const ANONYMOUS_USER: UserInfo = {
  username: 'system:anonymous',
  groups: ['system:unauthenticated'],
};

export type TokenResult = { user: UserInfo; audiences: string[] } | { error: string };

/** Verified JWTs are cached this long. The ServiceAccount is still looked up on every request. */
const TOKEN_CACHE_MILLISECONDS = 10_000;
const TOKEN_CACHE_ENTRIES = 4096;

export class Authenticator {
  private readonly cache = new Map<string, { check: TokenCheck; until: number }>();

  constructor(
    private readonly store: ObjectStore,
    private readonly tokens: TokenAuthority,
    private readonly adminToken: string,
  ) {}

  get apiAudiences(): string[] {
    return [this.tokens.issuer];
  }

  /** Authenticates a bearer token for the given audiences (the API server's own when omitted). */
  async authenticateToken(token: string, audiences = this.apiAudiences): Promise<TokenResult> {
    if (token === this.adminToken) return { user: ADMIN_USER, audiences };
    const check = await this.verify(token, audiences);
    if (!check.valid) return { error: `[invalid bearer token, ${check.error}]` };
    const { claims } = check;
    const account = this.store.get(
      '/serviceaccounts',
      claims.namespace,
      claims.serviceAccount.name,
    );
    if (
      !account ||
      account.metadata.deletionTimestamp ||
      account.metadata.uid !== claims.serviceAccount.uid
    ) {
      return { error: '[invalid bearer token, service account token has been invalidated]' };
    }
    const extra: Record<string, string[]> = {};
    if (claims.pod) {
      const pod = this.store.get('/pods', claims.namespace, claims.pod.name);
      if (!pod || pod.metadata.uid !== claims.pod.uid) {
        return { error: '[invalid bearer token, service account token has been invalidated]' };
      }
      extra['authentication.kubernetes.io/pod-name'] = [claims.pod.name];
      extra['authentication.kubernetes.io/pod-uid'] = [claims.pod.uid];
    }
    if (claims.secret) {
      const secret = this.store.get('/secrets', claims.namespace, claims.secret.name);
      if (!secret || secret.metadata.uid !== claims.secret.uid) {
        return { error: '[invalid bearer token, service account token has been invalidated]' };
      }
    }
    const user: UserInfo = {
      username: check.username,
      uid: claims.serviceAccount.uid,
      groups: serviceAccountGroups(claims.namespace),
    };
    if (Object.keys(extra).length > 0) user.extra = extra;
    return { user, audiences: check.audiences };
  }

  private async verify(token: string, audiences: string[]): Promise<TokenCheck> {
    const key = `${audiences.join(',')}\n${token}`;
    const cached = this.cache.get(key);
    if (cached && cached.until > Date.now()) return cached.check;
    const check = await this.tokens.verify(token, audiences);
    if (this.cache.size >= TOKEN_CACHE_ENTRIES) this.cache.clear();
    this.cache.set(key, { check, until: Date.now() + TOKEN_CACHE_MILLISECONDS });
    return check;
  }

  /** Authenticates an HTTP request. A bad bearer token is 401, no credentials at all is anonymous. */
  async authenticateRequest(request: IncomingMessage): Promise<UserInfo> {
    const header = request.headers.authorization;
    if (header) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match?.[1]) throw unauthorized();
      const result = await this.authenticateToken(match[1]);
      if ('error' in result) throw unauthorized();
      return result.user;
    }
    const socket = request.socket as TLSSocket;
    if (socket.authorized && typeof socket.getPeerCertificate === 'function') {
      const certificate = socket.getPeerCertificate();
      const subject = certificate?.subject as Record<string, string | string[]> | undefined;
      const commonName = subject?.CN;
      if (typeof commonName === 'string' && commonName) {
        const organizations = subject?.O === undefined ? [] : ([] as string[]).concat(subject.O);
        return { username: commonName, groups: [...organizations, 'system:authenticated'] };
      }
    }
    return ANONYMOUS_USER;
  }
}

/**
 * Applies `Impersonate-User` and `Impersonate-Group` after checking the
 * `impersonate` verb for each, as apiserver/pkg/endpoints/filters/impersonation.go does.
 */
export function impersonate(
  request: IncomingMessage,
  user: UserInfo,
  rbac: RbacAuthorizer,
): UserInfo {
  const target = header(request, 'impersonate-user');
  const groups = headerList(request, 'impersonate-group');
  const uid = header(request, 'impersonate-uid');
  if (!target) {
    if (groups.length > 0 || uid) {
      throw badRequest(
        'Impersonate-Group and Impersonate-Uid need Impersonate-User: set the user to impersonate as well',
      );
    }
    return user;
  }
  const checks: RequestAttributes[] = [];
  const serviceAccount = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(target);
  if (serviceAccount) {
    checks.push(
      attributes(user, 'serviceaccounts', '', serviceAccount[1] ?? '', serviceAccount[2] ?? ''),
    );
  } else {
    checks.push(attributes(user, 'users', '', '', target));
  }
  for (const group of groups) checks.push(attributes(user, 'groups', '', '', group));
  if (uid) checks.push(attributes(user, 'uids', 'authentication.k8s.io', '', uid));
  for (const check of checks) {
    const decision = rbac.authorize(check);
    if (!decision.allowed) throw forbidden(check, decision.reason);
  }

  let impersonatedGroups = groups;
  if (serviceAccount && groups.length === 0)
    impersonatedGroups = serviceAccountGroups(serviceAccount[1] ?? '');
  if (target !== 'system:anonymous' && !impersonatedGroups.includes('system:authenticated')) {
    impersonatedGroups = [...impersonatedGroups, 'system:authenticated'];
  }
  const impersonated: UserInfo = { username: target, groups: impersonatedGroups };
  if (uid) impersonated.uid = uid;
  return impersonated;
}

function attributes(
  user: UserInfo,
  resource: string,
  group: string,
  namespace: string,
  name: string,
): RequestAttributes {
  return {
    user,
    verb: 'impersonate',
    resourceRequest: true,
    group,
    resource,
    subresource: '',
    namespace,
    name,
    path: '',
  };
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function headerList(request: IncomingMessage, name: string): string[] {
  const value = request.headers[name];
  if (value === undefined) return [];
  // Node joins repeated headers with ", ".
  return (Array.isArray(value) ? value : value.split(','))
    .map((item) => item.trim())
    .filter(Boolean);
}
