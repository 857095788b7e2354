/**
 * Controllers that run inside kube-apiserver or kube-controller-manager and
 * that this server runs itself: the `default` ServiceAccount and
 * `kube-root-ca.crt` ConfigMap per namespace, namespace deletion, garbage
 * collection of owner references (background, foreground, orphan),
 * ClusterRole aggregation and CRD registration. Writes are queued with
 * setImmediate so that watchers see changes in resourceVersion order.
 */
import type { KubeApi, RequestContext } from './api.ts';
import { ADMIN_USER } from './authentication.ts';
import { establishedStatus, resourceTypesOf } from './crd.ts';
import { jsonEqual, timestamp } from './objects.ts';
import { aggregateRules } from './rbac.ts';
import type { ResourceRegistry } from './resources.ts';
import { KubeApiError } from './status.ts';
import { type StoredChange, storageKeyOf } from './store.ts';
import type { KubeObject, ResourceType } from './types.ts';

const CONTROLLER: RequestContext = {
  user: { username: 'system:kube-controller-manager', groups: ADMIN_USER.groups },
};
const CRDS = 'apiextensions.k8s.io/customresourcedefinitions';
/** How often a terminating namespace or a foreground deletion is checked again. */
const RETRY_MILLISECONDS = 100;

export class BuiltinControllers {
  private readonly queue: Array<() => Promise<void>> = [];
  private draining = false;
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly api: KubeApi,
    private readonly caCertPem: string,
    private readonly log: (line: string) => void,
  ) {}

  private get registry(): ResourceRegistry {
    return this.api.registry;
  }

  start(): void {
    for (const crd of this.api.store.list(CRDS)) this.registerCrd(crd);
    this.unsubscribe = this.api.store.subscribe((change) => this.observe(change));
    for (const namespace of this.api.store.list('/namespaces')) {
      this.enqueue(() => this.ensureNamespaceDefaults(namespace.metadata.name ?? ''));
      if (namespace.metadata.deletionTimestamp)
        this.enqueue(() => this.finishNamespace(namespace.metadata.name ?? ''));
    }
    this.enqueue(() => this.aggregateClusterRoles());
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** Resolves when every queued controller write has run. */
  async idle(): Promise<void> {
    while (this.queue.length > 0 || this.draining)
      await new Promise((resolve) => setImmediate(resolve));
  }

  private observe(change: StoredChange): void {
    const object = change.object;
    switch (change.storageKey) {
      case '/namespaces':
        if (change.type === 'ADDED')
          this.enqueue(() => this.ensureNamespaceDefaults(object.metadata.name ?? ''));
        if (change.type === 'MODIFIED' && object.metadata.deletionTimestamp)
          this.enqueue(() => this.finishNamespace(object.metadata.name ?? ''));
        break;
      case '/serviceaccounts':
        if (change.type === 'DELETED' && object.metadata.name === 'default') {
          this.enqueue(() => this.ensureNamespaceDefaults(object.metadata.namespace ?? ''));
        }
        break;
      case '/configmaps':
        if (change.type === 'DELETED' && object.metadata.name === 'kube-root-ca.crt') {
          this.enqueue(() => this.ensureNamespaceDefaults(object.metadata.namespace ?? ''));
        }
        break;
      case 'rbac.authorization.k8s.io/clusterroles':
        if (
          !jsonEqual(change.oldObject?.metadata.labels, object.metadata.labels) ||
          !jsonEqual(change.oldObject?.rules, object.rules) ||
          change.type !== 'MODIFIED'
        ) {
          this.enqueue(() => this.aggregateClusterRoles());
        }
        break;
      case CRDS:
        if (change.type === 'DELETED') this.enqueue(async () => this.unregisterCrd(object));
        else {
          this.registerCrd(object);
          this.enqueue(() => this.establishCrd(object.metadata.name ?? ''));
        }
        break;
    }
    if (change.type === 'DELETED') this.enqueue(() => this.collectDependents(object));
    if (change.type !== 'DELETED' && object.metadata.deletionTimestamp) {
      const finalizers = object.metadata.finalizers ?? [];
      if (finalizers.includes('foregroundDeletion'))
        this.enqueue(() => this.deleteForeground(object));
      if (finalizers.includes('orphan')) this.enqueue(() => this.orphanDependents(object));
    }
  }

  private enqueue(task: () => Promise<void>): void {
    if (this.stopped) return;
    this.queue.push(task);
    if (!this.draining) {
      this.draining = true;
      setImmediate(() => void this.drain());
    }
  }

  private later(task: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.enqueue(task);
    }, RETRY_MILLISECONDS);
    this.timers.add(timer);
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.stopped) {
      const task = this.queue.shift() as () => Promise<void>;
      try {
        await task();
      } catch (error) {
        const gone = error instanceof KubeApiError && (error.code === 404 || error.code === 409);
        if (!gone)
          this.log(
            `kube: controller task failed: ${error instanceof Error ? error.message : String(error)}`,
          );
      }
    }
    this.draining = false;
  }

  private resource(group: string, plural: string): ResourceType {
    const found = this.registry
      .all()
      .find((resource) => resource.group === group && resource.plural === plural);
    if (!found) throw new Error(`resource ${plural}.${group} is not registered`);
    return found;
  }

  private async ensureNamespaceDefaults(namespace: string): Promise<void> {
    const ns = this.api.store.get('/namespaces', '', namespace);
    if (!ns || ns.metadata.deletionTimestamp) return;
    const accounts = this.resource('', 'serviceaccounts');
    if (!this.api.peek(accounts, namespace, 'default')) {
      await this.api.create(
        accounts,
        namespace,
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } },
        CONTROLLER,
      );
    }
    const configMaps = this.resource('', 'configmaps');
    if (!this.api.peek(configMaps, namespace, 'kube-root-ca.crt')) {
      await this.api.create(
        configMaps,
        namespace,
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name: 'kube-root-ca.crt',
            annotations: {
              'kubernetes.io/description':
                'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.',
            },
          },
          data: { 'ca.crt': this.caCertPem },
        },
        CONTROLLER,
      );
    }
  }

  /** Deletes what a terminating namespace holds, then the namespace, as the namespace controller does. */
  private async finishNamespace(name: string): Promise<void> {
    const ns = this.api.store.get('/namespaces', '', name);
    if (!ns?.metadata.deletionTimestamp) return;
    let remaining = 0;
    for (const resource of this.namespacedResources()) {
      for (const object of this.api.store.list(storageKeyOf(resource), name)) {
        remaining += 1;
        if (!object.metadata.deletionTimestamp) {
          await this.api.delete(
            resource,
            name,
            object.metadata.name ?? '',
            { propagationPolicy: 'Background', gracePeriodSeconds: 0 },
            CONTROLLER,
          );
        } else if (resource.kind === 'Pod' && (object.metadata.finalizers ?? []).length === 0) {
          this.api.forget(resource, name, object.metadata.name ?? '');
        }
      }
    }
    const specFinalizers = (ns.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [];
    const blocked =
      specFinalizers.some((finalizer) => finalizer !== 'kubernetes') ||
      (ns.metadata.finalizers ?? []).length > 0;
    if (remaining === 0 && !blocked) {
      this.api.forget(this.resource('', 'namespaces'), '', name);
      this.log(`kube: namespace ${name} deleted`);
      return;
    }
    this.later(() => this.finishNamespace(name));
  }

  /** One resource type per storage key: the first served version of each. */
  private namespacedResources(): ResourceType[] {
    const seen = new Map<string, ResourceType>();
    for (const resource of this.registry.all()) {
      if (!resource.namespaced || resource.createOnly) continue;
      if (!seen.has(storageKeyOf(resource))) seen.set(storageKeyOf(resource), resource);
    }
    return [...seen.values()];
  }

  private dependentsOf(owner: KubeObject): Array<{ resource: ResourceType; object: KubeObject }> {
    const uid = owner.metadata.uid;
    const found: Array<{ resource: ResourceType; object: KubeObject }> = [];
    const resources = this.namespacedResources();
    if (!owner.metadata.namespace) {
      for (const resource of this.registry.all())
        if (!resource.namespaced && !resource.createOnly) resources.push(resource);
    }
    for (const resource of resources) {
      for (const object of this.api.store.list(
        storageKeyOf(resource),
        owner.metadata.namespace || undefined,
      )) {
        if (object.metadata.ownerReferences?.some((reference) => reference.uid === uid))
          found.push({ resource, object });
      }
    }
    return found;
  }

  private ownerExists(
    namespace: string,
    reference: { apiVersion: string; kind: string; name: string; uid: string },
  ): boolean {
    const resource = this.registry.byKind(reference.apiVersion, reference.kind);
    if (!resource) return false;
    const owner = this.api.peek(resource, namespace, reference.name);
    return owner?.metadata.uid === reference.uid;
  }

  /** Background collection: a dependent whose owners are all gone is deleted. */
  private async collectDependents(owner: KubeObject): Promise<void> {
    for (const { resource, object } of this.dependentsOf(owner)) {
      const namespace = object.metadata.namespace ?? '';
      const references = object.metadata.ownerReferences ?? [];
      const live = references.filter(
        (reference) =>
          reference.uid !== owner.metadata.uid && this.ownerExists(namespace, reference),
      );
      if (live.length > 0) {
        await this.api.patch(
          resource,
          namespace,
          object.metadata.name ?? '',
          'merge',
          { metadata: { ownerReferences: live } },
          CONTROLLER,
        );
      } else if (!object.metadata.deletionTimestamp) {
        await this.api.delete(
          resource,
          namespace,
          object.metadata.name ?? '',
          { propagationPolicy: 'Background' },
          CONTROLLER,
        );
      }
    }
  }

  /** Foreground deletion: delete the dependents, then drop the owner's `foregroundDeletion` finalizer. */
  private async deleteForeground(owner: KubeObject): Promise<void> {
    const dependents = this.dependentsOf(owner);
    for (const { resource, object } of dependents) {
      if (!object.metadata.deletionTimestamp) {
        await this.api.delete(
          resource,
          object.metadata.namespace ?? '',
          object.metadata.name ?? '',
          { propagationPolicy: 'Foreground' },
          CONTROLLER,
        );
      }
    }
    if (dependents.length > 0) {
      this.later(() => this.deleteForeground(owner));
      return;
    }
    await this.removeFinalizer(owner, 'foregroundDeletion');
  }

  /** Orphan deletion: drop the owner from its dependents' ownerReferences, then its `orphan` finalizer. */
  private async orphanDependents(owner: KubeObject): Promise<void> {
    for (const { resource, object } of this.dependentsOf(owner)) {
      const references = (object.metadata.ownerReferences ?? []).filter(
        (reference) => reference.uid !== owner.metadata.uid,
      );
      const patch = { metadata: { ownerReferences: references.length > 0 ? references : null } };
      await this.api.patch(
        resource,
        object.metadata.namespace ?? '',
        object.metadata.name ?? '',
        'merge',
        patch,
        CONTROLLER,
      );
    }
    await this.removeFinalizer(owner, 'orphan');
  }

  private async removeFinalizer(owner: KubeObject, finalizer: string): Promise<void> {
    const resource = this.registry.byKind(owner.apiVersion, owner.kind);
    if (!resource) return;
    const current = this.api.peek(
      resource,
      owner.metadata.namespace ?? '',
      owner.metadata.name ?? '',
    );
    if (!current || current.metadata.uid !== owner.metadata.uid) return;
    const finalizers = (current.metadata.finalizers ?? []).filter((name) => name !== finalizer);
    await this.api.patch(
      resource,
      owner.metadata.namespace ?? '',
      owner.metadata.name ?? '',
      'merge',
      { metadata: { finalizers } },
      CONTROLLER,
    );
  }

  private async aggregateClusterRoles(): Promise<void> {
    const resource = this.resource('rbac.authorization.k8s.io', 'clusterroles');
    const roles = this.api.store.list(storageKeyOf(resource));
    for (const role of roles) {
      if (!role.aggregationRule) continue;
      const rules = aggregateRules(role, roles);
      if (jsonEqual(rules, role.rules ?? [])) continue;
      await this.api.patch(resource, '', role.metadata.name ?? '', 'merge', { rules }, CONTROLLER);
    }
  }

  private registerCrd(crd: KubeObject): void {
    const previous = this.registry
      .all()
      .filter(
        (resource) =>
          resource.custom && `${resource.plural}.${resource.group}` === crd.metadata.name,
      );
    for (const resource of previous)
      this.registry.remove(resource.group, resource.version, resource.plural);
    for (const resource of resourceTypesOf(crd)) this.registry.add(resource);
  }

  private unregisterCrd(crd: KubeObject): void {
    const resources = resourceTypesOf(crd);
    const first = resources[0];
    if (first) {
      for (const object of this.api.store.list(storageKeyOf(first))) {
        this.api.store.remove(
          storageKeyOf(first),
          object.metadata.namespace ?? '',
          object.metadata.name ?? '',
        );
      }
      this.api.store.dropCollection(storageKeyOf(first));
    }
    for (const resource of resources)
      this.registry.remove(resource.group, resource.version, resource.plural);
  }

  private async establishCrd(name: string): Promise<void> {
    const resource = this.resource('apiextensions.k8s.io', 'customresourcedefinitions');
    const crd = this.api.peek(resource, '', name);
    if (!crd) return;
    const status = crd.status as
      | { conditions?: Array<{ type: string; status: string }>; acceptedNames?: unknown }
      | undefined;
    const established = status?.conditions?.some(
      (condition) => condition.type === 'Established' && condition.status === 'True',
    );
    const wanted = establishedStatus(crd, timestamp()) as { acceptedNames: unknown };
    if (established && jsonEqual(status?.acceptedNames, wanted.acceptedNames)) return;
    await this.api.update(resource, '', name, { ...crd, status: wanted }, CONTROLLER, 'status');
  }
}
