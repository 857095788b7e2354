/**
 * Unsealing Vault with the basecamp's unseal keys file (JSON `{keys: [...]}`),
 * through `sys/unseal` until `sealed` is false. Used by the vault-sealed
 * fault's undo and by the `vault-unseal` action.
 */
import { readFile } from 'node:fs/promises';
import type { LabClients } from '../clients/index.ts';
import { EnvironmentError } from '../core/errors.ts';

/** Reads the unseal keys; throws an EnvironmentError when the basecamp has none. */
export async function readUnsealKeys(clients: LabClients): Promise<string[]> {
  const file = clients.endpoints.vault.unsealKeysFile;
  if (!file) {
    throw new EnvironmentError('this basecamp has no unseal keys file, so the lab cannot unseal Vault', {
      hint: 'use the embedded basecamp, or set vault.unsealKeysFile for a Vault the lab initialised',
    });
  }
  const parsed = JSON.parse(await readFile(file, 'utf8')) as { keys?: string[]; keys_base64?: string[] };
  const keys = parsed.keys ?? parsed.keys_base64 ?? [];
  if (keys.length === 0) throw new EnvironmentError(`unseal keys file ${file} lists no keys`);
  return keys;
}

/** Submits keys until Vault reports unsealed; a no-op when it already is. */
export async function unsealVault(clients: LabClients): Promise<void> {
  const status = await clients.vault.call('GET', 'sys/seal-status', undefined, '');
  if (status.sealed !== true) return;
  for (const key of await readUnsealKeys(clients)) {
    const progress = await clients.vault.call('PUT', 'sys/unseal', { key }, '');
    if (progress.sealed === false) return;
  }
  throw new Error('Vault is still sealed after every unseal key was submitted');
}
