/**
 * A small stand-in for a basecamp, for rotation tests. PostgreSQL is real.
 * On loopback run a Vault API (static roles with a real ALTER ROLE, and
 * policies) and a Kubernetes API (ExternalSecret, Secret, Deployment, Pods,
 * pods/log) whose ESO step copies Vault's static credential into the Secret.
 * The service has two "pods" that query PostgreSQL with the mounted
 * credential (hot reload after a kubelet delay) or with env vars fixed at
 * pod start.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import jsonPatch from 'fast-json-patch';
import pg from 'pg';
import type { RunningPostgres } from '../../lab/basecamp/embedded/postgres.ts';
import type { BasecampEndpoints } from '../../lab/basecamp/types.ts';
import { type LabClients, openClients } from '../../lab/clients/index.ts';

export interface FakePlatformOptions {
  /** Delay between a Secret change and the pods' files changing. */
  kubeletDelayMs: number;
  /** Time a restarted pod takes to be ready. */
  podStartMs: number;
}

interface Pod {
  name: string;
  username: string;
  password: string;
  pool: pg.Pool;
  generation: number;
  up: boolean;
  log: string[];
}

interface StaticRole {
  username: string;
  password: string;
}

export interface FakePlatform {
  clients: LabClients;
  serviceUrl: string;
  /** Current credentials mode of the service's Deployment. */
  mode(): 'files' | 'env';
  close(): Promise<void>;
}

const TOKEN = 'fake-admin-token';

export async function startFakePlatform(
  postgres: RunningPostgres,
  folder: string,
  options: FakePlatformOptions,
): Promise<FakePlatform> {
  const admin = new pg.Pool({ connectionString: postgres.connectionString('app'), max: 2 });
  const roles = new Map<string, StaticRole>();
  // As on the embedded basecamp, the connection allows only the platform's roles at first.
  let allowedRoles = ['app', 'app-dynamic'];
  const policies = new Map<string, string>([
    ['basecamp-read', 'path "database/static-creds/app" {\n  capabilities = ["read"]\n}\n'],
  ]);

  async function rotate(role: StaticRole): Promise<void> {
    role.password = randomBytes(12).toString('hex');
    await admin.query(`ALTER ROLE "${role.username}" WITH PASSWORD '${role.password}'`);
  }

  await admin.query(
    "DROP TABLE IF EXISTS items; CREATE TABLE items (id int, name text); INSERT INTO items VALUES (1, 'one')",
  );
  await admin.query(
    `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app') THEN CREATE ROLE app LOGIN; END IF; END $$`,
  );
  await admin.query('GRANT SELECT ON items TO app');
  const app: StaticRole = { username: 'app', password: '' };
  await rotate(app);
  roles.set('app', app);

  // Kubernetes state.
  const externalSecret = {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name: 'app-db', namespace: 'basecamp', annotations: {} as Record<string, string> },
    spec: {
      secretStoreRef: { name: 'vault-database', kind: 'SecretStore' },
      data: [
        { secretKey: 'username', remoteRef: { key: 'static-creds/app', property: 'username' } },
        { secretKey: 'password', remoteRef: { key: 'static-creds/app', property: 'password' } },
      ],
    } as Record<string, unknown>,
  };
  const secret = { username: app.username, password: app.password };
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'app', namespace: 'basecamp', generation: 1 },
    spec: {
      replicas: 2,
      template: {
        metadata: { annotations: {} },
        spec: { containers: [{ name: 'app', env: [] as Array<Record<string, unknown>> }] },
      },
    } as Record<string, unknown>,
    status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 2 },
  };
  let podSerial = 0;
  const pods: Pod[] = [];
  const mode = (): 'files' | 'env' => {
    const containers = (
      deployment.spec.template as {
        spec: { containers: Array<{ env?: Array<{ name: string; value?: string }> }> };
      }
    ).spec.containers;
    return containers[0]?.env?.some(
      (entry) => entry.name === 'CREDENTIALS_MODE' && entry.value === 'env',
    )
      ? 'env'
      : 'files';
  };

  function startPod(): Pod {
    podSerial += 1;
    const pod: Pod = {
      name: `app-${podSerial}`,
      ...secret,
      pool: newPool(secret),
      generation: 1,
      up: true,
      log: [],
    };
    pod.log.push(JSON.stringify({ time: new Date().toISOString(), msg: 'listening' }));
    return pod;
  }

  function newPool(credential: { username: string; password: string }): pg.Pool {
    const pool = new pg.Pool({
      host: postgres.host,
      port: postgres.port,
      database: 'app',
      user: credential.username,
      password: credential.password,
      max: 3,
      idleTimeoutMillis: 0,
    });
    pool.on('error', () => {});
    return pool;
  }

  function reload(pod: Pod, reason: string): void {
    const previous = pod.pool;
    pod.username = secret.username;
    pod.password = secret.password;
    pod.pool = newPool(secret);
    pod.generation += 1;
    previous.end().catch(() => {});
    pod.log.push(
      JSON.stringify({
        time: new Date().toISOString(),
        msg: 'credentials reloaded',
        reason,
        username: pod.username,
      }),
    );
  }

  pods.push(startPod(), startPod());

  // ESO: a reconcile copies the static credential the ExternalSecret names into the Secret.
  function reconcile(): void {
    const data = externalSecret.spec.data as Array<{
      secretKey: string;
      remoteRef: { key: string };
    }>;
    const roleName = data[0]!.remoteRef.key.replace(/^static-creds\//, '');
    const role = roles.get(roleName);
    if (!role) return;
    if (secret.username === role.username && secret.password === role.password) return;
    secret.username = role.username;
    secret.password = role.password;
    // The kubelet writes the new files after its sync delay; pods in files mode reload.
    setTimeout(() => {
      if (mode() !== 'files') return;
      for (const pod of pods) if (pod.up) reload(pod, '..data now points at ..2026_12_04');
    }, options.kubeletDelayMs);
  }

  async function rollout(): Promise<void> {
    deployment.metadata.generation += 1;
    deployment.status.updatedReplicas = 0;
    deployment.status.availableReplicas = 0;
    // maxSurge 0 and maxUnavailable 100%: every old pod stops at once.
    for (const pod of pods) {
      pod.up = false;
      pod.pool.end().catch(() => {});
    }
    await new Promise((resolve) => setTimeout(resolve, options.podStartMs));
    pods.splice(0, pods.length, startPod(), startPod());
    deployment.status = {
      observedGeneration: deployment.metadata.generation,
      replicas: 2,
      updatedReplicas: 2,
      availableReplicas: 2,
    };
  }

  const kube = await listen(async (request, body) => {
    const url = new URL(request.url ?? '/', 'http://kube');
    const path = url.pathname;
    if (request.headers.authorization !== `Bearer ${TOKEN}`)
      return [401, { kind: 'Status', reason: 'Unauthorized', message: 'Unauthorized' }];
    if (path === '/apis/external-secrets.io/v1/namespaces/basecamp/externalsecrets/app-db') {
      if (request.method === 'PATCH') {
        const patch = JSON.parse(body) as {
          metadata?: { annotations?: Record<string, string> };
          spec?: Record<string, unknown>;
        };
        Object.assign(externalSecret.metadata.annotations, patch.metadata?.annotations ?? {});
        Object.assign(externalSecret.spec, patch.spec ?? {});
        setTimeout(reconcile, 20);
      }
      return [200, externalSecret];
    }
    if (path === '/api/v1/namespaces/basecamp/secrets/app-db') {
      const encode = (text: string) => Buffer.from(text).toString('base64');
      return [
        200,
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'app-db', namespace: 'basecamp' },
          data: { username: encode(secret.username), password: encode(secret.password) },
        },
      ];
    }
    if (path === '/apis/apps/v1/namespaces/basecamp/deployments/app') {
      if (request.method === 'PATCH') {
        const contentType = String(request.headers['content-type']);
        const before = JSON.stringify(deployment.spec.template);
        if (contentType.includes('json-patch')) {
          jsonPatch.applyPatch(deployment, JSON.parse(body), false, true);
        } else {
          const patch = JSON.parse(body) as {
            spec?: { template?: { metadata?: { annotations?: Record<string, string> } } };
          };
          const annotations = patch.spec?.template?.metadata?.annotations ?? {};
          Object.assign(
            (deployment.spec.template as { metadata: { annotations: Record<string, string> } })
              .metadata.annotations,
            annotations,
          );
        }
        if (JSON.stringify(deployment.spec.template) !== before) void rollout();
      }
      return [200, deployment];
    }
    if (path === '/api/v1/namespaces/basecamp/pods') {
      return [
        200,
        {
          kind: 'PodList',
          items: pods.map((pod) => ({ metadata: { name: pod.name, namespace: 'basecamp' } })),
        },
      ];
    }
    const logMatch = /^\/api\/v1\/namespaces\/basecamp\/pods\/([^/]+)\/log$/.exec(path);
    if (logMatch) {
      const pod = pods.find((candidate) => candidate.name === logMatch[1]);
      return pod
        ? [200, `${pod.log.join('\n')}\n`]
        : [404, { kind: 'Status', reason: 'NotFound', message: 'pod not found' }];
    }
    return [404, { kind: 'Status', reason: 'NotFound', message: `${path} not found` }];
  });

  const vault = await listen(async (request, body) => {
    const path = new URL(request.url ?? '/', 'http://vault').pathname.replace(/^\/v1\//, '');
    if (request.headers['x-vault-token'] !== TOKEN) return [403, { errors: ['permission denied'] }];
    const staticCreds = /^database\/static-creds\/(.+)$/.exec(path);
    if (staticCreds && request.method === 'GET') {
      const role = roles.get(staticCreds[1]!);
      return role
        ? [200, { data: { username: role.username, password: role.password } }]
        : [400, { errors: ['unknown role'] }];
    }
    const rotateRole = /^database\/rotate-role\/(.+)$/.exec(path);
    if (rotateRole && request.method === 'POST') {
      const role = roles.get(rotateRole[1]!);
      if (!role) return [400, { errors: ['no static role found for role name'] }];
      await rotate(role);
      return [204, ''];
    }
    const staticRole = /^database\/static-roles\/(.+)$/.exec(path);
    if (staticRole) {
      if (request.method === 'GET') {
        const role = roles.get(staticRole[1]!);
        return role ? [200, { data: { username: role.username } }] : [404, { errors: [] }];
      }
      if (!allowedRoles.includes(staticRole[1]!)) {
        return [500, { errors: [`"${staticRole[1]}" is not an allowed role`] }];
      }
      const role = {
        username: String((JSON.parse(body) as { username: string }).username),
        password: '',
      };
      await rotate(role);
      roles.set(staticRole[1]!, role);
      return [204, ''];
    }
    if (path === 'database/config/postgres') {
      if (request.method === 'GET') return [200, { data: { allowed_roles: allowedRoles } }];
      allowedRoles = (JSON.parse(body) as { allowed_roles: string[] }).allowed_roles;
      return [204, ''];
    }
    const policy = /^sys\/policies\/acl\/(.+)$/.exec(path);
    if (policy) {
      if (request.method === 'GET')
        return [200, { data: { name: policy[1], policy: policies.get(policy[1]!) ?? '' } }];
      policies.set(policy[1]!, String((JSON.parse(body) as { policy: string }).policy));
      return [204, ''];
    }
    return [404, { errors: [] }];
  });

  let next = 0;
  const service = await listen(async () => {
    const alive = pods.filter((pod) => pod.up);
    const pod = alive[next++ % Math.max(alive.length, 1)];
    if (!pod) return [-1, ''];
    try {
      return [200, await query(pod)];
    } catch (error) {
      return [503, { error: `query failed: ${(error as Error).message}` }];
    }
  });

  async function query(pod: Pod): Promise<unknown> {
    try {
      await pod.pool.query('SELECT id, name FROM items');
    } catch (error) {
      if ((error as { code?: string }).code !== '28P01' || mode() === 'env') throw error;
      reload(pod, 'authentication failed (28P01)');
      await pod.pool.query('SELECT id, name FROM items');
    }
    return { user: pod.username, generation: pod.generation, items: [] };
  }

  const kubeconfig = join(folder, 'kubeconfig');
  await writeFile(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'current-context: fake',
      `clusters: [{name: fake, cluster: {server: "${kube.url}", insecure-skip-tls-verify: true}}]`,
      `users: [{name: admin, user: {token: ${TOKEN}}}]`,
      'contexts: [{name: fake, context: {cluster: fake, user: admin}}]',
    ].join('\n'),
  );
  const tokenFile = join(folder, 'token');
  await writeFile(tokenFile, TOKEN, { mode: 0o600 });
  const endpoints: BasecampEndpoints = {
    kind: 'embedded',
    kubeconfig,
    vault: { addr: vault.url, tokenFile },
    postgres: {
      host: postgres.host,
      port: postgres.port,
      user: 'postgres',
      database: 'app',
      passwordFile: postgres.passwordFile,
    },
    serviceUrl: service.url,
    stateDir: folder,
  };
  const clients = await openClients(endpoints);
  return {
    clients,
    serviceUrl: service.url,
    mode,
    async close() {
      await clients.close();
      for (const pod of pods) await pod.pool.end().catch(() => {});
      await admin.end();
      await Promise.all([kube.close(), vault.close(), service.close()]);
    },
  };
}

type Handler = (request: IncomingMessage, body: string) => Promise<[number, unknown]>;

async function listen(handler: Handler): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      handler(request, body)
        .then(([status, payload]) => {
          if (status === -1) {
            request.socket.destroy();
            return;
          }
          response.writeHead(status, {
            'content-type': typeof payload === 'string' ? 'text/plain' : 'application/json',
          });
          response.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
        })
        .catch((error: unknown) => {
          response.writeHead(500);
          response.end(String(error));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
