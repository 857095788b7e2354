import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VaultClient, VaultTimeoutError } from '../../../lab/emulators/eso/vault-client.ts';

/** A stand-in Vault that responds from a table of routes and records each request. */
let server: http.Server;
let baseUrl: string;
let fivexxLeft = 0;
const seen: string[] = [];

/** A TCP server that accepts and never responds, like a dropped connection seen from the client. */
let blackHole: net.Server;
let blackHoleUrl: string;
const heldSockets: net.Socket[] = [];

beforeAll(async () => {
  server = http.createServer((request, response) => {
    seen.push(`${request.method} ${request.url} token=${request.headers['x-vault-token'] ?? ''}`);
    response.setHeader('Content-Type', 'application/json');
    if (request.url === '/v1/secret/data/forbidden') {
      response.writeHead(403).end(JSON.stringify({ errors: ['permission denied'] }));
    } else if (request.url === '/v1/secret/data/missing') {
      response.writeHead(404).end(JSON.stringify({ errors: [] }));
    } else if (request.url === '/v1/flaky') {
      if (fivexxLeft > 0) {
        fivexxLeft--;
        response.writeHead(503).end(JSON.stringify({ errors: ['Vault is sealed'] }));
      } else {
        response.writeHead(200).end(JSON.stringify({ data: { ok: true } }));
      }
    } else {
      response.writeHead(200).end(JSON.stringify({ data: { data: { password: 'pw' } } }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  blackHole = net.createServer((socket) => heldSockets.push(socket));
  await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
  blackHoleUrl = `http://127.0.0.1:${(blackHole.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const socket of heldSockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
  await new Promise((resolve) => blackHole.close(resolve));
});

describe('vault client', () => {
  it('formats a 403 as hashicorp/vault api/response.go', async () => {
    const client = new VaultClient({ server: baseUrl, timeoutMs: 2000 });
    client.token = 'static';
    await expect(
      client.request('GET', '/v1/secret/data/forbidden', 'ReadSecretData'),
    ).rejects.toThrow(
      `Error making API request.\n\nURL: GET ${baseUrl}/v1/secret/data/forbidden\nCode: 403. Errors:\n\n* permission denied`,
    );
    expect(seen.at(-1)).toBe('GET /v1/secret/data/forbidden token=static');
  });

  it('returns a 404 to the caller', async () => {
    const client = new VaultClient({ server: baseUrl, timeoutMs: 2000 });
    const answer = await client.request('GET', '/v1/secret/data/missing', 'ReadSecretData');
    expect(answer.status).toBe(404);
  });

  it('rejects a 404 when the caller does not accept it', async () => {
    const client = new VaultClient({ server: baseUrl, timeoutMs: 2000 });
    await expect(
      client.request('GET', '/v1/secret/data/missing', 'Login', undefined, false),
    ).rejects.toThrow('Code: 404.');
  });

  it('retries a 503 up to two times', async () => {
    fivexxLeft = 2;
    const client = new VaultClient({ server: baseUrl, timeoutMs: 10_000 });
    const answer = await client.request('GET', '/v1/flaky', 'ReadSecretData');
    expect(answer.status).toBe(200);
  });

  it('ends a hanging connection with context deadline exceeded', async () => {
    const calls: Array<[string, boolean]> = [];
    const client = new VaultClient({
      server: blackHoleUrl,
      timeoutMs: 300,
      onCall: (call, ok) => calls.push([call, ok]),
    });
    const attempt = client.request('GET', '/v1/secret/data/foo', 'ReadSecretData');
    await expect(attempt).rejects.toBeInstanceOf(VaultTimeoutError);
    await expect(attempt).rejects.toThrow(/^context deadline exceeded$/);
    expect(calls).toEqual([['ReadSecretData', false]]);
  });

  it('prints a refused connection like Go net/http', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const client = new VaultClient({ server: `http://127.0.0.1:${port}`, timeoutMs: 5000 });
    await expect(client.request('GET', '/v1/sys/health', 'LookupSelf')).rejects.toThrow(
      `Get "http://127.0.0.1:${port}/v1/sys/health": dial tcp 127.0.0.1:${port}: connect: connection refused`,
    );
  });

  it('rejects a server URL without a scheme', () => {
    expect(() => new VaultClient({ server: 'vault.vault.svc:8200', timeoutMs: 1000 })).toThrow(
      'invalid Vault server "vault.vault.svc:8200"',
    );
  });
});
