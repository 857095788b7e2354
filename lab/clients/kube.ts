/**
 * A thin Kubernetes REST client: the kubeconfig is loaded with
 * @kubernetes/client-node (so tokens, client certificates and CA data work as
 * kubectl reads them) and requests go out through undici. Faults and probes
 * use it so they run unchanged on every basecamp.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { Agent, request } from 'undici';
import { EnvironmentError } from '../core/errors.ts';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  /** Omitted for cluster-scoped kinds. */
  namespace?: string;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export type PatchType = 'merge' | 'json' | 'strategic';

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

/** Plural resource names of the kinds the harness touches. */
const RESOURCES: Record<string, { plural: string; namespaced: boolean }> = {
  Namespace: { plural: 'namespaces', namespaced: false },
  Secret: { plural: 'secrets', namespaced: true },
  ServiceAccount: { plural: 'serviceaccounts', namespaced: true },
  Event: { plural: 'events', namespaced: true },
  Pod: { plural: 'pods', namespaced: true },
  Service: { plural: 'services', namespaced: true },
  Deployment: { plural: 'deployments', namespaced: true },
  NetworkPolicy: { plural: 'networkpolicies', namespaced: true },
  Role: { plural: 'roles', namespaced: true },
  RoleBinding: { plural: 'rolebindings', namespaced: true },
  ClusterRole: { plural: 'clusterroles', namespaced: false },
  ClusterRoleBinding: { plural: 'clusterrolebindings', namespaced: false },
  ExternalSecret: { plural: 'externalsecrets', namespaced: true },
  SecretStore: { plural: 'secretstores', namespaced: true },
  ClusterSecretStore: { plural: 'clustersecretstores', namespaced: false },
  CustomResourceDefinition: { plural: 'customresourcedefinitions', namespaced: false },
};

/** A Kubernetes Status error: the HTTP code, the reason and the API's message. */
export class KubeApiError extends Error {
  readonly status: number;
  readonly reason: string;

  constructor(method: string, path: string, status: number, reason: string, message: string) {
    super(`${method} ${path} failed with ${status} ${reason}: ${message}`);
    this.name = 'KubeApiError';
    this.status = status;
    this.reason = reason;
  }
}

export class KubeClient {
  readonly server: string;
  readonly #headers: Record<string, string>;
  readonly #dispatcher: Agent;

  private constructor(server: string, headers: Record<string, string>, dispatcher: Agent) {
    this.server = server.replace(/\/+$/, '');
    this.#headers = headers;
    this.#dispatcher = dispatcher;
  }

  /** Loads a kubeconfig file and uses its current context. */
  static async fromKubeconfig(file: string): Promise<KubeClient> {
    const config = new KubeConfig();
    try {
      config.loadFromFile(file);
    } catch (error) {
      throw new EnvironmentError(`cannot read kubeconfig ${file}: ${(error as Error).message}`, {
        hint: 'start a basecamp with `lab up`, or pass --basecamp with a valid kubeconfig',
      });
    }
    const cluster = config.getCurrentCluster();
    if (!cluster) {
      throw new EnvironmentError(`kubeconfig ${file} has no current cluster`, {
        hint: 'set current-context in the kubeconfig',
      });
    }
    const options: { ca?: unknown; cert?: unknown; key?: unknown; headers?: Record<string, string> } = {};
    await config.applyToHTTPSOptions(options as never);
    const dispatcher = new Agent({
      connect: {
        ca: options.ca as string | undefined,
        cert: options.cert as string | undefined,
        key: options.key as string | undefined,
        rejectUnauthorized: !cluster.skipTLSVerify,
      },
    });
    return new KubeClient(cluster.server, { ...(options.headers ?? {}) }, dispatcher);
  }

  /** Sends one request; returns the status and the parsed JSON body, whatever the status. */
  async raw(
    method: string,
    path: string,
    options: { body?: unknown; contentType?: string } = {},
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const headers: Record<string, string> = { ...this.#headers, accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    const response = await request(`${this.server}${path}`, {
      method: method as 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      dispatcher: this.#dispatcher,
      headersTimeout: 15_000,
      bodyTimeout: 15_000,
    });
    const text = await response.body.text();
    let body: Record<string, unknown> = {};
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      body = { message: text };
    }
    return { status: response.statusCode, body };
  }

  /** Sends one request and throws a KubeApiError unless the status is 2xx. */
  async call<T>(method: string, path: string, options: { body?: unknown; contentType?: string } = {}): Promise<T> {
    const { status, body } = await this.raw(method, path, options);
    if (status < 200 || status >= 300) {
      throw new KubeApiError(method, path, status, String(body.reason ?? 'Unknown'), String(body.message ?? ''));
    }
    return body as T;
  }

  /** Returns the object, or undefined when it does not exist. */
  async get<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    try {
      return await this.call<T>('GET', objectPath(ref));
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** Returns the object or throws a KubeApiError naming it. */
  async read<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T> {
    return this.call<T>('GET', objectPath(ref));
  }

  async list<T extends KubeObject = KubeObject>(
    apiVersion: string,
    kind: string,
    namespace?: string,
    query: Record<string, string> = {},
  ): Promise<T[]> {
    const search = new URLSearchParams(query).toString();
    const path = collectionPath(apiVersion, kind, namespace) + (search ? `?${search}` : '');
    const body = await this.call<{ items?: T[] }>('GET', path);
    return body.items ?? [];
  }

  async create<T extends KubeObject = KubeObject>(object: KubeObject & { apiVersion: string; kind: string }): Promise<T> {
    const path = collectionPath(object.apiVersion, object.kind, object.metadata.namespace);
    return this.call<T>('POST', path, { body: object });
  }

  /** Creates the object, or replaces it when it exists (without a resourceVersion check). */
  async upsert(object: KubeObject & { apiVersion: string; kind: string }): Promise<KubeObject> {
    const ref = refOf(object);
    const existing = await this.get(ref);
    if (!existing) return this.create(object);
    const body = { ...object, metadata: { ...object.metadata, resourceVersion: existing.metadata.resourceVersion } };
    return this.call('PUT', objectPath(ref), { body });
  }

  async patch<T extends KubeObject = KubeObject>(ref: ObjectRef, patch: unknown, type: PatchType = 'merge'): Promise<T> {
    return this.call<T>('PATCH', objectPath(ref), { body: patch, contentType: PATCH_CONTENT_TYPES[type] });
  }

  /** Deletes the object; returns false when it did not exist. */
  async delete(ref: ObjectRef): Promise<boolean> {
    try {
      await this.call('DELETE', objectPath(ref), { body: { propagationPolicy: 'Background' } });
      return true;
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return false;
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }
}

/** Returns the reference of an object read from the API or a manifest. */
export function refOf(object: KubeObject & { apiVersion: string; kind: string }): ObjectRef {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
    ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
  };
}

/** Copies `object` without the fields the server sets, so it can be created again. */
export function withoutServerFields<T extends KubeObject>(object: T): T {
  const { uid, resourceVersion, creationTimestamp, generation, managedFields, deletionTimestamp, ...metadata } =
    object.metadata as Record<string, unknown>;
  const { status, ...rest } = object as Record<string, unknown>;
  return { ...rest, metadata } as T;
}

export function collectionPath(apiVersion: string, kind: string, namespace?: string): string {
  const resource = RESOURCES[kind];
  if (!resource) {
    throw new Error(`kind ${kind} is not known to the lab's Kubernetes client; add it to RESOURCES in lab/clients/kube.ts`);
  }
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  if (resource.namespaced && namespace) return `${base}/namespaces/${namespace}/${resource.plural}`;
  return `${base}/${resource.plural}`;
}

export function objectPath(ref: ObjectRef): string {
  return `${collectionPath(ref.apiVersion, ref.kind, ref.namespace)}/${encodeURIComponent(ref.name)}`;
}
