// @kubernetes/client-node 1.4 against the embedded API server: the calls
// the lab's controllers make, with the status codes kube-apiserver returns.
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KubeFixture, startFixture, waitFor } from './helpers.ts';

let fixture: KubeFixture;
let core: k8s.CoreV1Api;
let apps: k8s.AppsV1Api;

beforeAll(async () => {
  fixture = await startFixture();
  core = fixture.config.makeApiClient(k8s.CoreV1Api);
  apps = fixture.config.makeApiClient(k8s.AppsV1Api);
  await core.createNamespace({ body: { metadata: { name: 'cn' } } });
});

afterAll(async () => {
  await fixture.close();
});

/** Resolves to the error's code and Status body; fails the test when the call succeeds. */
async function failure(call: Promise<unknown>): Promise<{ code: number; body: any }> {
  try {
    await call;
  } catch (error) {
    return statusOf(error);
  }
  throw new Error('expected the API call to fail, but it succeeded');
}

function statusOf(error: unknown): { code: number; body: any } {
  const apiError = error as { code?: number; body?: unknown };
  const body = typeof apiError.body === 'string' ? JSON.parse(apiError.body) : apiError.body;
  return { code: apiError.code ?? 0, body };
}

describe('client-node CRUD', () => {
  it('creates, reads, replaces and deletes a Secret', async () => {
    const created = await core.createNamespacedSecret({
      namespace: 'cn',
      body: { metadata: { name: 'db' }, stringData: { password: 'p1' } },
    });
    expect(created.data).toEqual({ password: Buffer.from('p1').toString('base64') });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);

    const read = await core.readNamespacedSecret({ namespace: 'cn', name: 'db' });
    expect(read.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);

    read.data = { password: Buffer.from('p2').toString('base64') };
    const replaced = await core.replaceNamespacedSecret({
      namespace: 'cn',
      name: 'db',
      body: read,
    });
    expect(Number(replaced.metadata?.resourceVersion)).toBeGreaterThan(
      Number(created.metadata?.resourceVersion),
    );

    await core.deleteNamespacedSecret({ namespace: 'cn', name: 'db' });
    const missing = await failure(core.readNamespacedSecret({ namespace: 'cn', name: 'db' }));
    expect(missing).toMatchObject({
      code: 404,
      body: { reason: 'NotFound', message: 'secrets "db" not found' },
    });
  });

  it('answers a stale resourceVersion with 409 Conflict', async () => {
    const created = await core.createNamespacedConfigMap({
      namespace: 'cn',
      body: { metadata: { name: 'conf' }, data: { a: '1' } },
    });
    await core.replaceNamespacedConfigMap({
      namespace: 'cn',
      name: 'conf',
      body: { ...created, data: { a: '2' } },
    });
    const stale = await failure(
      core.replaceNamespacedConfigMap({
        namespace: 'cn',
        name: 'conf',
        body: { ...created, data: { a: '3' } },
      }),
    );
    expect(stale.code).toBe(409);
    expect(stale.body.message).toBe(
      'Operation cannot be fulfilled on configmaps "conf": the object has been modified; please apply your changes to the latest version and try again',
    );
  });

  it('creates a second object with the same name as 409 AlreadyExists', async () => {
    await core.createNamespacedServiceAccount({
      namespace: 'cn',
      body: { metadata: { name: 'twice' } },
    });
    const again = await failure(
      core.createNamespacedServiceAccount({
        namespace: 'cn',
        body: { metadata: { name: 'twice' } },
      }),
    );
    expect(again).toMatchObject({
      code: 409,
      body: { reason: 'AlreadyExists', message: 'serviceaccounts "twice" already exists' },
    });
  });
});

describe('client-node patches', () => {
  const deployment = (name: string): k8s.V1Deployment => ({
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image: 'node:20', env: [{ name: 'A', value: '1' }] }] },
      },
    },
  });

  it('applies a JSON patch, the client default', async () => {
    await apps.createNamespacedDeployment({ namespace: 'cn', body: deployment('jp') });
    const patched = await apps.patchNamespacedDeployment({
      namespace: 'cn',
      name: 'jp',
      body: [{ op: 'replace', path: '/spec/replicas', value: 3 }],
    });
    expect(patched.spec?.replicas).toBe(3);
    expect(patched.metadata?.generation).toBe(2);
  });

  it('applies a merge patch', async () => {
    await apps.createNamespacedDeployment({ namespace: 'cn', body: deployment('mp') });
    const patched = await apps.patchNamespacedDeployment(
      { namespace: 'cn', name: 'mp', body: { metadata: { labels: { tier: 'web' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    expect(patched.metadata?.labels).toEqual({ tier: 'web' });
    expect(patched.metadata?.generation).toBe(1);
  });

  it('applies a strategic merge patch that merges env by name', async () => {
    await apps.createNamespacedDeployment({ namespace: 'cn', body: deployment('smp') });
    const body = {
      spec: {
        template: { spec: { containers: [{ name: 'web', env: [{ name: 'B', value: '2' }] }] } },
      },
    };
    const patched = await apps.patchNamespacedDeployment(
      { namespace: 'cn', name: 'smp', body },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
    );
    expect(patched.spec?.template.spec?.containers[0]?.env).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '2' },
    ]);
    expect(patched.spec?.template.spec?.containers[0]?.image).toBe('node:20');
  });

  it('applies a server-side apply patch that creates the object', async () => {
    const body = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'applied', namespace: 'cn' },
      data: { k: 'v' },
    };
    const created = await core.patchNamespacedConfigMap(
      { namespace: 'cn', name: 'applied', body, fieldManager: 'test' },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply),
    );
    expect(created.data).toEqual({ k: 'v' });
  });
});

describe('client-node RBAC', () => {
  it('forbids an unbound service account', async () => {
    await core.createNamespacedServiceAccount({
      namespace: 'cn',
      body: { metadata: { name: 'reader' } },
    });
    const issued = await fixture.server.issueServiceAccountToken('cn', 'reader', {});
    const config = new k8s.KubeConfig();
    config.loadFromOptions({
      clusters: [
        {
          name: 'c',
          server: fixture.server.url,
          caData: Buffer.from(fixture.server.caCertPem).toString('base64'),
        },
      ],
      users: [{ name: 'u', token: issued.token }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const limited = config.makeApiClient(k8s.CoreV1Api);
    const denied = await failure(limited.listNamespacedSecret({ namespace: 'cn' }));
    expect(denied.code).toBe(403);
    expect(denied.body.message).toBe(
      'secrets is forbidden: User "system:serviceaccount:cn:reader" cannot list resource "secrets" in API group "" in the namespace "cn"',
    );
    const named = await failure(limited.readNamespacedSecret({ namespace: 'cn', name: 'x' }));
    expect(named.body.message).toBe(
      'secrets "x" is forbidden: User "system:serviceaccount:cn:reader" cannot get resource "secrets" in API group "" in the namespace "cn"',
    );
  });
});

describe('client-node watch', () => {
  it('receives ADDED, MODIFIED and DELETED in order', async () => {
    const events: string[] = [];
    const watch = new k8s.Watch(fixture.config);
    const request = await watch.watch(
      '/api/v1/namespaces/cn/configmaps',
      { labelSelector: 'watched=yes' },
      (type, object) => events.push(`${type} ${object.metadata.name}`),
      () => {},
    );
    await core.createNamespacedConfigMap({
      namespace: 'cn',
      body: { metadata: { name: 'w1', labels: { watched: 'yes' } } },
    });
    await core.createNamespacedConfigMap({
      namespace: 'cn',
      body: { metadata: { name: 'ignored' } },
    });
    await core.patchNamespacedConfigMap({
      namespace: 'cn',
      name: 'w1',
      body: [{ op: 'add', path: '/data', value: { a: 'b' } }],
    });
    await core.deleteNamespacedConfigMap({ namespace: 'cn', name: 'w1' });
    await waitFor(() => events.length >= 3 || undefined, 'three watch events');
    request.abort();
    expect(events).toEqual(['ADDED w1', 'MODIFIED w1', 'DELETED w1']);
  });

  it('sends 410 Expired for a compacted resourceVersion', async () => {
    const list = await core.listNamespacedConfigMap({ namespace: 'cn' });
    const old = list.metadata?.resourceVersion ?? '1';
    await core.createNamespacedConfigMap({
      namespace: 'cn',
      body: { metadata: { name: 'after-compaction' } },
    });
    fixture.server.compactWatchHistory();
    const events: Array<{ type: string; object: any }> = [];
    const watch = new k8s.Watch(fixture.config);
    let done: (value: unknown) => void = () => {};
    const finished = new Promise((resolve) => {
      done = resolve;
    });
    await watch.watch(
      '/api/v1/namespaces/cn/configmaps',
      { resourceVersion: old },
      (type, object) => events.push({ type, object }),
      done,
    );
    await finished;
    expect(events).toHaveLength(1);
    expect(events[0]?.type).toBe('ERROR');
    expect(events[0]?.object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
    expect(events[0]?.object.message).toMatch(
      new RegExp(`^too old resource version: ${old} \\(\\d+\\)$`),
    );
  });

  it('keeps an informer cache current across a watch restart with 410 relist', async () => {
    const informer = k8s.makeInformer(fixture.config, '/api/v1/namespaces/cn/secrets', () =>
      core.listNamespacedSecret({ namespace: 'cn' }),
    );
    const errors: unknown[] = [];
    informer.on('error', (error) => {
      errors.push(error);
      setTimeout(() => void informer.start(), 50);
    });
    await informer.start();
    await core.createNamespacedSecret({ namespace: 'cn', body: { metadata: { name: 'inf-1' } } });
    await waitFor(() => informer.get('inf-1', 'cn'), 'inf-1 in the informer cache');

    // End every open watch and forget the history: the informer's next watch gets 410 and relists.
    await core.createNamespacedSecret({ namespace: 'cn', body: { metadata: { name: 'inf-2' } } });
    fixture.server.compactWatchHistory();
    await closeWatches();
    await core.createNamespacedSecret({ namespace: 'cn', body: { metadata: { name: 'inf-3' } } });
    await core.deleteNamespacedSecret({ namespace: 'cn', name: 'inf-1' });

    await waitFor(
      () => (informer.get('inf-3', 'cn') && !informer.get('inf-1', 'cn')) || undefined,
      'inf-3 added and inf-1 removed',
    );
    expect(informer.get('inf-2', 'cn')?.metadata?.name).toBe('inf-2');
    const names = informer
      .list('cn')
      .map((secret) => secret.metadata?.name)
      .sort();
    expect(names).toEqual(['inf-2', 'inf-3']);
    await informer.stop();
  });
});

async function closeWatches(): Promise<void> {
  fixture.server.closeWatches();
}
