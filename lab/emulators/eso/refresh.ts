/**
 * When an ExternalSecret is fetched again, as ESO's shouldRefresh and
 * isSecretValid decide (pkg/controllers/externalsecret/externalsecret_controller.go).
 */
import { parseGoDuration } from './go-duration.ts';
import { dataHash, decodeSecretData, resourceVersionOf } from './hash.ts';
import { ANNOTATION_DATA_HASH, LABEL_MANAGED } from './messages.ts';
import type { ExternalSecret, KubeSecret } from './types.ts';

export const DEFAULT_REFRESH_INTERVAL = '1h0m0s';

export function refreshIntervalMs(es: ExternalSecret): number {
  return parseGoDuration(es.spec?.refreshInterval ?? DEFAULT_REFRESH_INTERVAL);
}

/**
 * True when the ExternalSecret must be fetched now: its spec, labels or
 * annotations changed since the last sync, it was never synced, or (Periodic
 * with an interval above 0) the interval has passed since `refreshTime`.
 */
export function shouldRefresh(es: ExternalSecret, nowMs: number): boolean {
  const status = es.status ?? {};
  const synced = status.syncedResourceVersion;
  const changed = synced !== resourceVersionOf(es.metadata);
  const refreshed = status.refreshTime ? Date.parse(status.refreshTime) : Number.NaN;
  switch (es.spec?.refreshPolicy ?? 'Periodic') {
    case 'CreatedOnce':
      return !synced || Number.isNaN(refreshed);
    case 'OnChange':
      return changed || Number.isNaN(refreshed);
    case 'Periodic': {
      const interval = refreshIntervalMs(es);
      if (interval <= 0 && synced && !Number.isNaN(refreshed)) return changed;
      if (changed || Number.isNaN(refreshed)) return true;
      return nowMs >= refreshed + interval;
    }
  }
}

/** Milliseconds until the next periodic refresh, or undefined when none is due. */
export function nextRefreshInMs(es: ExternalSecret, nowMs: number): number | undefined {
  if ((es.spec?.refreshPolicy ?? 'Periodic') !== 'Periodic') return undefined;
  const interval = refreshIntervalMs(es);
  if (interval <= 0) return undefined;
  const refreshed = es.status?.refreshTime ? Date.parse(es.status.refreshTime) : nowMs;
  return Math.max(0, refreshed + interval - nowMs);
}

/**
 * True when the target Secret still matches what the controller last wrote:
 * it exists and its data hash annotation equals the hash of its data. A
 * Secret edited or deleted by someone else is rewritten at once.
 */
export function isSecretValid(es: ExternalSecret, secret: KubeSecret | undefined): boolean {
  const policy = es.spec?.target?.creationPolicy ?? 'Owner';
  if (policy === 'None') return true;
  if (!secret) return false;
  if (policy !== 'Merge' && secret.metadata.labels?.[LABEL_MANAGED] !== 'true') return false;
  return (
    secret.metadata.annotations?.[ANNOTATION_DATA_HASH] === dataHash(decodeSecretData(secret.data))
  );
}
