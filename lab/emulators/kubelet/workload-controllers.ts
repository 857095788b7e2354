/**
 * The Deployment and ReplicaSet controllers of kube-controller-manager, cut
 * down to what the basecamp needs, as API clients (pkg/controller/deployment
 * and pkg/controller/replicaset in kubernetes/kubernetes):
 *
 * - a Deployment owns one ReplicaSet per pod template, named
 *   `<deployment>-<pod-template-hash>`;
 * - RollingUpdate scales the new ReplicaSet up within `replicas + maxSurge`
 *   and old ones down while at least `replicas - maxUnavailable` pods are
 *   available (defaults 25% each; surge rounds up, unavailable rounds down);
 *   Recreate scales old ReplicaSets to zero first;
 * - a ReplicaSet creates or deletes pods to match `spec.replicas`, deleting
 *   not-ready pods first.
 *
 * Both reconcile every object on each `sync` call (level-triggered); the
 * supervisor calls it on a short interval.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { V1Deployment, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import { type ClusterClient, describeError, ignoreNotFoundOrConflict } from './cluster-client.ts';

export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export interface WorkloadControllerOptions {
  client: ClusterClient;
  /** Node name written into `spec.nodeName` of new pods (the scheduler's bind, done at creation). */
  nodeName: string;
  log(message: string, fields?: Record<string, unknown>): void;
}

/** A name suffix from the alphabet Kubernetes uses for generated names (no vowels, no 0/1/3). */
export function safeEncode(bytes: Buffer, length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += SAFE_ALPHABET[(bytes[i % bytes.length] as number) % SAFE_ALPHABET.length];
  return text;
}

/** A stable hash of a pod template, as the `pod-template-hash` label. */
export function podTemplateHash(template: unknown): string {
  return safeEncode(createHash('sha256').update(stableJson(template)).digest(), 10);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${stableJson(entry)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Resolves an int-or-percent (`maxSurge: 25%`) against `total`. */
export function resolveIntOrPercent(value: number | string | undefined, total: number, fallback: string, roundUp: boolean): number {
  const raw = value ?? fallback;
  if (typeof raw === 'number') return raw;
  const match = /^(\d+)%$/.exec(raw);
  if (!match) return Number.parseInt(raw, 10) || 0;
  const exact = (Number(match[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

export function isPodReady(pod: V1Pod): boolean {
  return Boolean(pod.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True'));
}

function isOwnedBy(object: { metadata?: { ownerReferences?: Array<{ uid: string; controller?: boolean }> } }, uid: string | undefined): boolean {
  return Boolean(uid && object.metadata?.ownerReferences?.some((owner) => owner.uid === uid && owner.controller));
}

function isTerminating(pod: V1Pod): boolean {
  return pod.metadata?.deletionTimestamp !== undefined || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

export class WorkloadControllers {
  readonly #options: WorkloadControllerOptions;

  constructor(options: WorkloadControllerOptions) {
    this.#options = options;
  }

  /** Reconciles every Deployment, then every ReplicaSet. */
  async sync(): Promise<void> {
    const { apps, core } = this.#options.client;
    const [deployments, replicaSets, pods] = await Promise.all([
      apps.listDeploymentForAllNamespaces(),
      apps.listReplicaSetForAllNamespaces(),
      core.listPodForAllNamespaces(),
    ]);
    for (const deployment of deployments.items) {
      await this.#guard(`Deployment ${deployment.metadata?.namespace}/${deployment.metadata?.name}`, () =>
        this.#syncDeployment(deployment, replicaSets.items, pods.items),
      );
    }
    for (const replicaSet of replicaSets.items) {
      await this.#guard(`ReplicaSet ${replicaSet.metadata?.namespace}/${replicaSet.metadata?.name}`, () =>
        this.#syncReplicaSet(replicaSet, pods.items),
      );
    }
  }

  async #guard(what: string, action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (error) {
      this.#options.log(`syncing ${what} failed`, { error: describeError(error) });
    }
  }

  async #syncDeployment(deployment: V1Deployment, allReplicaSets: V1ReplicaSet[], pods: V1Pod[]): Promise<void> {
    const namespace = deployment.metadata?.namespace as string;
    const name = deployment.metadata?.name as string;
    if (deployment.metadata?.deletionTimestamp) return;
    const desired = deployment.spec?.replicas ?? 1;
    const hash = podTemplateHash(deployment.spec?.template);
    const owned = allReplicaSets.filter((rs) => rs.metadata?.namespace === namespace && isOwnedBy(rs, deployment.metadata?.uid));
    let current = owned.find((rs) => rs.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL] === hash);
    const old = owned.filter((rs) => rs !== current);

    if (!current) {
      current = await this.#createReplicaSet(deployment, hash, old.length === 0 ? desired : 0);
      if (!current) return;
    }

    const podsOf = (rs: V1ReplicaSet) =>
      pods.filter((pod) => pod.metadata?.namespace === namespace && isOwnedBy(pod, rs.metadata?.uid) && !isTerminating(pod));
    const available = (rs: V1ReplicaSet) => podsOf(rs).filter(isPodReady).length;
    const strategy = deployment.spec?.strategy?.type ?? 'RollingUpdate';

    if (strategy === 'Recreate') {
      for (const rs of old) await this.#scale(rs, 0);
      const oldPods = old.reduce((sum, rs) => sum + podsOf(rs).length, 0);
      if (oldPods === 0) await this.#scale(current, desired);
    } else {
      const rolling = deployment.spec?.strategy?.rollingUpdate;
      const maxSurge = resolveIntOrPercent(rolling?.maxSurge as number | string | undefined, desired, '25%', true);
      let maxUnavailable = resolveIntOrPercent(rolling?.maxUnavailable as number | string | undefined, desired, '25%', false);
      if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;

      // Scale up the new ReplicaSet within replicas + maxSurge.
      const specTotal = owned.reduce((sum, rs) => sum + (rs.spec?.replicas ?? 0), 0) + (owned.includes(current) ? 0 : current.spec?.replicas ?? 0);
      const currentReplicas = current.spec?.replicas ?? 0;
      if (currentReplicas < desired) {
        const room = desired + maxSurge - specTotal;
        if (room > 0) await this.#scale(current, Math.min(desired, currentReplicas + room));
      } else if (currentReplicas > desired) {
        await this.#scale(current, desired);
      }

      // Scale old ReplicaSets down while enough pods stay available.
      const totalAvailable = owned.reduce((sum, rs) => sum + available(rs), 0);
      let canRemove = totalAvailable - (desired - maxUnavailable);
      for (const rs of old) {
        const replicas = rs.spec?.replicas ?? 0;
        if (replicas === 0) continue;
        // Pods of an old ReplicaSet that are not available cost no availability.
        const unavailable = Math.max(0, replicas - available(rs));
        const remove = Math.min(replicas, unavailable + Math.max(0, canRemove));
        if (remove <= 0) continue;
        canRemove -= Math.max(0, remove - unavailable);
        await this.#scale(rs, replicas - remove);
      }
    }

    await this.#writeDeploymentStatus(deployment, current, owned, podsOf, desired);
  }

  async #createReplicaSet(deployment: V1Deployment, hash: string, replicas: number): Promise<V1ReplicaSet | undefined> {
    const namespace = deployment.metadata?.namespace as string;
    const template = structuredClone(deployment.spec?.template ?? {});
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH_LABEL]: hash } };
    const body: V1ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${deployment.metadata?.name}-${hash}`,
        namespace,
        labels: { ...template.metadata.labels },
        annotations: { 'deployment.kubernetes.io/revision': String(Date.now()) },
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata?.name as string, uid: deployment.metadata?.uid as string, controller: true, blockOwnerDeletion: true },
        ],
      },
      spec: {
        replicas,
        selector: { matchLabels: { ...deployment.spec?.selector?.matchLabels, [POD_TEMPLATE_HASH_LABEL]: hash } },
        template,
      },
    };
    this.#options.log('creating ReplicaSet', { namespace, name: body.metadata?.name, replicas });
    return ignoreNotFoundOrConflict(() => this.#options.client.apps.createNamespacedReplicaSet({ namespace, body }));
  }

  async #scale(rs: V1ReplicaSet, replicas: number): Promise<void> {
    if ((rs.spec?.replicas ?? 0) === replicas) return;
    const namespace = rs.metadata?.namespace as string;
    const name = rs.metadata?.name as string;
    this.#options.log('scaling ReplicaSet', { namespace, name, from: rs.spec?.replicas ?? 0, to: replicas });
    const updated = structuredClone(rs);
    (updated.spec as NonNullable<V1ReplicaSet['spec']>).replicas = replicas;
    const result = await ignoreNotFoundOrConflict(() => this.#options.client.apps.replaceNamespacedReplicaSet({ namespace, name, body: updated }));
    // Later steps of this sync read the new count.
    if (result && rs.spec) rs.spec.replicas = replicas;
  }

  async #writeDeploymentStatus(
    deployment: V1Deployment,
    current: V1ReplicaSet,
    owned: V1ReplicaSet[],
    podsOf: (rs: V1ReplicaSet) => V1Pod[],
    desired: number,
  ): Promise<void> {
    const all = owned.includes(current) ? owned : [...owned, current];
    const replicas = all.reduce((sum, rs) => sum + podsOf(rs).length, 0);
    const ready = all.reduce((sum, rs) => sum + podsOf(rs).filter(isPodReady).length, 0);
    const updatedReplicas = podsOf(current).length;
    const status = {
      observedGeneration: deployment.metadata?.generation,
      replicas,
      updatedReplicas,
      readyReplicas: ready,
      availableReplicas: ready,
      unavailableReplicas: Math.max(0, desired - ready),
      conditions: deploymentConditions(deployment, ready, desired, updatedReplicas, current.metadata?.name as string),
    };
    if (sameStatus(deployment.status, status)) return;
    const body = { ...deployment, status } as V1Deployment;
    const namespace = deployment.metadata?.namespace as string;
    const name = deployment.metadata?.name as string;
    await ignoreNotFoundOrConflict(() => this.#options.client.apps.replaceNamespacedDeploymentStatus({ namespace, name, body }));
  }

  async #syncReplicaSet(rs: V1ReplicaSet, pods: V1Pod[]): Promise<void> {
    if (rs.metadata?.deletionTimestamp) return;
    const namespace = rs.metadata?.namespace as string;
    const owned = pods.filter((pod) => pod.metadata?.namespace === namespace && isOwnedBy(pod, rs.metadata?.uid) && !isTerminating(pod));
    const desired = rs.spec?.replicas ?? 1;

    if (owned.length < desired) {
      for (let i = owned.length; i < desired; i++) await this.#createPod(rs);
    } else if (owned.length > desired) {
      const victims = [...owned].sort(deletionOrder).slice(0, owned.length - desired);
      for (const pod of victims) {
        this.#options.log('deleting pod', { namespace, name: pod.metadata?.name, replicaSet: rs.metadata?.name });
        await ignoreNotFoundOrConflict(() => this.#options.client.core.deleteNamespacedPod({ namespace, name: pod.metadata?.name as string }));
      }
    }

    const ready = owned.filter(isPodReady).length;
    const status = { replicas: owned.length, fullyLabeledReplicas: owned.length, readyReplicas: ready, availableReplicas: ready, observedGeneration: rs.metadata?.generation };
    if (sameStatus(rs.status, status)) return;
    const name = rs.metadata?.name as string;
    await ignoreNotFoundOrConflict(() => this.#options.client.apps.replaceNamespacedReplicaSetStatus({ namespace, name, body: { ...rs, status } }));
  }

  async #createPod(rs: V1ReplicaSet): Promise<void> {
    const namespace = rs.metadata?.namespace as string;
    const template = structuredClone(rs.spec?.template ?? {});
    const name = `${rs.metadata?.name}-${safeEncode(randomBytes(5), 5)}`;
    const body: V1Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        ...template.metadata,
        name,
        namespace,
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata?.name as string, uid: rs.metadata?.uid as string, controller: true, blockOwnerDeletion: true },
        ],
      },
      spec: { ...(template.spec as NonNullable<V1Pod['spec']>), nodeName: this.#options.nodeName },
    };
    this.#options.log('creating pod', { namespace, name, replicaSet: rs.metadata?.name });
    await ignoreNotFoundOrConflict(() => this.#options.client.core.createNamespacedPod({ namespace, body }));
  }
}

/** Not-ready pods first, then the newest (the ReplicaSet controller's ActivePods order, simplified). */
function deletionOrder(a: V1Pod, b: V1Pod): number {
  const readyDifference = Number(isPodReady(a)) - Number(isPodReady(b));
  if (readyDifference !== 0) return readyDifference;
  const time = (pod: V1Pod) => new Date(pod.metadata?.creationTimestamp ?? 0).getTime();
  return time(b) - time(a);
}

function deploymentConditions(deployment: V1Deployment, ready: number, desired: number, updated: number, replicaSetName: string) {
  const now = new Date();
  const previous = deployment.status?.conditions ?? [];
  const condition = (type: string, status: 'True' | 'False', reason: string, message: string) => {
    const before = previous.find((entry) => entry.type === type);
    const changed = !before || before.status !== status || before.reason !== reason;
    return {
      type,
      status,
      reason,
      message,
      lastUpdateTime: changed ? now : before.lastUpdateTime,
      lastTransitionTime: changed || !before ? now : before.lastTransitionTime,
    };
  };
  const available = ready >= desired;
  const complete = updated === desired && available;
  return [
    condition('Available', available ? 'True' : 'False', available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable', available ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.'),
    condition('Progressing', 'True', complete ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated', complete ? `ReplicaSet "${replicaSetName}" has successfully progressed.` : `ReplicaSet "${replicaSetName}" is progressing.`),
  ];
}

function sameStatus(before: unknown, after: Record<string, unknown>): boolean {
  if (!before || typeof before !== 'object') return false;
  const previous = before as Record<string, unknown>;
  for (const [key, value] of Object.entries(after)) {
    if (key === 'conditions') {
      const a = (previous.conditions as Array<{ type: string; status: string; reason?: string }> | undefined) ?? [];
      const b = value as Array<{ type: string; status: string; reason?: string }>;
      if (a.length !== b.length || b.some((entry, i) => a[i]?.type !== entry.type || a[i]?.status !== entry.status || a[i]?.reason !== entry.reason)) return false;
      continue;
    }
    if ((previous[key] ?? undefined) !== (value ?? undefined)) return false;
  }
  return true;
}
