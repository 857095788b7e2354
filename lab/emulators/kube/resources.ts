/**
 * The built-in resource types and the registry that also holds the kinds
 * served by CustomResourceDefinitions. Names, short names and categories
 * follow the discovery documents of kube-apiserver 1.32.
 */
import type { ResourceType } from './types.ts';

function builtin(
  group: string,
  version: string,
  plural: string,
  kind: string,
  options: Partial<ResourceType> = {},
): ResourceType {
  return {
    group,
    version,
    plural,
    kind,
    singular: kind.toLowerCase(),
    namespaced: true,
    subresources: [],
    tracksGeneration: false,
    ...options,
  };
}

const RBAC = 'rbac.authorization.k8s.io';
const AUTHZ = 'authorization.k8s.io';
const AUTHN = 'authentication.k8s.io';

export const BUILTIN_RESOURCES: ResourceType[] = [
  builtin('', 'v1', 'namespaces', 'Namespace', {
    namespaced: false,
    shortNames: ['ns'],
    subresources: ['status', 'finalize'],
  }),
  builtin('', 'v1', 'secrets', 'Secret'),
  builtin('', 'v1', 'configmaps', 'ConfigMap', { shortNames: ['cm'] }),
  builtin('', 'v1', 'serviceaccounts', 'ServiceAccount', {
    shortNames: ['sa'],
    subresources: ['token'],
  }),
  builtin('', 'v1', 'pods', 'Pod', {
    shortNames: ['po'],
    categories: ['all'],
    subresources: ['status', 'log', 'binding', 'eviction'],
  }),
  builtin('', 'v1', 'services', 'Service', {
    shortNames: ['svc'],
    categories: ['all'],
    subresources: ['status'],
  }),
  builtin('', 'v1', 'endpoints', 'Endpoints', { shortNames: ['ep'] }),
  builtin('', 'v1', 'events', 'Event', { shortNames: ['ev'] }),
  builtin('', 'v1', 'nodes', 'Node', {
    namespaced: false,
    shortNames: ['no'],
    subresources: ['status'],
  }),
  builtin('', 'v1', 'resourcequotas', 'ResourceQuota', {
    shortNames: ['quota'],
    subresources: ['status'],
  }),
  builtin('', 'v1', 'limitranges', 'LimitRange', { shortNames: ['limits'] }),
  builtin('apps', 'v1', 'deployments', 'Deployment', {
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: ['status', 'scale'],
    tracksGeneration: true,
  }),
  builtin('apps', 'v1', 'replicasets', 'ReplicaSet', {
    shortNames: ['rs'],
    categories: ['all'],
    subresources: ['status', 'scale'],
    tracksGeneration: true,
  }),
  builtin('coordination.k8s.io', 'v1', 'leases', 'Lease'),
  builtin(RBAC, 'v1', 'roles', 'Role'),
  builtin(RBAC, 'v1', 'clusterroles', 'ClusterRole', { namespaced: false }),
  builtin(RBAC, 'v1', 'rolebindings', 'RoleBinding'),
  builtin(RBAC, 'v1', 'clusterrolebindings', 'ClusterRoleBinding', { namespaced: false }),
  builtin('networking.k8s.io', 'v1', 'networkpolicies', 'NetworkPolicy', {
    shortNames: ['netpol'],
    tracksGeneration: true,
  }),
  builtin(AUTHN, 'v1', 'tokenreviews', 'TokenReview', { namespaced: false, createOnly: true }),
  builtin(AUTHN, 'v1', 'selfsubjectreviews', 'SelfSubjectReview', {
    namespaced: false,
    createOnly: true,
  }),
  builtin(AUTHZ, 'v1', 'selfsubjectaccessreviews', 'SelfSubjectAccessReview', {
    namespaced: false,
    createOnly: true,
  }),
  builtin(AUTHZ, 'v1', 'selfsubjectrulesreviews', 'SelfSubjectRulesReview', {
    namespaced: false,
    createOnly: true,
  }),
  builtin(AUTHZ, 'v1', 'subjectaccessreviews', 'SubjectAccessReview', {
    namespaced: false,
    createOnly: true,
  }),
  builtin(AUTHZ, 'v1', 'localsubjectaccessreviews', 'LocalSubjectAccessReview', {
    createOnly: true,
  }),
  builtin('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', {
    namespaced: false,
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
    subresources: ['status'],
    tracksGeneration: true,
  }),
];

/** Subresources whose own verbs differ from the main resource's, as listed in discovery. */
export function subresourceVerbs(subresource: string): string[] {
  switch (subresource) {
    case 'status':
    case 'scale':
      return ['get', 'patch', 'update'];
    case 'log':
      return ['get'];
    case 'token':
    case 'binding':
    case 'eviction':
      return ['create'];
    case 'finalize':
      return ['update'];
    default:
      return [];
  }
}

export function resourceVerbs(resource: ResourceType): string[] {
  if (resource.createOnly) return ['create'];
  return ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
}

/** Kind of a subresource object in discovery: `Scale` for scale, the parent kind otherwise. */
export function subresourceKind(resource: ResourceType, subresource: string): string {
  switch (subresource) {
    case 'scale':
      return 'Scale';
    case 'token':
      return 'TokenRequest';
    case 'binding':
      return 'Binding';
    case 'eviction':
      return 'Eviction';
    case 'log':
      return 'Pod';
    default:
      return resource.kind;
  }
}

export function groupVersionOf(resource: Pick<ResourceType, 'group' | 'version'>): string {
  return resource.group ? `${resource.group}/${resource.version}` : resource.version;
}

/** The resource types served now: the built-in ones plus those of established CRDs. */
export class ResourceRegistry {
  private readonly byKey = new Map<string, ResourceType>();

  constructor() {
    for (const resource of BUILTIN_RESOURCES) this.add(resource);
  }

  add(resource: ResourceType): void {
    this.byKey.set(key(resource.group, resource.version, resource.plural), resource);
  }

  remove(group: string, version: string, plural: string): void {
    this.byKey.delete(key(group, version, plural));
  }

  get(group: string, version: string, plural: string): ResourceType | undefined {
    return this.byKey.get(key(group, version, plural));
  }

  /** Looks a kind up by apiVersion and kind, as owner references and bodies name it. */
  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    for (const resource of this.byKey.values()) {
      if (groupVersionOf(resource) === apiVersion && resource.kind === kind) return resource;
    }
    return undefined;
  }

  all(): ResourceType[] {
    return [...this.byKey.values()];
  }

  /** Group-versions in discovery order: the core group first, then groups by first appearance. */
  groupVersions(): Array<{ group: string; version: string }> {
    const seen = new Map<string, { group: string; version: string }>();
    for (const resource of this.byKey.values()) {
      const gv = groupVersionOf(resource);
      if (!seen.has(gv)) seen.set(gv, { group: resource.group, version: resource.version });
    }
    return [...seen.values()];
  }

  inGroupVersion(group: string, version: string): ResourceType[] {
    return this.all().filter(
      (resource) => resource.group === group && resource.version === version,
    );
  }
}

function key(group: string, version: string, plural: string): string {
  return `${group}/${version}/${plural}`;
}
