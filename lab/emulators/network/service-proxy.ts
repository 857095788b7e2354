/**
 * One Service port: a TCP listener on `<clusterIP>:<port>` (or a NodePort on
 * the node address) that decides per connection where it goes. The decision
 * is made when the connection opens, as a CNI plugin does on the first packet
 * of a flow, so connections already established survive a new policy.
 *
 * - `forward`: pipe the bytes to the chosen endpoint;
 * - `drop`: hold the socket open and never send a byte, like a dropped SYN,
 *   so the client waits for its own timeout;
 * - `reject`: reset the connection, like kube-proxy's REJECT rule for a
 *   Service without ready endpoints (the client sees ECONNREFUSED or
 *   ECONNRESET).
 *
 * When the policies change, `recheck` asks again for every forwarded
 * connection and stops forwarding those that are now denied: their packets
 * are dropped from then on, so a kept-alive HTTP connection hangs like a
 * new one would (Calico and Cilium apply a new policy to established flows
 * in the same way).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export type ConnectionDecision =
  | { action: 'forward'; host: string; port: number; reason: string; /** The endpoint pod, for re-checks when policies change. */ target?: string }
  | { action: 'drop'; reason: string }
  | { action: 'reject'; reason: string };

export interface ConnectionLogEntry {
  service: string;
  source: string;
  decision: ConnectionDecision;
}

export interface ServiceProxyOptions {
  /** `<namespace>/<name>:<port>`, for logs. */
  label: string;
  host: string;
  port: number;
  decide(sourceIp: string): ConnectionDecision;
  onConnection?(entry: ConnectionLogEntry): void;
  /** How long a dropped connection is held before it is reset, in ms; 10 minutes by default. */
  dropHoldMs?: number;
}

const DEFAULT_DROP_HOLD_MS = 10 * 60_000;

interface Forwarding {
  client: Socket;
  upstream: Socket;
  source: string;
  target: string;
}

export class ServiceProxy {
  readonly label: string;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #forwardings = new Set<Forwarding>();
  readonly #options: ServiceProxyOptions;

  private constructor(server: Server, options: ServiceProxyOptions) {
    this.#server = server;
    this.#options = options;
    this.label = options.label;
  }

  /** Starts listening; rejects with the listen error (for example EADDRINUSE). */
  static async listen(options: ServiceProxyOptions): Promise<ServiceProxy> {
    const server = createServer({ pauseOnConnect: true });
    const proxy = new ServiceProxy(server, options);
    server.on('connection', (socket) => proxy.#accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return proxy;
  }

  get address(): { host: string; port: number } {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') return { host: this.#options.host, port: this.#options.port };
    return { host: address.address, port: address.port };
  }

  /** Number of connections currently held or piped. */
  get openConnections(): number {
    return this.#sockets.size;
  }

  #accept(socket: Socket): void {
    this.#track(socket);
    const source = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    let decision: ConnectionDecision;
    try {
      decision = this.#options.decide(source);
    } catch (error) {
      decision = { action: 'reject', reason: `decision failed: ${(error as Error).message}` };
    }
    this.#options.onConnection?.({ service: this.label, source, decision });

    switch (decision.action) {
      case 'forward':
        this.#forward(socket, decision.host, decision.port, source, decision.target ?? '');
        return;
      case 'drop':
        this.#hold(socket);
        return;
      case 'reject':
        socket.resetAndDestroy();
        return;
    }
  }

  #forward(client: Socket, host: string, port: number, source: string, target: string): void {
    const upstream = connect({ host, port });
    this.#track(upstream);
    const forwarding: Forwarding = { client, upstream, source, target };
    this.#forwardings.add(forwarding);
    client.on('close', () => this.#forwardings.delete(forwarding));
    upstream.once('connect', () => {
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.on('error', () => client.resetAndDestroy());
    client.on('error', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
  }

  /** Stops forwarding the connections that `allowed` now denies; returns how many were cut. */
  recheck(allowed: (source: string, target: string) => boolean): number {
    let cut = 0;
    for (const forwarding of this.#forwardings) {
      if (allowed(forwarding.source, forwarding.target)) continue;
      this.#forwardings.delete(forwarding);
      forwarding.client.unpipe(forwarding.upstream);
      forwarding.upstream.unpipe(forwarding.client);
      forwarding.client.pause();
      forwarding.upstream.pause();
      this.#hold(forwarding.client);
      cut += 1;
    }
    return cut;
  }

  #hold(socket: Socket): void {
    // Paused and unanswered: the client's writes fill buffers and its reads wait.
    const timer = setTimeout(() => socket.resetAndDestroy(), this.#options.dropHoldMs ?? DEFAULT_DROP_HOLD_MS);
    timer.unref();
    socket.on('error', () => undefined);
    socket.on('close', () => clearTimeout(timer));
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
  }

  /** Stops listening and destroys every open connection. */
  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
