/**
 * The typed Kubernetes clients (client-node 1.4) that the kubelet and the
 * workload controllers use. They talk to the API server like any other
 * client, with the credentials of the kubeconfig they are given.
 */
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';

export interface ClusterClient {
  config: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  networking: NetworkingV1Api;
}

/** Loads a client from a kubeconfig file (its current context). */
export function clusterClientFromFile(kubeconfigPath: string): ClusterClient {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfigPath);
  return {
    config,
    core: config.makeApiClient(CoreV1Api),
    apps: config.makeApiClient(AppsV1Api),
    networking: config.makeApiClient(NetworkingV1Api),
  };
}

/** Options that send a body as a JSON merge patch (client-node defaults to JSON patch). */
export const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** The HTTP status of a failed API call, or undefined for other errors. */
export function statusCodeOf(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

/** Runs `call`, returning undefined when it fails with 404 or 409 (raced with another writer). */
export async function ignoreNotFoundOrConflict<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    const code = statusCodeOf(error);
    if (code === 404 || code === 409) return undefined;
    throw error;
  }
}

/** A short message for logs from an ApiException (its Status message) or any error. */
export function describeError(error: unknown): string {
  if (error instanceof ApiException) {
    const body = error.body as { message?: string } | string | undefined;
    const message = typeof body === 'string' ? safeStatusMessage(body) : body?.message;
    return `HTTP ${error.code}${message ? `: ${message}` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}

function safeStatusMessage(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { message?: string }).message;
  } catch {
    return body.slice(0, 200);
  }
}
