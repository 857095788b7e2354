/**
 * The managed Kubernetes Secret holds Vault's current value. Both values are
 * registered with the redactor and compared, never printed.
 */
import { z } from 'zod';
import type { KubeObject } from '../clients/kube.ts';
import { PLATFORM } from '../clients/platform.ts';
import { defineProbe } from './probe.ts';

export const secretMatchesVault = defineProbe({
  name: 'secret-matches-vault',
  description: "a key of a Kubernetes Secret equals a field of a Vault secret (KV v2 or any read path)",
  schema: z.strictObject({
    secret: z.string().min(1).default(PLATFORM.app.secret),
    namespace: z.string().min(1).default(PLATFORM.namespaces.app),
    key: z.string().min(1).default('password'),
    /** A Vault read path, for example `database/static-creds/app` or `secret/data/basecamp/config`. */
    vaultPath: z.string().min(1).default(`database/static-creds/${PLATFORM.vault.staticRole}`),
    field: z.string().min(1).default('password'),
  }),
  async check({ clients, redactor }, params) {
    const secret = await clients.kube.get<KubeObject & { data?: Record<string, string> }>({
      apiVersion: 'v1',
      kind: 'Secret',
      name: params.secret,
      namespace: params.namespace,
    });
    const label = `Secret ${params.namespace}/${params.secret} key ${params.key}`;
    if (!secret) return { ok: false, message: `Secret ${params.namespace}/${params.secret} not found` };
    const encoded = secret.data?.[params.key];
    if (encoded === undefined) return { ok: false, message: `${label} is missing` };
    const inSecret = Buffer.from(encoded, 'base64').toString('utf8');
    redactor.register(inSecret);

    const data = await clients.vault.read(params.vaultPath);
    if (!data) return { ok: false, message: `Vault path ${params.vaultPath} not found` };
    const inVault = vaultField(data, params.field);
    if (inVault === undefined) return { ok: false, message: `Vault ${params.vaultPath} has no field ${params.field}` };
    redactor.register(inVault);

    if (inSecret === inVault) return { ok: true, message: `${label} equals Vault ${params.vaultPath} ${params.field}` };
    return { ok: false, message: `${label} differs from Vault ${params.vaultPath} ${params.field}` };
  },
});

/** Reads a field from a Vault `data` block; KV v2 nests the secret under `data.data`. */
export function vaultField(data: Record<string, unknown>, field: string): string | undefined {
  const nested = data.data;
  const source =
    nested && typeof nested === 'object' && 'metadata' in data ? (nested as Record<string, unknown>) : data;
  const value = source[field];
  return value === undefined || value === null ? undefined : String(value);
}
