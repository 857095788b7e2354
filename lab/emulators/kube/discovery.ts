/**
 * Legacy discovery (`/api`, `/apis`, the APIResourceLists), `/version` and
 * the minimal `/openapi/v3` that lets kubectl 1.32 validate with
 * `fieldValidation=Strict` instead of downloading full schemas.
 */
import { createHash } from 'node:crypto';
import {
  groupVersionOf,
  type ResourceRegistry,
  resourceVerbs,
  subresourceKind,
  subresourceVerbs,
} from './resources.ts';
import type { ResourceType } from './types.ts';

/** The Kubernetes version this server reports. Kubectl 1.32 is within the supported skew. */
export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4-basecamp',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-04-22T00:00:00Z',
  goVersion: 'go1.23.8',
  compiler: 'gc',
  platform: 'linux/amd64',
};

export function apiVersions(serverAddress: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupsOf(registry: ResourceRegistry): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const { group, version } of registry.groupVersions()) {
    if (!group) continue;
    const versions = groups.get(group) ?? [];
    if (!versions.includes(version)) versions.push(version);
    groups.set(group, versions);
  }
  return groups;
}

function apiGroup(name: string, versions: string[]): object {
  const entries = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: entries, preferredVersion: entries[0] };
}

export function apiGroupList(registry: ResourceRegistry): object {
  const groups = [...groupsOf(registry)].map(([name, versions]) => apiGroup(name, versions));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

/** The APIGroup document of `/apis/<group>`, or undefined for an unknown group. */
export function apiGroupDocument(registry: ResourceRegistry, group: string): object | undefined {
  const versions = groupsOf(registry).get(group);
  if (!versions) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group, versions) };
}

function resourceEntry(resource: ResourceType): object {
  const entry: Record<string, unknown> = {
    name: resource.plural,
    singularName: resource.singular,
    namespaced: resource.namespaced,
    kind: resource.kind,
    verbs: resourceVerbs(resource),
  };
  if (resource.shortNames?.length) entry.shortNames = resource.shortNames;
  if (resource.categories?.length) entry.categories = resource.categories;
  return entry;
}

export function apiResourceList(
  registry: ResourceRegistry,
  group: string,
  version: string,
): object | undefined {
  const resources = registry.inGroupVersion(group, version);
  if (resources.length === 0) return undefined;
  const entries: object[] = [];
  for (const resource of resources.sort((a, b) => (a.plural < b.plural ? -1 : 1))) {
    entries.push(resourceEntry(resource));
    for (const subresource of resource.subresources) {
      const kind = subresourceKind(resource, subresource);
      const entry: Record<string, unknown> = {
        name: `${resource.plural}/${subresource}`,
        singularName: '',
        namespaced: resource.namespaced,
        kind,
        verbs: subresourceVerbs(subresource),
      };
      if (subresource === 'scale') Object.assign(entry, { group: 'autoscaling', version: 'v1' });
      if (subresource === 'token')
        Object.assign(entry, { group: 'authentication.k8s.io', version: 'v1' });
      entries.push(entry);
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: groupVersionOf({ group, version }),
    resources: entries,
  };
}

function openApiPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

/** The `/openapi/v3/<path>` document of one group-version. */
export function openApiGroupVersion(
  registry: ResourceRegistry,
  group: string,
  version: string,
): object | undefined {
  const resources = registry.inGroupVersion(group, version);
  if (resources.length === 0) return undefined;
  const paths: Record<string, object> = {};
  const base = `/${openApiPath(group, version)}`;
  for (const resource of resources) {
    if (resource.createOnly) continue;
    const item = resource.namespaced
      ? `${base}/namespaces/{namespace}/${resource.plural}/{name}`
      : `${base}/${resource.plural}/{name}`;
    paths[item] = {
      patch: {
        operationId: `patch${resource.kind}`,
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group, version, kind: resource.kind },
        parameters: [
          { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } },
          { name: 'fieldManager', in: 'query', schema: { type: 'string', uniqueItems: true } },
        ],
        responses: { '200': { description: 'OK' } },
      },
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: SERVER_VERSION.gitVersion },
    paths,
    components: { schemas: {} },
  };
}

/** The `/openapi/v3` index. Each hash changes when the group-version's document changes. */
export function openApiIndex(registry: ResourceRegistry): object {
  const paths: Record<string, object> = {};
  for (const { group, version } of registry.groupVersions()) {
    const document = openApiGroupVersion(registry, group, version);
    const hash = createHash('sha512')
      .update(JSON.stringify(document))
      .digest('hex')
      .slice(0, 128)
      .toUpperCase();
    const path = openApiPath(group, version);
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hash}` };
  }
  return { paths };
}
