/**
 * The embedded pod network: Service proxies on ClusterIPs and NodePorts,
 * cluster DNS names, and NetworkPolicy enforcement when a connection opens.
 * It has no Kubernetes client. `update` receives the current Pods,
 * Services, NetworkPolicies and Namespaces, which the kube-proxy in
 * `emulators/kubelet/kube-proxy.ts` reads from the Kubernetes API.
 *
 * Enforcement covers connections through Services only. A pod that dials
 * another pod's IP directly is not checked. Traffic to the Kubernetes API
 * server is never checked either, because it is reached by its loopback
 * address from the kubeconfig, not through a Service.
 */
import { writeFile, rename } from 'node:fs/promises';
import type { Server } from 'node:net';
import { join } from 'node:path';
import { AddressAllocator, claimSubnet, type Subnet } from './addresses.ts';
import { evaluateConnection, type Endpoint, type NetworkPolicyObject } from './network-policy.ts';
import type { OutboundNetwork } from './outbound.ts';
import { ServiceProxy, type ConnectionDecision, type ConnectionLogEntry } from './service-proxy.ts';
import { createServiceLookup, serviceKey, type ServiceTable } from './service-names.ts';

export interface NetworkPod {
  namespace: string;
  name: string;
  ip: string;
  labels: Record<string, string>;
  ready: boolean;
  /** Container ports by name, for Services and policies that name a port. */
  namedPorts?: Record<string, number>;
  /** Real listen address per container port, for pods whose server listens elsewhere than `<pod IP>:<port>`; unset means the pod IP. */
  portTargets?: Record<number, { host: string; port: number }>;
}

export interface NetworkServicePort {
  name?: string;
  port: number;
  targetPort: number | string;
  nodePort?: number;
}

export interface NetworkService {
  namespace: string;
  name: string;
  type: 'ClusterIP' | 'NodePort';
  clusterIP: string;
  selector: Record<string, string>;
  ports: NetworkServicePort[];
}

export interface PodNetworkState {
  pods: NetworkPod[];
  services: NetworkService[];
  policies: NetworkPolicyObject[];
  /** Labels of each namespace (with `kubernetes.io/metadata.name`). */
  namespaces: Record<string, Record<string, string>>;
}

export interface PodNetworkOptions {
  /** The lab's state folder, which picks the subnet and contains `service-table.json`. */
  stateDir: string;
  /** Receives one entry per connection a Service accepts. */
  onConnection?(entry: ConnectionLogEntry): void;
  /** Receives problems the network handles without failing (a NodePort already in use). */
  log?(message: string): void;
  /** Hold time of a dropped connection, in ms. */
  dropHoldMs?: number;
}

export const SERVICE_TABLE_FILE = 'service-table.json';

export class PodNetwork {
  readonly subnet: Subnet;
  readonly allocator: AddressAllocator;
  /** JSON file `{ "<svc>.<ns>.svc": "<clusterIP>" }` read by the pod preload. */
  readonly serviceTableFile: string;
  readonly #marker: Server;
  readonly #options: PodNetworkOptions;
  #state: PodNetworkState = { pods: [], services: [], policies: [], namespaces: {} };
  #table: Map<string, string> = new Map();
  readonly #proxies = new Map<string, ServiceProxy>();
  readonly #roundRobin = new Map<string, number>();

  private constructor(subnet: Subnet, marker: Server, options: PodNetworkOptions) {
    this.subnet = subnet;
    this.allocator = new AddressAllocator(subnet);
    this.serviceTableFile = join(options.stateDir, SERVICE_TABLE_FILE);
    this.#marker = marker;
    this.#options = options;
  }

  static async start(options: PodNetworkOptions): Promise<PodNetwork> {
    const { subnet, marker } = await claimSubnet(options.stateDir);
    const network = new PodNetwork(subnet, marker, options);
    await network.#writeServiceTable();
    return network;
  }

  get nodeIp(): string {
    return this.subnet.nodeIp;
  }

  get serviceTable(): ServiceTable {
    return this.#table;
  }

  /** Returns the OutboundNetwork of an in-process component running as the pod `podIp` in `namespace`. */
  outbound(podIp: string, namespace?: string): OutboundNetwork {
    return { lookup: createServiceLookup(() => this.#table, namespace), localAddress: podIp };
  }

  /** Replaces the network's view of the cluster and opens or closes Service listeners to match. */
  async update(state: PodNetworkState): Promise<void> {
    this.#state = state;
    const table = new Map<string, string>();
    for (const service of state.services) {
      if (service.clusterIP) table.set(serviceKey(service.name, service.namespace), service.clusterIP);
    }
    const changed = !sameTable(table, this.#table);
    this.#table = table;
    if (changed) await this.#writeServiceTable();
    await this.#syncListeners(state.services);
    this.#recheckOpenConnections();
  }

  /** Applies the current policies to connections that are already forwarded. */
  #recheckOpenConnections(): void {
    const state = this.#state;
    const allowed = (sourceIp: string, target: string) => {
      const match = /^([^/]+)\/(.+):(\d+)$/.exec(target);
      if (!match) return true;
      const [, namespace, name, port] = match;
      const destination = state.pods.find((pod) => pod.namespace === namespace && pod.name === name);
      if (!destination) return true;
      const sourcePod = state.pods.find((pod) => pod.ip === sourceIp);
      const source: Endpoint = sourcePod ? endpointOf(sourcePod) : { ip: sourceIp };
      return evaluateConnection({ source, destination: endpointOf(destination), port: Number(port) }, state.policies, (ns) => state.namespaces[ns] ?? { 'kubernetes.io/metadata.name': ns }).allowed;
    };
    for (const proxy of this.#proxies.values()) {
      const cut = proxy.recheck(allowed);
      if (cut > 0) this.#options.log?.(`${proxy.label}: ${cut} open connection(s) now denied by NetworkPolicy; their packets are dropped`);
    }
  }

  /** Decides where a new connection from `sourceIp` to one Service port goes: forward, drop or reject. */
  decide(service: NetworkService, servicePort: NetworkServicePort, sourceIp: string): ConnectionDecision {
    const state = this.#state;
    const ready = state.pods.filter(
      (pod) => pod.namespace === service.namespace && pod.ready && selects(service.selector, pod.labels),
    );
    if (ready.length === 0) return { action: 'reject', reason: 'no ready endpoints' };

    const key = `${service.namespace}/${service.name}:${servicePort.port}`;
    const turn = this.#roundRobin.get(key) ?? 0;
    this.#roundRobin.set(key, turn + 1);
    const target = ready[turn % ready.length] as NetworkPod;
    const targetPort = resolveTargetPort(servicePort.targetPort, target);
    if (targetPort === undefined) return { action: 'reject', reason: `pod ${target.name} has no port named ${servicePort.targetPort}` };

    const sourcePod = state.pods.find((pod) => pod.ip === sourceIp);
    const source: Endpoint = sourcePod ? endpointOf(sourcePod) : { ip: sourceIp };
    const verdict = evaluateConnection(
      { source, destination: endpointOf(target), port: targetPort },
      state.policies,
      (namespace) => state.namespaces[namespace] ?? { 'kubernetes.io/metadata.name': namespace },
    );
    if (!verdict.allowed) return { action: 'drop', reason: verdict.reason };

    const real = target.portTargets?.[targetPort] ?? { host: target.ip, port: targetPort };
    return {
      action: 'forward',
      host: real.host,
      port: real.port,
      reason: `${verdict.reason}; to pod ${target.namespace}/${target.name}`,
      target: `${target.namespace}/${target.name}:${targetPort}`,
    };
  }

  async #syncListeners(services: NetworkService[]): Promise<void> {
    const wanted = new Map<string, { service: NetworkService; port: NetworkServicePort; host: string; listenPort: number }>();
    for (const service of services) {
      for (const port of service.ports) {
        if (service.clusterIP) {
          wanted.set(`${service.clusterIP}:${port.port}`, { service, port, host: service.clusterIP, listenPort: port.port });
        }
        if (service.type === 'NodePort' && port.nodePort) {
          wanted.set(`${this.nodeIp}:${port.nodePort}`, { service, port, host: this.nodeIp, listenPort: port.nodePort });
        }
      }
    }
    for (const [key, proxy] of this.#proxies) {
      if (!wanted.has(key)) {
        this.#proxies.delete(key);
        await proxy.close();
      }
    }
    for (const [key, entry] of wanted) {
      if (this.#proxies.has(key)) continue;
      // The listener looks the Service up by name on every connection, so an
      // updated selector or policy applies without reopening it.
      const lookupKey = { namespace: entry.service.namespace, name: entry.service.name, port: entry.port.port };
      try {
        const proxy = await ServiceProxy.listen({
          label: `${entry.service.namespace}/${entry.service.name}:${entry.port.port}`,
          host: entry.host,
          port: entry.listenPort,
          decide: (sourceIp) => this.#decideByName(lookupKey, sourceIp),
          ...(this.#options.onConnection ? { onConnection: this.#options.onConnection } : {}),
          ...(this.#options.dropHoldMs !== undefined ? { dropHoldMs: this.#options.dropHoldMs } : {}),
        });
        this.#proxies.set(key, proxy);
      } catch (error) {
        this.#options.log?.(`listening on ${key} for Service ${lookupKey.namespace}/${lookupKey.name} failed: ${(error as Error).message}`);
      }
    }
  }

  #decideByName(key: { namespace: string; name: string; port: number }, sourceIp: string): ConnectionDecision {
    const service = this.#state.services.find((s) => s.namespace === key.namespace && s.name === key.name);
    const port = service?.ports.find((p) => p.port === key.port);
    if (!service || !port) return { action: 'reject', reason: 'service removed' };
    return this.decide(service, port, sourceIp);
  }

  async #writeServiceTable(): Promise<void> {
    const temporary = `${this.serviceTableFile}.tmp`;
    await writeFile(temporary, `${JSON.stringify(Object.fromEntries(this.#table), null, 2)}\n`);
    await rename(temporary, this.serviceTableFile);
  }

  /** Closes every listener and releases the subnet. */
  async close(): Promise<void> {
    for (const proxy of this.#proxies.values()) await proxy.close();
    this.#proxies.clear();
    await new Promise<void>((resolve) => this.#marker.close(() => resolve()));
  }
}

function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  const entries = Object.entries(selector);
  // A Service without a selector has no automatic endpoints.
  if (entries.length === 0) return false;
  return entries.every(([key, value]) => labels[key] === value);
}

function resolveTargetPort(targetPort: number | string, pod: NetworkPod): number | undefined {
  if (typeof targetPort === 'number') return targetPort;
  if (/^\d+$/.test(targetPort)) return Number(targetPort);
  return pod.namedPorts?.[targetPort];
}

function endpointOf(pod: NetworkPod): Endpoint {
  return { ip: pod.ip, pod: { namespace: pod.namespace, labels: pod.labels, ...(pod.namedPorts ? { namedPorts: pod.namedPorts } : {}) } };
}

function sameTable(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, value] of a) if (b.get(key) !== value) return false;
  return true;
}

export type { ConnectionDecision, ConnectionLogEntry } from './service-proxy.ts';
export type { NetworkPolicyObject } from './network-policy.ts';
export { createServiceLookup, resolveServiceName, serviceKey } from './service-names.ts';
