import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabClients } from '../../lab/clients/index.ts';
import { tryLogin } from '../../lab/clients/postgres.ts';
import { Redactor } from '../../lab/core/redact.ts';
import { probes } from '../../lab/probes/index.ts';
import { newScenarioState, type ProbeContext } from '../../lab/probes/probe.ts';
import { processesWithValue } from '../../lab/probes/process-env.ts';
import { usePostgres } from '../helpers/postgres.ts';
import { usePlatform } from '../faults/platform.ts';

const platform = usePlatform();
const postgres = usePostgres();

function context(overrides: Partial<LabClients> = {}): ProbeContext {
  return { clients: { ...platform.current.clients, ...overrides }, state: newScenarioState(), redactor: new Redactor() };
}

async function check(name: string, params: Record<string, unknown>, probeContext = context()) {
  const probe = probes[name]!;
  return probe.check(probeContext, probe.schema.parse(params));
}

describe('ESO condition probes', () => {
  it('read the Ready condition of an ExternalSecret and a SecretStore', async () => {
    const { kube } = platform.current.clients;
    const condition = { type: 'Ready', status: 'False', reason: 'SecretSyncedError', message: 'could not get secret data from provider' };
    await kube.call('PATCH', '/apis/external-secrets.io/v1/namespaces/basecamp/externalsecrets/app-db/status', {
      body: { status: { conditions: [condition] } },
      contentType: 'application/merge-patch+json',
    });
    const failing = await check('externalsecret-ready', { name: 'app-db', status: 'False', reason: 'SecretSyncedError' });
    expect(failing).toEqual({ ok: true, message: 'ExternalSecret basecamp/app-db Ready=False SecretSyncedError: could not get secret data from provider' });
    const ready = await check('externalsecret-ready', { name: 'app-db' });
    expect(ready.ok).toBe(false);
    const store = await check('secretstore-ready', { name: 'vault-kv' });
    expect(store).toEqual({ ok: false, message: 'SecretStore basecamp/vault-kv no Ready condition yet' });
    const missing = await check('secretstore-ready', { name: 'nope' });
    expect(missing.message).toBe('SecretStore basecamp/nope not found');
  });
});

describe('event probe', () => {
  it('finds an event by reason and message since the fault', async () => {
    const { kube } = platform.current.clients;
    const probeContext = context();
    probeContext.state.faultInjectedAt = new Date();
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await kube.create({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `app-config.${Date.now()}`, namespace: 'basecamp' },
      involvedObject: { kind: 'ExternalSecret', name: 'app-config', namespace: 'basecamp' },
      reason: 'UpdateFailed',
      type: 'Warning',
      message: 'error processing spec.dataFrom[0].extract, err: Secret does not exist',
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component: 'external-secrets' },
    });
    const found = await check('event', { reason: 'UpdateFailed', messageIncludes: 'Secret does not exist', involvedName: 'app-config' }, probeContext);
    expect(found).toEqual({ ok: true, message: 'Warning UpdateFailed on ExternalSecret/app-config: error processing spec.dataFrom[0].extract, err: Secret does not exist' });
    const other = await check('event', { reason: 'UpdateFailed', messageIncludes: 'permission denied' }, probeContext);
    expect(other.ok).toBe(false);
    const absent = await check('event', { reason: 'UpdateFailed', expect: 'absent', involvedName: 'app-db' }, probeContext);
    expect(absent.ok).toBe(true);
  });

  it('ignores events older than the fault', async () => {
    const probeContext = context();
    probeContext.state.faultInjectedAt = new Date(Date.now() + 60_000);
    const found = await check('event', { reason: 'UpdateFailed' }, probeContext);
    expect(found.ok).toBe(false);
  });
});

describe('secret probes', () => {
  it('secret-unchanged records the data first and notices a change', async () => {
    const { kube } = platform.current.clients;
    const ref = { apiVersion: 'v1', kind: 'Secret', name: 'guarded', namespace: 'basecamp' };
    await kube.upsert({ ...ref, metadata: { name: 'guarded', namespace: 'basecamp' }, stringData: { password: 'first-value' } });
    const probeContext = context();
    expect((await check('secret-unchanged', { secret: 'guarded' }, probeContext)).message).toBe('Secret basecamp/guarded recorded (1 keys)');
    expect((await check('secret-unchanged', { secret: 'guarded' }, probeContext)).ok).toBe(true);
    await kube.patch(ref, { stringData: { password: 'second-value' } });
    const changed = await check('secret-unchanged', { secret: 'guarded' }, probeContext);
    expect(changed).toEqual({ ok: false, message: 'Secret basecamp/guarded changed since the scenario recorded it' });
  });

  it('secret-matches-vault compares a KV v2 field without printing it', async () => {
    const { kube, vault } = platform.current.clients;
    await vault.write('secret/data/basecamp/match', { data: { api_key: 'kv-value-1' } });
    await kube.upsert({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'match', namespace: 'basecamp' }, stringData: { api_key: 'kv-value-1' } });
    const params = { secret: 'match', key: 'api_key', vaultPath: 'secret/data/basecamp/match', field: 'api_key' };
    const probeContext = context();
    const equal = await check('secret-matches-vault', params, probeContext);
    expect(equal).toEqual({ ok: true, message: 'Secret basecamp/match key api_key equals Vault secret/data/basecamp/match api_key' });
    expect(probeContext.redactor.redact('kv-value-1')).toBe('[redacted]');
    await vault.write('secret/data/basecamp/match', { data: { api_key: 'kv-value-2' } });
    const differs = await check('secret-matches-vault', params, probeContext);
    expect(differs.ok).toBe(false);
    expect(differs.message).not.toContain('kv-value');
  });
});

describe('postgres-login probe', () => {
  it('reports success and failure with the server message', async () => {
    const server = postgres.current;
    const admin = new pg.Client({ connectionString: server.connectionString() });
    await admin.connect();
    await admin.query(`CREATE ROLE probe_user LOGIN PASSWORD 'right-password'`);
    await admin.end();
    const target = { host: server.host, port: server.port, database: server.database, superuser: 'postgres', superuserPassword: server.password };
    const probeContext = context({ postgres: target });
    probeContext.state.credentials.set('good', { username: 'probe_user', password: 'right-password' });
    probeContext.state.credentials.set('leaked', { username: 'probe_user', password: 'wrong-password' });

    const good = await check('postgres-login', { credential: { named: 'good' } }, probeContext);
    expect(good).toEqual({ ok: true, message: 'login as probe_user with the good credential: login accepted for user "probe_user"' });
    const leaked = await check('postgres-login', { credential: { named: 'leaked' }, expect: 'failure' }, probeContext);
    expect(leaked.ok).toBe(true);
    expect(leaked.message).toContain('password authentication failed for user "probe_user"');
    const unknown = await check('postgres-login', { credential: { named: 'nope' } }, probeContext);
    expect(unknown).toEqual({ ok: false, message: 'no credential named nope in this scenario (a fault sets it)' });
  });

  it('tryLogin returns the SQLSTATE of a rejected password', async () => {
    const server = postgres.current;
    const result = await tryLogin(server, { username: 'postgres', password: 'not-the-password' });
    expect(result.ok).toBe(false);
    expect(result.code).toBe('28P01');
  });
});

describe('http probe', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((request, response) => {
      response.statusCode = request.url === '/broken' ? 503 : 200;
      response.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('matches exact codes and classes', async () => {
    const probeContext = context();
    probeContext.clients = { ...probeContext.clients, endpoints: { ...probeContext.clients.endpoints, serviceUrl: url } };
    expect((await check('http', { path: '/items' }, probeContext)).ok).toBe(true);
    const broken = await check('http', { path: '/broken', status: '5xx' }, probeContext);
    expect(broken.ok).toBe(true);
    expect(broken.message).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/broken answered 503 in \d+ms, expected 5xx$/);
    expect((await check('http', { path: '/broken', status: 200 }, probeContext)).ok).toBe(false);
  });

  it('reports a refused connection', async () => {
    const result = await check('http', { url: 'http://127.0.0.1:1/', timeout: '1s' });
    expect(result.ok).toBe(false);
    expect(result.message).toContain('failed after');
  });
});

describe('process-env probe', () => {
  it('finds a value in the environment of a child process', async () => {
    const { spawn } = await import('node:child_process');
    const value = `env-secret-${process.pid}-${Date.now()}`;
    const child = spawn('sleep', ['5'], { env: { ...process.env, DB_PASSWORD: value } });
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await processesWithValue(value)).toContain(child.pid);
      expect(await processesWithValue(`${value}-other`)).toEqual([]);
    } finally {
      child.kill();
    }
  });
});
