/**
 * A SecretStore authenticates with a static Vault token from a Secret, and
 * that token expires (short TTL) or is revoked. ESO never renews a static
 * token, so the store turns not ready at its next validation and every read
 * gets 403.
 */
import { z } from 'zod';
import { PLATFORM } from '../clients/platform.ts';
import { parseDuration } from '../core/duration.ts';
import { duration } from '../scenario/schema.ts';
import { defineFault } from './fault.ts';
import { revokeAccessor, useStaticToken } from './store-auth.ts';
import { forceSyncStore } from './support.ts';

export const vaultTokenExpired = defineFault({
  type: 'vault-token-expired',
  description: 'the Vault token a SecretStore reads from tokenSecretRef expires or is revoked',
  variants: ['expired', 'revoked'],
  schema: z.strictObject({
    store: z.string().min(1).default(PLATFORM.stores.kv),
    namespace: z.string().min(1).default(PLATFORM.namespaces.app),
    secretName: z.string().min(1).default('vault-token'),
    policy: z.string().min(1).default(PLATFORM.vault.policy),
    /** Token TTL for the `expired` variant; inject waits this long so the token is expired when it returns. */
    ttl: duration.default('3s'),
  }),
  symptoms: {
    '*': [
      'SecretStore Ready=False InvalidProviderConfig "unable to validate store"',
      'Warning event: invalid vault credentials: Error making API request. ... lookup-self ... Code: 403. Errors: * permission denied',
      'ExternalSecret Ready=False SecretSyncedError; UpdateFailed: cannot read secret data from Vault ... permission denied, or SecretStore "NAME" is not ready',
    ],
  },
  async inject(context, variant, params) {
    const ttl = variant === 'revoked' ? '1h' : params.ttl;
    const token = await useStaticToken(context, { ...params, ttl });
    if (variant === 'revoked') {
      await revokeAccessor(context.clients, token.accessor);
      context.log(`revoked the static token of SecretStore ${params.namespace}/${params.store}`);
    } else {
      // Wait out the TTL plus a second, so the token is expired before ESO is told to sync.
      await new Promise((resolve) => setTimeout(resolve, parseDuration(params.ttl) + 1000));
      context.log(`the static token of SecretStore ${params.namespace}/${params.store} expired after ${params.ttl}`);
    }
    await forceSyncStore(context.clients.kube, params.store, params.namespace);
    return {
      targets: {
        secretStore: `${params.namespace}/${params.store}`,
        tokenSecret: `${params.namespace}/${params.secretName}`,
      },
    };
  },
});
