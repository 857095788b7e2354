/**
 * Token lifetimes with an injectable clock: expiry, renewal caps, periodic
 * tokens, num_uses and revocation of the parent-child tree
 * (vault/token_store.go).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DevVault, INVALID_TOKEN, startDevVault } from './helpers.ts';

let vault: DevVault;

beforeEach(async () => {
  vault = await startDevVault();
});

afterEach(async () => {
  await vault.server.close();
});

async function create(
  body: Record<string, unknown>,
  token?: string,
): Promise<{
  token: string;
  accessor: string;
  auth: Record<string, unknown>;
  warnings: string[] | null;
}> {
  const result = await vault.client.call('POST', 'auth/token/create', { body, token });
  expect(result.status).toBe(200);
  return {
    token: result.body.auth.client_token,
    accessor: result.body.auth.accessor,
    auth: result.body.auth,
    warnings: result.body.warnings,
  };
}

async function lookupSelf(token: string) {
  return vault.client.call('GET', 'auth/token/lookup-self', { token });
}

describe('token expiry', () => {
  it('rejects a token after its TTL', async () => {
    const { token } = await create({ ttl: '60s', policies: ['default'] });
    vault.clock.advance(59);
    expect((await lookupSelf(token)).status).toBe(200);
    vault.clock.advance(2);
    const expired = await lookupSelf(token);
    expect(expired.status).toBe(403);
    expect(expired.body.errors).toEqual([INVALID_TOKEN]);
    expect(vault.logs.some((line) => line.includes('revoked expired token'))).toBe(true);
  });

  it('revokes children when the parent expires', async () => {
    const parent = await create({ ttl: '60s', policies: ['root'] });
    const child = await create({ ttl: '1h', policies: ['default'] }, parent.token);
    vault.clock.advance(61);
    await vault.server.sweep();
    expect((await lookupSelf(child.token)).status).toBe(403);
  });

  it('keeps a root token with ttl 0 forever', async () => {
    const { token, auth } = await create({ policies: ['root'] });
    expect(auth.lease_duration).toBe(0);
    expect(auth.renewable).toBe(false);
    vault.clock.advance(10 * 365 * 86400);
    const result = await lookupSelf(token);
    expect(result.status).toBe(200);
    expect(result.body.data.expire_time).toBeNull();
  });

  it('uses the 768h default TTL', async () => {
    const { auth } = await create({ policies: ['default'] });
    expect(auth.lease_duration).toBe(768 * 3600);
  });
});

describe('token renewal', () => {
  it('extends the TTL by the increment', async () => {
    const { token } = await create({ ttl: '60s', policies: ['default'] });
    vault.clock.advance(30);
    const renewed = await vault.client.call('POST', 'auth/token/renew-self', {
      token,
      body: { increment: '120s' },
    });
    expect(renewed.status).toBe(200);
    expect(renewed.body.auth.lease_duration).toBe(120);
    vault.clock.advance(100);
    expect((await lookupSelf(token)).status).toBe(200);
  });

  it('caps renewal at explicit_max_ttl', async () => {
    const { token } = await create({ ttl: '60s', explicit_max_ttl: '90s', policies: ['default'] });
    vault.clock.advance(30);
    const renewed = await vault.client.call('POST', 'auth/token/renew-self', {
      token,
      body: { increment: '600s' },
    });
    expect(renewed.body.auth.lease_duration).toBe(60);
    expect(renewed.body.warnings[0]).toMatch(
      /^TTL of "10m0s" exceeded the effective max_ttl of "1m0s"/,
    );
  });

  it('resets a periodic token to its period', async () => {
    const { token, auth } = await create({ period: '30s', policies: ['default'] });
    expect(auth.lease_duration).toBe(30);
    vault.clock.advance(20);
    const renewed = await vault.client.call('POST', 'auth/token/renew-self', {
      token,
      body: { increment: '600s' },
    });
    expect(renewed.body.auth.lease_duration).toBe(30);
  });

  it('renews another token through renew', async () => {
    const { token } = await create({ ttl: '60s', policies: ['default'] });
    const renewed = await vault.client.call('POST', 'auth/token/renew', {
      body: { token, increment: 300 },
    });
    expect(renewed.body.auth.lease_duration).toBe(300);
    const missing = await vault.client.call('POST', 'auth/token/renew', {
      body: { token: 'hvs.none' },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual(['token not found']);
  });
});

describe('token uses and revocation', () => {
  it('revokes a token after num_uses', async () => {
    const { token } = await create({ num_uses: 2, policies: ['default'] });
    expect((await lookupSelf(token)).status).toBe(200);
    expect((await lookupSelf(token)).status).toBe(200);
    expect((await lookupSelf(token)).status).toBe(403);
  });

  it('revokes by accessor', async () => {
    const { token, accessor } = await create({ policies: ['default'] });
    const revoked = await vault.client.call('POST', 'auth/token/revoke-accessor', {
      body: { accessor },
    });
    expect(revoked.status).toBe(204);
    expect((await lookupSelf(token)).status).toBe(403);
  });

  it('revokes itself', async () => {
    const { token } = await create({ policies: ['default'] });
    expect((await vault.client.call('POST', 'auth/token/revoke-self', { token })).status).toBe(204);
    expect((await lookupSelf(token)).status).toBe(403);
  });

  it('keeps orphans when the parent is revoked', async () => {
    const parent = await create({ policies: ['root'] });
    const orphan = await vault.client.call('POST', 'auth/token/create-orphan', {
      token: parent.token,
      body: { policies: ['default'] },
    });
    expect(orphan.body.auth.orphan).toBe(true);
    await vault.client.call('POST', 'auth/token/revoke', { body: { token: parent.token } });
    expect((await lookupSelf(orphan.body.auth.client_token)).status).toBe(200);
  });

  it('inherits the parent policies when none are given', async () => {
    await vault.client.call('PUT', 'sys/policies/acl/creator', {
      body: { policy: 'path "auth/token/create" { capabilities = ["update"] }' },
    });
    const parent = await create({ policies: ['creator'] });
    const child = await create({}, parent.token);
    expect(child.auth.policies).toEqual(['creator', 'default']);
  });
});
