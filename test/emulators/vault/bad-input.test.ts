/**
 * Bad input of every kind gets a 4xx in Vault's error format, the server
 * keeps serving, and no secret value reaches the server log.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevVault, startDevVault } from './helpers.ts';

let vault: DevVault;

beforeAll(async () => {
  vault = await startDevVault({ maxRequestBytes: 4096 });
});

afterAll(async () => {
  await vault.server.close();
});

async function stillServing(): Promise<void> {
  const health = await vault.client.call('GET', 'sys/health', { token: null });
  expect(health.status).toBe(200);
}

describe('bad input', () => {
  it.each([
    ['{"data": ', 'truncated JSON'],
    ['[1, 2]', 'a JSON array'],
    ['"text"', 'a JSON string'],
    ['{"a": 1,}', 'a trailing comma'],
  ])('rejects %j (%s)', async (raw) => {
    const result = await vault.client.call('POST', 'secret/data/x', {
      raw,
      headers: { 'content-type': 'application/json' },
    });
    expect(result.status).toBe(400);
    expect(result.body).toEqual({ errors: ['error parsing JSON'] });
    await stillServing();
  });

  it.each([
    ['auth/token/create', { num_uses: 'many' }, /field "num_uses": expected an integer/],
    ['auth/token/create', { ttl: 'forever' }, /invalid ttl: expected a duration/],
    ['auth/token/create', { renewable: 'maybe' }, /field "renewable": expected a boolean/],
    ['auth/token/create', { policies: 7 }, /field "policies": expected a list of strings/],
    ['secret/data/typed', { data: 'not an object' }, /invalid "data": expected a JSON object/],
    [
      'secret/data/typed',
      { data: { a: 1 }, options: { cas: 'x' } },
      /field "cas": expected an integer/,
    ],
    ['sys/mounts/bogus', { type: 'ssh' }, /plugin not found in the catalog: ssh/],
    ['sys/policies/acl/empty', { policy: '' }, /'policy' parameter not supplied or empty/],
  ])('rejects %s with %j', async (path, body, message) => {
    const result = await vault.client.call('POST', path, { body });
    expect(result.status).toBe(400);
    expect(result.body.errors[0]).toMatch(message);
  });

  it('answers 413 above the size limit', async () => {
    const result = await vault.client.call('POST', 'secret/data/big', {
      body: { data: { blob: 'x'.repeat(10_000) } },
    });
    expect(result.status).toBe(413);
    expect(result.body.errors[0]).toContain('request body too large');
    await stillServing();
  });

  it('answers 405 for an unknown method', async () => {
    const result = await vault.client.call('OPTIONS', 'secret/data/x');
    expect(result.status).toBe(405);
    expect(result.body).toEqual({ errors: ['unsupported operation'] });
  });

  it('answers 404 outside /v1/', async () => {
    const response = await request(`${vault.server.url}/v2/secret`);
    expect(response.statusCode).toBe(404);
    expect(await response.body.json()).toEqual({ errors: [] });
  });

  it('rejects a malformed percent-encoding', async () => {
    const result = await vault.client.call('GET', 'secret/data/%E0%A4%A');
    expect(result.status).toBe(400);
    expect(result.body.errors[0]).toContain('invalid path encoding');
    await stillServing();
  });

  it('answers 405 for an unsupported operation on a path', async () => {
    const result = await vault.client.call('DELETE', 'auth/token/lookup-self');
    expect(result.status).toBe(405);
  });

  it('keeps secret values out of the server log', async () => {
    await vault.client.call('POST', 'secret/data/logged', {
      body: { data: { password: 'log-marker-value' } },
    });
    await vault.client.call('POST', 'secret/data/logged', {
      raw: '{"data": {"password": "log-marker-broken"',
      headers: { 'content-type': 'application/json' },
    });
    const text = vault.logs.join('\n');
    expect(text).not.toContain('log-marker');
  });
});
