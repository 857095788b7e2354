// The embedded basecamp end to end, on real processes: the supervisor runs in
// this process (as `lab run` starts it), PostgreSQL and the two service pods
// are child processes, and every check goes through the public endpoints.
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CustomObjectsApi, RbacAuthorizationV1Api, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcess } from '../../lab/basecamp/embedded/index.ts';
import { vaultCaller } from '../../lab/basecamp/vault-setup.ts';
import type { Basecamp } from '../../lab/basecamp/types.ts';
import { type ClusterClient, clusterClientFromFile } from '../../lab/emulators/kubelet/cluster-client.ts';

const execFileAsync = promisify(execFile);
let stateDir: string;
let basecamp: Basecamp;
let client: ClusterClient;
let custom: CustomObjectsApi;
let vault: ReturnType<typeof vaultCaller>;
const logLines: string[] = [];

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

async function externalSecretReady(name: string): Promise<Condition | undefined> {
  const object = (await custom.getNamespacedCustomObject({ group: 'external-secrets.io', version: 'v1', namespace: 'basecamp', plural: 'externalsecrets', name })) as {
    status?: { conditions?: Condition[] };
  };
  return object.status?.conditions?.find((condition) => condition.type === 'Ready');
}

/** `kubectl annotate ... force-sync=<now>`, as a user forces ESO to sync; the real kubectl with a private HOME and cache. */
async function forceSync(name: string): Promise<void> {
  await execFileAsync('kubectl', ['annotate', 'externalsecret', name, '-n', 'basecamp', `force-sync=${Date.now()}`, '--overwrite'], {
    env: { PATH: process.env.PATH, HOME: join(stateDir, 'home'), KUBECACHEDIR: join(stateDir, 'kube-cache'), KUBECONFIG: basecamp.endpoints.kubeconfig },
  });
}

/** Polls `check` every 250 ms until it returns a value other than undefined, or fails after `timeoutMs`. */
async function eventually<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

async function appPods(): Promise<V1Pod[]> {
  return (await client.core.listNamespacedPod({ namespace: 'basecamp', labelSelector: 'app.kubernetes.io/name=app' })).items;
}

async function secretData(name: string): Promise<Record<string, string>> {
  const secret = await client.core.readNamespacedSecret({ namespace: 'basecamp', name });
  return Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
}

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'lab-e2e-'));
  // PostgreSQL runs as the postgres user when the tests run as root: it must pass through this folder.
  await chmod(stateDir, 0o755);
  basecamp = await startInProcess({
    stateDir: join(stateDir, 'state'),
    log: (line) => logLines.push(line),
    volumeSyncDelayMs: 0,
    esoVaultTimeoutMs: 3_000,
    readyTimeoutMs: 120_000,
  });
  client = clusterClientFromFile(basecamp.endpoints.kubeconfig);
  custom = client.config.makeApiClient(CustomObjectsApi);
  const token = (await readFile(basecamp.endpoints.vault.tokenFile, 'utf8')).trim();
  vault = vaultCaller({ addr: basecamp.endpoints.vault.addr, caCertPem: await readFile(basecamp.endpoints.vault.caCert as string, 'utf8'), rootToken: token });
}, 180_000);

afterAll(async () => {
  await basecamp?.stop();
  await rm(stateDir, { recursive: true, force: true });
}, 60_000);

describe('embedded basecamp', () => {
  it('syncs the database credential from Vault', async () => {
    expect((await externalSecretReady('app-db'))?.status).toBe('True');
    const fromVault = (await vault('GET', 'database/static-creds/app')) as { data: { username: string; password: string } };
    const secret = await secretData('app-db');
    expect(secret.username).toBe('app');
    expect(secret.password).toBe(fromVault.data.password);
  });

  it('serves rows through the NodePort', async () => {
    const response = await fetch(`${basecamp.endpoints.serviceUrl}/items`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { user: string; items: unknown[] };
    expect(body.user).toBe('app');
    expect(body.items.length).toBeGreaterThan(0);
  });

  it('rotates without restart or failed request', async () => {
    const before = await appPods();
    const failures: string[] = [];
    let requests = 0;
    let streaming = true;
    const stream = (async () => {
      while (streaming) {
        requests += 1;
        const response = await fetch(`${basecamp.endpoints.serviceUrl}/items`).catch(() => undefined);
        if (response?.status !== 200) failures.push(`${response?.status ?? 'no response'} ${await response?.text()}`);
        else await response.body?.cancel();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const oldPassword = (await secretData('app-db')).password;

    await vault('POST', 'database/rotate-role/app');
    await forceSync('app-db');
    await eventually('the Secret to carry the rotated password', 20_000, async () => ((await secretData('app-db')).password !== oldPassword ? true : undefined));
    // Both replicas must have opened a pool with the new password; the NodePort alternates between them.
    await eventually('both pods to reload their credentials', 20_000, async () => {
      const generations = new Set<number>();
      for (let i = 0; i < 6; i++) {
        const body = (await (await fetch(`${basecamp.endpoints.serviceUrl}/items`)).json()) as { generation: number };
        generations.add(body.generation);
      }
      return [...generations].every((generation) => generation >= 2) ? true : undefined;
    });
    // A fast rotation can finish within a handful of requests; keep the stream
    // going until it has covered the time after the reload too.
    const seen = requests;
    await eventually('the stream to run on after the reload', 20_000, async () => (requests >= seen + 30 ? true : undefined));
    streaming = false;
    await stream;

    const after = await appPods();
    expect(after.map((pod) => pod.metadata?.uid).sort()).toEqual(before.map((pod) => pod.metadata?.uid).sort());
    expect(after.map((pod) => pod.status?.containerStatuses?.[0]?.restartCount)).toEqual([0, 0]);
    expect(requests).toBeGreaterThan(10);
    expect(failures).toEqual([]);
  }, 60_000);

  it('drops ESO egress when the allow policy goes', async () => {
    const saved = await client.networking.readNamespacedNetworkPolicy({ namespace: 'external-secrets', name: 'allow-egress-to-vault' });
    await client.networking.deleteNamespacedNetworkPolicy({ namespace: 'external-secrets', name: 'allow-egress-to-vault' });
    try {
      await forceSync('app-config');
      // Each dropped attempt waits out ESO's Vault timeout (3 s in this test) and
      // its retries, and the worker may be busy with another item first.
      const failed = await eventually('SecretSyncedError', 90_000, async () => {
        const ready = await externalSecretReady('app-config');
        return ready?.status === 'False' ? ready : undefined;
      });
      expect(failed.reason).toBe('SecretSyncedError');
      // The store revalidates every 10 s, so its own attempt may time out first: then the store's
      // event carries the deadline and the ExternalSecret reports that the store is not ready.
      const deadline = await eventually('a context deadline exceeded event', 30_000, async () => {
        const events = await client.core.listNamespacedEvent({ namespace: 'basecamp' });
        return events.items.find(
          (event) => ['app-config', 'vault-kv'].includes(event.involvedObject.name ?? '') && (event.message ?? '').includes('context deadline exceeded'),
        );
      });
      expect(deadline.type).toBe('Warning');
    } finally {
      const { metadata, spec } = saved;
      await client.networking.createNamespacedNetworkPolicy({ namespace: 'external-secrets', body: { metadata: { name: metadata?.name, namespace: metadata?.namespace, labels: metadata?.labels }, spec } });
    }
    await forceSync('app-config');
    const recovered = await eventually('Ready again', 40_000, async () => ((await externalSecretReady('app-config'))?.status === 'True' ? true : undefined));
    expect(recovered).toBe(true);
  }, 180_000);

  it('fails login without the reviewer binding', async () => {
    const rbac = client.config.makeApiClient(RbacAuthorizationV1Api);
    const saved = await rbac.readClusterRoleBinding({ name: 'vault-token-reviewer' });
    await rbac.deleteClusterRoleBinding({ name: 'vault-token-reviewer' });
    try {
      await forceSync('app-config');
      const message = await eventually('the login 403 event', 30_000, async () => {
        const events = await client.core.listNamespacedEvent({ namespace: 'basecamp' });
        return events.items.map((event) => event.message ?? '').find((text) => text.includes('auth/kubernetes/login') && text.includes('Code: 403'));
      });
      expect(message).toContain('permission denied');
    } finally {
      await rbac.createClusterRoleBinding({ body: { metadata: { name: 'vault-token-reviewer', labels: saved.metadata?.labels }, roleRef: saved.roleRef, subjects: saved.subjects } });
    }
  }, 60_000);

  it('rolls out env mode, waiting on a bad key', async () => {
    const base = [
      { name: 'PORT', value: '8080' },
      { name: 'DB_HOST', value: 'postgres.basecamp.svc' },
      { name: 'DB_NAME', value: 'app' },
      { name: 'CREDENTIALS_MODE', value: 'env' },
      { name: 'DB_USERNAME', valueFrom: { secretKeyRef: { name: 'app-db', key: 'username' } } },
    ];
    const setEnv = (password: object) =>
      client.apps.patchNamespacedDeployment({
        namespace: 'basecamp',
        name: 'app',
        body: [{ op: 'replace', path: '/spec/template/spec/containers/0/env', value: [...base, { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: password } }] }],
      });
    const before = new Set((await appPods()).map((pod) => pod.metadata?.uid));

    await setEnv({ name: 'app-db', key: 'nope' });
    const waiting = await eventually('a pod in CreateContainerConfigError', 30_000, async () =>
      (await appPods()).map((pod) => pod.status?.containerStatuses?.[0]?.state?.waiting).find((state) => state?.reason === 'CreateContainerConfigError'),
    );
    expect(waiting.message).toBe("couldn't find key nope in Secret basecamp/app-db");
    // maxUnavailable 0: the old pods keep serving while the new one cannot start.
    expect((await fetch(`${basecamp.endpoints.serviceUrl}/items`)).status).toBe(200);

    await setEnv({ name: 'app-db', key: 'password' });
    const rolled = await eventually('the rollout to finish', 60_000, async () => {
      const pods = (await appPods()).filter((pod) => !pod.metadata?.deletionTimestamp);
      const fresh = pods.filter((pod) => !before.has(pod.metadata?.uid) && pod.status?.containerStatuses?.[0]?.ready);
      return pods.length === 2 && fresh.length === 2 ? pods : undefined;
    });
    expect(rolled).toHaveLength(2);
    const response = await fetch(`${basecamp.endpoints.serviceUrl}/items`);
    expect(response.status).toBe(200);
  }, 120_000);
});
