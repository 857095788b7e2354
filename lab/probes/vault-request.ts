/**
 * One Vault request with the admin token and the status and error text it
 * gets back, for symptoms such as `Vault is sealed` (503) or `internal error`
 * (500, when no audit device can record the request).
 */
import { z } from 'zod';
import { defineProbe } from './probe.ts';

export const vaultRequest = defineProbe({
  name: 'vault-request',
  description: 'a Vault request with the admin token answers with the expected status and error text',
  schema: z.strictObject({
    method: z.enum(['GET', 'LIST']).default('GET'),
    path: z.string().min(1).default('auth/token/lookup-self'),
    status: z.number().int().min(100).max(599).default(200),
    errorIncludes: z.string().optional(),
  }),
  async check({ clients }, params) {
    let response: Awaited<ReturnType<typeof clients.vault.raw>>;
    try {
      response = await clients.vault.raw(params.method, params.path);
    } catch (error) {
      return { ok: false, message: `Vault ${params.method} ${params.path} failed: ${(error as Error).message}` };
    }
    const errorOk = !params.errorIncludes || response.errorText.includes(params.errorIncludes);
    const detail = response.errorText ? `: ${response.errorText}` : '';
    return {
      ok: response.status === params.status && errorOk,
      message: `Vault ${params.method} /v1/${params.path} answered ${response.status}${detail}`,
      value: response.status,
    };
  },
});
