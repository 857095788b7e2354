/**
 * The PostgreSQL database plugin: real SQL through the `pg` package
 * (hashicorp/vault plugins/database/postgresql/postgresql.go). Sockets go
 * through the caller's OutboundNetwork, so the pod network can identify Vault's pod IP.
 */
import { Socket } from 'node:net';
import pg from 'pg';
import type { OutboundNetwork } from '../network/outbound.ts';

export interface ConnectionSettings {
  connectionUrl: string;
  username: string;
  password: string;
}

/** Vault's default rotation statement for static roles and the root credential. */
export const DEFAULT_ROTATION_STATEMENT = `ALTER ROLE "{{username}}" WITH PASSWORD '{{password}}';`;

/** Fills `{{username}}` and `{{password}}` in a connection URL, URL-encoded. */
export function connectionString(settings: ConnectionSettings): string {
  return settings.connectionUrl
    .replaceAll('{{username}}', encodeURIComponent(settings.username))
    .replaceAll('{{password}}', encodeURIComponent(settings.password));
}

/** Connects as the connection's user; the caller ends the client. */
export async function connect(
  settings: ConnectionSettings,
  network: OutboundNetwork,
): Promise<pg.Client> {
  const config: pg.ClientConfig & { stream?: () => Socket } = {
    connectionString: connectionString(settings),
    connectionTimeoutMillis: 10_000,
  };
  if (network.lookup !== undefined || network.localAddress !== undefined) {
    config.stream = () => routedSocket(network);
  }
  const client = new pg.Client(config);
  // A server-side disconnect after connect is reported on the next query; the
  // event itself must not crash the process.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

function routedSocket(network: OutboundNetwork): Socket {
  const socket = new Socket();
  const plainConnect = socket.connect.bind(socket) as (options: object) => Socket;
  // pg calls connect(port, host); route it through the pod's lookup and source address.
  (socket as unknown as { connect: (port: number, host: string) => Socket }).connect = (
    port,
    host,
  ) => plainConnect({ port, host, lookup: network.lookup, localAddress: network.localAddress });
  return socket;
}

/** Splits statements on `;` as Vault does (strutil.ParseArbitraryStringSlice) and fills the template fields. */
export function renderStatements(statements: string[], fields: Record<string, string>): string[] {
  const rendered: string[] = [];
  for (const statement of statements) {
    for (const part of statement.split(';')) {
      let text = part.trim();
      if (text === '') continue;
      for (const [name, value] of Object.entries(fields))
        text = text.replaceAll(`{{${name}}}`, value);
      rendered.push(text);
    }
  }
  return rendered;
}

/**
 * Runs statements in one transaction; a failure rolls back and reads
 * `failed to execute query: ...`. PostgreSQL may quote part of a statement in
 * its error (`syntax error at or near "..."`), so each of `secrets` is
 * replaced by `[redacted]` in the message.
 */
export async function runInTransaction(
  client: pg.Client,
  statements: string[],
  secrets: string[] = [],
): Promise<void> {
  await client.query('BEGIN');
  try {
    for (const statement of statements) await client.query(statement);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    let message = error instanceof Error ? error.message : String(error);
    for (const secret of secrets) {
      if (secret !== '') message = message.replaceAll(secret, '[redacted]');
    }
    throw new Error(`failed to execute query: ${message}`);
  }
}

export async function withConnection<T>(
  settings: ConnectionSettings,
  network: OutboundNetwork,
  action: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = await connect(settings, network);
  try {
    return await action(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Changes a role's password after checking that it exists in pg_roles (postgresql.go changeUserPassword). */
export async function changePassword(
  settings: ConnectionSettings,
  network: OutboundNetwork,
  username: string,
  password: string,
  statements: string[],
): Promise<void> {
  await withConnection(settings, network, async (client) => {
    const found = await client.query('SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1', [
      username,
    ]);
    if (found.rowCount === 0) {
      throw new Error(
        `cannot update password for username "${username}" because it does not exist`,
      );
    }
    const template = statements.length > 0 ? statements : [DEFAULT_ROTATION_STATEMENT];
    await runInTransaction(
      client,
      renderStatements(template, { username, name: username, password }),
      [password],
    );
  });
}

/** Drops a dynamic role: the given statements, or Vault's default revoke-then-drop sequence. */
export async function dropUser(
  settings: ConnectionSettings,
  network: OutboundNetwork,
  username: string,
  statements: string[],
): Promise<void> {
  await withConnection(settings, network, async (client) => {
    if (statements.length > 0) {
      await runInTransaction(client, renderStatements(statements, { name: username, username }));
      return;
    }
    const found = await client.query('SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1', [
      username,
    ]);
    if (found.rowCount === 0) return;
    const role = client.escapeIdentifier(username);
    const database = (await client.query('SELECT current_database() AS name')).rows[0]
      .name as string;
    const schemas = await client.query(
      "SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname NOT LIKE 'pg_%' AND nspname <> 'information_schema'",
    );
    const revokes: string[] = [];
    for (const row of schemas.rows as Array<{ nspname: string }>) {
      const schema = client.escapeIdentifier(row.nspname);
      revokes.push(
        `REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA ${schema} FROM ${role}`,
        `REVOKE ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA ${schema} FROM ${role}`,
        `REVOKE ALL PRIVILEGES ON ALL FUNCTIONS IN SCHEMA ${schema} FROM ${role}`,
        `REVOKE USAGE ON SCHEMA ${schema} FROM ${role}`,
      );
    }
    revokes.push(
      `REVOKE ALL PRIVILEGES ON DATABASE ${client.escapeIdentifier(database)} FROM ${role}`,
      `REASSIGN OWNED BY ${role} TO current_user`,
      `DROP OWNED BY ${role}`,
      `DROP ROLE IF EXISTS ${role}`,
    );
    await runInTransaction(client, revokes);
  });
}

/** Formats a time as Vault's `{{expiration}}` (Go layout `2006-01-02 15:04:05-0700`), in UTC. */
export function formatExpiration(milliseconds: number): string {
  const iso = new Date(milliseconds).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}+0000`;
}
