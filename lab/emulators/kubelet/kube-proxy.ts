/**
 * The kube-proxy and NetworkPolicy agent of the embedded node: reads
 * Namespaces, Pods, Services and NetworkPolicies from the Kubernetes API and
 * hands them to the pod network, which opens Service listeners and checks
 * policies per connection.
 */
import type { V1Pod, V1Service } from '@kubernetes/client-node';
import type { NetworkPod, NetworkService, PodNetwork } from '../network/index.ts';
import type { NetworkPolicyObject } from '../network/network-policy.ts';
import type { ClusterClient } from './cluster-client.ts';
import { isPodReady } from './workload-controllers.ts';

export interface KubeProxyOptions {
  client: ClusterClient;
  network: PodNetwork;
  /** Real listen addresses of platform pods (mirror pods) by `<namespace>/<name>`, keyed by container port. */
  portTargets(namespace: string, name: string): Record<number, { host: string; port: number }> | undefined;
}

export class KubeProxy {
  readonly #options: KubeProxyOptions;

  constructor(options: KubeProxyOptions) {
    this.#options = options;
  }

  async sync(): Promise<void> {
    const { core, networking } = this.#options.client;
    const [namespaces, pods, services, policies] = await Promise.all([
      core.listNamespace(),
      core.listPodForAllNamespaces(),
      core.listServiceForAllNamespaces(),
      networking.listNetworkPolicyForAllNamespaces(),
    ]);
    await this.#options.network.update({
      namespaces: Object.fromEntries(
        namespaces.items.map((namespace) => [namespace.metadata?.name as string, namespace.metadata?.labels ?? {}]),
      ),
      pods: pods.items.filter((pod) => pod.status?.podIP && !pod.metadata?.deletionTimestamp).map((pod) => this.#networkPod(pod)),
      services: services.items.flatMap((service) => networkService(service)),
      // The typed model matches NetworkPolicyObject field for field.
      policies: policies.items as unknown as NetworkPolicyObject[],
    });
  }

  #networkPod(pod: V1Pod): NetworkPod {
    const namespace = pod.metadata?.namespace as string;
    const name = pod.metadata?.name as string;
    const namedPorts: Record<string, number> = {};
    for (const container of pod.spec?.containers ?? []) {
      for (const port of container.ports ?? []) if (port.name) namedPorts[port.name] = port.containerPort;
    }
    const targets = this.#options.portTargets(namespace, name);
    return {
      namespace,
      name,
      ip: pod.status?.podIP as string,
      labels: pod.metadata?.labels ?? {},
      ready: isPodReady(pod),
      namedPorts,
      ...(targets ? { portTargets: targets } : {}),
    };
  }
}

function networkService(service: V1Service): NetworkService[] {
  const type = service.spec?.type;
  if (type !== 'ClusterIP' && type !== 'NodePort' && type !== undefined) return [];
  const clusterIP = service.spec?.clusterIP;
  if (!clusterIP || clusterIP === 'None') return [];
  return [
    {
      namespace: service.metadata?.namespace as string,
      name: service.metadata?.name as string,
      type: type === 'NodePort' ? 'NodePort' : 'ClusterIP',
      clusterIP,
      selector: service.spec?.selector ?? {},
      ports: (service.spec?.ports ?? []).map((port) => ({
        ...(port.name ? { name: port.name } : {}),
        port: port.port,
        targetPort: (port.targetPort as number | string | undefined) ?? port.port,
        ...(port.nodePort ? { nodePort: port.nodePort } : {}),
      })),
    },
  ];
}
