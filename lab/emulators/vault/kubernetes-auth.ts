/**
 * The Kubernetes auth method (hashicorp/vault-plugin-auth-kubernetes:
 * path_config.go, path_role.go, path_login.go, token_review.go). Login
 * checks the bound service account, then sends a real TokenReview to
 * `kubernetes_host`, so it works against the embedded Kubernetes API and a
 * real cluster alike. Failure details go to the server log only.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { errorText, type VaultCore } from './core.ts';
import { badRequest, forbidden, notFound, unsupportedOperation, VaultError } from './errors.ts';
import { boolField, durationField, stringField, stringListField } from './fields.ts';
import { listChildren } from './kv.ts';
import { authBlock, issueToken } from './tokens.ts';
import type { HandlerResult, MountEntry, VaultRequest } from './types.ts';

interface KubernetesConfig {
  kubernetesHost: string;
  kubernetesCaCert: string;
  tokenReviewerJwt: string;
  disableLocalCaJwt: boolean;
}

interface KubernetesRole {
  boundServiceAccountNames: string[];
  boundServiceAccountNamespaces: string[];
  audience: string;
  tokenPolicies: string[];
  tokenTtl: number;
  tokenMaxTtl: number;
}

interface KubernetesStorage {
  config?: KubernetesConfig;
  roles: Record<string, KubernetesRole>;
}

interface ServiceAccountClaims {
  namespace: string;
  name: string;
  uid: string;
}

/** Timeout of one TokenReview call in ms, so a login never hangs on an unreachable API server. */
const TOKEN_REVIEW_TIMEOUT_MS = 10_000;
const PLAIN_PERMISSION_DENIED = 'permission denied';

function storageOf(mount: MountEntry): KubernetesStorage {
  mount.storage.roles ??= {};
  return mount.storage as unknown as KubernetesStorage;
}

export async function handleKubernetesAuth(
  core: VaultCore,
  request: VaultRequest,
  mount: MountEntry,
  relative: string,
): Promise<HandlerResult | undefined> {
  const storage = storageOf(mount);
  if (relative === 'config') return config(core, request, storage);
  if (relative === 'login') return login(core, request, mount, storage);
  if (relative === 'role' || relative === 'role/') {
    if (request.operation !== 'list') throw unsupportedOperation();
    const keys = listChildren(Object.keys(storage.roles), '');
    if (keys.length === 0) throw notFound();
    return { data: { keys } };
  }
  if (relative.startsWith('role/'))
    return role(core, request, storage, relative.slice('role/'.length));
  throw new VaultError(
    404,
    `no handler for route "auth/${mount.path}${relative}". route entry not found.`,
  );
}

function config(
  core: VaultCore,
  request: VaultRequest,
  storage: KubernetesStorage,
): HandlerResult | undefined {
  if (request.operation === 'read') {
    const current = storage.config;
    if (current === undefined) throw notFound();
    return {
      data: {
        kubernetes_host: current.kubernetesHost,
        kubernetes_ca_cert: current.kubernetesCaCert,
        disable_local_ca_jwt: current.disableLocalCaJwt,
        token_reviewer_jwt_set: current.tokenReviewerJwt !== '',
        pem_keys: [],
        issuer: '',
        disable_iss_validation: true,
      },
    };
  }
  if (request.operation !== 'create' && request.operation !== 'update')
    throw unsupportedOperation();

  const host = stringField(request.body, 'kubernetes_host');
  if (host === '') throw badRequest('no host provided');
  let parsed: URL;
  try {
    parsed = new URL(host);
  } catch {
    throw badRequest(
      `invalid kubernetes_host ${JSON.stringify(host)}: expected a URL such as https://kubernetes.default.svc`,
    );
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw badRequest(
      `invalid kubernetes_host ${JSON.stringify(host)}: the scheme must be https or http`,
    );
  }

  const caCert = stringField(request.body, 'kubernetes_ca_cert');
  if (caCert !== '' && !caCert.includes('-----BEGIN CERTIFICATE-----')) {
    throw badRequest('kubernetes_ca_cert must be a PEM-encoded certificate');
  }
  storage.config = {
    kubernetesHost: host.replace(/\/+$/, ''),
    kubernetesCaCert: caCert,
    tokenReviewerJwt: stringField(request.body, 'token_reviewer_jwt'),
    disableLocalCaJwt: boolField(request.body, 'disable_local_ca_jwt', false),
  };
  core.save();
  return undefined;
}

function validateBound(field: string, values: string[] | undefined): string[] {
  if (values === undefined || values.length === 0) throw badRequest(`"${field}" can not be empty`);
  if (values.length > 1 && values.includes('*')) throw badRequest(`can not mix "*" with values`);
  return values;
}

function role(
  core: VaultCore,
  request: VaultRequest,
  storage: KubernetesStorage,
  name: string,
): HandlerResult | undefined {
  const existing = storage.roles[name];
  if (request.operation === 'read') {
    if (existing === undefined) throw notFound();
    return {
      data: {
        bound_service_account_names: existing.boundServiceAccountNames,
        bound_service_account_namespaces: existing.boundServiceAccountNamespaces,
        audience: existing.audience,
        token_policies: existing.tokenPolicies,
        policies: existing.tokenPolicies,
        token_ttl: existing.tokenTtl,
        ttl: existing.tokenTtl,
        token_max_ttl: existing.tokenMaxTtl,
        max_ttl: existing.tokenMaxTtl,
        token_type: 'default',
        alias_name_source: 'serviceaccount_uid',
      },
    };
  }
  if (request.operation === 'delete') {
    delete storage.roles[name];
    core.save();
    return undefined;
  }
  if (request.operation !== 'create' && request.operation !== 'update')
    throw unsupportedOperation();
  const body = request.body;
  const updated: KubernetesRole = {
    boundServiceAccountNames: validateBound(
      'bound_service_account_names',
      stringListField(body, 'bound_service_account_names') ?? existing?.boundServiceAccountNames,
    ),
    boundServiceAccountNamespaces: validateBound(
      'bound_service_account_namespaces',
      stringListField(body, 'bound_service_account_namespaces') ??
        existing?.boundServiceAccountNamespaces,
    ),
    audience: stringField(body, 'audience', existing?.audience ?? ''),
    tokenPolicies:
      stringListField(body, 'token_policies') ??
      stringListField(body, 'policies') ??
      existing?.tokenPolicies ??
      [],
    tokenTtl: durationField(body, 'token_ttl', durationField(body, 'ttl', existing?.tokenTtl ?? 0)),
    tokenMaxTtl: durationField(
      body,
      'token_max_ttl',
      durationField(body, 'max_ttl', existing?.tokenMaxTtl ?? 0),
    ),
  };
  if (updated.tokenMaxTtl > 0 && updated.tokenTtl > updated.tokenMaxTtl) {
    throw badRequest('token ttl should not be greater than token max ttl');
  }
  storage.roles[name] = updated;
  core.save();
  return undefined;
}

/** Reads the service account from a JWT's claims, legacy secret tokens and projected tokens alike. */
export function serviceAccountClaims(jwt: string): ServiceAccountClaims | undefined {
  const parts = jwt.split('.');
  if (parts.length !== 3) return undefined;
  let claims: Record<string, unknown>;
  try {
    claims = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
  } catch {
    return undefined;
  }
  const projected = claims['kubernetes.io'] as
    | { namespace?: string; serviceaccount?: { name?: string; uid?: string } }
    | undefined;
  if (projected?.namespace !== undefined && projected.serviceaccount?.name !== undefined) {
    return {
      namespace: projected.namespace,
      name: projected.serviceaccount.name,
      uid: projected.serviceaccount.uid ?? '',
    };
  }
  const namespace = claims['kubernetes.io/serviceaccount/namespace'];
  const name = claims['kubernetes.io/serviceaccount/service-account.name'];
  if (typeof namespace === 'string' && typeof name === 'string') {
    const uid = claims['kubernetes.io/serviceaccount/service-account.uid'];
    return { namespace, name, uid: typeof uid === 'string' ? uid : '' };
  }
  return undefined;
}

function bound(values: string[], value: string): boolean {
  return values.includes('*') || values.includes(value);
}

async function login(
  core: VaultCore,
  request: VaultRequest,
  mount: MountEntry,
  storage: KubernetesStorage,
): Promise<HandlerResult> {
  if (request.operation !== 'create' && request.operation !== 'update')
    throw unsupportedOperation();
  const roleName = stringField(request.body, 'role');
  if (roleName === '') throw badRequest('missing role');
  const jwt = stringField(request.body, 'jwt');
  if (jwt === '') throw badRequest('missing jwt');
  const found = storage.roles[roleName];
  if (found === undefined) throw badRequest(`invalid role name "${roleName}"`);
  const config = storage.config;
  if (config === undefined) throw badRequest('could not load backend configuration');

  const module = `auth.kubernetes.${mount.accessor}`;
  const claims = serviceAccountClaims(jwt);
  if (claims === undefined) {
    // NOTE: the real plugin validates the JWT signature locally when pem_keys are set; here
    // an unparseable token is rejected before any TokenReview.
    core.log.error(
      module,
      'login unauthorized due to: the jwt is not a Kubernetes service account token',
      { role: roleName },
    );
    throw forbidden(PLAIN_PERMISSION_DENIED);
  }
  if (!bound(found.boundServiceAccountNames, claims.name))
    throw forbidden('service account name not authorized');
  if (!bound(found.boundServiceAccountNamespaces, claims.namespace))
    throw forbidden('namespace not authorized');

  const review = await sendTokenReview(core, config, jwt, found.audience);
  if (!review.ok) {
    core.log.error(module, `login unauthorized due to: ${review.detail}`, { role: roleName });
    throw forbidden(PLAIN_PERMISSION_DENIED);
  }
  const expected = `system:serviceaccount:${claims.namespace}:${claims.name}`;
  if (review.username !== expected) {
    core.log.error(
      module,
      `login unauthorized due to: TokenReview returned user ${JSON.stringify(review.username)}, expected ${JSON.stringify(expected)}`,
      {
        role: roleName,
      },
    );
    throw forbidden(PLAIN_PERMISSION_DENIED);
  }

  const metadata = {
    role: roleName,
    service_account_name: claims.name,
    service_account_namespace: claims.namespace,
    service_account_uid: review.uid || claims.uid,
    service_account_secret_name: '',
  };
  const policies = [...new Set([...found.tokenPolicies, 'default'])].sort();
  const { token, warnings } = issueToken(core, {
    policies,
    parent: undefined,
    meta: null,
    displayName: `kubernetes-${claims.namespace}-${claims.name}`,
    ttl: found.tokenTtl,
    explicitMaxTtl: 0,
    period: 0,
    numUses: 0,
    renewable: true,
    path: `auth/${mount.path}login`,
    maxTtl: found.tokenMaxTtl,
    authMetadata: metadata,
  });
  core.log.info(module, 'login succeeded', {
    role: roleName,
    service_account: `${claims.namespace}/${claims.name}`,
    accessor: token.accessor,
  });
  return { data: null, auth: authBlock(core, token), warnings };
}

type ReviewOutcome = { ok: true; username: string; uid: string } | { ok: false; detail: string };

/** POSTs a TokenReview authenticated with the reviewer JWT (or the login JWT when unset). */
async function sendTokenReview(
  core: VaultCore,
  config: KubernetesConfig,
  jwt: string,
  audience: string,
): Promise<ReviewOutcome> {
  const url = new URL(`${config.kubernetesHost}/apis/authentication.k8s.io/v1/tokenreviews`);
  const bearer = config.tokenReviewerJwt === '' ? jwt : config.tokenReviewerJwt;
  const payload = JSON.stringify({
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenReview',
    spec: { token: jwt, ...(audience === '' ? {} : { audiences: [audience] }) },
  });
  let response: { status: number; body: string };
  try {
    response = await postJson(core, url, payload, bearer, config.kubernetesCaCert);
  } catch (error) {
    return { ok: false, detail: errorText(error) };
  }
  if (response.status < 200 || response.status > 299)
    return { ok: false, detail: response.body.trim() };
  let review: {
    status?: {
      authenticated?: boolean;
      error?: string;
      user?: { username?: string; uid?: string };
    };
  };
  try {
    review = JSON.parse(response.body);
  } catch {
    return { ok: false, detail: `TokenReview response is not JSON (status ${response.status})` };
  }
  if (review.status?.authenticated !== true) {
    const reason = review.status?.error ? ` (${review.status.error})` : '';
    return {
      ok: false,
      detail: `lookup failed: service account unauthorized; this could mean it has been deleted or recreated with a new token${reason}`,
    };
  }
  return {
    ok: true,
    username: review.status.user?.username ?? '',
    uid: review.status.user?.uid ?? '',
  };
}

function postJson(
  core: VaultCore,
  url: URL,
  payload: string,
  bearer: string,
  caCert: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const options = {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        authorization: `Bearer ${bearer}`,
        'content-length': Buffer.byteLength(payload),
      },
      lookup: core.network.lookup,
      localAddress: core.network.localAddress,
      timeout: TOKEN_REVIEW_TIMEOUT_MS,
      ...(caCert === '' ? {} : { ca: caCert }),
    };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const outgoing = send(url, options, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () =>
        resolve({ status: incoming.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      incoming.on('error', reject);
    });
    outgoing.on('timeout', () =>
      outgoing.destroy(
        new Error(`TokenReview to ${url.host} timed out after ${TOKEN_REVIEW_TIMEOUT_MS} ms`),
      ),
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}
