/**
 * How fast the embedded ESO controller turns ExternalSecrets Ready and
 * carries a Vault change into a Secret, against the embedded Kubernetes API
 * and Vault on loopback (token auth, one worker as in ESO). Run alone with
 * `npx tsx test/bench/eso-sync.bench.ts`.
 */
import { Agent, fetch } from 'undici';
import type { Benchmark, BenchTable } from '../../lab/core/bench.ts';
import { externalSecret, tokenSecret, tokenStore } from '../emulators/eso/fixtures/objects.ts';
import { type Platform, startPlatform } from '../emulators/eso/fixtures/platform.ts';

const NS = 'basecamp';
const EXTERNAL_SECRETS = 20;
const ROTATIONS = 5;
const TIMEOUT_MS = 60_000;

interface KubeList {
  items: Array<{
    metadata: { name: string };
    status?: { conditions?: Array<{ type: string; status: string }> };
  }>;
}

async function readyCount(platform: Platform, dispatcher: Agent, prefix: string): Promise<number> {
  const response = await fetch(
    `${platform.kube.url}/apis/external-secrets.io/v1/namespaces/${NS}/externalsecrets`,
    {
      dispatcher,
      headers: { Authorization: `Bearer ${platform.kube.adminToken}` },
    },
  );
  const list = (await response.json()) as KubeList;
  return list.items.filter(
    (item) =>
      item.metadata.name.startsWith(prefix) &&
      item.status?.conditions?.some(
        (condition) => condition.type === 'Ready' && condition.status === 'True',
      ),
  ).length;
}

async function secretValue(
  platform: Platform,
  dispatcher: Agent,
  name: string,
): Promise<string | undefined> {
  const response = await fetch(`${platform.kube.url}/api/v1/namespaces/${NS}/secrets/${name}`, {
    dispatcher,
    headers: { Authorization: `Bearer ${platform.kube.adminToken}` },
  });
  if (response.status !== 200) return undefined;
  const secret = (await response.json()) as { data?: Record<string, string> };
  const encoded = secret.data?.value;
  return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
}

async function until(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`benchmark step timed out after ${TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function measure(): Promise<BenchTable[]> {
  const platform = await startPlatform();
  const dispatcher = new Agent({ connect: { ca: platform.kube.caCertPem } });
  try {
    const created = await platform.vaultCall('POST', 'auth/token/create', {
      policies: ['eso-read'],
      ttl: '1h',
    });
    await platform.apply([tokenSecret(NS, created.body.auth.client_token)]);
    await platform.vaultCall('POST', 'secret/data/bench/value', { data: { value: 'v0' } });
    await platform.apply([
      tokenStore('vault-token-store', NS, platform.vaultServiceUrl, platform.caBundle),
    ]);
    await platform.startController();

    const data = [{ secretKey: 'value', remoteRef: { key: 'bench/value', property: 'value' } }];
    const objects = Array.from({ length: EXTERNAL_SECRETS }, (_, index) =>
      externalSecret(`bench-${index}`, NS, { data }),
    );
    const applyStarted = performance.now();
    await platform.apply(objects);
    await until(
      async () => (await readyCount(platform, dispatcher, 'bench-')) === EXTERNAL_SECRETS,
    );
    const allReadyMs = performance.now() - applyStarted;

    const durations =
      platform.eso?.metricsText().match(/^externalsecret_reconcile_duration\{[^}]*\} (\d+)$/gm) ??
      [];
    const reconcileMs = durations.map((line) => Number(line.split(' ').at(-1)) / 1e6);

    const rotationMs: number[] = [];
    for (let round = 1; round <= ROTATIONS; round++) {
      await platform.vaultCall('POST', 'secret/data/bench/value', { data: { value: `v${round}` } });
      const started = performance.now();
      await platform.kubectl(
        'annotate',
        'externalsecret',
        'bench-0',
        '-n',
        NS,
        `force-sync=${round}`,
        '--overwrite',
      );
      await until(async () => (await secretValue(platform, dispatcher, 'bench-0')) === `v${round}`);
      rotationMs.push(performance.now() - started);
    }

    return [
      {
        id: 'eso-sync',
        title: 'ESO controller: sync and rotation on loopback',
        description: `${EXTERNAL_SECRETS} ExternalSecrets applied at once until all Ready, the last reconcile time of each, and ${ROTATIONS} force-sync rotations (kubectl annotate until the Secret holds the new value). Embedded Kubernetes API and Vault, token auth, one worker.`,
        columns: ['measure', 'value'],
        rows: [
          [`apply to ${EXTERNAL_SECRETS} Ready (ms)`, Math.round(allReadyMs)],
          ['reconcile duration, median (ms)', median(reconcileMs).toFixed(1)],
          ['reconcile duration, max (ms)', Math.max(...reconcileMs).toFixed(1)],
          ['force-sync to new Secret value, median (ms)', Math.round(median(rotationMs))],
        ],
      },
    ];
  } finally {
    await dispatcher.close();
    await platform.close();
  }
}

export const benchmark: Benchmark = { id: 'eso-sync', run: measure };

if (process.argv[1]?.endsWith('eso-sync.bench.ts')) {
  const tables = await measure();
  for (const table of tables) {
    console.log(`${table.title}\n${table.description}`);
    for (const row of table.rows) console.log(`  ${row.join(': ')}`);
  }
}
