/**
 * The embedded basecamp's supervisor: starts the pod network, the
 * Kubernetes API, PostgreSQL, Vault and the ESO controller, applies the
 * platform manifests, runs the node (workload controllers, kubelet,
 * kube-proxy) and waits until the platform is Ready. `lab up` runs it in a
 * background process; `acquireBasecamp` runs it in-process when nothing is
 * up. `stop()` undoes everything in reverse order.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { startKube } from '../../emulators/kube/index.ts';
import { clusterClientFromFile } from '../../emulators/kubelet/cluster-client.ts';
import { KubeProxy } from '../../emulators/kubelet/kube-proxy.ts';
import { Kubelet } from '../../emulators/kubelet/kubelet.ts';
import { readPodLog } from '../../emulators/kubelet/pod-logs.ts';
import { WorkloadControllers } from '../../emulators/kubelet/workload-controllers.ts';
import { type ConnectionLogEntry, PodNetwork } from '../../emulators/network/index.ts';
import { createCertificateAuthority } from '../../emulators/shared/pki.ts';
import { loadEsoCrds, loadManifests, type ManifestFile } from '../manifests.ts';
import type { BasecampEndpoints } from '../types.ts';
import { applyManifestFiles } from './apply.ts';
import { ControlLoop } from './control-loop.ts';
import { startPlatformEso } from './platform-eso.ts';
import { startPlatformPostgres } from './platform-postgres.ts';
import { startPlatformVault } from './platform-vault.ts';
import { PodLogWriter } from './pod-log-writer.ts';
import { waitUntilReady } from './readiness.ts';
import { statePaths } from './state.ts';

export const NODE_NAME = 'basecamp-node';
export const APP_NODE_PORT = 30080;
const APP_FOLDER = fileURLToPath(new URL('../../app/', import.meta.url));
/** Manifests that need Vault and the ESO controller running: applied last. */
const WORKLOAD_MANIFESTS = /secret-stores|app\.yaml$/;

export interface SupervisorOptions {
  stateDir: string;
  /** Receives the supervisor's own log lines. */
  log(line: string): void;
  /** How often the kubelet rewrites Secret volumes that changed, in ms (the kubelet's sync period; about a minute in a cluster). */
  volumeSyncDelayMs?: number;
  /** Deadline of ESO's Vault requests in ms (ESO: 60 s; the lab default is 10 s so a dropped connection shows up quickly). */
  esoVaultTimeoutMs?: number;
  /** How long to wait for everything to be Ready, in ms. */
  readyTimeoutMs?: number;
  /** Interval of the node's control loop, in ms. */
  loopIntervalMs?: number;
}

export interface RunningSupervisor {
  endpoints: BasecampEndpoints;
  stop(): Promise<void>;
}

type OnStop = (what: string, run: () => Promise<void>) => void;

/** Maximum wait for one component to stop; the components after it (PostgreSQL among them) still stop. */
const STOP_STEP_TIMEOUT_MS = 20_000;
/** A stop step slower than this is logged with its time, to find what delays a shutdown. */
const SLOW_STOP_STEP_MS = 2_000;

/** Rejects when `promise` has not settled within `ms`; the promise itself goes on. */
async function withDeadline<T>(promise: Promise<T>, ms: number, step: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${step} timed out after ${ms / 1000}s; going on with the next component`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Starts every component; on a failure, stops what already started and rethrows. */
export async function startSupervisor(options: SupervisorOptions): Promise<RunningSupervisor> {
  const cleanups: Array<{ what: string; run: () => Promise<void> }> = [];
  const stop = async () => {
    while (cleanups.length > 0) {
      const cleanup = cleanups.pop() as (typeof cleanups)[number];
      const started = performance.now();
      try {
        await withDeadline(cleanup.run(), STOP_STEP_TIMEOUT_MS, `stopping ${cleanup.what}`);
      } catch (error) {
        options.log(`stopping ${cleanup.what} failed: ${(error as Error).message}`);
      }
      const tookMs = Math.round(performance.now() - started);
      if (tookMs > SLOW_STOP_STEP_MS) options.log(`stopping ${cleanup.what} took ${tookMs} ms`);
    }
  };
  try {
    const endpoints = await startComponents(options, (what, run) => cleanups.push({ what, run }));
    return { endpoints, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startComponents(options: SupervisorOptions, onStop: OnStop): Promise<BasecampEndpoints> {
  const paths = statePaths(options.stateDir);
  const log = options.log;
  await mkdir(paths.pods, { recursive: true });

  const network = await PodNetwork.start({ stateDir: options.stateDir, log, onConnection: connectionLogger(log) });
  onStop('pod network', () => network.close());
  log(`pod network ${network.subnet.cidr}, node ${network.nodeIp}`);

  const ca = await createCertificateAuthority('basecamp-lab embedded CA');
  await writeFile(paths.caCert, ca.certPem);
  const logs = new PodLogWriter(paths.pods);
  onStop('pod logs', () => logs.close());

  const kube = await startKube({
    host: network.nodeIp,
    port: 6443,
    ca,
    serviceClusterIpRange: `127.${network.subnet.octet}.1.0/24`,
    podLogs: (_namespace, pod, _container, logOptions) => readPodLog(options.stateDir, pod, logOptions),
    log: (line) => log(`kube: ${line}`),
  });
  onStop('Kubernetes API', () => kube.close());
  await kube.writeKubeconfig(paths.kubeconfig);
  const client = clusterClientFromFile(paths.kubeconfig);
  log(`Kubernetes API at ${kube.url}`);

  const manifests = await loadManifests({ VAULT_CA_BUNDLE: Buffer.from(ca.certPem).toString('base64') });
  await applyManifestFiles(client, await loadEsoCrds(), log);
  await applyManifestFiles(client, manifests.filter((file) => !WORKLOAD_MANIFESTS.test(file.file)), log);

  const loop = startNode(options, { client, network, onStop });

  const postgres = await startPlatformPostgres({ client, network, paths, logs, nodeName: NODE_NAME });
  onStop('PostgreSQL', () => postgres.stop());
  // One pass of kube-proxy publishes postgres.basecamp.svc before Vault connects to it.
  await loop.runOnce();

  const vault = await startPlatformVault({
    client, network, paths, logs, ca,
    nodeName: NODE_NAME,
    kubeUrl: kube.url,
    kubeCaPem: kube.caCertPem,
    postgresVaultAdminPassword: postgres.vaultAdminPassword,
  });
  onStop('Vault', () => vault.close());

  const eso = await startPlatformEso({
    client, network, logs,
    nodeName: NODE_NAME,
    kubeUrl: kube.url,
    kubeCaPem: kube.caCertPem,
    vaultTimeoutMs: options.esoVaultTimeoutMs ?? 5_000,
  });
  onStop('ESO controller', () => eso.controller.close());

  await applyManifestFiles(client, manifests.filter((file: ManifestFile) => WORKLOAD_MANIFESTS.test(file.file)), log);

  const endpoints: BasecampEndpoints = {
    kind: 'embedded',
    kubeconfig: paths.kubeconfig,
    vault: { addr: vault.url, caCert: paths.caCert, tokenFile: paths.vaultToken, unsealKeysFile: paths.vaultUnsealKeys, auditLog: paths.vaultAudit },
    postgres: { host: postgres.host, port: postgres.port, user: 'postgres', database: 'app', passwordFile: postgres.passwordFile },
    serviceUrl: `http://${network.nodeIp}:${APP_NODE_PORT}`,
    stateDir: options.stateDir,
  };
  await waitUntilReady(client, endpoints, options.readyTimeoutMs ?? 120_000, log);
  return endpoints;
}

/** Logs dropped and rejected Service connections, once per Service, source and reason per minute. */
function connectionLogger(log: (line: string) => void): (entry: ConnectionLogEntry) => void {
  const lastLogged = new Map<string, number>();
  return (entry) => {
    if (entry.decision.action === 'forward') return;
    const key = `${entry.service}|${entry.source}|${entry.decision.reason}`;
    const now = Date.now();
    if (now - (lastLogged.get(key) ?? 0) < 60_000) return;
    lastLogged.set(key, now);
    log(`network: ${entry.decision.action} connection from ${entry.source} to ${entry.service}: ${entry.decision.reason}`);
  };
}

/** Starts the control loop of the node: workload controllers, kubelet and kube-proxy. */
function startNode(
  options: SupervisorOptions,
  input: { client: ReturnType<typeof clusterClientFromFile>; network: PodNetwork; onStop: OnStop },
): ControlLoop {
  const { client, network } = input;
  const logWith = (prefix: string) => (message: string, fields?: Record<string, unknown>) =>
    options.log(`${prefix}: ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}`);
  const kubelet = new Kubelet({
    client,
    nodeName: NODE_NAME,
    nodeIp: network.nodeIp,
    stateDir: options.stateDir,
    allocatePodIp: () => network.allocator.allocatePodIp(),
    releasePodIp: (ip) => network.allocator.release(ip),
    serviceTableFile: network.serviceTableFile,
    imagePaths: { '/app': APP_FOLDER },
    volumeSyncDelayMs: options.volumeSyncDelayMs ?? 1_000,
    restartBackoffMs: 1_000,
    maxRestartBackoffMs: 30_000,
    log: logWith('kubelet'),
  });
  const controllers = new WorkloadControllers({ client, nodeName: NODE_NAME, log: logWith('controller') });
  const proxy = new KubeProxy({ client, network, portTargets: () => undefined });
  const loop = new ControlLoop(
    [
      { name: 'workload controllers', sync: () => controllers.sync() },
      { name: 'kubelet', sync: () => kubelet.sync() },
      { name: 'kube-proxy', sync: () => proxy.sync() },
    ],
    options.loopIntervalMs ?? 250,
    options.log,
  );
  loop.start();
  // Registered in this order so that stopping ends the loop before the pods.
  input.onStop('pods', () => kubelet.stopAll(5_000));
  input.onStop('control loop', () => loop.stop());
  return loop;
}
