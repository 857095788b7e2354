/**
 * The state of one Vault and the lifecycle shared by every engine: tokens
 * and their parent-child tree, leases, expiry, and the background sweep that
 * revokes what expired and runs due rotations.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { OutboundNetwork } from '../network/outbound.ts';
import type { Barrier } from './barrier.ts';
import type { ServerLog } from './log.ts';
import { DEFAULT_POLICY, type ParsedPolicy, parsePolicy } from './policy.ts';
import type {
  Clock,
  LeaseEntry,
  LeaseRevocation,
  MountEntry,
  TokenEntry,
  VaultState,
} from './types.ts';

/** Vault's default system TTLs: 768h for both default and max lease TTL (vault/mount.go). */
export const SYSTEM_DEFAULT_TTL = 768 * 3600;
export const SYSTEM_MAX_TTL = 768 * 3600;

/** Wait before the sweep retries a failed lease revocation, so an unreachable database logs once per 10 s, not every sweep. */
const REVOKE_RETRY_MS = 10_000;

export type LeaseRevoker = (lease: LeaseRevocation) => Promise<void>;
export type PeriodicTask = () => Promise<void>;

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Returns `length` random base62 characters (Vault token and accessor alphabet). */
export function randomBase62(length: number): string {
  const bytes = randomBytes(length * 2);
  let text = '';
  for (const byte of bytes) {
    if (byte >= 248) continue;
    text += BASE62[byte % 62];
    if (text.length === length) break;
  }
  return text.length === length ? text : text + randomBase62(length - text.length);
}

export function emptyState(): VaultState {
  return {
    clusterId: randomUUID(),
    clusterName: `vault-cluster-${randomBytes(4).toString('hex')}`,
    mounts: {},
    authMounts: {},
    policies: { default: DEFAULT_POLICY },
    tokens: {},
    leases: {},
    audit: {},
  };
}

export function newMount(
  path: string,
  type: string,
  options: Record<string, string> = {},
  description = '',
): MountEntry {
  return {
    path,
    type,
    description,
    accessor: `${type}_${randomBytes(4).toString('hex')}`,
    uuid: randomUUID(),
    options,
    storage: {},
  };
}

export class VaultCore {
  state: VaultState = emptyState();
  readonly barrier: Barrier;
  readonly clock: Clock;
  readonly log: ServerLog;
  readonly network: OutboundNetwork;
  readonly leaseRevokers = new Map<LeaseRevocation['kind'], LeaseRevoker>();
  readonly periodicTasks: PeriodicTask[] = [];
  private policyCache = new Map<string, { text: string; parsed: ParsedPolicy }>();

  constructor(barrier: Barrier, clock: Clock, log: ServerLog, network: OutboundNetwork) {
    this.barrier = barrier;
    this.clock = clock;
    this.log = log;
    this.network = network;
  }

  now(): number {
    return this.clock.now();
  }

  /** Encrypts and stores the current state (no-op while sealed). */
  save(): void {
    this.barrier.save(this.state);
  }

  /** Returns the parsed policy, or undefined when no policy has that name; `root` is built in. */
  policy(name: string): ParsedPolicy | undefined {
    if (name === 'root') return { name: 'root', rules: [] };
    const text = this.state.policies[name];
    if (text === undefined) return undefined;
    const cached = this.policyCache.get(name);
    if (cached !== undefined && cached.text === text) return cached.parsed;
    const parsed = parsePolicy(name, text);
    this.policyCache.set(name, { text, parsed });
    return parsed;
  }

  policiesOf(token: TokenEntry): ParsedPolicy[] {
    return token.policies
      .map((name) => this.policy(name))
      .filter((p): p is ParsedPolicy => p !== undefined);
  }

  /** Returns a live token by id; an expired one is revoked first and reads as missing. */
  async lookupToken(id: string | undefined): Promise<TokenEntry | undefined> {
    if (id === undefined || id === '') return undefined;
    const token = this.state.tokens[id];
    if (token === undefined) return undefined;
    if (token.expireTime !== null && token.expireTime <= this.now()) {
      await this.revokeToken(id, 'expired');
      return undefined;
    }
    return token;
  }

  findByAccessor(accessor: string): TokenEntry | undefined {
    return Object.values(this.state.tokens).find((token) => token.accessor === accessor);
  }

  /** Revokes a token, its child tokens (depth first) and every lease issued under them. */
  async revokeToken(id: string, reason: 'revoked' | 'expired' = 'revoked'): Promise<void> {
    const token = this.state.tokens[id];
    if (token === undefined) return;
    for (const child of Object.values(this.state.tokens)) {
      if (child.parent === id) await this.revokeToken(child.id, reason);
    }
    for (const lease of Object.values(this.state.leases)) {
      if (lease.tokenId === id) await this.revokeLease(lease.id);
    }
    delete this.state.tokens[id];
    this.log.info('token', reason === 'expired' ? 'revoked expired token' : 'revoked token', {
      accessor: token.accessor,
      path: token.path,
    });
    this.save();
  }

  addLease(lease: LeaseEntry): void {
    this.state.leases[lease.id] = lease;
    this.save();
  }

  /** Runs the lease's revocation and deletes the lease. A failed revocation is logged, rethrown and kept for the next sweep. */
  async revokeLease(id: string): Promise<void> {
    const lease = this.state.leases[id];
    if (lease === undefined) return;
    const revoker = this.leaseRevokers.get(lease.revocation.kind);
    try {
      await revoker?.(lease.revocation);
    } catch (error) {
      lease.retryAfter = this.now() + REVOKE_RETRY_MS;
      this.save();
      this.log.error('expiration', 'failed to revoke lease', {
        lease_id: id,
        error: errorText(error),
        retry_in: `${REVOKE_RETRY_MS / 1000}s`,
      });
      throw error;
    }
    delete this.state.leases[id];
    this.log.info('expiration', 'revoked lease', { lease_id: id });
    this.save();
  }

  /** Revokes expired tokens and leases, then runs periodic tasks (static role rotation). */
  async sweep(): Promise<void> {
    const now = this.now();
    for (const token of Object.values(this.state.tokens)) {
      if (
        token.expireTime !== null &&
        token.expireTime <= now &&
        this.state.tokens[token.id] !== undefined
      ) {
        await this.revokeToken(token.id, 'expired');
      }
    }
    for (const lease of Object.values(this.state.leases)) {
      if (lease.expireTime > now || this.state.leases[lease.id] === undefined) continue;
      if (lease.retryAfter !== undefined && lease.retryAfter > now) continue;
      try {
        await this.revokeLease(lease.id);
      } catch {
        // Logged by revokeLease; the lease stays and the next sweep retries it.
      }
    }
    for (const task of this.periodicTasks) await task();
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
