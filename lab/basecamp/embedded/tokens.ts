/**
 * Service account tokens from the TokenRequest API, for the in-process
 * components that authenticate as their pod's service account (the ESO
 * controller, Vault's token reviewer).
 */
import type { ClusterClient } from '../../emulators/kubelet/cluster-client.ts';

/** Requests a token for `namespace/name` valid for `expirationSeconds`. */
export async function requestServiceAccountToken(client: ClusterClient, namespace: string, name: string, expirationSeconds: number): Promise<{ token: string; expiresAt: number }> {
  const response = await client.core.createNamespacedServiceAccountToken({
    namespace,
    name,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [], expirationSeconds } },
  });
  const token = response.status?.token;
  if (!token) throw new Error(`TokenRequest for service account ${namespace}/${name} returned no token`);
  const expiresAt = response.status?.expirationTimestamp ? new Date(response.status.expirationTimestamp).getTime() : Date.now() + expirationSeconds * 1000;
  return { token, expiresAt };
}

/** A token source that requests a new token when less than a fifth of the lifetime is left, as the kubelet's token manager does. */
export function refreshingToken(client: ClusterClient, namespace: string, name: string, expirationSeconds = 3600): () => Promise<string> {
  let current: { token: string; expiresAt: number } | undefined;
  let pending: Promise<{ token: string; expiresAt: number }> | undefined;
  return async () => {
    const refreshAt = current ? current.expiresAt - (expirationSeconds * 1000) / 5 : 0;
    if (current && Date.now() < refreshAt) return current.token;
    pending ??= requestServiceAccountToken(client, namespace, name, expirationSeconds).finally(() => {
      pending = undefined;
    });
    current = await pending;
    return current.token;
  };
}
