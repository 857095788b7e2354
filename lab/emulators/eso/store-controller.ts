/**
 * Reconciles SecretStores and ClusterSecretStores as ESO's
 * pkg/controllers/secretstore/common.go does: build a client (which logs in
 * for Kubernetes auth), validate it (`lookup-self`), set the Ready condition
 * and its event, and come back after `spec.refreshInterval` seconds or the
 * controller's store requeue interval.
 */
import { isReady, readyCondition, sameCondition, withReadyCondition } from './conditions.ts';
import type { EventRecorder } from './event-recorder.ts';
import type { KubeClient, ResourceRef } from './kube-client.ts';
import type { ControllerLogger } from './logger.ts';
import { EventMessage, EventReason, StoreMessage, StoreReason } from './messages.ts';
import { MetricName, type Metrics } from './metrics.ts';
import type { ConditionStatus, SecretStore, StoreKind } from './types.ts';
import { messageOf, type ProviderContext, VaultProviderClient } from './vault-provider.ts';
import type { ReconcileResult } from './work-queue.ts';

export const ESO_GROUP = 'external-secrets.io';
export const ESO_VERSION = 'v1';

export function storeResource(kind: StoreKind, namespace: string, name: string): ResourceRef {
  return kind === 'SecretStore'
    ? { group: ESO_GROUP, version: ESO_VERSION, plural: 'secretstores', namespace, name }
    : { group: ESO_GROUP, version: ESO_VERSION, plural: 'clustersecretstores', name };
}

export interface StoreControllerDeps {
  kube: KubeClient;
  provider: ProviderContext;
  events: EventRecorder;
  metrics: Metrics;
  log: ControllerLogger;
  now: () => number;
  storeRequeueMs: number;
}

/** A failed validation; `conditionMessage` is the general text, `message` the detailed one for the event. */
class StoreValidationError extends Error {
  constructor(
    readonly conditionMessage: string,
    cause: unknown,
  ) {
    super(messageOf(cause), { cause });
  }
}

export class StoreController {
  constructor(private readonly deps: StoreControllerDeps) {}

  async reconcile(kind: StoreKind, namespace: string, name: string): Promise<ReconcileResult> {
    const ref = storeResource(kind, namespace, name);
    const store = await this.deps.kube.getCustom<SecretStore>(ref);
    const labels = kind === 'SecretStore' ? { name, namespace } : { name, namespace: '' };
    if (!store) {
      this.deps.metrics.remove(MetricName.secretStoreCondition, labels);
      return {};
    }
    if (store.spec?.controller) return {};

    const requeueAfterMs = storeRequeueMs(store, this.deps.storeRequeueMs);
    try {
      await this.validate(kind, store);
    } catch (error) {
      if (!(error instanceof StoreValidationError)) throw error;
      await this.setStatus(
        kind,
        ref,
        'False',
        StoreReason.invalidProviderConfig,
        error.conditionMessage,
      );
      await this.deps.events.record(
        withKind(store, kind),
        'Warning',
        EventReason.invalidProviderConfig,
        error.message,
      );
      this.deps.metrics.setCondition(MetricName.secretStoreCondition, labels, 'Ready', 'False');
      throw error;
    }
    await this.setStatus(kind, ref, 'True', StoreReason.valid, StoreMessage.valid);
    await this.deps.events.record(
      withKind(store, kind),
      'Normal',
      EventReason.valid,
      EventMessage.storeValid,
    );
    this.deps.metrics.setCondition(MetricName.secretStoreCondition, labels, 'Ready', 'True');
    return { requeueAfterMs };
  }

  private async validate(kind: StoreKind, store: SecretStore): Promise<void> {
    const vault = store.spec?.provider?.vault;
    if (!vault) {
      const missing = new Error(
        'no provider configured: the embedded controller supports spec.provider.vault only',
      );
      throw new StoreValidationError(StoreMessage.clientFailed, missing);
    }
    let client: VaultProviderClient;
    try {
      client = await VaultProviderClient.connect(this.deps.provider, vault, {
        kind,
        name: store.metadata.name,
        namespace: store.metadata.namespace ?? '',
      });
    } catch (error) {
      throw new StoreValidationError(StoreMessage.clientFailed, error);
    }
    try {
      await client.validate();
    } catch (error) {
      throw new StoreValidationError(StoreMessage.validationFailed, error);
    } finally {
      await client.close();
    }
  }

  /** Writes the Ready condition when it changed; re-reads and retries on a conflict. */
  private async setStatus(
    kind: StoreKind,
    ref: ResourceRef,
    status: ConditionStatus,
    reason: string,
    message: string,
  ): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const store = await this.deps.kube.getCustom<SecretStore>(ref);
      if (!store) return;
      const nowIso = new Date(this.deps.now()).toISOString();
      const conditions = withReadyCondition(
        store.status?.conditions,
        status,
        reason,
        message,
        nowIso,
      );
      const unchanged =
        sameCondition(readyCondition(store.status?.conditions), readyCondition(conditions)) &&
        store.status?.capabilities === 'ReadWrite';
      if (unchanged) return;
      const body = {
        ...store,
        kind,
        apiVersion: `${ESO_GROUP}/${ESO_VERSION}`,
        status: { ...store.status, conditions, capabilities: 'ReadWrite' },
      };
      try {
        await this.deps.kube.replaceStatus(ref, body);
        return;
      } catch (error) {
        if ((error as { status?: number }).status !== 409 || attempt >= 3) throw error;
      }
    }
  }
}

/** Returns the store's own interval (`spec.refreshInterval`, in seconds) or the controller default, in ms. */
export function storeRequeueMs(store: SecretStore, fallbackMs: number): number {
  const seconds = store.spec?.refreshInterval;
  return typeof seconds === 'number' && seconds > 0 ? seconds * 1000 : fallbackMs;
}

export function storeIsReady(store: SecretStore): boolean {
  return isReady(store.status?.conditions);
}

function withKind(store: SecretStore, kind: StoreKind) {
  return { apiVersion: `${ESO_GROUP}/${ESO_VERSION}`, kind, metadata: store.metadata };
}
