/**
 * The database secrets engine (hashicorp/vault builtin/logical/database:
 * path_config_connection.go, path_roles.go, path_creds_create.go,
 * path_rotate_credentials.go, rotation.go) with the PostgreSQL plugin only.
 */
import { randomInt } from 'node:crypto';
import {
  errorText,
  randomBase62,
  SYSTEM_DEFAULT_TTL,
  SYSTEM_MAX_TTL,
  type VaultCore,
} from './core.ts';
import { badRequest, internalError, notFound, unsupportedOperation, VaultError } from './errors.ts';
import { boolField, durationField, stringField, stringListField } from './fields.ts';
import { listChildren } from './kv.ts';
import {
  type ConnectionSettings,
  changePassword,
  dropUser,
  formatExpiration,
  renderStatements,
  runInTransaction,
  withConnection,
} from './postgres-plugin.ts';
import type { HandlerResult, LeaseRevocation, MountEntry, VaultRequest } from './types.ts';

interface DatabaseConnection extends ConnectionSettings {
  pluginName: string;
  allowedRoles: string[];
  verifyConnection: boolean;
  passwordAuthentication: 'password' | 'scram-sha-256';
  rootRotationStatements: string[];
}

interface DynamicRole {
  dbName: string;
  creationStatements: string[];
  revocationStatements: string[];
  defaultTtl: number;
  maxTtl: number;
}

interface StaticRole {
  dbName: string;
  username: string;
  rotationPeriod: number;
  rotationStatements: string[];
  password: string;
  /** Milliseconds since the epoch; 0 before the first rotation. */
  lastVaultRotation: number;
  /** When the next scheduled rotation or retry runs, in milliseconds. */
  nextRotation: number;
}

interface DatabaseStorage {
  connections: Record<string, DatabaseConnection>;
  roles: Record<string, DynamicRole>;
  staticRoles: Record<string, StaticRole>;
}

const PLUGIN_NAME = 'postgresql-database-plugin';
/** Vault retries a failed static rotation after 10 seconds (builtin/logical/database/rotation.go). */
const ROTATION_RETRY_MS = 10_000;
const MIN_ROTATION_PERIOD = 5;

function storageOf(mount: MountEntry): DatabaseStorage {
  mount.storage.connections ??= {};
  mount.storage.roles ??= {};
  mount.storage.staticRoles ??= {};
  return mount.storage as unknown as DatabaseStorage;
}

/** Generates a password like Vault's default policy: 20 characters with upper, lower, digit and `-`. */
export function generatePassword(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let body = '';
  for (let i = 0; i < 16; i += 1) body += alphabet[randomInt(alphabet.length)];
  return `A1a-${body}`;
}

function statementsField(request: VaultRequest, field: string, fallback: string[]): string[] {
  return stringListField(request.body, field) === undefined
    ? fallback
    : rawStatements(request.body[field]);
}

/** Keeps statements whole: a comma inside SQL must not split them, unlike other list fields. */
function rawStatements(value: unknown): string[] {
  if (typeof value === 'string') return value.trim() === '' ? [] : [value];
  return (value as string[]).filter((item) => item.trim() !== '');
}

export class DatabaseEngine {
  private readonly core: VaultCore;

  constructor(core: VaultCore) {
    this.core = core;
    core.leaseRevokers.set('database', (lease) => this.revokeLease(lease));
    core.periodicTasks.push(() => this.rotateDue());
  }

  async handle(
    request: VaultRequest,
    mount: MountEntry,
    relative: string,
  ): Promise<HandlerResult | undefined> {
    const storage = storageOf(mount);
    const [section = '', ...rest] = relative.split('/');
    const name = rest.join('/');
    const write = request.operation === 'create' || request.operation === 'update';
    const routes: Record<
      string,
      () => Promise<HandlerResult | undefined> | HandlerResult | undefined
    > = {
      config: () => this.config(request, mount, storage, name),
      roles: () => this.roles(request, storage, name),
      'static-roles': () => this.staticRoles(request, mount, storage, name),
      creds: () => this.creds(request, mount, storage, name),
      'static-creds': () => this.staticCreds(request, storage, name),
      'rotate-role': () => (write ? this.rotateRoleNow(mount, storage, name) : unsupported()),
      'rotate-root': () => (write ? this.rotateRoot(mount, storage, name) : unsupported()),
      reset: () => (write ? undefined : unsupported()),
    };
    const route = routes[section];
    if (route === undefined)
      throw new VaultError(
        404,
        `no handler for route "${mount.path}${relative}". route entry not found.`,
      );
    return route();
  }

  private async config(
    request: VaultRequest,
    mount: MountEntry,
    storage: DatabaseStorage,
    name: string,
  ): Promise<HandlerResult | undefined> {
    if (request.operation === 'list') return listOrNotFound(Object.keys(storage.connections));
    if (name === '') throw badRequest('empty name attribute given');
    const existing = storage.connections[name];
    if (request.operation === 'read') {
      if (existing === undefined) throw notFound();
      return {
        data: {
          allowed_roles: existing.allowedRoles,
          connection_details: {
            connection_url: existing.connectionUrl,
            username: existing.username,
          },
          password_policy: '',
          plugin_name: existing.pluginName,
          plugin_version: '',
          root_credentials_rotate_statements: existing.rootRotationStatements,
          verify_connection: existing.verifyConnection,
        },
      };
    }
    if (request.operation === 'delete') {
      delete storage.connections[name];
      this.core.save();
      return undefined;
    }
    if (request.operation !== 'create' && request.operation !== 'update')
      throw unsupportedOperation();

    const body = request.body;
    const pluginName = stringField(body, 'plugin_name', existing?.pluginName ?? '');
    if (pluginName === '') throw badRequest('plugin_name must be set');
    if (pluginName !== PLUGIN_NAME) {
      throw badRequest(
        `error creating database object: invalid database version: plugin "${pluginName}" is not available; the embedded Vault supports ${PLUGIN_NAME} only`,
      );
    }
    const passwordAuthentication = stringField(
      body,
      'password_authentication',
      existing?.passwordAuthentication ?? 'password',
    );
    if (passwordAuthentication !== 'password' && passwordAuthentication !== 'scram-sha-256') {
      throw badRequest(
        `error creating database object: invalid password_authentication "${passwordAuthentication}": must be "password" or "scram-sha-256"`,
      );
    }
    const connection: DatabaseConnection = {
      pluginName,
      connectionUrl: stringField(body, 'connection_url', existing?.connectionUrl ?? ''),
      username: stringField(body, 'username', existing?.username ?? ''),
      password: stringField(body, 'password', existing?.password ?? ''),
      allowedRoles: stringListField(body, 'allowed_roles') ?? existing?.allowedRoles ?? [],
      verifyConnection: boolField(body, 'verify_connection', true),
      // NOTE: with scram-sha-256 real Vault hashes the password before ALTER ROLE. Here
      // PostgreSQL hashes it on the server (password_encryption defaults to scram-sha-256).
      passwordAuthentication,
      rootRotationStatements: statementsField(
        request,
        'root_rotation_statements',
        existing?.rootRotationStatements ?? [],
      ),
    };
    if (connection.connectionUrl === '')
      throw badRequest('error creating database object: connection_url cannot be empty');
    if (connection.verifyConnection) {
      try {
        await withConnection(connection, this.core.network, (client) => client.query('SELECT 1'));
      } catch (error) {
        throw badRequest(
          `error creating database object: error verifying connection: ${errorText(error)}`,
        );
      }
    }
    storage.connections[name] = connection;
    this.core.save();
    this.core.log.info(`secrets.database.${mount.accessor}`, 'database connection configured', {
      name,
    });
    return undefined;
  }

  private roles(
    request: VaultRequest,
    storage: DatabaseStorage,
    name: string,
  ): HandlerResult | undefined {
    if (request.operation === 'list') return listOrNotFound(Object.keys(storage.roles));
    if (name === '') throw badRequest('empty role name attribute given');
    const existing = storage.roles[name];
    if (request.operation === 'read') {
      if (existing === undefined) throw notFound();
      return {
        data: {
          db_name: existing.dbName,
          creation_statements: existing.creationStatements,
          revocation_statements: existing.revocationStatements,
          rollback_statements: [],
          renew_statements: [],
          default_ttl: existing.defaultTtl,
          max_ttl: existing.maxTtl,
          credential_type: 'password',
        },
      };
    }
    if (request.operation === 'delete') {
      delete storage.roles[name];
      this.core.save();
      return undefined;
    }
    if (request.operation !== 'create' && request.operation !== 'update')
      throw unsupportedOperation();
    const role: DynamicRole = {
      dbName: stringField(request.body, 'db_name', existing?.dbName ?? ''),
      creationStatements: statementsField(
        request,
        'creation_statements',
        existing?.creationStatements ?? [],
      ),
      revocationStatements: statementsField(
        request,
        'revocation_statements',
        existing?.revocationStatements ?? [],
      ),
      defaultTtl: durationField(request.body, 'default_ttl', existing?.defaultTtl ?? 0),
      maxTtl: durationField(request.body, 'max_ttl', existing?.maxTtl ?? 0),
    };
    if (role.dbName === '') throw badRequest('empty database name attribute');
    if (role.creationStatements.length === 0) throw badRequest('empty creation statements');
    if (role.maxTtl > 0 && role.defaultTtl > role.maxTtl)
      throw badRequest('ttl cannot be greater than max_ttl');
    storage.roles[name] = role;
    this.core.save();
    return undefined;
  }

  private connectionFor(
    storage: DatabaseStorage,
    dbName: string,
    role: string,
  ): DatabaseConnection {
    const connection = storage.connections[dbName];
    if (connection === undefined) throw internalError(`could not find database config "${dbName}"`);
    if (!connection.allowedRoles.includes('*') && !connection.allowedRoles.includes(role)) {
      throw internalError(`"${role}" is not an allowed role`);
    }
    return connection;
  }

  private async creds(
    request: VaultRequest,
    mount: MountEntry,
    storage: DatabaseStorage,
    name: string,
  ): Promise<HandlerResult> {
    if (request.operation !== 'read') throw unsupportedOperation();
    const role = storage.roles[name];
    if (role === undefined) throw badRequest(`unknown role: ${name}`);
    const connection = this.connectionFor(storage, role.dbName, name);

    const now = this.core.now();
    const ttl = Math.min(role.defaultTtl || SYSTEM_DEFAULT_TTL, role.maxTtl || SYSTEM_MAX_TTL);
    const displayName = (request.token?.displayName ?? 'token').slice(0, 8);
    const username =
      `v-${displayName}-${name.slice(0, 8)}-${randomBase62(20)}-${Math.floor(now / 1000)}`.slice(
        0,
        63,
      );
    const password = generatePassword();
    const statements = renderStatements(role.creationStatements, {
      name: username,
      username,
      password,
      expiration: formatExpiration(now + ttl * 1000),
    });
    try {
      await withConnection(connection, this.core.network, (client) =>
        runInTransaction(client, statements, [password]),
      );
    } catch (error) {
      throw internalError(errorText(error));
    }

    const leaseId = `${mount.path}creds/${name}/${randomBase62(24)}`;
    const revocation: LeaseRevocation = {
      kind: 'database',
      mount: mount.path,
      dbName: role.dbName,
      roleName: name,
      username,
      revocationStatements: role.revocationStatements,
    };
    this.core.addLease({
      id: leaseId,
      tokenId: request.token?.id ?? '',
      issueTime: now,
      expireTime: now + ttl * 1000,
      lastRenewal: null,
      renewable: true,
      maxTtl: role.maxTtl || SYSTEM_MAX_TTL,
      revocation,
    });
    return { data: { username, password }, leaseId, leaseDuration: ttl, renewable: true };
  }

  private async revokeLease(lease: LeaseRevocation): Promise<void> {
    const mount = this.core.state.mounts[lease.mount];
    const connection = mount === undefined ? undefined : storageOf(mount).connections[lease.dbName];
    if (connection === undefined) {
      this.core.log.warn(
        'expiration',
        'database connection is gone; dropping the lease without running revocation statements',
        {
          mount: lease.mount,
          db_name: lease.dbName,
        },
      );
      return;
    }
    await dropUser(connection, this.core.network, lease.username, lease.revocationStatements);
  }

  private async staticRoles(
    request: VaultRequest,
    mount: MountEntry,
    storage: DatabaseStorage,
    name: string,
  ): Promise<HandlerResult | undefined> {
    if (request.operation === 'list') return listOrNotFound(Object.keys(storage.staticRoles));
    if (name === '') throw badRequest('empty role name attribute given');
    const existing = storage.staticRoles[name];
    if (request.operation === 'read') {
      if (existing === undefined) throw notFound();
      return {
        data: {
          db_name: existing.dbName,
          username: existing.username,
          rotation_period: existing.rotationPeriod,
          rotation_statements: existing.rotationStatements,
          last_vault_rotation:
            existing.lastVaultRotation === 0
              ? null
              : new Date(existing.lastVaultRotation).toISOString(),
          credential_type: 'password',
        },
      };
    }
    if (request.operation === 'delete') {
      delete storage.staticRoles[name];
      this.core.save();
      return undefined;
    }
    if (request.operation !== 'create' && request.operation !== 'update')
      throw unsupportedOperation();

    const body = request.body;
    const dbName = stringField(body, 'db_name', existing?.dbName ?? '');
    if (dbName === '') throw badRequest('database name is a required field');
    const username = stringField(body, 'username', existing?.username ?? '');
    if (username === '')
      throw badRequest('username is a required field to create a static account');
    if (existing !== undefined && username !== existing.username)
      throw badRequest('cannot update static account username');
    if (body.rotation_period !== undefined && body.rotation_schedule !== undefined) {
      throw badRequest(
        'mutually exclusive fields rotation_period and rotation_schedule were both specified; only one of them can be provided',
      );
    }
    if (body.rotation_schedule !== undefined) {
      throw badRequest(
        'rotation_schedule is not supported by the embedded Vault; use rotation_period',
      );
    }
    const rotationPeriod = durationField(body, 'rotation_period', existing?.rotationPeriod ?? 0);
    if (rotationPeriod === 0 && existing === undefined)
      throw badRequest('rotation_period is required to create static accounts');
    if (rotationPeriod < MIN_ROTATION_PERIOD)
      throw badRequest(`rotation_period must be ${MIN_ROTATION_PERIOD} seconds or more`);
    this.connectionFor(storage, dbName, name);

    const role: StaticRole = {
      dbName,
      username,
      rotationPeriod,
      rotationStatements: statementsField(
        request,
        'rotation_statements',
        existing?.rotationStatements ?? [],
      ),
      password: existing?.password ?? '',
      lastVaultRotation: existing?.lastVaultRotation ?? 0,
      nextRotation: existing === undefined ? 0 : existing.lastVaultRotation + rotationPeriod * 1000,
    };
    if (existing === undefined) {
      // Vault rotates once at creation and fails the write when that fails (path_roles.go).
      try {
        await this.rotateStatic(mount, storage, name, role);
      } catch (error) {
        throw internalError(`error setting credentials: ${errorText(error)}`);
      }
    }
    storage.staticRoles[name] = role;
    this.core.save();
    return undefined;
  }

  private staticCreds(
    request: VaultRequest,
    storage: DatabaseStorage,
    name: string,
  ): HandlerResult {
    if (request.operation !== 'read') throw unsupportedOperation();
    const role = storage.staticRoles[name];
    if (role === undefined) throw badRequest('unknown role: ' + name);
    const next = role.lastVaultRotation + role.rotationPeriod * 1000;
    return {
      data: {
        username: role.username,
        password: role.password,
        last_vault_rotation: new Date(role.lastVaultRotation).toISOString(),
        rotation_period: role.rotationPeriod,
        ttl: Math.max(0, Math.floor((next - this.core.now()) / 1000)),
      },
    };
  }

  private async rotateStatic(
    mount: MountEntry,
    storage: DatabaseStorage,
    name: string,
    role: StaticRole,
  ): Promise<void> {
    const connection = storage.connections[role.dbName];
    if (connection === undefined)
      throw new Error(`could not find database config "${role.dbName}"`);
    const password = generatePassword();
    await changePassword(
      connection,
      this.core.network,
      role.username,
      password,
      role.rotationStatements,
    );
    const now = this.core.now();
    role.password = password;
    role.lastVaultRotation = now;
    role.nextRotation = now + role.rotationPeriod * 1000;
    this.core.save();
    this.core.log.info(`secrets.database.${mount.accessor}`, 'rotated static role credentials', {
      name,
      username: role.username,
    });
  }

  private async rotateRoleNow(
    mount: MountEntry,
    storage: DatabaseStorage,
    name: string,
  ): Promise<undefined> {
    const role = storage.staticRoles[name];
    if (role === undefined) throw badRequest('no static role found for role name');
    try {
      await this.rotateStatic(mount, storage, name, role);
    } catch (error) {
      role.nextRotation = this.core.now() + ROTATION_RETRY_MS;
      this.core.save();
      this.core.log.error(`secrets.database.${mount.accessor}`, 'unable to rotate credentials', {
        name,
        error: errorText(error),
      });
      throw internalError(
        `unable to finish rotating credentials; retries will continue in the background but it is also safe to retry manually: ${errorText(error)}`,
      );
    }
    return undefined;
  }

  private async rotateRoot(
    mount: MountEntry,
    storage: DatabaseStorage,
    name: string,
  ): Promise<undefined> {
    const connection = storage.connections[name];
    if (connection === undefined) throw badRequest(`unable to find database connection "${name}"`);
    if (connection.username === '')
      throw badRequest('unable to rotate root credentials: no username in configuration');
    const password = generatePassword();
    try {
      await changePassword(
        connection,
        this.core.network,
        connection.username,
        password,
        connection.rootRotationStatements,
      );
    } catch (error) {
      this.core.log.error(
        `secrets.database.${mount.accessor}`,
        'failed to rotate root credentials',
        { name, error: errorText(error) },
      );
      throw internalError(`failed to update user: ${errorText(error)}`);
    }
    connection.password = password;
    this.core.save();
    this.core.log.info(
      `secrets.database.${mount.accessor}`,
      'successfully rotated root credentials',
      { name },
    );
    return undefined;
  }

  /** Rotates every static role whose period elapsed, and retries failed rotations after 10 s. */
  private async rotateDue(): Promise<void> {
    for (const mount of Object.values(this.core.state.mounts)) {
      if (mount.type !== 'database') continue;
      const storage = storageOf(mount);
      for (const [name, role] of Object.entries(storage.staticRoles)) {
        if (role.nextRotation > this.core.now()) continue;
        try {
          await this.rotateStatic(mount, storage, name, role);
        } catch (error) {
          role.nextRotation = this.core.now() + ROTATION_RETRY_MS;
          this.core.save();
          this.core.log.error(
            `secrets.database.${mount.accessor}`,
            'unable to rotate credentials in periodic function',
            {
              name,
              error: errorText(error),
            },
          );
        }
      }
    }
  }
}

function unsupported(): never {
  throw unsupportedOperation();
}

function listOrNotFound(names: string[]): HandlerResult {
  const keys = listChildren(names, '');
  if (keys.length === 0) throw notFound();
  return { data: { keys } };
}
