/**
 * The KV secrets engine, version 1 and 2 (hashicorp/vault-plugin-secrets-kv:
 * path_data.go, path_metadata.go, path_delete.go, path_destroy.go,
 * path_config.go), on the mount's own storage.
 */
import type { VaultCore } from './core.ts';
import { badRequest, notFound, unsupportedOperation } from './errors.ts';
import { boolField, durationField, intField, stringMapField } from './fields.ts';
import type { HandlerResult, MountEntry, VaultRequest } from './types.ts';

interface KvVersion {
  createdTime: string;
  deletionTime: string;
  destroyed: boolean;
  data: Record<string, unknown> | null;
}

interface KvSecret {
  createdTime: string;
  updatedTime: string;
  currentVersion: number;
  oldestVersion: number;
  maxVersions: number;
  casRequired: boolean;
  deleteVersionAfter: number;
  customMetadata: Record<string, string> | null;
  versions: Record<string, KvVersion>;
}

interface KvV2Storage {
  config: { maxVersions: number; casRequired: boolean; deleteVersionAfter: number };
  secrets: Record<string, KvSecret>;
}

const DEFAULT_MAX_VERSIONS = 10;
/** KV v1 reads report the mount's default lease TTL (768h) as `lease_duration`. */
const V1_LEASE_SECONDS = 768 * 3600;

export const V1_PATH_WARNING =
  "Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv get' for this operation.";

export function kvVersion(mount: MountEntry): 1 | 2 {
  return mount.options.version === '2' ? 2 : 1;
}

function v1Entries(mount: MountEntry): Record<string, Record<string, unknown>> {
  mount.storage.entries ??= {};
  return mount.storage.entries as Record<string, Record<string, unknown>>;
}

function v2Storage(mount: MountEntry): KvV2Storage {
  mount.storage.config ??= { maxVersions: 0, casRequired: false, deleteVersionAfter: 0 };
  mount.storage.secrets ??= {};
  return mount.storage as unknown as KvV2Storage;
}

/** Returns the direct children of `prefix` among `keys`, folders with a trailing `/`. */
export function listChildren(keys: Iterable<string>, prefix: string): string[] {
  const children = new Set<string>();
  for (const key of keys) {
    if (!key.startsWith(prefix) || key === prefix) continue;
    const rest = key.slice(prefix.length);
    const slash = rest.indexOf('/');
    children.add(slash < 0 ? rest : rest.slice(0, slash + 1));
  }
  return [...children].sort();
}

/** Reports whether a write creates a new entry (ACL `create`) or changes one (`update`). */
export function kvEntryExists(mount: MountEntry, relative: string): boolean {
  if (kvVersion(mount) === 1) return v1Entries(mount)[relative] !== undefined;
  const match = /^(data|metadata)\/(.+)$/.exec(relative);
  if (match === null) return true;
  return v2Storage(mount).secrets[match[2] as string] !== undefined;
}

export function handleKv(
  core: VaultCore,
  request: VaultRequest,
  mount: MountEntry,
  relative: string,
): HandlerResult | undefined {
  return kvVersion(mount) === 2
    ? handleKvV2(core, request, mount, relative)
    : handleKvV1(core, request, mount, relative);
}

function handleKvV1(
  core: VaultCore,
  request: VaultRequest,
  mount: MountEntry,
  relative: string,
): HandlerResult | undefined {
  const entries = v1Entries(mount);
  switch (request.operation) {
    case 'read': {
      const data = entries[relative];
      if (data === undefined) throw notFound();
      return { data, leaseDuration: V1_LEASE_SECONDS };
    }
    case 'list': {
      const prefix = relative === '' || relative.endsWith('/') ? relative : `${relative}/`;
      const keys = listChildren(Object.keys(entries), prefix);
      if (keys.length === 0) throw notFound();
      return { data: { keys } };
    }
    case 'create':
    case 'update':
      if (Object.keys(request.body).length === 0) throw badRequest('missing data fields');
      entries[relative] = request.body;
      core.save();
      return undefined;
    case 'delete':
      delete entries[relative];
      core.save();
      return undefined;
    default:
      throw unsupportedOperation();
  }
}

function now(core: VaultCore): string {
  return new Date(core.now()).toISOString();
}

function versionMetadata(secret: KvSecret, version: number): Record<string, unknown> {
  const entry = secret.versions[String(version)] as KvVersion;
  return {
    created_time: entry.createdTime,
    custom_metadata: secret.customMetadata,
    deletion_time: entry.deletionTime,
    destroyed: entry.destroyed,
    version,
  };
}

function handleKvV2(
  core: VaultCore,
  request: VaultRequest,
  mount: MountEntry,
  relative: string,
): HandlerResult | undefined {
  const storage = v2Storage(mount);
  if (relative === 'config') return kvConfig(core, request, storage);
  const match = /^(data|metadata|delete|undelete|destroy)\/(.*)$/.exec(relative);
  if (match === null) {
    // Every operation on a path outside data/, metadata/ and friends gets
    // the same 404 with a warning (vault-plugin-secrets-kv, backend.go).
    return { status: 404, data: null, warnings: [V1_PATH_WARNING] };
  }
  const [, kind, key] = match as unknown as [string, string, string];
  switch (kind) {
    case 'data':
      return kvData(core, request, storage, key);
    case 'metadata':
      return kvMetadata(core, request, storage, key);
    default:
      return kvVersions(core, request, storage, key, kind as 'delete' | 'undelete' | 'destroy');
  }
}

function kvConfig(
  core: VaultCore,
  request: VaultRequest,
  storage: KvV2Storage,
): HandlerResult | undefined {
  if (request.operation === 'read') {
    return {
      data: {
        cas_required: storage.config.casRequired,
        delete_version_after: `${storage.config.deleteVersionAfter}s`,
        max_versions: storage.config.maxVersions,
      },
    };
  }
  if (request.operation !== 'create' && request.operation !== 'update')
    throw unsupportedOperation();
  storage.config.maxVersions = intField(request.body, 'max_versions', storage.config.maxVersions);
  storage.config.casRequired = boolField(request.body, 'cas_required', storage.config.casRequired);
  storage.config.deleteVersionAfter = durationField(
    request.body,
    'delete_version_after',
    storage.config.deleteVersionAfter,
  );
  core.save();
  return undefined;
}

function kvData(
  core: VaultCore,
  request: VaultRequest,
  storage: KvV2Storage,
  key: string,
): HandlerResult | undefined {
  const secret = storage.secrets[key];
  switch (request.operation) {
    case 'read': {
      if (secret === undefined || secret.currentVersion === 0) throw notFound();
      const requested = intField(Object.fromEntries(request.query), 'version', 0);
      const version = requested === 0 ? secret.currentVersion : requested;
      const entry = secret.versions[String(version)];
      if (entry === undefined) throw notFound();
      const metadata = versionMetadata(secret, version);
      if (entry.deletionTime !== '' || entry.destroyed) {
        return { status: 404, data: { data: null, metadata } };
      }
      return { data: { data: entry.data, metadata } };
    }
    case 'create':
    case 'update':
      return writeVersion(core, request, storage, key, false);
    case 'patch':
      if (secret === undefined) throw notFound();
      return writeVersion(core, request, storage, key, true);
    case 'delete': {
      if (secret === undefined) return undefined;
      const entry = secret.versions[String(secret.currentVersion)];
      if (entry !== undefined && entry.deletionTime === '' && !entry.destroyed)
        entry.deletionTime = now(core);
      core.save();
      return undefined;
    }
    default:
      throw unsupportedOperation();
  }
}

function writeVersion(
  core: VaultCore,
  request: VaultRequest,
  storage: KvV2Storage,
  key: string,
  patch: boolean,
): HandlerResult {
  const data = request.body.data;
  if (data === undefined || data === null) throw badRequest('no data provided');
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw badRequest(
      `invalid "data": expected a JSON object of key-value pairs, received ${Array.isArray(data) ? 'an array' : typeof data}`,
    );
  }
  const options = (request.body.options ?? {}) as Record<string, unknown>;
  if (typeof options !== 'object' || Array.isArray(options))
    throw badRequest('invalid "options": expected a JSON object');

  const existing = storage.secrets[key];
  const casRequired = storage.config.casRequired || (existing?.casRequired ?? false);
  const cas = options.cas === undefined ? undefined : intField(options, 'cas');
  if (cas === undefined && casRequired)
    throw badRequest('check-and-set parameter required for this call');
  if (cas !== undefined && cas !== (existing?.currentVersion ?? 0)) {
    throw badRequest('check-and-set parameter did not match the current version');
  }

  const time = now(core);
  const secret: KvSecret = existing ?? {
    createdTime: time,
    updatedTime: time,
    currentVersion: 0,
    oldestVersion: 0,
    maxVersions: 0,
    casRequired: false,
    deleteVersionAfter: 0,
    customMetadata: null,
    versions: {},
  };
  let value = data as Record<string, unknown>;
  if (patch) {
    const current = secret.versions[String(secret.currentVersion)];
    if (current === undefined || current.data === null || current.deletionTime !== '')
      throw notFound();
    value = mergePatch(current.data, value);
  }
  const version = secret.currentVersion + 1;
  secret.versions[String(version)] = {
    createdTime: time,
    deletionTime: '',
    destroyed: false,
    data: value,
  };
  secret.currentVersion = version;
  secret.updatedTime = time;
  if (secret.oldestVersion === 0) secret.oldestVersion = 1;
  trimVersions(secret, storage);
  storage.secrets[key] = secret;
  core.save();
  return { data: versionMetadata(secret, version) };
}

/** Applies an RFC 7396 JSON merge patch: null removes a key, objects merge recursively. */
function mergePatch(
  target: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const result: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else if (
      typeof value === 'object' &&
      !Array.isArray(value) &&
      typeof result[key] === 'object' &&
      result[key] !== null
    ) {
      result[key] = mergePatch(
        result[key] as Record<string, unknown>,
        value as Record<string, unknown>,
      );
    } else result[key] = value;
  }
  return result;
}

function trimVersions(secret: KvSecret, storage: KvV2Storage): void {
  const max = secret.maxVersions || storage.config.maxVersions || DEFAULT_MAX_VERSIONS;
  while (secret.currentVersion - secret.oldestVersion + 1 > max) {
    delete secret.versions[String(secret.oldestVersion)];
    secret.oldestVersion += 1;
  }
}

function kvMetadata(
  core: VaultCore,
  request: VaultRequest,
  storage: KvV2Storage,
  key: string,
): HandlerResult | undefined {
  const secret = storage.secrets[key];
  switch (request.operation) {
    case 'list': {
      const prefix = key === '' || key.endsWith('/') ? key : `${key}/`;
      const keys = listChildren(Object.keys(storage.secrets), prefix);
      if (keys.length === 0) throw notFound();
      return { data: { keys } };
    }
    case 'read': {
      if (secret === undefined) throw notFound();
      const versions: Record<string, unknown> = {};
      for (const [number, entry] of Object.entries(secret.versions)) {
        versions[number] = {
          created_time: entry.createdTime,
          deletion_time: entry.deletionTime,
          destroyed: entry.destroyed,
        };
      }
      return {
        data: {
          cas_required: secret.casRequired,
          created_time: secret.createdTime,
          current_version: secret.currentVersion,
          custom_metadata: secret.customMetadata,
          delete_version_after: `${secret.deleteVersionAfter}s`,
          max_versions: secret.maxVersions,
          oldest_version: secret.oldestVersion,
          updated_time: secret.updatedTime,
          versions,
        },
      };
    }
    case 'create':
    case 'update':
    case 'patch': {
      const time = now(core);
      const entry: KvSecret = secret ?? {
        createdTime: time,
        updatedTime: time,
        currentVersion: 0,
        oldestVersion: 0,
        maxVersions: 0,
        casRequired: false,
        deleteVersionAfter: 0,
        customMetadata: null,
        versions: {},
      };
      entry.maxVersions = intField(request.body, 'max_versions', entry.maxVersions);
      if (entry.maxVersions < 0) throw badRequest('max_versions can not be negative');
      entry.casRequired = boolField(request.body, 'cas_required', entry.casRequired);
      entry.deleteVersionAfter = durationField(
        request.body,
        'delete_version_after',
        entry.deleteVersionAfter,
      );
      entry.customMetadata =
        stringMapField(request.body, 'custom_metadata') ?? entry.customMetadata;
      entry.updatedTime = time;
      trimVersions(entry, storage);
      storage.secrets[key] = entry;
      core.save();
      return undefined;
    }
    case 'delete':
      delete storage.secrets[key];
      core.save();
      return undefined;
    default:
      throw unsupportedOperation();
  }
}

function kvVersions(
  core: VaultCore,
  request: VaultRequest,
  storage: KvV2Storage,
  key: string,
  kind: 'delete' | 'undelete' | 'destroy',
): HandlerResult | undefined {
  if (request.operation !== 'create' && request.operation !== 'update')
    throw unsupportedOperation();
  const raw = request.body.versions;
  const list = typeof raw === 'string' ? raw.split(',') : raw;
  if (!Array.isArray(list) || list.length === 0) throw badRequest('no version number provided');
  const versions = list.map((item) => intField({ versions: item }, 'versions'));
  const secret = storage.secrets[key];
  if (secret === undefined) return undefined;
  const time = now(core);
  for (const version of versions) {
    const entry = secret.versions[String(version)];
    if (entry === undefined) continue;
    if (kind === 'delete' && entry.deletionTime === '' && !entry.destroyed)
      entry.deletionTime = time;
    if (kind === 'undelete' && !entry.destroyed) entry.deletionTime = '';
    if (kind === 'destroy') {
      entry.destroyed = true;
      entry.data = null;
    }
  }
  core.save();
  return undefined;
}
