// Cases from the Kubernetes documentation "Network Policies"
// (kubernetes.io/docs/concepts/services-networking/network-policies/).
import { describe, expect, it } from 'vitest';
import {
  type Endpoint,
  type NetworkPolicyObject,
  cidrContains,
  evaluateConnection,
  matchesSelector,
  policyTypesOf,
} from '../../../lab/emulators/network/network-policy.ts';

const NAMESPACES: Record<string, Record<string, string>> = {
  default: { 'kubernetes.io/metadata.name': 'default' },
  myproject: { 'kubernetes.io/metadata.name': 'myproject', project: 'myproject' },
  other: { 'kubernetes.io/metadata.name': 'other' },
};
const namespaceLabels = (name: string) => NAMESPACES[name] ?? {};

function pod(namespace: string, labels: Record<string, string>, ip = '127.1.0.10', namedPorts?: Record<string, number>): Endpoint {
  return { ip, pod: { namespace, labels, ...(namedPorts ? { namedPorts } : {}) } };
}

function policy(namespace: string, name: string, spec: NetworkPolicyObject['spec']): NetworkPolicyObject {
  return { metadata: { namespace, name }, spec };
}

const db = pod('default', { role: 'db' }, '127.1.0.20', { redis: 6379 });
const frontend = pod('default', { role: 'frontend' }, '127.1.0.21');
const backendOther = pod('other', { role: 'frontend' }, '127.1.0.22');
const myprojectPod = pod('myproject', { app: 'x' }, '127.1.0.23');
const host: Endpoint = { ip: '172.17.0.5' };

// The "test-network-policy" example of the documentation.
const docsExample = policy('default', 'test-network-policy', {
  podSelector: { matchLabels: { role: 'db' } },
  policyTypes: ['Ingress', 'Egress'],
  ingress: [
    {
      from: [
        { ipBlock: { cidr: '172.17.0.0/16', except: ['172.17.1.0/24'] } },
        { namespaceSelector: { matchLabels: { project: 'myproject' } } },
        { podSelector: { matchLabels: { role: 'frontend' } } },
      ],
      ports: [{ protocol: 'TCP', port: 6379 }],
    },
  ],
  egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/24' } }], ports: [{ protocol: 'TCP', port: 5978 }] }],
});

const defaultDenyIngress = policy('default', 'default-deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] });
const defaultDenyEgress = policy('default', 'default-deny-egress', { podSelector: {}, policyTypes: ['Egress'] });
const allowAllIngress = policy('default', 'allow-all-ingress', { podSelector: {}, ingress: [{}], policyTypes: ['Ingress'] });
const allowAllEgress = policy('default', 'allow-all-egress', { podSelector: {}, egress: [{}], policyTypes: ['Egress'] });

const andPeer = policy('default', 'and-peer', {
  podSelector: { matchLabels: { role: 'db' } },
  ingress: [{ from: [{ namespaceSelector: { matchLabels: { project: 'myproject' } }, podSelector: { matchLabels: { app: 'x' } } }] }],
});
const orPeer = policy('default', 'or-peer', {
  podSelector: { matchLabels: { role: 'db' } },
  ingress: [{ from: [{ namespaceSelector: { matchLabels: { project: 'myproject' } } }, { podSelector: { matchLabels: { app: 'x' } } }] }],
});
const portRange = policy('default', 'multi-port-egress', {
  podSelector: { matchLabels: { role: 'db' } },
  policyTypes: ['Egress'],
  egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/24' } }], ports: [{ protocol: 'TCP', port: 32000, endPort: 32768 }] }],
});
const namedPort = policy('default', 'named-port', {
  podSelector: { matchLabels: { role: 'db' } },
  ingress: [{ ports: [{ port: 'redis' }] }],
});
const byNamespaceName = policy('default', 'from-myproject-by-name', {
  podSelector: {},
  ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'myproject' } } }] }],
});

interface Case {
  name: string;
  policies: NetworkPolicyObject[];
  source: Endpoint;
  destination: Endpoint;
  port: number;
  protocol?: string;
  allowed: boolean;
}

const CASES: Case[] = [
  { name: 'no policies allow everything', policies: [], source: frontend, destination: db, port: 6379, allowed: true },
  { name: 'default deny ingress drops', policies: [defaultDenyIngress], source: frontend, destination: db, port: 6379, allowed: false },
  { name: 'default deny ingress leaves egress', policies: [defaultDenyIngress], source: db, destination: backendOther, port: 80, allowed: true },
  { name: 'default deny egress drops', policies: [defaultDenyEgress], source: frontend, destination: backendOther, port: 80, allowed: false },
  { name: 'allow all ingress beats deny', policies: [defaultDenyIngress, allowAllIngress], source: backendOther, destination: db, port: 1, allowed: true },
  { name: 'allow all egress beats deny', policies: [defaultDenyEgress, allowAllEgress], source: db, destination: backendOther, port: 1, allowed: true },
  { name: 'docs example frontend pod', policies: [docsExample], source: frontend, destination: db, port: 6379, allowed: true },
  { name: 'docs example wrong port', policies: [docsExample], source: frontend, destination: db, port: 6380, allowed: false },
  { name: 'docs example other protocol', policies: [docsExample], source: frontend, destination: db, port: 6379, protocol: 'UDP', allowed: false },
  { name: 'docs example namespace peer', policies: [docsExample], source: myprojectPod, destination: db, port: 6379, allowed: true },
  { name: 'docs example podSelector is same namespace', policies: [docsExample], source: backendOther, destination: db, port: 6379, allowed: false },
  { name: 'docs example ipBlock host', policies: [docsExample], source: host, destination: db, port: 6379, allowed: true },
  { name: 'docs example ipBlock except', policies: [docsExample], source: { ip: '172.17.1.9' }, destination: db, port: 6379, allowed: false },
  { name: 'docs example egress to ipBlock', policies: [docsExample], source: db, destination: { ip: '10.0.0.7' }, port: 5978, allowed: true },
  { name: 'docs example egress elsewhere', policies: [docsExample], source: db, destination: frontend, port: 80, allowed: false },
  { name: 'AND peer needs both', policies: [andPeer], source: pod('myproject', { app: 'y' }), destination: db, port: 1, allowed: false },
  { name: 'AND peer matches both', policies: [andPeer], source: myprojectPod, destination: db, port: 1, allowed: true },
  { name: 'OR peer matches either', policies: [orPeer], source: pod('myproject', { app: 'y' }), destination: db, port: 1, allowed: true },
  { name: 'OR podSelector stays in namespace', policies: [orPeer], source: pod('other', { app: 'x' }), destination: db, port: 1, allowed: false },
  { name: 'endPort inside range', policies: [portRange], source: db, destination: { ip: '10.0.0.1' }, port: 32768, allowed: true },
  { name: 'endPort outside range', policies: [portRange], source: db, destination: { ip: '10.0.0.1' }, port: 32769, allowed: false },
  { name: 'named port resolves', policies: [namedPort], source: frontend, destination: db, port: 6379, allowed: true },
  { name: 'named port other number', policies: [namedPort], source: frontend, destination: db, port: 6380, allowed: false },
  { name: 'namespace by metadata name', policies: [byNamespaceName], source: myprojectPod, destination: frontend, port: 80, allowed: true },
  { name: 'namespace by name rejects others', policies: [byNamespaceName], source: backendOther, destination: frontend, port: 80, allowed: false },
  { name: 'policy in other namespace ignored', policies: [policy('other', 'deny', { podSelector: {} })], source: frontend, destination: db, port: 1, allowed: true },
  { name: 'isolated egress blocks pods', policies: [docsExample], source: db, destination: frontend, port: 80, allowed: false },
  { name: 'host to unisolated pod', policies: [docsExample], source: host, destination: frontend, port: 80, allowed: true },
];

describe('evaluateConnection', () => {
  it.each(CASES)('$name', ({ policies, source, destination, port, protocol, allowed }) => {
    const verdict = evaluateConnection({ source, destination, port, ...(protocol ? { protocol } : {}) }, policies, namespaceLabels);
    expect(verdict.allowed, verdict.reason).toBe(allowed);
  });

  it('names the isolating policy when denied', () => {
    const verdict = evaluateConnection({ source: frontend, destination: db, port: 1 }, [defaultDenyIngress], namespaceLabels);
    expect(verdict.reason).toContain('default-deny-ingress');
  });
});

describe('policyTypesOf', () => {
  it('defaults to Ingress only', () => {
    expect(policyTypesOf(policy('a', 'p', { podSelector: {} }))).toEqual(['Ingress']);
  });
  it('adds Egress when egress rules exist', () => {
    expect(policyTypesOf(policy('a', 'p', { podSelector: {}, egress: [{}] }))).toEqual(['Ingress', 'Egress']);
  });
  it('keeps declared types', () => {
    expect(policyTypesOf(policy('a', 'p', { podSelector: {}, policyTypes: ['Egress'] }))).toEqual(['Egress']);
  });
});

describe('matchesSelector', () => {
  const labels = { app: 'web', tier: 'front' };
  it.each([
    [{}, true],
    [{ matchLabels: { app: 'web' } }, true],
    [{ matchLabels: { app: 'db' } }, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'back'] }] }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, false],
    [{ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, false],
    [{ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, true],
    [{ matchExpressions: [{ key: 'app', operator: 'Bogus' }] }, false],
  ])('%j -> %s', (selector, expected) => {
    expect(matchesSelector(selector, labels)).toBe(expected);
  });
});

describe('cidrContains', () => {
  it.each([
    ['127.0.0.0/8', '127.45.3.2', true],
    ['127.45.0.0/16', '127.46.0.1', false],
    ['0.0.0.0/0', '8.8.8.8', true],
    ['10.0.0.1', '10.0.0.1', true],
    ['10.0.0.0/33', '10.0.0.1', false],
    ['fd00::/8', '10.0.0.1', false],
    ['10.0.0.0/8', '::ffff:10.1.2.3', true],
  ])('%s contains %s: %s', (cidr, ip, expected) => {
    expect(cidrContains(cidr, ip)).toBe(expected);
  });
});
