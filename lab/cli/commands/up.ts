/**
 * `lab up`: starts the embedded basecamp in the background (state in
 * `.lab/`), waits until everything is Ready and prints the endpoints and
 * how to reach them with kubectl, the vault CLI, curl and psql.
 */
import { join } from 'node:path';
import { InvalidInputError } from '../../core/errors.ts';
import { runForeground, startBackground } from '../../basecamp/embedded/daemon.ts';
import type { BasecampEndpoints } from '../../basecamp/types.ts';
import type { RegisterCommand } from '../command.ts';
import { resolveStateDir } from './state-dir.ts';

interface UpOptions {
  stateDir?: string;
  foreground?: boolean;
  timeout: string;
  syncDelay: string;
  esoTimeout: string;
}

export const register: RegisterCommand = (program, context) => {
  program
    .command('up')
    .description('start the embedded basecamp in the background and wait until it is Ready')
    .option('--state-dir <dir>', 'state folder (default: .lab in the project, or LAB_STATE_DIR)')
    .option('--timeout <seconds>', 'how long to wait for Ready, in seconds', '180')
    .option('--sync-delay <ms>', 'delay before the kubelet rewrites changed Secret volumes, in milliseconds', '1000')
    .option('--eso-timeout <ms>', "deadline of ESO's Vault requests, in milliseconds (ESO itself: 60000)", '5000')
    .option('--foreground', 'run the supervisor in this process until Ctrl-C (what the background process runs)')
    .action(async (options: UpOptions) => {
      const stateDir = resolveStateDir(context.root, options.stateDir);
      const timeoutMs = positiveNumber(options.timeout, '--timeout') * 1000;
      const volumeSyncDelayMs = nonNegativeNumber(options.syncDelay, '--sync-delay');
      const esoVaultTimeoutMs = positiveNumber(options.esoTimeout, '--eso-timeout');

      if (options.foreground) {
        await runForeground({ stateDir, readyTimeoutMs: timeoutMs, volumeSyncDelayMs, esoVaultTimeoutMs });
        // Every component is stopped; idle keep-alive sockets of the API clients must not keep the daemon alive.
        process.exit(0);
      }
      const started = performance.now();
      context.stdout.write(`starting the embedded basecamp in ${stateDir} ...\n`);
      const endpoints = await startBackground({
        stateDir,
        labScript: join(context.root, 'bin', 'lab.js'),
        extraArgs: ['--timeout', options.timeout, '--sync-delay', options.syncDelay, '--eso-timeout', options.esoTimeout],
        timeoutMs: timeoutMs + 15_000,
        onProgress: (line) => context.stdout.write(`  ${line}\n`),
      });
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      context.stdout.write(usageText(endpoints, seconds));
    });
};

function positiveNumber(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new InvalidInputError(`${flag} must be a positive number, received ${JSON.stringify(text)}`);
  return value;
}

function nonNegativeNumber(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new InvalidInputError(`${flag} must be a number of 0 or more, received ${JSON.stringify(text)}`);
  return value;
}

/** Formats the endpoints and a first set of commands to try. */
export function usageText(endpoints: BasecampEndpoints, seconds: string): string {
  const { vault, postgres } = endpoints;
  return `
basecamp is up (embedded, Ready after ${seconds} s, state in ${endpoints.stateDir})

  Kubernetes API  kubeconfig ${endpoints.kubeconfig}
  Vault           ${vault.addr}  (CA ${vault.caCert ?? 'system'}, root token in ${vault.tokenFile})
  PostgreSQL      ${postgres.host}:${postgres.port}  database ${postgres.database}, user ${postgres.user}
  service         ${endpoints.serviceUrl}  (NodePort 30080 of Service basecamp/app)

Use it from this shell:
  eval "$(npx lab env)"
  kubectl get externalsecrets -A
  kubectl describe externalsecret app-db -n basecamp
  kubectl logs -n basecamp deploy/app
  vault kv get secret/basecamp/config
  vault read database/static-creds/app
  curl ${endpoints.serviceUrl}/items
  psql -c 'SELECT * FROM items'
  npx lab status
  npx lab down
`;
}
