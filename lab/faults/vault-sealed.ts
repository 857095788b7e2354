/**
 * Vault is sealed (`sys/seal`): every path but the seal endpoints answers 503
 * `Vault is sealed` until enough unseal keys are submitted.
 */
import { z } from 'zod';
import { PLATFORM } from '../clients/platform.ts';
import { defineFault } from './fault.ts';
import { readUnsealKeys, unsealVault } from './unseal.ts';
import { forceSyncStore } from './support.ts';

export const vaultSealed = defineFault({
  type: 'vault-sealed',
  description: 'Vault is sealed; recovery needs the unseal keys',
  variants: [],
  schema: z.strictObject({
    store: z.string().min(1).default(PLATFORM.stores.kv),
    namespace: z.string().min(1).default(PLATFORM.namespaces.app),
  }),
  symptoms: {
    '*': ['Vault sys/health 503 sealed=true', 'Vault requests answer 503 "Vault is sealed"', 'SecretStore Ready=False; ESO events quote "Vault is sealed"'],
  },
  async inject(context, _variant, params) {
    const { clients } = context;
    // Check the keys first: sealing a Vault the lab cannot unseal would leave the basecamp broken.
    await readUnsealKeys(clients);
    await clients.vault.call('PUT', 'sys/seal');
    context.onRevert('unseal Vault', () => unsealVault(clients));
    await forceSyncStore(clients.kube, params.store, params.namespace);
    return { targets: { vault: clients.endpoints.vault.addr } };
  },
});
