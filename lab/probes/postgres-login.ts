/**
 * A PostgreSQL login with a given credential succeeds or fails. The
 * credential comes from a Kubernetes Secret, from Vault, or from the
 * scenario's named credentials (the leaked one, set by a fault).
 */
import { z } from 'zod';
import type { KubeObject } from '../clients/kube.ts';
import { PLATFORM } from '../clients/platform.ts';
import { type Credential, tryLogin } from '../clients/postgres.ts';
import { defineProbe, type ProbeContext } from './probe.ts';

const credentialSource = z.union([
  z.strictObject({ secret: z.string().min(1), namespace: z.string().min(1).default(PLATFORM.namespaces.app) }),
  z.strictObject({ vaultPath: z.string().min(1) }),
  z.strictObject({ named: z.string().min(1) }),
]);

type CredentialSource = z.infer<typeof credentialSource>;

export const postgresLogin = defineProbe({
  name: 'postgres-login',
  description: 'a PostgreSQL login with a credential from a Secret, Vault or a fault succeeds or fails',
  schema: z.strictObject({
    credential: credentialSource.default({ secret: PLATFORM.app.secret, namespace: PLATFORM.namespaces.app }),
    expect: z.enum(['success', 'failure']).default('success'),
  }),
  async check(context, params) {
    const resolved = await resolveCredential(context, params.credential);
    if ('missing' in resolved) return { ok: false, message: resolved.missing };
    context.redactor.register(resolved.password);
    const result = await tryLogin(context.clients.postgres, resolved);
    const ok = params.expect === 'success' ? result.ok : !result.ok;
    const source = describeSource(params.credential);
    return { ok, message: `login as ${resolved.username} with ${source}: ${result.message}` };
  },
});

async function resolveCredential(
  { clients, state }: ProbeContext,
  source: CredentialSource,
): Promise<Credential | { missing: string }> {
  if ('named' in source) {
    const credential = state.credentials.get(source.named);
    return credential ?? { missing: `no credential named ${source.named} in this scenario (a fault sets it)` };
  }
  if ('vaultPath' in source) {
    const data = await clients.vault.read(source.vaultPath);
    if (!data?.username || !data.password) return { missing: `Vault ${source.vaultPath} has no username and password` };
    return { username: String(data.username), password: String(data.password) };
  }
  const secret = await clients.kube.get<KubeObject & { data?: Record<string, string> }>({
    apiVersion: 'v1',
    kind: 'Secret',
    name: source.secret,
    namespace: source.namespace,
  });
  const data = secret?.data ?? {};
  if (!data.username || !data.password) {
    return { missing: `Secret ${source.namespace}/${source.secret} has no username and password keys` };
  }
  const decode = (value: string) => Buffer.from(value, 'base64').toString('utf8');
  return { username: decode(data.username), password: decode(data.password) };
}

function describeSource(source: CredentialSource): string {
  if ('named' in source) return `the ${source.named} credential`;
  if ('vaultPath' in source) return `Vault ${source.vaultPath}`;
  return `Secret ${source.namespace}/${source.secret}`;
}
