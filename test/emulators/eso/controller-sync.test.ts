/**
 * The controller against the embedded Kubernetes API and Vault: the happy
 * paths of ESO's ExternalSecret reconcile as `kubectl get`/`describe`
 * shows them (conditions, events, labels, annotations, owner references).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataHash } from '../../../lab/emulators/eso/hash.ts';
import { externalSecret, kubernetesStore, tokenSecret, tokenStore } from './fixtures/objects.ts';
import { type Platform, startPlatform, waitFor } from './fixtures/platform.ts';
import { eventsFor, getObject, ready, secretValues } from './fixtures/read.ts';

const NS = 'basecamp';
let platform: Platform;

beforeAll(async () => {
  platform = await startPlatform();
  const created = await platform.vaultCall('POST', 'auth/token/create', {
    policies: ['eso-read'],
    ttl: '1h',
  });
  await platform.apply([tokenSecret(NS, created.body.auth.client_token)]);
  await platform.vaultCall('POST', 'secret/data/basecamp/config', {
    data: { greeting: 'hello', flag: 'on', nested: { a: 'b' } },
  });
  await platform.vaultCall('PUT', 'kv/legacy', { user: 'old', pass: 'v1pass' });
  await platform.apply([
    tokenStore('vault-token-store', NS, platform.vaultServiceUrl, platform.caBundle),
  ]);
  await platform.startController({ metrics: { host: '127.0.0.1', port: 0 } });
  await waitFor(
    () => getObject(platform, 'secretstore', NS, 'vault-token-store'),
    (store) => ready(store)?.status === 'True',
  );
});

afterAll(async () => {
  await platform?.close();
});

const synced = (name: string) =>
  waitFor(
    () => getObject(platform, 'externalsecret', NS, name),
    (es) => ready(es)?.reason === 'SecretSynced',
  );

describe('ESO controller sync', () => {
  it('validates a token store', async () => {
    const store = await getObject(platform, 'secretstore', NS, 'vault-token-store');
    expect(ready(store)).toMatchObject({
      status: 'True',
      reason: 'Valid',
      message: 'store validated',
    });
    expect(store.status.capabilities).toBe('ReadWrite');
    const events = await eventsFor(platform, NS, 'vault-token-store');
    expect(
      events.some(
        (event) =>
          event.type === 'Normal' &&
          event.reason === 'Valid' &&
          event.message === 'store validated',
      ),
    ).toBe(true);
  });

  it('syncs KV v2 data into an owned Secret', async () => {
    await platform.apply([
      externalSecret('config', NS, {
        data: [
          { secretKey: 'greeting', remoteRef: { key: 'basecamp/config', property: 'greeting' } },
          { secretKey: 'inner', remoteRef: { key: 'basecamp/config', property: 'nested.a' } },
        ],
      }),
    ]);
    const es = await synced('config');
    expect(ready(es)).toMatchObject({
      status: 'True',
      reason: 'SecretSynced',
      message: 'secret synced',
    });
    expect(es.status.binding).toEqual({ name: 'config' });
    expect(es.status.syncedResourceVersion).toMatch(/^1-[0-9a-f]{32}$/);
    expect(es.status.refreshTime).toBeTruthy();

    const secret = await getObject(platform, 'secret', NS, 'config');
    expect(await secretValues(platform, NS, 'config')).toEqual({ greeting: 'hello', inner: 'b' });
    expect(secret.metadata.labels['reconcile.external-secrets.io/managed']).toBe('true');
    const expectedHash = dataHash({ greeting: Buffer.from('hello'), inner: Buffer.from('b') });
    expect(secret.metadata.annotations['reconcile.external-secrets.io/data-hash']).toBe(
      expectedHash,
    );
    expect(secret.metadata.ownerReferences).toEqual([
      expect.objectContaining({
        kind: 'ExternalSecret',
        name: 'config',
        uid: es.metadata.uid,
        controller: true,
      }),
    ]);
    const events = await eventsFor(platform, NS, 'config');
    expect(events.map((event) => `${event.type} ${event.reason} ${event.message}`)).toContain(
      'Normal Created secret created',
    );
  });

  it('prints ESO printer columns', async () => {
    await synced('config');
    const table = await platform.kubectl('get', 'externalsecrets', '-n', NS);
    const [header, ...rows] = table.trim().split('\n');
    expect(header?.split(/\s{2,}/)).toEqual([
      'NAME',
      'STORE',
      'REFRESH INTERVAL',
      'STATUS',
      'READY',
    ]);
    expect(rows.find((row) => row.startsWith('config'))?.split(/\s+/)).toEqual([
      'config',
      'vault-token-store',
      '1h',
      'SecretSynced',
      'True',
    ]);
  });

  it('force-sync annotation picks up a rotated value', async () => {
    await synced('config');
    await platform.vaultCall('POST', 'secret/data/basecamp/config', {
      data: { greeting: 'rotated', flag: 'on', nested: { a: 'b' } },
    });
    await platform.kubectl(
      'annotate',
      'externalsecret',
      'config',
      '-n',
      NS,
      'force-sync=1',
      '--overwrite',
    );
    const values = await waitFor(
      () => secretValues(platform, NS, 'config'),
      (data) => data?.greeting === 'rotated',
    );
    expect(values?.greeting).toBe('rotated');
    const events = await waitFor(
      () => eventsFor(platform, NS, 'config'),
      (list) => list.some((event) => event.reason === 'Updated'),
    );
    expect(events.find((event) => event.reason === 'Updated')).toMatchObject({
      type: 'Normal',
      message: 'secret updated',
    });
  });

  it('refreshInterval re-reads on its own', async () => {
    await platform.vaultCall('POST', 'secret/data/basecamp/periodic', { data: { value: 'one' } });
    await platform.apply([
      externalSecret('periodic', NS, {
        refreshInterval: '1s',
        data: [{ secretKey: 'value', remoteRef: { key: 'basecamp/periodic', property: 'value' } }],
      }),
    ]);
    await waitFor(
      () => secretValues(platform, NS, 'periodic'),
      (data) => data?.value === 'one',
    );
    await platform.vaultCall('POST', 'secret/data/basecamp/periodic', { data: { value: 'two' } });
    const values = await waitFor(
      () => secretValues(platform, NS, 'periodic'),
      (data) => data?.value === 'two',
    );
    expect(values?.value).toBe('two');
  });

  it('reads KV v1, a version and dataFrom extract', async () => {
    await platform.apply([
      tokenStore('kv1-store', NS, platform.vaultServiceUrl, platform.caBundle, {
        path: 'kv',
        version: 'v1',
      }),
      externalSecret('legacy', NS, {
        secretStoreRef: { name: 'kv1-store', kind: 'SecretStore' },
        data: [{ secretKey: 'pass', remoteRef: { key: 'legacy', property: 'pass' } }],
      }),
      externalSecret('versioned', NS, {
        data: [
          {
            secretKey: 'greeting',
            remoteRef: { key: 'basecamp/config', property: 'greeting', version: '1' },
          },
        ],
        dataFrom: [{ extract: { key: 'basecamp/config' } }],
      }),
    ]);
    await synced('legacy');
    expect(await secretValues(platform, NS, 'legacy')).toEqual({ pass: 'v1pass' });
    await synced('versioned');
    const values = await secretValues(platform, NS, 'versioned');
    expect(values?.flag).toBe('on');
    expect(values?.nested).toBe('{"a":"b"}');
    // ESO fetches dataFrom before data, so the data entry (version 1) wins.
    expect(values?.greeting).toBe('hello');
  });

  it('renders a template', async () => {
    await platform.apply([
      externalSecret('templated', NS, {
        target: {
          template: {
            type: 'kubernetes.io/basic-auth',
            metadata: { labels: { flag: '{{ .flag }}' } },
            data: {
              url: 'https://{{ .greeting | upper }}@example',
              encoded: '{{ .flag | b64enc }}',
            },
          },
        },
        dataFrom: [{ extract: { key: 'basecamp/config' } }],
      }),
    ]);
    await synced('templated');
    const secret = await getObject(platform, 'secret', NS, 'templated');
    expect(secret.type).toBe('kubernetes.io/basic-auth');
    expect(secret.metadata.labels.flag).toBe('on');
    expect(await secretValues(platform, NS, 'templated')).toEqual({
      url: 'https://ROTATED@example',
      encoded: 'b24=',
    });
  });

  it('creationPolicy Orphan writes no owner reference', async () => {
    await platform.apply([
      externalSecret('orphan', NS, {
        target: { creationPolicy: 'Orphan' },
        data: [{ secretKey: 'flag', remoteRef: { key: 'basecamp/config', property: 'flag' } }],
      }),
    ]);
    await synced('orphan');
    const secret = await getObject(platform, 'secret', NS, 'orphan');
    expect(secret.metadata.ownerReferences ?? []).toEqual([]);
    expect(secret.metadata.labels['reconcile.external-secrets.io/managed']).toBe('true');
  });

  it('creationPolicy None writes nothing', async () => {
    await platform.apply([
      externalSecret('none', NS, {
        target: { creationPolicy: 'None' },
        data: [{ secretKey: 'flag', remoteRef: { key: 'basecamp/config', property: 'flag' } }],
      }),
    ]);
    await synced('none');
    expect(await getObject(platform, 'secret', NS, 'none')).toBeUndefined();
  });

  it('creationPolicy Merge waits for the Secret, then merges', async () => {
    await platform.apply([
      externalSecret('merge', NS, {
        target: { creationPolicy: 'Merge' },
        data: [{ secretKey: 'flag', remoteRef: { key: 'basecamp/config', property: 'flag' } }],
      }),
    ]);
    const missing = await waitFor(
      () => getObject(platform, 'externalsecret', NS, 'merge'),
      (es) => ready(es)?.reason === 'SecretMissing',
    );
    expect(ready(missing)).toMatchObject({
      status: 'True',
      message: 'secret will not be created due to CreationPolicy=Merge',
    });
    expect(await getObject(platform, 'secret', NS, 'merge')).toBeUndefined();

    await platform.apply([
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'merge', namespace: NS },
        stringData: { own: 'kept' },
      },
    ]);
    await platform.kubectl(
      'annotate',
      'externalsecret',
      'merge',
      '-n',
      NS,
      'force-sync=1',
      '--overwrite',
    );
    const values = await waitFor(
      () => secretValues(platform, NS, 'merge'),
      (data) => data?.flag === 'on',
    );
    expect(values).toEqual({ own: 'kept', flag: 'on' });
  });

  it('deletionPolicy Delete removes the Secret with the ExternalSecret', async () => {
    await platform.apply([
      externalSecret('deleting', NS, {
        target: { deletionPolicy: 'Delete' },
        data: [{ secretKey: 'flag', remoteRef: { key: 'basecamp/config', property: 'flag' } }],
      }),
    ]);
    const es = await synced('deleting');
    expect(es.metadata.finalizers).toEqual([
      'externalsecrets.external-secrets.io/externalsecret-cleanup',
    ]);
    expect(await getObject(platform, 'secret', NS, 'deleting')).toBeDefined();
    await platform.kubectl('delete', 'externalsecret', 'deleting', '-n', NS, '--wait=false');
    const gone = await waitFor(
      async () =>
        (await getObject(platform, 'externalsecret', NS, 'deleting')) ??
        (await getObject(platform, 'secret', NS, 'deleting')),
      (object) => object === undefined,
    );
    expect(gone).toBeUndefined();
  });

  it('deletionPolicy Delete follows a secret deleted in Vault', async () => {
    await platform.vaultCall('POST', 'secret/data/basecamp/ephemeral', {
      data: { value: 'short-lived' },
    });
    await platform.apply([
      externalSecret('ephemeral', NS, {
        target: { deletionPolicy: 'Delete' },
        data: [{ secretKey: 'value', remoteRef: { key: 'basecamp/ephemeral', property: 'value' } }],
      }),
    ]);
    await synced('ephemeral');
    await platform.vaultCall('DELETE', 'secret/metadata/basecamp/ephemeral');
    await platform.kubectl(
      'annotate',
      'externalsecret',
      'ephemeral',
      '-n',
      NS,
      'force-sync=1',
      '--overwrite',
    );
    const es = await waitFor(
      () => getObject(platform, 'externalsecret', NS, 'ephemeral'),
      (object) => ready(object)?.reason === 'SecretDeleted',
    );
    expect(ready(es)).toMatchObject({
      status: 'True',
      message: 'secret deleted due to DeletionPolicy=Delete',
    });
    expect(await getObject(platform, 'secret', NS, 'ephemeral')).toBeUndefined();
    const events = (await eventsFor(platform, NS, 'ephemeral')).map(
      (event) => `${event.type} ${event.reason} ${event.message}`,
    );
    expect(events).toContain(
      'Normal MissingProviderSecret secret does not exist at provider using spec.dataFrom[0] (key=basecamp/ephemeral)',
    );
    expect(events).toContain('Normal Deleted secret deleted due to DeletionPolicy=Delete');
  });

  // With creationPolicy Owner the garbage collector deletes the Secret through
  // its owner reference whatever the deletionPolicy, so Retain shows with Orphan.
  it('deletionPolicy Retain keeps an orphan Secret', async () => {
    await platform.apply([
      externalSecret('retained', NS, {
        target: { creationPolicy: 'Orphan', deletionPolicy: 'Retain' },
        data: [{ secretKey: 'flag', remoteRef: { key: 'basecamp/config', property: 'flag' } }],
      }),
    ]);
    await synced('retained');
    await platform.kubectl('delete', 'externalsecret', 'retained', '-n', NS);
    expect(await secretValues(platform, NS, 'retained')).toEqual({ flag: 'on' });
  });

  it('rewrites a Secret deleted by hand', async () => {
    await synced('config');
    await platform.kubectl('delete', 'secret', 'config', '-n', NS);
    const values = await waitFor(
      () => secretValues(platform, NS, 'config'),
      (data) => data !== undefined,
    );
    expect(values?.greeting).toBe('rotated');
  });

  it('refuses a target owned by another ExternalSecret', async () => {
    await platform.apply([
      externalSecret('thief', NS, {
        target: { name: 'config' },
        data: [{ secretKey: 'flag', remoteRef: { key: 'basecamp/config', property: 'flag' } }],
      }),
    ]);
    const es = await waitFor(
      () => getObject(platform, 'externalsecret', NS, 'thief'),
      (object) => ready(object)?.status === 'False',
    );
    expect(ready(es)).toMatchObject({
      reason: 'SecretSyncedError',
      message: 'target is owned by another ExternalSecret',
    });
    await platform.kubectl('delete', 'externalsecret', 'thief', '-n', NS);
  });

  it('reports the admission text for an empty spec', async () => {
    await platform.apply([externalSecret('empty', NS, {})]);
    const es = await waitFor(
      () => getObject(platform, 'externalsecret', NS, 'empty'),
      (object) => ready(object)?.status === 'False',
    );
    expect(ready(es)?.reason).toBe('SecretSyncedError');
    const events = await eventsFor(platform, NS, 'empty');
    expect(events.find((event) => event.reason === 'UpdateFailed')?.message).toBe(
      'either data or dataFrom should be specified',
    );
  });

  it('logs in with kubernetes auth and revokes the token after', async () => {
    await platform.apply([
      kubernetesStore('vault-k8s', NS, platform.vaultServiceUrl, platform.caBundle),
      externalSecret('k8s-auth', NS, {
        secretStoreRef: { name: 'vault-k8s', kind: 'SecretStore' },
        data: [
          { secretKey: 'greeting', remoteRef: { key: 'basecamp/config', property: 'greeting' } },
        ],
      }),
    ]);
    await waitFor(
      () => getObject(platform, 'secretstore', NS, 'vault-k8s'),
      (store) => ready(store)?.status === 'True',
    );
    await synced('k8s-auth');
    expect(await secretValues(platform, NS, 'k8s-auth')).toEqual({ greeting: 'rotated' });
    const metrics = platform.eso?.metricsText() ?? '';
    expect(metrics).toMatch(
      /externalsecret_provider_api_calls_count\{call="Login",provider="HashiCorp\/Vault",status="success"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /externalsecret_provider_api_calls_count\{call="RevokeSelf",provider="HashiCorp\/Vault",status="success"\} [1-9]/,
    );
  });

  it('reads through a ClusterSecretStore', async () => {
    const clusterStore = (name: string, conditions?: unknown[]) => ({
      apiVersion: 'external-secrets.io/v1',
      kind: 'ClusterSecretStore',
      metadata: { name },
      spec: {
        ...(conditions ? { conditions } : {}),
        provider: {
          vault: {
            server: platform.vaultServiceUrl,
            path: 'secret',
            caBundle: platform.caBundle,
            auth: { tokenSecretRef: { name: 'vault-token', key: 'token', namespace: NS } },
          },
        },
      },
    });
    await platform.apply([
      clusterStore('shared'),
      externalSecret('via-cluster', NS, {
        secretStoreRef: { name: 'shared', kind: 'ClusterSecretStore' },
        data: [{ secretKey: 'flag', remoteRef: { key: 'basecamp/config', property: 'flag' } }],
      }),
    ]);
    const store = await waitFor(
      () => getObject(platform, 'clustersecretstore', '', 'shared'),
      (object) => ready(object)?.status === 'True',
    );
    expect(ready(store)?.reason).toBe('Valid');
    await synced('via-cluster');
    expect(await secretValues(platform, NS, 'via-cluster')).toEqual({ flag: 'on' });
    const events = await eventsFor(platform, 'default', 'shared');
    expect(events.some((event) => event.reason === 'Valid')).toBe(true);
  });

  it('ClusterSecretStore conditions limit namespaces', async () => {
    await platform.apply([
      {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ClusterSecretStore',
        metadata: { name: 'restricted' },
        spec: {
          conditions: [{ namespaces: ['elsewhere'] }],
          provider: {
            vault: {
              server: platform.vaultServiceUrl,
              path: 'secret',
              caBundle: platform.caBundle,
              auth: { tokenSecretRef: { name: 'vault-token', key: 'token', namespace: NS } },
            },
          },
        },
      },
      externalSecret('denied', NS, {
        secretStoreRef: { name: 'restricted', kind: 'ClusterSecretStore' },
        data: [{ secretKey: 'flag', remoteRef: { key: 'basecamp/config', property: 'flag' } }],
      }),
    ]);
    const events = await waitFor(
      () => eventsFor(platform, NS, 'denied'),
      (list) => list.some((event) => event.reason === 'UpdateFailed'),
    );
    expect(events.find((event) => event.reason === 'UpdateFailed')?.message).toBe(
      'error processing spec.data[0] (key: basecamp/config), err: using cluster store "restricted" is not allowed from namespace "basecamp": denied by spec.condition',
    );
  });

  it('trusts a CA from caProvider', async () => {
    const caPem = Buffer.from(platform.caBundle, 'base64').toString('utf8');
    const store = tokenStore('ca-provider', NS, platform.vaultServiceUrl, '');
    const vault = store.spec.provider.vault as Record<string, unknown>;
    delete vault.caBundle;
    vault.caProvider = { type: 'ConfigMap', name: 'vault-ca', key: 'ca.crt' };
    await platform.apply([
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'vault-ca', namespace: NS },
        data: { 'ca.crt': caPem },
      },
      store,
    ]);
    const validated = await waitFor(
      () => getObject(platform, 'secretstore', NS, 'ca-provider'),
      (object) => ready(object)?.status === 'True',
    );
    expect(ready(validated)?.reason).toBe('Valid');
  });

  it('reports an unknown CA like Go', async () => {
    const store = tokenStore('no-ca', NS, platform.vaultServiceUrl, '');
    delete (store.spec.provider.vault as Record<string, unknown>).caBundle;
    await platform.apply([store]);
    const events = await waitFor(
      () => eventsFor(platform, NS, 'no-ca'),
      (list) => list.some((event) => event.reason === 'InvalidProviderConfig'),
    );
    expect(events.find((event) => event.reason === 'InvalidProviderConfig')?.message).toBe(
      `invalid vault credentials: Get "${platform.vaultServiceUrl}/v1/auth/token/lookup-self": tls: failed to verify certificate: x509: certificate signed by unknown authority`,
    );
  });

  it('rejects an empty auth block', async () => {
    const store = tokenStore('no-auth', NS, platform.vaultServiceUrl, platform.caBundle);
    // The CRD requires auth, so an empty auth block is the way to name no method.
    (store.spec.provider.vault as Record<string, unknown>).auth = {};
    await platform.apply([store]);
    const events = await waitFor(
      () => eventsFor(platform, NS, 'no-auth'),
      (list) => list.some((event) => event.reason === 'InvalidProviderConfig'),
    );
    expect(events.find((event) => event.reason === 'InvalidProviderConfig')?.message).toBe(
      'cannot initialize Vault client: no valid auth method specified',
    );
    const object = await getObject(platform, 'secretstore', NS, 'no-auth');
    expect(ready(object)?.message).toBe('unable to create client');
  });

  it('generates a password', async () => {
    await platform.apply([
      {
        apiVersion: 'generators.external-secrets.io/v1alpha1',
        kind: 'Password',
        metadata: { name: 'pw', namespace: NS },
        spec: { length: 32, digits: 4, symbols: 0, noUpper: false, allowRepeat: true },
      },
      externalSecret('generated', NS, {
        secretStoreRef: undefined,
        dataFrom: [
          {
            sourceRef: {
              generatorRef: {
                apiVersion: 'generators.external-secrets.io/v1alpha1',
                kind: 'Password',
                name: 'pw',
              },
            },
          },
        ],
      }),
    ]);
    await synced('generated');
    const values = await secretValues(platform, NS, 'generated');
    expect(values?.password).toHaveLength(32);
    expect(values?.password?.replace(/[^0-9]/g, '')).toHaveLength(4);
  });

  it('runs a VaultDynamicSecret generator', async () => {
    await platform.apply([
      {
        apiVersion: 'generators.external-secrets.io/v1alpha1',
        kind: 'VaultDynamicSecret',
        metadata: { name: 'dyn', namespace: NS },
        spec: {
          path: 'kv/legacy',
          method: 'GET',
          resultType: 'Data',
          provider: {
            server: platform.vaultServiceUrl,
            caBundle: platform.caBundle,
            auth: { tokenSecretRef: { name: 'vault-token', key: 'token' } },
          },
        },
      },
      externalSecret('dynamic', NS, {
        dataFrom: [
          {
            sourceRef: {
              generatorRef: {
                apiVersion: 'generators.external-secrets.io/v1alpha1',
                kind: 'VaultDynamicSecret',
                name: 'dyn',
              },
            },
          },
        ],
      }),
    ]);
    await synced('dynamic');
    expect(await secretValues(platform, NS, 'dynamic')).toEqual({ user: 'old', pass: 'v1pass' });
  });

  it('serves metrics with ESO names', async () => {
    const url = platform.eso?.metricsUrl ?? '';
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const response = await fetch(url);
    const text = await response.text();
    expect(response.headers.get('content-type')).toContain('text/plain');
    expect(text).toContain('externalsecret_sync_calls_total{name="config",namespace="basecamp"}');
    expect(text).toContain(
      'externalsecret_status_condition{condition="Ready",name="config",namespace="basecamp",status="True"} 1',
    );
    expect(text).toContain(
      'secretstore_status_condition{condition="Ready",name="vault-token-store",namespace="basecamp",status="True"} 1',
    );
    expect(text).toMatch(
      /externalsecret_reconcile_duration\{name="config",namespace="basecamp"\} \d+/,
    );
  });

  it('logs controller-runtime JSON without secret values', () => {
    expect(platform.logs.length).toBeGreaterThan(0);
    for (const line of platform.logs) {
      const entry = JSON.parse(line);
      expect(entry).toHaveProperty('level');
      expect(entry).toHaveProperty('ts');
      expect(entry).toHaveProperty('msg');
    }
    const all = platform.logs.join('\n');
    expect(all).not.toContain('v1pass');
    expect(all).not.toContain('rotated');
  });
});
