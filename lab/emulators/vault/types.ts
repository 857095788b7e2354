/**
 * Shared shapes of the embedded Vault: the persisted state (one JSON document,
 * encrypted at rest), a parsed request and a handler's result.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** Time source in milliseconds since the epoch; tests inject a manual one. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export type Operation = 'read' | 'list' | 'create' | 'update' | 'patch' | 'delete';

export interface MountEntry {
  /** Mount path with a trailing slash, for example `secret/`. */
  path: string;
  type: string;
  description: string;
  accessor: string;
  uuid: string;
  options: Record<string, string>;
  /** The engine's own data. */
  storage: Record<string, unknown>;
}

export interface TokenEntry {
  id: string;
  accessor: string;
  policies: string[];
  parent: string;
  meta: Record<string, string> | null;
  displayName: string;
  /** Uses left; 0 means unlimited. */
  numUses: number;
  /** Unix seconds. */
  creationTime: number;
  /** Seconds; 0 for a non-expiring token. */
  creationTtl: number;
  /** Milliseconds since the epoch, or null when the token never expires. */
  expireTime: number | null;
  /** Seconds, 0 when unset. */
  explicitMaxTtl: number;
  /** Seconds, 0 when unset. */
  period: number;
  renewable: boolean;
  orphan: boolean;
  /** Creation path, for example `auth/token/create` or `auth/kubernetes/login`. */
  path: string;
  /** Milliseconds since the epoch. */
  issueTime: number;
  /** Metadata shown in `auth.metadata` (kubernetes login). */
  authMetadata: Record<string, string> | null;
}

/** The work that revoking a lease must undo. */
export type LeaseRevocation = {
  kind: 'database';
  mount: string;
  dbName: string;
  roleName: string;
  username: string;
  revocationStatements: string[];
};

export interface LeaseEntry {
  id: string;
  /** Token that created the lease; revoking it revokes the lease. */
  tokenId: string;
  /** Milliseconds since the epoch. */
  issueTime: number;
  expireTime: number;
  lastRenewal: number | null;
  renewable: boolean;
  /** Seconds: the role's max TTL, capping renewals. */
  maxTtl: number;
  revocation: LeaseRevocation;
  /** After a failed revocation, the sweep retries no earlier than this (ms since the epoch). */
  retryAfter?: number;
}

export interface AuditDeviceEntry {
  path: string;
  type: 'file';
  description: string;
  options: Record<string, string>;
  salt: string;
}

export interface VaultState {
  clusterId: string;
  clusterName: string;
  mounts: Record<string, MountEntry>;
  authMounts: Record<string, MountEntry>;
  /** Policy name to its HCL text. */
  policies: Record<string, string>;
  tokens: Record<string, TokenEntry>;
  leases: Record<string, LeaseEntry>;
  audit: Record<string, AuditDeviceEntry>;
}

export interface VaultRequest {
  id: string;
  method: string;
  operation: Operation;
  /** Path after `/v1/`, without a leading slash. */
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  clientToken: string | undefined;
  token: TokenEntry | undefined;
  remoteAddress: string;
  /** Mount the request was routed to, when any. */
  mount?: MountEntry;
  /** Path inside the mount. */
  mountRelative?: string;
  /** Policies that granted the request (for the audit log). */
  grantingPolicies?: string[];
}

export interface AuthBlock {
  client_token: string;
  accessor: string;
  policies: string[];
  token_policies: string[];
  identity_policies: null;
  metadata: Record<string, string> | null;
  lease_duration: number;
  renewable: boolean;
  entity_id: string;
  token_type: 'service';
  orphan: boolean;
  mfa_requirement: null;
  num_uses: number;
}

/** A handler's result; undefined means 204 No Content. */
export interface HandlerResult {
  status?: number;
  data?: Record<string, unknown> | null;
  auth?: AuthBlock | null;
  leaseId?: string;
  leaseDuration?: number;
  renewable?: boolean;
  warnings?: string[];
  /** A body sent as is, without the envelope (sys/health, sys/init). */
  raw?: Record<string, unknown>;
}

export type Handler = (
  request: VaultRequest,
) => Promise<HandlerResult | undefined> | HandlerResult | undefined;
