/**
 * Vault's rotate-root on the database connection: Vault changes the password
 * of its own connection user, so the new password is known only to Vault.
 * The service uses another user and is unaffected. Vault proves it still
 * has a working root credential by issuing a dynamic credential, which is
 * revoked at once.
 */
import { z } from 'zod';
import { PLATFORM } from '../clients/platform.ts';
import { CheckFailedError } from '../core/errors.ts';
import { readCredential, sampleService, tryCredential } from './platform-steps.ts';
import { commonFields, defineStrategy } from './strategy.ts';

export const vaultRoot = defineStrategy({
  name: 'vault-root',
  description:
    "rotate-root on Vault's database connection: the service is unaffected and only Vault knows the new password",
  schema: z.strictObject({
    ...commonFields,
    mount: z.string().min(1).default(PLATFORM.vault.databaseMount),
    connection: z.string().min(1).default('postgres'),
    /** A dynamic role Vault issues a credential from afterwards, to show it still reaches PostgreSQL. */
    role: z.string().min(1).default(PLATFORM.vault.dynamicRole),
  }),
  async rotate(context, params, timeline) {
    const { clients, redactor } = context;
    const config = await clients.vault.read(`${params.mount}/config/${params.connection}`);
    const details = (config?.connection_details ?? {}) as { username?: string };

    timeline.start(`rotate-root on connection ${params.connection}`);
    await clients.vault.write(`${params.mount}/rotate-root/${params.connection}`);
    timeline.record(
      'vault-rotated',
      `root credential of connection ${params.connection} (user "${details.username ?? 'unknown'}") rotated`,
    );

    const after = await clients.vault.read(`${params.mount}/config/${params.connection}`);
    if (after && 'password' in after) {
      throw new CheckFailedError(
        `Vault ${params.mount}/config/${params.connection} returned the connection password`,
        {
          hint: 'Vault must never return the root credential after rotate-root',
        },
      );
    }
    const issued = await readCredential(clients, redactor, `${params.mount}/creds/${params.role}`);
    const login = await tryCredential(clients, issued);
    if (issued.leaseId)
      await clients.vault
        .write('sys/leases/revoke', { lease_id: issued.leaseId })
        .catch((error: unknown) => {
          context.events.log(
            'warn',
            `revoking the test lease failed, so it expires at its TTL: ${(error as Error).message}`,
            {
              leaseId: issued.leaseId,
            },
          );
        });
    if (!login.ok) {
      throw new CheckFailedError(
        `a credential Vault issued from ${params.mount}/creds/${params.role} after rotate-root failed to log in: ${login.message}`,
        {
          hint: 'the root rotation left Vault without a working connection; see the Vault log',
        },
      );
    }
    context.events.log(
      'info',
      `Vault issued a working credential from ${params.mount}/creds/${params.role} with its new root credential`,
    );

    const sample = await sampleService(clients.endpoints.serviceUrl);
    if (sample.status !== 200) {
      throw new CheckFailedError(
        `the service responded ${sample.status} to GET /items after rotate-root: ${sample.error ?? 'see the service log'}`,
      );
    }
    timeline.record(
      'new-credential-served',
      `GET /items answered 200 as user "${sample.user}": the service was not affected`,
    );
  },
});
