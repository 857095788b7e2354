/**
 * Measures the embedded Kubernetes API server over HTTPS on loopback: GET
 * latency at 16 concurrent clients, and LIST of 5,000 Secrets as JSON and as
 * a Table. It also counts the events of 100 concurrent watches receiving
 * 1,000 updates, with the latency from each write's return to the watch
 * line's arrival. Client and server share one Node process. Run alone with
 * `npx tsx test/bench/kube-api.bench.ts`.
 */
import * as hdr from 'hdr-histogram-js';
import { Agent, request } from 'undici';
import type { Benchmark, BenchTable } from '../../lab/core/bench.ts';
import { type KubeServer, startKube } from '../../lab/emulators/kube/index.ts';

const GET_DURATION_MS = 5_000;
const GET_CLIENTS = 16;
const LIST_SIZE = 5_000;
const LIST_ROUNDS = 20;
const WATCHERS = 100;
const UPDATES = 1_000;
const ADMIN = { user: { username: 'bench', groups: ['system:masters'] } };

function histogram(): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 120_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

function ms(value: number): string {
  return (value / 1000).toFixed(2);
}

/** Opens the 16 TLS connections and warms the JIT first, so the table shows steady-state numbers. */
const WARMUP_MS = 3_000;

async function measureGet(server: KubeServer, dispatcher: Agent): Promise<Array<string | number>> {
  await runGets(server, dispatcher, WARMUP_MS, histogram());
  const latencies = histogram();
  const { requests, errors, seconds } = await runGets(
    server,
    dispatcher,
    GET_DURATION_MS,
    latencies,
  );
  return [
    GET_CLIENTS,
    requests,
    errors,
    Math.round(requests / seconds),
    ms(latencies.getValueAtPercentile(50)),
    ms(latencies.getValueAtPercentile(99)),
  ];
}

async function runGets(
  server: KubeServer,
  dispatcher: Agent,
  durationMs: number,
  latencies: hdr.Histogram,
): Promise<{ requests: number; errors: number; seconds: number }> {
  const headers = { authorization: `Bearer ${server.adminToken}` };
  let requests = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  const client = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const begin = performance.now();
      const response = await request(`${server.url}/api/v1/namespaces/default/secrets/bench`, {
        headers,
        dispatcher,
      });
      await response.body.text();
      latencies.recordValue(Math.max(1, Math.round((performance.now() - begin) * 1000)));
      requests += 1;
      if (response.statusCode !== 200) errors += 1;
    }
  };
  await Promise.all(Array.from({ length: GET_CLIENTS }, client));
  return { requests, errors, seconds: (performance.now() - started) / 1000 };
}

async function measureList(
  server: KubeServer,
  dispatcher: Agent,
  accept: string,
  label: string,
): Promise<Array<string | number>> {
  const latencies = histogram();
  let bytes = 0;
  let items = 0;
  for (let round = 0; round < LIST_ROUNDS; round += 1) {
    const begin = performance.now();
    const response = await request(`${server.url}/api/v1/namespaces/list/secrets`, {
      headers: { authorization: `Bearer ${server.adminToken}`, accept },
      dispatcher,
    });
    const text = await response.body.text();
    latencies.recordValue(Math.max(1, Math.round((performance.now() - begin) * 1000)));
    bytes = text.length;
    const parsed = JSON.parse(text);
    items = (parsed.items ?? parsed.rows).length;
  }
  return [
    label,
    items,
    (bytes / 1024 / 1024).toFixed(1),
    LIST_ROUNDS,
    ms(latencies.getValueAtPercentile(50)),
    ms(latencies.maxValue),
  ];
}

async function measureWatches(
  server: KubeServer,
  dispatcher: Agent,
): Promise<Array<string | number>> {
  const configMaps = server.api.registry.get('', 'v1', 'configmaps');
  if (!configMaps) throw new Error('configmaps are not registered');
  await server.api.create(
    configMaps,
    'default',
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'watched' }, data: { n: '0' } },
    ADMIN,
  );
  const start = String(server.api.store.resourceVersion);
  const writtenAt = new Map<string, number>();
  const latencies = histogram();
  let delivered = 0;
  let resolveAll: () => void = () => {};
  const allDelivered = new Promise<void>((resolve) => {
    resolveAll = resolve;
  });
  const controllers: AbortController[] = [];

  const openWatch = async (): Promise<void> => {
    const abort = new AbortController();
    controllers.push(abort);
    const response = await request(
      `${server.url}/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${start}&fieldSelector=metadata.name%3Dwatched`,
      {
        headers: { authorization: `Bearer ${server.adminToken}` },
        dispatcher,
        signal: abort.signal,
      },
    );
    let buffer = '';
    response.body.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let newline = buffer.indexOf('\n');
      while (newline !== -1) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf('\n');
        const event = JSON.parse(line);
        const at = writtenAt.get(event.object.metadata.resourceVersion);
        if (at !== undefined)
          latencies.recordValue(Math.max(1, Math.round((performance.now() - at) * 1000)));
        delivered += 1;
        if (delivered === WATCHERS * UPDATES) resolveAll();
      }
    });
    response.body.on('error', () => {});
  };
  await Promise.all(Array.from({ length: WATCHERS }, openWatch));

  const started = performance.now();
  for (let update = 1; update <= UPDATES; update += 1) {
    const stored = await server.api.patch(
      configMaps,
      'default',
      'watched',
      'merge',
      { data: { n: String(update) } },
      ADMIN,
    );
    writtenAt.set(stored.metadata.resourceVersion ?? '', performance.now());
    if (update % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, 60_000));
  await Promise.race([allDelivered, timeout]);
  const seconds = (performance.now() - started) / 1000;
  for (const abort of controllers) abort.abort();
  return [
    WATCHERS,
    UPDATES,
    WATCHERS * UPDATES,
    delivered,
    seconds.toFixed(2),
    ms(latencies.getValueAtPercentile(50)),
    ms(latencies.getValueAtPercentile(99)),
  ];
}

export const benchmark: Benchmark = {
  id: 'kube-api',
  async run(): Promise<BenchTable[]> {
    const server = await startKube({ watchHistorySize: 20_000 });
    const dispatcher = new Agent({
      connect: { ca: server.caCertPem },
      connections: 128,
      pipelining: 1,
    });
    try {
      const secrets = server.api.registry.get('', 'v1', 'secrets');
      const namespaces = server.api.registry.get('', 'v1', 'namespaces');
      if (!secrets || !namespaces) throw new Error('core resources are not registered');
      await server.api.create(
        secrets,
        'default',
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'bench' },
          stringData: { password: 'bench' },
        },
        ADMIN,
      );
      await server.api.create(
        namespaces,
        '',
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'list' } },
        ADMIN,
      );
      for (let index = 0; index < LIST_SIZE; index += 1) {
        const body = {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: `s-${index}`, labels: { bench: 'list' } },
          data: { password: 'cGFzc3dvcmQ=' },
        };
        await server.api.create(secrets, 'list', body, ADMIN);
      }

      const get = await measureGet(server, dispatcher);
      const listJson = await measureList(server, dispatcher, 'application/json', 'JSON');
      const listTable = await measureList(
        server,
        dispatcher,
        'application/json;as=Table;v=v1;g=meta.k8s.io',
        'Table',
      );
      const watch = await measureWatches(server, dispatcher);
      return [
        {
          id: 'kube-get',
          title: 'Kubernetes API: GET of one Secret',
          description: `GET /api/v1/namespaces/default/secrets/bench over HTTPS with the admin token, ${GET_CLIENTS} closed-loop clients for ${GET_DURATION_MS / 1000} s, undici keep-alive, after a ${WARMUP_MS / 1000} s warm-up.`,
          columns: ['clients', 'requests', 'errors', 'requests/s', 'p50 (ms)', 'p99 (ms)'],
          rows: [get],
        },
        {
          id: 'kube-list',
          title: `Kubernetes API: LIST of ${LIST_SIZE.toLocaleString('en')} Secrets`,
          description: `One namespace holding ${LIST_SIZE} Secrets, listed ${LIST_ROUNDS} times in a row as a SecretList (JSON) and as the Table kubectl asks for.`,
          columns: ['format', 'items', 'MiB', 'rounds', 'p50 (ms)', 'max (ms)'],
          rows: [listJson, listTable],
        },
        {
          id: 'kube-watch',
          title: `Kubernetes API: ${WATCHERS} watches, ${UPDATES.toLocaleString('en')} updates`,
          description: `${WATCHERS} concurrent watches of one ConfigMap; ${UPDATES} merge patches in process; latency from each write's return to the event line reaching each watcher.`,
          columns: [
            'watches',
            'updates',
            'expected events',
            'delivered',
            'seconds',
            'p50 (ms)',
            'p99 (ms)',
          ],
          rows: [watch],
        },
      ];
    } finally {
      await dispatcher.close().catch(() => {});
      await server.close();
    }
  },
};

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const table of await benchmark.run()) console.log(JSON.stringify(table));
}
