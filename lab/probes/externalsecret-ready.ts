/** The Ready condition of an ExternalSecret: status, reason and a message fragment. */
import { z } from 'zod';
import { ESO_API_VERSION, PLATFORM } from '../clients/platform.ts';
import { describeCondition, readyCondition } from './conditions.ts';
import { defineProbe } from './probe.ts';

export const externalSecretReady = defineProbe({
  name: 'externalsecret-ready',
  description: 'ExternalSecret Ready condition: status, reason and a message fragment',
  schema: z.strictObject({
    name: z.string().min(1).default(PLATFORM.externalSecrets.database),
    namespace: z.string().min(1).default(PLATFORM.namespaces.app),
    status: z.enum(['True', 'False', 'Unknown']).default('True'),
    reason: z.string().optional(),
    messageIncludes: z.string().optional(),
  }),
  async check({ clients }, params) {
    const object = await clients.kube.get({
      apiVersion: ESO_API_VERSION,
      kind: 'ExternalSecret',
      name: params.name,
      namespace: params.namespace,
    });
    if (!object) return { ok: false, message: `ExternalSecret ${params.namespace}/${params.name} not found` };
    const condition = readyCondition(object);
    const seen = `ExternalSecret ${params.namespace}/${params.name} ${describeCondition(condition)}`;
    return { ok: conditionMatches(condition, params), message: seen };
  },
});

export function conditionMatches(
  condition: { status: string; reason?: string; message?: string } | undefined,
  expected: { status: string; reason?: string; messageIncludes?: string },
): boolean {
  if (!condition || condition.status !== expected.status) return false;
  if (expected.reason && condition.reason !== expected.reason) return false;
  if (expected.messageIncludes && !(condition.message ?? '').includes(expected.messageIncludes)) return false;
  return true;
}
