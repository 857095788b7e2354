/**
 * PostgreSQL logins through the `pg` client: probes try a credential and
 * report whether the server accepted it, with the server's message.
 */
import pg from 'pg';

export interface PostgresTarget {
  host: string;
  port: number;
  database: string;
}

export interface Credential {
  username: string;
  password: string;
}

export interface LoginResult {
  ok: boolean;
  /** `login accepted` or the server's error, for example `password authentication failed for user "app"`. */
  message: string;
  /** The SQLSTATE of a failed login (28P01 for a wrong password). */
  code?: string;
}

/** Opens a connection with `credential`, runs `SELECT 1` and closes it. */
export async function tryLogin(target: PostgresTarget, credential: Credential, timeoutMs = 5000): Promise<LoginResult> {
  const client = new pg.Client({
    host: target.host,
    port: target.port,
    database: target.database,
    user: credential.username,
    password: credential.password,
    connectionTimeoutMillis: timeoutMs,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { ok: true, message: `login accepted for user "${credential.username}"` };
  } catch (error) {
    const failure = error as { message?: string; code?: string };
    return { ok: false, message: failure.message ?? String(error), ...(failure.code ? { code: failure.code } : {}) };
  } finally {
    await client.end().catch(() => {});
  }
}
