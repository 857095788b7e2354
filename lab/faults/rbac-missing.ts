/**
 * A permission in the chain ESO -> Kubernetes -> Vault is missing:
 * - `token-reviewer`: Vault's token reviewer loses system:auth-delegator, so
 *   its TokenReview is Forbidden and every Kubernetes login gets 403;
 * - `serviceaccount-token`: ESO may no longer create `serviceaccounts/token`,
 *   so it cannot get the token it logs in with;
 * - `token-secret`: the store reads a static token from a Secret that ESO may
 *   no longer read;
 * - `role-binding`: the Vault role is bound to another service account.
 */
import { z } from 'zod';
import { withoutServerFields } from '../clients/kube.ts';
import { PLATFORM } from '../clients/platform.ts';
import { defineFault, type FaultContext, type Injection } from './fault.ts';
import { removeResourceFromRoles } from './rbac-rules.ts';
import { useStaticToken } from './store-auth.ts';
import { forceSyncStore, readTarget } from './support.ts';

const ESO_SERVICE_ACCOUNT = { name: PLATFORM.eso.serviceAccount, namespace: PLATFORM.eso.namespace };

const schema = z.strictObject({
  store: z.string().min(1).default(PLATFORM.stores.kv),
  namespace: z.string().min(1).default(PLATFORM.namespaces.app),
  /** The service account the Vault role is bound to instead, for `role-binding`. */
  boundTo: z.string().min(1).default('someone-else'),
});

type Params = z.infer<typeof schema>;

export const rbacMissing = defineFault({
  type: 'rbac-missing',
  description: 'a permission ESO or Vault needs is missing (token reviewer, token request, token Secret, Vault role binding)',
  variants: ['token-reviewer', 'serviceaccount-token', 'token-secret', 'role-binding'],
  schema,
  symptoms: {
    'token-reviewer': [
      'unable to log in to auth method: unable to log in with Kubernetes auth: Error making API request. ... PUT .../v1/auth/kubernetes/login ... Code: 403. Errors: * permission denied',
    ],
    'serviceaccount-token': ['SecretStore Ready=False InvalidProviderConfig "unable to create client"; the event quotes the Forbidden message for serviceaccounts/token'],
    'token-secret': ['cannot get Kubernetes secret "vault-token" from namespace "basecamp": secrets "vault-token" is forbidden: ...', 'SecretStore "unable to create client"'],
    'role-binding': ['Vault login 403: service account name not authorized'],
  },
  async inject(context, variant, params) {
    const targets = await VARIANTS[(variant ?? 'token-reviewer') as keyof typeof VARIANTS](context, params);
    await forceSyncStore(context.clients.kube, params.store, params.namespace);
    return targets;
  },
});

const VARIANTS = {
  'token-reviewer': removeReviewerBinding,
  'serviceaccount-token': async (context: FaultContext, _params: Params): Promise<Injection> => {
    const roles = await removeResourceFromRoles(context, ESO_SERVICE_ACCOUNT, 'serviceaccounts/token');
    return { targets: { roles: roles.join(', ') } };
  },
  'token-secret': async (context: FaultContext, params: Params): Promise<Injection> => {
    await useStaticToken(context, { ...params, secretName: 'vault-token', policy: PLATFORM.vault.policy, ttl: '1h' });
    const roles = await removeResourceFromRoles(context, ESO_SERVICE_ACCOUNT, 'secrets');
    return { targets: { secretStore: `${params.namespace}/${params.store}`, roles: roles.join(', ') } };
  },
  'role-binding': rebindVaultRole,
} as const;

async function removeReviewerBinding(context: FaultContext): Promise<Injection> {
  const { kube } = context.clients;
  const ref = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    name: PLATFORM.vaultReviewer.clusterRoleBinding,
  };
  const binding = await readTarget(kube, ref);
  await kube.delete(ref);
  const saved = { ...withoutServerFields(binding), apiVersion: ref.apiVersion, kind: ref.kind };
  context.onRevert(`recreate ClusterRoleBinding ${ref.name}`, async () => {
    await kube.upsert(saved);
  });
  return { targets: { clusterRoleBinding: ref.name } };
}

async function rebindVaultRole(context: FaultContext, params: Params): Promise<Injection> {
  const { vault } = context.clients;
  const path = `auth/${PLATFORM.vault.kubernetesAuthMount}/role/${PLATFORM.vault.kubernetesRole}`;
  const original = await vault.read(path);
  if (!original) throw new Error(`Vault role ${path} not found; run \`lab up\` again to restore the platform`);
  await vault.write(path, { ...original, bound_service_account_names: [params.boundTo] });
  context.onRevert(`restore Vault role ${path}`, async () => {
    await vault.write(path, original);
  });
  return { targets: { vaultRole: path } };
}
