import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../lab/clients/kube.ts';
import { faults } from '../../lab/faults/index.ts';
import { probes } from '../../lab/probes/index.ts';
import { faultContext, usePlatform } from './platform.ts';

const platform = usePlatform();
const RBAC = 'rbac.authorization.k8s.io/v1';
const ESO = 'external-secrets.io/v1';

async function inject(type: string, variant: string | undefined, fields: Record<string, unknown> = {}) {
  const context = faultContext(platform.current.clients);
  const fault = faults[type]!;
  const injection = await fault.inject(context, variant, fault.schema.parse(fields));
  return { context, injection };
}

async function probe(name: string, params: Record<string, unknown>, context: ReturnType<typeof faultContext>) {
  const spec = probes[name]!;
  return spec.check(context, spec.schema.parse(params));
}

describe('rbac-missing', () => {
  it('token-reviewer deletes the binding and the undo recreates it', async () => {
    const { kube } = platform.current.clients;
    const ref = { apiVersion: RBAC, kind: 'ClusterRoleBinding', name: 'vault-token-reviewer' };
    const before = await kube.read(ref);
    const { context, injection } = await inject('rbac-missing', 'token-reviewer');
    expect(injection.targets).toEqual({ clusterRoleBinding: 'vault-token-reviewer' });
    expect(await kube.get(ref)).toBeUndefined();
    await context.revert();
    const after = await kube.read<KubeObject & { roleRef: unknown; subjects: unknown }>(ref);
    expect(after.roleRef).toEqual(before.roleRef);
    expect(after.subjects).toEqual(before.subjects);
  });

  it('serviceaccount-token removes only that resource from the ESO role', async () => {
    const { kube } = platform.current.clients;
    const ref = { apiVersion: RBAC, kind: 'ClusterRole', name: 'external-secrets-controller' };
    const resources = async () =>
      ((await kube.read<KubeObject & { rules: Array<{ resources: string[] }> }>(ref)).rules).flatMap((rule) => rule.resources);
    const { context, injection } = await inject('rbac-missing', 'serviceaccount-token');
    expect(injection.targets.roles).toBe('ClusterRole external-secrets-controller');
    expect(await resources()).not.toContain('serviceaccounts/token');
    expect(await resources()).toContain('secrets');
    await context.revert();
    expect(await resources()).toContain('serviceaccounts/token');
  });

  it('token-secret points the store at a token Secret ESO may not read', async () => {
    const { kube, vault } = platform.current.clients;
    const storeRef = { apiVersion: ESO, kind: 'SecretStore', name: 'vault-kv', namespace: 'basecamp' };
    const { context } = await inject('rbac-missing', 'token-secret');
    const store = await kube.read<KubeObject & { spec: { provider: { vault: { auth: unknown } } } }>(storeRef);
    expect(store.spec.provider.vault.auth).toEqual({ tokenSecretRef: { name: 'vault-token', key: 'token' } });
    const role = await kube.read<KubeObject & { rules: Array<{ resources: string[] }> }>({ apiVersion: RBAC, kind: 'ClusterRole', name: 'external-secrets-controller' });
    expect(role.rules.flatMap((rule) => rule.resources)).not.toContain('secrets');
    const secret = await kube.read<KubeObject & { data: { token: string } }>({ apiVersion: 'v1', kind: 'Secret', name: 'vault-token', namespace: 'basecamp' });
    const token = Buffer.from(secret.data.token, 'base64').toString('utf8');
    expect(context.redactor.redact(token)).toBe('[redacted]');
    expect((await vault.raw('GET', 'auth/token/lookup-self', undefined, token)).status).toBe(200);

    await context.revert();
    expect((await vault.raw('GET', 'auth/token/lookup-self', undefined, token)).status).toBe(403);
    expect(await kube.get({ apiVersion: 'v1', kind: 'Secret', name: 'vault-token', namespace: 'basecamp' })).toBeUndefined();
    const restored = await kube.read<KubeObject & { spec: { provider: { vault: { auth: { kubernetes?: unknown } } } } }>(storeRef);
    expect(restored.spec.provider.vault.auth.kubernetes).toBeDefined();
  });

  it('role-binding rebinds the Vault role and the undo restores it', async () => {
    const { vault } = platform.current.clients;
    await vault.write('sys/auth/kubernetes', { type: 'kubernetes' }).catch(() => {});
    await vault.write('auth/kubernetes/config', { kubernetes_host: platform.current.kube.url });
    await vault.write('auth/kubernetes/role/basecamp', {
      bound_service_account_names: ['app'],
      bound_service_account_namespaces: ['basecamp'],
      token_policies: ['basecamp-read'],
    });
    const { context } = await inject('rbac-missing', 'role-binding', { boundTo: 'intruder' });
    expect((await vault.read('auth/kubernetes/role/basecamp'))?.bound_service_account_names).toEqual(['intruder']);
    await context.revert();
    expect((await vault.read('auth/kubernetes/role/basecamp'))?.bound_service_account_names).toEqual(['app']);
  });

  it('names the service account when no role grants the resource', async () => {
    const context = faultContext(platform.current.clients);
    const { removeResourceFromRoles } = await import('../../lab/faults/rbac-rules.ts');
    await expect(removeResourceFromRoles(context, { name: 'nobody', namespace: 'basecamp' }, 'secrets')).rejects.toThrow(
      'no Role or ClusterRole bound to ServiceAccount basecamp/nobody grants "secrets"',
    );
  });
});

describe('wrong-path', () => {
  const externalSecret = (name: string) => ({ apiVersion: ESO, kind: 'ExternalSecret', name, namespace: 'basecamp' });

  it('wrong-key changes the dataFrom key of app-config and the undo restores it', async () => {
    const { kube } = platform.current.clients;
    const { context, injection } = await inject('wrong-path', 'wrong-key');
    expect(injection.targets.field).toBe('/spec/dataFrom/0/extract/key');
    const changed = await kube.read<KubeObject & { spec: { dataFrom: Array<{ extract: { key: string } }> } }>(externalSecret('app-config'));
    expect(changed.spec.dataFrom[0]!.extract.key).toBe('basecamp/confg');
    expect(changed.metadata.annotations?.['force-sync']).toBeDefined();
    await context.revert();
    const restored = await kube.read<KubeObject & { spec: { dataFrom: Array<{ extract: { key: string } }> } }>(externalSecret('app-config'));
    expect(restored.spec.dataFrom[0]!.extract.key).toBe('basecamp/config');
  });

  it('missing-property sets a property on app-db', async () => {
    const { kube } = platform.current.clients;
    const { context } = await inject('wrong-path', 'missing-property');
    const read = async () => (await kube.read<KubeObject & { spec: { data: Array<{ remoteRef: { property?: string } }> } }>(externalSecret('app-db'))).spec.data[0]!.remoteRef.property;
    expect(await read()).toBe('passwd');
    await context.revert();
    expect(await read()).toBe('username');
  });

  it('kv-version sets v1 on the store and the undo puts the old value back', async () => {
    const { kube } = platform.current.clients;
    const ref = { apiVersion: ESO, kind: 'SecretStore', name: 'vault-kv', namespace: 'basecamp' };
    const read = async () => (await kube.read<KubeObject & { spec: { provider: { vault: { version?: string } } } }>(ref)).spec.provider.vault.version;
    const before = await read();
    const { context } = await inject('wrong-path', 'kv-version');
    expect(await read()).toBe('v1');
    await context.revert();
    expect(await read()).toBe(before);
  });

  it('names a missing ExternalSecret', async () => {
    await expect(inject('wrong-path', 'wrong-key', { externalSecret: 'nope' })).rejects.toThrow('fault target ExternalSecret nope not found in namespace basecamp');
  });
});

describe('netpol-blocks-eso', () => {
  it('removes the egress rule to vault and the undo restores it', async () => {
    const { kube } = platform.current.clients;
    const ref = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', name: 'allow-egress-to-vault', namespace: 'external-secrets' };
    const egress = async () => (await kube.read<KubeObject & { spec: { egress?: unknown[] } }>(ref)).spec.egress ?? [];
    expect(await egress()).toHaveLength(1);
    const { context, injection } = await inject('netpol-blocks-eso', undefined);
    expect(injection.targets.policies).toBe('allow-egress-to-vault');
    expect(await egress()).toHaveLength(0);
    const dns = await kube.read<KubeObject & { spec: { egress: unknown[] } }>({ ...ref, name: 'allow-dns' });
    expect(dns.spec.egress).toHaveLength(1);
    await context.revert();
    expect(await egress()).toHaveLength(1);
  });
});

describe('vault-sealed', () => {
  it('seals Vault; the health probe sees it; the undo unseals', async () => {
    const { context } = await inject('vault-sealed', undefined);
    const sealed = await probe('vault-health', { sealed: true, status: 503 }, context);
    expect(sealed).toMatchObject({ ok: true, value: 503 });
    const refused = await probe('vault-request', { status: 503, errorIncludes: 'Vault is sealed' }, context);
    expect(refused.ok).toBe(true);
    await context.revert();
    const healthy = await probe('vault-health', { sealed: false, status: 200 }, context);
    expect(healthy.ok, healthy.message).toBe(true);
  });
});

describe('vault-token-expired', () => {
  it('expired: the token stops working and the store reads it from a Secret', async () => {
    const { kube, vault } = platform.current.clients;
    const { context, injection } = await inject('vault-token-expired', 'expired', { ttl: '1s' });
    expect(injection.targets.tokenSecret).toBe('basecamp/vault-token');
    const secret = await kube.read<KubeObject & { data: { token: string } }>({ apiVersion: 'v1', kind: 'Secret', name: 'vault-token', namespace: 'basecamp' });
    const token = Buffer.from(secret.data.token, 'base64').toString('utf8');
    const lookup = await vault.raw('GET', 'auth/token/lookup-self', undefined, token);
    expect(lookup.status).toBe(403);
    expect(lookup.errorText).toContain('permission denied');
    await context.revert();
    expect(await kube.get({ apiVersion: 'v1', kind: 'Secret', name: 'vault-token', namespace: 'basecamp' })).toBeUndefined();
  });

  it('revoked: the token is revoked at once', async () => {
    const { kube, vault } = platform.current.clients;
    const { context } = await inject('vault-token-expired', 'revoked');
    const secret = await kube.read<KubeObject & { data: { token: string } }>({ apiVersion: 'v1', kind: 'Secret', name: 'vault-token', namespace: 'basecamp' });
    const token = Buffer.from(secret.data.token, 'base64').toString('utf8');
    expect((await vault.raw('GET', 'auth/token/lookup-self', undefined, token)).status).toBe(403);
    await context.revert();
  });
});

describe('audit-device-blocked', () => {
  it('makes Vault refuse audited requests until the undo restores the log', async () => {
    const { vault } = platform.current.clients;
    const file = `${platform.current.folder}/audit.log`;
    await vault.call('PUT', 'sys/audit/file', { type: 'file', options: { file_path: file } });
    const context = faultContext(platform.current.clients);
    expect((await probe('vault-request', { status: 200 }, context)).ok).toBe(true);

    const fault = faults['audit-device-blocked']!;
    const injection = await fault.inject(context, undefined, fault.schema.parse({}));
    expect(injection.targets.file).toBe(file);
    const refused = await probe('vault-request', { status: 500, errorIncludes: 'internal error' }, context);
    expect(refused.ok, refused.message).toBe(true);

    await context.revert();
    const accepted = await probe('vault-request', { status: 200 }, context);
    expect(accepted.ok, accepted.message).toBe(true);
    const entries = await probe('audit-log', { path: 'auth/token/lookup-self' }, context);
    expect(entries.ok, entries.message).toBe(true);
    await vault.call('DELETE', 'sys/audit/file');
  });
});
