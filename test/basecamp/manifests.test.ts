import { describe, expect, it } from 'vitest';
import { loadEsoCrds, loadManifests, parseManifest, substitute, type ManifestObject } from '../../lab/basecamp/manifests.ts';
import { evaluateConnection, type Endpoint, type NetworkPolicyObject } from '../../lab/emulators/network/network-policy.ts';
import { allowsVault } from '../../lab/faults/netpol-blocks-eso.ts';

const VARIABLES = { VAULT_CA_BUNDLE: Buffer.from('-----BEGIN CERTIFICATE-----\n').toString('base64') };

async function allObjects(): Promise<ManifestObject[]> {
  return (await loadManifests(VARIABLES)).flatMap((file) => file.objects);
}

function find(objects: ManifestObject[], kind: string, name: string, namespace?: string): ManifestObject | undefined {
  return objects.find((object) => object.kind === kind && object.metadata.name === name && object.metadata.namespace === namespace);
}

describe('platform manifests', () => {
  it('label every object as the lab part', async () => {
    for (const object of await allObjects()) {
      expect(object.metadata.labels?.['app.kubernetes.io/part-of'], `${object.kind} ${object.metadata.name}`).toBe('basecamp-lab');
    }
  });

  it.each([
    ['Namespace', 'vault', undefined],
    ['Namespace', 'external-secrets', undefined],
    ['Namespace', 'basecamp', undefined],
    ['ServiceAccount', 'vault', 'vault'],
    ['ClusterRoleBinding', 'vault-token-reviewer', undefined],
    ['ServiceAccount', 'external-secrets', 'external-secrets'],
    ['SecretStore', 'vault-kv', 'basecamp'],
    ['SecretStore', 'vault-database', 'basecamp'],
    ['ExternalSecret', 'app-db', 'basecamp'],
    ['ExternalSecret', 'app-config', 'basecamp'],
    ['ServiceAccount', 'app', 'basecamp'],
    ['Deployment', 'app', 'basecamp'],
    ['Service', 'app', 'basecamp'],
    ['NetworkPolicy', 'default-deny', 'vault'],
    ['NetworkPolicy', 'default-deny', 'external-secrets'],
    ['NetworkPolicy', 'default-deny', 'basecamp'],
  ])('define %s %s', async (kind, name, namespace) => {
    expect(find(await allObjects(), kind, name, namespace)).toBeDefined();
  });

  it('bind the reviewer to system:auth-delegator', async () => {
    const binding = find(await allObjects(), 'ClusterRoleBinding', 'vault-token-reviewer') as { roleRef: { name: string } } & ManifestObject;
    expect(binding.roleRef.name).toBe('system:auth-delegator');
  });

  it('run two replicas behind NodePort 30080', async () => {
    const objects = await allObjects();
    const deployment = find(objects, 'Deployment', 'app', 'basecamp') as ManifestObject & { spec: { replicas: number } };
    const service = find(objects, 'Service', 'app', 'basecamp') as ManifestObject & { spec: { type: string; ports: Array<{ nodePort: number }> } };
    expect(deployment.spec.replicas).toBe(2);
    expect(service.spec.type).toBe('NodePort');
    expect(service.spec.ports[0]?.nodePort).toBe(30080);
  });

  it('fill the Vault CA bundle', async () => {
    const store = find(await allObjects(), 'SecretStore', 'vault-kv', 'basecamp') as ManifestObject & { spec: { provider: { vault: { caBundle: string } } } };
    expect(store.spec.provider.vault.caBundle).toBe(VARIABLES.VAULT_CA_BUNDLE);
  });

  it('keep an egress rule the netpol fault can remove', async () => {
    const policies = (await allObjects()).filter((object) => object.kind === 'NetworkPolicy' && object.metadata.namespace === 'external-secrets') as unknown as NetworkPolicyObject[];
    const rules = policies.flatMap((policy) => policy.spec.egress ?? []);
    expect(rules.some((rule) => allowsVault(rule as never, 'vault', 8200))).toBe(true);
  });

  it('load the ESO CRDs', async () => {
    const kinds = (await loadEsoCrds()).flatMap((file) => file.objects).map((object) => object.kind);
    expect(kinds).toHaveLength(5);
    expect(new Set(kinds)).toEqual(new Set(['CustomResourceDefinition']));
  });
});

describe('baseline NetworkPolicies', () => {
  const pod = (namespace: string, app: string, ip: string): Endpoint => ({ ip, pod: { namespace, labels: { 'app.kubernetes.io/name': app } } });
  const eso = pod('external-secrets', 'external-secrets', '127.9.2.1');
  const vault = pod('vault', 'vault', '127.9.2.2');
  const postgres = pod('basecamp', 'postgres', '127.9.2.3');
  const app = pod('basecamp', 'app', '127.9.2.4');
  const host: Endpoint = { ip: '127.0.0.1' };

  it.each([
    ['ESO to Vault', eso, vault, 8200, true],
    ['Vault to PostgreSQL', vault, postgres, 5432, true],
    ['app to PostgreSQL', app, postgres, 5432, true],
    ['host to app', host, app, 8080, true],
    ['app to Vault', app, vault, 8200, false],
    ['ESO to PostgreSQL', eso, postgres, 5432, false],
    ['host to PostgreSQL service', host, postgres, 5432, false],
    ['ESO to Vault other port', eso, vault, 8201, false],
  ])('%s: %s', async (_name, source, destination, port, allowed) => {
    const policies = (await allObjects()).filter((object) => object.kind === 'NetworkPolicy') as unknown as NetworkPolicyObject[];
    const verdict = evaluateConnection({ source, destination, port }, policies, (namespace) => ({ 'kubernetes.io/metadata.name': namespace }));
    expect(verdict.allowed, verdict.reason).toBe(allowed);
  });
});

describe('manifest parsing', () => {
  it('rejects a missing placeholder value', () => {
    expect(() => substitute('caBundle: ${OTHER}', VARIABLES, 'x.yaml')).toThrow(/x.yaml uses \$\{OTHER\} but no value was given/);
  });

  it('rejects an object without a name', () => {
    expect(() => parseManifest('apiVersion: v1\nkind: Secret\nmetadata: {}\n', 'bad.yaml')).toThrow(/bad.yaml document 1 \(Secret\) has no metadata.name/);
  });

  it('rejects invalid YAML', () => {
    expect(() => parseManifest('a: [1, 2\n', 'broken.yaml')).toThrow(/broken.yaml document 1 is invalid YAML/);
  });

  it('skips empty documents', () => {
    expect(parseManifest('---\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n', 'ok.yaml')).toHaveLength(1);
  });
});
