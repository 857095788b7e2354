/**
 * Vault's `sys/health` (no token, never audited): initialized, sealed and the
 * status code (200 active, 429 standby, 501 not initialized, 503 sealed).
 */
import { z } from 'zod';
import { defineProbe } from './probe.ts';

export const vaultHealth = defineProbe({
  name: 'vault-health',
  description: 'Vault sys/health: seal state and status code',
  schema: z.strictObject({
    sealed: z.boolean().default(false),
    status: z.number().int().optional(),
  }),
  async check({ clients }, params) {
    let response: Awaited<ReturnType<typeof clients.vault.raw>>;
    try {
      response = await clients.vault.raw('GET', 'sys/health', undefined, '');
    } catch (error) {
      return { ok: false, message: `Vault sys/health failed: ${(error as Error).message}` };
    }
    const sealed = response.body.sealed === true;
    const statusOk = params.status === undefined || response.status === params.status;
    return {
      ok: sealed === params.sealed && statusOk,
      message: `Vault sys/health ${response.status}: initialized=${response.body.initialized} sealed=${sealed}`,
      value: response.status,
    };
  },
});
