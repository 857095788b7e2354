/**
 * The embedded kubelet: runs the pods bound to its node as local processes.
 * It is a client of the Kubernetes API like the real one: it lists its pods,
 * reads their Secrets and ConfigMaps with its own credentials, and writes
 * pod status and events back.
 *
 * Images: only `node:*` images run, with `node` as the entrypoint; the
 * process is started as `node --import <pod preload> <args>` so Service
 * names resolve and sockets bind the pod IP. Absolute paths of the image
 * (the working directory) map to host folders through `imagePaths`.
 *
 * Pods that carry the `kubernetes.io/config.mirror` annotation are mirror
 * pods of processes the supervisor runs itself (Vault, the ESO controller,
 * PostgreSQL) and are left alone.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { V1Pod } from '@kubernetes/client-node';
import { type ClusterClient, describeError, ignoreNotFoundOrConflict, statusCodeOf } from './cluster-client.ts';
import { type ConfigSource, ContainerConfigError, resolveEnvironment, volumePayload } from './container-config.ts';
import { PodRuntime } from './pod-runtime.ts';
import { podStatus, statusSignature } from './pod-status.ts';
import { writeVolume } from './volume-writer.ts';

export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
export const POD_PRELOAD = fileURLToPath(new URL('../network/pod-preload.mjs', import.meta.url));

export interface KubeletOptions {
  client: ClusterClient;
  nodeName: string;
  nodeIp: string;
  /** The lab state folder; pods live in `<stateDir>/pods/<name>/`. */
  stateDir: string;
  allocatePodIp(): string;
  releasePodIp(ip: string): void;
  /** JSON file of Service names to ClusterIPs, passed to the pod preload. */
  serviceTableFile: string;
  /** Container paths of the images mapped to host folders, for example `/app` to the sample service's folder. */
  imagePaths: Record<string, string>;
  /** How long after a Secret or ConfigMap changes its volumes are rewritten, in ms (the kubelet's sync period). */
  volumeSyncDelayMs: number;
  /** First restart back-off in ms (10 s in the kubelet). */
  restartBackoffMs?: number;
  maxRestartBackoffMs?: number;
  log(message: string, fields?: Record<string, unknown>): void;
}

interface ManagedPod {
  uid: string;
  namespace: string;
  name: string;
  runtime: PodRuntime;
  /** Set when the pod's configuration failed: the waiting reason and message. */
  configError?: ContainerConfigError;
  nextVolumeSync: number;
  lastSignature?: string;
  startTime: Date;
  stopping?: boolean;
}

export class Kubelet {
  readonly #options: KubeletOptions;
  readonly #pods = new Map<string, ManagedPod>();

  constructor(options: KubeletOptions) {
    this.#options = options;
  }

  /** The pods this kubelet runs, for the pod network: IP, labels and readiness. */
  get runningPods(): ReadonlyArray<{ uid: string; namespace: string; name: string; ip: string; ready: boolean }> {
    return [...this.#pods.values()].map((pod) => ({ uid: pod.uid, namespace: pod.namespace, name: pod.name, ip: pod.runtime.podIp, ready: pod.runtime.ready }));
  }

  podIpOf(uid: string): string | undefined {
    return this.#pods.get(uid)?.runtime.podIp;
  }

  /** One pass: start new pods, refresh volumes, stop removed pods, write status. */
  async sync(): Promise<void> {
    const list = await this.#options.client.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${this.#options.nodeName}` }).catch(async (error) => {
      // Field selectors other than metadata.* may be unsupported: filter here instead.
      if (statusCodeOf(error) !== 400) throw error;
      return this.#options.client.core.listPodForAllNamespaces();
    });
    const pods = list.items.filter((pod) => pod.spec?.nodeName === this.#options.nodeName && !pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION]);
    const seen = new Set<string>();
    for (const pod of pods) {
      const uid = pod.metadata?.uid as string;
      seen.add(uid);
      try {
        await this.#syncPod(pod);
      } catch (error) {
        this.#options.log('syncing pod failed', { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, error: describeError(error) });
      }
    }
    for (const [uid, managed] of this.#pods) {
      if (!seen.has(uid)) void this.#remove(managed, 0);
    }
  }

  async #syncPod(pod: V1Pod): Promise<void> {
    const uid = pod.metadata?.uid as string;
    let managed = this.#pods.get(uid);
    if (pod.metadata?.deletionTimestamp) {
      if (managed && !managed.stopping) void this.#terminate(pod, managed);
      return;
    }
    if (!managed) managed = await this.#admit(pod);
    if (managed.stopping) return;

    if (!managed.runtime.spec) await this.#tryStart(pod, managed);
    else if (Date.now() >= managed.nextVolumeSync) await this.#syncVolumes(pod, managed);

    await this.#writeStatus(pod, managed);
  }

  async #admit(pod: V1Pod): Promise<ManagedPod> {
    const namespace = pod.metadata?.namespace as string;
    const name = pod.metadata?.name as string;
    const container = pod.spec?.containers?.[0];
    if (!container) throw new Error(`pod ${namespace}/${name} has no containers`);
    const podIp = this.#options.allocatePodIp();
    const folder = join(this.#options.stateDir, 'pods', name);
    await rm(folder, { recursive: true, force: true });
    await mkdir(folder, { recursive: true });
    const runtime = new PodRuntime({
      folder,
      podIp,
      container,
      backoffMs: this.#options.restartBackoffMs ?? 10_000,
      maxBackoffMs: this.#options.maxRestartBackoffMs ?? 300_000,
      log: (message, fields) => this.#options.log(message, { pod: `${namespace}/${name}`, ...fields }),
      event: (type, reason, message) => void this.#event(pod, type, reason, message),
    });
    const managed: ManagedPod = { uid: pod.metadata?.uid as string, namespace, name, runtime, nextVolumeSync: 0, startTime: new Date() };
    this.#pods.set(managed.uid, managed);
    this.#options.log('pod admitted', { pod: `${namespace}/${name}`, podIp });
    if ((pod.spec?.containers?.length ?? 0) > 1) this.#options.log('NOTE: only the first container of a pod runs', { pod: `${namespace}/${name}` });
    return managed;
  }

  async #tryStart(pod: V1Pod, managed: ManagedPod): Promise<void> {
    const container = managed.runtime.options.container;
    const image = container.image ?? '';
    if (!/^(docker\.io\/)?(library\/)?node(:|@|$)/.test(image)) {
      managed.configError = new ContainerConfigError('ImagePullBackOff', `image ${JSON.stringify(image)} cannot run here: the embedded kubelet runs only node:* images`);
      return;
    }
    try {
      await this.#writeVolumes(pod, managed);
      const env = await resolveEnvironment(pod, container, this.#configSource(), managed.runtime.podIp, this.#options.nodeIp);
      managed.configError = undefined;
      await managed.runtime.start(this.#processSpec(pod, managed, env));
      managed.nextVolumeSync = Date.now() + this.#options.volumeSyncDelayMs;
    } catch (error) {
      if (!(error instanceof ContainerConfigError)) throw error;
      const first = managed.configError?.message !== error.message;
      managed.configError = error;
      if (first) void this.#event(pod, 'Warning', error.reason === 'ContainerCreating' ? 'FailedMount' : 'Failed', error.message);
    }
  }

  async #writeVolumes(pod: V1Pod, managed: ManagedPod): Promise<boolean> {
    let changed = false;
    for (const volume of pod.spec?.volumes ?? []) {
      const payload = await volumePayload(pod, volume, this.#configSource());
      const folder = managed.runtime.volumeFolder(volume.name);
      if (payload === undefined) await mkdir(folder, { recursive: true });
      else if (await writeVolume(folder, payload)) changed = true;
    }
    if (!managed.runtime.spec) {
      for (const mount of managed.runtime.options.container.volumeMounts ?? []) {
        await managed.runtime.mount(mount.mountPath, mount.name, mount.subPath);
      }
    }
    return changed;
  }

  async #syncVolumes(pod: V1Pod, managed: ManagedPod): Promise<void> {
    managed.nextVolumeSync = Date.now() + this.#options.volumeSyncDelayMs;
    try {
      if (await this.#writeVolumes(pod, managed)) this.#options.log('volumes updated', { pod: `${managed.namespace}/${managed.name}` });
    } catch (error) {
      // A Secret deleted under a running pod leaves the old content in place, as in a cluster.
      this.#options.log('refreshing volumes failed', { pod: `${managed.namespace}/${managed.name}`, error: describeError(error) });
    }
  }

  #processSpec(pod: V1Pod, managed: ManagedPod, env: Record<string, string>) {
    const container = managed.runtime.options.container;
    const command = container.command ?? ['node'];
    const [entry, ...rest] = command;
    if (entry !== 'node' && entry !== '/usr/local/bin/node') {
      throw new ContainerConfigError('CreateContainerConfigError', `command ${JSON.stringify(command)} cannot run here: the embedded kubelet runs only node`);
    }
    const workingDir = container.workingDir ?? '/';
    return {
      executable: process.execPath,
      args: ['--import', POD_PRELOAD, ...rest, ...(container.args ?? [])],
      cwd: this.#options.imagePaths[workingDir] ?? join(managed.runtime.rootFolder, workingDir),
      env: {
        PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
        HOSTNAME: pod.metadata?.name as string,
        ...env,
        LAB_POD_IP: managed.runtime.podIp,
        LAB_POD_NAMESPACE: managed.namespace,
        LAB_POD_ROOT: managed.runtime.rootFolder,
        LAB_SERVICE_TABLE: this.#options.serviceTableFile,
      },
    };
  }

  #configSource(): ConfigSource {
    const core = this.#options.client.core;
    const decode = (data: Record<string, string> | undefined, encoding: 'base64' | 'utf8') =>
      Object.fromEntries(Object.entries(data ?? {}).map(([key, value]) => [key, Buffer.from(value, encoding)]));
    return {
      secret: async (namespace, name) => {
        const secret = await ignoreNotFound(() => core.readNamespacedSecret({ namespace, name }));
        return secret ? decode(secret.data, 'base64') : undefined;
      },
      configMap: async (namespace, name) => {
        const map = await ignoreNotFound(() => core.readNamespacedConfigMap({ namespace, name }));
        return map ? { ...decode(map.data, 'utf8'), ...decode(map.binaryData, 'base64') } : undefined;
      },
    };
  }

  async #writeStatus(pod: V1Pod, managed: ManagedPod): Promise<void> {
    const status = podStatus(pod, managed.runtime, managed.configError, this.#options.nodeIp, managed.startTime);
    const signature = statusSignature(status);
    if (signature === managed.lastSignature) return;
    const result = await ignoreNotFoundOrConflict(() =>
      this.#options.client.core.replaceNamespacedPodStatus({ namespace: managed.namespace, name: managed.name, body: { ...pod, status } }),
    );
    if (result) managed.lastSignature = signature;
  }

  async #terminate(pod: V1Pod, managed: ManagedPod): Promise<void> {
    const graceMs = Math.min(pod.spec?.terminationGracePeriodSeconds ?? 30, 30) * 1000;
    void this.#event(pod, 'Normal', 'Killing', `Stopping container ${managed.runtime.options.container.name}`);
    await this.#remove(managed, graceMs);
    // The kubelet removes the object once the containers are gone.
    await ignoreNotFoundOrConflict(() => this.#options.client.core.deleteNamespacedPod({ namespace: managed.namespace, name: managed.name, gracePeriodSeconds: 0 }));
  }

  async #remove(managed: ManagedPod, graceMs: number): Promise<void> {
    if (managed.stopping) return;
    managed.stopping = true;
    await managed.runtime.stop(graceMs);
    this.#pods.delete(managed.uid);
    this.#options.releasePodIp(managed.runtime.podIp);
    this.#options.log('pod stopped', { pod: `${managed.namespace}/${managed.name}` });
  }

  async #event(pod: V1Pod, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const namespace = pod.metadata?.namespace as string;
    const now = new Date();
    try {
      await this.#options.client.core.createNamespacedEvent({
        namespace,
        body: {
          metadata: { name: `${pod.metadata?.name}.${now.getTime().toString(16)}${Math.floor(Math.random() * 4096).toString(16)}`, namespace },
          involvedObject: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata?.name, namespace, uid: pod.metadata?.uid },
          reason,
          message,
          type,
          source: { component: 'kubelet', host: this.#options.nodeName },
          reportingComponent: 'kubelet',
          reportingInstance: this.#options.nodeName,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
    } catch (error) {
      this.#options.log('recording an event failed', { reason, error: describeError(error) });
    }
  }

  /** Stops every pod process (SIGTERM, then SIGKILL after `graceMs`). */
  async stopAll(graceMs = 5_000): Promise<void> {
    await Promise.all([...this.#pods.values()].map((managed) => this.#remove(managed, graceMs)));
  }
}

async function ignoreNotFound<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    if (statusCodeOf(error) === 404) return undefined;
    throw error;
  }
}
