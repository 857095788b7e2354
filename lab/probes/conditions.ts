/**
 * Ready conditions of ESO objects. Reasons and messages are the ones ESO
 * sets (apis/externalsecrets/v1 in external-secrets/external-secrets).
 */
import type { KubeObject } from '../clients/kube.ts';

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export function readyCondition(object: KubeObject | undefined): Condition | undefined {
  const conditions = (object?.status as { conditions?: Condition[] } | undefined)?.conditions ?? [];
  return conditions.find((condition) => condition.type === 'Ready');
}

export function describeCondition(condition: Condition | undefined): string {
  if (!condition) return 'no Ready condition yet';
  const reason = condition.reason ? ` ${condition.reason}` : '';
  const message = condition.message ? `: ${condition.message}` : '';
  return `Ready=${condition.status}${reason}${message}`;
}
