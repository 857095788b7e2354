/**
 * Dynamic credentials: the ExternalSecret takes its data from a
 * VaultDynamicSecret generator on `database/creds/<role>`, so every sync
 * creates a new PostgreSQL user with its own lease. A rotation is a forced
 * sync; after the grace period the leases that existed before it are
 * revoked, which drops the old users.
 */
import { z } from 'zod';
import type { KubeObject } from '../clients/kube.ts';
import { ESO_API_VERSION, PLATFORM } from '../clients/platform.ts';
import { parseDuration } from '../core/duration.ts';
import type { RotationContext } from './context.ts';
import { waitFor } from './context.ts';
import { externalSecretRef, forceSync, readSecretCredential } from './platform-steps.ts';
import { awaitService, checkOldRejected } from './propagation.ts';
import { type CleanupRegistrar, commonFields, defineStrategy, durationText } from './strategy.ts';

const GENERATOR_API = 'generators.external-secrets.io/v1alpha1';

const schema = z.strictObject({
  ...commonFields,
  mount: z.string().min(1).default(PLATFORM.vault.databaseMount),
  role: z.string().min(1).default(PLATFORM.vault.dynamicRole),
  /** Name of the VaultDynamicSecret generator the strategy creates. */
  generator: z.string().min(1).default('app-db-dynamic'),
  /** SecretStore whose Vault provider settings (server, CA, auth) the generator copies. */
  store: z.string().min(1).default(PLATFORM.stores.database),
  /** How long the old lease stays valid after the service has switched. */
  grace: durationText.default('5s'),
});

type Params = z.infer<typeof schema>;

export const dynamicCredentials = defineStrategy({
  name: 'dynamic-credentials',
  description:
    'a VaultDynamicSecret generator gives each sync a new user; the old lease is revoked after a grace period',
  schema,
  async prepare(context, params, onCleanup) {
    await useGenerator(context, params, onCleanup);
  },
  async rotate(context, params, timeline) {
    const { clients, redactor } = context;
    const timeoutMs = parseDuration(params.timeout);
    const old = await readSecretCredential(clients, redactor, params.secret, params.namespace);
    if (!old)
      throw new Error(`Secret ${params.namespace}/${params.secret} has no username and password`);
    const oldLeases = await listLeases(context, params);
    const since = new Date();

    timeline.start(
      `force-sync of ExternalSecret ${params.namespace}/${params.externalSecret} for a new dynamic user`,
    );
    await forceSync(clients, externalSecretRef(params.externalSecret, params.namespace));
    const fresh = await waitFor(
      `Secret ${params.namespace}/${params.secret} to hold a new dynamic user`,
      async () => {
        const current = await readSecretCredential(
          clients,
          redactor,
          params.secret,
          params.namespace,
        );
        return current && current.username !== old.username ? current : undefined;
      },
      { timeoutMs, signal: context.signal },
    );
    // ESO issued the lease and wrote the Secret in one reconcile, so Vault's
    // step is seen only through the Secret.
    timeline.record(
      'vault-rotated',
      `Vault issued user "${fresh.username}" from ${params.mount}/creds/${params.role}`,
    );
    timeline.record(
      'secret-updated',
      `Secret ${params.namespace}/${params.secret} holds user "${fresh.username}"`,
    );
    await awaitService(
      context,
      params,
      timeline,
      since,
      // Every ESO refresh issues another user, so the service may already
      // serve a newer dynamic user than `fresh`: any user but the old one counts.
      (sample) => sample.user !== undefined && sample.user !== old.username,
    );

    await new Promise((resolve) => setTimeout(resolve, parseDuration(params.grace)));
    await revokeLeases(context, oldLeases);
    await checkOldRejected(context, timeline, old);
  },
});

/** Creates the generator and points the ExternalSecret at it, keeping the old spec to restore. */
async function useGenerator(
  context: RotationContext,
  params: Params,
  onCleanup: CleanupRegistrar,
): Promise<void> {
  const { kube } = context.clients;
  const storeRef = {
    apiVersion: ESO_API_VERSION,
    kind: 'SecretStore',
    name: params.store,
    namespace: params.namespace,
  };
  const store = await kube.read<
    KubeObject & { spec: { provider: { vault: Record<string, unknown> } } }
  >(storeRef);
  const { path: _mount, version: _version, ...provider } = store.spec.provider.vault;
  const collection = `/apis/${GENERATOR_API}/namespaces/${params.namespace}/vaultdynamicsecrets`;
  const generator = {
    apiVersion: GENERATOR_API,
    kind: 'VaultDynamicSecret',
    metadata: { name: params.generator, namespace: params.namespace },
    spec: {
      method: 'GET',
      path: `${params.mount}/creds/${params.role}`,
      resultType: 'Data',
      provider,
    },
  };
  const existing = await kube.raw('GET', `${collection}/${params.generator}`);
  if (existing.status === 404) await kube.call('POST', collection, { body: generator });

  const ref = externalSecretRef(params.externalSecret, params.namespace);
  const current = await kube.read<KubeObject & { spec: Record<string, unknown> }>(ref);
  const generatorRef = {
    apiVersion: GENERATOR_API,
    kind: 'VaultDynamicSecret',
    name: params.generator,
  };
  const usesGenerator = JSON.stringify(current.spec.dataFrom ?? []).includes(
    `"${params.generator}"`,
  );
  if (usesGenerator) return;
  await kube.patch(ref, { spec: { data: null, dataFrom: [{ sourceRef: { generatorRef } }] } });
  onCleanup(
    `point ExternalSecret ${params.namespace}/${params.externalSecret} back at its static credential`,
    async () => {
      await kube.patch(ref, {
        spec: { data: current.spec.data ?? null, dataFrom: current.spec.dataFrom ?? null },
      });
      await kube.raw('DELETE', `${collection}/${params.generator}`);
    },
  );
  await forceSync(context.clients, ref);
}

/**
 * Lists the role's leases (`LIST sys/leases/lookup/<mount>/creds/<role>/`,
 * which needs sudo). Returns undefined when Vault rejects the list, so
 * the old lease is left to expire at its TTL.
 */
async function listLeases(context: RotationContext, params: Params): Promise<string[] | undefined> {
  const prefix = `${params.mount}/creds/${params.role}/`;
  const response = await context.clients.vault.raw('LIST', `sys/leases/lookup/${prefix}`);
  if (response.status !== 200) {
    // NOTE: without a lease list the old user is dropped only when its lease expires.
    context.events.log(
      'warn',
      `listing leases under ${prefix} failed with ${response.status}; old leases will expire at their TTL`,
      {
        error: response.errorText,
      },
    );
    return undefined;
  }
  const keys = ((response.body.data as { keys?: unknown } | undefined)?.keys ?? []) as unknown[];
  return keys.map((key) => `${prefix}${String(key)}`);
}

async function revokeLeases(context: RotationContext, leases: string[] | undefined): Promise<void> {
  for (const lease of leases ?? []) {
    await context.clients.vault.write('sys/leases/revoke', { lease_id: lease });
  }
  if (leases)
    context.events.log('info', `grace period over: revoked ${leases.length} old lease(s)`);
}
