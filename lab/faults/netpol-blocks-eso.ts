/**
 * A NetworkPolicy change drops ESO's egress to Vault. NetworkPolicies only
 * allow, so the fault removes the egress rules in ESO's namespace that let
 * traffic reach Vault and, when nothing isolates ESO's egress yet, adds a
 * policy that isolates it while still allowing every other namespace.
 * Connections to Vault then hang like dropped packets until ESO's deadline.
 */
import { z } from 'zod';
import type { KubeObject } from '../clients/kube.ts';
import { withoutServerFields } from '../clients/kube.ts';
import { PLATFORM } from '../clients/platform.ts';
import { defineFault, type FaultContext } from './fault.ts';
import { forceSyncStore } from './support.ts';

const NETWORKING = 'networking.k8s.io/v1';
const NAMESPACE_LABEL = 'kubernetes.io/metadata.name';

interface Peer {
  podSelector?: unknown;
  namespaceSelector?: { matchLabels?: Record<string, string> };
  ipBlock?: unknown;
}

interface EgressRule {
  to?: Peer[];
  ports?: Array<{ port?: number | string }>;
}

interface NetworkPolicy extends KubeObject {
  spec: { podSelector?: unknown; policyTypes?: string[]; egress?: EgressRule[] };
}

export const netpolBlocksEso = defineFault({
  type: 'netpol-blocks-eso',
  description: 'a NetworkPolicy drops egress from external-secrets to vault',
  variants: [],
  schema: z.strictObject({
    namespace: z.string().min(1).default(PLATFORM.namespaces.eso),
    vaultNamespace: z.string().min(1).default(PLATFORM.namespaces.vault),
    vaultPort: z.number().int().min(1).max(65535).default(8200),
    store: z.string().min(1).default(PLATFORM.stores.kv),
    storeNamespace: z.string().min(1).default(PLATFORM.namespaces.app),
  }),
  symptoms: {
    '*': [
      'SecretStore event: invalid vault credentials: context deadline exceeded',
      'ExternalSecret UpdateFailed: error processing spec.data[0] (key: K), err: context deadline exceeded',
    ],
  },
  async inject(context, _variant, params) {
    const { kube } = context.clients;
    const policies = await kube.list<NetworkPolicy>(NETWORKING, 'NetworkPolicy', params.namespace);
    const edited = await removeVaultEgress(context, policies, params);
    const isolating = policies.some((policy) => (policy.spec.policyTypes ?? []).includes('Egress'));
    if (!isolating) await addIsolation(context, params.namespace, params.vaultNamespace);
    if (edited.length === 0 && isolating) {
      context.log(`no egress rule in ${params.namespace} allowed traffic to ${params.vaultNamespace}; egress was already blocked`);
    }
    await forceSyncStore(kube, params.store, params.storeNamespace);
    return { targets: { namespace: params.namespace, policies: edited.join(', ') || 'lab-isolate-egress' } };
  },
});

async function removeVaultEgress(
  context: FaultContext,
  policies: NetworkPolicy[],
  params: { namespace: string; vaultNamespace: string; vaultPort: number },
): Promise<string[]> {
  const { kube } = context.clients;
  const edited: string[] = [];
  for (const policy of policies) {
    const egress = policy.spec.egress ?? [];
    const kept = egress.filter((rule) => !allowsVault(rule, params.vaultNamespace, params.vaultPort));
    if (kept.length === egress.length) continue;

    const ref = { apiVersion: NETWORKING, kind: 'NetworkPolicy', name: policy.metadata.name, namespace: params.namespace };
    await kube.patch(ref, [{ op: 'replace', path: '/spec/egress', value: kept }], 'json');
    const saved = { ...withoutServerFields(policy), apiVersion: NETWORKING, kind: 'NetworkPolicy' };
    context.onRevert(`restore NetworkPolicy ${params.namespace}/${policy.metadata.name}`, async () => {
      await kube.upsert(saved);
    });
    edited.push(policy.metadata.name);
  }
  return edited;
}

/** True when the rule lets traffic reach the Vault namespace on the Vault port. */
export function allowsVault(rule: EgressRule, vaultNamespace: string, vaultPort: number): boolean {
  const portAllowed = !rule.ports?.length || rule.ports.some((port) => port.port === undefined || Number(port.port) === vaultPort);
  if (!portAllowed) return false;
  if (!rule.to?.length) return true;
  return rule.to.some((peer) => {
    if (peer.ipBlock) return true;
    const labels = peer.namespaceSelector?.matchLabels;
    if (!peer.namespaceSelector) return false;
    return !labels || Object.keys(labels).length === 0 || labels[NAMESPACE_LABEL] === vaultNamespace;
  });
}

async function addIsolation(context: FaultContext, namespace: string, vaultNamespace: string): Promise<void> {
  const { kube } = context.clients;
  const name = 'lab-isolate-egress';
  await kube.create({
    apiVersion: NETWORKING,
    kind: 'NetworkPolicy',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'basecamp-lab' } },
    spec: {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: [{ namespaceSelector: { matchExpressions: [{ key: NAMESPACE_LABEL, operator: 'NotIn', values: [vaultNamespace] }] } }] }],
    },
  });
  context.onRevert(`delete NetworkPolicy ${namespace}/${name}`, async () => {
    await kube.delete({ apiVersion: NETWORKING, kind: 'NetworkPolicy', name, namespace });
  });
}
