/**
 * The storage operations behind the REST endpoints: get, list, create,
 * update, patch and delete with defaults, validation, admission hooks,
 * resourceVersion conflicts, generation, status subresources, finalizers
 * and graceful pod deletion. The HTTP layer and the built-in controllers
 * both call these.
 */
import { applySchema } from './crd.ts';
import { applyDefaults, initialStatus, type ServiceAllocator } from './defaults.ts';
import {
  asServed,
  generateName,
  newUid,
  objectChanged,
  specChanged,
  timestamp,
} from './objects.ts';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from './patch.ts';
import { groupVersionOf, type ResourceRegistry } from './resources.ts';
import {
  type FieldRequirement,
  type LabelSelector,
  matchesFields,
  matchesLabels,
} from './selectors.ts';
import {
  alreadyExists,
  badRequest,
  conflict,
  type FieldError,
  invalid,
  KubeApiError,
  notFound,
  qualifiedResource,
  unsupportedMediaType,
} from './status.ts';
import { type ObjectStore, storageKeyOf } from './store.ts';
import type {
  AdmissionHook,
  AdmissionOperation,
  KubeObject,
  ResourceType,
  UserInfo,
} from './types.ts';
import {
  nameRuleOf,
  validateBuiltin,
  validateBuiltinUpdate,
  validateMetadata,
} from './validation.ts';

export interface RequestContext {
  user: UserInfo;
  dryRun?: boolean;
  /** `Strict` rejects unknown fields of custom objects. `Ignore` and `Warn` prune them. */
  fieldValidation?: string;
  fieldManager?: string;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export const PATCH_CONTENT_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
  'application/apply-patch+cbor': 'apply',
};

export interface DeleteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface ListOptions {
  labelSelector?: LabelSelector;
  fieldSelector?: FieldRequirement[];
}

const NAMESPACES: Pick<ResourceType, 'group' | 'plural'> = { group: '', plural: 'namespaces' };
/** Kinds the server creates status for. A client may not set it on create. */
const STATUS_ON_CREATE = new Set(['Namespace', 'Pod', 'Deployment', 'ReplicaSet']);

export class KubeApi {
  constructor(
    readonly store: ObjectStore,
    readonly registry: ResourceRegistry,
    private readonly allocator: ServiceAllocator,
    private readonly admissionHooks: AdmissionHook[],
  ) {}

  /** Returns the stored object (not a copy), or undefined. */
  peek(resource: ResourceType, namespace: string, name: string): KubeObject | undefined {
    return this.store.get(storageKeyOf(resource), resource.namespaced ? namespace : '', name);
  }

  get(resource: ResourceType, namespace: string, name: string): KubeObject {
    const object = this.peek(resource, namespace, name);
    if (!object) throw notFound(resource, name);
    return asServed(object, resource);
  }

  list(resource: ResourceType, namespace: string, options: ListOptions = {}): KubeObject[] {
    const items = this.store.list(
      storageKeyOf(resource),
      resource.namespaced ? namespace || undefined : undefined,
    );
    return items
      .filter(
        (object) =>
          !options.labelSelector || matchesLabels(options.labelSelector, object.metadata.labels),
      )
      .filter((object) => !options.fieldSelector || matchesFields(options.fieldSelector, object))
      .map((object) => asServed(object, resource));
  }

  async create(
    resource: ResourceType,
    namespace: string,
    body: KubeObject,
    context: RequestContext,
  ): Promise<KubeObject> {
    const object = this.normalizeBody(resource, namespace, body);
    if (!object.metadata.name && object.metadata.generateName)
      object.metadata.name = generateName(object.metadata.generateName);
    const name = object.metadata.name ?? '';
    if (resource.namespaced) this.requireNamespaceForCreate(resource, namespace, name);

    for (const field of [
      'uid',
      'resourceVersion',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'generation',
      'selfLink',
    ]) {
      delete object.metadata[field];
    }
    object.metadata.creationTimestamp = timestamp();
    object.metadata.uid = newUid();
    if (resource.tracksGeneration) object.metadata.generation = 1;
    if (STATUS_ON_CREATE.has(resource.kind) && !resource.custom) initialStatus(object);
    if (resource.custom && resource.subresources.includes('status')) delete object.status;

    this.prepare(resource, object, undefined, context);
    await this.admit('CREATE', resource, '', object, undefined, context);
    if (this.peek(resource, namespace, name)) throw alreadyExists(resource, name);
    if (context.dryRun) return asServed(object, resource);
    return asServed(this.store.put(storageKeyOf(resource), object), resource);
  }

  /** PUT on the object or its `status` subresource. */
  async update(
    resource: ResourceType,
    namespace: string,
    name: string,
    body: KubeObject,
    context: RequestContext,
    subresource = '',
  ): Promise<KubeObject> {
    const next = this.normalizeBody(resource, namespace, body);
    if (next.metadata.name && next.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${next.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    next.metadata.name = name;
    const old = this.peek(resource, namespace, name);
    if (!old) throw notFound(resource, name);
    if (resource.custom && !next.metadata.resourceVersion && subresource === '') {
      throw invalid(resource, name, [
        {
          field: 'metadata.resourceVersion',
          type: 'FieldValueInvalid',
          message: 'Invalid value: 0x0: must be specified for an update',
        },
      ]);
    }
    return this.commitUpdate(resource, old, next, context, subresource);
  }

  async patch(
    resource: ResourceType,
    namespace: string,
    name: string,
    patchType: PatchType,
    patch: unknown,
    context: RequestContext,
    subresource = '',
  ): Promise<KubeObject> {
    if (patchType === 'strategic' && resource.custom) {
      throw unsupportedMediaType('application/strategic-merge-patch+json', [
        'application/json-patch+json',
        'application/merge-patch+json',
        'application/apply-patch+yaml',
      ]);
    }
    const old = this.peek(resource, namespace, name);
    if (!old) {
      if (patchType === 'apply' && subresource === '')
        return this.create(resource, namespace, withName(patch, name), context);
      throw notFound(resource, name);
    }
    const current = asServed(old, resource);
    const next = applyPatchOfType(current, patchType, patch, resource.kind) as KubeObject;
    if (next === null || typeof next !== 'object' || Array.isArray(next))
      throw badRequest('the patch produced an object that is not a JSON object');
    next.metadata ??= {};
    if (next.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${String(next.metadata.name)}) does not match the name on the URL (${name})`,
      );
    }
    // A patch without resourceVersion applies to whatever is stored now.
    const patchedVersion = (patch as { metadata?: { resourceVersion?: unknown } } | null)?.metadata
      ?.resourceVersion;
    if (patchType !== 'json' && patchedVersion === undefined)
      next.metadata.resourceVersion = old.metadata.resourceVersion;
    return this.commitUpdate(
      resource,
      old,
      this.normalizeBody(resource, namespace, next),
      context,
      subresource,
    );
  }

  async delete(
    resource: ResourceType,
    namespace: string,
    name: string,
    options: DeleteOptions,
    context: RequestContext,
  ): Promise<KubeObject> {
    const old = this.peek(resource, namespace, name);
    if (!old) throw notFound(resource, name);
    const preconditions = options.preconditions ?? {};
    if (preconditions.uid && preconditions.uid !== old.metadata.uid) {
      throw conflict(
        resource,
        name,
        `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${old.metadata.uid}`,
      );
    }
    if (
      preconditions.resourceVersion &&
      preconditions.resourceVersion !== old.metadata.resourceVersion
    ) {
      throw conflict(
        resource,
        name,
        `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`,
      );
    }
    await this.admit('DELETE', resource, '', undefined, old, context);
    if (context.dryRun) return asServed(old, resource);

    const next = structuredClone(old);
    const finalizers = new Set(next.metadata.finalizers ?? []);
    if (!next.metadata.deletionTimestamp) {
      if (options.propagationPolicy === 'Foreground' && this.hasDependents(old))
        finalizers.add('foregroundDeletion');
      if (options.propagationPolicy === 'Orphan') finalizers.add('orphan');
    }
    if (resource.kind === 'Namespace' && !resource.custom)
      return this.markNamespaceTerminating(resource, next);
    const grace = this.gracePeriod(resource, old, options);
    if (finalizers.size === 0 && grace === 0) {
      return asServed(
        this.store.remove(storageKeyOf(resource), old.metadata.namespace ?? '', name) ?? old,
        resource,
      );
    }
    if (next.metadata.deletionTimestamp) return asServed(old, resource);
    next.metadata.finalizers = [...finalizers];
    if (next.metadata.finalizers.length === 0) delete next.metadata.finalizers;
    next.metadata.deletionTimestamp = timestamp(new Date(Date.now() + grace * 1000));
    next.metadata.deletionGracePeriodSeconds = grace;
    if (resource.tracksGeneration) next.metadata.generation = (next.metadata.generation ?? 0) + 1;
    return asServed(this.store.put(storageKeyOf(resource), next), resource);
  }

  /** Removes an object at once, skipping finalizers: the end of a namespace or a forced cleanup. */
  forget(resource: ResourceType, namespace: string, name: string): void {
    this.store.remove(storageKeyOf(resource), resource.namespaced ? namespace : '', name);
  }

  private gracePeriod(resource: ResourceType, old: KubeObject, options: DeleteOptions): number {
    // Pods bound to a node are deleted gracefully, as pkg/registry/core/pod/strategy.go does: the
    // kubelet stops the containers and then deletes the pod with gracePeriodSeconds=0.
    if (resource.kind !== 'Pod' || resource.custom) return 0;
    const spec = old.spec as
      | { nodeName?: string; terminationGracePeriodSeconds?: number }
      | undefined;
    const phase = (old.status as { phase?: string } | undefined)?.phase;
    if (!spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
    const grace = options.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
    return Math.max(0, grace);
  }

  private markNamespaceTerminating(resource: ResourceType, next: KubeObject): KubeObject {
    if (next.metadata.deletionTimestamp) return asServed(next, resource);
    next.metadata.deletionTimestamp = timestamp();
    next.metadata.deletionGracePeriodSeconds = 0;
    next.status = { ...(next.status as object | undefined), phase: 'Terminating' };
    return asServed(this.store.put(storageKeyOf(resource), next), resource);
  }

  private hasDependents(owner: KubeObject): boolean {
    const uid = owner.metadata.uid;
    for (const candidate of this.registry.all()) {
      if (candidate.createOnly) continue;
      const objects = this.store.list(storageKeyOf(candidate));
      if (
        objects.some((object) =>
          object.metadata.ownerReferences?.some((reference) => reference.uid === uid),
        )
      )
        return true;
    }
    return false;
  }

  private async commitUpdate(
    resource: ResourceType,
    old: KubeObject,
    next: KubeObject,
    context: RequestContext,
    subresource: string,
  ): Promise<KubeObject> {
    const name = old.metadata.name ?? '';
    if (
      next.metadata.resourceVersion &&
      next.metadata.resourceVersion !== old.metadata.resourceVersion
    ) {
      throw conflict(resource, name);
    }
    let updated: KubeObject;
    if (subresource === 'status') {
      updated = structuredClone(old);
      if (next.status === undefined) delete updated.status;
      else updated.status = next.status;
    } else {
      updated = next;
      const metadata = updated.metadata;
      for (const field of [
        'uid',
        'creationTimestamp',
        'namespace',
        'deletionTimestamp',
        'deletionGracePeriodSeconds',
        'generation',
      ] as const) {
        if (old.metadata[field] === undefined) delete metadata[field];
        else metadata[field] = old.metadata[field] as never;
      }
      if (resource.subresources.includes('status')) {
        if (old.status === undefined) delete updated.status;
        else updated.status = structuredClone(old.status);
      }
      if (old.metadata.deletionTimestamp) {
        const added = (metadata.finalizers ?? []).filter(
          (finalizer) => !(old.metadata.finalizers ?? []).includes(finalizer),
        );
        if (added.length > 0) {
          throw invalid(resource, name, [
            {
              field: 'metadata.finalizers',
              type: 'FieldValueForbidden',
              message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`,
            },
          ]);
        }
      }
    }
    updated.metadata.resourceVersion = old.metadata.resourceVersion;

    this.prepare(resource, updated, old, context);
    if (resource.tracksGeneration && specChanged(old, updated)) {
      updated.metadata.generation = (old.metadata.generation ?? 0) + 1;
    }
    await this.admit('UPDATE', resource, subresource, updated, old, context);
    if (context.dryRun || !objectChanged(old, updated))
      return asServed(context.dryRun ? updated : old, resource);

    if (updated.metadata.deletionTimestamp && (updated.metadata.finalizers ?? []).length === 0) {
      const removed = this.store.remove(storageKeyOf(resource), old.metadata.namespace ?? '', name);
      return asServed(removed ?? updated, resource);
    }
    return asServed(this.store.put(storageKeyOf(resource), updated), resource);
  }

  /** Applies defaults and validation. Throws 422 Invalid with every cause found. */
  private prepare(
    resource: ResourceType,
    object: KubeObject,
    old: KubeObject | undefined,
    context: RequestContext,
  ): void {
    const errors: FieldError[] = [];
    if (resource.custom) {
      const result = applySchema(object, resource.custom.schema);
      if (context.fieldValidation === 'Strict' && result.unknownFields.length > 0) {
        const fields = result.unknownFields.map((field) => `unknown field "${field}"`).join(', ');
        throw badRequest(`strict decoding error: ${fields}`);
      }
      errors.push(...result.errors);
    } else {
      applyDefaults(object, this.allocator, old);
      errors.push(...validateBuiltin(object));
      if (old) errors.push(...validateBuiltinUpdate(object, old));
    }
    errors.unshift(
      ...validateMetadata(object, nameRuleOf(resource.kind, Boolean(resource.custom))),
    );
    if (errors.length > 0) throw invalid(resource, object.metadata.name ?? '', errors);
  }

  private async admit(
    operation: AdmissionOperation,
    resource: ResourceType,
    subresource: string,
    object: KubeObject | undefined,
    oldObject: KubeObject | undefined,
    context: RequestContext,
  ): Promise<void> {
    for (const hook of this.admissionHooks) {
      await hook({ operation, resource, subresource, object, oldObject, user: context.user });
    }
  }

  /** Checks apiVersion, kind and namespace of a body and returns a copy stored in the storage version. */
  private normalizeBody(resource: ResourceType, namespace: string, body: KubeObject): KubeObject {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw badRequest(
        `the object provided is unrecognized (must be of type ${resource.kind}): the body must be a JSON or YAML object`,
      );
    }
    const object = structuredClone(body);
    const expected = groupVersionOf(resource);
    if (object.apiVersion !== undefined && object.apiVersion !== expected) {
      const sameGroup =
        resource.custom && String(object.apiVersion).split('/')[0] === resource.group;
      if (!sameGroup) {
        throw badRequest(
          `the API version in the data (${object.apiVersion}) does not match the expected API version (${expected})`,
        );
      }
    }
    if (object.kind !== undefined && object.kind !== resource.kind) {
      throw badRequest(
        `the kind in the data (${object.kind}) does not match the expected kind (${resource.kind}) of ${qualifiedResource(resource)}`,
      );
    }
    if (
      object.metadata !== undefined &&
      (object.metadata === null ||
        typeof object.metadata !== 'object' ||
        Array.isArray(object.metadata))
    ) {
      throw badRequest(`metadata must be an object, received ${JSON.stringify(object.metadata)}`);
    }
    object.metadata ??= {};
    // Go omits empty maps and lists of ObjectMeta (omitempty), so `annotations: {}` is not stored.
    for (const field of ['labels', 'annotations', 'finalizers', 'ownerReferences'] as const) {
      const value = object.metadata[field];
      if (value !== undefined && value !== null && Object.keys(value).length === 0)
        delete object.metadata[field];
      if (value === null) delete object.metadata[field];
    }
    if (resource.namespaced) {
      if (object.metadata.namespace && object.metadata.namespace !== namespace) {
        throw badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      object.metadata.namespace = namespace;
    } else {
      delete object.metadata.namespace;
    }
    object.apiVersion = resource.custom ? this.storageApiVersion(resource) : expected;
    object.kind = resource.kind;
    return object;
  }

  private storageApiVersion(resource: ResourceType): string {
    const crd = this.store.get(
      'apiextensions.k8s.io/customresourcedefinitions',
      '',
      `${resource.plural}.${resource.group}`,
    );
    const versions =
      (crd?.spec as { versions?: Array<{ name: string; storage?: boolean }> } | undefined)
        ?.versions ?? [];
    const storage = versions.find((version) => version.storage)?.name ?? resource.version;
    return `${resource.group}/${storage}`;
  }

  private requireNamespaceForCreate(resource: ResourceType, namespace: string, name: string): void {
    const ns = this.store.get(storageKeyOf(NAMESPACES), '', namespace);
    if (!ns) throw notFound(NAMESPACES, namespace);
    if (ns.metadata.deletionTimestamp) {
      const target = name
        ? `${qualifiedResource(resource)} "${name}"`
        : qualifiedResource(resource);
      throw new KubeApiError(
        403,
        'Forbidden',
        `${target} is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
        { name, group: resource.group, kind: resource.plural },
      );
    }
  }
}

function withName(patch: unknown, name: string): KubeObject {
  const object = structuredClone(patch) as KubeObject;
  if (object === null || typeof object !== 'object')
    throw badRequest('an apply patch must be a YAML or JSON object');
  object.metadata ??= {};
  object.metadata.name ??= name;
  return object;
}

/**
 * Applies a patch body. NOTE: apply patches (server-side apply) are
 * approximated as a JSON merge patch of the applied configuration: there is
 * no field ownership, no conflict detection between managers, and a field
 * dropped from the applied configuration is not removed.
 */
function applyPatchOfType(
  current: KubeObject,
  patchType: PatchType,
  patch: unknown,
  kind: string,
): unknown {
  switch (patchType) {
    case 'json':
      return applyJsonPatch(current, patch);
    case 'merge':
      return applyMergePatch(current, patch);
    case 'strategic':
      return applyStrategicMergePatch(current, patch, kind);
    case 'apply':
      if (patch === null || typeof patch !== 'object' || Array.isArray(patch))
        throw badRequest('an apply patch must be a YAML or JSON object');
      return applyMergePatch(current, patch);
  }
}
