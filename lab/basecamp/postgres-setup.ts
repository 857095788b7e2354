/**
 * The database side of the platform, run once as the PostgreSQL superuser:
 * database `app` with table `items`, the service's login `app`, and Vault's
 * connection user `vault_admin`. `vault_admin` is no superuser: it may
 * create roles (for dynamic credentials), administers `app` (so it can
 * rotate its password, which PostgreSQL 16 and later require) and may grant
 * SELECT on `items` onward.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const APP_DATABASE = 'app';
export const APP_USER = 'app';
export const VAULT_ADMIN_USER = 'vault_admin';

export interface PostgresSetupResult {
  /** Password of `vault_admin`; Vault rotates it with rotate-root when asked. */
  vaultAdminPassword: string;
}

/** Creates the roles and the table when missing; on a second run it only resets vault_admin's password. */
export async function setUpPostgres(superuserUrl: string): Promise<PostgresSetupResult> {
  const client = new pg.Client({ connectionString: superuserUrl });
  await client.connect();
  const vaultAdminPassword = randomBytes(18).toString('base64url');
  try {
    await client.query('BEGIN');
    await ensureRole(client, APP_USER, randomBytes(18).toString('base64url'));
    await ensureRole(client, VAULT_ADMIN_USER, vaultAdminPassword);
    await client.query(`ALTER ROLE ${VAULT_ADMIN_USER} WITH LOGIN CREATEROLE PASSWORD ${client.escapeLiteral(vaultAdminPassword)}`);
    await client.query(`GRANT ${APP_USER} TO ${VAULT_ADMIN_USER} WITH ADMIN OPTION`);
    await grantCreatedRolesToCreator(client);
    await client.query(
      `CREATE TABLE IF NOT EXISTS items (id integer PRIMARY KEY, name text NOT NULL)`,
    );
    await client.query(
      `INSERT INTO items (id, name) VALUES (1, 'rope'), (2, 'ice axe'), (3, 'crampons') ON CONFLICT (id) DO NOTHING`,
    );
    await client.query(`GRANT SELECT ON items TO ${APP_USER}`);
    await client.query(`GRANT SELECT ON items TO ${VAULT_ADMIN_USER} WITH GRANT OPTION`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
  return { vaultAdminPassword };
}

/**
 * From PostgreSQL 16 a role's creator holds it only with ADMIN OPTION, which
 * is not enough for Vault's default revocation (`REASSIGN OWNED BY` needs the
 * privileges of the dropped role: "permission denied to reassign objects").
 * `createrole_self_grant` makes PostgreSQL grant each role vault_admin
 * creates back to it with SET and INHERIT, as older versions did implicitly.
 * See the CREATE ROLE and createrole_self_grant pages of the PostgreSQL 16 docs.
 */
async function grantCreatedRolesToCreator(client: pg.Client): Promise<void> {
  const version = await client.query<{ server_version_num: string }>('SHOW server_version_num');
  if (Number(version.rows[0]?.server_version_num ?? 0) < 160000) return;
  await client.query(`ALTER ROLE ${VAULT_ADMIN_USER} SET createrole_self_grant = 'set, inherit'`);
}

async function ensureRole(client: pg.Client, name: string, password: string): Promise<void> {
  const found = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
  if (found.rowCount === 0) {
    await client.query(`CREATE ROLE ${client.escapeIdentifier(name)} WITH LOGIN PASSWORD ${client.escapeLiteral(password)}`);
  }
}
