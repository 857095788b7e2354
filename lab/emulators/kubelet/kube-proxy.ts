/**
 * The kube-proxy and NetworkPolicy agent of the embedded node: reads
 * Namespaces, Pods, Services and NetworkPolicies from the Kubernetes API and
 * hands them to the pod network, which opens Service listeners and checks
 * policies per connection. It also writes each selector Service's Endpoints
 * object, as the endpoints controller does, so `kubectl describe svc` and
 * `kubectl get endpoints` show the ready pod IPs.
 */
import type { V1EndpointSubset, V1Endpoints, V1Pod, V1Service } from '@kubernetes/client-node';
import { ignoreNotFoundOrConflict, statusCodeOf } from './cluster-client.ts';
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
  /** Last written subsets per `<namespace>/<name>`, to write only changes. */
  readonly #endpoints = new Map<string, string>();

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
    for (const service of services.items) await this.#writeEndpoints(service, pods.items);
  }

  async #writeEndpoints(service: V1Service, pods: V1Pod[]): Promise<void> {
    const selector = service.spec?.selector;
    if (!selector || Object.keys(selector).length === 0) return;
    const namespace = service.metadata?.namespace as string;
    const name = service.metadata?.name as string;
    const subsets = endpointSubsets(service, pods.filter((pod) => pod.metadata?.namespace === namespace && !pod.metadata?.deletionTimestamp && pod.status?.podIP && Object.entries(selector).every(([key, value]) => pod.metadata?.labels?.[key] === value)));
    const signature = JSON.stringify(subsets);
    const key = `${namespace}/${name}`;
    if (this.#endpoints.get(key) === signature) return;
    const core = this.#options.client.core;
    const body: V1Endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace, labels: service.metadata?.labels ?? {} }, subsets };
    try {
      const existing = await core.readNamespacedEndpoints({ namespace, name });
      body.metadata = { ...body.metadata, resourceVersion: existing.metadata?.resourceVersion };
      await ignoreNotFoundOrConflict(() => core.replaceNamespacedEndpoints({ namespace, name, body }));
    } catch (error) {
      if (statusCodeOf(error) !== 404) throw error;
      await ignoreNotFoundOrConflict(() => core.createNamespacedEndpoints({ namespace, body }));
    }
    this.#endpoints.set(key, signature);
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

/** Builds one subset with the ready and not-ready addresses and the Service's ports resolved to container ports. */
function endpointSubsets(service: V1Service, pods: V1Pod[]): V1EndpointSubset[] {
  if (pods.length === 0) return [];
  const address = (pod: V1Pod) => ({ ip: pod.status?.podIP as string, nodeName: pod.spec?.nodeName, targetRef: { kind: 'Pod', name: pod.metadata?.name, namespace: pod.metadata?.namespace, uid: pod.metadata?.uid } });
  const first = pods[0] as V1Pod;
  const ports = (service.spec?.ports ?? []).map((port) => {
    const target = port.targetPort ?? port.port;
    const number = typeof target === 'number' ? target : (first.spec?.containers?.flatMap((container) => container.ports ?? []).find((entry) => entry.name === target)?.containerPort ?? Number(target));
    return { ...(port.name ? { name: port.name } : {}), port: number, protocol: port.protocol ?? 'TCP' };
  });
  const ready = pods.filter(isPodReady).map(address);
  const notReady = pods.filter((pod) => !isPodReady(pod)).map(address);
  return [{ ...(ready.length ? { addresses: ready } : {}), ...(notReady.length ? { notReadyAddresses: notReady } : {}), ports }];
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
