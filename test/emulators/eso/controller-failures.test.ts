/**
 * The four failures of the secrets lifecycle as ESO reports them, against
 * the embedded Kubernetes API and Vault: an expired or revoked token,
 * missing RBAC, a wrong path or version, and a dropped connection to Vault.
 * Each checks the Ready condition, the event text word for word where ESO's
 * text is fixed, the store gate, and that the Secret stays as it was.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { externalSecret, kubernetesStore, tokenSecret, tokenStore } from './fixtures/objects.ts';
import { type Platform, startPlatform, waitFor } from './fixtures/platform.ts';
import { eventsFor, getObject, ready, secretValues } from './fixtures/read.ts';

const NS = 'basecamp';
let platform: Platform;
let vaultUrl: string;

/** Listens on Vault's port on 127.0.0.2, accepts and never responds, like a dropped packet seen from the client. */
let blackHole: net.Server;
const heldSockets = new Set<net.Socket>();
let maxOpenSockets = 0;

beforeAll(async () => {
  platform = await startPlatform();
  vaultUrl = platform.vaultServiceUrl;
  blackHole = net.createServer((socket) => {
    // Reading (and dropping) the bytes lets the socket see the client's close.
    socket.resume();
    heldSockets.add(socket);
    maxOpenSockets = Math.max(maxOpenSockets, heldSockets.size);
    socket.on('close', () => heldSockets.delete(socket));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => blackHole.listen(platform.vault.port, '127.0.0.2', resolve));

  const created = await platform.vaultCall('POST', 'auth/token/create', {
    policies: ['eso-read'],
    ttl: '1h',
  });
  await platform.apply([tokenSecret(NS, created.body.auth.client_token)]);
  await platform.vaultCall('POST', 'secret/data/basecamp/config', { data: { greeting: 'hello' } });
  await platform.apply([tokenStore('vault-token-store', NS, vaultUrl, platform.caBundle)]);
  // Stores are validated again only when a test asks (reconcileNow), so a periodic
  // store check never opens a second Vault connection during the one-at-a-time test.
  await platform.startController({ storeRequeueMs: 600_000 });
  await waitFor(
    () => getObject(platform, 'secretstore', NS, 'vault-token-store'),
    (store) => ready(store)?.status === 'True',
  );
});

afterAll(async () => {
  for (const socket of heldSockets) socket.destroy();
  await new Promise((resolve) => blackHole?.close(resolve));
  await platform?.close();
});

const greeting = [
  { secretKey: 'greeting', remoteRef: { key: 'basecamp/config', property: 'greeting' } },
];

const failedEvent = async (name: string, match: (message: string) => boolean) => {
  const events = await waitFor(
    () => eventsFor(platform, NS, name),
    (list) => list.some((event) => event.reason === 'UpdateFailed' && match(event.message)),
  );
  return events.find((event) => event.reason === 'UpdateFailed' && match(event.message));
};

const storeEvent = async (name: string, match: (message: string) => boolean) => {
  const events = await waitFor(
    () => eventsFor(platform, NS, name),
    (list) =>
      list.some((event) => event.reason === 'InvalidProviderConfig' && match(event.message)),
  );
  return events.find((event) => event.reason === 'InvalidProviderConfig' && match(event.message));
};

/** Vault's error list for a request, formatted as api/response.go prints it. */
const vaultErrors = async (method: string, apiPath: string, token: string) => {
  const answer = await platform.vaultCall(method, apiPath, undefined, token);
  expect(answer.status).toBe(403);
  return (answer.body.errors as string[]).map((error) => `* ${error}`).join('\n');
};

const forceSync = (name: string, value: string) =>
  platform.kubectl(
    'annotate',
    'externalsecret',
    name,
    '-n',
    NS,
    `force-sync=${value}`,
    '--overwrite',
  );

describe('wrong path, version or property', () => {
  it('missing path reads as Secret does not exist', async () => {
    await platform.apply([
      externalSecret('wrong-path', NS, {
        data: [{ secretKey: 'x', remoteRef: { key: 'basecamp/nope', property: 'x' } }],
      }),
    ]);
    const event = await failedEvent('wrong-path', (message) => message.includes('does not exist'));
    expect(event?.type).toBe('Warning');
    expect(event?.message).toBe(
      'error processing spec.data[0] (key: basecamp/nope), err: Secret does not exist',
    );
    const es = await getObject(platform, 'externalsecret', NS, 'wrong-path');
    expect(ready(es)).toMatchObject({
      status: 'False',
      reason: 'SecretSyncedError',
      message: 'could not get secret data from provider',
    });
    expect(es.status.refreshTime ?? null).toBeNull();
  });

  it('KV version mismatch reads as missing', async () => {
    await platform.apply([
      tokenStore('v1-on-v2', NS, vaultUrl, platform.caBundle, { version: 'v1' }),
      externalSecret('version-mismatch', NS, {
        secretStoreRef: { name: 'v1-on-v2', kind: 'SecretStore' },
        data: greeting,
      }),
    ]);
    const event = await failedEvent('version-mismatch', (message) =>
      message.includes('does not exist'),
    );
    expect(event?.message).toBe(
      'error processing spec.data[0] (key: basecamp/config), err: Secret does not exist',
    );
    await platform.kubectl('delete', 'externalsecret', 'version-mismatch', '-n', NS);
  });

  it('missing property names the key', async () => {
    await platform.apply([
      externalSecret('wrong-property', NS, {
        data: [{ secretKey: 'p', remoteRef: { key: 'basecamp/config', property: 'p' } }],
      }),
    ]);
    const event = await failedEvent('wrong-property', (message) => message.includes('cannot find'));
    expect(event?.message).toBe(
      'error processing spec.data[0] (key: basecamp/config), err: cannot find secret data for key: "p"',
    );
    await platform.kubectl('delete', 'externalsecret', 'wrong-property', '-n', NS);
  });

  it('backs off a failing item by doubling', async () => {
    const retries = await waitFor(
      async () =>
        platform.logs
          .map((line) => JSON.parse(line))
          .filter(
            (entry) =>
              entry.msg === 'Reconciler error' &&
              entry.ExternalSecret?.name === 'wrong-path' &&
              entry.ExternalSecret?.namespace === NS,
          )
          .map((entry) => entry.retryInMs as number),
      (list) => list.length >= 5,
    );
    expect(retries.slice(0, 5)).toEqual([100, 200, 400, 800, 1000]);
    await platform.kubectl('delete', 'externalsecret', 'wrong-path', '-n', NS);
  });
});

describe('expired or revoked token', () => {
  it('turns the ExternalSecret, then the store, then the gate', async () => {
    const created = await platform.vaultCall('POST', 'auth/token/create', {
      policies: ['eso-read'],
      ttl: '1h',
    });
    const token = created.body.auth.client_token as string;
    await platform.apply([
      tokenSecret(NS, token, 'revocable-token'),
      tokenStore('revocable', NS, vaultUrl, platform.caBundle, {}, 'revocable-token'),
    ]);
    await waitFor(
      () => getObject(platform, 'secretstore', NS, 'revocable'),
      (store) => ready(store)?.status === 'True',
    );
    await platform.apply([
      externalSecret('revoked', NS, {
        secretStoreRef: { name: 'revocable', kind: 'SecretStore' },
        data: greeting,
      }),
    ]);
    const synced = await waitFor(
      () => getObject(platform, 'externalsecret', NS, 'revoked'),
      (es) => ready(es)?.status === 'True',
    );
    const refreshTime = synced.status.refreshTime;

    await platform.vaultCall('POST', 'auth/token/revoke', { token });
    // The expected texts quote Vault's own error list for the same requests.
    const readErrors = await vaultErrors('GET', 'secret/data/basecamp/config', token);
    const lookupErrors = await vaultErrors('GET', 'auth/token/lookup-self', token);
    await forceSync('revoked', '1');
    const readEvent = await failedEvent('revoked', (message) => message.includes('403'));
    expect(readEvent?.message).toBe(
      `error processing spec.data[0] (key: basecamp/config), err: cannot read secret data from Vault: Error making API request.\n\nURL: GET ${vaultUrl}/v1/secret/data/basecamp/config\nCode: 403. Errors:\n\n${readErrors}`,
    );
    expect(readErrors).toContain('permission denied');

    await platform.eso?.reconcileNow('SecretStore', NS, 'revocable').catch(() => {});
    const store = await getObject(platform, 'secretstore', NS, 'revocable');
    expect(ready(store)).toMatchObject({
      status: 'False',
      reason: 'InvalidProviderConfig',
      message: 'unable to validate store',
    });
    const event = await storeEvent('revocable', () => true);
    expect(event?.type).toBe('Warning');
    expect(event?.message).toBe(
      `invalid vault credentials: Error making API request.\n\nURL: GET ${vaultUrl}/v1/auth/token/lookup-self\nCode: 403. Errors:\n\n${lookupErrors}`,
    );

    await forceSync('revoked', '2');
    const gate = await failedEvent(
      'revoked',
      (message) =>
        message ===
        'error processing spec.data[0] (key: basecamp/config), err: SecretStore "revocable" is not ready',
    );
    expect(gate).toBeDefined();
    const after = await getObject(platform, 'externalsecret', NS, 'revoked');
    expect(after.status.refreshTime).toBe(refreshTime);
    expect(await secretValues(platform, NS, 'revoked')).toEqual({ greeting: 'hello' });
    await platform.kubectl('delete', 'externalsecret', 'revoked', '-n', NS);
    await platform.kubectl('delete', 'secretstore', 'revocable', '-n', NS);
  });
});

describe('dropped connection to Vault', () => {
  it('ends in context deadline exceeded and recovers', async () => {
    await platform.apply([externalSecret('dropped', NS, { data: greeting })]);
    await waitFor(
      () => getObject(platform, 'externalsecret', NS, 'dropped'),
      (es) => ready(es)?.status === 'True',
    );

    platform.vaultAddress = '127.0.0.2';
    await forceSync('dropped', '1');
    const event = await failedEvent('dropped', (message) => message.includes('deadline'));
    expect(event?.message).toBe(
      'error processing spec.data[0] (key: basecamp/config), err: context deadline exceeded',
    );
    expect(await secretValues(platform, NS, 'dropped')).toEqual({ greeting: 'hello' });

    await platform.eso?.reconcileNow('SecretStore', NS, 'vault-token-store').catch(() => {});
    const storeFailure = await storeEvent('vault-token-store', (message) =>
      message.includes('deadline'),
    );
    expect(storeFailure?.message).toBe('invalid vault credentials: context deadline exceeded');

    platform.vaultAddress = '127.0.0.1';
    await platform.eso?.reconcileNow('SecretStore', NS, 'vault-token-store');
    await platform.vaultCall('POST', 'secret/data/basecamp/config', {
      data: { greeting: 'after' },
    });
    await forceSync('dropped', '2');
    const values = await waitFor(
      () => secretValues(platform, NS, 'dropped'),
      (data) => data?.greeting === 'after',
    );
    expect(values).toEqual({ greeting: 'after' });
  });

  it('blocks one reconcile at a time', async () => {
    await platform.apply([
      externalSecret('serial-a', NS, { data: greeting }),
      externalSecret('serial-b', NS, { data: greeting }),
    ]);
    for (const name of ['serial-a', 'serial-b']) {
      await waitFor(
        () => getObject(platform, 'externalsecret', NS, name),
        (es) => ready(es)?.status === 'True',
      );
    }
    maxOpenSockets = 0;
    platform.vaultAddress = '127.0.0.2';
    await Promise.all([forceSync('serial-a', '1'), forceSync('serial-b', '1')]);
    await failedEvent('serial-a', (message) => message.includes('deadline'));
    await failedEvent('serial-b', (message) => message.includes('deadline'));
    platform.vaultAddress = '127.0.0.1';
    expect(maxOpenSockets).toBe(1);
  });
});

describe('missing RBAC', () => {
  it('role bound to another service account', async () => {
    await platform.apply([
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'other', namespace: NS } },
      kubernetesStore('wrong-account', NS, vaultUrl, platform.caBundle, 'other'),
    ]);
    const event = await storeEvent('wrong-account', () => true);
    expect(event?.message).toContain(
      `unable to log in to auth method: unable to log in with Kubernetes auth: Error making API request.\n\nURL: PUT ${vaultUrl}/v1/auth/kubernetes/login\nCode: 403. Errors:\n\n*`,
    );
    expect(event?.message).toContain('service account name not authorized');
    const store = await getObject(platform, 'secretstore', NS, 'wrong-account');
    expect(ready(store)).toMatchObject({
      status: 'False',
      reason: 'InvalidProviderConfig',
      message: 'unable to create client',
    });
  });

  it('reviewer without system:auth-delegator gets a plain 403', async () => {
    await platform.kubectl('delete', 'clusterrolebinding', 'vault-token-reviewer');
    try {
      await platform.apply([kubernetesStore('no-reviewer', NS, vaultUrl, platform.caBundle)]);
      const event = await storeEvent('no-reviewer', () => true);
      expect(event?.message).toBe(
        `unable to log in to auth method: unable to log in with Kubernetes auth: Error making API request.\n\nURL: PUT ${vaultUrl}/v1/auth/kubernetes/login\nCode: 403. Errors:\n\n* permission denied`,
      );
    } finally {
      await platform.apply([
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          metadata: { name: 'vault-token-reviewer' },
          roleRef: {
            apiGroup: 'rbac.authorization.k8s.io',
            kind: 'ClusterRole',
            name: 'system:auth-delegator',
          },
          subjects: [{ kind: 'ServiceAccount', name: 'vault', namespace: 'vault' }],
        },
      ]);
    }
  });

  it('controller without access to the token Secret', async () => {
    const role = JSON.parse(
      await platform.kubectl('get', 'clusterrole', 'external-secrets-controller', '-o', 'json'),
    );
    const withoutSecrets = {
      apiVersion: role.apiVersion,
      kind: role.kind,
      metadata: { name: role.metadata.name },
      rules: role.rules.filter(
        (rule: { resources: string[] }) => !rule.resources.includes('secrets'),
      ),
    };
    await platform.apply([withoutSecrets]);
    try {
      await platform.apply([tokenStore('forbidden', NS, vaultUrl, platform.caBundle)]);
      const event = await storeEvent('forbidden', () => true);
      expect(event?.message).toBe(
        'cannot get Kubernetes secret "vault-token" from namespace "basecamp": secrets "vault-token" is forbidden: User "system:serviceaccount:external-secrets:external-secrets" cannot get resource "secrets" in API group "" in the namespace "basecamp"',
      );
      const store = await getObject(platform, 'secretstore', NS, 'forbidden');
      expect(ready(store)).toMatchObject({
        status: 'False',
        reason: 'InvalidProviderConfig',
        message: 'unable to create client',
      });
    } finally {
      await platform.kubectl('apply', '-f', 'lab/basecamp/manifests/20-external-secrets-rbac.yaml');
    }
  });
});
