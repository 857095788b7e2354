/**
 * The platform's own processes as the cluster sees them: Vault, the ESO
 * controller and PostgreSQL run inside the supervisor (or as its child),
 * and each appears as a mirror pod (annotation `kubernetes.io/config.mirror`,
 * as the kubelet does for static pods) with a pod IP, Ready status and a
 * log, behind the Services the Helm charts would create (`vault.vault.svc`,
 * `postgres.basecamp.svc`).
 */
import { createHash } from 'node:crypto';
import type { V1Pod, V1Service } from '@kubernetes/client-node';
import { type ClusterClient, statusCodeOf } from '../../emulators/kubelet/cluster-client.ts';
import { MIRROR_POD_ANNOTATION } from '../../emulators/kubelet/kubelet.ts';
import { PART_OF_LABEL, PART_OF_VALUE } from '../manifests.ts';

export interface PlatformPod {
  namespace: string;
  name: string;
  /** `app.kubernetes.io/name`, which Services and NetworkPolicies select. */
  app: string;
  image: string;
  port: number;
  ip: string;
}

/** Creates the ClusterIP Service for a platform pod and returns its ClusterIP. */
export async function createPlatformService(client: ClusterClient, pod: Omit<PlatformPod, 'ip' | 'image' | 'name'> & { service: string }): Promise<string> {
  const body: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: pod.service, namespace: pod.namespace, labels: { 'app.kubernetes.io/name': pod.app, [PART_OF_LABEL]: PART_OF_VALUE } },
    spec: { type: 'ClusterIP', selector: { 'app.kubernetes.io/name': pod.app }, ports: [{ name: pod.app === 'postgres' ? 'postgres' : 'http', port: pod.port, targetPort: pod.port }] },
  };
  try {
    const created = await client.core.createNamespacedService({ namespace: pod.namespace, body });
    return created.spec?.clusterIP as string;
  } catch (error) {
    if (statusCodeOf(error) !== 409) throw error;
    const existing = await client.core.readNamespacedService({ namespace: pod.namespace, name: pod.service });
    return existing.spec?.clusterIP as string;
  }
}

/** A stable pod name suffix, like a ReplicaSet pod's, for the ESO controller's mirror pod. */
export function mirrorSuffix(seed: string): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const digest = createHash('sha256').update(seed).digest();
  return Array.from(digest.subarray(0, 5), (byte) => alphabet[byte % alphabet.length]).join('');
}

/** Creates (or recreates) the mirror pod and marks it Running and Ready with its pod IP. */
export async function createMirrorPod(client: ClusterClient, pod: PlatformPod, nodeName: string, nodeIp: string): Promise<void> {
  const body: V1Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: pod.name,
      namespace: pod.namespace,
      labels: { 'app.kubernetes.io/name': pod.app, [PART_OF_LABEL]: PART_OF_VALUE },
      annotations: { [MIRROR_POD_ANNOTATION]: 'embedded-supervisor' },
    },
    spec: {
      nodeName,
      serviceAccountName: pod.app === 'external-secrets' ? 'external-secrets' : pod.app === 'vault' ? 'vault' : 'default',
      containers: [{ name: pod.app, image: pod.image, ports: [{ name: pod.app === 'postgres' ? 'postgres' : 'http', containerPort: pod.port }] }],
    },
  };
  await client.core.deleteNamespacedPod({ namespace: pod.namespace, name: pod.name, gracePeriodSeconds: 0 }).catch((error) => {
    if (statusCodeOf(error) !== 404) throw error;
  });
  const created = await client.core.createNamespacedPod({ namespace: pod.namespace, body });
  const now = new Date();
  const condition = (type: string) => ({ type, status: 'True', lastTransitionTime: now });
  created.status = {
    phase: 'Running',
    hostIP: nodeIp,
    podIP: pod.ip,
    podIPs: [{ ip: pod.ip }],
    startTime: now,
    conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map(condition),
    containerStatuses: [
      { name: pod.app, image: pod.image, imageID: '', ready: true, started: true, restartCount: 0, state: { running: { startedAt: now } } },
    ],
  };
  await client.core.replaceNamespacedPodStatus({ namespace: pod.namespace, name: pod.name, body: created });
}
