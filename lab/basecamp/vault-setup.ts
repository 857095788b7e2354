/**
 * The Vault side of the platform, configured through Vault's HTTP API with
 * the root token, so the same steps work on the embedded Vault and on a
 * real one (the kind basecamp):
 *
 * - KV v2 at `secret/` with `secret/basecamp/config`;
 * - the database engine at `database/`: connection `postgres` as
 *   `vault_admin`, static role `app`, dynamic role `app-dynamic`;
 * - kubernetes auth at `auth/kubernetes` with the reviewer token of
 *   `vault/vault`, and role `basecamp` for service account `basecamp/app`;
 * - policy `basecamp-read` (read only what the service needs);
 * - the file audit device `file/`.
 */
import { Agent, fetch } from 'undici';
import { EnvironmentError } from '../core/errors.ts';
import { APP_DATABASE, APP_USER, VAULT_ADMIN_USER } from './postgres-setup.ts';

export const BASECAMP_READ_POLICY = `# What the basecamp's ExternalSecrets may read, nothing more.
path "secret/data/basecamp/*" {
  capabilities = ["read"]
}
path "database/static-creds/app" {
  capabilities = ["read"]
}
path "database/creds/app-dynamic" {
  capabilities = ["read"]
}
`;

export interface VaultSetupOptions {
  /** Vault's address as this process reaches it, for example https://127.0.0.1:8200. */
  addr: string;
  caCertPem?: string;
  rootToken: string;
  /** PostgreSQL as Vault reaches it (a Service name inside the cluster). */
  postgresHost: string;
  postgresPort: number;
  vaultAdminPassword: string;
  /** The Kubernetes API as Vault reaches it, and its CA. */
  kubernetesHost: string;
  kubernetesCaPem: string;
  /** Token of `vault/vault`, used for TokenReviews. */
  reviewerJwt: string;
  /** File path the audit device writes to, as Vault sees it. */
  auditFilePath: string;
}

/** Runs every setup call in order; each is idempotent, so a second run changes nothing. */
export async function setUpVault(options: VaultSetupOptions): Promise<void> {
  const call = vaultCaller(options);
  const mounts = (await call('GET', 'sys/mounts')) as Record<string, unknown> | undefined;
  const hasMount = (path: string) => Boolean(mounts?.[path] ?? (mounts?.data as Record<string, unknown> | undefined)?.[path]);

  if (!hasMount('secret/')) await call('POST', 'sys/mounts/secret', { type: 'kv', options: { version: '2' } });
  await call('POST', 'secret/data/basecamp/config', { data: { greeting: 'hello from vault', feature_flag: 'on' } });

  if (!hasMount('database/')) await call('POST', 'sys/mounts/database', { type: 'database' });
  await call('POST', 'database/config/postgres', {
    plugin_name: 'postgresql-database-plugin',
    connection_url: `postgresql://{{username}}:{{password}}@${options.postgresHost}:${options.postgresPort}/${APP_DATABASE}?sslmode=disable`,
    username: VAULT_ADMIN_USER,
    password: options.vaultAdminPassword,
    allowed_roles: `${APP_USER},app-dynamic`,
  });
  await call('POST', `database/static-roles/${APP_USER}`, { db_name: 'postgres', username: APP_USER, rotation_period: '24h' });
  await call('POST', 'database/roles/app-dynamic', {
    db_name: 'postgres',
    creation_statements: [
      `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
      `GRANT SELECT ON items TO "{{name}}";`,
    ],
    default_ttl: '1h',
    max_ttl: '24h',
  });

  const auths = (await call('GET', 'sys/auth')) as Record<string, unknown> | undefined;
  const hasAuth = Boolean(auths?.['kubernetes/'] ?? (auths?.data as Record<string, unknown> | undefined)?.['kubernetes/']);
  if (!hasAuth) await call('POST', 'sys/auth/kubernetes', { type: 'kubernetes' });
  await call('POST', 'auth/kubernetes/config', {
    kubernetes_host: options.kubernetesHost,
    kubernetes_ca_cert: options.kubernetesCaPem,
    token_reviewer_jwt: options.reviewerJwt,
  });
  await call('PUT', 'sys/policies/acl/basecamp-read', { policy: BASECAMP_READ_POLICY });
  await call('POST', 'auth/kubernetes/role/basecamp', {
    bound_service_account_names: ['app'],
    bound_service_account_namespaces: ['basecamp'],
    token_policies: ['basecamp-read'],
    token_ttl: '1h',
    token_max_ttl: '4h',
  });

  const audits = (await call('GET', 'sys/audit')) as Record<string, unknown> | undefined;
  const hasAudit = Boolean(audits?.['file/'] ?? (audits?.data as Record<string, unknown> | undefined)?.['file/']);
  if (!hasAudit) await call('PUT', 'sys/audit/file', { type: 'file', options: { file_path: options.auditFilePath } });
}

type VaultCall = (method: string, path: string, body?: unknown) => Promise<unknown>;

/** A minimal Vault API caller: returns the parsed body (or undefined for 204) and throws on errors, naming the path. */
export function vaultCaller(options: { addr: string; caCertPem?: string; rootToken: string }): VaultCall {
  const dispatcher = new Agent({ connect: options.caCertPem ? { ca: options.caCertPem } : {} });
  return async (method, path, body) => {
    const url = `${options.addr.replace(/\/$/, '')}/v1/${path}`;
    const response = await fetch(url, {
      method,
      dispatcher,
      headers: { 'X-Vault-Token': options.rootToken, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) {
      // Vault's error bodies name the problem but never echo request values.
      throw new EnvironmentError(`Vault ${method} ${path} failed with HTTP ${response.status}: ${text.trim().slice(0, 300)}`, {
        hint: 'read the Vault log in .lab/pods/vault-0/log',
      });
    }
    return text === '' ? undefined : JSON.parse(text);
  };
}
