/**
 * The file audit device: JSON lines, HMAC-SHA256 of tokens and of every
 * string in request and response data, sys/audit-hash, and the 500 when no
 * device can write (vault/audit_broker.go).
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DevVault, startDevVault } from './helpers.ts';

let vault: DevVault;
let folder: string;

beforeEach(async () => {
  vault = await startDevVault();
  folder = await mkdtemp(join(tmpdir(), 'vault-audit-'));
});

afterEach(async () => {
  await vault.server.close();
  await rm(folder, { recursive: true, force: true });
});

async function enable(name: string, options: Record<string, unknown>): Promise<number> {
  const result = await vault.client.call('PUT', `sys/audit/${name}`, {
    body: { type: 'file', options },
  });
  return result.status;
}

// biome-ignore lint/suspicious/noExplicitAny: audit entries are read as free-form JSON
async function entries(file: string): Promise<Array<Record<string, any>>> {
  const text = await readFile(file, 'utf8');
  return text
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

describe('file audit device', () => {
  it('lists an enabled device', async () => {
    expect(await enable('file', { file_path: join(folder, 'audit.log') })).toBe(204);
    const listed = await vault.client.call('GET', 'sys/audit');
    expect(listed.body.data['file/'].type).toBe('file');
    expect(listed.body.data['file/'].options.file_path).toBe(join(folder, 'audit.log'));
  });

  it('hashes tokens and data strings', async () => {
    const file = join(folder, 'audit.log');
    await enable('file', { file_path: file });
    await vault.client.call('POST', 'secret/data/audited', {
      body: { data: { password: 'audit-marker', count: 3 } },
    });
    await vault.client.call('GET', 'secret/data/audited');

    const text = await readFile(file, 'utf8');
    expect(text).not.toContain('audit-marker');
    expect(text).not.toContain('"client_token":"root"');

    const lines = await entries(file);
    const read = lines.find(
      (entry) =>
        entry.type === 'response' &&
        entry.request.operation === 'read' &&
        entry.request.path === 'secret/data/audited',
    );
    expect(read).toBeDefined();
    const hash = await vault.client.call('POST', 'sys/audit-hash/file', {
      body: { input: 'audit-marker' },
    });
    expect(read?.response.data.data.password).toBe(hash.body.data.hash);
    expect(read?.response.data.data.count).toBe(3);
    expect(read?.response.data.metadata.version).toBe(1);
    const rootHash = await vault.client.call('POST', 'sys/audit-hash/file', {
      body: { input: 'root' },
    });
    expect(read?.request.client_token).toBe(rootHash.body.data.hash);
    expect(read?.auth.client_token).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(read?.request.mount_type).toBe('kv');
  });

  it('writes raw values with log_raw', async () => {
    const file = join(folder, 'raw.log');
    await enable('raw', { file_path: file, log_raw: true });
    await vault.client.call('POST', 'secret/data/raw', {
      body: { data: { visible: 'raw-marker' } },
    });
    expect(await readFile(file, 'utf8')).toContain('raw-marker');
  });

  it('skips unaudited paths', async () => {
    const file = join(folder, 'audit.log');
    await enable('file', { file_path: file });
    await vault.client.call('GET', 'sys/health', { token: null });
    const lines = await entries(file);
    expect(lines.some((entry) => entry.request.path === 'sys/health')).toBe(false);
  });

  it('rejects requests when no device can write', async () => {
    const blocked = join(folder, 'blocked');
    await mkdir(blocked);
    await enable('file', { file_path: join(blocked, 'audit.log') });
    await rm(blocked, { recursive: true, force: true });
    const result = await vault.client.call('GET', 'auth/token/lookup-self');
    expect(result.status).toBe(500);
    expect(result.body.errors).toEqual(['internal error']);
    expect(
      vault.logs.some((line) => line.includes('no audit backend succeeded in logging the request')),
    ).toBe(true);
  });

  it('rejects an unknown device type', async () => {
    const result = await vault.client.call('PUT', 'sys/audit/sock', {
      body: { type: 'socket', options: {} },
    });
    expect(result.status).toBe(400);
    expect(result.body.errors).toEqual(['unknown backend type: "socket"']);
  });

  it('requires sudo to enable a device', async () => {
    await vault.client.call('PUT', 'sys/policies/acl/audit-writer', {
      body: { policy: 'path "sys/audit/*" { capabilities = ["create", "update"] }' },
    });
    const created = await vault.client.call('POST', 'auth/token/create', {
      body: { policies: ['audit-writer'] },
    });
    const result = await vault.client.call('PUT', 'sys/audit/file', {
      token: created.body.auth.client_token,
      body: { type: 'file', options: { file_path: join(folder, 'x.log') } },
    });
    expect(result.status).toBe(403);
  });
});
