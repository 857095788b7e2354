// The sample service of the basecamp: a small HTTP service whose requests
// each run a PostgreSQL query. It runs as a pod process (`node server.js`).
//
// Environment:
//   PORT                 listen port, 8080 by default
//   DB_HOST, DB_PORT     PostgreSQL, postgres.basecamp.svc:5432 by default
//   DB_NAME              database, `app` by default
//   CREDENTIALS_MODE     `files` (default: the mounted Secret, hot reload) or `env`
//   CREDENTIALS_DIR      folder of the mounted Secret, /etc/app/db by default
//   DB_USERNAME, DB_PASSWORD   the credentials in `env` mode
//   LAB_POD_ROOT         set by the embedded kubelet: the pod's root folder,
//                        under which absolute mount paths are materialised
//
// Endpoints: GET /items (rows from PostgreSQL), /healthz, /readyz, /metrics.
import { createServer } from 'node:http';
import { join } from 'node:path';
import { readCredentialEnv, readCredentialFiles, watchCredentialFolder } from './credentials.js';
import { Database } from './database.js';

const env = process.env;
const port = Number(env.PORT ?? 8080);
const mode = env.CREDENTIALS_MODE ?? 'files';
const credentialDir = join(env.LAB_POD_ROOT ?? '/', env.CREDENTIALS_DIR ?? '/etc/app/db');

if (mode !== 'files' && mode !== 'env') {
  log({ level: 'error', msg: `CREDENTIALS_MODE must be "files" or "env", received ${JSON.stringify(mode)}` });
  process.exit(2);
}

const counters = { requests: new Map(), dbErrors: 0 };
let ready = false;

const database = new Database({
  host: env.DB_HOST ?? 'postgres.basecamp.svc',
  port: Number(env.DB_PORT ?? 5432),
  database: env.DB_NAME ?? 'app',
  loadCredentials: () => (mode === 'env' ? Promise.resolve(readCredentialEnv(env)) : readCredentialFiles(credentialDir)),
  log,
});

function log(event) {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'info', ...event })}\n`);
}

function count(route, status) {
  const key = `${route}|${status}`;
  counters.requests.set(key, (counters.requests.get(key) ?? 0) + 1);
}

function send(response, status, body, type = 'application/json') {
  response.writeHead(status, { 'content-type': type });
  response.end(type === 'application/json' ? `${JSON.stringify(body)}\n` : body);
}

async function handleItems(response) {
  try {
    const result = await database.query('SELECT id, name FROM items ORDER BY id');
    send(response, 200, { pod: env.HOSTNAME, user: database.username, generation: database.generation, items: result.rows });
    return 200;
  } catch (error) {
    counters.dbErrors += 1;
    log({ level: 'error', msg: 'query failed', code: error.code, error: error.message });
    send(response, 503, { error: `query failed: ${error.message}` });
    return 503;
  }
}

async function handleReady(response) {
  try {
    await database.query('SELECT 1');
    ready = true;
    send(response, 200, { ready: true });
    return 200;
  } catch (error) {
    ready = false;
    send(response, 503, { ready: false, error: error.message });
    return 503;
  }
}

function metricsText() {
  const lines = [
    '# HELP app_requests_total HTTP requests by route and status code.',
    '# TYPE app_requests_total counter',
  ];
  for (const [key, value] of counters.requests) {
    const [route, status] = key.split('|');
    lines.push(`app_requests_total{route="${route}",code="${status}"} ${value}`);
  }
  lines.push(
    '# HELP app_db_errors_total Failed PostgreSQL queries.',
    '# TYPE app_db_errors_total counter',
    `app_db_errors_total ${counters.dbErrors}`,
    '# HELP app_credential_reloads_total Connection pools opened after a credential change.',
    '# TYPE app_credential_reloads_total counter',
    `app_credential_reloads_total ${database.reloads}`,
    '# HELP app_auth_retries_total Queries retried after an authentication failure.',
    '# TYPE app_auth_retries_total counter',
    `app_auth_retries_total ${database.authRetries}`,
    '# HELP app_pool_generation Number of the current connection pool, 1 for the first.',
    '# TYPE app_pool_generation gauge',
    `app_pool_generation ${database.generation}`,
    '# HELP app_ready Whether the last readiness check reached PostgreSQL.',
    '# TYPE app_ready gauge',
    `app_ready ${ready ? 1 : 0}`,
  );
  return `${lines.join('\n')}\n`;
}

const server = createServer(async (request, response) => {
  const route = new URL(request.url ?? '/', 'http://app').pathname;
  let status;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    send(response, 405, { error: `method ${request.method} not allowed; use GET` });
    status = 405;
  } else if (route === '/items' || route === '/') {
    status = await handleItems(response);
  } else if (route === '/healthz') {
    send(response, 200, { ok: true });
    status = 200;
  } else if (route === '/readyz') {
    status = await handleReady(response);
  } else if (route === '/metrics') {
    send(response, 200, metricsText(), 'text/plain; version=0.0.4');
    status = 200;
  } else {
    send(response, 404, { error: `no route ${route}; try /items, /healthz, /readyz or /metrics` });
    status = 404;
  }
  count(route, status);
});

async function main() {
  try {
    await database.open();
  } catch (error) {
    log({ level: 'error', msg: 'reading credentials failed', mode, error: error.message });
    process.exit(1);
  }
  if (mode === 'files') {
    watchCredentialFolder(credentialDir, (target) => {
      database.reload(`..data now points at ${target}`).catch((error) => {
        log({ level: 'error', msg: 'reloading credentials failed', error: error.message });
      });
    });
  }
  server.listen(port, () => log({ msg: 'listening', port, mode, credentials: mode === 'files' ? credentialDir : 'env' }));
}

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    log({ msg: 'shutting down', signal });
    server.close();
    database.close().finally(() => process.exit(0));
  });
}

main();
