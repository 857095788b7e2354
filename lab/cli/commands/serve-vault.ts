/**
 * `lab serve vault`: the embedded Vault alone, in the foreground. With
 * `--dev` it behaves like `vault server -dev`: in memory, unsealed, KV v2 at
 * `secret/`, root token printed. Without it, Vault serves HTTPS with a lab CA
 * under the data folder and starts uninitialised or sealed. Ctrl-C stops it.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { InvalidInputError } from '../../core/errors.ts';
import { createCertificateAuthority, issueServerCertificate } from '../../emulators/shared/pki.ts';
import { startVault } from '../../emulators/vault/index.ts';
import type { CommandContext } from '../command.ts';

interface ServeVaultFlags {
  dev?: boolean;
  devRootTokenId?: string;
  devTls?: boolean;
  port: string;
  host: string;
  data?: string;
}

interface TlsFiles {
  certPem: string;
  keyPem: string;
  caFile: string;
}

export function registerServeVault(serve: Command, context: CommandContext): void {
  serve
    .command('vault')
    .description('run the embedded Vault in the foreground; Ctrl-C stops it')
    .option(
      '--dev',
      'start initialised and unsealed, in memory, with KV v2 at secret/ (like vault server -dev)',
    )
    .option(
      '--dev-root-token-id <id>',
      'root token to create in dev mode (default: a random hvs. token)',
    )
    .option('--dev-tls', 'serve HTTPS in dev mode, with a CA written to a temporary folder')
    .option('--port <n>', 'TCP port to listen on; 0 picks a free one', '8200')
    .option('--host <address>', 'loopback address to listen on', '127.0.0.1')
    .option(
      '--data <dir>',
      'folder for the encrypted state and the lab CA (default: .lab/serve-vault; not with --dev)',
    )
    .action(async (flags: ServeVaultFlags) => {
      context.setExitCode(await serveVault(flags, context));
    });
}

function parsePort(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) {
    throw new InvalidInputError(
      `--port must be an integer from 0 to 65535, received ${JSON.stringify(value)}`,
    );
  }
  return Number(value);
}

async function serveVault(flags: ServeVaultFlags, context: CommandContext): Promise<number> {
  const port = parsePort(flags.port);
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(flags.host)) {
    throw new InvalidInputError(
      `--host must be a loopback address (127.0.0.0/8), received ${JSON.stringify(flags.host)}`,
    );
  }
  if (flags.dev && flags.data !== undefined) {
    throw new InvalidInputError(
      '--data cannot be combined with --dev: dev mode keeps its data in memory',
      {
        hint: 'drop --data, or drop --dev to keep data on disk',
      },
    );
  }
  if (!flags.dev && (flags.devRootTokenId !== undefined || flags.devTls)) {
    throw new InvalidInputError('--dev-root-token-id and --dev-tls need --dev');
  }

  const out = (line: string) => context.stdout.write(`${line}\n`);
  const dataDir = flags.dev
    ? undefined
    : path.resolve(flags.data ?? path.join(context.root, '.lab', 'serve-vault'));
  const tls = flags.dev
    ? flags.devTls
      ? await createTls(await mkdtemp(path.join(tmpdir(), 'vault-tls')), flags.host)
      : undefined
    : await createTls(path.join(dataDir as string, 'tls'), flags.host);

  const vault = await startVault({
    host: flags.host,
    port,
    tls,
    dataDir,
    dev: flags.dev ? { rootTokenId: flags.devRootTokenId } : undefined,
    log: out,
  });
  printBanner(out, vault, tls, dataDir);

  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      out('==> Vault shutdown triggered');
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await vault.close();
  return 0;
}

function printBanner(
  out: (line: string) => void,
  vault: Awaited<ReturnType<typeof startVault>>,
  tls: TlsFiles | undefined,
  dataDir: string | undefined,
): void {
  out('==> Vault server started! Log data will stream in below:');
  out('');
  out('Point the vault CLI, curl or node-vault at this server:');
  out('');
  out(`    $ export VAULT_ADDR='${vault.url}'`);
  if (tls !== undefined) out(`    $ export VAULT_CACERT='${tls.caFile}'`);
  out('');
  if (vault.rootToken !== undefined) {
    out('Dev mode: all data lives in memory and is lost at exit; Vault is already unsealed.');
    out('');
    out(`Unseal Key: ${vault.unsealKey}`);
    out(`Root Token: ${vault.rootToken}`);
    out('');
    return;
  }
  out(`Storage: ${dataDir} (encrypted with AES-256-GCM)`);
  if (!vault.initialized)
    out('Vault is not initialized: run `vault operator init` (or PUT sys/init).');
  else if (vault.sealed)
    out('Vault is sealed: run `vault operator unseal` with enough unseal keys.');
  out('');
}

/** Loads the lab CA and Vault's certificate from `folder`, creating them on first use. */
async function createTls(folder: string, host: string): Promise<TlsFiles> {
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const caFile = path.join(folder, 'vault-ca.pem');
  const certFile = path.join(folder, 'vault-cert.pem');
  const keyFile = path.join(folder, 'vault-key.pem');
  if (existsSync(caFile) && existsSync(certFile) && existsSync(keyFile)) {
    return {
      certPem: await readFile(certFile, 'utf8'),
      keyPem: await readFile(keyFile, 'utf8'),
      caFile,
    };
  }
  const ca = await createCertificateAuthority('basecamp-lab Vault CA');
  const server = await issueServerCertificate(ca, {
    dnsNames: ['localhost', 'vault', 'vault.vault.svc', 'vault.vault.svc.cluster.local'],
    ipAddresses: [...new Set(['127.0.0.1', host])],
    commonName: 'vault',
  });
  await writeFile(caFile, ca.certPem, { mode: 0o644 });
  await writeFile(path.join(folder, 'vault-ca-key.pem'), ca.keyPem, { mode: 0o600 });
  await writeFile(certFile, server.certPem, { mode: 0o644 });
  await writeFile(keyFile, server.keyPem, { mode: 0o600 });
  return { certPem: server.certPem, keyPem: server.keyPem, caFile };
}
