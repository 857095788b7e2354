/**
 * Defaults the API server fills in on create and update, from
 * the pkg/apis/<group>/v1/defaults.go files and each kind's PrepareForCreate: Secret
 * stringData folded into data, pod and deployment defaults, Service
 * ClusterIP and NodePort allocation, NetworkPolicy policyTypes.
 */
import { badRequest, KubeApiError } from './status.ts';
import type { KubeObject } from './types.ts';

type Fields = Record<string, unknown>;

function record(value: unknown): Fields {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Fields)
    : {};
}

/** Allocates Service ClusterIPs from an IPv4 CIDR and NodePorts from 30000-32767. */
export class ServiceAllocator {
  private readonly base: number;
  private readonly size: number;

  constructor(
    readonly cidr: string,
    private readonly usedAddresses: () => Iterable<string>,
    private readonly usedNodePorts: () => Iterable<number>,
  ) {
    const [address, bits] = cidr.split('/');
    const prefix = Number(bits);
    if (!address || !Number.isInteger(prefix) || prefix < 8 || prefix > 30) {
      throw new Error(
        `invalid service CIDR ${cidr}: expected an IPv4 CIDR with a prefix from /8 to /30, for example 10.96.0.0/16`,
      );
    }
    this.base = ipToNumber(address) & (prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0);
    this.size = 2 ** (32 - prefix);
  }

  /** The first address of the range: the `kubernetes` Service's ClusterIP. */
  get firstAddress(): string {
    return numberToIp(this.base + 1);
  }

  contains(address: string): boolean {
    const value = ipToNumber(address);
    return value > this.base && value < this.base + this.size - 1;
  }

  allocateAddress(): string {
    const used = new Set(this.usedAddresses());
    for (let offset = 1; offset < this.size - 1; offset += 1) {
      const candidate = numberToIp(this.base + offset);
      if (!used.has(candidate)) return candidate;
    }
    throw new KubeApiError(
      500,
      'InternalError',
      `Internal error occurred: failed to allocate a serviceIP: range is full (${this.cidr})`,
    );
  }

  allocateNodePort(): number {
    const used = new Set(this.usedNodePorts());
    for (let port = 30000; port <= 32767; port += 1) if (!used.has(port)) return port;
    throw new KubeApiError(
      500,
      'InternalError',
      'Internal error occurred: failed to allocate a nodePort: range is full',
    );
  }
}

function ipToNumber(address: string): number {
  const parts = address.split('.').map(Number);
  if (
    parts.length !== 4 ||
    parts.some((part) => !Number.isInteger(part) || part < 0 || part > 255)
  ) {
    throw badRequest(`invalid IPv4 address ${JSON.stringify(address)}`);
  }
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

function numberToIp(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

function defaultContainer(container: Fields): void {
  const image = String(container.image ?? '');
  const tag = image.includes('@') ? 'digest' : (image.split('/').at(-1)?.split(':')[1] ?? 'latest');
  container.imagePullPolicy ??= tag === 'latest' ? 'Always' : 'IfNotPresent';
  container.terminationMessagePath ??= '/dev/termination-log';
  container.terminationMessagePolicy ??= 'File';
  container.resources ??= {};
  for (const port of Array.isArray(container.ports) ? container.ports : [])
    record(port).protocol ??= 'TCP';
}

function defaultPodSpec(spec: Fields): void {
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  for (const container of Array.isArray(spec.containers) ? spec.containers : [])
    defaultContainer(record(container));
  for (const container of Array.isArray(spec.initContainers) ? spec.initContainers : [])
    defaultContainer(record(container));
}

function foldStringData(secret: KubeObject): void {
  const stringData = record(secret.stringData);
  if (secret.stringData === undefined) return;
  const data = { ...record(secret.data) };
  for (const [key, value] of Object.entries(stringData))
    data[key] = Buffer.from(String(value)).toString('base64');
  secret.data = data;
  delete secret.stringData;
}

function defaultService(
  service: KubeObject,
  allocator: ServiceAllocator,
  old: KubeObject | undefined,
): void {
  const spec = record(service.spec);
  service.spec = spec;
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  const oldSpec = record(old?.spec);
  if (spec.type !== 'ExternalName') {
    if (!spec.clusterIP && oldSpec.clusterIP) spec.clusterIP = oldSpec.clusterIP;
    if (!spec.clusterIP) spec.clusterIP = allocator.allocateAddress();
    spec.clusterIPs = [spec.clusterIP];
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
    spec.internalTrafficPolicy ??= 'Cluster';
  }
  const oldPorts = Array.isArray(oldSpec.ports) ? oldSpec.ports.map(record) : [];
  for (const port of Array.isArray(spec.ports) ? spec.ports.map(record) : []) {
    port.protocol ??= 'TCP';
    port.targetPort ??= port.port;
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
      const previous = oldPorts.find((candidate) => candidate.port === port.port)?.nodePort;
      if (!port.nodePort) port.nodePort = previous ?? allocator.allocateNodePort();
    }
  }
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer')
    spec.externalTrafficPolicy ??= 'Cluster';
  service.status ??= { loadBalancer: {} };
}

/** Fills defaults in place. `old` is the stored object on update. */
export function applyDefaults(
  object: KubeObject,
  allocator: ServiceAllocator,
  old?: KubeObject,
): void {
  switch (object.kind) {
    case 'Secret':
      foldStringData(object);
      object.type ??= 'Opaque';
      break;
    case 'Namespace':
      object.metadata.labels = {
        ...object.metadata.labels,
        'kubernetes.io/metadata.name': object.metadata.name ?? '',
      };
      object.spec ??= { finalizers: ['kubernetes'] };
      break;
    case 'Pod': {
      const spec = record(object.spec);
      object.spec = spec;
      spec.serviceAccountName ??= spec.serviceAccount ?? 'default';
      spec.serviceAccount ??= spec.serviceAccountName;
      spec.enableServiceLinks ??= true;
      defaultPodSpec(spec);
      break;
    }
    case 'Deployment':
    case 'ReplicaSet': {
      const spec = record(object.spec);
      object.spec = spec;
      spec.replicas ??= 1;
      spec.revisionHistoryLimit ??= object.kind === 'Deployment' ? 10 : undefined;
      if (spec.revisionHistoryLimit === undefined) delete spec.revisionHistoryLimit;
      if (object.kind === 'Deployment') {
        spec.progressDeadlineSeconds ??= 600;
        spec.strategy ??= {
          type: 'RollingUpdate',
          rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' },
        };
      }
      const template = record(spec.template);
      spec.template = template;
      template.metadata ??= {};
      template.spec = record(template.spec);
      defaultPodSpec(template.spec as Fields);
      break;
    }
    case 'Service':
      defaultService(object, allocator, old);
      break;
    case 'NetworkPolicy': {
      const spec = record(object.spec);
      object.spec = spec;
      spec.podSelector ??= {};
      if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
        spec.policyTypes = Array.isArray(spec.egress) ? ['Ingress', 'Egress'] : ['Ingress'];
      }
      for (const rule of [
        ...(Array.isArray(spec.ingress) ? spec.ingress : []),
        ...(Array.isArray(spec.egress) ? spec.egress : []),
      ]) {
        for (const port of Array.isArray(record(rule).ports)
          ? (record(rule).ports as unknown[])
          : [])
          record(port).protocol ??= 'TCP';
      }
      break;
    }
  }
}

/** Status a new object starts with. Callers cannot set status on create for these kinds. */
export function initialStatus(object: KubeObject): void {
  switch (object.kind) {
    case 'Namespace':
      object.status = { phase: 'Active' };
      break;
    case 'Pod':
      object.status = { phase: 'Pending', qosClass: 'BestEffort' };
      break;
    case 'Deployment':
    case 'ReplicaSet':
      object.status = {};
      break;
  }
}
