/**
 * The seal endpoints: `sys/health`, `sys/seal-status`, `sys/init`,
 * `sys/unseal`, `sys/seal` and `sys/leader` (vault/http/sys_health.go,
 * sys_seal.go, sys_init.go, sys_leader.go).
 */
import { emptyState, newMount, type VaultCore } from './core.ts';
import { badRequest, VaultError } from './errors.ts';
import { boolField, intField, stringField } from './fields.ts';
import { issueToken } from './tokens.ts';
import type { HandlerResult, VaultRequest } from './types.ts';

/** The Vault release this emulator reports and follows. */
export const VAULT_VERSION = '1.17.2';
const BUILD_DATE = '2024-07-05T15:19:12Z';

export function sealStatus(core: VaultCore): Record<string, unknown> {
  const config = core.barrier.sealConfig;
  const sealed = core.barrier.sealed;
  return {
    type: 'shamir',
    initialized: config !== undefined,
    sealed,
    t: config?.secretThreshold ?? 0,
    n: config?.secretShares ?? 0,
    progress: core.barrier.progress,
    nonce: '',
    version: VAULT_VERSION,
    build_date: BUILD_DATE,
    migration: false,
    ...(sealed ? {} : { cluster_name: core.state.clusterName, cluster_id: core.state.clusterId }),
    recovery_seal: false,
    storage_type: core.barrier.dataDir === undefined ? 'inmem' : 'file',
  };
}

function statusCode(query: URLSearchParams, name: string, fallback: number): number {
  const value = query.get(name);
  if (value === null || value === '') return fallback;
  if (!/^\d+$/.test(value))
    throw badRequest(
      `failed to parse ${name} value "${value}": must be an integer HTTP status code`,
    );
  return Number.parseInt(value, 10);
}

export function health(core: VaultCore, request: VaultRequest): HandlerResult {
  const initialized = core.barrier.initialized;
  const sealed = core.barrier.sealed;
  const codes = {
    active: statusCode(request.query, 'activecode', 200),
    uninit: statusCode(request.query, 'uninitcode', 501),
    sealed: statusCode(request.query, 'sealedcode', 503),
    standby: statusCode(request.query, 'standbycode', 429),
  };
  let status = codes.active;
  if (!initialized) status = codes.uninit;
  else if (sealed) status = codes.sealed;
  return {
    status,
    raw: {
      initialized,
      sealed,
      standby: false,
      performance_standby: false,
      replication_performance_mode: 'disabled',
      replication_dr_mode: 'disabled',
      server_time_utc: Math.floor(core.now() / 1000),
      version: VAULT_VERSION,
      enterprise: false,
      ...(sealed ? {} : { cluster_name: core.state.clusterName, cluster_id: core.state.clusterId }),
      echo_duration_ms: 0,
      clock_skew_ms: 0,
    },
  };
}

export async function init(core: VaultCore, request: VaultRequest): Promise<HandlerResult> {
  if (request.operation === 'read') return { raw: { initialized: core.barrier.initialized } };
  if (core.barrier.initialized) throw badRequest('Vault is already initialized');
  const shares = intField(request.body, 'secret_shares', 0);
  const threshold = intField(request.body, 'secret_threshold', 0);
  if (shares < 1) throw badRequest('secret shares must be at least one');
  if (threshold < 1) throw badRequest('secret threshold must be at least one');
  if (shares > 1 && threshold === 1)
    throw badRequest('secret threshold must be greater than one for multiple shares');
  if (threshold > shares) throw badRequest('secret threshold cannot be larger than secret shares');
  if (shares > 255) throw badRequest('secret shares must be at most 255');

  const { keys, rootToken } = await initialize(core, shares, threshold, false, undefined);
  return {
    raw: {
      keys: keys.map((key) => key.toString('hex')),
      keys_base64: keys.map((key) => key.toString('base64')),
      root_token: rootToken,
    },
  };
}

/** Creates the first state (token auth, default policy, root token) and seals it under new shares. */
export async function initialize(
  core: VaultCore,
  shares: number,
  threshold: number,
  dev: boolean,
  rootTokenId: string | undefined,
): Promise<{ keys: Buffer[]; rootToken: string }> {
  core.state = emptyState();
  core.state.authMounts['token/'] = newMount('token/', 'token', {}, 'token based credentials');
  if (dev)
    core.state.mounts['secret/'] = newMount(
      'secret/',
      'kv',
      { version: '2' },
      'key/value secret storage',
    );
  const { token } = issueToken(core, {
    policies: ['root'],
    parent: undefined,
    meta: null,
    displayName: 'root',
    ttl: 0,
    explicitMaxTtl: 0,
    period: 0,
    numUses: 0,
    renewable: false,
    path: 'auth/token/root',
  });
  if (rootTokenId !== undefined && rootTokenId !== '') {
    delete core.state.tokens[token.id];
    token.id = rootTokenId;
    core.state.tokens[rootTokenId] = token;
  }
  const keys = await core.barrier.initialize(
    { secretShares: shares, secretThreshold: threshold },
    core.state,
  );
  core.state = emptyState();
  core.log.info('core', 'security barrier initialized', { stored: 0, shares, threshold });
  return { keys, rootToken: token.id };
}

function decodeKey(text: string): Buffer {
  if (/^[0-9a-fA-F]+$/.test(text) && text.length % 2 === 0) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(text) && text.length % 4 === 0)
    return Buffer.from(text, 'base64');
  throw badRequest("'key' must be a valid hex or base64 string");
}

export async function unseal(core: VaultCore, request: VaultRequest): Promise<HandlerResult> {
  const key = stringField(request.body, 'key');
  const reset = boolField(request.body, 'reset', false);
  if (reset) {
    core.barrier.resetProgress();
    return { raw: sealStatus(core) };
  }
  if (key === '')
    throw badRequest("'key' must be specified in request body as JSON, or 'reset' set to true");
  const share = decodeKey(key);
  if (!core.barrier.initialized) throw badRequest('Vault is not initialized');
  if (!core.barrier.sealed) return { raw: sealStatus(core) };

  let state: Awaited<ReturnType<typeof core.barrier.addShare>>;
  try {
    state = await core.barrier.addShare(share);
  } catch (error) {
    core.log.error('core', 'failed to unseal', {
      error: error instanceof Error ? error.message : String(error),
    });
    throw error;
  }
  if (state !== undefined) {
    core.state = state;
    core.log.info('core', 'vault is unsealed');
  }
  return { raw: sealStatus(core) };
}

export function seal(core: VaultCore): undefined {
  core.barrier.seal();
  core.state = emptyState();
  core.log.info('core', 'vault is sealed');
  return undefined;
}

export function leader(core: VaultCore): HandlerResult {
  if (core.barrier.sealed) throw new VaultError(503, 'Vault is sealed');
  return {
    raw: {
      ha_enabled: false,
      is_self: false,
      active_time: '0001-01-01T00:00:00Z',
      leader_address: '',
      leader_cluster_address: '',
      performance_standby: false,
      performance_standby_last_remote_wal: 0,
    },
  };
}
