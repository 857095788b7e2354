// Object semantics of kube-apiserver: generation, status subresources,
// finalizers, garbage collection, namespace deletion, immutable Secrets,
// service account tokens, TokenReview, aggregation and persistence.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKube } from '../../../lab/emulators/kube/index.ts';
import { type KubeFixture, request, startFixture, waitFor } from './helpers.ts';

let fixture: KubeFixture;

beforeAll(async () => {
  fixture = await startFixture();
  await post('/api/v1/namespaces', { metadata: { name: 'sem' } });
});

afterAll(async () => {
  await fixture.close();
});

async function post(urlPath: string, body: unknown, token?: string): Promise<any> {
  const response = await request(fixture, 'POST', urlPath, {
    body: JSON.stringify(body),
    contentType: 'application/json',
    token,
  });
  return { ...response.json(), httpStatus: response.status };
}

async function get(urlPath: string): Promise<any> {
  const response = await request(fixture, 'GET', urlPath);
  return { ...response.json(), httpStatus: response.status };
}

async function patch(
  urlPath: string,
  body: unknown,
  type = 'application/merge-patch+json',
): Promise<any> {
  const response = await request(fixture, 'PATCH', urlPath, {
    body: JSON.stringify(body),
    contentType: type,
  });
  return { ...response.json(), httpStatus: response.status };
}

async function remove(urlPath: string, body?: unknown): Promise<any> {
  const response = await request(fixture, 'DELETE', urlPath, {
    body: body ? JSON.stringify(body) : undefined,
    contentType: 'application/json',
  });
  return { ...response.json(), httpStatus: response.status };
}

const DEPLOYMENTS = '/apis/apps/v1/namespaces/sem/deployments';
const deployment = (name: string) => ({
  metadata: { name },
  spec: {
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'c', image: 'node:20' }] },
    },
  },
});

describe('generation and status', () => {
  it('bumps generation on spec changes only', async () => {
    const created = await post(DEPLOYMENTS, deployment('gen'));
    expect(created.metadata.generation).toBe(1);
    const labelled = await patch(`${DEPLOYMENTS}/gen`, { metadata: { labels: { a: 'b' } } });
    expect(labelled.metadata.generation).toBe(1);
    const scaled = await patch(`${DEPLOYMENTS}/gen`, { spec: { replicas: 3 } });
    expect(scaled.metadata.generation).toBe(2);
  });

  it('changes status only through the status subresource', async () => {
    const ignored = await patch(`${DEPLOYMENTS}/gen`, { status: { replicas: 5 } });
    expect(ignored.status.replicas).toBeUndefined();
    const updated = await patch(`${DEPLOYMENTS}/gen/status`, {
      status: { replicas: 5, observedGeneration: 2 },
      spec: { replicas: 9 },
    });
    expect(updated.status.replicas).toBe(5);
    expect(updated.spec.replicas).toBe(3);
    expect(updated.metadata.generation).toBe(2);
  });

  it('serves the scale subresource', async () => {
    const scale = await get(`${DEPLOYMENTS}/gen/scale`);
    expect(scale).toMatchObject({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      spec: { replicas: 3 },
      status: { selector: 'app=gen' },
    });
    const response = await request(fixture, 'PUT', `${DEPLOYMENTS}/gen/scale`, {
      body: JSON.stringify({
        apiVersion: 'autoscaling/v1',
        kind: 'Scale',
        metadata: { name: 'gen' },
        spec: { replicas: 1 },
      }),
      contentType: 'application/json',
    });
    expect(response.json().spec.replicas).toBe(1);
    expect((await get(`${DEPLOYMENTS}/gen`)).spec.replicas).toBe(1);
  });
});

describe('deletion', () => {
  it('keeps an object with finalizers until they are removed', async () => {
    await post('/api/v1/namespaces/sem/configmaps', {
      metadata: { name: 'fin', finalizers: ['example.com/hold'] },
    });
    const deleting = await remove('/api/v1/namespaces/sem/configmaps/fin');
    expect(deleting.httpStatus).toBe(200);
    expect(deleting.metadata.deletionTimestamp).toMatch(/Z$/);
    expect((await get('/api/v1/namespaces/sem/configmaps/fin')).httpStatus).toBe(200);
    await patch('/api/v1/namespaces/sem/configmaps/fin', { metadata: { finalizers: null } });
    expect((await get('/api/v1/namespaces/sem/configmaps/fin')).httpStatus).toBe(404);
  });

  it('collects dependents in the background when the owner goes', async () => {
    const owner = await post('/api/v1/namespaces/sem/configmaps', { metadata: { name: 'owner' } });
    const ownerReferences = [
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid },
    ];
    await post('/api/v1/namespaces/sem/secrets', {
      metadata: { name: 'dependent', ownerReferences },
    });
    await remove('/api/v1/namespaces/sem/configmaps/owner');
    await waitFor(
      async () =>
        (await get('/api/v1/namespaces/sem/secrets/dependent')).httpStatus === 404 || undefined,
      'the dependent Secret to go',
    );
  });

  it('deletes dependents first with foreground propagation', async () => {
    const owner = await post('/api/v1/namespaces/sem/configmaps', {
      metadata: { name: 'fg-owner' },
    });
    const ownerReferences = [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: 'fg-owner',
        uid: owner.metadata.uid,
        blockOwnerDeletion: true,
      },
    ];
    await post('/api/v1/namespaces/sem/secrets', {
      metadata: { name: 'fg-dependent', ownerReferences },
    });
    const deleting = await remove('/api/v1/namespaces/sem/configmaps/fg-owner', {
      propagationPolicy: 'Foreground',
    });
    expect(deleting.metadata.finalizers).toEqual(['foregroundDeletion']);
    await waitFor(
      async () =>
        (await get('/api/v1/namespaces/sem/configmaps/fg-owner')).httpStatus === 404 || undefined,
      'the owner to go',
    );
    expect((await get('/api/v1/namespaces/sem/secrets/fg-dependent')).httpStatus).toBe(404);
  });

  it('removes everything in a deleted namespace, then the namespace', async () => {
    await post('/api/v1/namespaces', { metadata: { name: 'doomed' } });
    await post('/api/v1/namespaces/doomed/secrets', { metadata: { name: 's' } });
    const deleting = await remove('/api/v1/namespaces/doomed');
    expect(deleting.status.phase).toBe('Terminating');
    const refused = await post('/api/v1/namespaces/doomed/secrets', { metadata: { name: 't' } });
    expect(refused.httpStatus).toBe(403);
    expect(refused.message).toBe(
      'secrets "t" is forbidden: unable to create new content in namespace doomed because it is being terminated',
    );
    await waitFor(
      async () => (await get('/api/v1/namespaces/doomed')).httpStatus === 404 || undefined,
      'the namespace to go',
    );
  });
});

describe('Secrets', () => {
  it('stores stringData as data', async () => {
    const created = await post('/api/v1/namespaces/sem/secrets', {
      metadata: { name: 'sd' },
      stringData: { user: 'app' },
    });
    expect(created.data).toEqual({ user: Buffer.from('app').toString('base64') });
    expect(created.stringData).toBeUndefined();
    expect(created.type).toBe('Opaque');
  });

  it('rejects data changes to an immutable Secret', async () => {
    await post('/api/v1/namespaces/sem/secrets', {
      metadata: { name: 'frozen' },
      immutable: true,
      stringData: { a: 'b' },
    });
    const changed = await patch('/api/v1/namespaces/sem/secrets/frozen', {
      stringData: { a: 'c' },
    });
    expect(changed.httpStatus).toBe(422);
    expect(changed.message).toBe(
      'Secret "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set',
    );
  });

  it('lists by label and field selectors', async () => {
    await post('/api/v1/namespaces/sem/secrets', {
      metadata: { name: 'l1', labels: { tier: 'db', env: 'prod' } },
    });
    await post('/api/v1/namespaces/sem/secrets', {
      metadata: { name: 'l2', labels: { tier: 'web' } },
    });
    const names = async (query: string) =>
      (await get(`/api/v1/namespaces/sem/secrets?${query}`)).items.map(
        (item: any) => item.metadata.name,
      );
    expect(await names('labelSelector=tier%3Ddb')).toEqual(['l1']);
    expect(await names('labelSelector=tier%20in%20(db,web),!env')).toEqual(['l2']);
    expect(await names('fieldSelector=metadata.name%3Dl2')).toEqual(['l2']);
  });

  it('gives generateName a random suffix', async () => {
    const created = await post('/api/v1/namespaces/sem/secrets', {
      metadata: { generateName: 'gen-' },
    });
    expect(created.metadata.name).toMatch(/^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });
});

describe('tokens and reviews', () => {
  async function review(token: string, audiences: string[]): Promise<any> {
    const response = await request(fixture, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      body: JSON.stringify({
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenReview',
        spec: { token, audiences },
      }),
      contentType: 'application/json',
    });
    expect(response.status).toBe(201);
    return response.json().status;
  }

  async function requestToken(name: string): Promise<string> {
    const response = await request(
      fixture,
      'POST',
      `/api/v1/namespaces/sem/serviceaccounts/${name}/token`,
      {
        body: JSON.stringify({ spec: { audiences: ['vault'], expirationSeconds: 600 } }),
        contentType: 'application/json',
      },
    );
    expect(response.status).toBe(201);
    return response.json().status.token;
  }

  it('authenticates a requested token for its audience', async () => {
    await post('/api/v1/namespaces/sem/serviceaccounts', { metadata: { name: 'robot' } });
    const token = await requestToken('robot');
    const accepted = await review(token, ['vault']);
    expect(accepted.authenticated).toBe(true);
    expect(accepted.user.username).toBe('system:serviceaccount:sem:robot');
    expect(accepted.user.groups).toEqual([
      'system:serviceaccounts',
      'system:serviceaccounts:sem',
      'system:authenticated',
    ]);
    expect(accepted.audiences).toEqual(['vault']);

    const wrongAudience = await review(token, ['other']);
    expect(wrongAudience.authenticated).toBeUndefined();
    expect(wrongAudience.error).toBe(
      '[invalid bearer token, token audiences ["vault"] is invalid for the target audiences ["other"]]',
    );
  });

  it('rejects the token of a recreated service account', async () => {
    await post('/api/v1/namespaces/sem/serviceaccounts', { metadata: { name: 'phoenix' } });
    const token = await requestToken('phoenix');
    await remove('/api/v1/namespaces/sem/serviceaccounts/phoenix');
    await post('/api/v1/namespaces/sem/serviceaccounts', { metadata: { name: 'phoenix' } });
    const rejected = await review(token, ['vault']);
    expect(rejected.authenticated).toBeUndefined();
    expect(rejected.error).toBe(
      '[invalid bearer token, service account token has been invalidated]',
    );
  });

  it('rejects a token request shorter than ten minutes', async () => {
    const response = await request(
      fixture,
      'POST',
      '/api/v1/namespaces/sem/serviceaccounts/robot/token',
      {
        body: JSON.stringify({ spec: { expirationSeconds: 60 } }),
        contentType: 'application/json',
      },
    );
    expect(response.status).toBe(422);
    expect(response.json().message).toContain(
      'spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 600 seconds',
    );
  });

  it('forbids impersonation without the impersonate verb', async () => {
    const token = (await fixture.server.issueServiceAccountToken('sem', 'robot', {})).token;
    const response = await request(fixture, 'GET', '/api/v1/namespaces/sem/secrets', {
      token,
      headers: { 'impersonate-user': 'admin' },
    });
    expect(response.status).toBe(403);
    expect(response.json().message).toBe(
      'users "admin" is forbidden: User "system:serviceaccount:sem:robot" cannot impersonate resource "users" in API group "" at the cluster scope',
    );
  });

  it('aggregates rules into the view ClusterRole', async () => {
    await post('/apis/rbac.authorization.k8s.io/v1/clusterroles', {
      metadata: {
        name: 'widgets-view',
        labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' },
      },
      rules: [{ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get'] }],
    });
    await waitFor(
      async () =>
        (await get('/apis/rbac.authorization.k8s.io/v1/clusterroles/view')).rules.some(
          (rule: any) => rule.resources?.includes('widgets'),
        ) || undefined,
      'the widgets rule in view',
    );
    const admin = await get('/apis/rbac.authorization.k8s.io/v1/clusterroles/admin');
    expect(admin.rules.some((rule: any) => rule.resources?.includes('widgets'))).toBe(true);
  });
});

describe('persistence', () => {
  it('writes the state on close and reads it back on start', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'kube-data-'));
    try {
      const first = await startKube({ dataDir });
      const secrets = first.api.registry.get('', 'v1', 'secrets')!;
      await first.api.create(
        secrets,
        'default',
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'kept' }, data: { a: 'Yg==' } },
        { user: { username: 'test', groups: ['system:masters'] } },
      );
      const token = first.adminToken;
      await first.close();
      const stored = JSON.parse(await readFile(path.join(dataDir, 'kube-state.json'), 'utf8'));
      expect(stored.format).toBe(1);

      const second = await startKube({ dataDir });
      expect(second.adminToken).toBe(token);
      expect(second.api.get(secrets, 'default', 'kept').data).toEqual({ a: 'Yg==' });
      await second.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
