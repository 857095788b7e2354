/**
 * Rotation of a Vault static role in place: `rotate-role` changes the
 * PostgreSQL password at once, ESO copies it into the Secret, the kubelet
 * updates the mounted files and the service opens a new pool. The old
 * password stops working the moment Vault rotates, so the service lives on
 * its already authenticated sessions until the new files arrive.
 */
import { z } from 'zod';
import { PLATFORM } from '../clients/platform.ts';
import { CheckFailedError } from '../core/errors.ts';
import { maxGeneration, readCredential } from './platform-steps.ts';
import { awaitSecret, awaitService, checkOldRejected } from './propagation.ts';
import { commonFields, defineStrategy } from './strategy.ts';

/** Responses sampled before the rotation to learn the pods' pool numbers, enough to reach both replicas. */
const BASELINE_SAMPLES = 8;

export const vaultStaticRole = defineStrategy({
  name: 'vault-static-role',
  description:
    'rotate-role on a Vault static role; ESO force-sync, kubelet file update and hot reload in the service',
  schema: z.strictObject({
    ...commonFields,
    role: z.string().min(1).default(PLATFORM.vault.staticRole),
    mount: z.string().min(1).default(PLATFORM.vault.databaseMount),
  }),
  async rotate(context, params, timeline) {
    const { clients, redactor } = context;
    const credsPath = `${params.mount}/static-creds/${params.role}`;
    const old = await readCredential(clients, redactor, credsPath);
    const baseline = await maxGeneration(clients.endpoints.serviceUrl, BASELINE_SAMPLES);
    const since = new Date();

    timeline.start(`rotate-role on static role ${params.role}`);
    await clients.vault.write(`${params.mount}/rotate-role/${params.role}`);
    const fresh = await readCredential(clients, redactor, credsPath);
    if (fresh.password === old.password) {
      throw new CheckFailedError(
        `Vault ${params.mount}/rotate-role/${params.role} returned but the password did not change`,
        {
          hint: `read ${credsPath} and its last_vault_rotation to see whether the rotation ran`,
        },
      );
    }
    timeline.record('vault-rotated', `static role ${params.role} rotated`);

    await awaitSecret(context, params, timeline, fresh);
    await awaitService(
      context,
      params,
      timeline,
      since,
      (sample) => (sample.generation ?? 0) > baseline,
    );
    await checkOldRejected(context, timeline, old);
  },
});
