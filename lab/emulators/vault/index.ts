/**
 * The embedded Vault: a Vault-compatible HTTP API (status codes, JSON shapes
 * and error messages of Vault 1.17) for the vault CLI, curl and node-vault.
 * It listens on loopback, serves HTTPS when given a certificate, and keeps
 * its state encrypted in a data folder or in memory.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OutboundNetwork } from '../network/outbound.ts';
import { Barrier } from './barrier.ts';
import { errorText, VaultCore } from './core.ts';
import { DatabaseEngine } from './database.ts';
import { LIST_MARKER, listen } from './listener.ts';
import { createServerLog } from './log.ts';
import { newRequestId, Router } from './router.ts';
import { initialize } from './sys-seal.ts';
import { type Clock, type Operation, systemClock, type VaultRequest } from './types.ts';

export type { Clock } from './types.ts';

export interface StartVaultOptions {
  /** Listen address, 127.0.0.1 by default; must be on 127.0.0.0/8. */
  host?: string;
  /** TCP port; 0 picks a free one. 8200 by default. */
  port?: number;
  /** Serve HTTPS with this certificate; plain HTTP when absent. */
  tls?: { certPem: string; keyPem: string };
  /** Folder for the encrypted state; absent keeps everything in memory. */
  dataDir?: string;
  /** Initialise and unseal at start, with KV v2 at `secret/`, like `vault server -dev`. */
  dev?: { rootTokenId?: string };
  clock?: Clock;
  /** Name resolution and source address for Vault's outbound connections (PostgreSQL, TokenReview). */
  network?: OutboundNetwork;
  /** Receives server log lines in Vault's format; never a secret value. */
  log?: (line: string) => void;
  /** Largest accepted request body in bytes; larger bodies get 413. 32 MiB by default, as Vault's max_request_size. */
  maxRequestBytes?: number;
  /** How often expired tokens and leases are revoked and due rotations run, in ms. 1000 by default; 0 turns the timer off. */
  sweepIntervalMs?: number;
}

export interface VaultServer {
  /** For example `https://127.0.0.1:8200`. */
  url: string;
  host: string;
  port: number;
  readonly initialized: boolean;
  readonly sealed: boolean;
  /** The root token in dev mode. */
  rootToken?: string;
  /** The single unseal key (base64) in dev mode. */
  unsealKey?: string;
  /** Revokes what expired and runs due rotations now (the timer does the same every `sweepIntervalMs`). */
  sweep(): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_MAX_REQUEST_BYTES = 32 * 1024 * 1024;

class BodyTooLargeError extends Error {}

export async function startVault(options: StartVaultOptions = {}): Promise<VaultServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8200;
  validateOptions(options, host, port);

  const clock = options.clock ?? systemClock;
  const log = createServerLog(clock, options.log);
  const barrier = new Barrier(options.dev === undefined ? options.dataDir : undefined);
  const core = new VaultCore(barrier, clock, log, options.network ?? {});
  const router = new Router(core, new DatabaseEngine(core));

  let rootToken: string | undefined;
  let unsealKey: string | undefined;
  if (options.dev !== undefined) {
    const created = await initialize(core, 1, 1, true, options.dev.rootTokenId);
    rootToken = created.rootToken;
    const key = created.keys[0] as Buffer;
    unsealKey = key.toString('base64');
    const state = await barrier.addShare(key);
    if (state !== undefined) core.state = state;
    log.info('core', 'vault is unsealed');
  }

  const maxBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const handler = (incoming: IncomingMessage, outgoing: ServerResponse) => {
    serve(router, incoming, outgoing, maxBytes).catch((error: unknown) => {
      log.error('http', 'failed to send a response', { error: errorText(error) });
      if (!outgoing.headersSent) send(outgoing, 500, { errors: ['internal error'] });
      else outgoing.destroy();
    });
  };
  const http: Server = createHttpServer(handler);
  const listener = await listen(http, host, port, options.tls);
  const bound = (listener.server.address() as AddressInfo).port;
  const scheme = options.tls === undefined ? 'http' : 'https';
  const url = `${scheme}://${host}:${bound}`;
  log.info('core', 'vault server started', {
    address: url,
    storage: barrier.dataDir === undefined ? 'inmem' : 'file',
    tls: scheme === 'https' ? 'enabled' : 'disabled',
  });

  let sweeping: Promise<void> | undefined;
  const sweep = (): Promise<void> => {
    if (barrier.sealed) return Promise.resolve();
    sweeping ??= core
      .sweep()
      .catch((error: unknown) =>
        log.error('expiration', 'background sweep failed', { error: errorText(error) }),
      )
      .finally(() => {
        sweeping = undefined;
      });
    return sweeping;
  };
  const interval = options.sweepIntervalMs ?? 1000;
  const timer = interval > 0 ? setInterval(() => void sweep(), interval) : undefined;
  timer?.unref();

  return {
    url,
    host,
    port: bound,
    get initialized() {
      return barrier.initialized;
    },
    get sealed() {
      return barrier.sealed;
    },
    rootToken,
    unsealKey,
    sweep,
    close: async () => {
      if (timer !== undefined) clearInterval(timer);
      await sweeping;
      await listener.close();
      http.closeAllConnections();
      log.info('core', 'vault server stopped');
    },
  };
}

function validateOptions(options: StartVaultOptions, host: string, port: number): void {
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) && host !== 'localhost') {
    throw new Error(
      `invalid vault host "${host}": the embedded Vault listens on loopback (127.0.0.0/8) only`,
    );
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid vault port ${port}: must be an integer from 0 to 65535`);
  }
  if (options.dev !== undefined && options.dataDir !== undefined) {
    throw new Error('dev mode keeps data in memory: pass either dev or dataDir, not both');
  }
  if (
    options.maxRequestBytes !== undefined &&
    (!Number.isInteger(options.maxRequestBytes) || options.maxRequestBytes < 1)
  ) {
    throw new Error(
      `invalid maxRequestBytes ${options.maxRequestBytes}: must be a positive integer`,
    );
  }
}

function operationOf(method: string, query: URLSearchParams): Operation | undefined {
  switch (method) {
    case 'GET':
    case 'HEAD':
      return query.get('list') === 'true' || query.get('list') === '1' ? 'list' : 'read';
    case 'LIST':
      return 'list';
    case 'POST':
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      return undefined;
  }
}

async function serve(
  router: Router,
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  maxBytes: number,
): Promise<void> {
  let url = new URL(incoming.url ?? '/', 'http://vault.invalid');
  let method = (incoming.method ?? 'GET').toUpperCase();
  if (url.pathname.startsWith(`${LIST_MARKER}/`)) {
    url = new URL(url.pathname.slice(LIST_MARKER.length) + url.search, url);
    method = 'LIST';
  }
  if (!url.pathname.startsWith('/v1/')) {
    send(outgoing, 404, { errors: [] });
    return;
  }
  const operation = operationOf(method, url.searchParams);
  if (operation === undefined) {
    send(outgoing, 405, { errors: ['unsupported operation'] });
    return;
  }

  let body: Record<string, unknown>;
  try {
    body = parseBody(await readBody(incoming, maxBytes));
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      send(outgoing, 413, { errors: [`http: request body too large (limit ${maxBytes} bytes)`] });
      incoming.resume();
      return;
    }
    send(outgoing, 400, { errors: ['error parsing JSON'] });
    return;
  }

  let path: string;
  try {
    path = decodeURIComponent(url.pathname.slice('/v1/'.length));
  } catch {
    send(outgoing, 400, { errors: [`invalid path encoding: ${url.pathname}`] });
    return;
  }

  const request: VaultRequest = {
    id: newRequestId(),
    method,
    operation,
    path,
    query: url.searchParams,
    body,
    headers: incoming.headers,
    clientToken: tokenFrom(incoming),
    token: undefined,
    remoteAddress: incoming.socket.remoteAddress ?? '',
  };
  const response = await router.handle(request);
  if (method === 'HEAD') {
    outgoing.writeHead(response.status).end();
    return;
  }
  send(outgoing, response.status, response.body);
}

function tokenFrom(incoming: IncomingMessage): string | undefined {
  const header = incoming.headers['x-vault-token'];
  if (typeof header === 'string' && header !== '') return header;
  const authorization = incoming.headers.authorization;
  if (typeof authorization === 'string' && /^bearer /i.test(authorization))
    return authorization.slice(7).trim();
  return undefined;
}

function readBody(incoming: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(incoming.headers['content-length'] ?? 0);
    if (declared > maxBytes) {
      reject(new BodyTooLargeError());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let rejected = false;
    incoming.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes && !rejected) {
        rejected = true;
        reject(new BodyTooLargeError());
      }
      if (!rejected) chunks.push(chunk);
    });
    incoming.on('end', () => {
      if (!rejected) resolve(Buffer.concat(chunks));
    });
    incoming.on('error', reject);
  });
}

function parseBody(raw: Buffer): Record<string, unknown> {
  if (raw.length === 0 || raw.toString('utf8').trim() === '') return {};
  const parsed: unknown = JSON.parse(raw.toString('utf8'));
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Error('body is not a JSON object');
  return parsed as Record<string, unknown>;
}

function send(
  outgoing: ServerResponse,
  status: number,
  body: Record<string, unknown> | undefined,
): void {
  if (body === undefined) {
    outgoing.writeHead(status, { 'cache-control': 'no-store' }).end();
    return;
  }
  const text = JSON.stringify(body);
  outgoing
    .writeHead(status, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      'content-length': Buffer.byteLength(text),
    })
    .end(text);
}
