/**
 * Switches a SecretStore to a static Vault token from a Secret
 * (`auth.tokenSecretRef`), as a team does when it starts with a token
 * pasted from `vault token create`. Shared by vault-token-expired and the
 * token-secret variant of rbac-missing.
 */
import type { LabClients } from '../clients/index.ts';
import type { FaultContext } from './fault.ts';
import { readTarget, secretStoreRef } from './support.ts';

export interface StaticTokenOptions {
  store: string;
  namespace: string;
  secretName: string;
  policy: string;
  /** Vault TTL of the token, as a duration string. */
  ttl: string;
}

export interface StaticToken {
  accessor: string;
  token: string;
}

/** Creates the token, writes it to a Secret and points the store at it; each step registers its undo. */
export async function useStaticToken(context: FaultContext, options: StaticTokenOptions): Promise<StaticToken> {
  const { kube, vault } = context.clients;
  const storeRef = secretStoreRef(options.store, options.namespace);
  const store = await readTarget(kube, storeRef);

  const created = await vault.write('auth/token/create', {
    policies: [options.policy],
    ttl: options.ttl,
    renewable: false,
    display_name: 'lab-eso-static-token',
  });
  const auth = created.auth as { client_token: string; accessor: string };
  context.redactor.register(auth.client_token);
  context.onRevert('revoke the static Vault token', () => revokeAccessor(context.clients, auth.accessor));

  const secretRef = { apiVersion: 'v1', kind: 'Secret', name: options.secretName, namespace: options.namespace };
  await kube.upsert({ ...secretRef, metadata: { name: options.secretName, namespace: options.namespace }, stringData: { token: auth.client_token } });
  context.onRevert(`delete Secret ${options.namespace}/${options.secretName}`, async () => {
    await kube.delete(secretRef);
  });

  const original = (store.spec as { provider: { vault: { auth: unknown } } }).provider.vault.auth;
  await kube.patch(storeRef, [{ op: 'replace', path: '/spec/provider/vault/auth', value: { tokenSecretRef: { name: options.secretName, key: 'token' } } }], 'json');
  context.onRevert(`restore the auth of SecretStore ${options.namespace}/${options.store}`, async () => {
    await kube.patch(storeRef, [{ op: 'replace', path: '/spec/provider/vault/auth', value: original }], 'json');
  });
  return { accessor: auth.accessor, token: auth.client_token };
}

/** Revokes a token by accessor; revoking an unknown or expired token succeeds too (Vault answers 204). */
export async function revokeAccessor(clients: LabClients, accessor: string): Promise<void> {
  await clients.vault.write('auth/token/revoke-accessor', { accessor }).catch(() => {});
}
