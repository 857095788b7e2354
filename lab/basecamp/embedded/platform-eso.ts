/**
 * The ESO controller as the platform pod `external-secrets/external-secrets-<id>`:
 * it authenticates to the Kubernetes API with its own service account's
 * token and reaches Vault through the pod network from its pod IP.
 */
import type { ClusterClient } from '../../emulators/kubelet/cluster-client.ts';
import { startEso } from '../../emulators/eso/index.ts';
import type { EsoController } from '../../emulators/eso/index.ts';
import type { PodNetwork } from '../../emulators/network/index.ts';
import { createMirrorPod, mirrorSuffix } from './platform-pods.ts';
import type { PodLogWriter } from './pod-log-writer.ts';
import { refreshingToken } from './tokens.ts';

export const ESO_NAMESPACE = 'external-secrets';

export async function startPlatformEso(input: {
  client: ClusterClient;
  network: PodNetwork;
  logs: PodLogWriter;
  nodeName: string;
  kubeUrl: string;
  kubeCaPem: string;
  vaultTimeoutMs: number;
}): Promise<{ controller: EsoController; podName: string; metricsUrl?: string }> {
  const { client, network } = input;
  const ip = network.allocator.allocatePodIp();
  const podName = `external-secrets-${mirrorSuffix(input.kubeUrl)}`;
  await createMirrorPod(client, { namespace: ESO_NAMESPACE, name: podName, app: 'external-secrets', image: 'ghcr.io/external-secrets/external-secrets:v0.17.0', port: 8080, ip }, input.nodeName, network.nodeIp);
  const controller = await startEso({
    kube: { server: input.kubeUrl, caCertPem: input.kubeCaPem, token: refreshingToken(client, ESO_NAMESPACE, 'external-secrets') },
    network: network.outbound(ip, ESO_NAMESPACE),
    vaultTimeoutMs: input.vaultTimeoutMs,
    backoff: { baseMs: 1_000, maxMs: 30_000 },
    log: input.logs.sink(podName),
    metrics: { host: ip, port: 8080 },
  });
  return { controller, podName, ...(controller.metricsUrl ? { metricsUrl: controller.metricsUrl } : {}) };
}
