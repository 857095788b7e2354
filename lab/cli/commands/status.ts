/**
 * `lab status`: whether the embedded basecamp is up, its endpoints, and the
 * platform's pods and ExternalSecrets as the Kubernetes API reports them.
 * Exit 0 when up and Ready, 1 when up but not Ready, 3 when down.
 */
import { CustomObjectsApi } from '@kubernetes/client-node';
import { checkReadiness } from '../../basecamp/embedded/readiness.ts';
import { supervisorState } from '../../basecamp/embedded/state.ts';
import { EnvironmentError, ExitCode } from '../../core/errors.ts';
import { clusterClientFromFile } from '../../emulators/kubelet/cluster-client.ts';
import type { RegisterCommand } from '../command.ts';
import { resolveStateDir } from './state-dir.ts';

const NAMESPACES = ['vault', 'external-secrets', 'basecamp'];

export const register: RegisterCommand = (program, context) => {
  program
    .command('status')
    .description('show whether the embedded basecamp is up, its endpoints, pods and ExternalSecrets')
    .option('--state-dir <dir>', 'state folder (default: .lab in the project, or LAB_STATE_DIR)')
    .option('--json', 'print the state and endpoints as JSON')
    .action(async (options: { stateDir?: string; json?: boolean }) => {
      const stateDir = resolveStateDir(context.root, options.stateDir);
      const current = await supervisorState(stateDir);
      if (current.state !== 'up') {
        if (options.json) context.stdout.write(`${JSON.stringify({ state: current.state, stateDir })}\n`);
        throw new EnvironmentError(
          current.state === 'stale' ? `the basecamp in ${stateDir} crashed (pid ${current.pid} is gone)` : `no basecamp is up in ${stateDir} (state: ${current.state})`,
          { hint: current.state === 'stale' ? 'run `npx lab down` to clean up, then `npx lab up`' : 'run `npx lab up`' },
        );
      }
      const client = clusterClientFromFile(current.endpoints.kubeconfig);
      const readiness = await checkReadiness(client, current.endpoints);
      if (options.json) {
        context.stdout.write(`${JSON.stringify({ state: 'up', pid: current.pid, ready: readiness.ready, waitingFor: readiness.waitingFor, endpoints: current.endpoints }, null, 2)}\n`);
      } else {
        context.stdout.write(`basecamp is up (pid ${current.pid}, state in ${stateDir})\n`);
        context.stdout.write(`  Vault ${current.endpoints.vault.addr}  PostgreSQL ${current.endpoints.postgres.host}:${current.endpoints.postgres.port}  service ${current.endpoints.serviceUrl}\n\n`);
        context.stdout.write(await podTable(client));
        context.stdout.write(`\n${await externalSecretTable(client)}`);
        context.stdout.write(readiness.ready ? '\nReady\n' : `\nnot Ready:\n  ${readiness.waitingFor.join('\n  ')}\n`);
      }
      context.setExitCode(readiness.ready ? ExitCode.passed : ExitCode.checkFailed);
    });
};

interface ExternalSecretItem {
  metadata?: { namespace?: string; name?: string };
  spec?: { secretStoreRef?: { name?: string } };
  status?: { conditions?: Array<{ type: string; status: string; reason?: string }> };
}

/** Lists every ExternalSecret with its store and Ready condition, as `kubectl get externalsecrets -A` does. */
async function externalSecretTable(client: ReturnType<typeof clusterClientFromFile>): Promise<string> {
  const custom = client.config.makeApiClient(CustomObjectsApi);
  const list = (await custom.listClusterCustomObject({ group: 'external-secrets.io', version: 'v1', plural: 'externalsecrets' })) as {
    items: ExternalSecretItem[];
  };
  const rows: string[][] = [['NAMESPACE', 'EXTERNALSECRET', 'STORE', 'STATUS', 'READY']];
  for (const item of list.items) {
    const ready = item.status?.conditions?.find((condition) => condition.type === 'Ready');
    rows.push([
      item.metadata?.namespace ?? '',
      item.metadata?.name ?? '',
      item.spec?.secretStoreRef?.name ?? '',
      ready?.reason ?? '',
      ready?.status ?? 'Unknown',
    ]);
  }
  return formatTable(rows);
}

async function podTable(client: ReturnType<typeof clusterClientFromFile>): Promise<string> {
  const rows: string[][] = [['NAMESPACE', 'POD', 'READY', 'STATUS', 'RESTARTS', 'IP']];
  for (const namespace of NAMESPACES) {
    const pods = await client.core.listNamespacedPod({ namespace });
    for (const pod of pods.items) {
      const container = pod.status?.containerStatuses?.[0];
      const waiting = container?.state?.waiting?.reason;
      rows.push([
        namespace,
        pod.metadata?.name ?? '',
        container?.ready ? '1/1' : '0/1',
        waiting ?? pod.status?.phase ?? 'Unknown',
        String(container?.restartCount ?? 0),
        pod.status?.podIP ?? '',
      ]);
    }
  }
  return formatTable(rows);
}

function formatTable(rows: string[][]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return `${rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()).join('\n')}\n`;
}
