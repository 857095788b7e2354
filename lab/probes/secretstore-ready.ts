/** The Ready condition of a SecretStore or ClusterSecretStore. */
import { z } from 'zod';
import { ESO_API_VERSION, PLATFORM } from '../clients/platform.ts';
import { describeCondition, readyCondition } from './conditions.ts';
import { conditionMatches } from './externalsecret-ready.ts';
import { defineProbe } from './probe.ts';

export const secretStoreReady = defineProbe({
  name: 'secretstore-ready',
  description: 'SecretStore or ClusterSecretStore Ready condition: status, reason and a message fragment',
  schema: z.strictObject({
    name: z.string().min(1).default(PLATFORM.stores.kv),
    namespace: z.string().min(1).default(PLATFORM.namespaces.app),
    kind: z.enum(['SecretStore', 'ClusterSecretStore']).default('SecretStore'),
    status: z.enum(['True', 'False', 'Unknown']).default('True'),
    reason: z.string().optional(),
    messageIncludes: z.string().optional(),
  }),
  async check({ clients }, params) {
    const namespace = params.kind === 'SecretStore' ? params.namespace : undefined;
    const object = await clients.kube.get({
      apiVersion: ESO_API_VERSION,
      kind: params.kind,
      name: params.name,
      ...(namespace ? { namespace } : {}),
    });
    const label = `${params.kind} ${namespace ? `${namespace}/` : ''}${params.name}`;
    if (!object) return { ok: false, message: `${label} not found` };
    const condition = readyCondition(object);
    return { ok: conditionMatches(condition, params), message: `${label} ${describeCondition(condition)}` };
  },
});
