/**
 * A loopback HTTP server for load tests whose behaviour the test switches
 * while it runs: answer, fail with a status, stall, reset the connection.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type ServerMode =
  | { kind: 'ok' }
  | { kind: 'status'; status: number }
  | { kind: 'stall' }
  | { kind: 'delay'; ms: number }
  | { kind: 'reset' };

export interface LoopbackServer {
  url: string;
  port: number;
  /** Requests received so far. */
  received(): number;
  setMode(mode: ServerMode): void;
  /** Answers every stalled request with 200, as a server that recovers. */
  releaseStalled(): void;
  close(): Promise<void>;
}

export async function startLoopbackServer(
  initial: ServerMode = { kind: 'ok' },
): Promise<LoopbackServer> {
  let mode = initial;
  let received = 0;
  const stalled = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    received += 1;
    request.resume();
    handle(mode, request, response, stalled);
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    received: () => received,
    setMode: (next) => {
      mode = next;
    },
    releaseStalled: () => {
      for (const response of stalled) response.end('ok');
      stalled.clear();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function handle(
  mode: ServerMode,
  request: IncomingMessage,
  response: ServerResponse,
  stalled: Set<ServerResponse>,
): void {
  switch (mode.kind) {
    case 'ok':
      response.end('ok');
      return;
    case 'status':
      response.statusCode = mode.status;
      response.end('failed');
      return;
    case 'stall':
      stalled.add(response);
      response.on('close', () => stalled.delete(response));
      return;
    case 'delay':
      setTimeout(() => response.end('ok'), mode.ms);
      return;
    case 'reset':
      request.socket.destroy();
      return;
  }
}
