/**
 * The embedded Kubernetes API server: HTTPS with the lab CA, the admin user
 * by bearer token or client certificate, and everything kubectl and
 * client-node need (see the README beside this file). Imports only
 * `emulators/shared`.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { isIP } from 'node:net';
import path from 'node:path';
import { stringify } from 'yaml';
import {
  type CertificateAuthority,
  createCertificateAuthority,
  type IssuedCertificate,
  issueClientCertificate,
  issueServerCertificate,
} from '../shared/pki.ts';
import { type KubeApi, KubeApi as KubeApiClass, type RequestContext } from './api.ts';
import { ADMIN_USER, Authenticator } from './authentication.ts';
import {
  bootstrapClusterRoleBindings,
  bootstrapClusterRoles,
  namespaceObject,
  SYSTEM_NAMESPACES,
} from './bootstrap.ts';
import { BuiltinControllers } from './controllers.ts';
import { ServiceAllocator } from './defaults.ts';
import { EventRecorder, type EventSink } from './events.ts';
import { createHandler } from './handler.ts';
import { loadState, saveState } from './persistence.ts';
import { RbacAuthorizer } from './rbac.ts';
import { DEFAULT_MAX_BODY_BYTES } from './request.ts';
import { ResourceRegistry } from './resources.ts';
import { requestToken } from './reviews.ts';
import { DEFAULT_HISTORY_SIZE, ObjectStore, storageKeyOf } from './store.ts';
import { DEFAULT_ISSUER, type IssuedToken, TokenAuthority } from './tokens.ts';
import type { AdmissionHook, KubeObject, PodLogSource, ResourceType } from './types.ts';
import { WatchHub } from './watch.ts';

export { EventRecorder, type EventSink } from './events.ts';
export { forbiddenField, invalid, KubeApiError } from './exports.ts';
export type {
  AdmissionHook,
  AdmissionRequest,
  KubeObject,
  PodLogOptions,
  PodLogSource,
  UserInfo,
} from './types.ts';

export interface KubeOptions {
  /** Listen address. 127.0.0.1 unless given. */
  host?: string;
  /** Listen port. 0 picks a free one. */
  port?: number;
  /** State is read from here on start and written here on close. */
  dataDir?: string;
  /** The lab CA. The server creates one (and keeps it in dataDir) when absent. */
  ca?: CertificateAuthority;
  /** Receives one line per start, stop and internal error. */
  log?: (line: string) => void;
  /** Supplies container logs for `pods/<name>/log`. */
  podLogs?: PodLogSource;
  /** Admission hooks run in order on every create, update and delete after the built-in validation. */
  admission?: AdmissionHook[];
  /** Service ClusterIPs come from this IPv4 CIDR. The `kubernetes` Service gets the first address. */
  serviceClusterIpRange?: string;
  /** Changes kept for watches to resume from. Older resourceVersions get 410 Expired. */
  watchHistorySize?: number;
  /** Request bodies above this many bytes get 413. */
  maxBodyBytes?: number;
  /** The `iss` claim of service account tokens. */
  issuer?: string;
  /** Extra DNS names for the serving certificate. */
  serverNames?: string[];
}

export type KubeconfigUser = 'admin' | 'admin-certificate' | { token: string; name?: string };

export interface KubeServer {
  url: string;
  host: string;
  port: number;
  caCertPem: string;
  ca: CertificateAuthority;
  /** Bearer token of `kubernetes-admin` (group system:masters). */
  adminToken: string;
  /** Client certificate of `kubernetes-admin` (CN kubernetes-admin, O system:masters). */
  adminClientCert: IssuedCertificate;
  /** Writes a kubeconfig for the admin (bearer token by default) or for a given token. */
  writeKubeconfig(
    file: string,
    options?: { user?: KubeconfigUser; namespace?: string },
  ): Promise<void>;
  /** Issues a service account token as TokenRequest does. `minimumSeconds` defaults to 600. */
  issueServiceAccountToken(
    namespace: string,
    name: string,
    options?: {
      audiences?: string[];
      expirationSeconds?: number;
      minimumSeconds?: number;
      boundPod?: { name: string; uid?: string };
    },
  ): Promise<IssuedToken>;
  /** An event recorder that writes through this server, for in-process controllers. */
  eventRecorder(component: string): EventRecorder;
  /** Drops the watch history, as an etcd compaction does: watches from older resourceVersions get 410. */
  compactWatchHistory(): void;
  /** Ends every open watch stream, as an API server restart does. Clients re-watch. */
  closeWatches(): void;
  /** Resolves when the built-in controllers have no queued work. */
  settled(): Promise<void>;
  /** The storage layer, for in-process callers and tests. */
  api: KubeApi;
  /** Ends watches, stops the server and writes the data folder. */
  close(): Promise<void>;
}

const ADMIN_CONTEXT: RequestContext = { user: ADMIN_USER };

export async function startKube(options: KubeOptions = {}): Promise<KubeServer> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => {});
  const saved = options.dataDir ? await loadState(options.dataDir) : undefined;
  const ca = options.ca ?? saved?.ca ?? (await createCertificateAuthority('basecamp-lab kube CA'));
  const ownCa = !options.ca;
  const adminToken = saved?.adminToken ?? randomBytes(32).toString('base64url');
  const tokens = await TokenAuthority.create(options.issuer ?? DEFAULT_ISSUER, saved?.signingKey);

  const store = new ObjectStore(options.watchHistorySize ?? DEFAULT_HISTORY_SIZE);
  if (saved) store.restore(saved.store);
  const registry = new ResourceRegistry();
  const allocator = new ServiceAllocator(
    options.serviceClusterIpRange ?? '10.96.0.0/16',
    () =>
      store
        .list('/services')
        .map((service) =>
          String((service.spec as { clusterIP?: string } | undefined)?.clusterIP ?? ''),
        ),
    () =>
      store
        .list('/services')
        .flatMap((service) =>
          ((service.spec as { ports?: Array<{ nodePort?: number }> } | undefined)?.ports ?? []).map(
            (port) => port.nodePort ?? 0,
          ),
        ),
  );
  const api = new KubeApiClass(store, registry, allocator, options.admission ?? []);
  const controllers = new BuiltinControllers(api, ca.certPem, log);
  controllers.start();
  await bootstrap(api, allocator);

  const rbac = new RbacAuthorizer(store);
  const authenticator = new Authenticator(store, tokens, adminToken);
  const watches = new WatchHub(store);
  const ipNames = [
    '127.0.0.1',
    allocator.firstAddress,
    ...(isIP(host) && host !== '127.0.0.1' && host !== '0.0.0.0' ? [host] : []),
  ];
  const dnsNames = [
    'localhost',
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    'kubernetes.default.svc.cluster.local',
    ...(options.serverNames ?? []),
  ];
  const serving = await issueServerCertificate(ca, {
    commonName: 'kube-apiserver',
    dnsNames,
    ipAddresses: ipNames,
  });
  const adminClientCert = await issueClientCertificate(ca, {
    commonName: ADMIN_USER.username,
    organizations: ['system:masters'],
  });

  let address = '';
  const handler = createHandler({
    api,
    authenticator,
    rbac,
    tokens,
    watches,
    podLogs: options.podLogs,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    serverAddress: () => address,
    log,
  });
  const server: Server = createServer(
    {
      key: serving.keyPem,
      cert: serving.certPem,
      ca: [ca.certPem],
      requestCert: true,
      rejectUnauthorized: false,
    },
    handler,
  );
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as { port: number }).port;
  address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const url = `https://${address}`;
  log(`kube: API server listening on ${url}`);

  let closed = false;
  const kube: KubeServer = {
    url,
    host,
    port,
    ca,
    caCertPem: ca.certPem,
    adminToken,
    adminClientCert,
    api,
    writeKubeconfig: (file, kubeconfigOptions = {}) =>
      writeKubeconfig(file, kube, kubeconfigOptions.user ?? 'admin', kubeconfigOptions.namespace),
    issueServiceAccountToken: async (namespace, name, tokenOptions = {}) => {
      const accounts = registry.get('', 'v1', 'serviceaccounts') as ResourceType;
      const pod = tokenOptions.boundPod
        ? store.get('/pods', namespace, tokenOptions.boundPod.name)
        : undefined;
      const issued = await requestToken(
        store,
        tokens,
        accounts,
        namespace,
        name,
        {
          audiences: tokenOptions.audiences,
          expirationSeconds: tokenOptions.expirationSeconds,
          boundObjectRef: tokenOptions.boundPod
            ? {
                kind: 'Pod',
                apiVersion: 'v1',
                name: tokenOptions.boundPod.name,
                uid: tokenOptions.boundPod.uid ?? pod?.metadata.uid,
              }
            : undefined,
        },
        tokenOptions.minimumSeconds ?? 600,
      );
      return { token: issued.token, expirationTimestamp: issued.expirationTimestamp };
    },
    eventRecorder: (component) => new EventRecorder({ component, sink: inProcessSink(api) }),
    compactWatchHistory: () => store.compact(),
    closeWatches: () => watches.closeAll(),
    settled: () => controllers.idle(),
    close: async () => {
      if (closed) return;
      closed = true;
      await controllers.idle();
      controllers.stop();
      watches.closeAll();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (options.dataDir) {
        await saveState(options.dataDir, {
          store: store.snapshot(),
          signingKey: tokens.exportKey(),
          adminToken,
          ca: ownCa ? ca : undefined,
        });
      }
      log(`kube: API server on ${url} stopped`);
    },
  };
  return kube;
}

/** Creates what a fresh API server holds, and whatever of it is missing after a restore. */
async function bootstrap(api: KubeApi, allocator: ServiceAllocator): Promise<void> {
  const resource = (group: string, plural: string): ResourceType =>
    api.registry
      .all()
      .find(
        (candidate) => candidate.group === group && candidate.plural === plural,
      ) as ResourceType;
  const ensure = async (
    target: ResourceType,
    namespace: string,
    object: KubeObject,
  ): Promise<void> => {
    if (!api.peek(target, namespace, object.metadata.name ?? ''))
      await api.create(target, namespace, object, ADMIN_CONTEXT);
  };
  for (const name of SYSTEM_NAMESPACES)
    await ensure(resource('', 'namespaces'), '', namespaceObject(name));
  for (const role of bootstrapClusterRoles())
    await ensure(resource('rbac.authorization.k8s.io', 'clusterroles'), '', role);
  for (const binding of bootstrapClusterRoleBindings())
    await ensure(resource('rbac.authorization.k8s.io', 'clusterrolebindings'), '', binding);
  await ensure(resource('', 'services'), 'default', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: {
      clusterIP: allocator.firstAddress,
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }],
    },
  });
}

function inProcessSink(api: KubeApi): EventSink {
  const events = (): ResourceType => api.registry.get('', 'v1', 'events') as ResourceType;
  return {
    create: (namespace, event) => api.create(events(), namespace, event, ADMIN_CONTEXT),
    update: (namespace, event) => {
      const { resourceVersion: _version, ...metadata } = event.metadata;
      return api.update(
        events(),
        namespace,
        event.metadata.name ?? '',
        { ...event, metadata },
        ADMIN_CONTEXT,
      );
    },
  };
}

async function writeKubeconfig(
  file: string,
  server: KubeServer,
  user: KubeconfigUser,
  namespace?: string,
): Promise<void> {
  let userName: string;
  let credentials: Record<string, string>;
  if (user === 'admin') {
    userName = 'admin';
    credentials = { token: server.adminToken };
  } else if (user === 'admin-certificate') {
    userName = 'admin';
    credentials = {
      'client-certificate-data': Buffer.from(server.adminClientCert.certPem).toString('base64'),
      'client-key-data': Buffer.from(server.adminClientCert.keyPem).toString('base64'),
    };
  } else {
    userName = user.name ?? 'token-user';
    credentials = { token: user.token };
  }
  const context: Record<string, string> = { cluster: 'basecamp', user: userName };
  if (namespace) context.namespace = namespace;
  const document = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'basecamp',
        cluster: {
          server: server.url,
          'certificate-authority-data': Buffer.from(server.caCertPem).toString('base64'),
        },
      },
    ],
    users: [{ name: userName, user: credentials }],
    contexts: [{ name: 'basecamp', context }],
    'current-context': 'basecamp',
  };
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, stringify(document), { mode: 0o600 });
}

export { storageKeyOf };
