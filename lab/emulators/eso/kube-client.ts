/**
 * The controller's view of the Kubernetes API, through @kubernetes/client-node
 * 1.4 and authenticated with the controller's own service account token
 * (re-read from `token()` before every request), so RBAC applies to it.
 */
import {
  CoreV1Api,
  CustomObjectsApi,
  type Informer,
  KubeConfig,
  type KubernetesObject,
  makeInformer,
  type ObjectCache,
  PatchStrategy,
  setHeaderOptions,
  type User,
} from '@kubernetes/client-node';
import type { EsoKubeOptions, KubeSecret } from './types.ts';

const AUTH_PROVIDER = 'eso-service-account-token';

/** A failed API call; `message` is the Status message, as client-go's errors print it. */
export class KubeApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly reason: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

export interface ResourceRef {
  group: string;
  version: string;
  plural: string;
  namespace?: string;
  name: string;
}

export class KubeClient {
  readonly config: KubeConfig;
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;

  constructor(options: EsoKubeOptions) {
    this.config = new KubeConfig();
    this.config.loadFromOptions({
      clusters: [
        {
          name: 'basecamp',
          server: options.server,
          caData: Buffer.from(options.caCertPem).toString('base64'),
        },
      ],
      users: [{ name: 'external-secrets', authProvider: { name: AUTH_PROVIDER, config: {} } }],
      contexts: [{ name: 'external-secrets', cluster: 'basecamp', user: 'external-secrets' }],
      currentContext: 'external-secrets',
    });
    this.config.addAuthenticator({
      isAuthProvider: (user: User) => user.authProvider?.name === AUTH_PROVIDER,
      applyAuthentication: async (_user: User, request: { headers?: Record<string, unknown> }) => {
        request.headers ??= {};
        request.headers.Authorization = `Bearer ${await options.token()}`;
      },
    });
    this.core = this.config.makeApiClient(CoreV1Api);
    this.custom = this.config.makeApiClient(CustomObjectsApi);
  }

  async getSecret(namespace: string, name: string): Promise<KubeSecret | undefined> {
    return orUndefinedOn404(() =>
      call(async () => (await this.core.readNamespacedSecret({ namespace, name })) as KubeSecret),
    );
  }

  async createSecret(secret: KubeSecret): Promise<KubeSecret> {
    const namespace = secret.metadata.namespace ?? '';
    return call(
      async () =>
        (await this.core.createNamespacedSecret({
          namespace,
          body: secret as never,
        })) as KubeSecret,
    );
  }

  async replaceSecret(secret: KubeSecret): Promise<KubeSecret> {
    const { namespace = '', name } = secret.metadata;
    return call(
      async () =>
        (await this.core.replaceNamespacedSecret({
          namespace,
          name,
          body: secret as never,
        })) as KubeSecret,
    );
  }

  async deleteSecret(namespace: string, name: string): Promise<void> {
    await orUndefinedOn404(() => call(() => this.core.deleteNamespacedSecret({ namespace, name })));
  }

  async getConfigMap(
    namespace: string,
    name: string,
  ): Promise<{ data?: Record<string, string> } | undefined> {
    return orUndefinedOn404(() =>
      call(() => this.core.readNamespacedConfigMap({ namespace, name })),
    );
  }

  async getCustom<T>(ref: ResourceRef): Promise<T | undefined> {
    const { group, version, plural, namespace, name } = ref;
    return orUndefinedOn404(() =>
      call(() =>
        namespace
          ? this.custom.getNamespacedCustomObject({ group, version, plural, namespace, name })
          : this.custom.getClusterCustomObject({ group, version, plural, name }),
      ),
    );
  }

  async replaceCustom<T>(ref: ResourceRef, body: T): Promise<T> {
    const { group, version, plural, namespace, name } = ref;
    return call(() =>
      namespace
        ? this.custom.replaceNamespacedCustomObject({
            group,
            version,
            plural,
            namespace,
            name,
            body,
          })
        : this.custom.replaceClusterCustomObject({ group, version, plural, name, body }),
    );
  }

  async replaceStatus<T>(ref: ResourceRef, body: T): Promise<T> {
    const { group, version, plural, namespace, name } = ref;
    return call(() =>
      namespace
        ? this.custom.replaceNamespacedCustomObjectStatus({
            group,
            version,
            plural,
            namespace,
            name,
            body,
          })
        : this.custom.replaceClusterCustomObjectStatus({ group, version, plural, name, body }),
    );
  }

  /** Requests a token for another service account (TokenRequest), as ESO does for `serviceAccountRef`. */
  async requestServiceAccountToken(
    namespace: string,
    name: string,
    audiences: string[],
  ): Promise<string> {
    const body = {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { audiences, expirationSeconds: 600 },
    };
    const answer = await call(() =>
      this.core.createNamespacedServiceAccountToken({ namespace, name, body: body as never }),
    );
    const token = (answer as { status?: { token?: string } }).status?.token;
    if (!token)
      throw new KubeApiError(
        `TokenRequest for "${namespace}/${name}" returned no token`,
        500,
        'InternalError',
      );
    return token;
  }

  async createEvent(event: KubernetesObject & Record<string, unknown>): Promise<KubernetesObject> {
    const namespace = event.metadata?.namespace ?? 'default';
    return call(() => this.core.createNamespacedEvent({ namespace, body: event as never }));
  }

  /** Raises `count` and `lastTimestamp` of an existing Event with a merge patch (the recorder's verb is patch). */
  async patchEvent(
    namespace: string,
    name: string,
    changes: { count: number; lastTimestamp: string },
  ): Promise<void> {
    const options = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    await call(() => this.core.patchNamespacedEvent({ namespace, name, body: changes }, options));
  }

  /** A list-then-watch informer on a cluster-wide path such as `/apis/external-secrets.io/v1/externalsecrets`. */
  informer<T extends KubernetesObject>(
    path: string,
    labelSelector?: string,
  ): Informer<T> & ObjectCache<T> {
    const list = async () => {
      const [group, version, plural] = parseCollectionPath(path);
      if (group === '') {
        return this.core.listSecretForAllNamespaces({ labelSelector }) as never;
      }
      return this.custom.listClusterCustomObject({
        group,
        version,
        plural,
        labelSelector,
      }) as never;
    };
    return makeInformer<T>(this.config, path, list, labelSelector);
  }
}

function parseCollectionPath(path: string): [string, string, string] {
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'api') return ['', parts[1] ?? 'v1', parts[2] ?? ''];
  return [parts[1] ?? '', parts[2] ?? '', parts[3] ?? ''];
}

async function orUndefinedOn404<T>(action: () => Promise<T>): Promise<T | undefined> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return undefined;
    throw error;
  }
}

/** Runs one client-node call and turns its ApiException into a KubeApiError with the Status message. */
async function call<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw toKubeApiError(error);
  }
}

export function toKubeApiError(error: unknown): Error {
  const candidate = error as { code?: unknown; body?: unknown };
  if (typeof candidate?.code !== 'number')
    return error instanceof Error ? error : new Error(String(error));
  let status: { message?: string; reason?: string } = {};
  if (typeof candidate.body === 'string') {
    try {
      status = JSON.parse(candidate.body) as typeof status;
    } catch {
      status = { message: candidate.body };
    }
  } else if (candidate.body && typeof candidate.body === 'object') {
    status = candidate.body as typeof status;
  }
  return new KubeApiError(
    status.message ?? `HTTP ${candidate.code}`,
    candidate.code,
    status.reason ?? '',
  );
}
