/**
 * The kubeconfig basecamp: an existing cluster (staging) given by a
 * kubeconfig and context. The lab does not install anything there; Vault,
 * PostgreSQL and the service are found from the environment (VAULT_ADDR,
 * VAULT_CACERT, VAULT_TOKEN, PGHOST, PGPORT, PGUSER, PGPASSWORD or a
 * PGPASSFILE entry, LAB_SERVICE_URL), and faults act only on objects labelled
 * `app.kubernetes.io/part-of=basecamp-lab`.
 */
import { createReadStream } from 'node:fs';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { EnvironmentError, InvalidInputError } from '../core/errors.ts';
import { basecampEnvironment } from './environment.ts';
import type { Basecamp, BasecampEndpoints } from './types.ts';

const REQUIRED_VARIABLES = ['VAULT_ADDR', 'VAULT_TOKEN', 'PGHOST', 'PGUSER', 'LAB_SERVICE_URL'] as const;

// pgpass ships no type declarations, so this types the part of its helper used here.
const pgpass = createRequire(import.meta.url)('pgpass/lib/helper.js') as {
  getPassword(
    connection: { host: string; port: number; database: string; user: string },
    stream: NodeJS.ReadableStream,
    done: (password: string | undefined) => void,
  ): void;
};

export async function acquireKubeconfig(options: { stateDir: string; kubeconfig?: string; context?: string; env?: NodeJS.ProcessEnv }): Promise<Basecamp> {
  const env = options.env ?? process.env;
  const source = resolve(options.kubeconfig ?? env.KUBECONFIG?.split(':')[0] ?? join(homedir(), '.kube', 'config'));
  const password = await checkKubeconfigReady(env);
  if (options.context !== undefined && !/^[A-Za-z0-9@._:/-]+$/.test(options.context)) {
    throw new InvalidInputError(`context name ${JSON.stringify(options.context)} contains characters a kubeconfig context name cannot have`);
  }
  await mkdir(options.stateDir, { recursive: true, mode: 0o700 });
  const tokenFile = join(options.stateDir, 'vault-token');
  const passwordFile = join(options.stateDir, 'postgres-password');
  await writeSecret(tokenFile, env.VAULT_TOKEN as string);
  await writeSecret(passwordFile, password);
  const kubeconfig = await contextKubeconfig(options.stateDir, source, options.context);

  const endpoints: BasecampEndpoints = {
    kind: 'kubeconfig',
    kubeconfig,
    vault: { addr: env.VAULT_ADDR as string, tokenFile, ...(env.VAULT_CACERT ? { caCert: env.VAULT_CACERT } : {}) },
    postgres: { host: env.PGHOST as string, port: Number(env.PGPORT ?? 5432), user: env.PGUSER as string, database: env.PGDATABASE ?? 'app', passwordFile },
    serviceUrl: env.LAB_SERVICE_URL as string,
    stateDir: options.stateDir,
  };
  // The cluster is not this process's to stop, so stop() removes only the files written here.
  const stop = () => rm(options.stateDir, { recursive: true, force: true });
  return { kind: 'kubeconfig', endpoints, owned: false, env: () => basecampEnvironment(endpoints), stop };
}

async function writeSecret(file: string, value: string): Promise<void> {
  await writeFile(file, `${value}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
}

/** Writes a kubeconfig whose current context is the chosen one, so every tool of the harness uses it. */
async function contextKubeconfig(stateDir: string, source: string, context: string | undefined): Promise<string> {
  if (context === undefined) return source;
  const { KubeConfig } = await import('@kubernetes/client-node');
  const config = new KubeConfig();
  try {
    config.loadFromFile(source);
  } catch (error) {
    throw new EnvironmentError(`reading kubeconfig ${source} failed: ${(error as Error).message}`, { hint: 'pass --kubeconfig with a readable file' });
  }
  if (!config.getContexts().some((entry) => entry.name === context)) {
    throw new InvalidInputError(`context ${JSON.stringify(context)} not found in ${source}; it has ${config.getContexts().map((entry) => entry.name).join(', ') || 'no contexts'}`);
  }
  config.setCurrentContext(context);
  const file = join(stateDir, 'kubeconfig');
  await writeFile(file, config.exportConfig(), { mode: 0o600 });
  return file;
}

/**
 * Checks the environment the kubeconfig basecamp needs and returns the
 * PostgreSQL password, from PGPASSWORD or PGPASSFILE. Throws
 * EnvironmentError naming what is missing.
 */
export async function checkKubeconfigReady(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const missing = REQUIRED_VARIABLES.filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new EnvironmentError(`the kubeconfig basecamp needs ${missing.join(', ')} in the environment`, {
      hint: 'export the addresses and credentials of the cluster\'s Vault, PostgreSQL and service before `lab run --basecamp kubeconfig`',
    });
  }
  const password = env.PGPASSWORD || (await passwordFromPassfile(env));
  if (!password) {
    const where = `${env.PGHOST}:${env.PGPORT ?? 5432}:${env.PGDATABASE ?? 'app'}:${env.PGUSER}`;
    throw new EnvironmentError(
      env.PGPASSFILE
        ? `the kubeconfig basecamp found no entry for ${where} in PGPASSFILE ${env.PGPASSFILE}, and PGPASSWORD is not set`
        : 'the kubeconfig basecamp needs PGPASSWORD, or PGPASSFILE with an entry for the database, in the environment',
      { hint: `add a line host:port:database:user:password matching ${where} to the password file, or export PGPASSWORD` },
    );
  }
  return password;
}

/**
 * Returns the password for PGHOST, PGPORT, PGDATABASE and PGUSER from the
 * file PGPASSFILE names, read the way libpq reads it (lines of
 * host:port:database:user:password, `*` matching anything), through the
 * pgpass package that node-postgres uses.
 */
function passwordFromPassfile(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const file = env.PGPASSFILE;
  if (!file) return Promise.resolve(undefined);
  const connection = {
    host: env.PGHOST as string,
    port: Number(env.PGPORT ?? 5432),
    database: env.PGDATABASE ?? 'app',
    user: env.PGUSER as string,
  };
  return new Promise((resolvePassword) => {
    const stream = createReadStream(file);
    stream.on('error', () => resolvePassword(undefined));
    pgpass.getPassword(connection, stream, (password) => resolvePassword(password || undefined));
  });
}
