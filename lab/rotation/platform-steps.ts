/**
 * The steps rotation strategies share, each through a public API. Vault
 * reads and rotates credentials. Kubernetes forces an ESO sync, returns the
 * Secret and pod logs, and restarts a Deployment. PostgreSQL checks a
 * credential and ends sessions. The service's HTTP endpoint is sampled.
 */
import pg from 'pg';
import { request } from 'undici';
import type { LabClients } from '../clients/index.ts';
import type { KubeObject, ObjectRef } from '../clients/kube.ts';
import { ESO_API_VERSION, FORCE_SYNC_ANNOTATION } from '../clients/platform.ts';
import { type Credential, type LoginResult, tryLogin } from '../clients/postgres.ts';
import type { Redactor } from '../core/redact.ts';

/** The response to one `GET /items` on the service. */
export interface ServiceSample {
  status: number;
  /** The PostgreSQL user of the pod that responded. */
  user?: string;
  /** Connection pool number of the pod that responded. It grows by one at each credential reload. */
  generation?: number;
  error?: string;
}

export interface PodReload {
  pod: string;
  time: string;
  reason: string;
  username?: string;
}

export function externalSecretRef(name: string, namespace: string): ObjectRef {
  return { apiVersion: ESO_API_VERSION, kind: 'ExternalSecret', name, namespace };
}

export function deploymentRef(name: string, namespace: string): ObjectRef {
  return { apiVersion: 'apps/v1', kind: 'Deployment', name, namespace };
}

/** Reads a credential from a Vault path (`database/static-creds/app`) and registers its password with the redactor. */
export async function readCredential(
  clients: LabClients,
  redactor: Redactor,
  path: string,
): Promise<Credential & { leaseId?: string }> {
  const response = await clients.vault.call('GET', path);
  const data = (response.data ?? {}) as Record<string, unknown>;
  if (typeof data.username !== 'string' || typeof data.password !== 'string') {
    throw new Error(`Vault ${path} returned no username and password`);
  }
  redactor.register(data.password);
  const leaseId =
    typeof response.lease_id === 'string' && response.lease_id !== ''
      ? response.lease_id
      : undefined;
  return { username: data.username, password: data.password, ...(leaseId ? { leaseId } : {}) };
}

/**
 * Makes ESO reconcile now, as `kubectl annotate externalsecret NAME
 * force-sync=$(date +%s) --overwrite` does (ESO reconciles on any annotation change).
 */
export async function forceSync(clients: LabClients, ref: ObjectRef): Promise<void> {
  await clients.kube.patch(ref, {
    metadata: { annotations: { [FORCE_SYNC_ANNOTATION]: String(Date.now()) } },
  });
}

/** Reads the Secret's decoded `username` and `password`, registering the password with the redactor. */
export async function readSecretCredential(
  clients: LabClients,
  redactor: Redactor,
  name: string,
  namespace: string,
): Promise<Credential | undefined> {
  const secret = await clients.kube.get<KubeObject & { data?: Record<string, string> }>({
    apiVersion: 'v1',
    kind: 'Secret',
    name,
    namespace,
  });
  const data = secret?.data;
  if (!data?.username || !data.password) return undefined;
  const password = Buffer.from(data.password, 'base64').toString('utf8');
  redactor.register(password);
  return { username: Buffer.from(data.username, 'base64').toString('utf8'), password };
}

/** Sends one `GET /items` to the service; a failure is a sample too. */
export async function sampleService(serviceUrl: string, timeoutMs = 2000): Promise<ServiceSample> {
  try {
    const response = await request(new URL('/items', serviceUrl), {
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.body.text();
    let body: { user?: unknown; generation?: unknown } = {};
    try {
      body = JSON.parse(text);
    } catch {
      // a response that is not JSON keeps only its status
    }
    return {
      status: response.statusCode,
      ...(typeof body.user === 'string' ? { user: body.user } : {}),
      ...(typeof body.generation === 'number' ? { generation: body.generation } : {}),
    };
  } catch (error) {
    return { status: 0, error: error instanceof Error ? error.message : String(error) };
  }
}

/** Samples the service `count` times and returns the highest pool generation seen. */
export async function maxGeneration(serviceUrl: string, count: number): Promise<number> {
  let highest = 0;
  for (let i = 0; i < count; i += 1) {
    const sample = await sampleService(serviceUrl);
    highest = Math.max(highest, sample.generation ?? 0);
  }
  return highest;
}

/**
 * Lists the service pods' `credentials reloaded` log lines written at or after
 * `since` (the JSON lines the sample service prints), through `pods/log`.
 */
export async function podReloads(
  clients: LabClients,
  namespace: string,
  selector: string,
  since: Date,
): Promise<PodReload[]> {
  const pods = await clients.kube.list(`v1`, 'Pod', namespace, { labelSelector: selector });
  const reloads: PodReload[] = [];
  for (const pod of pods) {
    const name = pod.metadata.name;
    const { status, body } = await clients.kube.raw(
      'GET',
      `/api/v1/namespaces/${namespace}/pods/${encodeURIComponent(name)}/log`,
    );
    if (status !== 200) continue;
    for (const line of logText(body).split('\n')) {
      const entry = parseLine(line);
      if (entry?.msg !== 'credentials reloaded' || typeof entry.time !== 'string') continue;
      if (Date.parse(entry.time) < since.getTime()) continue;
      reloads.push({
        pod: name,
        time: entry.time,
        reason: String(entry.reason ?? ''),
        ...(typeof entry.username === 'string' ? { username: entry.username } : {}),
      });
    }
  }
  return reloads;
}

/** Returns the log text. The client parses JSON bodies, so a log arrives under `message` unless it was one JSON line. */
function logText(body: Record<string, unknown>): string {
  const keys = Object.keys(body);
  if (keys.length === 1 && typeof body.message === 'string') return body.message;
  return JSON.stringify(body);
}

function parseLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Tries a PostgreSQL login with `credential`. */
export async function tryCredential(
  clients: LabClients,
  credential: Credential,
): Promise<LoginResult> {
  return tryLogin(clients.postgres, credential, 5000);
}

/**
 * Ends every session of `username` as the superuser, as a pool that recycles
 * its connections would, so the next query must log in again. Returns how
 * many sessions ended.
 */
export async function endSessions(clients: LabClients, username: string): Promise<number> {
  const client = new pg.Client({
    host: clients.postgres.host,
    port: clients.postgres.port,
    database: clients.postgres.database,
    user: clients.postgres.superuser,
    password: clients.postgres.superuserPassword,
    connectionTimeoutMillis: 5000,
  });
  client.on('error', () => {});
  await client.connect();
  try {
    const result = await client.query(
      'SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) AS ended FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()',
      [username],
    );
    return Number(result.rows[0]?.ended ?? 0);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Runs SQL as the superuser (role setup for the dual-account strategy). */
export async function runAsSuperuser(clients: LabClients, sql: string): Promise<void> {
  const client = new pg.Client({
    host: clients.postgres.host,
    port: clients.postgres.port,
    database: clients.postgres.database,
    user: clients.postgres.superuser,
    password: clients.postgres.superuserPassword,
    connectionTimeoutMillis: 5000,
  });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Triggers a rollout restart, as `kubectl rollout restart` does: a new pod-template annotation. */
export async function restartDeployment(clients: LabClients, ref: ObjectRef): Promise<void> {
  const patch = {
    spec: {
      template: {
        metadata: {
          annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() },
        },
      },
    },
  };
  await clients.kube.patch(ref, patch, 'strategic');
}

/** True when every replica of the Deployment is updated and available (kubectl rollout status). */
export async function rolloutComplete(clients: LabClients, ref: ObjectRef): Promise<boolean> {
  const deployment = await clients.kube.read(ref);
  const wanted = (deployment.spec as { replicas?: number } | undefined)?.replicas ?? 1;
  const status = (deployment.status ?? {}) as Record<string, number | undefined>;
  const generation = Number(deployment.metadata.generation ?? 0);
  return (
    (status.observedGeneration ?? 0) >= generation &&
    (status.updatedReplicas ?? 0) >= wanted &&
    (status.availableReplicas ?? 0) >= wanted &&
    (status.replicas ?? 0) === wanted
  );
}
