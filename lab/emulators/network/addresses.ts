/**
 * Addresses of one lab's pod network. Each lab takes a private /16 inside
 * 127.0.0.0/8, picked from a hash of its state folder, so two labs in two
 * folders get different pod IPs and ClusterIPs. Linux routes all of
 * 127.0.0.0/8 to the loopback interface, so binding these needs no
 * privileges. Layout of `127.S.0.0/16`:
 *
 * - `127.S.0.1`: the node (NodePorts listen here, and the subnet marker);
 * - `127.S.1.0/24`: Service ClusterIPs;
 * - `127.S.2.0` to `127.S.255.255`: pod IPs.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:net';

/** Port on the node address whose listener marks a subnet as taken by a running lab. */
export const SUBNET_MARKER_PORT = 47_123;

const FIRST_POD_INDEX = 2 * 256;
const LAST_POD_INDEX = 256 * 256 - 2;

export interface Subnet {
  /** The second octet S of `127.S.0.0/16`, from 1 to 254 (127.0.x.x is left to the host). */
  octet: number;
  cidr: string;
  nodeIp: string;
}

/** The preferred subnet of a state folder: stable across restarts of the same lab. */
export function preferredSubnetOctet(stateDir: string): number {
  const digest = createHash('sha256').update(stateDir).digest();
  return 1 + ((digest.readUInt16BE(0) % 254) as number);
}

export function subnetOf(octet: number): Subnet {
  if (!Number.isInteger(octet) || octet < 1 || octet > 254) {
    throw new RangeError(`subnet octet must be an integer from 1 to 254, received ${octet}`);
  }
  return { octet, cidr: `127.${octet}.0.0/16`, nodeIp: `127.${octet}.0.1` };
}

/**
 * Claims a free subnet for a lab: starting at the preferred one, binds the
 * marker port on each node address until one is free. The returned server
 * holds the claim until it is closed.
 */
export async function claimSubnet(stateDir: string): Promise<{ subnet: Subnet; marker: Server }> {
  const preferred = preferredSubnetOctet(stateDir);
  for (let step = 0; step < 254; step++) {
    const subnet = subnetOf(((preferred - 1 + step) % 254) + 1);
    const marker = await tryListen(subnet.nodeIp, SUBNET_MARKER_PORT);
    if (marker) return { subnet, marker };
  }
  throw new Error(`no free lab subnet in 127.0.0.0/8: port ${SUBNET_MARKER_PORT} is in use on every 127.S.0.1`);
}

function tryListen(host: string, port: number): Promise<Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve(undefined);
      else reject(error);
    });
    server.listen(port, host, () => resolve(server));
  });
}

/** Hands out pod IPs and ClusterIPs inside one subnet; released addresses are reused last. */
export class AddressAllocator {
  readonly subnet: Subnet;
  readonly #taken = new Set<string>();
  #nextPod = FIRST_POD_INDEX;
  #nextService = 1;

  constructor(subnet: Subnet) {
    this.subnet = subnet;
  }

  allocatePodIp(): string {
    for (let tries = 0; tries < LAST_POD_INDEX - FIRST_POD_INDEX; tries++) {
      const index = this.#nextPod;
      this.#nextPod = index >= LAST_POD_INDEX ? FIRST_POD_INDEX : index + 1;
      const ip = `127.${this.subnet.octet}.${index >> 8}.${index & 255}`;
      // Addresses ending in .0 or .255 are valid on loopback but read like network and broadcast addresses.
      if ((index & 255) === 0 || (index & 255) === 255) continue;
      if (!this.#taken.has(ip)) {
        this.#taken.add(ip);
        return ip;
      }
    }
    throw new Error(`pod network ${this.subnet.cidr} has no free pod IP`);
  }

  allocateClusterIp(): string {
    for (let tries = 0; tries < 254; tries++) {
      const index = this.#nextService;
      this.#nextService = index >= 254 ? 1 : index + 1;
      const ip = `127.${this.subnet.octet}.1.${index}`;
      if (!this.#taken.has(ip)) {
        this.#taken.add(ip);
        return ip;
      }
    }
    throw new Error(`pod network ${this.subnet.cidr} has no free ClusterIP (254 Services at most)`);
  }

  /** Marks an address from an existing object (a Service with spec.clusterIP) as taken. */
  reserve(ip: string): void {
    this.#taken.add(ip);
  }

  release(ip: string): void {
    this.#taken.delete(ip);
  }

  isClusterIp(ip: string): boolean {
    return ip.startsWith(`127.${this.subnet.octet}.1.`);
  }

  contains(ip: string): boolean {
    return ip.startsWith(`127.${this.subnet.octet}.`);
  }
}
