/**
 * The `sys/` backend (vault/logical_system.go): mounts, auth methods,
 * policies, capabilities, leases, audit devices and the seal endpoints.
 */
import { handleAudit } from './audit.ts';
import { newMount, SYSTEM_DEFAULT_TTL, type VaultCore } from './core.ts';
import { formatGoDuration } from './duration.ts';
import { badRequest, forbidden, noHandler, notFound, unsupportedOperation } from './errors.ts';
import { durationField, stringField, stringListField, stringMapField } from './fields.ts';
import { capabilitiesFor, parsePolicy } from './policy.ts';
import { health, init, leader, seal, sealStatus, unseal } from './sys-seal.ts';
import type { HandlerResult, MountEntry, TokenEntry, VaultRequest } from './types.ts';

const LOGICAL_TYPES = new Set(['kv', 'kv-v2', 'database']);
const AUTH_TYPES = new Set(['token', 'kubernetes']);
const RESERVED_MOUNTS = ['sys/', 'auth/', 'cubbyhole/', 'identity/'];

export async function handleSys(
  core: VaultCore,
  request: VaultRequest,
  rest: string,
): Promise<HandlerResult | undefined> {
  const write = request.operation === 'create' || request.operation === 'update';
  if (rest === 'health') return health(core, request);
  if (rest === 'init') return init(core, request);
  if (rest === 'seal-status') return { raw: sealStatus(core) };
  if (rest === 'unseal' && write) return unseal(core, request);
  if (rest === 'seal' && write) return seal(core);
  if (rest === 'leader') return leader(core);

  if (rest === 'mounts' || rest.startsWith('mounts/'))
    return mounts(core, request, rest.slice('mounts'.length).replace(/^\//, ''), false);
  if (rest === 'auth' || rest.startsWith('auth/'))
    return mounts(core, request, rest.slice('auth'.length).replace(/^\//, ''), true);
  if (rest.startsWith('internal/ui/mounts/'))
    return internalMount(core, rest.slice('internal/ui/mounts/'.length));
  if (rest === 'policies/acl' || rest.startsWith('policies/acl/')) {
    return policies(core, request, rest.slice('policies/acl'.length).replace(/^\//, ''), false);
  }
  if (rest === 'policy' || rest.startsWith('policy/'))
    return policies(core, request, rest.slice('policy'.length).replace(/^\//, ''), true);
  if (rest === 'capabilities-self' && write)
    return capabilities(core, request, request.token as TokenEntry);
  if (rest === 'capabilities' && write) {
    const target = await core.lookupToken(stringField(request.body, 'token'));
    if (target === undefined) throw badRequest('invalid token');
    return capabilities(core, request, target);
  }
  if (rest === 'capabilities-accessor' && write) {
    const target = core.findByAccessor(stringField(request.body, 'accessor'));
    if (target === undefined) throw badRequest('invalid accessor');
    return capabilities(core, request, target);
  }
  if (
    rest.startsWith('leases/') ||
    rest === 'renew' ||
    rest === 'revoke' ||
    rest.startsWith('revoke-prefix/')
  ) {
    return leases(core, request, rest.replace(/^leases\//, ''));
  }
  if (rest === 'audit' || rest.startsWith('audit/'))
    return handleAudit(core, request, rest.slice('audit'.length).replace(/^\//, ''), false);
  if (rest.startsWith('audit-hash/'))
    return handleAudit(core, request, rest.slice('audit-hash/'.length), true);
  throw noHandler(`sys/${rest}`);
}

export function mountInfo(mount: MountEntry): Record<string, unknown> {
  return {
    accessor: mount.accessor,
    config: { default_lease_ttl: 0, force_no_cache: false, max_lease_ttl: 0 },
    description: mount.description,
    external_entropy_access: false,
    local: false,
    options:
      mount.type === 'kv'
        ? mount.options
        : Object.keys(mount.options).length === 0
          ? null
          : mount.options,
    plugin_version: '',
    running_plugin_version: '',
    seal_wrap: false,
    type: mount.type,
    uuid: mount.uuid,
  };
}

function mounts(
  core: VaultCore,
  request: VaultRequest,
  rawPath: string,
  auth: boolean,
): HandlerResult | undefined {
  const table = auth ? core.state.authMounts : core.state.mounts;
  const path = rawPath === '' ? '' : `${rawPath.replace(/\/+$/, '').replace(/\/tune$/, '')}/`;
  if (path === '') {
    if (request.operation !== 'read') throw unsupportedOperation();
    const listing: Record<string, unknown> = {};
    for (const mount of Object.values(table))
      listing[auth ? mount.path : mount.path] = mountInfo(mount);
    return { data: listing };
  }
  const existing = table[path];
  if (request.operation === 'read') {
    if (existing === undefined) throw badRequest(`cannot fetch sysview for path "${path}"`);
    return {
      data: {
        ...mountInfo(existing),
        default_lease_ttl: SYSTEM_DEFAULT_TTL,
        max_lease_ttl: SYSTEM_DEFAULT_TTL,
      },
    };
  }
  if (request.operation === 'delete') {
    if (existing === undefined) return undefined;
    if (auth && path === 'token/') throw badRequest('token credential backend cannot be disabled');
    delete table[path];
    for (const lease of Object.values(core.state.leases)) {
      if (lease.id.startsWith(path)) delete core.state.leases[lease.id];
    }
    core.save();
    core.log.info('core', auth ? 'disabled credential backend' : 'successfully unmounted', {
      path,
    });
    return undefined;
  }
  if (request.operation !== 'create' && request.operation !== 'update')
    throw unsupportedOperation();
  if (rawPath.endsWith('/tune')) return undefined;
  return enableMount(core, request, path, auth);
}

function enableMount(
  core: VaultCore,
  request: VaultRequest,
  path: string,
  auth: boolean,
): undefined {
  const table = auth ? core.state.authMounts : core.state.mounts;
  let type = stringField(request.body, 'type');
  if (type === '') throw badRequest('backend type must be specified as a string');
  const options = stringMapField(request.body, 'options') ?? {};
  const known = auth ? AUTH_TYPES : LOGICAL_TYPES;
  if (!known.has(type)) {
    throw badRequest(
      `plugin not found in the catalog: ${type} (the embedded Vault supports ${[...known].join(', ')})`,
    );
  }
  if (type === 'kv-v2') {
    type = 'kv';
    options.version = '2';
  }
  if (type === 'kv') {
    options.version = options.version === '2' ? '2' : '1';
  }
  if (!auth && RESERVED_MOUNTS.some((reserved) => path.startsWith(reserved))) {
    throw badRequest(`cannot mount "${path}" of type "${type}": the path is reserved`);
  }
  for (const existing of Object.keys(table)) {
    if (path.startsWith(existing) || existing.startsWith(path))
      throw badRequest(`path is already in use at ${existing}`);
  }
  table[path] = newMount(path, type, options, stringField(request.body, 'description'));
  core.save();
  core.log.info('core', auth ? 'enabled credential backend' : 'successful mount', { path, type });
  return undefined;
}

/** Returns the mount a path falls under (longest prefix), for `sys/internal/ui/mounts/<path>`. */
export function findMount(table: Record<string, MountEntry>, path: string): MountEntry | undefined {
  let best: MountEntry | undefined;
  const withSlash = path.endsWith('/') ? path : `${path}/`;
  for (const mount of Object.values(table)) {
    if (
      withSlash.startsWith(mount.path) &&
      (best === undefined || mount.path.length > best.path.length)
    )
      best = mount;
  }
  return best;
}

function internalMount(core: VaultCore, path: string): HandlerResult {
  const mount = path.startsWith('auth/')
    ? findMount(core.state.authMounts, path.slice(5))
    : findMount(core.state.mounts, path);
  if (mount === undefined) throw forbidden();
  return { data: { ...mountInfo(mount), path: mount.path } };
}

function policies(
  core: VaultCore,
  request: VaultRequest,
  name: string,
  legacy: boolean,
): HandlerResult | undefined {
  const policyName = name.toLowerCase();
  if (name === '') {
    if (request.operation !== 'list' && request.operation !== 'read') throw unsupportedOperation();
    const names = [
      'default',
      ...Object.keys(core.state.policies)
        .filter((n) => n !== 'default')
        .sort(),
      'root',
    ];
    if (request.operation === 'list')
      return { data: { keys: names.filter((n) => n !== 'root' || legacy) } };
    return { data: { policies: names, keys: names } };
  }

  if (request.operation === 'read') {
    const text = policyName === 'root' ? '' : core.state.policies[policyName];
    if (text === undefined) throw notFound();
    return {
      data: legacy ? { name: policyName, rules: text } : { name: policyName, policy: text },
    };
  }
  if (request.operation === 'delete') {
    if (policyName === 'default' || policyName === 'root')
      throw badRequest(`cannot delete "${policyName}" policy`);
    delete core.state.policies[policyName];
    core.save();
    return undefined;
  }
  if (request.operation !== 'create' && request.operation !== 'update')
    throw unsupportedOperation();

  if (policyName === 'root') throw badRequest('cannot update "root" policy');
  const text = stringField(
    request.body,
    'policy',
    legacy ? stringField(request.body, 'rules') : '',
  );
  if (text.trim() === '') throw badRequest("'policy' parameter not supplied or empty");
  parsePolicy(policyName, text);
  core.state.policies[policyName] = text;
  core.save();
  return undefined;
}

function capabilities(core: VaultCore, request: VaultRequest, token: TokenEntry): HandlerResult {
  const paths =
    stringListField(request.body, 'paths') ?? stringListField(request.body, 'path') ?? [];
  if (paths.length === 0) throw badRequest("'paths' parameter not supplied or empty");
  const data: Record<string, unknown> = {};
  let last: string[] = [];
  for (const path of paths) {
    const list = capabilityNames(core, token, path.replace(/^\/+/, ''));
    data[path] = list;
    last = list;
  }
  data.capabilities = last;
  return { data };
}

export function capabilityNames(core: VaultCore, token: TokenEntry, path: string): string[] {
  if (token.policies.includes('root')) return ['root'];
  const decision = capabilitiesFor(core.policiesOf(token), path);
  const names = [...decision.capabilities].sort();
  return names.length === 0 ? ['deny'] : names;
}

/**
 * LIST sys/leases/lookup/<prefix>: the next path segment of every lease under
 * the prefix, folders with a trailing `/`, as Vault's handleLeaseLookupList
 * (vault/logical_system.go) answers; no lease under it is a 404.
 */
function listLeases(core: VaultCore, prefix: string): HandlerResult {
  const keys = new Set<string>();
  for (const lease of Object.values(core.state.leases)) {
    if (!lease.id.startsWith(prefix)) continue;
    const remainder = lease.id.slice(prefix.length);
    const slash = remainder.indexOf('/');
    keys.add(slash === -1 ? remainder : remainder.slice(0, slash + 1));
  }
  if (keys.size === 0) throw notFound();
  return { data: { keys: [...keys].sort() } };
}

async function leases(
  core: VaultCore,
  request: VaultRequest,
  rest: string,
): Promise<HandlerResult | undefined> {
  if (request.operation === 'list' && rest.startsWith('lookup/')) {
    return listLeases(core, rest.slice('lookup/'.length));
  }
  if (request.operation !== 'create' && request.operation !== 'update')
    throw unsupportedOperation();
  const [action = '', ...tail] = rest.split('/');
  const fromPath = tail.join('/');
  const leaseId = stringField(request.body, 'lease_id', fromPath);
  switch (action) {
    case 'lookup': {
      const lease = core.state.leases[leaseId];
      if (lease === undefined) throw badRequest('invalid lease');
      return {
        data: {
          id: lease.id,
          issue_time: new Date(lease.issueTime).toISOString(),
          expire_time: new Date(lease.expireTime).toISOString(),
          last_renewal:
            lease.lastRenewal === null ? null : new Date(lease.lastRenewal).toISOString(),
          renewable: lease.renewable,
          ttl: Math.max(0, Math.floor((lease.expireTime - core.now()) / 1000)),
        },
      };
    }
    case 'renew': {
      const lease = core.state.leases[leaseId];
      if (leaseId === '') throw badRequest('lease_id must be specified');
      if (lease === undefined) throw badRequest('lease not found');
      if (!lease.renewable) throw badRequest('lease is not renewable');
      const now = core.now();
      if (lease.expireTime <= now) throw badRequest('lease expired');
      const increment =
        durationField(request.body, 'increment', 0) ||
        Math.round((lease.expireTime - lease.issueTime) / 1000);
      const limit = lease.issueTime + lease.maxTtl * 1000;
      lease.expireTime = Math.min(now + increment * 1000, limit);
      lease.lastRenewal = now;
      core.save();
      const ttl = Math.floor((lease.expireTime - now) / 1000);
      const warnings: string[] = [];
      if (now + increment * 1000 > limit) {
        warnings.push(
          `TTL of "${formatGoDuration(increment)}" exceeded the effective max_ttl of "${formatGoDuration(ttl)}"; TTL value is capped accordingly`,
        );
      }
      return { data: null, leaseId: lease.id, leaseDuration: ttl, renewable: true, warnings };
    }
    case 'revoke':
      if (leaseId === '') throw badRequest('lease_id must be specified');
      await core.revokeLease(leaseId);
      return undefined;
    case 'revoke-prefix':
    case 'revoke-force': {
      const prefix = fromPath;
      for (const lease of Object.values(core.state.leases)) {
        if (lease.id.startsWith(prefix)) await core.revokeLease(lease.id);
      }
      return undefined;
    }
    default:
      throw noHandler(`sys/leases/${rest}`);
  }
}
