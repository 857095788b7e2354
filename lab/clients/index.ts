/**
 * The clients a fault, probe or action gets: Kubernetes, Vault and
 * PostgreSQL, built from a basecamp's public endpoints only.
 */
import { readFile } from 'node:fs/promises';
import type { BasecampEndpoints } from '../basecamp/types.ts';
import { KubeClient } from './kube.ts';
import type { PostgresTarget } from './postgres.ts';
import { VaultClient } from './vault.ts';

export { KubeApiError, KubeClient, type KubeObject, type ObjectRef } from './kube.ts';
export { type Credential, type LoginResult, type PostgresTarget, tryLogin } from './postgres.ts';
export { VaultApiError, VaultClient } from './vault.ts';

export interface LabClients {
  endpoints: BasecampEndpoints;
  kube: KubeClient;
  vault: VaultClient;
  postgres: PostgresTarget & { superuser: string; superuserPassword: string };
  close(): Promise<void>;
}

export async function openClients(endpoints: BasecampEndpoints): Promise<LabClients> {
  const kube = await KubeClient.fromKubeconfig(endpoints.kubeconfig);
  const vault = await VaultClient.fromFiles(endpoints.vault.addr, endpoints.vault.caCert, endpoints.vault.tokenFile);
  const superuserPassword = (await readFile(endpoints.postgres.passwordFile, 'utf8')).trim();
  return {
    endpoints,
    kube,
    vault,
    postgres: {
      host: endpoints.postgres.host,
      port: endpoints.postgres.port,
      database: endpoints.postgres.database,
      superuser: endpoints.postgres.user,
      superuserPassword,
    },
    async close() {
      await Promise.allSettled([kube.close(), vault.close()]);
    },
  };
}
