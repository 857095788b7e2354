// The sample service's connection pool. A credential change opens a new
// pool and drains the old one (it ends once its checked-out clients are
// released), so requests in flight finish on the old credential. A query
// that fails authentication re-reads the credentials and retries once on a
// new pool: the mounted Secret may have changed before the watcher noticed,
// or may change within the next moment (see AUTH_RETRY_WAIT_MS).
import pg from 'pg';

// PostgreSQL SQLSTATE codes for a rejected login (errcodes.txt in the
// PostgreSQL source: 28P01 invalid_password, 28000 invalid_authorization_specification).
const AUTH_FAILURE_CODES = new Set(['28P01', '28000']);

/** How long an old pool keeps serving after a credential change, in ms. */
const DRAIN_DELAY_MS = 2_000;

/**
 * How long a query that failed authentication waits for new credentials to
 * appear in the mounted Secret before its one retry, in ms. Vault changes the
 * password before the kubelet swaps `..data` (after its sync delay), so a new
 * connection opened in between fails; the wait stays under the 2 s request
 * timeout the lab's load uses.
 */
const AUTH_RETRY_WAIT_MS = 1_500;
const AUTH_RETRY_POLL_MS = 100;

/** Sessions in a pool when the service sets no size. */
const DEFAULT_POOL_SIZE = 5;

export function isAuthFailure(error) {
  return Boolean(error && AUTH_FAILURE_CODES.has(error.code));
}

export class Database {
  /** Password of the current pool, to tell a real credential change from a re-read of the same files. */
  #password = undefined;
  /** The reload under way, which concurrent callers share. */
  #reloading = undefined;

  /**
   * @param {{ host: string, port: number, database: string, loadCredentials: () => Promise<{username: string, password: string}>, log: (event: object) => void, poolSize?: number }} options
   */
  constructor(options) {
    this.options = options;
    this.pool = undefined;
    this.generation = 0;
    this.reloads = 0;
    this.authRetries = 0;
    this.username = undefined;
  }

  async open() {
    const credentials = await this.options.loadCredentials();
    await this.#swap(credentials);
  }

  /**
   * Opens a pool with freshly loaded credentials and drains the previous one.
   * Unchanged credentials keep the current pool: its open sessions stay
   * authenticated after a password change, while a new pool could not log in.
   * Calls made while a reload runs share it. Returns whether the pool was replaced.
   */
  reload(reason) {
    this.#reloading ??= this.#reload(reason).finally(() => {
      this.#reloading = undefined;
    });
    return this.#reloading;
  }

  async #reload(reason) {
    const credentials = await this.options.loadCredentials();
    if (credentials.username === this.username && credentials.password === this.#password) {
      this.options.log({ level: 'warn', msg: 'credentials unchanged, keeping the current pool', reason });
      return false;
    }
    this.reloads += 1;
    // Logged when the change is seen, before the warm-up: the lab times file-visible from this line.
    this.options.log({ msg: 'credentials reloaded', reason, username: credentials.username, generation: this.generation + 1 });
    await this.#swap(credentials);
    return true;
  }

  /**
   * Opens the new pool and logs in all its sessions before it takes
   * traffic: a fixed-size pool, as HikariCP's documentation recommends
   * (minimumIdle equal to maximumPoolSize). After a static-role rotation the
   * pool then never has to log in with a password Vault has already
   * changed, and the first requests on a new pool do not each wait for a
   * login. The old pool serves meanwhile. A failed warm-up is logged, and
   * the new pool is used anyway, because the mounted files are the source of truth.
   */
  async #swap(credentials) {
    const previous = this.pool;
    const pool = this.#newPool(credentials);
    const started = Date.now();
    try {
      const size = this.options.poolSize ?? DEFAULT_POOL_SIZE;
      const clients = await Promise.all(Array.from({ length: size }, () => pool.connect()));
      for (const client of clients) client.release();
    } catch (error) {
      this.options.log({ level: 'warn', msg: 'warming the new pool failed', error: error.message, code: error.code });
    }
    this.generation += 1;
    this.username = credentials.username;
    this.#password = credentials.password;
    this.pool = pool;
    this.options.log({ msg: 'pool warmed', generation: this.generation, ms: Date.now() - started });
    if (previous) {
      // Queries that picked the old pool a moment ago still run on it; end it once they are done.
      const timer = setTimeout(() => {
        previous.end().catch((error) => this.options.log({ level: 'warn', msg: 'draining the old pool failed', error: error.message }));
      }, DRAIN_DELAY_MS);
      timer.unref();
    }
  }

  #newPool(credentials) {
    const pool = new pg.Pool({
      host: this.options.host,
      port: this.options.port,
      database: this.options.database,
      user: credentials.username,
      password: credentials.password,
      max: this.options.poolSize ?? DEFAULT_POOL_SIZE,
      connectionTimeoutMillis: 5_000,
      // Idle connections stay open so that after a password rotation the service
      // keeps working on its authenticated sessions until the new Secret arrives.
      idleTimeoutMillis: 0,
    });
    pool.on('error', (error) => this.options.log({ level: 'warn', msg: 'idle connection failed', error: error.message }));
    return pool;
  }

  /**
   * Runs a query. On an authentication failure it re-reads the credentials
   * once and retries: on a new pool when they changed, else on the current
   * one, which may still hand out an authenticated idle session.
   */
  async query(text, values) {
    const pool = this.pool;
    try {
      return await pool.query(text, values);
    } catch (error) {
      // The pool was replaced while this query waited for a connection: run it on the new one.
      if (this.pool !== pool && !isAuthFailure(error)) return await this.pool.query(text, values);
      if (!isAuthFailure(error)) throw error;
      this.authRetries += 1;
      // Another request may already have swapped the pool.
      if (this.pool === pool && !(await this.reload(`authentication failed (${error.code})`))) {
        await this.#waitForNewCredentials(pool);
      }
      return await this.pool.query(text, values);
    }
  }

  /** Polls the credentials until they change or the pool is replaced, for up to AUTH_RETRY_WAIT_MS. */
  async #waitForNewCredentials(pool) {
    const deadline = Date.now() + AUTH_RETRY_WAIT_MS;
    while (this.pool === pool && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, AUTH_RETRY_POLL_MS));
      if (this.pool !== pool) return;
      const credentials = await this.options.loadCredentials();
      if (credentials.username !== this.username || credentials.password !== this.#password) {
        await this.reload('authentication failed, then the credentials changed');
      }
    }
  }

  async close() {
    await this.pool?.end();
  }
}
