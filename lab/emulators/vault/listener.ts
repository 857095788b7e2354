/**
 * The TCP or TLS listener in front of Node's HTTP server. Node's HTTP parser
 * (llhttp) rejects the LIST method with a bare 400, but Vault clients send it
 * (node-vault's `list`, `curl -X LIST`). So each connection passes through a
 * stream that rewrites a `LIST /path` request line to `GET /__list/path`,
 * and the request handler turns that back into a list operation.
 */
import type { Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';

export const LIST_MARKER = '/__list';

/** Rewrites request lines starting with `LIST /` at the start of a chunk or after a CRLF. */
export function rewriteListMethod(chunk: Buffer): Buffer {
  const text = chunk.toString('latin1');
  if (!text.includes('LIST /')) return chunk;
  // NOTE: a LIST request line split across two TCP reads is not rewritten and
  // gets Node's 400; on loopback a request line arrives in one read.
  return Buffer.from(text.replace(/(^|\r\n)LIST \//g, `$1GET ${LIST_MARKER}/`), 'latin1');
}

class MethodRewritingSocket extends Duplex {
  private readonly socket: Socket;

  constructor(socket: Socket) {
    super({ allowHalfOpen: false });
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      if (!this.push(rewriteListMethod(chunk))) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (error) => this.destroy(error));
    socket.on('close', () => this.destroy());
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }

  get localAddress(): string | undefined {
    return this.socket.localAddress;
  }

  get encrypted(): boolean {
    return 'encrypted' in this.socket;
  }

  setTimeout(milliseconds: number, callback?: () => void): this {
    this.socket.setTimeout(milliseconds, callback);
    return this;
  }

  setNoDelay(noDelay?: boolean): this {
    this.socket.setNoDelay(noDelay);
    return this;
  }

  setKeepAlive(enable?: boolean, delay?: number): this {
    this.socket.setKeepAlive(enable, delay);
    return this;
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(
    chunk: Buffer,
    encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    this.socket.write(chunk, encoding, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }
}

export interface Listener {
  server: NetServer;
  /** Stops accepting and destroys every open connection. */
  close(): Promise<void>;
}

/** Listens on host:port and hands each (TLS-terminated) connection to `http` through the LIST rewriter. */
export async function listen(
  http: HttpServer,
  host: string,
  port: number,
  tls: { certPem: string; keyPem: string } | undefined,
): Promise<Listener> {
  const sockets = new Set<Socket>();
  const accept = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    http.emit('connection', new MethodRewritingSocket(socket));
  };
  const server =
    tls === undefined
      ? createNetServer(accept)
      : createTlsServer(
          { cert: tls.certPem, key: tls.keyPem, ALPNProtocols: ['http/1.1'] },
          accept,
        );
  server.on('tlsClientError', () => undefined);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
