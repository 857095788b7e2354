/**
 * Reconciles ExternalSecrets as ESO's pkg/controllers/externalsecret does.
 * Each reconcile decides whether a refresh is due, checks the store gate and
 * fetches every `dataFrom` and `data` entry. It then writes the target Secret
 * by its creationPolicy and reports the Ready condition, events and metrics.
 * After a failed refresh the Secret stays as it was, `refreshTime` does not
 * move, and the error goes back to the work queue for backoff.
 */
import { readyCondition, sameCondition, withReadyCondition } from './conditions.ts';
import type { EventRecorder } from './event-recorder.ts';
import { runGenerator } from './generators.ts';
import { decodeSecretData, resourceVersionOf, sameSecretData } from './hash.ts';
import type { KubeClient, ResourceRef } from './kube-client.ts';
import type { ControllerLogger } from './logger.ts';
import {
  AdmissionMessage,
  dataError,
  dataFromExtractError,
  dataFromGeneratorError,
  EventMessage,
  EventReason,
  ExternalSecretMessage,
  ExternalSecretReason,
  FINALIZER,
  missingProviderSecret,
  missingProviderSecretKey,
  storeNotFound,
  storeNotReady,
} from './messages.ts';
import { MetricName, type Metrics } from './metrics.ts';
import { isSecretValid, nextRefreshInMs, refreshIntervalMs, shouldRefresh } from './refresh.ts';
import {
  applyTemplate,
  controllerOwner,
  desiredMergedSecret,
  desiredOwnedSecret,
  secretDiffers,
} from './secret-builder.ts';
import { ESO_GROUP, ESO_VERSION, storeIsReady, storeResource } from './store-controller.ts';
import type {
  ConditionStatus,
  ExternalSecret,
  KubeSecret,
  SecretData,
  SecretStore,
  StoreKind,
} from './types.ts';
import {
  messageOf,
  NoSecretError,
  type ProviderContext,
  VaultProviderClient,
} from './vault-provider.ts';
import type { ReconcileResult } from './work-queue.ts';

export interface ExternalSecretControllerDeps {
  kube: KubeClient;
  provider: ProviderContext;
  events: EventRecorder;
  metrics: Metrics;
  log: ControllerLogger;
  now: () => number;
}

/** A failed sync: `conditionMessage` goes into the Ready condition, `message` into the UpdateFailed event. */
export class SyncError extends Error {
  constructor(
    readonly conditionMessage: string,
    message: string,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'SyncError';
  }
}

export function externalSecretResource(namespace: string, name: string): ResourceRef {
  return { group: ESO_GROUP, version: ESO_VERSION, plural: 'externalsecrets', namespace, name };
}

export class ExternalSecretController {
  constructor(private readonly deps: ExternalSecretControllerDeps) {}

  async reconcile(namespace: string, name: string): Promise<ReconcileResult> {
    const started = process.hrtime.bigint();
    const labels = { name, namespace };
    try {
      const es = await this.deps.kube.getCustom<ExternalSecret>(
        externalSecretResource(namespace, name),
      );
      if (!es) {
        this.forgetMetrics(labels);
        return {};
      }
      this.deps.metrics.inc(MetricName.syncCallsTotal, labels);
      try {
        return await this.sync(es);
      } catch (error) {
        this.deps.metrics.inc(MetricName.syncCallsError, labels);
        await this.markFailed(es, error);
        throw error;
      }
    } finally {
      // ESO sets this gauge to time.Since(start) as a float: nanoseconds.
      this.deps.metrics.set(
        MetricName.reconcileDuration,
        labels,
        Number(process.hrtime.bigint() - started),
      );
    }
  }

  private async sync(original: ExternalSecret): Promise<ReconcileResult> {
    if (original.metadata.deletionTimestamp) return this.finalize(original);
    const es = await this.ensureFinalizer(original);
    validateSpec(es);

    const targetName = es.spec?.target?.name ?? es.metadata.name;
    const namespace = es.metadata.namespace ?? '';
    const existing = await this.readTarget(namespace, targetName);
    const now = this.deps.now();
    if (!shouldRefresh(es, now) && isSecretValid(es, existing)) {
      return { requeueAfterMs: nextRefreshInMs(es, now) };
    }

    const fetched = await this.fetchData(es);
    const policy = es.spec?.target?.creationPolicy ?? 'Owner';
    if (Object.keys(fetched).length === 0) {
      const done = await this.handleNoData(es, targetName, existing);
      if (done) return this.requeue(es);
    }
    if (policy === 'Merge' && !existing) {
      await this.markDone(
        es,
        targetName,
        ExternalSecretReason.missing,
        ExternalSecretMessage.missing,
      );
      return this.requeue(es);
    }
    if (policy !== 'None') await this.writeTarget(es, targetName, fetched, existing);
    await this.markDone(es, targetName, ExternalSecretReason.synced, ExternalSecretMessage.synced);
    return this.requeue(es);
  }

  /**
   * Applies deletionPolicy when the provider returned no data: Delete removes
   * the Secret, Retain keeps it and reports it, Merge carries on with no keys.
   * Returns true when the reconcile is done.
   */
  private async handleNoData(
    es: ExternalSecret,
    targetName: string,
    existing: KubeSecret | undefined,
  ): Promise<boolean> {
    const deletion = es.spec?.target?.deletionPolicy ?? 'Retain';
    if (deletion === 'Delete') {
      if (await this.deleteTarget(es, existing)) {
        await this.deps.events.record(
          asInvolved(es),
          'Normal',
          EventReason.deleted,
          EventMessage.deleted,
        );
      }
      await this.markDone(
        es,
        targetName,
        ExternalSecretReason.deleted,
        ExternalSecretMessage.deleted,
      );
      return true;
    }
    if (deletion === 'Retain') {
      await this.markDone(
        es,
        targetName,
        ExternalSecretReason.synced,
        ExternalSecretMessage.syncedRetain,
      );
      return true;
    }
    return false;
  }

  private requeue(es: ExternalSecret): ReconcileResult {
    const policy = es.spec?.refreshPolicy ?? 'Periodic';
    const interval = refreshIntervalMs(es);
    return policy === 'Periodic' && interval > 0 ? { requeueAfterMs: interval } : {};
  }

  private async readTarget(namespace: string, name: string): Promise<KubeSecret | undefined> {
    try {
      return await this.deps.kube.getSecret(namespace, name);
    } catch (error) {
      throw new SyncError(ExternalSecretMessage.updateFailed, messageOf(error), error);
    }
  }

  /**
   * Fetches `dataFrom` entries first and then `data`, as ESO's
   * GetProviderSecretData does, so a `data` key wins over the same key from
   * `dataFrom`. Unless deletionPolicy is Retain, a secret missing in Vault is
   * skipped with a MissingProviderSecret event.
   */
  private async fetchData(es: ExternalSecret): Promise<SecretData> {
    const namespace = es.metadata.namespace ?? '';
    const skipMissing = (es.spec?.target?.deletionPolicy ?? 'Retain') !== 'Retain';
    const connection: { client?: VaultProviderClient } = {};
    const connect = async (): Promise<VaultProviderClient> => {
      if (connection.client) return connection.client;
      const store = await this.readyStore(es);
      const vault = store.spec?.provider?.vault as NonNullable<
        NonNullable<SecretStore['spec']>['provider']
      >['vault'] &
        object;
      const identity = {
        kind: store.kind ?? ('SecretStore' as const),
        name: store.metadata.name,
        namespace,
      };
      connection.client = await VaultProviderClient.connect(this.deps.provider, vault, identity);
      return connection.client;
    };
    const reportMissing = (message: string) =>
      this.deps.events.record(asInvolved(es), 'Normal', EventReason.missingProviderSecret, message);

    const data: SecretData = {};
    try {
      for (const [index, entry] of (es.spec?.dataFrom ?? []).entries()) {
        try {
          if (entry.extract) {
            Object.assign(data, await (await connect()).getSecretMap(entry.extract));
          } else if (entry.sourceRef?.generatorRef) {
            const generated = await runGenerator(
              this.deps.provider,
              this.deps.kube,
              entry.sourceRef.generatorRef,
              namespace,
            );
            Object.assign(data, generated);
          }
        } catch (error) {
          if (error instanceof NoSecretError && skipMissing) {
            await reportMissing(missingProviderSecret(index));
            continue;
          }
          const text = entry.extract
            ? dataFromExtractError(index, messageOf(error))
            : dataFromGeneratorError(index, messageOf(error));
          throw new SyncError(ExternalSecretMessage.getDataFailed, text, error);
        }
      }
      for (const [index, entry] of (es.spec?.data ?? []).entries()) {
        try {
          data[entry.secretKey] = await (await connect()).getSecret(entry.remoteRef);
        } catch (error) {
          if (error instanceof NoSecretError && skipMissing) {
            await reportMissing(missingProviderSecretKey(index, entry.remoteRef.key));
            continue;
          }
          const text = dataError(index, entry.remoteRef.key, messageOf(error));
          throw new SyncError(ExternalSecretMessage.getDataFailed, text, error);
        }
      }
    } finally {
      await connection.client?.close();
    }
    return data;
  }

  /**
   * Returns the referenced store. It fails when the store is missing, closed to
   * this namespace or not Ready (ESO's flood gate), and the caller wraps the
   * error with the entry it was fetching, as ESO's client manager does.
   */
  private async readyStore(es: ExternalSecret): Promise<SecretStore> {
    const kind: StoreKind = es.spec?.secretStoreRef?.kind ?? 'SecretStore';
    const name = es.spec?.secretStoreRef?.name ?? '';
    const namespace = es.metadata.namespace ?? '';
    const store = await this.deps.kube.getCustom<SecretStore>(storeResource(kind, namespace, name));
    if (!store) throw new Error(storeNotFound(kind, name));
    store.kind = kind;
    if (kind === 'ClusterSecretStore' && !clusterStoreAllows(store, namespace)) {
      throw new Error(
        `using cluster store "${name}" is not allowed from namespace "${namespace}": denied by spec.condition`,
      );
    }
    if (!storeIsReady(store)) throw new Error(storeNotReady(kind, name));
    if (!store.spec?.provider?.vault) {
      throw new Error(
        `${kind} "${name}" has no spec.provider.vault: the embedded controller supports the Vault provider only`,
      );
    }
    return store;
  }

  private async writeTarget(
    es: ExternalSecret,
    targetName: string,
    fetched: SecretData,
    existing: KubeSecret | undefined,
  ): Promise<void> {
    let built: ReturnType<typeof applyTemplate>;
    try {
      built = applyTemplate(es, fetched);
    } catch (error) {
      throw new SyncError(ExternalSecretMessage.updateFailed, messageOf(error), error);
    }
    const policy = es.spec?.target?.creationPolicy ?? 'Owner';
    const owner = existing ? controllerOwner(existing) : undefined;
    if (owner && owner.uid !== es.metadata.uid && policy !== 'Merge') {
      throw new SyncError(ExternalSecretMessage.ownedByOther, ExternalSecretMessage.ownedByOther);
    }
    const desired =
      policy === 'Merge' && existing
        ? desiredMergedSecret(built, existing)
        : desiredOwnedSecret(es, targetName, built, existing);
    try {
      if (!existing) {
        await this.deps.kube.createSecret(desired);
        await this.deps.events.record(
          asInvolved(es),
          'Normal',
          EventReason.created,
          EventMessage.created,
        );
        return;
      }
      if (!secretDiffers(existing, desired)) return;
      await this.deps.kube.replaceSecret(desired);
      if (!sameSecretData(decodeSecretData(existing.data), decodeSecretData(desired.data))) {
        await this.deps.events.record(
          asInvolved(es),
          'Normal',
          EventReason.updated,
          EventMessage.updated,
        );
      }
    } catch (error) {
      throw new SyncError(ExternalSecretMessage.updateFailed, messageOf(error), error);
    }
  }

  /** Deletes the target only when this ExternalSecret manages it. */
  private async deleteTarget(
    es: ExternalSecret,
    existing: KubeSecret | undefined,
  ): Promise<boolean> {
    if (!existing || controllerOwner(existing)?.uid !== es.metadata.uid) return false;
    try {
      await this.deps.kube.deleteSecret(existing.metadata.namespace ?? '', existing.metadata.name);
      return true;
    } catch (error) {
      throw new SyncError(ExternalSecretMessage.updateFailed, messageOf(error), error);
    }
  }

  /** Adds the cleanup finalizer, which ESO 2.9 keeps on every ExternalSecret. */
  private async ensureFinalizer(es: ExternalSecret): Promise<ExternalSecret> {
    const finalizers = es.metadata.finalizers ?? [];
    if (finalizers.includes(FINALIZER)) return es;
    const body = { ...es, metadata: { ...es.metadata, finalizers: [...finalizers, FINALIZER] } };
    return this.deps.kube.replaceCustom(
      externalSecretResource(es.metadata.namespace ?? '', es.metadata.name),
      body,
    );
  }

  /** Cleans up a deleted ExternalSecret: with deletionPolicy Delete the managed Secret is deleted too. */
  private async finalize(es: ExternalSecret): Promise<ReconcileResult> {
    const finalizers = es.metadata.finalizers ?? [];
    if (!finalizers.includes(FINALIZER)) return {};
    if (es.spec?.target?.deletionPolicy === 'Delete') {
      const targetName = es.spec?.target?.name ?? es.metadata.name;
      const existing = await this.deps.kube.getSecret(es.metadata.namespace ?? '', targetName);
      await this.deleteTarget(es, existing);
    }
    const body = {
      ...es,
      metadata: { ...es.metadata, finalizers: finalizers.filter((item) => item !== FINALIZER) },
    };
    await this.deps.kube.replaceCustom(
      externalSecretResource(es.metadata.namespace ?? '', es.metadata.name),
      body,
    );
    this.forgetMetrics({ name: es.metadata.name, namespace: es.metadata.namespace ?? '' });
    return {};
  }

  private async markDone(
    es: ExternalSecret,
    targetName: string,
    reason: string,
    message: string,
  ): Promise<void> {
    await this.updateStatus(es, 'True', reason, message, {
      refreshTime: new Date(this.deps.now()).toISOString(),
      syncedResourceVersion: resourceVersionOf(es.metadata),
      binding: { name: targetName },
    });
    this.setConditionMetric(es, 'True');
    this.deps.log.info('reconciled secret', {
      ExternalSecret: { name: es.metadata.name, namespace: es.metadata.namespace },
    });
  }

  private async markFailed(es: ExternalSecret, error: unknown): Promise<void> {
    const conditionMessage =
      error instanceof SyncError ? error.conditionMessage : ExternalSecretMessage.getDataFailed;
    const message = messageOf(error);
    this.deps.log.error(conditionMessage, error, {
      ExternalSecret: { name: es.metadata.name, namespace: es.metadata.namespace },
    });
    await this.deps.events.record(asInvolved(es), 'Warning', EventReason.updateFailed, message);
    try {
      await this.updateStatus(es, 'False', ExternalSecretReason.syncedError, conditionMessage, {});
    } catch (statusError) {
      this.deps.log.error('failed to update status', statusError, {
        ExternalSecret: { name: es.metadata.name, namespace: es.metadata.namespace },
      });
    }
    this.setConditionMetric(es, 'False');
  }

  /** Writes the Ready condition and `extra` status fields when anything changed; retries on a conflict. */
  private async updateStatus(
    original: ExternalSecret,
    status: ConditionStatus,
    reason: string,
    message: string,
    extra: NonNullable<ExternalSecret['status']>,
  ): Promise<void> {
    const ref = externalSecretResource(original.metadata.namespace ?? '', original.metadata.name);
    for (let attempt = 0; ; attempt++) {
      const es = await this.deps.kube.getCustom<ExternalSecret>(ref);
      if (!es) return;
      const nowIso = new Date(this.deps.now()).toISOString();
      const conditions = withReadyCondition(es.status?.conditions, status, reason, message, nowIso);
      const next = { ...es.status, ...extra, conditions };
      const unchanged =
        sameCondition(readyCondition(es.status?.conditions), readyCondition(conditions)) &&
        Object.keys(extra).length === 0;
      if (unchanged) return;
      try {
        await this.deps.kube.replaceStatus(ref, { ...es, status: next });
        return;
      } catch (error) {
        if ((error as { status?: number }).status !== 409 || attempt >= 3) throw error;
      }
    }
  }

  private setConditionMetric(es: ExternalSecret, status: ConditionStatus): void {
    const labels = { name: es.metadata.name, namespace: es.metadata.namespace ?? '' };
    this.deps.metrics.setCondition(MetricName.externalSecretCondition, labels, 'Ready', status);
  }

  private forgetMetrics(labels: { name: string; namespace: string }): void {
    for (const name of [
      MetricName.syncCallsTotal,
      MetricName.syncCallsError,
      MetricName.externalSecretCondition,
      MetricName.reconcileDuration,
    ]) {
      this.deps.metrics.remove(name, labels);
    }
  }
}

/** Runs the checks of ESO's admission webhook, which the embedded API server does not run. */
function validateSpec(es: ExternalSecret): void {
  const spec = es.spec ?? {};
  if ((spec.data?.length ?? 0) === 0 && (spec.dataFrom?.length ?? 0) === 0) {
    throw new SyncError(ExternalSecretMessage.getDataFailed, AdmissionMessage.noData);
  }
  const creation = spec.target?.creationPolicy ?? 'Owner';
  if (spec.target?.deletionPolicy === 'Delete' && creation !== 'Owner') {
    throw new SyncError(ExternalSecretMessage.getDataFailed, AdmissionMessage.deleteWithoutOwner);
  }
  try {
    refreshIntervalMs(es);
  } catch (error) {
    throw new SyncError(
      ExternalSecretMessage.getDataFailed,
      `invalid spec.refreshInterval: ${messageOf(error)}`,
      error,
    );
  }
}

function clusterStoreAllows(store: SecretStore, namespace: string): boolean {
  const conditions = store.spec?.conditions ?? [];
  if (conditions.length === 0) return true;
  return conditions.some((condition) => (condition.namespaces ?? []).includes(namespace));
}

function asInvolved(es: ExternalSecret) {
  return {
    apiVersion: `${ESO_GROUP}/${ESO_VERSION}`,
    kind: 'ExternalSecret',
    metadata: es.metadata,
  };
}
