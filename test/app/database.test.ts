/**
 * The sample service's pool on a real PostgreSQL. A new pool logs in all
 * its sessions before it takes traffic, and those sessions outlive a
 * password change. A query that fails authentication because Vault changed
 * the password waits briefly for the new credentials, then retries once.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { Database } from '../../lab/app/database.js';
import { usePostgres } from '../helpers/postgres.ts';

const postgres = usePostgres();

async function superuser<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: postgres.current.connectionString() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates a login role and returns a Database whose credentials the test controls. */
async function databaseFor(role: string, password: string) {
  await superuser((client) => client.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`));
  const credentials = { username: role, password };
  const events: Array<Record<string, unknown>> = [];
  const database = new Database({
    host: postgres.current.host,
    port: postgres.current.port,
    database: postgres.current.database,
    loadCredentials: async () => ({ ...credentials }),
    log: (event: object) => {
      events.push(event as Record<string, unknown>);
    },
  });
  await database.open();
  return { database, credentials, events };
}

/** Ends the role's sessions, as a pool that recycles its connections would, and waits until the pool has dropped them. */
async function endSessions(database: Database, role: string): Promise<void> {
  await superuser((client) =>
    client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [role]),
  );
  const pool = database.pool as pg.Pool;
  for (let waited = 0; pool.totalCount > 0 && waited < 5000; waited += 20) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(pool.totalCount).toBe(0);
}

describe('Database after a password change', () => {
  it('warms the whole pool', async () => {
    const { database, events } = await databaseFor('warm', 'first-password');
    const pool = database.pool as pg.Pool;
    expect(pool.totalCount).toBe(5);
    expect(pool.idleCount).toBe(5);
    expect(events.some((event) => event.msg === 'pool warmed')).toBe(true);

    await superuser((client) => client.query(`ALTER ROLE warm PASSWORD 'second-password'`));
    const result = await database.query('SELECT current_user AS user');
    expect((result.rows[0] as unknown as { user: string }).user).toBe('warm');
    expect(database.authRetries).toBe(0);
    await database.close();
  });

  it('shares one reload between concurrent callers', async () => {
    const { database, credentials } = await databaseFor('shared', 'first-password');
    credentials.password = 'second-password';
    await superuser((client) => client.query(`ALTER ROLE shared PASSWORD 'second-password'`));
    const results = await Promise.all([database.reload('a'), database.reload('b'), database.reload('c')]);
    expect(results).toEqual([true, true, true]);
    expect(database.generation).toBe(2);
    expect(database.reloads).toBe(1);
    await database.close();
  });

  it('waits for new credentials, then retries', async () => {
    const { database, credentials } = await databaseFor('rotating', 'first-password');
    await superuser((client) => client.query(`ALTER ROLE rotating PASSWORD 'second-password'`));
    await endSessions(database, 'rotating');
    // The new Secret arrives 300 ms after the rotation, as after a kubelet sync.
    setTimeout(() => {
      credentials.password = 'second-password';
    }, 300);

    const result = await database.query('SELECT current_user AS user');
    expect((result.rows[0] as unknown as { user: string }).user).toBe('rotating');
    expect(database.authRetries).toBe(1);
    expect(database.generation).toBe(2);
    await database.close();
  });

  it('fails once the wait ends without new credentials', async () => {
    const { database, events } = await databaseFor('stuck', 'old-password');
    await superuser((client) => client.query(`ALTER ROLE stuck PASSWORD 'new-password'`));
    await endSessions(database, 'stuck');

    await expect(database.query('SELECT 1')).rejects.toMatchObject({ code: '28P01' });
    expect(database.authRetries).toBe(1);
    expect(database.generation).toBe(1);
    expect(events.some((event) => event.msg === 'credentials unchanged, keeping the current pool')).toBe(true);
    await database.close();
  });
});
