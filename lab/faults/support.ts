/** Steps several faults share: forcing an ESO sync, editing ESO objects, waiting for a rollout. */
import type { KubeClient, KubeObject, ObjectRef } from '../clients/kube.ts';
import { ESO_API_VERSION, FORCE_SYNC_ANNOTATION } from '../clients/platform.ts';
import { InvalidInputError } from '../core/errors.ts';

export function externalSecretRef(name: string, namespace: string): ObjectRef {
  return { apiVersion: ESO_API_VERSION, kind: 'ExternalSecret', name, namespace };
}

export function secretStoreRef(name: string, namespace: string): ObjectRef {
  return { apiVersion: ESO_API_VERSION, kind: 'SecretStore', name, namespace };
}

/** Reads an object a fault needs, or throws an error that names it and what to check. */
export async function readTarget<T extends KubeObject = KubeObject>(kube: KubeClient, ref: ObjectRef): Promise<T> {
  const object = await kube.get<T>(ref);
  if (!object) {
    const where = ref.namespace ? ` in namespace ${ref.namespace}` : '';
    throw new InvalidInputError(`fault target ${ref.kind} ${ref.name} not found${where}`, {
      hint: 'check the fault fields of the scenario, or run `lab up` again to restore the platform objects',
    });
  }
  return object;
}

/**
 * Makes ESO reconcile now, as `kubectl annotate externalsecret NAME
 * force-sync=$(date +%s) --overwrite` does: any annotation change triggers it.
 */
export async function forceSync(kube: KubeClient, refs: ObjectRef[]): Promise<void> {
  const stamp = String(Date.now());
  for (const ref of refs) {
    await kube.patch(ref, { metadata: { annotations: { [FORCE_SYNC_ANNOTATION]: stamp } } }).catch(() => {});
  }
}

/** The ExternalSecrets of `namespace` that read from the SecretStore `store`. */
export async function externalSecretsOfStore(kube: KubeClient, store: string, namespace: string): Promise<ObjectRef[]> {
  const items = await kube.list(ESO_API_VERSION, 'ExternalSecret', namespace);
  return items
    .filter((item) => (item.spec as { secretStoreRef?: { name?: string } } | undefined)?.secretStoreRef?.name === store)
    .map((item) => externalSecretRef(item.metadata.name, namespace));
}

/** Forces a sync of a store and of every ExternalSecret that uses it. */
export async function forceSyncStore(kube: KubeClient, store: string, namespace: string): Promise<void> {
  const dependents = await externalSecretsOfStore(kube, store, namespace);
  await forceSync(kube, [secretStoreRef(store, namespace), ...dependents]);
}

/** A JSON Patch that sets `path` to `value`, or removes it when `value` is undefined. */
export function setOrRemove(path: string, value: unknown, exists: boolean): Array<Record<string, unknown>> {
  if (value === undefined) return exists ? [{ op: 'remove', path }] : [];
  return [{ op: exists ? 'replace' : 'add', path, value }];
}

/** Waits until a Deployment has rolled out: every replica updated and available. */
export async function waitForRollout(
  kube: KubeClient,
  ref: ObjectRef,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const deployment = await kube.read(ref);
    const spec = deployment.spec as { replicas?: number } | undefined;
    const status = (deployment.status ?? {}) as Record<string, number | undefined>;
    const wanted = spec?.replicas ?? 1;
    const generation = Number(deployment.metadata.generation ?? 0);
    const done =
      (status.observedGeneration ?? 0) >= generation &&
      (status.updatedReplicas ?? 0) >= wanted &&
      (status.availableReplicas ?? 0) >= wanted &&
      (status.replicas ?? 0) === wanted;
    if (done) return;
    if (Date.now() > deadline || signal?.aborted) {
      throw new Error(
        `Deployment ${ref.namespace}/${ref.name} did not roll out within ${Math.round(timeoutMs / 1000)}s ` +
          `(updated ${status.updatedReplicas ?? 0}, available ${status.availableReplicas ?? 0} of ${wanted})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
