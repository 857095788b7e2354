/**
 * Initialisation, Shamir unsealing, sealing and restart from the encrypted
 * data folder (vault/http/sys_init.go, sys_seal.go, sys_health.go).
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startVault, type VaultServer } from '../../../lab/emulators/vault/index.ts';
import { createClient, type VaultClient } from './helpers.ts';

const servers: VaultServer[] = [];
const folders: string[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

async function start(
  dataDir?: string,
): Promise<{ server: VaultServer; client: VaultClient; logs: string[] }> {
  const logs: string[] = [];
  const server = await startVault({
    port: 0,
    dataDir,
    sweepIntervalMs: 0,
    log: (line) => logs.push(line),
  });
  servers.push(server);
  return { server, client: createClient(server.url, ''), logs };
}

async function initialise(
  client: VaultClient,
  shares = 3,
  threshold = 2,
): Promise<{ keys: string[]; keysBase64: string[]; root: string }> {
  const result = await client.call('PUT', 'sys/init', {
    token: null,
    body: { secret_shares: shares, secret_threshold: threshold },
  });
  expect(result.status).toBe(200);
  return {
    keys: result.body.keys,
    keysBase64: result.body.keys_base64,
    root: result.body.root_token,
  };
}

describe('uninitialised Vault', () => {
  it('reports 501 from health', async () => {
    const { client } = await start();
    const health = await client.call('GET', 'sys/health', { token: null });
    expect(health.status).toBe(501);
    expect(health.body.initialized).toBe(false);
    expect((await client.call('GET', 'sys/health?uninitcode=200', { token: null })).status).toBe(
      200,
    );
    const init = await client.call('GET', 'sys/init', { token: null });
    expect(init.body).toEqual({ initialized: false });
  });

  it('answers other paths with Vault is sealed', async () => {
    const { client } = await start();
    const result = await client.call('GET', 'secret/data/x', { token: 'anything' });
    expect(result.status).toBe(503);
    expect(result.body.errors).toEqual(['Vault is sealed']);
  });

  it.each([
    [{ secret_shares: 0, secret_threshold: 1 }, 'secret shares must be at least one'],
    [{ secret_shares: 1, secret_threshold: 0 }, 'secret threshold must be at least one'],
    [
      { secret_shares: 3, secret_threshold: 1 },
      'secret threshold must be greater than one for multiple shares',
    ],
    [
      { secret_shares: 2, secret_threshold: 3 },
      'secret threshold cannot be larger than secret shares',
    ],
  ])('rejects init %j', async (body, message) => {
    const { client } = await start();
    const result = await client.call('PUT', 'sys/init', { token: null, body });
    expect(result.status).toBe(400);
    expect(result.body.errors).toEqual([message]);
  });
});

describe('unseal', () => {
  it('counts progress up to the threshold', async () => {
    const { client, logs } = await start();
    const { keys, keysBase64, root } = await initialise(client);
    expect(keys).toHaveLength(3);
    expect(keys[0]).toMatch(/^[0-9a-f]+$/);
    expect(Buffer.from(keysBase64[0] as string, 'base64').toString('hex')).toBe(keys[0]);
    expect((await client.call('GET', 'sys/health', { token: null })).status).toBe(503);

    const first = await client.call('PUT', 'sys/unseal', { token: null, body: { key: keys[0] } });
    expect(first.body).toMatchObject({ sealed: true, progress: 1, t: 2, n: 3 });
    const second = await client.call('PUT', 'sys/unseal', {
      token: null,
      body: { key: keysBase64[2] },
    });
    expect(second.body).toMatchObject({ sealed: false, progress: 0 });
    expect(typeof second.body.cluster_id).toBe('string');
    expect((await client.call('GET', 'auth/token/lookup-self', { token: root })).status).toBe(200);
    expect(logs.some((line) => line.includes('vault is unsealed'))).toBe(true);
  });

  it('resets progress on request', async () => {
    const { client } = await start();
    const { keys } = await initialise(client);
    await client.call('PUT', 'sys/unseal', { token: null, body: { key: keys[0] } });
    const reset = await client.call('PUT', 'sys/unseal', { token: null, body: { reset: true } });
    expect(reset.body.progress).toBe(0);
  });

  it('rejects a wrong key combination', async () => {
    const { client } = await start();
    await initialise(client);
    const bogus = Buffer.alloc(33, 7).toString('hex');
    await client.call('PUT', 'sys/unseal', { token: null, body: { key: bogus } });
    const result = await client.call('PUT', 'sys/unseal', {
      token: null,
      body: { key: Buffer.alloc(33, 9).toString('hex') },
    });
    expect(result.status).toBe(400);
    expect((await client.call('GET', 'sys/seal-status', { token: null })).body).toMatchObject({
      sealed: true,
      progress: 0,
    });
  });

  it('seals again with the root token', async () => {
    const { client, logs } = await start();
    const { keys, root } = await initialise(client, 1, 1);
    await client.call('PUT', 'sys/unseal', { token: null, body: { key: keys[0] } });
    expect((await client.call('PUT', 'sys/seal', { token: root })).status).toBe(204);
    const status = await client.call('GET', 'sys/seal-status', { token: null });
    expect(status.body.sealed).toBe(true);
    expect(status.body.cluster_id).toBeUndefined();
    expect((await client.call('GET', 'auth/token/lookup-self', { token: root })).status).toBe(503);
    expect(logs.some((line) => line.includes('vault is sealed'))).toBe(true);
  });
});

describe('restart from the data folder', () => {
  it('comes back sealed with data intact', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'vault-data-'));
    folders.push(folder);
    const first = await start(folder);
    const { keys, root } = await initialise(first.client);
    for (const key of keys.slice(0, 2))
      await first.client.call('PUT', 'sys/unseal', { token: null, body: { key } });
    await first.client.call('POST', 'sys/mounts/secret', {
      token: root,
      body: { type: 'kv', options: { version: '2' } },
    });
    await first.client.call('POST', 'secret/data/kept', {
      token: root,
      body: { data: { password: 'plaintext-marker' } },
    });
    const child = await first.client.call('POST', 'auth/token/create', {
      token: root,
      body: { policies: ['default'] },
    });
    await first.server.close();
    servers.splice(servers.indexOf(first.server), 1);

    const stored = await readFile(join(folder, 'vault.enc'));
    expect(stored.includes(Buffer.from('plaintext-marker'))).toBe(false);
    expect((await readdir(folder)).filter((name) => name.endsWith('.tmp'))).toEqual([]);

    const second = await start(folder);
    expect(second.server.initialized).toBe(true);
    expect(second.server.sealed).toBe(true);
    expect((await second.client.call('GET', 'sys/health', { token: null })).status).toBe(503);
    for (const key of keys.slice(1, 3))
      await second.client.call('PUT', 'sys/unseal', { token: null, body: { key } });
    const read = await second.client.call('GET', 'secret/data/kept', { token: root });
    expect(read.body.data.data).toEqual({ password: 'plaintext-marker' });
    const lookup = await second.client.call('GET', 'auth/token/lookup-self', {
      token: child.body.auth.client_token,
    });
    expect(lookup.status).toBe(200);
  });
});
