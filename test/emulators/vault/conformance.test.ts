/**
 * Conformance of the HTTP API with Vault, through raw HTTP and node-vault
 * only: one case per status code and message the embedded Vault reproduces.
 * With VAULT_ADDR and VAULT_TOKEN set (and VAULT_CACERT for HTTPS), the same
 * cases run against that real Vault. Otherwise they run against the embedded
 * Vault over HTTPS, and the reason is printed.
 */

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import vaultClient from 'node-vault';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createClient,
  INVALID_TOKEN,
  PERMISSION_DENIED,
  startDevVault,
  type VaultClient,
} from './helpers.ts';

let client: VaultClient;
let stop: () => Promise<void> = async () => undefined;
const suffix = randomBytes(4).toString('hex');

beforeAll(async () => {
  const address = process.env.VAULT_ADDR;
  const token = process.env.VAULT_TOKEN;
  if (address !== undefined && token !== undefined) {
    const caFile = process.env.VAULT_CACERT;
    client = createClient(
      address.replace(/\/$/, ''),
      token,
      caFile === undefined ? undefined : readFileSync(caFile, 'utf8'),
    );
    console.info(`conformance: running against the real Vault at ${address}`);
    return;
  }
  console.info(
    'conformance: real Vault skipped because VAULT_ADDR and VAULT_TOKEN are unset and testcontainers is not installed; running against the embedded Vault over HTTPS',
  );
  const dev = await startDevVault({ https: true });
  client = dev.client;
  stop = () => dev.server.close();
});

afterAll(async () => {
  await stop();
});

function node(token = client.token) {
  return vaultClient({
    apiVersion: 'v1',
    endpoint: client.url,
    token,
    requestOptions: client.caPem === undefined ? {} : { ca: client.caPem },
  });
}

async function createToken(
  policies: string[],
  extra: Record<string, unknown> = {},
): Promise<string> {
  const result = await client.call('POST', 'auth/token/create', { body: { policies, ...extra } });
  expect(result.status).toBe(200);
  return result.body.auth.client_token as string;
}

describe('common behaviour', () => {
  it('returns the response envelope', async () => {
    const result = await client.call('GET', 'auth/token/lookup-self');
    expect(result.status).toBe(200);
    for (const key of [
      'request_id',
      'lease_id',
      'renewable',
      'lease_duration',
      'data',
      'wrap_info',
      'warnings',
      'auth',
      'mount_type',
    ]) {
      expect(result.body).toHaveProperty(key);
    }
    expect(result.headers['content-type']).toContain('application/json');
  });

  it('copies sys data to the top level', async () => {
    await client.call('PUT', `sys/policies/acl/conf-${suffix}`, {
      body: { policy: 'path "secret/*" { capabilities = ["read"] }' },
    });
    const result = await client.call('GET', `sys/policies/acl/conf-${suffix}`);
    expect(result.status).toBe(200);
    expect(result.body.name).toBe(`conf-${suffix}`);
    expect(result.body.data.name).toBe(`conf-${suffix}`);
    expect(result.body.policy).toContain('secret/*');
  });

  it('accepts Authorization Bearer', async () => {
    const result = await client.call('GET', 'auth/token/lookup-self', {
      token: null,
      headers: { authorization: `Bearer ${client.token}` },
    });
    expect(result.status).toBe(200);
  });

  it('rejects a missing token with 403', async () => {
    const result = await client.call('GET', 'secret/data/anything', { token: null });
    expect(result.status).toBe(403);
    expect(result.body.errors.join('')).toContain('permission denied');
  });

  it('rejects an unknown token with invalid token', async () => {
    const result = await client.call('GET', 'secret/data/anything', { token: 'hvs.doesnotexist' });
    expect(result.status).toBe(403);
    expect(result.body.errors).toEqual([INVALID_TOKEN]);
  });

  it('denies by policy with the multierror text', async () => {
    const token = await createToken(['default']);
    const result = await client.call('GET', 'secret/data/anything', { token });
    expect(result.status).toBe(403);
    expect(result.body.errors).toEqual([PERMISSION_DENIED]);
  });

  it('answers an unknown mount with no handler', async () => {
    const result = await client.call('GET', `nomount-${suffix}/x/y`);
    expect(result.status).toBe(404);
    expect(result.body.errors).toEqual([
      `no handler for route "nomount-${suffix}/x/y". route entry not found.`,
    ]);
  });

  it('rejects a write to a path ending in a slash', async () => {
    const result = await client.call('POST', 'secret/data/folder/', { body: { data: { a: 'b' } } });
    expect(result.status).toBe(400);
    expect(result.body.errors).toEqual(["cannot write to a path ending in '/'"]);
  });

  it('lists with the LIST method and ?list=true', async () => {
    await client.call('POST', `secret/data/conf-${suffix}/one`, { body: { data: { a: '1' } } });
    const listed = await client.call('LIST', `secret/metadata/conf-${suffix}`);
    expect(listed.status).toBe(200);
    expect(listed.body.data.keys).toEqual(['one']);
    const query = await client.call('GET', `secret/metadata/conf-${suffix}?list=true`);
    expect(query.body.data.keys).toEqual(['one']);
  });

  it('answers the CLI KV preflight', async () => {
    const result = await client.call('GET', 'sys/internal/ui/mounts/secret/foo');
    expect(result.status).toBe(200);
    expect(result.body.data.type).toBe('kv');
    expect(result.body.data.path).toBe('secret/');
    expect(result.body.data.options.version).toBe('2');
  });
});

describe('sys endpoints', () => {
  it('reports health 200 when active', async () => {
    const result = await client.call('GET', 'sys/health', { token: null });
    expect(result.status).toBe(200);
    expect(result.body.initialized).toBe(true);
    expect(result.body.sealed).toBe(false);
    expect(result.body.replication_dr_mode).toBe('disabled');
    expect(typeof result.body.cluster_id).toBe('string');
  });

  it('lets query codes override health', async () => {
    const result = await client.call('GET', 'sys/health?activecode=299', { token: null });
    expect(result.status).toBe(299);
  });

  it('rejects a non-integer health code', async () => {
    const result = await client.call('GET', 'sys/health?activecode=abc', { token: null });
    expect(result.status).toBe(400);
  });

  it('reports seal status', async () => {
    const result = await client.call('GET', 'sys/seal-status', { token: null });
    expect(result.status).toBe(200);
    expect(result.body.type).toBe('shamir');
    expect(result.body.sealed).toBe(false);
    expect(result.body.nonce).toBe('');
  });

  it('rejects init when initialized', async () => {
    const result = await client.call('PUT', 'sys/init', {
      token: null,
      body: { secret_shares: 1, secret_threshold: 1 },
    });
    expect(result.status).toBe(400);
    expect(result.body.errors).toEqual(['Vault is already initialized']);
  });

  it('rejects unseal without key or reset', async () => {
    const result = await client.call('PUT', 'sys/unseal', { token: null, body: {} });
    expect(result.status).toBe(400);
    expect(result.body.errors).toEqual([
      "'key' must be specified in request body as JSON, or 'reset' set to true",
    ]);
  });

  it('rejects an unseal key that is not hex or base64', async () => {
    const result = await client.call('PUT', 'sys/unseal', {
      token: null,
      body: { key: 'not a key!' },
    });
    expect(result.status).toBe(400);
    expect(result.body.errors).toEqual(["'key' must be a valid hex or base64 string"]);
  });

  it('refuses sys/seal without sudo', async () => {
    const token = await createToken(['default']);
    const result = await client.call('PUT', 'sys/seal', { token });
    expect(result.status).toBe(403);
  });
});

describe('token auth', () => {
  it('creates a token with an auth block', async () => {
    const result = await client.call('POST', 'auth/token/create', {
      body: { policies: ['default'], ttl: '1h' },
    });
    expect(result.status).toBe(200);
    expect(result.body.data).toBeNull();
    expect(result.body.auth.lease_duration).toBe(3600);
    expect(result.body.auth.policies).toEqual(['default']);
    expect(result.body.auth.token_type).toBe('service');
  });

  it('warns about an unknown policy', async () => {
    const result = await client.call('POST', 'auth/token/create', {
      body: { policies: [`missing-${suffix}`] },
    });
    expect(result.status).toBe(200);
    expect(result.body.warnings).toContain(`Policy "missing-${suffix}" does not exist`);
  });

  it('caps the TTL at explicit_max_ttl with a warning', async () => {
    const result = await client.call('POST', 'auth/token/create', {
      body: { ttl: '2h', explicit_max_ttl: '1h' },
    });
    expect(result.status).toBe(200);
    expect(result.body.auth.lease_duration).toBe(3600);
    expect(result.body.warnings).toContain(
      'TTL of "2h0m0s" exceeded the effective max_ttl of "1h0m0s"; TTL value is capped accordingly',
    );
  });

  it('rejects child policies outside the parent', async () => {
    await client.call('PUT', `sys/policies/acl/creator-${suffix}`, {
      body: { policy: 'path "auth/token/create" { capabilities = ["update"] }' },
    });
    const parent = await createToken([`creator-${suffix}`]);
    const result = await client.call('POST', 'auth/token/create', {
      token: parent,
      body: { policies: ['other'] },
    });
    expect(result.status).toBe(400);
    expect(result.body.errors).toEqual(['child policies must be subset of parent']);
  });

  it('rejects an orphan without sudo', async () => {
    const parent = await createToken([`creator-${suffix}`]);
    const result = await client.call('POST', 'auth/token/create', {
      token: parent,
      body: { no_parent: true },
    });
    expect(result.status).toBe(400);
    expect(result.body.errors).toEqual(['root or sudo privileges required to create orphan token']);
  });

  it('looks up a token by accessor without its id', async () => {
    const created = await client.call('POST', 'auth/token/create', {
      body: { policies: ['default'] },
    });
    const result = await client.call('POST', 'auth/token/lookup-accessor', {
      body: { accessor: created.body.auth.accessor },
    });
    expect(result.status).toBe(200);
    expect(result.body.data.id).toBe('');
    expect(result.body.data.type).toBe('service');
  });

  it('answers lookup of an unknown token with bad token', async () => {
    const result = await client.call('POST', 'auth/token/lookup', {
      body: { token: 'hvs.unknown' },
    });
    expect(result.status).toBe(403);
    expect(result.body.errors).toEqual(['bad token']);
  });

  it('rejects renewing a non-renewable token', async () => {
    const token = await createToken(['default'], { renewable: false });
    const result = await client.call('POST', 'auth/token/renew-self', { token });
    expect(result.status).toBe(400);
    expect(result.body.errors).toEqual(['lease not found or lease is not renewable']);
  });

  it('revokes children with the parent', async () => {
    await client.call('PUT', `sys/policies/acl/parent-${suffix}`, {
      body: { policy: 'path "auth/token/create" { capabilities = ["update"] }' },
    });
    const parent = await createToken([`parent-${suffix}`]);
    const child = await client.call('POST', 'auth/token/create', {
      token: parent,
      body: { policies: ['default'] },
    });
    const childToken = child.body.auth.client_token as string;
    const orphan = await createToken(['default'], { no_parent: true });

    expect(
      (await client.call('POST', 'auth/token/revoke', { body: { token: parent } })).status,
    ).toBe(204);
    expect((await client.call('GET', 'auth/token/lookup-self', { token: childToken })).status).toBe(
      403,
    );
    expect((await client.call('GET', 'auth/token/lookup-self', { token: orphan })).status).toBe(
      200,
    );
  });

  it('returns 204 when revoking an unknown token', async () => {
    const result = await client.call('POST', 'auth/token/revoke', {
      body: { token: 'hvs.unknown' },
    });
    expect(result.status).toBe(204);
  });
});

describe('KV version 2', () => {
  const path = `conf-${suffix}/kv`;

  it('writes and reads a secret', async () => {
    const written = await client.call('POST', `secret/data/${path}`, {
      body: { data: { user: 'app' } },
    });
    expect(written.status).toBe(200);
    expect(written.body.data.version).toBe(1);
    const read = await client.call('GET', `secret/data/${path}`);
    expect(read.body.data.data).toEqual({ user: 'app' });
    expect(read.body.data.metadata.destroyed).toBe(false);
    expect(read.body.data.metadata.deletion_time).toBe('');
  });

  it('rejects a write without data', async () => {
    const result = await client.call('POST', `secret/data/${path}`, { body: {} });
    expect(result.status).toBe(400);
    expect(result.body.errors).toEqual(['no data provided']);
  });

  it('enforces check-and-set', async () => {
    const mismatch = await client.call('POST', `secret/data/${path}`, {
      body: { options: { cas: 0 }, data: { a: 'b' } },
    });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.errors).toEqual([
      'check-and-set parameter did not match the current version',
    ]);
    const fresh = await client.call('POST', `secret/data/${path}-new`, {
      body: { options: { cas: 0 }, data: { a: 'b' } },
    });
    expect(fresh.status).toBe(200);
  });

  it('requires cas when cas_required is set', async () => {
    await client.call('POST', `secret/metadata/${path}-cas`, { body: { cas_required: true } });
    const result = await client.call('POST', `secret/data/${path}-cas`, {
      body: { data: { a: 'b' } },
    });
    expect(result.status).toBe(400);
    expect(result.body.errors).toEqual(['check-and-set parameter required for this call']);
  });

  it('returns 404 with an envelope for a deleted version', async () => {
    await client.call('DELETE', `secret/data/${path}`);
    const result = await client.call('GET', `secret/data/${path}`);
    expect(result.status).toBe(404);
    expect(result.body.data.data).toBeNull();
    expect(result.body.data.metadata.deletion_time).not.toBe('');
  });

  it('undeletes and destroys versions', async () => {
    expect(
      (await client.call('POST', `secret/undelete/${path}`, { body: { versions: [1] } })).status,
    ).toBe(204);
    expect((await client.call('GET', `secret/data/${path}`)).status).toBe(200);
    expect(
      (await client.call('PUT', `secret/destroy/${path}`, { body: { versions: [1] } })).status,
    ).toBe(204);
    const destroyed = await client.call('GET', `secret/data/${path}?version=1`);
    expect(destroyed.status).toBe(404);
    expect(destroyed.body.data.metadata.destroyed).toBe(true);
  });

  it('returns 404 with no errors for a missing key', async () => {
    const result = await client.call('GET', `secret/data/conf-${suffix}/missing`);
    expect(result.status).toBe(404);
    expect(result.body).toEqual({ errors: [] });
  });

  it('keeps max_versions versions', async () => {
    const key = `${path}-versions`;
    await client.call('POST', `secret/metadata/${key}`, { body: { max_versions: 2 } });
    for (let i = 0; i < 4; i += 1)
      await client.call('POST', `secret/data/${key}`, { body: { data: { i: String(i) } } });
    const metadata = await client.call('GET', `secret/metadata/${key}`);
    expect(metadata.body.data.current_version).toBe(4);
    expect(metadata.body.data.oldest_version).toBe(3);
    expect(Object.keys(metadata.body.data.versions).sort()).toEqual(['3', '4']);
  });

  it('patches with a merge patch', async () => {
    const key = `${path}-patch`;
    await client.call('POST', `secret/data/${key}`, { body: { data: { a: '1', b: '2' } } });
    const patched = await client.call('PATCH', `secret/data/${key}`, {
      raw: JSON.stringify({ data: { b: null, c: '3' } }),
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    expect(patched.status).toBe(200);
    const read = await client.call('GET', `secret/data/${key}`);
    expect(read.body.data.data).toEqual({ a: '1', c: '3' });
  });

  it('warns on a v1-style path', async () => {
    const result = await client.call('GET', `secret/${path}`);
    expect(result.status).toBe(404);
    expect(result.body.warnings).toEqual([
      "Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv get' for this operation.",
    ]);
  });
});

describe('KV version 1', () => {
  const mount = `kv1-${suffix}`;

  beforeAll(async () => {
    const result = await client.call('POST', `sys/mounts/${mount}`, {
      body: { type: 'kv', options: { version: '1' } },
    });
    expect(result.status).toBe(204);
  });

  it('treats data/ as a literal key', async () => {
    await client.call('POST', `${mount}/foo`, { body: { a: 'b' } });
    expect((await client.call('GET', `${mount}/foo`)).body.data).toEqual({ a: 'b' });
    const literal = await client.call('GET', `${mount}/data/foo`);
    expect(literal.status).toBe(404);
    expect(literal.body).toEqual({ errors: [] });
  });

  it('lists mounts with the new one', async () => {
    const result = await client.call('GET', 'sys/mounts');
    expect(result.body.data[`${mount}/`].type).toBe('kv');
    expect(result.body[`${mount}/`].options.version).toBe('1');
  });
});

describe('policies', () => {
  it('names the line of an invalid policy', async () => {
    const result = await client.call('PUT', `sys/policies/acl/bad-${suffix}`, {
      body: { policy: 'path "secret/*" {\n  capabilities = ["read"\n}\n' },
    });
    expect(result.status).toBe(400);
    expect(result.body.errors[0]).toMatch(/At 3:/);
  });

  it('reports capabilities-self', async () => {
    await client.call('PUT', `sys/policies/acl/caps-${suffix}`, {
      body: { policy: 'path "secret/data/caps/*" { capabilities = ["read", "list"] }' },
    });
    const token = await createToken([`caps-${suffix}`]);
    const result = await client.call('POST', 'sys/capabilities-self', {
      token,
      body: { paths: ['secret/data/caps/x'] },
    });
    expect(result.status).toBe(200);
    expect(result.body.data['secret/data/caps/x']).toEqual(['list', 'read']);
    expect(result.body.capabilities).toEqual(['list', 'read']);
  });

  it('lets deny win within a pattern', async () => {
    await client.call('PUT', `sys/policies/acl/deny-${suffix}`, {
      body: { policy: 'path "secret/data/caps/*" { capabilities = ["deny"] }' },
    });
    const token = await createToken([`caps-${suffix}`, `deny-${suffix}`]);
    const result = await client.call('GET', 'secret/data/caps/x', { token });
    expect(result.status).toBe(403);
  });
});

describe('node-vault client', () => {
  it('writes and reads through node-vault', async () => {
    const vault = node();
    await vault.write(`secret/data/conf-${suffix}/node`, { data: { password: 'p' } });
    const read = await vault.read(`secret/data/conf-${suffix}/node`);
    expect(read.data.data.password).toBe('p');
  });

  it('lists through node-vault with LIST', async () => {
    const listed = await node().list(`secret/metadata/conf-${suffix}`);
    expect(listed.data.keys).toContain('node');
  });

  it('rejects with ApiResponseError on 403', async () => {
    const vault = node('hvs.unknown');
    await expect(vault.read('secret/data/x')).rejects.toMatchObject({
      response: { statusCode: 403 },
    });
  });

  it('reports Status 404 for an empty errors list', async () => {
    await expect(node().read(`secret/data/conf-${suffix}/missing`)).rejects.toThrow('Status 404');
  });

  it('creates and looks up a token', async () => {
    const vault = node();
    const created = await vault.tokenCreate({ policies: ['default'], ttl: '10m' });
    expect(created.auth.lease_duration).toBe(600);
    const self = await vault.tokenLookupSelf();
    expect(self.data.policies).toEqual(['default']);
  });

  it('adds a policy through sys/policy', async () => {
    const vault = node();
    await vault.addPolicy({
      name: `legacy-${suffix}`,
      rules: 'path "secret/*" { capabilities = ["read"] }',
    });
    const result = await client.call('GET', `sys/policy/legacy-${suffix}`);
    expect(result.body.rules).toContain('secret/*');
  });

  it('resolves health with the body', async () => {
    const health = await node().health();
    expect(health.initialized).toBe(true);
  });
});
