/**
 * The managed Secret keeps its last good value: the first check records a
 * SHA-256 digest of its data, later checks compare with it. ESO keeps the
 * existing Secret unchanged when a refresh fails, so a change during a fault
 * means a lost value.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { KubeObject } from '../clients/kube.ts';
import { PLATFORM } from '../clients/platform.ts';
import { defineProbe } from './probe.ts';

export const secretUnchanged = defineProbe({
  name: 'secret-unchanged',
  description: 'a Secret still holds the data it held when this probe first ran in the scenario',
  schema: z.strictObject({
    secret: z.string().min(1).default(PLATFORM.app.secret),
    namespace: z.string().min(1).default(PLATFORM.namespaces.app),
  }),
  async check({ clients, state }, params) {
    const label = `Secret ${params.namespace}/${params.secret}`;
    const secret = await clients.kube.get<KubeObject & { data?: Record<string, string> }>({
      apiVersion: 'v1',
      kind: 'Secret',
      name: params.secret,
      namespace: params.namespace,
    });
    if (!secret) return { ok: false, message: `${label} not found` };

    const digest = digestOf(secret.data ?? {});
    const memoKey = `secret-unchanged:${params.namespace}/${params.secret}`;
    const first = state.memo.get(memoKey);
    if (first === undefined) {
      state.memo.set(memoKey, digest);
      return { ok: true, message: `${label} recorded (${Object.keys(secret.data ?? {}).length} keys)` };
    }
    if (first === digest) return { ok: true, message: `${label} kept its value` };
    return { ok: false, message: `${label} changed since the scenario recorded it` };
  },
});

function digestOf(data: Record<string, string>): string {
  const sorted = Object.keys(data)
    .sort()
    .map((key) => [key, data[key]]);
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex');
}
