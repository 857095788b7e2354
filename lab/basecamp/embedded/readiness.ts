/**
 * "Everything is Ready": both ExternalSecrets report Ready=True, the
 * Deployment `app` has all replicas available, and the service answers
 * `/items` through its NodePort. Used by `lab up` and `acquireBasecamp`.
 */
import { CustomObjectsApi } from '@kubernetes/client-node';
import { EnvironmentError } from '../../core/errors.ts';
import type { ClusterClient } from '../../emulators/kubelet/cluster-client.ts';
import type { BasecampEndpoints } from '../types.ts';
import { sleep } from './state.ts';

export interface ReadinessReport {
  ready: boolean;
  /** One line per part that is not ready yet, with its last condition message. */
  waitingFor: string[];
}

interface ConditionHolder {
  metadata?: { name?: string };
  status?: { conditions?: Array<{ type: string; status: string; reason?: string; message?: string }> };
}

/** Checks readiness once. */
export async function checkReadiness(client: ClusterClient, endpoints: BasecampEndpoints): Promise<ReadinessReport> {
  const waitingFor: string[] = [];
  const custom = client.config.makeApiClient(CustomObjectsApi);

  try {
    const list = (await custom.listNamespacedCustomObject({ group: 'external-secrets.io', version: 'v1', namespace: 'basecamp', plural: 'externalsecrets' })) as { items: ConditionHolder[] };
    for (const name of ['app-db', 'app-config']) {
      const item = list.items.find((entry) => entry.metadata?.name === name);
      const ready = item?.status?.conditions?.find((condition) => condition.type === 'Ready');
      if (ready?.status !== 'True') waitingFor.push(`ExternalSecret basecamp/${name}: ${ready ? `${ready.reason}: ${ready.message}` : 'no Ready condition yet'}`);
    }
  } catch (error) {
    waitingFor.push(`ExternalSecrets: listing failed: ${(error as Error).message}`);
  }

  try {
    const deployment = await client.apps.readNamespacedDeployment({ namespace: 'basecamp', name: 'app' });
    const desired = deployment.spec?.replicas ?? 1;
    const available = deployment.status?.availableReplicas ?? 0;
    if (available < desired) waitingFor.push(`Deployment basecamp/app: ${available}/${desired} replicas available`);
  } catch (error) {
    waitingFor.push(`Deployment basecamp/app: reading failed: ${(error as Error).message}`);
  }

  if (waitingFor.length === 0) {
    try {
      const response = await fetch(`${endpoints.serviceUrl}/items`, { signal: AbortSignal.timeout(3_000) });
      if (response.status !== 200) waitingFor.push(`service ${endpoints.serviceUrl}/items: HTTP ${response.status}`);
      await response.body?.cancel();
    } catch (error) {
      waitingFor.push(`service ${endpoints.serviceUrl}/items: ${(error as Error).message}`);
    }
  }
  return { ready: waitingFor.length === 0, waitingFor };
}

/** Polls until ready or `timeoutMs` passes, then fails with what is still missing. */
export async function waitUntilReady(client: ClusterClient, endpoints: BasecampEndpoints, timeoutMs: number, log: (line: string) => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: ReadinessReport = { ready: false, waitingFor: ['nothing checked yet'] };
  let lastLogged = '';
  while (Date.now() < deadline) {
    last = await checkReadiness(client, endpoints);
    if (last.ready) return;
    const summary = last.waitingFor.join('; ');
    if (summary !== lastLogged) log(`waiting for: ${summary}`);
    lastLogged = summary;
    await sleep(500);
  }
  throw new EnvironmentError(`the embedded basecamp was not Ready after ${Math.round(timeoutMs / 1000)} s; still waiting for:\n  ${last.waitingFor.join('\n  ')}`, {
    hint: `read ${endpoints.stateDir}/supervisor.log and the pod logs under ${endpoints.stateDir}/pods/`,
  });
}
