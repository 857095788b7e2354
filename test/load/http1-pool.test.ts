import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Http1Pool } from '../../lab/load/http1-pool.ts';
import { resolveLoadProfile } from '../../lab/load/profile.ts';
import type { LoadErrorKind } from '../../lab/run/record.ts';

let server: Server | TcpServer | undefined;
let pool: Http1Pool | undefined;

afterEach(async () => {
  pool?.close();
  pool = undefined;
  const current = server;
  server = undefined;
  if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
});

async function listen(target: Server | TcpServer): Promise<string> {
  server = target;
  if ('closeIdleConnections' in target) target.keepAliveTimeout = 100;
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(target.address() as AddressInfo).port}/path?q=1`;
}

function send(target: Http1Pool): Promise<LoadErrorKind | undefined> {
  return new Promise((resolve) => target.request(resolve));
}

describe('HTTP/1.1 load pool', () => {
  it('reads a chunked body and reuses the socket', async () => {
    const sockets = new Set<unknown>();
    const url = await listen(
      createHttpServer((request, response) => {
        sockets.add(request.socket);
        response.write('first part, ');
        response.end('second part');
      }),
    );
    pool = new Http1Pool(resolveLoadProfile({ url, rate: 1, duration: '1s' }));

    expect(await send(pool)).toBeUndefined();
    expect(await send(pool)).toBeUndefined();
    expect(sockets.size).toBe(1);
  });

  it('sends the method, path, headers and body', async () => {
    const seen: string[] = [];
    const url = await listen(
      createHttpServer((request, response) => {
        let body = '';
        request.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        request.on('end', () => {
          seen.push(`${request.method} ${request.url} ${request.headers['x-lab']} ${body}`);
          response.statusCode = 201;
          response.end();
        });
      }),
    );
    pool = new Http1Pool(
      resolveLoadProfile({
        url,
        method: 'POST',
        headers: { 'x-lab': 'yes' },
        body: '{"a":1}',
        rate: 1,
        duration: '1s',
      }),
    );

    expect(await send(pool)).toBeUndefined();
    expect(seen).toEqual(['POST /path?q=1 yes {"a":1}']);
  });

  it('closes after Connection: close', async () => {
    const sockets = new Set<unknown>();
    const url = await listen(
      createHttpServer((request, response) => {
        sockets.add(request.socket);
        response.setHeader('connection', 'close');
        response.end('bye');
      }),
    );
    pool = new Http1Pool(resolveLoadProfile({ url, rate: 1, duration: '1s' }));

    expect(await send(pool)).toBeUndefined();
    expect(await send(pool)).toBeUndefined();
    expect(sockets.size).toBe(2);
  });

  it('reads a body that ends with the connection', async () => {
    const url = await listen(
      createTcpServer((socket) => {
        socket.once('data', () =>
          socket.end('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nno length here'),
        );
      }),
    );
    pool = new Http1Pool(resolveLoadProfile({ url, rate: 1, duration: '1s' }));

    expect(await send(pool)).toBeUndefined();
  });

  it('reports a connection closed mid-body as reset', async () => {
    const url = await listen(
      createTcpServer((socket) => {
        socket.once('data', () =>
          socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort'),
        );
      }),
    );
    pool = new Http1Pool(resolveLoadProfile({ url, rate: 1, duration: '1s' }));

    expect(await send(pool)).toBe('reset');
  });

  it('classifies a 503 as http-5xx', async () => {
    const url = await listen(
      createHttpServer((_request, response) => {
        response.statusCode = 503;
        response.end('down');
      }),
    );
    pool = new Http1Pool(resolveLoadProfile({ url, rate: 1, duration: '1s' }));

    expect(await send(pool)).toBe('http-5xx');
  });

  it('rejects an https URL', () => {
    expect(
      () =>
        new Http1Pool(resolveLoadProfile({ url: 'https://127.0.0.1:1/', rate: 1, duration: '1s' })),
    ).toThrow('Http1Pool handles http:// only, received https:');
  });
});
