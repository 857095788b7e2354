/**
 * Kubernetes auth against the embedded Kubernetes API: real service account
 * tokens, a real TokenReview, and RBAC deciding whether Vault's reviewer may
 * create tokenreviews (ClusterRoleBinding to system:auth-delegator).
 */
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KubeServer, startKube } from '../../../lab/emulators/kube/index.ts';
import { type DevVault, startDevVault } from './helpers.ts';

let kube: KubeServer;
let dispatcher: Agent;
let vault: DevVault;

async function kubeCall(method: string, path: string, body?: unknown): Promise<number> {
  const response = await request(`${kube.url}${path}`, {
    method: method as 'GET',
    headers: { authorization: `Bearer ${kube.adminToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    dispatcher,
  });
  await response.body.text();
  return response.statusCode;
}

async function createObject(path: string, body: unknown): Promise<void> {
  const status = await kubeCall('POST', path, body);
  expect([201, 409]).toContain(status);
}

const REVIEWER_BINDING = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRoleBinding',
  metadata: { name: 'vault-token-reviewer' },
  roleRef: {
    apiGroup: 'rbac.authorization.k8s.io',
    kind: 'ClusterRole',
    name: 'system:auth-delegator',
  },
  subjects: [{ kind: 'ServiceAccount', name: 'vault', namespace: 'vault' }],
};

beforeAll(async () => {
  kube = await startKube({ port: 0 });
  dispatcher = new Agent({ connect: { ca: kube.caCertPem } });
  for (const name of ['vault', 'basecamp']) {
    await createObject('/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name },
    });
  }
  await createObject('/api/v1/namespaces/vault/serviceaccounts', {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'vault' },
  });
  await createObject('/api/v1/namespaces/basecamp/serviceaccounts', {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'app' },
  });
  await createObject('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', REVIEWER_BINDING);

  vault = await startDevVault();
  const reviewer = await kube.issueServiceAccountToken('vault', 'vault', {
    expirationSeconds: 3600,
  });
  expect(
    (await vault.client.call('POST', 'sys/auth/kubernetes', { body: { type: 'kubernetes' } }))
      .status,
  ).toBe(204);
  const configured = await vault.client.call('POST', 'auth/kubernetes/config', {
    body: {
      kubernetes_host: kube.url,
      kubernetes_ca_cert: kube.caCertPem,
      token_reviewer_jwt: reviewer.token,
    },
  });
  expect(configured.status).toBe(204);
  const role = await vault.client.call('POST', 'auth/kubernetes/role/basecamp', {
    body: {
      bound_service_account_names: 'app',
      bound_service_account_namespaces: 'basecamp',
      token_policies: 'basecamp-read',
      token_ttl: '1h',
    },
  });
  expect(role.status).toBe(204);
}, 120_000);

afterAll(async () => {
  await vault?.server.close();
  await dispatcher?.close();
  await kube?.close();
});

async function appLogin() {
  const jwt = (await kube.issueServiceAccountToken('basecamp', 'app', { expirationSeconds: 3600 }))
    .token;
  return vault.client.call('POST', 'auth/kubernetes/login', {
    token: null,
    body: { role: 'basecamp', jwt },
  });
}

describe('kubernetes auth with the embedded Kubernetes API', () => {
  it('logs in the bound service account', async () => {
    const result = await appLogin();
    expect(result.status).toBe(200);
    expect(result.body.auth.metadata.service_account_name).toBe('app');
    expect(result.body.auth.metadata.service_account_namespace).toBe('basecamp');
    expect(result.body.auth.lease_duration).toBe(3600);
  });

  it('denies login when the reviewer loses RBAC', async () => {
    expect(
      await kubeCall(
        'DELETE',
        '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/vault-token-reviewer',
      ),
    ).toBe(200);
    try {
      const result = await appLogin();
      expect(result.status).toBe(403);
      expect(result.body.errors).toEqual(['permission denied']);
      const line = vault.logs.find((entry) => entry.includes('login unauthorized due to:'));
      expect(line).toContain(
        'tokenreviews.authentication.k8s.io is forbidden: User \\"system:serviceaccount:vault:vault\\" cannot create resource \\"tokenreviews\\" in API group \\"authentication.k8s.io\\" at the cluster scope',
      );
    } finally {
      await createObject(
        '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
        REVIEWER_BINDING,
      );
    }
  });

  it('denies a token of a deleted service account', async () => {
    const jwt = (
      await kube.issueServiceAccountToken('basecamp', 'app', { expirationSeconds: 3600 })
    ).token;
    expect(await kubeCall('DELETE', '/api/v1/namespaces/basecamp/serviceaccounts/app')).toBe(200);
    const result = await vault.client.call('POST', 'auth/kubernetes/login', {
      token: null,
      body: { role: 'basecamp', jwt },
    });
    expect(result.status).toBe(403);
    expect(result.body.errors).toEqual(['permission denied']);
    expect(
      vault.logs.some((entry) => entry.includes('lookup failed: service account unauthorized')),
    ).toBe(true);
  });
});
