/**
 * The token auth method (`auth/token/...`), following
 * vault/token_store.go: creation with TTL, explicit max TTL, period and
 * num_uses, lookup, renewal and revocation of the parent-child tree.
 */
import { randomBase62, SYSTEM_DEFAULT_TTL, SYSTEM_MAX_TTL, type VaultCore } from './core.ts';
import { formatGoDuration } from './duration.ts';
import { badRequest, forbidden, VaultError } from './errors.ts';
import {
  boolField,
  durationField,
  intField,
  stringField,
  stringListField,
  stringMapField,
} from './fields.ts';
import { capabilitiesFor } from './policy.ts';
import type { AuthBlock, HandlerResult, TokenEntry, VaultRequest } from './types.ts';

export interface NewTokenParameters {
  policies: string[];
  parent: TokenEntry | undefined;
  meta: Record<string, string> | null;
  displayName: string;
  ttl: number;
  explicitMaxTtl: number;
  period: number;
  numUses: number;
  renewable: boolean;
  path: string;
  /** Upper bound from the issuing role (kubernetes `token_max_ttl`); 0 for the system max. */
  maxTtl?: number;
  authMetadata?: Record<string, string> | null;
}

/** Creates and stores a token; returns it with any TTL-capping warnings. */
export function issueToken(
  core: VaultCore,
  parameters: NewTokenParameters,
): { token: TokenEntry; warnings: string[] } {
  const warnings: string[] = [];
  const now = core.now();
  const isRoot = parameters.policies.includes('root');
  let ttl = parameters.ttl;
  let expireTime: number | null;
  let renewable = parameters.renewable;

  if (isRoot && ttl === 0 && parameters.period === 0 && parameters.explicitMaxTtl === 0) {
    expireTime = null;
    renewable = false;
  } else {
    const maxTtl =
      parameters.maxTtl !== undefined && parameters.maxTtl > 0 ? parameters.maxTtl : SYSTEM_MAX_TTL;
    const effectiveMax =
      parameters.explicitMaxTtl > 0 ? Math.min(parameters.explicitMaxTtl, maxTtl) : maxTtl;
    if (parameters.period > 0) ttl = parameters.period;
    if (ttl === 0) ttl = SYSTEM_DEFAULT_TTL;
    if (ttl > effectiveMax && (parameters.period === 0 || parameters.explicitMaxTtl > 0)) {
      warnings.push(
        `TTL of "${formatGoDuration(ttl)}" exceeded the effective max_ttl of "${formatGoDuration(effectiveMax)}"; TTL value is capped accordingly`,
      );
      ttl = effectiveMax;
    }
    expireTime = now + ttl * 1000;
  }

  const token: TokenEntry = {
    id: `hvs.${randomBase62(24)}`,
    accessor: randomBase62(24),
    policies: parameters.policies,
    parent: parameters.parent?.id ?? '',
    meta: parameters.meta,
    displayName: parameters.displayName,
    numUses: parameters.numUses,
    creationTime: Math.floor(now / 1000),
    creationTtl: expireTime === null ? 0 : ttl,
    expireTime,
    explicitMaxTtl: parameters.explicitMaxTtl,
    period: parameters.period,
    renewable,
    orphan: parameters.parent === undefined,
    path: parameters.path,
    issueTime: now,
    authMetadata: parameters.authMetadata ?? null,
  };
  core.state.tokens[token.id] = token;
  core.save();
  return { token, warnings };
}

export function authBlock(core: VaultCore, token: TokenEntry): AuthBlock {
  return {
    client_token: token.id,
    accessor: token.accessor,
    policies: token.policies,
    token_policies: token.policies,
    identity_policies: null,
    metadata: token.authMetadata ?? token.meta,
    lease_duration: ttlLeft(core, token),
    renewable: token.renewable,
    entity_id: '',
    token_type: 'service',
    orphan: token.orphan,
    mfa_requirement: null,
    num_uses: token.numUses,
  };
}

function ttlLeft(core: VaultCore, token: TokenEntry): number {
  if (token.expireTime === null) return 0;
  return Math.max(0, Math.round((token.expireTime - core.now()) / 1000));
}

export function lookupData(
  core: VaultCore,
  token: TokenEntry,
  showId: boolean,
): Record<string, unknown> {
  return {
    accessor: token.accessor,
    creation_time: token.creationTime,
    creation_ttl: token.creationTtl,
    display_name: token.displayName,
    entity_id: '',
    expire_time: token.expireTime === null ? null : new Date(token.expireTime).toISOString(),
    explicit_max_ttl: token.explicitMaxTtl,
    id: showId ? token.id : '',
    issue_time: new Date(token.issueTime).toISOString(),
    meta: token.authMetadata ?? token.meta,
    num_uses: token.numUses,
    orphan: token.orphan,
    path: token.path,
    period: token.period === 0 ? undefined : token.period,
    policies: token.policies,
    renewable: token.renewable,
    ttl: ttlLeft(core, token),
    type: 'service',
  };
}

function hasSudo(core: VaultCore, token: TokenEntry, path: string): boolean {
  return capabilitiesFor(core.policiesOf(token), path).capabilities.has('sudo');
}

async function createToken(
  core: VaultCore,
  request: VaultRequest,
  orphanPath: boolean,
): Promise<HandlerResult> {
  const parent = request.token as TokenEntry;
  const body = request.body;
  const noParent = orphanPath || boolField(body, 'no_parent', false);
  const parentIsPrivileged = hasSudo(
    core,
    parent,
    orphanPath ? 'auth/token/create-orphan' : 'auth/token/create',
  );
  if (noParent && !orphanPath && !parentIsPrivileged) {
    throw badRequest('root or sudo privileges required to create orphan token');
  }

  const requested = stringListField(body, 'policies');
  let policies =
    requested === undefined || requested.length === 0
      ? parent.policies.filter((p) => p !== 'default')
      : requested;
  const noDefault = boolField(body, 'no_default_policy', false);
  if (!noDefault && !policies.includes('default') && !policies.includes('root'))
    policies = [...policies, 'default'];
  policies = [...new Set(policies)].sort();
  if (!parentIsPrivileged && !parent.policies.includes('root')) {
    const allowed = new Set([...parent.policies, 'default']);
    if (policies.some((p) => !allowed.has(p)))
      throw badRequest('child policies must be subset of parent');
  }
  if (policies.includes('root') && !parent.policies.includes('root')) {
    throw badRequest('root tokens may not be created without parent token being root');
  }

  const type = stringField(body, 'type', 'service');
  if (type !== 'service' && type !== 'default') {
    throw badRequest(
      `unsupported token type "${type}": the embedded Vault issues service tokens only`,
    );
  }
  const numUses = intField(body, 'num_uses', 0);
  if (numUses < 0) throw badRequest('number of uses cannot be negative');

  const { token, warnings } = issueToken(core, {
    policies,
    parent: noParent ? undefined : parent,
    meta: stringMapField(body, 'meta') ?? null,
    displayName: `token${stringField(body, 'display_name') === '' ? '' : `-${stringField(body, 'display_name')}`}`,
    ttl: durationField(body, 'ttl', durationField(body, 'lease', 0)),
    explicitMaxTtl: durationField(body, 'explicit_max_ttl'),
    period: durationField(body, 'period'),
    numUses,
    renewable: boolField(body, 'renewable', true),
    path: orphanPath ? 'auth/token/create-orphan' : 'auth/token/create',
  });
  for (const name of policies) {
    if (name !== 'root' && core.state.policies[name] === undefined)
      warnings.push(`Policy "${name}" does not exist`);
  }
  return { data: null, auth: authBlock(core, token), warnings };
}

/** Extends a token's TTL by `increment` seconds, bounded by its explicit and system max TTL. */
export function renewToken(core: VaultCore, token: TokenEntry, increment: number): HandlerResult {
  if (!token.renewable || token.expireTime === null)
    throw badRequest('lease not found or lease is not renewable');
  const now = core.now();
  if (token.expireTime <= now) throw badRequest('lease expired');

  let ttl = token.creationTtl;
  if (increment > 0) ttl = increment;
  if (token.period > 0) ttl = token.period;
  const warnings: string[] = [];
  const limits = [token.issueTime + SYSTEM_MAX_TTL * 1000];
  if (token.explicitMaxTtl > 0) limits.push(token.issueTime + token.explicitMaxTtl * 1000);
  const limit = Math.min(...limits);
  if (now + ttl * 1000 > limit) {
    const capped = Math.max(0, Math.floor((limit - now) / 1000));
    warnings.push(
      `TTL of "${formatGoDuration(ttl)}" exceeded the effective max_ttl of "${formatGoDuration(capped)}"; TTL value is capped accordingly`,
    );
    ttl = capped;
  }
  token.expireTime = now + ttl * 1000;
  core.save();
  return { data: null, auth: authBlock(core, token), warnings };
}

function bodyToken(request: VaultRequest): string {
  const value = stringField(request.body, 'token');
  if (value === '') throw badRequest('missing token');
  return value;
}

/** Routes `auth/token/<rest>`. */
export async function handleTokenPath(
  core: VaultCore,
  request: VaultRequest,
  rest: string,
): Promise<HandlerResult | undefined> {
  const token = request.token as TokenEntry;
  const write = request.operation === 'create' || request.operation === 'update';
  switch (rest) {
    case 'create':
      if (write) return createToken(core, request, false);
      break;
    case 'create-orphan':
      if (write) return createToken(core, request, true);
      break;
    case 'lookup-self':
      if (request.operation === 'read' || write) return { data: lookupData(core, token, true) };
      break;
    case 'lookup': {
      if (!write && request.operation !== 'read') break;
      const target = await core.lookupToken(
        request.operation === 'read' ? (request.query.get('token') ?? '') : bodyToken(request),
      );
      if (target === undefined) throw forbidden('bad token');
      return { data: lookupData(core, target, true) };
    }
    case 'lookup-accessor': {
      if (!write) break;
      const accessor = stringField(request.body, 'accessor');
      if (accessor === '') throw badRequest('missing accessor');
      const target = core.findByAccessor(accessor);
      if (target === undefined || (await core.lookupToken(target.id)) === undefined)
        throw badRequest('invalid accessor');
      return { data: lookupData(core, target, false) };
    }
    case 'renew-self':
      if (write) return renewToken(core, token, durationField(request.body, 'increment'));
      break;
    case 'renew': {
      if (!write) break;
      const target = await core.lookupToken(bodyToken(request));
      if (target === undefined) throw badRequest('token not found');
      return renewToken(core, target, durationField(request.body, 'increment'));
    }
    case 'revoke-self':
      if (write) {
        await core.revokeToken(token.id);
        return undefined;
      }
      break;
    case 'revoke':
      if (write) {
        await core.revokeToken(bodyToken(request));
        return undefined;
      }
      break;
    case 'revoke-accessor': {
      if (!write) break;
      const accessor = stringField(request.body, 'accessor');
      if (accessor === '') throw badRequest('missing accessor');
      const target = core.findByAccessor(accessor);
      if (target !== undefined) await core.revokeToken(target.id);
      return undefined;
    }
    default:
      if (rest.startsWith('create/'))
        throw badRequest(`unknown role: ${rest.slice('create/'.length)}`);
      throw new VaultError(
        404,
        `no handler for route "auth/token/${rest}". route entry not found.`,
      );
  }
  throw new VaultError(405, 'unsupported operation');
}
