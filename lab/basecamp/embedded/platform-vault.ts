/**
 * Vault as the platform pod `vault/vault-0`: the embedded Vault serving
 * HTTPS on the pod IP, port 8200, behind `vault.vault.svc`. A new data
 * folder is initialised (3 key shares, threshold 2) and the root token and
 * unseal keys are written to 0600 files; a kept one is unsealed from them.
 * Then the platform configuration is applied through the API.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { ClusterClient } from '../../emulators/kubelet/cluster-client.ts';
import type { PodNetwork } from '../../emulators/network/index.ts';
import { type CertificateAuthority, issueServerCertificate } from '../../emulators/shared/pki.ts';
import { startVault, type VaultServer } from '../../emulators/vault/index.ts';
import { setUpVault, vaultCaller } from '../vault-setup.ts';
import { createMirrorPod, createPlatformService } from './platform-pods.ts';
import type { PodLogWriter } from './pod-log-writer.ts';
import type { StatePaths } from './state.ts';
import { requestServiceAccountToken } from './tokens.ts';

const KEY_SHARES = 3;
const KEY_THRESHOLD = 2;
const REVIEWER_TOKEN_SECONDS = 365 * 24 * 3600;

export async function startPlatformVault(input: {
  client: ClusterClient;
  network: PodNetwork;
  paths: StatePaths;
  logs: PodLogWriter;
  ca: CertificateAuthority;
  nodeName: string;
  kubeUrl: string;
  kubeCaPem: string;
  postgresVaultAdminPassword: string;
}): Promise<VaultServer> {
  const { client, network, paths } = input;
  const clusterIp = await createPlatformService(client, { namespace: 'vault', service: 'vault', app: 'vault', port: 8200 });
  const ip = network.allocator.allocatePodIp();
  const certificate = await issueServerCertificate(input.ca, {
    commonName: 'vault.vault.svc',
    dnsNames: ['vault.vault.svc', 'vault.vault.svc.cluster.local', 'vault.vault', 'vault', 'localhost'],
    ipAddresses: ['127.0.0.1', ip, clusterIp],
  });
  const vault = await startVault({
    host: ip,
    port: 8200,
    tls: certificate,
    dataDir: paths.vaultData,
    network: network.outbound(ip, 'vault'),
    log: input.logs.sink('vault-0'),
  });
  try {
    const rootToken = await initializeAndUnseal(vault.url, input.ca.certPem, paths);
    await createMirrorPod(client, { namespace: 'vault', name: 'vault-0', app: 'vault', image: 'hashicorp/vault:1.17', port: 8200, ip }, input.nodeName, network.nodeIp);
    const reviewer = await requestServiceAccountToken(client, 'vault', 'vault', REVIEWER_TOKEN_SECONDS);
    await setUpVault({
      addr: vault.url,
      caCertPem: input.ca.certPem,
      rootToken,
      postgresHost: 'postgres.basecamp.svc',
      postgresPort: 5432,
      vaultAdminPassword: input.postgresVaultAdminPassword,
      kubernetesHost: input.kubeUrl,
      kubernetesCaPem: input.kubeCaPem,
      reviewerJwt: reviewer.token,
      auditFilePath: paths.vaultAudit,
    });
    return vault;
  } catch (error) {
    await vault.close();
    throw error;
  }
}

/** Initialises a new Vault or unseals a kept one; returns the root token. */
async function initializeAndUnseal(addr: string, caCertPem: string, paths: StatePaths): Promise<string> {
  const call = vaultCaller({ addr, caCertPem, rootToken: '' });
  const status = (await call('GET', 'sys/seal-status')) as { initialized: boolean; sealed: boolean };
  let keys: string[];
  let rootToken: string;
  if (!status.initialized) {
    const created = (await call('PUT', 'sys/init', { secret_shares: KEY_SHARES, secret_threshold: KEY_THRESHOLD })) as { keys: string[]; root_token: string };
    keys = created.keys;
    rootToken = created.root_token;
    await writeFile(paths.vaultUnsealKeys, `${JSON.stringify({ keys, threshold: KEY_THRESHOLD }, null, 2)}\n`, { mode: 0o600 });
    await writeFile(paths.vaultToken, `${rootToken}\n`, { mode: 0o600 });
  } else {
    keys = (JSON.parse(await readFile(paths.vaultUnsealKeys, 'utf8')) as { keys: string[] }).keys;
    rootToken = (await readFile(paths.vaultToken, 'utf8')).trim();
  }
  for (const key of keys.slice(0, KEY_THRESHOLD)) {
    const progress = (await call('PUT', 'sys/unseal', { key })) as { sealed: boolean };
    if (!progress.sealed) break;
  }
  return rootToken;
}
