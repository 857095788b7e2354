/**
 * A minimal HTTP/1.1 keep-alive client for plain-HTTP load: one prebuilt
 * request, sent on pooled sockets, with only as much response parsing as
 * the engine needs (status, Content-Length or chunked body, Connection:
 * close). It avoids a general client's per-request work, which bounds the
 * throughput of a load generator; https targets use undici instead.
 */
import { connect, type Socket } from 'node:net';
import type { LoadErrorKind } from '../run/record.ts';
import { kindOfError, kindOfStatus } from './error-kind.ts';
import type { LoadProfile } from './profile.ts';

/** The outcome of one request: an error kind, or undefined for a success. */
export type RequestCallback = (kind: LoadErrorKind | undefined) => void;

/** A request in flight; `abort` ends it as a timeout and closes its socket. */
export interface PendingRequest {
  abort(): void;
}

type BodyMode =
  | { kind: 'length'; remaining: number }
  | { kind: 'chunked' }
  | { kind: 'until-close' }
  | { kind: 'none' };

const HEAD_END = Buffer.from('\r\n\r\n');
const LINE_END = Buffer.from('\r\n');

class Connection implements PendingRequest {
  readonly socket: Socket;
  readonly #pool: Http1Pool;
  #callback: RequestCallback | undefined;
  #buffer: Buffer = Buffer.alloc(0);
  #status = 0;
  #body: BodyMode | undefined;
  #closeAfter = false;
  #connected = false;
  #connectTimer: NodeJS.Timeout | undefined;

  constructor(pool: Http1Pool, host: string, port: number, connectTimeoutMs: number) {
    this.#pool = pool;
    this.socket = connect({ host, port, noDelay: true });
    this.#connectTimer = setTimeout(() => this.#fail('connect-timeout'), connectTimeoutMs);
    this.socket.once('connect', () => {
      this.#connected = true;
      clearTimeout(this.#connectTimer);
    });
    this.socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    this.socket.on('error', (error) =>
      this.#fail(this.#connected ? kindOfError(error) : connectErrorKind(error)),
    );
    this.socket.on('close', () => this.#onClose());
  }

  send(request: Buffer, callback: RequestCallback): void {
    this.#callback = callback;
    this.#buffer = Buffer.alloc(0);
    this.#status = 0;
    this.#body = undefined;
    this.socket.write(request);
  }

  abort(): void {
    this.#fail('timeout');
  }

  #onData(chunk: Buffer): void {
    if (!this.#callback) return;
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    if (!this.#body && !this.#readHead()) return;
    if (this.#readBody()) this.#complete();
  }

  /** Parses the status line and headers; false until they have all arrived. */
  #readHead(): boolean {
    const end = this.#buffer.indexOf(HEAD_END);
    if (end < 0) return false;
    const head = this.#buffer.subarray(0, end).toString('latin1');
    this.#buffer = this.#buffer.subarray(end + HEAD_END.length);
    const lines = head.split('\r\n');
    this.#status = Number(lines[0]?.split(' ')[1]) || 0;
    let length: number | undefined;
    let chunked = false;
    this.#closeAfter = lines[0]?.startsWith('HTTP/1.0') ?? false;
    for (let i = 1; i < lines.length; i += 1) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line
        .slice(colon + 1)
        .trim()
        .toLowerCase();
      if (name === 'content-length') length = Number(value);
      else if (name === 'transfer-encoding') chunked = value.includes('chunked');
      else if (name === 'connection') this.#closeAfter = value.includes('close');
    }
    const noBody =
      this.#pool.method === 'HEAD' ||
      this.#status === 204 ||
      this.#status === 304 ||
      this.#status < 200;
    if (noBody) this.#body = { kind: 'none' };
    else if (chunked) this.#body = { kind: 'chunked' };
    else if (length !== undefined) this.#body = { kind: 'length', remaining: length };
    else this.#body = { kind: 'until-close' };
    return true;
  }

  /** Consumes body bytes; true once the whole body has arrived. */
  #readBody(): boolean {
    const body = this.#body!;
    switch (body.kind) {
      case 'none':
        return true;
      case 'until-close':
        this.#buffer = Buffer.alloc(0);
        return false;
      case 'length': {
        const taken = Math.min(body.remaining, this.#buffer.length);
        body.remaining -= taken;
        this.#buffer = this.#buffer.subarray(taken);
        return body.remaining === 0;
      }
      case 'chunked':
        return this.#readChunks();
    }
  }

  /** Skips whole chunks; true after the last chunk and its trailer section. */
  #readChunks(): boolean {
    for (;;) {
      const lineEnd = this.#buffer.indexOf(LINE_END);
      if (lineEnd < 0) return false;
      const size = Number.parseInt(this.#buffer.subarray(0, lineEnd).toString('latin1'), 16);
      if (Number.isNaN(size)) {
        this.#fail('other');
        return false;
      }
      if (size === 0) {
        // The last chunk is followed by optional trailers and an empty line.
        const trailerEnd = this.#buffer.indexOf(LINE_END, lineEnd + 2);
        if (trailerEnd < 0) return false;
        if (trailerEnd === lineEnd + 2) return true;
        const sectionEnd = this.#buffer.indexOf(HEAD_END, lineEnd);
        return sectionEnd >= 0;
      }
      const next = lineEnd + 2 + size + 2;
      if (this.#buffer.length < next) return false;
      this.#buffer = this.#buffer.subarray(next);
    }
  }

  #complete(): void {
    const callback = this.#callback;
    this.#callback = undefined;
    callback?.(kindOfStatus(this.#status));
    if (this.#closeAfter) this.socket.destroy();
    else this.#pool.release(this);
  }

  #onClose(): void {
    clearTimeout(this.#connectTimer);
    this.#pool.forget(this);
    if (this.#body?.kind === 'until-close' && this.#callback) {
      this.#complete();
      return;
    }
    this.#fail('reset');
  }

  #fail(kind: LoadErrorKind): void {
    const callback = this.#callback;
    this.#callback = undefined;
    this.socket.destroy();
    callback?.(kind);
  }
}

/** Connection errors before the socket connected: refused stays refused, a timeout is a connect timeout. */
function connectErrorKind(error: unknown): LoadErrorKind {
  const kind = kindOfError(error);
  return kind === 'timeout' ? 'connect-timeout' : kind;
}

export class Http1Pool {
  readonly method: string;
  readonly #host: string;
  readonly #port: number;
  readonly #connectTimeoutMs: number;
  readonly #request: Buffer;
  readonly #idle: Connection[] = [];
  readonly #all = new Set<Connection>();

  constructor(profile: LoadProfile) {
    const url = new URL(profile.url);
    if (url.protocol !== 'http:')
      throw new RangeError(`Http1Pool handles http:// only, received ${url.protocol}`);
    this.method = profile.method;
    this.#host = url.hostname.replace(/^\[|\]$/g, '');
    this.#port = Number(url.port || 80);
    this.#connectTimeoutMs = profile.connectTimeoutMs;
    this.#request = buildRequest(profile, url);
  }

  /** Sends the profile's request on an idle connection or a new one. */
  request(callback: RequestCallback): PendingRequest {
    let connection = this.#idle.pop();
    if (!connection) {
      connection = new Connection(this, this.#host, this.#port, this.#connectTimeoutMs);
      this.#all.add(connection);
    }
    connection.send(this.#request, callback);
    return connection;
  }

  release(connection: Connection): void {
    if (this.#all.has(connection)) this.#idle.push(connection);
  }

  forget(connection: Connection): void {
    this.#all.delete(connection);
    const index = this.#idle.indexOf(connection);
    if (index >= 0) this.#idle.splice(index, 1);
  }

  close(): void {
    for (const connection of this.#all) connection.socket.destroy();
    this.#all.clear();
    this.#idle.length = 0;
  }
}

function buildRequest(profile: LoadProfile, url: URL): Buffer {
  const body = profile.body === undefined ? undefined : Buffer.from(profile.body, 'utf8');
  const lines = [`${profile.method} ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`];
  for (const [name, value] of Object.entries(profile.headers)) {
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) {
      throw new RangeError(`header ${JSON.stringify(name)} contains a line break`);
    }
    lines.push(`${name}: ${value}`);
  }
  if (body) lines.push(`Content-Length: ${body.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return body ? Buffer.concat([head, body]) : head;
}
