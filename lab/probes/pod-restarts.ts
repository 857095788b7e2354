/**
 * Pods of a selector were not restarted or replaced: the first check records
 * each pod's uid and restart count, later checks compare. A rotation without
 * restart must leave both unchanged.
 */
import { z } from 'zod';
import type { KubeObject } from '../clients/kube.ts';
import { PLATFORM } from '../clients/platform.ts';
import { defineProbe } from './probe.ts';

interface PodObject extends KubeObject {
  status?: { containerStatuses?: Array<{ restartCount?: number }> };
}

type PodBaseline = Map<string, number>;

export const podRestarts = defineProbe({
  name: 'pod-restarts',
  description: 'pods of a label selector keep their uid and restart count (or, with expect: restarted, changed)',
  schema: z.strictObject({
    namespace: z.string().min(1).default(PLATFORM.namespaces.app),
    selector: z.string().min(1).default(PLATFORM.app.selector),
    expect: z.enum(['unchanged', 'restarted']).default('unchanged'),
  }),
  async check({ clients, state }, params) {
    const pods = await clients.kube.list<PodObject>('v1', 'Pod', params.namespace, { labelSelector: params.selector });
    const current: PodBaseline = new Map(pods.map((pod) => [pod.metadata.uid ?? pod.metadata.name, restartsOf(pod)]));
    const memoKey = `pod-restarts:${params.namespace}/${params.selector}`;
    const baseline = state.memo.get(memoKey) as PodBaseline | undefined;
    if (!baseline) {
      state.memo.set(memoKey, current);
      return { ok: params.expect === 'unchanged', message: `recorded ${pods.length} pods for ${params.selector}` };
    }

    const replaced = [...baseline.keys()].filter((uid) => !current.has(uid)).length;
    const restarted = [...current].filter(([uid, count]) => baseline.has(uid) && count > (baseline.get(uid) ?? 0)).length;
    const changed = replaced + restarted > 0;
    const message = `${pods.length} pods for ${params.selector}: ${replaced} replaced, ${restarted} restarted`;
    return { ok: params.expect === 'unchanged' ? !changed : changed, message, value: replaced + restarted };
  },
});

function restartsOf(pod: PodObject): number {
  return (pod.status?.containerStatuses ?? []).reduce((sum, status) => sum + (status.restartCount ?? 0), 0);
}
