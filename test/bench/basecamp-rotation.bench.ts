/**
 * Delay from a Vault static-role rotation to the sample service using the
 * new credential, on the embedded basecamp with the kubelet's volume sync
 * delay at 0. Each round calls `database/rotate-role/app`, forces ESO to
 * sync with `kubectl annotate ... force-sync=<now>` (so ESO's 15 s refresh
 * interval is not measured), and polls `/items` through the NodePort until
 * both replicas report a new connection pool. Requests that failed during
 * the round are counted.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startInProcess } from '../../lab/basecamp/embedded/index.ts';
import { vaultCaller } from '../../lab/basecamp/vault-setup.ts';
import type { Benchmark, BenchTable } from '../../lab/core/bench.ts';

const ROUNDS = 3;
const ROUND_TIMEOUT_MS = 30_000;
const execFileAsync = promisify(execFile);

export const benchmark: Benchmark = {
  id: 'basecamp-rotation',
  async run(): Promise<BenchTable[]> {
    const folder = await mkdtemp(join(tmpdir(), 'lab-bench-rotate-'));
    await chmod(folder, 0o755);
    const basecamp = await startInProcess({ stateDir: join(folder, 'state'), log: () => undefined, volumeSyncDelayMs: 0 });
    const rows: Array<Array<string | number>> = [];
    try {
      const { endpoints } = basecamp;
      const vault = vaultCaller({ addr: endpoints.vault.addr, caCertPem: await readFile(endpoints.vault.caCert as string, 'utf8'), rootToken: (await readFile(endpoints.vault.tokenFile, 'utf8')).trim() });
      const kubectlEnv = { PATH: process.env.PATH, HOME: folder, KUBECACHEDIR: join(folder, 'kube-cache'), KUBECONFIG: endpoints.kubeconfig };
      for (let round = 1; round <= ROUNDS; round++) {
        const before = await generations(endpoints.serviceUrl);
        const floor = Math.max(...before.values());
        let failed = 0;
        const started = performance.now();
        await vault('POST', 'database/rotate-role/app');
        await execFileAsync('kubectl', ['annotate', 'externalsecret', 'app-db', '-n', 'basecamp', `force-sync=${Date.now()}`, '--overwrite'], { env: kubectlEnv });
        let firstMs: number | undefined;
        while (performance.now() - started < ROUND_TIMEOUT_MS) {
          const response = await fetch(`${endpoints.serviceUrl}/items`).catch(() => undefined);
          if (response?.status !== 200) {
            failed += 1;
            continue;
          }
          const body = (await response.json()) as { generation: number };
          if (body.generation > floor) firstMs ??= performance.now() - started;
          const fresh = await generations(endpoints.serviceUrl);
          if ([...fresh.values()].some((generation) => generation > floor)) firstMs ??= performance.now() - started;
          if (fresh.size >= 2 && [...fresh.values()].every((generation) => generation > floor)) break;
        }
        const allMs = performance.now() - started;
        rows.push([round, firstMs === undefined ? 'timeout' : Math.round(firstMs), Math.round(allMs), failed]);
      }
    } finally {
      await basecamp.stop();
      await rm(folder, { recursive: true, force: true });
    }
    return [
      {
        id: 'basecamp-rotation',
        title: 'Vault rotation to the service using the new credential (kubelet sync delay 0)',
        description:
          'From the rotate-role call until the first /items response served by a new connection pool, and until both replicas use one, in ms; includes the forced ESO sync, the kubelet volume write and the service noticing the ..data swap. Failed requests counts non-200 answers during the round.',
        columns: ['round', 'first replica (ms)', 'both replicas (ms)', 'failed requests'],
        rows,
      },
    ];
  },
};

/** Collects the pool generation of each replica from a few requests; the NodePort alternates between pods per connection. */
async function generations(serviceUrl: string): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for (let i = 0; i < 6; i++) {
    const response = await fetch(`${serviceUrl}/items`, { headers: { connection: 'close' } }).catch(() => undefined);
    if (response?.status !== 200) continue;
    const body = (await response.json()) as { generation: number; pod?: string };
    found.set(body.pod ?? String(i), body.generation);
  }
  return found;
}
