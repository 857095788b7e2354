/**
 * The Ready condition of ExternalSecrets and stores, set as ESO's
 * SetExternalSecretCondition and SetSecretStoreCondition do:
 * `lastTransitionTime` moves only when the status changes.
 */
import type { Condition, ConditionStatus } from './types.ts';

export function readyCondition(conditions: Condition[] | undefined): Condition | undefined {
  return conditions?.find((condition) => condition.type === 'Ready');
}

/** Returns the condition list with Ready replaced by the new values. */
export function withReadyCondition(
  conditions: Condition[] | undefined,
  status: ConditionStatus,
  reason: string,
  message: string,
  nowIso: string,
): Condition[] {
  const current = readyCondition(conditions);
  const lastTransitionTime =
    current && current.status === status && current.lastTransitionTime
      ? current.lastTransitionTime
      : nowIso;
  const next: Condition = { type: 'Ready', status, reason, message, lastTransitionTime };
  return [...(conditions ?? []).filter((condition) => condition.type !== 'Ready'), next];
}

export function isReady(conditions: Condition[] | undefined): boolean {
  return readyCondition(conditions)?.status === 'True';
}

export function sameCondition(left: Condition | undefined, right: Condition | undefined): boolean {
  return (
    left?.status === right?.status &&
    left?.reason === right?.reason &&
    left?.message === right?.message &&
    left?.lastTransitionTime === right?.lastTransitionTime
  );
}
