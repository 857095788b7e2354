/**
 * `lab serve kube`: the embedded Kubernetes API server alone, in the
 * foreground, until Ctrl-C. It prints the URL and, with --kubeconfig, writes
 * an admin kubeconfig for kubectl.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { InvalidInputError } from '../../core/errors.ts';
import { startKube } from '../../emulators/kube/index.ts';
import type { CommandContext } from '../command.ts';

interface ServeKubeFlags {
  port: string;
  host: string;
  data?: string;
  kubeconfig?: string;
  verbose?: boolean;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new InvalidInputError(
      `--port must be an integer from 0 to 65535, received ${JSON.stringify(value)}`,
      {
        hint: 'pass --port 0 to pick a free port',
      },
    );
  }
  return port;
}

export function registerServeKube(serve: Command, context: CommandContext): void {
  serve
    .command('kube')
    .description('run the embedded Kubernetes API server alone (HTTPS with its own CA)')
    .option('--port <port>', 'TCP port to listen on (0 picks a free one)', '6443')
    .option('--host <address>', 'loopback address to listen on', '127.0.0.1')
    .option('--data <dir>', 'folder to load the API state from and save it to on exit')
    .option(
      '--kubeconfig <file>',
      'write an admin kubeconfig (bearer token, embedded CA) to this file',
    )
    .option('--verbose', 'log controller errors and lifecycle lines to stderr')
    .action(async (flags: ServeKubeFlags) => {
      const port = parsePort(flags.port);
      if (!flags.host.startsWith('127.')) {
        throw new InvalidInputError(
          `--host must be a loopback address in 127.0.0.0/8, received ${JSON.stringify(flags.host)}`,
        );
      }
      const server = await startKube({
        host: flags.host,
        port,
        dataDir: flags.data ? path.resolve(flags.data) : undefined,
        log: flags.verbose ? (line) => context.stderr.write(`${line}\n`) : undefined,
      });
      context.stdout.write(`Kubernetes API listening on ${server.url}\n`);
      if (flags.kubeconfig) {
        await server.writeKubeconfig(flags.kubeconfig);
        context.stdout.write(
          `kubeconfig written to ${path.resolve(flags.kubeconfig)} (export KUBECONFIG=${path.resolve(flags.kubeconfig)})\n`,
        );
      }
      await waitForSignal();
      context.stdout.write('stopping the Kubernetes API server\n');
      await server.close();
    });
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
