/**
 * NetworkPolicy evaluation as pure functions, following the Kubernetes
 * documentation "Network Policies" (concepts/services-networking) and the
 * API reference of networking.k8s.io/v1 NetworkPolicySpec:
 * - a pod is isolated in a direction only when a policy in its namespace
 *   selects it and lists that direction in `policyTypes` (omitted: Ingress
 *   always, Egress when the policy has egress rules);
 * - a connection is allowed only when the source's egress and the
 *   destination's ingress both allow it, and policies add up (a union);
 * - a peer entry with both `podSelector` and `namespaceSelector` is an AND,
 *   separate entries are an OR; a missing `from`/`to` or `ports` matches all.
 */

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface IpBlock {
  cidr: string;
  except?: string[];
}

export interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: IpBlock;
}

export interface PolicyPort {
  protocol?: string;
  /** A number, or the name of a container port of the destination pod. */
  port?: number | string;
  endPort?: number;
}

export interface NetworkPolicyObject {
  metadata: { name: string; namespace: string };
  spec: {
    podSelector: LabelSelector;
    policyTypes?: Array<'Ingress' | 'Egress' | string>;
    ingress?: Array<{ from?: PolicyPeer[]; ports?: PolicyPort[] }>;
    egress?: Array<{ to?: PolicyPeer[]; ports?: PolicyPort[] }>;
  };
}

/** One end of a connection: a pod, or an address outside the pod network (the host). */
export interface Endpoint {
  ip: string;
  /** Set for pods; unset for the host and other outside addresses. */
  pod?: {
    namespace: string;
    labels: Record<string, string>;
    /** Named container ports, for policies that use `port: <name>`. */
    namedPorts?: Record<string, number>;
  };
}

export interface ConnectionRequest {
  source: Endpoint;
  destination: Endpoint;
  /** Destination port, as the destination pod receives it (the Service's targetPort). */
  port: number;
  protocol?: string;
}

export interface Verdict {
  allowed: boolean;
  /** Why, for logs: which side isolated the connection and which policies were considered. */
  reason: string;
}

export type Direction = 'Ingress' | 'Egress';

/** Decides whether a connection is allowed by the policies of both namespaces. */
export function evaluateConnection(
  request: ConnectionRequest,
  policies: readonly NetworkPolicyObject[],
  namespaceLabels: (namespace: string) => Record<string, string>,
): Verdict {
  const protocol = request.protocol ?? 'TCP';

  if (request.source.pod) {
    const egress = evaluateDirection('Egress', request.source, request.destination, request, protocol, policies, namespaceLabels);
    if (!egress.allowed) return egress;
  }
  if (request.destination.pod) {
    const ingress = evaluateDirection('Ingress', request.destination, request.source, request, protocol, policies, namespaceLabels);
    if (!ingress.allowed) return ingress;
  }
  return { allowed: true, reason: 'allowed' };
}

function evaluateDirection(
  direction: Direction,
  subject: Endpoint,
  peer: Endpoint,
  request: ConnectionRequest,
  protocol: string,
  policies: readonly NetworkPolicyObject[],
  namespaceLabels: (namespace: string) => Record<string, string>,
): Verdict {
  const pod = subject.pod;
  if (!pod) return { allowed: true, reason: 'not a pod' };
  const isolating = policies.filter(
    (policy) =>
      policy.metadata.namespace === pod.namespace &&
      matchesSelector(policy.spec.podSelector, pod.labels) &&
      policyTypesOf(policy).includes(direction),
  );
  if (isolating.length === 0) return { allowed: true, reason: `${direction.toLowerCase()} not isolated` };

  // The destination's named ports resolve `port: <name>` in both directions.
  const namedPorts = request.destination.pod?.namedPorts ?? {};
  for (const policy of isolating) {
    const rules = direction === 'Ingress' ? (policy.spec.ingress ?? []) : (policy.spec.egress ?? []);
    for (const rule of rules) {
      const peers = direction === 'Ingress' ? (rule as { from?: PolicyPeer[] }).from : (rule as { to?: PolicyPeer[] }).to;
      if (!peersMatch(peers, peer, policy.metadata.namespace, namespaceLabels)) continue;
      if (!portsMatch(rule.ports, request.port, protocol, namedPorts)) continue;
      return { allowed: true, reason: `${direction.toLowerCase()} allowed by ${policy.metadata.namespace}/${policy.metadata.name}` };
    }
  }
  const names = isolating.map((policy) => policy.metadata.name).join(', ');
  return { allowed: false, reason: `${direction.toLowerCase()} of ${pod.namespace} pod ${subject.ip} denied (isolated by ${names})` };
}

/** The directions a policy isolates; `policyTypes` omitted means Ingress, plus Egress when egress rules exist. */
export function policyTypesOf(policy: NetworkPolicyObject): Direction[] {
  const declared = policy.spec.policyTypes;
  if (declared && declared.length > 0) return declared.filter((type): type is Direction => type === 'Ingress' || type === 'Egress');
  return policy.spec.egress && policy.spec.egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

function peersMatch(
  peers: PolicyPeer[] | undefined,
  peer: Endpoint,
  policyNamespace: string,
  namespaceLabels: (namespace: string) => Record<string, string>,
): boolean {
  if (peers === undefined || peers.length === 0) return true;
  return peers.some((entry) => peerMatches(entry, peer, policyNamespace, namespaceLabels));
}

function peerMatches(
  entry: PolicyPeer,
  peer: Endpoint,
  policyNamespace: string,
  namespaceLabels: (namespace: string) => Record<string, string>,
): boolean {
  if (entry.ipBlock) return ipBlockMatches(entry.ipBlock, peer.ip);
  if (!entry.podSelector && !entry.namespaceSelector) return false;
  // Pod and namespace selectors select pods only, never outside addresses.
  const pod = peer.pod;
  if (!pod) return false;
  if (entry.namespaceSelector) {
    if (!matchesSelector(entry.namespaceSelector, namespaceLabels(pod.namespace))) return false;
  } else if (pod.namespace !== policyNamespace) {
    return false;
  }
  return entry.podSelector ? matchesSelector(entry.podSelector, pod.labels) : true;
}

function portsMatch(
  ports: PolicyPort[] | undefined,
  port: number,
  protocol: string,
  namedPorts: Record<string, number>,
): boolean {
  if (ports === undefined || ports.length === 0) return true;
  return ports.some((entry) => {
    if ((entry.protocol ?? 'TCP') !== protocol) return false;
    if (entry.port === undefined) return true;
    const first = typeof entry.port === 'number' ? entry.port : namedPorts[entry.port];
    if (first === undefined) return false;
    // endPort applies only to numeric ports.
    const last = typeof entry.port === 'number' && entry.endPort !== undefined ? entry.endPort : first;
    return port >= first && port <= last;
  });
}

/** Label selector semantics of metav1.LabelSelector: all requirements must hold; `{}` selects everything. */
export function matchesSelector(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const requirement of selector.matchExpressions ?? []) {
    if (!requirementMatches(requirement, labels)) return false;
  }
  return true;
}

function requirementMatches(requirement: LabelSelectorRequirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, requirement.key);
  const value = labels[requirement.key];
  const values = requirement.values ?? [];
  switch (requirement.operator) {
    case 'In':
      return has && values.includes(value as string);
    case 'NotIn':
      return !has || !values.includes(value as string);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    default:
      return false;
  }
}

/** Whether an IPv4 address is inside `cidr` and outside every `except` range. */
export function ipBlockMatches(block: IpBlock, ip: string): boolean {
  if (!cidrContains(block.cidr, ip)) return false;
  return !(block.except ?? []).some((except) => cidrContains(except, ip));
}

/** IPv4 only: the pod network lives in 127.0.0.0/8. An IPv6 CIDR never matches. */
export function cidrContains(cidr: string, ip: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  const baseValue = ipv4ToNumber(base ?? '');
  const ipValue = ipv4ToNumber(ip);
  if (baseValue === undefined || ipValue === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (baseValue & mask) >>> 0 === (ipValue & mask) >>> 0;
}

export function ipv4ToNumber(ip: string): number | undefined {
  const parts = ip.replace(/^::ffff:/, '').split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}
