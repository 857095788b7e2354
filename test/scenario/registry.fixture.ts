/** A small registry for loader tests, independent of the harness's real blocks. */
import { z } from 'zod';
import type { ScenarioRegistry } from '../../lab/scenario/registry.ts';

export const testRegistry: ScenarioRegistry = {
  probes: {
    'externalsecret-ready': {
      description: 'ExternalSecret Ready condition',
      schema: z.strictObject({
        name: z.string().default('app-db'),
        status: z.enum(['True', 'False']).default('True'),
      }),
    },
  },
  faults: {
    'vault-token-expired': {
      description: 'the SecretStore token expires',
      variants: ['revoked', 'expired'],
      schema: z.strictObject({
        target: z.strictObject({ secretStore: z.string() }),
        params: z.strictObject({ ttl: z.string() }).optional(),
      }),
    },
  },
  actions: {
    'vault-write': {
      description: 'write a Vault secret',
      schema: z.strictObject({ path: z.string(), data: z.record(z.string(), z.string()) }),
    },
  },
  rotations: {
    'vault-static-role': {
      description: 'Vault rotates a static role',
      schema: z.strictObject({ role: z.string() }),
    },
  },
};
