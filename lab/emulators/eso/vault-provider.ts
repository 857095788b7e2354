/**
 * ESO's HashiCorp Vault provider (providers/v1/vault in external-secrets).
 * It builds a client from a store's `spec.provider.vault` and authenticates
 * with a token from a Secret or with Kubernetes auth. It reads KV v1 and v2
 * secrets with property and version, and revokes a login token when closed.
 */
import type { OutboundNetwork } from '../network/outbound.ts';
import { KubeApiError, type KubeClient } from './kube-client.ts';
import { VaultText } from './messages.ts';
import type { RemoteRef, SecretKeySelector, StoreKind, VaultProvider } from './types.ts';
import { type VaultCall, VaultClient, VaultTimeoutError } from './vault-client.ts';

/** The provider returned no secret: ESO's `esv1.NoSecretError`. */
export class NoSecretError extends Error {
  constructor() {
    super(VaultText.noSecret);
    this.name = 'NoSecretError';
  }
}

export interface ProviderContext {
  kube: KubeClient;
  controllerToken: () => Promise<string>;
  vaultTimeoutMs: number;
  network?: OutboundNetwork;
  onVaultCall: (call: VaultCall, ok: boolean) => void;
  /** Receives a failed token revocation, which does not fail the reconcile. */
  onRevokeError?: (error: unknown) => void;
}

export interface StoreIdentity {
  kind: StoreKind;
  name: string;
  /** The store's namespace, or for a ClusterSecretStore the namespace of the object that uses it. */
  namespace: string;
}

/** A connected Vault client for one reconcile; call `close()` when done. */
export class VaultProviderClient {
  private loggedIn = false;
  private onRevokeError?: (error: unknown) => void;

  private constructor(
    readonly client: VaultClient,
    private readonly provider: VaultProvider,
  ) {}

  /**
   * Creates the client and authenticates. Errors carry ESO's texts, for
   * example `unable to log in to auth method: unable to log in with
   * Kubernetes auth: <Vault error>`.
   */
  static async connect(
    context: ProviderContext,
    provider: VaultProvider,
    store: StoreIdentity,
  ): Promise<VaultProviderClient> {
    const caPem = await resolveCaPem(context.kube, provider, store);
    const client = new VaultClient({
      server: provider.server,
      caPem,
      namespace: provider.namespace,
      timeoutMs: context.vaultTimeoutMs,
      network: context.network,
      onCall: context.onVaultCall,
    });
    const connected = new VaultProviderClient(client, provider);
    connected.onRevokeError = context.onRevokeError;
    await connected.authenticate(context, store);
    return connected;
  }

  private async authenticate(context: ProviderContext, store: StoreIdentity): Promise<void> {
    const auth = this.provider.auth;
    if (auth?.tokenSecretRef) {
      this.client.token = await readSecretKey(context.kube, auth.tokenSecretRef, store);
      return;
    }
    if (auth?.kubernetes) {
      const kubernetes = auth.kubernetes;
      const jwt = await kubernetesJwt(context, kubernetes, store);
      const mount = (kubernetes.mountPath ?? 'kubernetes').replace(/^\/+|\/+$/g, '');
      try {
        const body = { role: kubernetes.role, jwt };
        const answer = await this.client.request(
          'PUT',
          `/v1/auth/${mount}/login`,
          'Login',
          body,
          false,
        );
        const token = answer.body?.auth?.client_token;
        if (typeof token !== 'string')
          throw new Error('login response did not contain client_token');
        this.client.token = token;
        this.loggedIn = true;
      } catch (error) {
        throw new Error(VaultText.loginAuthMethod(VaultText.loginKubernetes(messageOf(error))), {
          cause: error,
        });
      }
      return;
    }
    throw new Error(VaultText.noAuth);
  }

  /** Checks the token with `lookup-self`: ESO's store validation. */
  async validate(): Promise<void> {
    try {
      await this.client.request(
        'GET',
        '/v1/auth/token/lookup-self',
        'LookupSelf',
        undefined,
        false,
      );
    } catch (error) {
      throw new Error(VaultText.invalidCredentials(messageOf(error)), { cause: error });
    }
  }

  /** Reads one value: the property of the secret, or the whole secret as JSON when no property is set. */
  async getSecret(ref: RemoteRef): Promise<Buffer> {
    const data = await this.readSecretData(ref);
    if (!ref.property) return Buffer.from(JSON.stringify(data), 'utf8');
    const value = lookupProperty(data, ref.property);
    if (value === undefined) throw new Error(VaultText.missingProperty(ref.property));
    return valueBytes(value);
  }

  /** Reads every top-level key of the secret (`dataFrom[].extract`). */
  async getSecretMap(ref: RemoteRef): Promise<Record<string, Buffer>> {
    let data = await this.readSecretData(ref);
    if (ref.property) {
      const nested = lookupProperty(data, ref.property);
      if (nested === undefined || nested === null || typeof nested !== 'object') {
        throw new Error(VaultText.missingProperty(ref.property));
      }
      data = nested as Record<string, unknown>;
    }
    const result: Record<string, Buffer> = {};
    for (const [key, value] of Object.entries(data)) result[key] = valueBytes(value);
    return result;
  }

  /** Reads a KV secret: `GET /v1/<path>/data/<key>[?version=N]` for v2, `GET /v1/<path>/<key>` for v1. */
  async readSecretData(ref: RemoteRef): Promise<Record<string, unknown>> {
    const version = this.provider.version ?? 'v2';
    const path = buildKvPath(this.provider.path, ref.key, version);
    const query =
      version === 'v2' && ref.version ? `?version=${encodeURIComponent(ref.version)}` : '';
    let answer: Awaited<ReturnType<VaultClient['request']>>;
    try {
      answer = await this.client.request('GET', `/v1/${path}${query}`, 'ReadSecretData');
    } catch (error) {
      if (error instanceof VaultTimeoutError) throw error;
      throw new Error(VaultText.readSecret(messageOf(error)), { cause: error });
    }
    const body = answer.body;
    if (answer.status === 404 || !body || body.data === null || body.data === undefined)
      throw new NoSecretError();
    if (version === 'v1') return body.data;
    if (!('data' in body.data)) throw new Error(VaultText.dataField);
    const inner = body.data.data;
    if (inner === null || inner === undefined) throw new NoSecretError();
    return inner as Record<string, unknown>;
  }

  /**
   * Revokes a token that came from a login (lookup-self, then revoke-self),
   * as ESO's client Close does; a static token is never revoked.
   */
  async close(): Promise<void> {
    if (!this.loggedIn) return;
    this.loggedIn = false;
    try {
      await this.client.request(
        'GET',
        '/v1/auth/token/lookup-self',
        'LookupSelf',
        undefined,
        false,
      );
      await this.client.request(
        'PUT',
        '/v1/auth/token/revoke-self',
        'RevokeSelf',
        undefined,
        false,
      );
    } catch (error) {
      // ESO ignores a failed revoke because the token expires on its own TTL.
      this.onRevokeError?.(error);
    }
  }
}

/** Builds the API path of a KV read; a key that already starts with the mount is not prefixed twice. */
export function buildKvPath(mount: string | undefined, key: string, version: 'v1' | 'v2'): string {
  const cleanKey = key.replace(/^\/+/, '');
  if (!mount) return cleanKey;
  const cleanMount = mount.replace(/^\/+|\/+$/g, '');
  const relative = cleanKey.startsWith(`${cleanMount}/`)
    ? cleanKey.slice(cleanMount.length + 1)
    : cleanKey;
  if (version === 'v1') return `${cleanMount}/${relative}`;
  const withoutData = relative.startsWith('data/') ? relative.slice('data/'.length) : relative;
  return `${cleanMount}/data/${withoutData}`;
}

/** Finds `property` as a top-level key first, then as a dotted path (ESO uses gjson for the latter). */
export function lookupProperty(data: Record<string, unknown>, property: string): unknown {
  if (Object.hasOwn(data, property)) return data[property];
  let current: unknown = data;
  for (const part of property.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, part))
      return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function valueBytes(value: unknown): Buffer {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  return Buffer.from(JSON.stringify(value), 'utf8');
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Returns the namespace a reference may use. A SecretStore is limited to its own namespace. */
function refNamespace(store: StoreIdentity, namespace: string | undefined): string {
  if (store.kind === 'ClusterSecretStore' && namespace) return namespace;
  return store.namespace;
}

/** Reads one key of a Kubernetes Secret with the controller's own permissions. */
export async function readSecretKey(
  kube: KubeClient,
  ref: SecretKeySelector,
  store: StoreIdentity,
): Promise<string> {
  const namespace = refNamespace(store, ref.namespace);
  let secret: Awaited<ReturnType<KubeClient['getSecret']>>;
  try {
    secret = await kube.getSecret(namespace, ref.name);
  } catch (error) {
    throw new Error(VaultText.getKubeSecret(ref.name, namespace, messageOf(error)), {
      cause: error,
    });
  }
  if (!secret) {
    throw new Error(
      VaultText.getKubeSecret(ref.name, namespace, `secrets "${ref.name}" not found`),
    );
  }
  const key = ref.key ?? '';
  const encoded = secret.data?.[key];
  if (encoded === undefined) throw new Error(VaultText.missingSecretKey(ref.name, key));
  return Buffer.from(encoded, 'base64').toString('utf8').trim();
}

async function kubernetesJwt(
  context: ProviderContext,
  auth: NonNullable<NonNullable<VaultProvider['auth']>['kubernetes']>,
  store: StoreIdentity,
): Promise<string> {
  if (auth.serviceAccountRef) {
    const namespace = refNamespace(store, auth.serviceAccountRef.namespace);
    try {
      return await context.kube.requestServiceAccountToken(
        namespace,
        auth.serviceAccountRef.name,
        auth.serviceAccountRef.audiences ?? [],
      );
    } catch (error) {
      const cause = error instanceof KubeApiError ? error.message : messageOf(error);
      throw new Error(VaultText.serviceAccountToken(auth.serviceAccountRef.name, cause), {
        cause: error,
      });
    }
  }
  // ESO reads the key `token` when secretRef names none (providers/v1/vault/auth_kubernetes.go).
  if (auth.secretRef)
    return readSecretKey(
      context.kube,
      { ...auth.secretRef, key: auth.secretRef.key || 'token' },
      store,
    );
  return context.controllerToken();
}

/** Returns the CA for the Vault connection: `caBundle` (base64 PEM), or a Secret or ConfigMap key from `caProvider`. */
async function resolveCaPem(
  kube: KubeClient,
  provider: VaultProvider,
  store: StoreIdentity,
): Promise<string | undefined> {
  if (provider.caBundle) return Buffer.from(provider.caBundle, 'base64').toString('utf8');
  const caProvider = provider.caProvider;
  if (!caProvider) return undefined;
  const namespace = refNamespace(store, caProvider.namespace);
  const key = caProvider.key ?? 'ca.crt';
  if (caProvider.type === 'Secret')
    return readSecretKey(kube, { name: caProvider.name, key, namespace }, store);
  const configMap = await kube.getConfigMap(namespace, caProvider.name);
  const value = configMap?.data?.[key];
  if (value === undefined) {
    throw new Error(
      `cannot find key "${key}" in ConfigMap "${caProvider.name}" in namespace "${namespace}" for caProvider`,
    );
  }
  return value;
}
