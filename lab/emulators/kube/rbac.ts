/**
 * RBAC authorization as plugin/pkg/auth/authorizer/rbac/rbac.go does it:
 * allow rules only, ClusterRoleBindings first, then RoleBindings in the
 * request namespace, and the Forbidden message of
 * apiserver/pkg/endpoints/handlers/responsewriters/errors.go.
 */
import { fromObjectSelector, matchesLabels, type ObjectLabelSelector } from './selectors.ts';
import { KubeApiError, qualifiedResource } from './status.ts';
import type { ObjectStore } from './store.ts';
import type { KubeObject, RequestAttributes, UserInfo } from './types.ts';

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount';
  name: string;
  namespace?: string;
  apiGroup?: string;
}

interface RoleRef {
  apiGroup: string;
  kind: 'Role' | 'ClusterRole';
  name: string;
}

export interface Decision {
  allowed: boolean;
  reason: string;
}

/** Members of this group are allowed everything, as in kube-apiserver's privileged-group authorizer. */
export const SUPERUSER_GROUP = 'system:masters';

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const ROLES = `${RBAC_GROUP}/roles`;
const CLUSTER_ROLES = `${RBAC_GROUP}/clusterroles`;
const ROLE_BINDINGS = `${RBAC_GROUP}/rolebindings`;
const CLUSTER_ROLE_BINDINGS = `${RBAC_GROUP}/clusterrolebindings`;

export class RbacAuthorizer {
  constructor(private readonly store: ObjectStore) {}

  authorize(attributes: RequestAttributes): Decision {
    if (attributes.user.groups.includes(SUPERUSER_GROUP)) return { allowed: true, reason: '' };
    const errors: string[] = [];
    for (const grant of this.grantsFor(attributes.user, attributes.namespace, errors)) {
      if (grant.rules.some((rule) => ruleAllows(attributes, rule))) {
        return { allowed: true, reason: `RBAC: allowed by ${grant.source}` };
      }
    }
    return { allowed: false, reason: errors.length > 0 ? `RBAC: ${errors.join(', ')}` : '' };
  }

  /** Rules that apply to a user in a namespace, for SelfSubjectRulesReview. */
  rulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    const errors: string[] = [];
    const rules = this.grantsFor(user, namespace, errors).flatMap((grant) => grant.rules);
    if (user.groups.includes(SUPERUSER_GROUP)) {
      rules.unshift(
        { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
        { verbs: ['*'], nonResourceURLs: ['*'] },
      );
    }
    return { rules, errors };
  }

  private grantsFor(
    user: UserInfo,
    namespace: string,
    errors: string[],
  ): Array<{ source: string; rules: PolicyRule[] }> {
    const grants: Array<{ source: string; rules: PolicyRule[] }> = [];
    for (const binding of this.store.list(CLUSTER_ROLE_BINDINGS)) {
      const subject = matchingSubject(binding, user, '');
      if (!subject) continue;
      const roleRef = binding.roleRef as RoleRef;
      const rules = this.roleRules(roleRef, '', errors);
      grants.push({
        source: `ClusterRoleBinding "${binding.metadata.name}" of ClusterRole "${roleRef.name}" to ${subject}`,
        rules,
      });
    }
    if (!namespace) return grants;
    for (const binding of this.store.list(ROLE_BINDINGS, namespace)) {
      const subject = matchingSubject(binding, user, namespace);
      if (!subject) continue;
      const roleRef = binding.roleRef as RoleRef;
      const rules = this.roleRules(roleRef, namespace, errors);
      grants.push({
        source: `RoleBinding "${binding.metadata.name}/${namespace}" of ${roleRef.kind} "${roleRef.name}" to ${subject}`,
        rules,
      });
    }
    return grants;
  }

  private roleRules(roleRef: RoleRef, namespace: string, errors: string[]): PolicyRule[] {
    const role =
      roleRef.kind === 'ClusterRole'
        ? this.store.get(CLUSTER_ROLES, '', roleRef.name)
        : this.store.get(ROLES, namespace, roleRef.name);
    if (!role) {
      const resource = roleRef.kind === 'ClusterRole' ? 'clusterrole' : 'role';
      errors.push(`${resource}.${RBAC_GROUP} "${roleRef.name}" not found`);
      return [];
    }
    return (role.rules as PolicyRule[] | undefined) ?? [];
  }
}

/** Returns the subject description (`User "x"`) that matches the user, if any. */
function matchingSubject(
  binding: KubeObject,
  user: UserInfo,
  bindingNamespace: string,
): string | undefined {
  for (const subject of (binding.subjects as Subject[] | undefined) ?? []) {
    if (subject.kind === 'User' && subject.name === user.username) return `User "${subject.name}"`;
    if (subject.kind === 'Group' && user.groups.includes(subject.name))
      return `Group "${subject.name}"`;
    if (subject.kind === 'ServiceAccount') {
      const namespace = subject.namespace || bindingNamespace;
      if (user.username === `system:serviceaccount:${namespace}:${subject.name}`) {
        return `ServiceAccount "${subject.name}/${namespace}"`;
      }
    }
  }
  return undefined;
}

export function ruleAllows(attributes: RequestAttributes, rule: PolicyRule): boolean {
  if (!rule.verbs.includes('*') && !rule.verbs.includes(attributes.verb)) return false;
  if (!attributes.resourceRequest) {
    return (rule.nonResourceURLs ?? []).some(
      (url) =>
        url === '*' ||
        url === attributes.path ||
        (url.endsWith('*') && attributes.path.startsWith(url.slice(0, -1))),
    );
  }
  const groups = rule.apiGroups ?? [];
  if (!groups.includes('*') && !groups.includes(attributes.group)) return false;
  const combined = attributes.subresource
    ? `${attributes.resource}/${attributes.subresource}`
    : attributes.resource;
  const resources = rule.resources ?? [];
  const resourceMatches = resources.some(
    (resource) =>
      resource === '*' ||
      resource === combined ||
      (attributes.subresource !== '' && resource === `*/${attributes.subresource}`),
  );
  if (!resourceMatches) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || (attributes.name !== '' && names.includes(attributes.name));
}

/** Builds the 403 Status that kube-apiserver sends for a denied request. */
export function forbidden(attributes: RequestAttributes, reason: string): KubeApiError {
  const user = attributes.user.username;
  let message: string;
  if (!attributes.resourceRequest) {
    message = `forbidden: User "${user}" cannot ${attributes.verb} path "${attributes.path}"`;
  } else {
    const resource = attributes.subresource
      ? `${attributes.resource}/${attributes.subresource}`
      : attributes.resource;
    const scope = attributes.namespace
      ? `in the namespace "${attributes.namespace}"`
      : 'at the cluster scope';
    const denial = `User "${user}" cannot ${attributes.verb} resource "${resource}" in API group "${attributes.group}" ${scope}`;
    const target = qualifiedResource({ plural: attributes.resource, group: attributes.group });
    message = attributes.name
      ? `${target} "${attributes.name}" is forbidden: ${denial}`
      : `${target} is forbidden: ${denial}`;
  }
  if (reason) message = `${message}: ${reason}`;
  const details = attributes.resourceRequest
    ? { name: attributes.name || undefined, group: attributes.group, kind: attributes.resource }
    : undefined;
  return new KubeApiError(403, 'Forbidden', message, details);
}

/** Computes the rules of an aggregated ClusterRole from the ClusterRoles its selectors match. */
export function aggregateRules(role: KubeObject, clusterRoles: KubeObject[]): PolicyRule[] {
  const selectors = (
    (role.aggregationRule as { clusterRoleSelectors?: ObjectLabelSelector[] } | undefined)
      ?.clusterRoleSelectors ?? []
  ).map(fromObjectSelector);
  const rules: PolicyRule[] = [];
  const seen = new Set<string>();
  for (const candidate of clusterRoles) {
    if (candidate.metadata.name === role.metadata.name) continue;
    if (
      !selectors.some(
        (selector) => selector.length > 0 && matchesLabels(selector, candidate.metadata.labels),
      )
    )
      continue;
    for (const rule of (candidate.rules as PolicyRule[] | undefined) ?? []) {
      const key = JSON.stringify(rule);
      if (seen.has(key)) continue;
      seen.add(key);
      rules.push(rule);
    }
  }
  return rules;
}
