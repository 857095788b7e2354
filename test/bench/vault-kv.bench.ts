/**
 * The embedded Vault's KV v2 read throughput and latency over HTTPS on
 * loopback (1 and 16 concurrent clients, keep-alive, 5 s each), and the time
 * from process start to unsealed and serving for `lab serve vault --dev`
 * and for startVault in-process. Run alone with
 * `npx tsx test/bench/vault-kv.bench.ts`.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { Agent, request } from 'undici';
import type { Benchmark, BenchTable } from '../../lab/core/bench.ts';
import {
  createCertificateAuthority,
  issueServerCertificate,
} from '../../lab/emulators/shared/pki.ts';
import { startVault } from '../../lab/emulators/vault/index.ts';

const DURATION_MS = 5_000;
const CONCURRENCY = [1, 16];
const START_TIMEOUT_MS = 180_000;
const LAB = resolve(import.meta.dirname, '../../bin/lab.js');

interface LoadResult {
  clients: number;
  requests: number;
  errors: number;
  seconds: number;
  p50: number;
  p99: number;
}

async function readLoad(url: string, dispatcher: Agent, clients: number): Promise<LoadResult> {
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
  let requests = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + DURATION_MS;
  const client = async () => {
    while (performance.now() < deadline) {
      const begin = performance.now();
      const response = await request(`${url}/v1/secret/data/bench`, {
        headers: { 'x-vault-token': 'root' },
        dispatcher,
      });
      await response.body.text();
      histogram.recordValue(Math.max(1, Math.round((performance.now() - begin) * 1000)));
      requests += 1;
      if (response.statusCode !== 200) errors += 1;
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  const seconds = (performance.now() - started) / 1000;
  return {
    clients,
    requests,
    errors,
    seconds,
    p50: histogram.getValueAtPercentile(50) / 1000,
    p99: histogram.getValueAtPercentile(99) / 1000,
  };
}

/** Spawns `lab serve vault --dev` and returns the ms until sys/health returns 200. */
async function cliStartMs(): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [LAB, 'serve', 'vault', '--dev', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    while (performance.now() - started < START_TIMEOUT_MS) {
      const address = /export VAULT_ADDR='([^']+)'/.exec(output)?.[1];
      if (address !== undefined) {
        const response = await request(`${address}/v1/sys/health`);
        await response.body.text();
        if (response.statusCode === 200) return performance.now() - started;
      }
      await new Promise((done) => setTimeout(done, 20));
    }
    throw new Error(
      `lab serve vault --dev was not serving after ${START_TIMEOUT_MS} ms:\n${output}`,
    );
  } finally {
    child.kill('SIGINT');
  }
}

async function measure(): Promise<BenchTable[]> {
  const ca = await createCertificateAuthority('vault bench CA');
  const tls = await issueServerCertificate(ca, {
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
  });

  const inProcessStart = performance.now();
  const vault = await startVault({ port: 0, tls, dev: { rootTokenId: 'root' } });
  const inProcessMs = performance.now() - inProcessStart;
  const dispatcher = new Agent({ connect: { ca: ca.certPem }, connections: 32 });
  const results: LoadResult[] = [];
  try {
    const write = await request(`${vault.url}/v1/secret/data/bench`, {
      method: 'POST',
      headers: { 'x-vault-token': 'root', 'content-type': 'application/json' },
      body: JSON.stringify({ data: { username: 'app', password: 'bench-value' } }),
      dispatcher,
    });
    await write.body.text();
    for (const clients of CONCURRENCY) results.push(await readLoad(vault.url, dispatcher, clients));
  } finally {
    await dispatcher.close();
    await vault.close();
  }
  const cliMs = await cliStartMs();

  return [
    {
      id: 'vault-kv-read',
      title: 'Embedded Vault: KV v2 reads over HTTPS on loopback',
      description: `GET secret/data/bench with the root token, ${DURATION_MS / 1000} s per row, closed loop (each client sends its next request when the previous response arrives), undici keep-alive, TLS with ECDSA P-256. Client and server share one Node process.`,
      columns: ['clients', 'requests', 'errors', 'requests/s', 'p50 (ms)', 'p99 (ms)'],
      rows: results.map((r) => [
        r.clients,
        r.requests,
        r.errors,
        Math.round(r.requests / r.seconds),
        r.p50.toFixed(2),
        r.p99.toFixed(2),
      ]),
    },
    {
      id: 'vault-start',
      title: 'Embedded Vault: start to unsealed and serving',
      description:
        'Dev mode (initialise, unseal, mount KV v2). The CLI row spawns `node bin/lab.js serve vault --dev --port 0` and stops at the first 200 from sys/health, so it includes loading the whole CLI through tsx.',
      columns: ['measure', 'ms'],
      rows: [
        ['startVault in-process (dev)', Math.round(inProcessMs)],
        ['lab serve vault --dev, process start to health 200', Math.round(cliMs)],
      ],
    },
  ];
}

export const benchmark: Benchmark = { id: 'vault-kv', run: measure };

if (process.argv[1]?.endsWith('vault-kv.bench.ts')) {
  const tables = await measure();
  for (const table of tables) {
    console.log(`${table.title}\n${table.description}`);
    console.log(`  ${table.columns.join(' | ')}`);
    for (const row of table.rows) console.log(`  ${row.join(' | ')}`);
  }
}
