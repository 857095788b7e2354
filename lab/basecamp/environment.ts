/**
 * The shell environment of a basecamp: what `lab env` prints and what
 * runbook steps run with. The Vault token and the PostgreSQL password are
 * read from their 0600 files at call time and never logged.
 */
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EnvironmentError } from '../core/errors.ts';
import type { BasecampEndpoints } from './types.ts';

/** Reads a secret file after checking that only its owner may read it. */
export async function readSecretFile(path: string, what: string): Promise<string> {
  let mode: number;
  try {
    mode = (await stat(path)).mode & 0o777;
  } catch (error) {
    throw new EnvironmentError(`${what} file ${path} is missing`, { hint: 'run `lab up` again, or `lab down` then `lab up`', cause: error });
  }
  if ((mode & 0o077) !== 0) {
    throw new EnvironmentError(`${what} file ${path} has mode ${mode.toString(8)}, readable by others`, { hint: `run chmod 600 ${path}` });
  }
  return (await readFile(path, 'utf8')).trim();
}

export async function basecampEnvironment(endpoints: BasecampEndpoints): Promise<Record<string, string>> {
  const env: Record<string, string> = {
    KUBECONFIG: endpoints.kubeconfig,
    VAULT_ADDR: endpoints.vault.addr,
    VAULT_TOKEN: await readSecretFile(endpoints.vault.tokenFile, 'Vault token'),
    PGHOST: endpoints.postgres.host,
    PGPORT: String(endpoints.postgres.port),
    PGUSER: endpoints.postgres.user,
    PGDATABASE: endpoints.postgres.database,
    // psql reads the password from this 0600 file, so it never appears in the environment.
    PGPASSFILE: await writePgpass(endpoints),
    LAB_SERVICE_URL: endpoints.serviceUrl,
  };
  if (endpoints.vault.caCert) env.VAULT_CACERT = endpoints.vault.caCert;
  // Runbooks unseal Vault and search its audit log through these two paths.
  if (endpoints.vault.unsealKeysFile) env.VAULT_UNSEAL_KEYS_FILE = endpoints.vault.unsealKeysFile;
  if (endpoints.vault.auditLog) env.VAULT_AUDIT_LOG = endpoints.vault.auditLog;
  return env;
}

/** Writes `<stateDir>/pgpass` (mode 0600) in libpq's `host:port:database:user:password` format. */
async function writePgpass(endpoints: BasecampEndpoints): Promise<string> {
  const password = await readSecretFile(endpoints.postgres.passwordFile, 'PostgreSQL password');
  const escape = (value: string) => value.replaceAll('\\', '\\\\').replaceAll(':', '\\:');
  const { host, port, user } = endpoints.postgres;
  const file = join(endpoints.stateDir, 'pgpass');
  await writeFile(file, `${escape(host)}:${port}:*:${escape(user)}:${escape(password)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return file;
}

/** `export NAME='value'` lines, quoted for POSIX shells. */
export function exportLines(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([name, value]) => `export ${name}=${shellQuote(value)}`)
    .join('\n');
}

export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'"'"'`)}'`;
}
