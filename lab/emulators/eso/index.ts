/**
 * The ESO-compatible controller of the embedded basecamp. It calls the
 * Kubernetes API with its own service account token, so RBAC applies, and
 * reaches Vault through the pod network, so NetworkPolicies apply. Each kind
 * (SecretStore, ClusterSecretStore, ExternalSecret) has one work queue with
 * `concurrency` workers (ESO's default is 1).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Informer, KubernetesObject, ObjectCache } from '@kubernetes/client-node';
import { EventRecorder } from './event-recorder.ts';
import { ExternalSecretController } from './external-secret-controller.ts';
import { metaHash } from './hash.ts';
import { KubeClient } from './kube-client.ts';
import { ControllerLogger } from './logger.ts';
import { LABEL_MANAGED } from './messages.ts';
import { MetricName, Metrics } from './metrics.ts';
import { StoreController } from './store-controller.ts';
import type { EsoController, EsoOptions, ObjectMeta, StoreKind } from './types.ts';
import type { ProviderContext } from './vault-provider.ts';
import { WorkQueue } from './work-queue.ts';

export type { EsoController, EsoOptions } from './types.ts';

/** ESO's defaults (cmd/controller/root.go and the Vault api package). */
export const ESO_DEFAULTS = {
  vaultTimeoutMs: 60_000,
  backoff: { baseMs: 1000, maxMs: 7 * 60_000 },
  storeRequeueMs: 5 * 60_000,
  concurrency: 1,
} as const;

const INFORMER_RESTART_MS = 1000;

type QueueKind = 'ExternalSecret' | StoreKind;

/** Starts the controller: informers first, then the workers. Resolves once the first lists are loaded. */
export async function startEso(options: EsoOptions): Promise<EsoController> {
  const now = () => options.clock?.now() ?? Date.now();
  const log = new ControllerLogger(options.log ?? (() => {}), now);
  const kube = new KubeClient(options.kube);
  const metrics = new Metrics();
  const provider: ProviderContext = {
    kube,
    controllerToken: options.kube.token,
    vaultTimeoutMs: options.vaultTimeoutMs ?? ESO_DEFAULTS.vaultTimeoutMs,
    network: options.network,
    onVaultCall: (call, ok) =>
      metrics.inc(MetricName.providerApiCalls, {
        provider: 'HashiCorp/Vault',
        call,
        status: ok ? 'success' : 'error',
      }),
    onRevokeError: (error) => log.error('failed to revoke Vault token', error),
  };
  const events = new EventRecorder(kube, log.child('events'), now);
  const stores = new StoreController({
    kube,
    provider,
    events,
    metrics,
    log: log.child('controllers.SecretStore'),
    now,
    storeRequeueMs: options.storeRequeueMs ?? ESO_DEFAULTS.storeRequeueMs,
  });
  const externalSecrets = new ExternalSecretController({
    kube,
    provider,
    events,
    metrics,
    log: log.child('controllers.ExternalSecret'),
    now,
  });

  const reconcile = (kind: QueueKind, namespace: string, name: string) =>
    kind === 'ExternalSecret'
      ? externalSecrets.reconcile(namespace, name)
      : stores.reconcile(kind, namespace, name);
  const queues = new Map<QueueKind, WorkQueue>();
  for (const kind of ['ExternalSecret', 'SecretStore', 'ClusterSecretStore'] as const) {
    queues.set(kind, makeQueue(kind, options, log, reconcile));
  }

  const watchers = new Watchers(kube, log, queues);
  await watchers.start();
  const server = options.metrics ? await serveMetrics(options.metrics, metrics, log) : undefined;
  log.info('Starting workers', { concurrency: options.concurrency ?? ESO_DEFAULTS.concurrency });

  return {
    metricsUrl: server ? metricsUrlOf(server) : undefined,
    metricsText: () => metrics.text(),
    reconcileNow: async (kind, namespace, name) => {
      await reconcile(kind, namespace, name);
    },
    close: async () => {
      await watchers.stop();
      for (const queue of queues.values()) queue.close();
      if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
      log.info('Stopped workers');
    },
  };
}

function makeQueue(
  kind: QueueKind,
  options: EsoOptions,
  log: ControllerLogger,
  reconcile: (
    kind: QueueKind,
    namespace: string,
    name: string,
  ) => Promise<{ requeueAfterMs?: number }>,
): WorkQueue {
  // controller-runtime's "Reconciler error" line, with the retry delay added.
  const logger = log.child(`controllers.${kind}`);
  return new WorkQueue(
    (key) => {
      const [namespace = '', name = ''] = key.split('/');
      return reconcile(kind, namespace, name);
    },
    {
      concurrency: options.concurrency ?? ESO_DEFAULTS.concurrency,
      baseMs: options.backoff?.baseMs ?? ESO_DEFAULTS.backoff.baseMs,
      maxMs: options.backoff?.maxMs ?? ESO_DEFAULTS.backoff.maxMs,
      onError: (key, error, retryInMs) =>
        logger.error('Reconciler error', error, {
          controller: kind.toLowerCase(),
          controllerGroup: 'external-secrets.io',
          controllerKind: kind,
          [kind]: objectRef(key),
          ...objectRef(key),
          reconcileID: randomUUID(),
          retryInMs,
        }),
    },
  );
}

/** Splits a queue key `namespace/name` into controller-runtime's object reference fields. */
function objectRef(key: string): { name: string; namespace?: string } {
  const [namespace = '', name = ''] = key.split('/');
  return namespace ? { name, namespace } : { name };
}

/** The informers and the predicates that decide which changes enqueue a reconcile. */
class Watchers {
  private readonly informers: Array<Informer<KubernetesObject> & ObjectCache<KubernetesObject>> =
    [];
  private readonly seen = new Map<string, string>();
  private stopped = false;

  constructor(
    private readonly kube: KubeClient,
    private readonly log: ControllerLogger,
    private readonly queues: Map<QueueKind, WorkQueue>,
  ) {}

  async start(): Promise<void> {
    this.watch('ExternalSecret', '/apis/external-secrets.io/v1/externalsecrets');
    this.watch('SecretStore', '/apis/external-secrets.io/v1/secretstores');
    this.watch('ClusterSecretStore', '/apis/external-secrets.io/v1/clustersecretstores');
    this.watchManagedSecrets();
    await Promise.all(
      this.informers.map((informer) => this.startInformer(informer, 'initial list')),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.informers.map((informer) => informer.stop().catch(() => {})));
  }

  private watch(kind: QueueKind, path: string): void {
    const informer = this.kube.informer<KubernetesObject>(path);
    const enqueue = (object: KubernetesObject) => {
      const meta = object.metadata as ObjectMeta | undefined;
      if (!meta?.name) return;
      const key = `${meta.namespace ?? ''}/${meta.name}`;
      // Status-only writes (our own) do not enqueue: only spec, labels, annotations and deletion do.
      const fingerprint = `${meta.generation ?? 0}|${metaHash(meta)}|${meta.deletionTimestamp ?? ''}`;
      if (this.seen.get(`${kind}:${key}`) === fingerprint) return;
      this.seen.set(`${kind}:${key}`, fingerprint);
      this.queues.get(kind)?.add(key);
    };
    informer.on('add', enqueue);
    informer.on('update', enqueue);
    informer.on('delete', (object) => {
      const meta = object.metadata as ObjectMeta | undefined;
      if (!meta?.name) return;
      const key = `${meta.namespace ?? ''}/${meta.name}`;
      this.seen.delete(`${kind}:${key}`);
      this.queues.get(kind)?.add(key);
    });
    this.handleErrors(informer, path);
    this.informers.push(informer);
  }

  /** Enqueues the owning ExternalSecret when a managed Secret changes or is deleted. */
  private watchManagedSecrets(): void {
    const informer = this.kube.informer<KubernetesObject>(
      '/api/v1/secrets',
      `${LABEL_MANAGED}=true`,
    );
    const enqueueOwner = (object: KubernetesObject) => {
      const meta = object.metadata as ObjectMeta | undefined;
      const owner = meta?.ownerReferences?.find(
        (ref) => ref.kind === 'ExternalSecret' && ref.controller,
      );
      if (owner) this.queues.get('ExternalSecret')?.add(`${meta?.namespace ?? ''}/${owner.name}`);
    };
    informer.on('update', enqueueOwner);
    informer.on('delete', enqueueOwner);
    this.handleErrors(informer, '/api/v1/secrets');
    this.informers.push(informer);
  }

  private handleErrors(informer: Informer<KubernetesObject>, path: string): void {
    informer.on('error', (error: unknown) => {
      if (this.stopped) return;
      this.log.error('watch failed; restarting', error, { path, retryInMs: INFORMER_RESTART_MS });
      setTimeout(() => void this.startInformer(informer, path), INFORMER_RESTART_MS).unref();
    });
  }

  private async startInformer(informer: Informer<KubernetesObject>, path: string): Promise<void> {
    if (this.stopped) return;
    try {
      await informer.start();
    } catch (error) {
      this.log.error('watch failed to start; retrying', error, {
        path,
        retryInMs: INFORMER_RESTART_MS,
      });
      setTimeout(() => void this.startInformer(informer, path), INFORMER_RESTART_MS).unref();
    }
  }
}

async function serveMetrics(
  address: { host: string; port: number },
  metrics: Metrics,
  log: ControllerLogger,
): Promise<http.Server> {
  const server = http.createServer((request, response) => {
    if (request.method === 'GET' && request.url?.split('?')[0] === '/metrics') {
      response.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
      response.end(metrics.text());
      return;
    }
    response.writeHead(404, { 'Content-Type': 'text/plain' });
    response.end('404 page not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => resolve());
  });
  log.info('Serving metrics server', { bindAddress: metricsUrlOf(server) });
  return server;
}

function metricsUrlOf(server: http.Server): string {
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}/metrics`;
}
