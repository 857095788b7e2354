/**
 * PostgreSQL as the platform's database pod `basecamp/postgres-0`: a real
 * server listening on the pod IP, port 5432, behind `postgres.basecamp.svc`.
 */
import type { ClusterClient } from '../../emulators/kubelet/cluster-client.ts';
import type { PodNetwork } from '../../emulators/network/index.ts';
import { startPostgres } from './postgres.ts';
import { setUpPostgres, APP_DATABASE } from '../postgres-setup.ts';
import { createMirrorPod, createPlatformService } from './platform-pods.ts';
import type { PodLogWriter } from './pod-log-writer.ts';
import type { StatePaths } from './state.ts';

export interface PlatformPostgres {
  host: string;
  port: number;
  passwordFile: string;
  vaultAdminPassword: string;
  stop(): Promise<void>;
}

export async function startPlatformPostgres(input: {
  client: ClusterClient;
  network: PodNetwork;
  paths: StatePaths;
  logs: PodLogWriter;
  nodeName: string;
}): Promise<PlatformPostgres> {
  const { client, network } = input;
  await createPlatformService(client, { namespace: 'basecamp', service: 'postgres', app: 'postgres', port: 5432 });
  const ip = network.allocator.allocatePodIp();
  const server = await startPostgres({ dataDir: input.paths.postgresData, host: ip, port: 5432, database: APP_DATABASE, log: input.logs.sink('postgres-0') });
  try {
    const { vaultAdminPassword } = await setUpPostgres(server.connectionString(APP_DATABASE));
    await createMirrorPod(client, { namespace: 'basecamp', name: 'postgres-0', app: 'postgres', image: 'postgres:18', port: 5432, ip }, input.nodeName, network.nodeIp);
    return { host: ip, port: server.port, passwordFile: server.passwordFile, vaultAdminPassword, stop: () => server.stop() };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
