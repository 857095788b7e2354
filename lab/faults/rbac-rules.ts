/**
 * Removes one resource from every Role and ClusterRole bound to a service
 * account, saving each role so its undo puts it back. RBAC only allows, so
 * taking away a permission means editing the roles that grant it.
 */
import type { KubeClient, KubeObject, ObjectRef } from '../clients/kube.ts';
import { withoutServerFields } from '../clients/kube.ts';
import type { FaultContext } from './fault.ts';

const RBAC = 'rbac.authorization.k8s.io/v1';

interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
}

interface Binding extends KubeObject {
  roleRef: { kind: string; name: string };
  subjects?: Array<{ kind: string; name: string; namespace?: string }>;
}

/**
 * Removes `resource` (for example `secrets` or `serviceaccounts/token`) from
 * the rules of every role bound to `namespace/serviceAccount`. Returns the
 * roles it changed; throws when none granted the resource.
 */
export async function removeResourceFromRoles(
  context: FaultContext,
  serviceAccount: { name: string; namespace: string },
  resource: string,
): Promise<string[]> {
  const { kube } = context.clients;
  const roles = await rolesBoundTo(kube, serviceAccount);
  const changed: string[] = [];
  for (const ref of roles) {
    const role = await kube.get<KubeObject & { rules?: PolicyRule[] }>(ref);
    if (!role?.rules?.some((rule) => rule.resources?.includes(resource))) continue;

    const rules = role.rules
      .map((rule) => ({ ...rule, resources: (rule.resources ?? []).filter((name) => name !== resource) }))
      .filter((rule) => rule.resources.length > 0);
    await kube.patch(ref, [{ op: 'replace', path: '/rules', value: rules }], 'json');
    const saved = withoutServerFields(role) as KubeObject & { apiVersion: string; kind: string };
    const label = `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
    context.onRevert(`restore the rules of ${label}`, async () => {
      await kube.upsert({ ...saved, apiVersion: RBAC, kind: ref.kind });
    });
    changed.push(label);
  }
  if (changed.length === 0) {
    throw new Error(
      `no Role or ClusterRole bound to ServiceAccount ${serviceAccount.namespace}/${serviceAccount.name} grants "${resource}", so there is nothing to remove; check the platform's RBAC manifests`,
    );
  }
  return changed;
}

async function rolesBoundTo(kube: KubeClient, serviceAccount: { name: string; namespace: string }): Promise<ObjectRef[]> {
  const matches = (binding: Binding, bindingNamespace?: string) =>
    (binding.subjects ?? []).some(
      (subject) =>
        subject.kind === 'ServiceAccount' &&
        subject.name === serviceAccount.name &&
        (subject.namespace ?? bindingNamespace) === serviceAccount.namespace,
    );
  const refs: ObjectRef[] = [];
  for (const binding of await kube.list<Binding>(RBAC, 'ClusterRoleBinding')) {
    if (matches(binding)) refs.push({ apiVersion: RBAC, kind: 'ClusterRole', name: binding.roleRef.name });
  }
  for (const binding of await kube.list<Binding>(RBAC, 'RoleBinding')) {
    const namespace = binding.metadata.namespace;
    if (!matches(binding, namespace)) continue;
    refs.push(
      binding.roleRef.kind === 'ClusterRole'
        ? { apiVersion: RBAC, kind: 'ClusterRole', name: binding.roleRef.name }
        : { apiVersion: RBAC, kind: 'Role', name: binding.roleRef.name, ...(namespace ? { namespace } : {}) },
    );
  }
  const unique = new Map(refs.map((ref) => [`${ref.kind}/${ref.namespace ?? ''}/${ref.name}`, ref]));
  return [...unique.values()];
}
