/**
 * A database credential leaks (pasted in a ticket, printed in a log). The
 * fault reads the current credential and names it `leaked` for probes. The
 * fix rotates it (static role) or revokes it (dynamic lease), and then the
 * leaked value must stop working.
 */
import { z } from 'zod';
import { PLATFORM } from '../clients/platform.ts';
import { defineFault, type Injection } from './fault.ts';

export const LEAKED = 'leaked';

export const credentialCompromised = defineFault({
  type: 'credential-compromised',
  description: 'a database credential leaks; the fix rotates or revokes it and the leaked value must stop working',
  variants: ['static', 'dynamic'],
  schema: z.strictObject({
    staticRole: z.string().min(1).default(PLATFORM.vault.staticRole),
    dynamicRole: z.string().min(1).default(PLATFORM.vault.dynamicRole),
    mount: z.string().min(1).default(PLATFORM.vault.databaseMount),
  }),
  symptoms: {
    '*': ['the leaked credential logs in to PostgreSQL'],
    static: ['after the fix: password authentication failed for the leaked password'],
    dynamic: ['after the fix: the leased role is dropped, so the leaked login fails'],
  },
  async inject(context, variant, params): Promise<Injection> {
    const { vault } = context.clients;
    if (variant === 'dynamic') {
      const path = `${params.mount}/creds/${params.dynamicRole}`;
      const response = await vault.call('GET', path);
      const data = response.data as { username: string; password: string };
      context.redactor.register(data.password);
      const leaseId = String(response.lease_id);
      context.state.credentials.set(LEAKED, { username: data.username, password: data.password });
      context.state.leases.set(LEAKED, leaseId);
      context.onRevert(`revoke lease ${leaseId}`, async () => {
        await vault.call('PUT', 'sys/leases/revoke', { lease_id: leaseId }).catch(() => {});
      });
      return { targets: { lease: leaseId, username: data.username } };
    }

    const path = `${params.mount}/static-creds/${params.staticRole}`;
    const data = await vault.read(path);
    if (!data?.password) throw new Error(`Vault ${path} returned no password; is the static role ${params.staticRole} configured?`);
    context.redactor.register(String(data.password));
    context.state.credentials.set(LEAKED, { username: String(data.username), password: String(data.password) });
    // Nothing to undo: the leak is a fact, and the remediation's rotation is the fix.
    return { targets: { staticRole: path, username: String(data.username) } };
  },
});
